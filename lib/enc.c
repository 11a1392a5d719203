/* enc: quoted-printable, base64 and RFC 2047 encoders and decoders.  See
 * enc.h. */
#include "enc.h"

#include <errno.h>
#include <string.h>

static const char hexdig[] = "0123456789ABCDEF";

/* ---- UTF-8 ------------------------------------------------------------------ */

size_t enc_utf8_len(const char *s0, size_t n)
{
    const unsigned char *s = (const unsigned char *)s0;
    unsigned char c;
    size_t need;
    unsigned long cp;

    if (n == 0) return 0;
    c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) { need = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { need = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 4; cp = c & 0x07; }
    else return 0;
    if (n < need) return 0;
    for (size_t i = 1; i < need; ++i) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return 0;
    if (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) return 0;
    return need;
}

int enc_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t l = enc_utf8_len(s + i, len - i);
        if (!l) return 0;
        i += l;
    }
    return 1;
}

/* ---- encoders --------------------------------------------------------------- */

int enc_needs(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 32 && c != '\t' && c != '\n' && c != '\r') || c > 126) return 1;
    }
    return 0;
}

static int cat_hex(str *out, unsigned char c)
{
    char t[3] = { '=', hexdig[c >> 4], hexdig[c & 15] };
    return str_catb(out, t, 3);
}

int enc_qp(str *out, const char *s, size_t len)
{
    size_t i = 0, col = 0, mark = out->len;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t rest = len - i;
        int eol, lit;
        if (c == '\n') {
            if (str_catc(out, '\n') < 0) goto fail;
            col = 0;
            i++;
            continue;
        }
        if (c == '\r' && rest > 1 && s[i + 1] == '\n') { i++; continue; }
        /* does this byte end its line? */
        eol = rest == 1 || s[i + 1] == '\n' || (s[i + 1] == '\r' && rest > 2 && s[i + 2] == '\n');
        lit = (c == ' ' || c == '\t') ? !eol : (c >= 33 && c <= 126 && c != '=');
        if (col + (lit ? 1 : 3) > 75) {
            if (str_cats(out, "=\n") < 0) goto fail;
            col = 0;
        }
        if (lit && col == 0 &&
            ((c == 'F' && rest >= 5 && memcmp(s + i, "From ", 5) == 0) || (c == '.' && eol)))
            lit = 0;
        if (lit ? str_catc(out, (char)c) < 0 : cat_hex(out, c) < 0) goto fail;
        col += lit ? 1 : 3;
        i++;
    }
    return 0;
fail:
    if (out->s) str_truncate(out, mark);
    return -1;
}

