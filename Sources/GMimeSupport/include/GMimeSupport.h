#ifndef GMIME_SUPPORT_H
#define GMIME_SUPPORT_H
/* GMime behaviour the parser tunes from C: things Swift cannot express against GObject class structures. */
#include <glib.h>
#include <stddef.h>

/* Installs the lazy header validation described in HeaderValidation.c once per process. Returns TRUE when it is in
   place, FALSE when this GMime is not a version whose header handling it was written against (GMime then validates
   every header as it always does). Call after g_mime_init(). */
gboolean gms_install_lazy_header_validation(void);

/* Turns lazy header validation on or off for the calling thread (off by default). */
void gms_set_lazy_header_validation(gboolean lazy);

/* For base64 content: how many bytes are in the base64 alphabet, how many are '=', and how many alphabet bytes come
   after the first '='. */
void gms_base64_census(const unsigned char *bytes, size_t length, size_t *alphabet, size_t *padding,
                       size_t *alphabetAfterPadding);

#endif
