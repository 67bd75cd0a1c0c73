#ifndef CGMIME_SHIM_H
#define CGMIME_SHIM_H
/* Small inline shims for the GObject macros Swift cannot import. */
#include <gmime/gmime.h>
#include <string.h>

static inline gboolean cgm_is_text_part(GMimeObject *o) { return GMIME_IS_TEXT_PART(o); }
static inline gboolean cgm_is_part(GMimeObject *o) { return GMIME_IS_PART(o); }
static inline gboolean cgm_is_multipart(GMimeObject *o) { return GMIME_IS_MULTIPART(o); }
static inline gboolean cgm_is_message_part(GMimeObject *o) { return GMIME_IS_MESSAGE_PART(o); }
static inline gboolean cgm_is_attachment(GMimeObject *o) {
    return GMIME_IS_PART(o) && g_mime_part_is_attachment(GMIME_PART(o));
}
static inline GMimeObject *cgm_message_object(GMimeMessage *m) { return GMIME_OBJECT(m); }
static inline GMimePart *cgm_as_part(GMimeObject *o) { return GMIME_IS_PART(o) ? GMIME_PART(o) : NULL; }
static inline GMimeMultipart *cgm_as_multipart(GMimeObject *o) {
    return GMIME_IS_MULTIPART(o) ? GMIME_MULTIPART(o) : NULL;
}
static inline GMimeMessage *cgm_message_part_message(GMimeObject *o) {
    return GMIME_IS_MESSAGE_PART(o) ? g_mime_message_part_get_message(GMIME_MESSAGE_PART(o)) : NULL;
}

/* Decoded text of a text part (transfer encoding + charset -> UTF-8 where the charset is known);
   the caller g_free()s. */
static inline char *cgm_text(GMimeObject *o) {
    return GMIME_IS_TEXT_PART(o) ? g_mime_text_part_get_text(GMIME_TEXT_PART(o)) : NULL;
}

/* g_mime_text_part_get_text with the length, for any part (a text part GMime did not recognise, such as
   "Content-Type: text; charset=utf-8", included) and the charset given (NULL: none): the decoded text (transfer encoding + charset -> UTF-8 where the charset
   is known) and its byte count, NUL bytes included (g_mime_text_part_get_text returns the same bytes as a C string,
   so a NUL in the text cut it short). The caller g_free()s. NULL when the object is not a text part. */
static inline char *cgm_text_with_length(GMimeObject *o, const char *charset, size_t *length) {
    *length = 0;
    if (!GMIME_IS_PART(o)) return NULL;
    GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(o));
    if (content == NULL) return NULL;
    GMimeStream *stream = g_mime_stream_mem_new();
    GMimeStream *filtered = g_mime_stream_filter_new(stream);
    GMimeFilter *filter = charset != NULL ? g_mime_filter_charset_new(charset, "utf-8") : NULL;
    if (filter != NULL) {
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), filter);
        g_object_unref(filter);
    }
    g_mime_data_wrapper_write_to_stream(content, filtered);
    g_mime_stream_flush(filtered);
    g_object_unref(filtered);
    GByteArray *array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    g_object_unref(stream);
    *length = array->len;
    g_byte_array_append(array, (const guint8 *)"", 1);
    return (char *)g_byte_array_free(array, FALSE);
}

/* Size of a part's content after transfer decoding, computed by streaming it to a null stream. */
static inline gint64 cgm_decoded_size(GMimeObject *o) {
    if (!GMIME_IS_PART(o)) return -1;
    GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(o));
    if (content == NULL) return 0;
    GMimeStream *null_stream = g_mime_stream_null_new();
    gssize n = g_mime_data_wrapper_write_to_stream(content, null_stream);
    g_object_unref(null_stream);
    return (gint64)n;
}

static inline gboolean cgm_address_is_group(InternetAddress *a) { return INTERNET_ADDRESS_IS_GROUP(a); }
static inline gboolean cgm_address_is_mailbox(InternetAddress *a) { return INTERNET_ADDRESS_IS_MAILBOX(a); }
static inline InternetAddressList *cgm_group_members(InternetAddress *a) {
    return INTERNET_ADDRESS_IS_GROUP(a) ? internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)) : NULL;
}
static inline const char *cgm_mailbox_addr(InternetAddress *a) {
    return INTERNET_ADDRESS_IS_MAILBOX(a) ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)) : NULL;
}

/* A memory stream over a copy of the bytes. */
static inline GMimeStream *cgm_stream_mem_copy(const void *bytes, size_t len) {
    return g_mime_stream_mem_new_with_buffer((const char *)bytes, len);
}

/* Lowercase hex SHA-256 of the bytes; the caller g_free()s. */
static inline char *cgm_sha256_hex(const void *bytes, size_t len) {
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)bytes, len);
}

/* The still transfer-encoded bytes of a part's content, read in place: when GMime parses from memory, a part's content
   is a memory (sub)stream over the message buffer. Returns FALSE (and nothing) when the content is held any other way;
   the caller then goes through g_mime_data_wrapper_write_to_stream. The bytes live as long as the part. */
static inline gboolean cgm_part_encoded_content(GMimeObject *o, const unsigned char **bytes, size_t *length,
                                                GMimeContentEncoding *encoding) {
    if (!GMIME_IS_PART(o)) return FALSE;
    GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(o));
    if (content == NULL || content->stream == NULL || !GMIME_IS_STREAM_MEM(content->stream)) return FALSE;
    GMimeStream *stream = content->stream;
    GByteArray *buffer = GMIME_STREAM_MEM(stream)->buffer;
    if (buffer == NULL) return FALSE;
    gint64 end = stream->bound_end != -1 ? stream->bound_end : (gint64)buffer->len;
    if (stream->bound_start < 0 || end < stream->bound_start || end > (gint64)buffer->len) return FALSE;
    *bytes = buffer->data + stream->bound_start;
    *length = (size_t)(end - stream->bound_start);
    *encoding = content->encoding;
    return TRUE;
}

/* A memory stream over a GByteArray that the stream does not own; cgm_byte_array_lend points the array at bytes the
   caller keeps alive (no copy), cgm_byte_array_lend(array, NULL, 0) detaches it again. */
static inline GMimeStream *cgm_stream_mem_over(GByteArray *array) {
    GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(array);
    if (stream != NULL) g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    return stream;
}
static inline void cgm_byte_array_lend(GByteArray *array, const void *bytes, guint len) {
    array->data = (guint8 *)bytes;
    array->len = len;
}
static inline GMimeParser *cgm_parser_new(void) { return g_mime_parser_new(); }

static inline void cgm_unref(void *object) { if (object) g_object_unref(object); }

#endif