int enc_b64(str *out, const char *s, size_t len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0, col = 0, mark = out->len;
    while (i < len) {
        unsigned long v = (unsigned long)(unsigned char)s[i] << 16;
        size_t k = len - i;
        char q[4];
        if (k > 1) v |= (unsigned long)(unsigned char)s[i + 1] << 8;
        if (k > 2) v |= (unsigned char)s[i + 2];
        q[0] = b64[(v >> 18) & 63];
        q[1] = b64[(v >> 12) & 63];
        q[2] = k > 1 ? b64[(v >> 6) & 63] : '=';
        q[3] = k > 2 ? b64[v & 63] : '=';
        if (str_catb(out, q, 4) < 0) goto fail;
        i += k > 3 ? 3 : k;
        col += 4;
        if (col >= 76) {
            if (str_catc(out, '\n') < 0) goto fail;
            col = 0;
        }
    }
    if (col && str_catc(out, '\n') < 0) goto fail;
    return 0;
fail:
    if (out->s) str_truncate(out, mark);
    return -1;
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* written as itself in a Q word (RFC 2047 5(3), the safe subset) */
static int q_safe(unsigned char c)
{
    return is_alnum(c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static int charset_ok(const char *cs, size_t n)
{
    if (n == 0 || n > ENC_CHARSET_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)cs[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.' && c != ':' && c != '+') return 0;
    }
    return 1;
}

int enc_2047(str *out, const char *s, size_t len, const char *charset, size_t col)
{
    size_t i = 0, mark = out->len, cslen = strlen(charset), over, full;
    int first = 1;

    if (!charset_ok(charset, cslen)) {
        errno = EINVAL;
        return -1;
    }
    over = cslen + 7;                 /* "=?" charset "?Q?" ... "?=" */
    full = over < 75 ? 75 - over : 1; /* encoded bytes in a word */
    while (i < len) {
        size_t limit = full, used = 0;
        if (first && col < 76 && 76 - col >= over + 16 && 76 - col - over < limit) limit = 76 - col - over;
        if ((!first && str_cats(out, "\n ") < 0) || str_cats(out, "=?") < 0 ||
            str_catb(out, charset, cslen) < 0 || str_cats(out, "?Q?") < 0)
            goto fail;
        while (i < len) {
            const unsigned char *p = (const unsigned char *)s + i;
            size_t cl = enc_utf8_len(s + i, len - i), enc = 0;
            if (!cl) cl = 1;
            for (size_t b = 0; b < cl; ++b) enc += (p[b] == ' ' || q_safe(p[b])) ? 1 : 3;
            if (used && used + enc > limit) break;
            for (size_t b = 0; b < cl; ++b) {
                int r;
                if (p[b] == ' ') r = str_catc(out, '_');
                else if (q_safe(p[b])) r = str_catc(out, (char)p[b]);
                else r = cat_hex(out, p[b]);
                if (r < 0) goto fail;
            }
            used += enc;
            i += cl;
        }
        if (str_cats(out, "?=") < 0) goto fail;
        first = 0;
    }
    return 0;
fail:
    if (out->s) str_truncate(out, mark);
    return -1;
}

/* ---- decoders --------------------------------------------------------------- */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* the byte of "=XX" at s[0..n) (s[0] == '='), or -1 */
static int hexpair(const char *s, size_t n)
{
    int h, l;
    if (n < 3) return -1;
    h = hexval((unsigned char)s[1]);
    l = hexval((unsigned char)s[2]);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
}

/* The decoded text is never longer than its encoding: room is made once and
 * the bytes written directly. */
int enc_unb64(str *out, const char *s, size_t len)
{
    unsigned long acc = 0;
    unsigned bits = 0;
    char *w;
    if (str_readyplus(out, len) < 0) return -1;
    w = out->s + out->len;
    for (size_t i = 0; i < len && s[i] != '='; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0) continue;
        acc = ((acc << 6) | (unsigned long)v) & 0xffffUL;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *w++ = (char)((acc >> bits) & 0xff);
        }
    }
    out->len = (size_t)(w - out->s);
    out->s[out->len] = 0;
    return 0;
}

int enc_unqp(str *out, const char *s, size_t len)
{
    size_t i = 0;
    char *w;
    if (str_readyplus(out, len) < 0) return -1;
    w = out->s + out->len;
    while (i < len) {
        char c = s[i];
        if (c == '=') {
            int b;
            if (len - i > 1 && s[i + 1] == '\n') { i += 2; continue; }
            if (len - i > 2 && s[i + 1] == '\r' && s[i + 2] == '\n') { i += 3; continue; }
            if ((b = hexpair(s + i, len - i)) >= 0) {
                *w++ = (char)b;
                i += 3;
                continue;
            }
        }
        *w++ = c;
        i++;
    }
    out->len = (size_t)(w - out->s);
    out->s[out->len] = 0;
    return 0;
}

int enc_word_unb64(str *out, const char *s, size_t len)
{
    unsigned long acc = 0;
    unsigned bits = 0;
    size_t data = 0, pad = 0;
    char *w;

    if (str_readyplus(out, len) < 0) return -1;
    w = out->s + out->len;
    for (size_t i = 0; i < len; i++) {
        int v;
        if (s[i] == '=') { pad++; continue; }
        if (pad) goto bad; /* data after padding */
        v = b64val((unsigned char)s[i]);
        if (v < 0) goto bad;
        data++;
        acc = ((acc << 6) | (unsigned long)v) & 0xffffUL;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *w++ = (char)((acc >> bits) & 0xff);
        }
    }
    /* missing padding is tolerated; a lone 6-bit group or extra '=' is not */
    if (data % 4 == 1 || pad > 2 || (pad && (data + pad) % 4 != 0)) goto bad;
    out->len = (size_t)(w - out->s);
    out->s[out->len] = 0;
    return 1;
bad:
    out->s[out->len] = 0;
    return 0;
}

int enc_word_unq(str *out, const char *s, size_t len)
{
    char *w;
    if (str_readyplus(out, len) < 0) return -1;
    w = out->s + out->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '_') {
            *w++ = ' ';
        } else if (c == '=') {
            int b = hexpair(s + i, len - i);
            if (b < 0) {
                out->s[out->len] = 0;
                return 0;
            }
            *w++ = (char)b;
            i += 2;
        } else {
            *w++ = (char)c;
        }
    }
    out->len = (size_t)(w - out->s);
    out->s[out->len] = 0;
    return 1;
}
