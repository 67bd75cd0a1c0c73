#ifndef CPCRE2_SHIM_H
#define CPCRE2_SHIM_H
/* PCRE2 with 8-bit code units (UTF-8). pcre2.h names every function and type through PCRE2_SUFFIX macros
   (pcre2_compile -> pcre2_compile_8), which Swift cannot import, so the few calls BoundedRegex makes are
   wrapped here under plain names. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stddef.h>

typedef pcre2_code cpcre2_code;
typedef pcre2_match_context cpcre2_match_context;
typedef pcre2_match_data cpcre2_match_data;

/* Compile options: UTF-8 with Unicode properties for \w, \d, \b and case folding (as ICU does), and invalid
   UTF-8 in a subject is a non-match there rather than an error. */
static inline uint32_t cpcre2_compile_options(void) { return PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF; }

/* Compiles a pattern of `length` bytes; on failure returns NULL and sets *error_code and *error_offset. */
static inline cpcre2_code *cpcre2_compile(const uint8_t *pattern, size_t length, int *error_code,
                                          size_t *error_offset) {
    PCRE2_SIZE offset = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, (PCRE2_SIZE)length, cpcre2_compile_options(), error_code,
                                     &offset, NULL);
    *error_offset = (size_t)offset;
    return code;
}

/* PCRE2's message for a compile or match error code, into buffer; returns the length or a negative error. */
static inline int cpcre2_error_message(int error_code, uint8_t *buffer, size_t size) {
    return pcre2_get_error_message(error_code, (PCRE2_UCHAR *)buffer, (PCRE2_SIZE)size);
}

/* JIT-compiles for complete matches; 0 on success, a negative error when JIT is unavailable (matching then
   uses the interpreter, still bounded by the match context). */
static inline int cpcre2_jit_compile(cpcre2_code *code) { return pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); }

static inline void cpcre2_code_free(cpcre2_code *code) { pcre2_code_free(code); }

/* Number of capture groups. */
static inline uint32_t cpcre2_capture_count(const cpcre2_code *code) {
    uint32_t count = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count);
    return count;
}

/* The name table: count entries of entry_size bytes; each is a 2-byte big-endian group number, then the
   zero-terminated name. */
static inline const uint8_t *cpcre2_name_table(const cpcre2_code *code, uint32_t *count, uint32_t *entry_size) {
    PCRE2_SPTR table = NULL;
    *count = 0;
    *entry_size = 0;
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, count);
    pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, entry_size);
    pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
    return (const uint8_t *)table;
}

/* A match context with the limits set: match_limit (backtracking steps per start position, JIT and interpreter),
   depth_limit (backtracking nesting, interpreter) and heap_limit (KiB of backtracking memory, interpreter). */
static inline cpcre2_match_context *cpcre2_match_context_create(uint32_t match_limit, uint32_t depth_limit,
                                                                 uint32_t heap_limit_kib) {
    pcre2_match_context *context = pcre2_match_context_create(NULL);
    if (context == NULL) return NULL;
    pcre2_set_match_limit(context, match_limit);
    pcre2_set_depth_limit(context, depth_limit);
    pcre2_set_heap_limit(context, heap_limit_kib);
    return context;
}

static inline void cpcre2_match_context_free(cpcre2_match_context *context) { pcre2_match_context_free(context); }

static inline cpcre2_match_data *cpcre2_match_data_create(const cpcre2_code *code) {
    return pcre2_match_data_create_from_pattern(code, NULL);
}

static inline void cpcre2_match_data_free(cpcre2_match_data *data) { pcre2_match_data_free(data); }

/* Searches subject[0..<length] (no UTF check: the pattern was compiled with PCRE2_MATCH_INVALID_UTF). Returns
   > 0 on a match, PCRE2_ERROR_NOMATCH (-1), or another negative error (a limit). */
static inline int cpcre2_match(const cpcre2_code *code, const uint8_t *subject, size_t length,
                               cpcre2_match_data *data, cpcre2_match_context *context) {
    static const uint8_t empty = 0;
    return pcre2_match(code, subject != NULL ? (PCRE2_SPTR)subject : (PCRE2_SPTR)&empty, (PCRE2_SIZE)length, 0,
                       0, data, context);
}

/* The ovector: pairs of byte offsets, start and end of each group; CPCRE2_UNSET for a group that did not
   take part. */
static inline const size_t *cpcre2_ovector(cpcre2_match_data *data) {
    return (const size_t *)pcre2_get_ovector_pointer(data);
}

static inline uint32_t cpcre2_ovector_count(cpcre2_match_data *data) { return pcre2_get_ovector_count(data); }

static inline size_t cpcre2_unset(void) { return (size_t)PCRE2_UNSET; }

enum {
    CPCRE2_ERROR_NOMATCH = PCRE2_ERROR_NOMATCH,
    CPCRE2_ERROR_MATCHLIMIT = PCRE2_ERROR_MATCHLIMIT,
    CPCRE2_ERROR_DEPTHLIMIT = PCRE2_ERROR_DEPTHLIMIT,
    CPCRE2_ERROR_HEAPLIMIT = PCRE2_ERROR_HEAPLIMIT,
    CPCRE2_ERROR_JIT_STACKLIMIT = PCRE2_ERROR_JIT_STACKLIMIT,
};

#endif
