/* Counting base64 content without decoding it, for MailParser's attachment sizes: half of MIME-heavy list mail is
 * base64 attachments, and this loop reads every byte of them. */
#include "GMimeSupport.h"

#include <string.h>

#if defined(__linux__) && defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define CENSUS_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef CENSUS_CLONES
#define CENSUS_CLONES
#endif

/* 1 when c is in the base64 alphabet. */
static inline unsigned char is_base64_alphabet(unsigned char c) {
    return ((unsigned char)(c - 'A') < 26) | ((unsigned char)(c - 'a') < 26) | ((unsigned char)(c - '0') < 10) |
           (c == '+') | (c == '/');
}

/* For base64 content: how many bytes are in the base64 alphabet, how many are '=', and how many alphabet bytes come
   after the first '='. The counts run in blocks of byte-sized counters so that the compiler vectorises the loop
   16 bytes at a time, 32 where the processor has AVX2 (the function is compiled for both; the loader picks one). */
CENSUS_CLONES
void gms_base64_census(const unsigned char *bytes, size_t length, size_t *alphabet, size_t *padding,
                       size_t *alphabetAfterPadding) {
    size_t a = 0, p = 0;
    for (size_t i = 0; i < length; i += 240) {
        size_t block = length - i < 240 ? length - i : 240;
        unsigned char blockAlphabet = 0, blockPadding = 0;
        for (size_t j = 0; j < block; j++) {
            unsigned char c = bytes[i + j];
            blockAlphabet += is_base64_alphabet(c);
            blockPadding += c == '=';
        }
        a += blockAlphabet;
        p += blockPadding;
    }
    size_t after = 0;
    if (p > 0) {
        const unsigned char *first = memchr(bytes, '=', length);
        for (const unsigned char *q = first + 1; q < bytes + length; q++) after += is_base64_alphabet(*q);
    }
    *alphabet = a;
    *padding = p;
    *alphabetAfterPadding = after;
}
