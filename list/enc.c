/* enc: quoted-printable, base64 and RFC 2047 encoders.  See enc.h. */
#include "enc.h"

static const char hex[] = "0123456789ABCDEF";

int enc_needs(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 32 && c != '\t' && c != '\n' && c != '\r') || c > 126) return 1;
    }
    return 0;
}

int enc_qp(str *out, const char *s, size_t len)
{
    size_t i = 0, col = 0;
    if (str_readyplus(out, len + len / 2 + 8) < 0) return -1;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        char piece[4];
        size_t n;
        if (c == '\n') {
            if (str_catc(out, '\n') < 0) return -1;
            col = 0;
            i++;
            continue;
        }
        if (c == '\r' && i + 1 < len && s[i + 1] == '\n') { i++; continue; }
        if ((c == ' ' || c == '\t') && (i + 1 == len || s[i + 1] == '\n' || s[i + 1] == '\r')) {
            piece[0] = '='; piece[1] = hex[c >> 4]; piece[2] = hex[c & 15]; n = 3;
        } else if (c == '=' || (c < 32 && c != '\t') || c > 126) {
            piece[0] = '='; piece[1] = hex[c >> 4]; piece[2] = hex[c & 15]; n = 3;
        } else {
            piece[0] = (char)c; n = 1;
        }
        if (col + n > 75) {
            if (str_cats(out, "=\n") < 0) return -1;
            col = 0;
        }
        if (str_catb(out, piece, n) < 0) return -1;
        col += n;
        i++;
    }
    return 0;
}

int enc_b64(str *out, const char *s, size_t len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0, col = 0;
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
        if (str_catb(out, q, 4) < 0) return -1;
        i += k > 3 ? 3 : k;
        col += 4;
        if (col >= 76) {
            if (str_catc(out, '\n') < 0) return -1;
            col = 0;
        }
    }
    if (col && str_catc(out, '\n') < 0) return -1;
    return 0;
}

int enc_2047(str *out, const char *s, size_t len, const char *charset)
{
    size_t i = 0, head, start;
    int first = 1;
    while (i < len || first) {
        size_t used;
        if (!first && str_catc(out, ' ') < 0) return -1;
        first = 0;
        head = out->len;
        if (str_cats(out, "=?") < 0 || str_cats(out, charset) < 0 || str_cats(out, "?Q?") < 0)
            return -1;
        used = out->len - head + 2;
        start = i;
        while (i < len) {
            unsigned char c = (unsigned char)s[i];
            size_t need = 1, k;
            /* keep a UTF-8 sequence in one word */
            if (c >= 0xc0) {
                while (i + need < len && ((unsigned char)s[i + need] & 0xc0) == 0x80 && need < 4) need++;
            }
            if (used + need * 3 > 75 && i > start) break;
            for (k = 0; k < need; k++) {
                c = (unsigned char)s[i + k];
                if (c == ' ') {
                    if (str_catc(out, '_') < 0) return -1;
                    used++;
                } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '!' || c == '*' || c == '+' || c == '-' || c == '/') {
                    if (str_catc(out, (char)c) < 0) return -1;
                    used++;
                } else {
                    char e[3] = { '=', hex[c >> 4], hex[c & 15] };
                    if (str_catb(out, e, 3) < 0) return -1;
                    used += 3;
                }
            }
            i += need;
        }
        if (str_cats(out, "?=") < 0) return -1;
    }
    return 0;
}

static int b64v(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int enc_unb64(str *out, const char *s, size_t len)
{
    unsigned long acc = 0;
    int bits = 0;
    size_t i;
    for (i = 0; i < len; i++) {
        int v = b64v((unsigned char)s[i]);
        if (s[i] == '=') break;
        if (v < 0) continue;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (str_catc(out, (char)((acc >> bits) & 0xff)) < 0) return -1;
        }
    }
    return 0;
}

static int hexv(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int enc_unqp(str *out, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (c == '=') {
            if (i + 1 < len && s[i + 1] == '\n') { i += 2; continue; }
            if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') { i += 3; continue; }
            if (i + 2 < len && hexv((unsigned char)s[i + 1]) >= 0 && hexv((unsigned char)s[i + 2]) >= 0) {
                if (str_catc(out, (char)(hexv((unsigned char)s[i + 1]) * 16 + hexv((unsigned char)s[i + 2]))) < 0)
                    return -1;
                i += 3;
                continue;
            }
        }
        if (str_catc(out, c) < 0) return -1;
        i++;
    }
    return 0;
}
