#ifndef CGMIME_SHIM_H
#define CGMIME_SHIM_H
/* Small inline shims for the GObject macros Swift cannot import. */
#include <gmime/gmime.h>

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

static inline void cgm_unref(void *object) { if (object) g_object_unref(object); }

#endif
