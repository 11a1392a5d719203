/*
 * musl-chk: the one glibc-only symbol that Debian's static pcre2 archive
 * needs when it is linked into a musl program (see MUSL_PROGS in the
 * Makefile).  Debian builds pcre2 with _FORTIFY_SOURCE, so some copies
 * call glibc's checked memcpy; this one checks and copies the same way.
 */
#include <stdlib.h>
#include <string.h>

void *__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen);

void *__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen)
{
    if (len > destlen) abort(); /* glibc reports a buffer overflow and aborts */
    return memcpy(dest, src, len);
}
