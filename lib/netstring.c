/* netstring: "<len>:<bytes>," framing.  See netstring.h. */
#include "netstring.h"

#include <errno.h>

int netstring_catlen(str *out, size_t len)
{
    char tmp[32];
    size_t i = sizeof tmp;
    tmp[--i] = ':';
    do {
        tmp[--i] = (char)('0' + len % 10);
        len /= 10;
    } while (len);
    return str_catb(out, tmp + i, sizeof tmp - i);
}

int netstring_cat(str *out, const char *s, size_t len)
{
    size_t mark = out->len;
    if (netstring_catlen(out, len) < 0) return -1;
    if (str_catb(out, s, len) < 0 || str_catc(out, ',') < 0) {
        str_truncate(out, mark);
        return -1;
    }
    return 0;
}

/* One step of the length automaton over byte c (always consumed).  state:
 * 0 = nothing yet, 1 = digits, 2 = a lone leading '0'.  Returns -1 to go
 * on, else a result. */
static int len_step(int *state, size_t *acc, size_t max, unsigned char c)
{
    if (c == ':') return *state == 0 ? NETSTRING_BAD : NETSTRING_OK;
    if (c < '0' || c > '9') return NETSTRING_BAD;
    if (*state == 2) return NETSTRING_BAD; /* a leading zero */
    size_t d = (size_t)(c - '0');
    if (*state == 0 && d == 0) {
        *state = 2;
        *acc = 0;
        return -1;
    }
    if (d > max || *acc > (max - d) / 10) return NETSTRING_TOOBIG; /* acc*10 + d > max */
    *acc = *acc * 10 + d;
    *state = 1;
    return -1;
}

int netstring_getlen(buf *in, size_t max, size_t *len, size_t *used)
{
    size_t acc = 0, n = 0;
    int state = 0;
    if (used) *used = 0;
    for (;;) {
        char c;
        int r = buf_getc(in, &c);
        if (r < 0) return NETSTRING_ERR;
        if (r == 0) return n ? NETSTRING_TRUNC : NETSTRING_EOF;
        n++;
        if (used) *used = n;
        r = len_step(&state, &acc, max, (unsigned char)c);
        if (r < 0) continue;
        if (r == NETSTRING_OK) *len = acc;
        return r;
    }
}

int netstring_getcomma(buf *in)
{
    char c;
    int r = buf_getc(in, &c);
    if (r < 0) return NETSTRING_ERR;
    if (r == 0) return NETSTRING_TRUNC;
    return c == ',' ? NETSTRING_OK : NETSTRING_BAD;
}

int netstring_get(buf *in, str *out, size_t max, size_t *used)
{
    size_t len, u = 0, got = 0;
    int r = netstring_getlen(in, max, &len, &u);
    if (used) *used = u;
    if (r != NETSTRING_OK) return r == NETSTRING_EOF ? NETSTRING_EOF : r;
    if (str_ready(out, len) < 0) return NETSTRING_ERR;
    out->len = 0;
    while (got < len) {
        ssize_t k = buf_read(in, out->s + got, len - got);
        if (k < 0) return NETSTRING_ERR;
        if (k == 0) {
            out->len = got;
            out->s[got] = 0;
            if (used) *used = u + got;
            return NETSTRING_TRUNC;
        }
        got += (size_t)k;
    }
    out->len = len;
    out->s[len] = 0;
    r = netstring_getcomma(in);
    if (used) *used = u + len + (r == NETSTRING_TRUNC ? 0 : 1);
    return r;
}

int netstring_parse(const char *s, size_t n, size_t max, size_t *start, size_t *len,
                    size_t *next)
{
    size_t acc = 0, i = 0;
    int state = 0;
    if (n == 0) return NETSTRING_EOF;
    for (;;) {
        if (i >= n) return NETSTRING_TRUNC;
        int r = len_step(&state, &acc, max, (unsigned char)s[i++]);
        if (r < 0) continue;
        if (r != NETSTRING_OK) return r;
        break;
    }
    /* i is just past ':' */
    if (n - i < acc) return NETSTRING_TRUNC;
    if (n - i == acc) return NETSTRING_TRUNC; /* the ',' is missing so far */
    if (s[i + acc] != ',') return NETSTRING_BAD;
    *start = i;
    *len = acc;
    *next = i + acc + 1;
    return NETSTRING_OK;
}
