/*
 * str: growable byte strings with overflow-checked sizes.
 *
 * Mail is bytes: a str may hold NUL and any other byte; len is authoritative.
 * For convenience every successful operation leaves a NUL after the last
 * byte (s[len] == 0) whenever s is non-NULL, so a str without embedded NULs
 * can be passed to C string functions directly.  All growth goes through
 * str_ready(), which refuses sizes that would overflow (errno = ENOMEM) and
 * never leaves the string in a half-changed state.  A zeroed str (STR_INIT)
 * is empty and owns nothing.
 *
 * Functions return 0 on success, -1 with errno set on failure.
 */
#ifndef SUITE_STR_H
#define SUITE_STR_H

#include <stddef.h>

typedef struct str {
    char *s;      /* bytes; NULL until the first growth */
    size_t len;   /* bytes in use */
    size_t cap;   /* bytes allocated (always > len when s != NULL) */
} str;

#define STR_INIT { 0, 0, 0 }

/* a + b without overflow: returns 0 and stores the sum, or -1 (errno ENOMEM). */
int size_add(size_t a, size_t b, size_t *sum);
/* a * b without overflow: returns 0 and stores the product, or -1 (errno ENOMEM). */
int size_mul(size_t a, size_t b, size_t *product);

int str_ready(str *sa, size_t n);            /* room for n bytes + NUL */
int str_readyplus(str *sa, size_t n);        /* room for len + n bytes + NUL */
int str_copyb(str *sa, const char *b, size_t n);
int str_copys(str *sa, const char *s);
int str_copy(str *to, const str *from);
int str_catb(str *sa, const char *b, size_t n);
int str_cats(str *sa, const char *s);
int str_cat(str *to, const str *from);
int str_catc(str *sa, char c);
int str_catulong(str *sa, unsigned long u);
int str_catlong(str *sa, long l);
/* Appends printf-style text; the formatted text must fit in 64 KiB. */
int str_catf(str *sa, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void str_truncate(str *sa, size_t len);      /* len must be <= sa->len */
void str_free(str *sa);

/* Queries (never fail). */
int str_equals(const str *sa, const char *s);          /* byte-exact, whole string */
int str_starts(const str *sa, const char *prefix);
ptrdiff_t str_chr(const str *sa, char c);               /* first index or -1 */
ptrdiff_t str_rchr(const str *sa, char c);              /* last index or -1 */

/* ASCII case helpers (locale-independent, safe on any byte). */
void str_lower(str *sa);
int case_equalb(const char *a, const char *b, size_t n); /* 1 if equal ignoring ASCII case */
int case_equals(const char *a, const char *b);          /* NUL-terminated strings */
int case_starts(const char *s, size_t len, const char *prefix);
char ascii_lower(char c);

/* Parses an unsigned decimal at s[0..len); returns digits used (0 if none or overflow). */
size_t scan_ulong(const char *s, size_t len, unsigned long *u);

#endif
