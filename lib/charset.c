/* charset: to UTF-8 through iconv, ISO-8859-1 built in (see charset.h). */
#include "charset.h"

#include <errno.h>
#include <strings.h>

static const char *const latin1_names[] = {
    "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1", "latin-1",
    "l1", "iso-ir-100", "cp819", "ibm819", "csisolatin1", 0,
};

int charset_is_latin1(const char *label)
{
    for (int i = 0; latin1_names[i]; i++)
        if (strcasecmp(label, latin1_names[i]) == 0) return 1;
    return 0;
}

int charset_open(charset_conv *c, const char *label)
{
    c->kind = CHARSET_NONE;
    if (charset_is_latin1(label)) {
        c->kind = CHARSET_LATIN1;
        return 0;
    }
    c->cd = iconv_open("UTF-8", label);
    if (c->cd == (iconv_t)-1) return -1;
    c->kind = CHARSET_ICONV;
    return 0;
}

static size_t latin1_run(char **in, size_t *inleft, char **out, size_t *outleft)
{
    const unsigned char *s = (const unsigned char *)*in;
    unsigned char *o = (unsigned char *)*out;
    size_t n = *inleft, room = *outleft;
    size_t r = 0;

    while (n) {
        unsigned char b = *s;
        if (b < 0x80) {
            if (room < 1) { r = (size_t)-1; break; }
            *o++ = b;
            room--;
        } else {
            if (room < 2) { r = (size_t)-1; break; }
            *o++ = (unsigned char)(0xC0 | (b >> 6));
            *o++ = (unsigned char)(0x80 | (b & 0x3F));
            room -= 2;
        }
        s++;
        n--;
    }
    *in = (char *)s;
    *inleft = n;
    *out = (char *)o;
    *outleft = room;
    if (r == (size_t)-1) errno = E2BIG;
    return r;
}

size_t charset_conv_run(charset_conv *c, char **in, size_t *inleft, char **out, size_t *outleft)
{
    switch (c->kind) {
    case CHARSET_LATIN1:
        if (!in || !*in) return 0;
        return latin1_run(in, inleft, out, outleft);
    case CHARSET_ICONV:
        return iconv(c->cd, in, inleft, out, outleft);
    default:
        errno = EBADF;
        return (size_t)-1;
    }
}

void charset_close(charset_conv *c)
{
    if (c->kind == CHARSET_ICONV) iconv_close(c->cd);
    c->kind = CHARSET_NONE;
}
