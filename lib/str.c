/* str: growable byte strings.  See str.h. */
#include "str.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int size_add(size_t a, size_t b, size_t *sum)
{
    if (a > SIZE_MAX - b) { errno = ENOMEM; return -1; }
    *sum = a + b;
    return 0;
}

int size_mul(size_t a, size_t b, size_t *product)
{
    if (a && b > SIZE_MAX / a) { errno = ENOMEM; return -1; }
    *product = a * b;
    return 0;
}

int str_ready(str *sa, size_t n)
{
    size_t want, newcap;
    char *p;

    if (size_add(n, 1, &want) < 0) return -1;
    if (sa->s && sa->cap >= want) return 0;
    /* grow geometrically, but fall back to the exact size near the limit */
    newcap = want;
    if (want < SIZE_MAX / 2) newcap = want + (want >> 3) + 30;
    if (newcap > (size_t)PTRDIFF_MAX) { errno = ENOMEM; return -1; }
    p = realloc(sa->s, newcap);
    if (!p) { errno = ENOMEM; return -1; }
    if (!sa->s) { p[0] = 0; sa->len = 0; }
    sa->s = p;
    sa->cap = newcap;
    return 0;
}

int str_readyplus(str *sa, size_t n)
{
    size_t total;
    if (size_add(sa->s ? sa->len : 0, n, &total) < 0) return -1;
    return str_ready(sa, total);
}

int str_copyb(str *sa, const char *b, size_t n)
{
    if (str_ready(sa, n) < 0) return -1;
    if (n) memmove(sa->s, b, n);
    sa->len = n;
    sa->s[n] = 0;
    return 0;
}

int str_copys(str *sa, const char *s) { return str_copyb(sa, s, strlen(s)); }
int str_copy(str *to, const str *from) { return str_copyb(to, from->s ? from->s : "", from->len); }

int str_catb(str *sa, const char *b, size_t n)
{
    size_t off;
    /* b may point into sa itself; remember its offset across realloc */
    if (sa->s && b >= sa->s && b < sa->s + sa->cap) {
        off = (size_t)(b - sa->s);
        if (str_readyplus(sa, n) < 0) return -1;
        b = sa->s + off;
    } else if (str_readyplus(sa, n) < 0) {
        return -1;
    }
    if (n) memmove(sa->s + sa->len, b, n);
    sa->len += n;
    sa->s[sa->len] = 0;
    return 0;
}

int str_cats(str *sa, const char *s) { return str_catb(sa, s, strlen(s)); }
int str_cat(str *to, const str *from) { return str_catb(to, from->s ? from->s : "", from->len); }
int str_catc(str *sa, char c) { return str_catb(sa, &c, 1); }

int str_catulong(str *sa, unsigned long u)
{
    char buf[3 * sizeof u + 1];
    size_t i = sizeof buf;
    do { buf[--i] = (char)('0' + u % 10); u /= 10; } while (u);
    return str_catb(sa, buf + i, sizeof buf - i);
}

int str_catlong(str *sa, long l)
{
    if (l < 0) {
        if (str_catc(sa, '-') < 0) return -1;
        return str_catulong(sa, (unsigned long)(-(l + 1)) + 1);
    }
    return str_catulong(sa, (unsigned long)l);
}

int str_catf(str *sa, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || n > 65536) { errno = EINVAL; return -1; }
    if ((size_t)n < sizeof buf) return str_catb(sa, buf, (size_t)n);
    if (str_readyplus(sa, (size_t)n) < 0) return -1;
    va_start(ap, fmt);
    vsnprintf(sa->s + sa->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sa->len += (size_t)n;
    return 0;
}

void str_truncate(str *sa, size_t len)
{
    if (!sa->s || len > sa->len) return;
    sa->len = len;
    sa->s[len] = 0;
}

void str_free(str *sa)
{
    free(sa->s);
    sa->s = 0;
    sa->len = sa->cap = 0;
}

int str_equals(const str *sa, const char *s)
{
    size_t n = strlen(s);
    return sa->len == n && (n == 0 || memcmp(sa->s, s, n) == 0);
}

int str_starts(const str *sa, const char *prefix)
{
    size_t n = strlen(prefix);
    return sa->len >= n && (n == 0 || memcmp(sa->s, prefix, n) == 0);
}

ptrdiff_t str_chr(const str *sa, char c)
{
    const char *p;
    if (!sa->len) return -1;
    p = memchr(sa->s, c, sa->len);
    return p ? p - sa->s : -1;
}

ptrdiff_t str_rchr(const str *sa, char c)
{
    size_t i = sa->len;
    while (i > 0) if (sa->s[--i] == c) return (ptrdiff_t)i;
    return -1;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

void str_lower(str *sa)
{
    for (size_t i = 0; i < sa->len; i++) sa->s[i] = ascii_lower(sa->s[i]);
}

int case_equalb(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return 0;
    return 1;
}

int case_equals(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && case_equalb(a, b, n);
}

int case_starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && case_equalb(s, prefix, n);
}

size_t scan_ulong(const char *s, size_t len, unsigned long *u)
{
    unsigned long r = 0;
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        unsigned d = (unsigned)(s[i] - '0');
        if (r > (ULONG_MAX - d) / 10) return 0;
        r = r * 10 + d;
        i++;
    }
    if (i) *u = r;
    return i;
}
