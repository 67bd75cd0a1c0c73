/* Lazy header validation for GMime 3.2.
 *
 * With a parser warning callback installed, GMime 3.2's GMimeObject "header added" handler (object_header_changed in
 * gmime-object.c) decodes every header the parser adds -- unfolds it and runs the RFC 2047 tokenizer over it -- only
 * to give the tokenizer a chance to report GMIME_WARN_INVALID_RFC2047_HEADER_VALUE. On list mail, with dozens of
 * Received, DKIM-Signature and ARC headers per message, that is about a quarter of the whole parse, and the decoded
 * values of those headers are never read.
 *
 * The tokenizer (tokenize_rfc2047_phrase / tokenize_rfc2047_text in gmime-utils.c) can only warn about an encoded
 * word, so never for a value without "=?"; and for a header whose name does not start with "Content-" the handler
 * does nothing else. So, on a thread that asked for it, the handler installed here returns at once for such a header
 * and hands every other header to GMime's own: the warnings raised, their order and every value read later are those
 * of GMime's eager validation (MailParser's tests compare both over the whole corpus).
 *
 * The handler is GMime's own class method, swapped in the class structures of GMimeObject and of every subclass that
 * inherited it (GMimeMessage and GMimePart override it and chain up to GMimeObject's). It is installed only on GMime
 * 3.2, the version whose code this reasons about. */
#include "GMimeSupport.h"

#include <gmime/gmime.h>
#include <string.h>

typedef void (*HeaderAdded)(GMimeObject *object, GMimeHeader *header);

static HeaderAdded gmime_header_added;
static _Thread_local gboolean lazy_on_this_thread;

/* Whether the value contains "=?" (strchr is vectorised; strstr's general search is several times slower here). */
static gboolean has_encoded_word_start(const char *value) {
    if (value == NULL) return FALSE;
    for (const char *p = strchr(value, '='); p != NULL; p = strchr(p + 1, '='))
        if (p[1] == '?') return TRUE;
    return FALSE;
}

static void lazy_header_added(GMimeObject *object, GMimeHeader *header) {
    if (lazy_on_this_thread) {
        const char *name = g_mime_header_get_name(header);
        const char *raw = g_mime_header_get_raw_value(header);
        if (name != NULL && g_ascii_strncasecmp(name, "Content-", 8) != 0 && !has_encoded_word_start(raw))
            return;
    }
    gmime_header_added(object, header);
}

/* Swaps GMime's handler for ours in the class of `type` and of its subclasses, where the class still has GMime's. */
static void swap_in(GType type) {
    GMimeObjectClass *klass = g_type_class_ref(type); /* kept: the class structure must stay initialised */
    if (klass->header_added == gmime_header_added) klass->header_added = lazy_header_added;
    guint count = 0;
    GType *children = g_type_children(type, &count);
    for (guint i = 0; i < count; i++) swap_in(children[i]);
    g_free(children);
}

static gpointer install(gpointer unused) {
    (void)unused;
    if (gmime_major_version != 3 || gmime_minor_version != 2) return GINT_TO_POINTER(FALSE);
    GMimeObjectClass *base = g_type_class_ref(GMIME_TYPE_OBJECT);
    gmime_header_added = base->header_added;
    if (gmime_header_added == NULL) return GINT_TO_POINTER(FALSE);
    swap_in(GMIME_TYPE_OBJECT);
    return GINT_TO_POINTER(TRUE);
}

gboolean gms_install_lazy_header_validation(void) {
    static GOnce once = G_ONCE_INIT;
    return GPOINTER_TO_INT(g_once(&once, install, NULL));
}

void gms_set_lazy_header_validation(gboolean lazy) { lazy_on_this_thread = lazy; }
