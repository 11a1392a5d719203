/* die: diagnostics and exits for programs.  See die.h. */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One write per line so concurrent writers to a shared log do not interleave. */
static void say(const char *prog, const char *kind, const char *fmt, va_list ap, int err)
{
    char line[4096];
    int n = snprintf(line, sizeof line, "%s: %s: ", prog, kind);
    if (n < 0 || (size_t)n >= sizeof line) n = 0;
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    if (m > 0) n += m;
    if ((size_t)n >= sizeof line - 1) n = (int)sizeof line - 2;
    if (err) {
        int k = snprintf(line + n, sizeof line - (size_t)n, ": %s", strerror(err));
        if (k > 0) n += k;
        if ((size_t)n >= sizeof line - 1) n = (int)sizeof line - 2;
    }
    line[n++] = '\n';
    ssize_t w = write(2, line, (size_t)n);
    (void)w;
}

void die(int code, const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(prog, "fatal", fmt, ap, 0);
    va_end(ap);
    exit(code);
}

void die_sys(int code, const char *prog, const char *fmt, ...)
{
    int err = errno;
    va_list ap;
    va_start(ap, fmt);
    say(prog, "fatal", fmt, ap, err);
    va_end(ap);
    exit(code);
}

void die_usage(const char *prog, const char *usage)
{
    fprintf(stderr, "%s: usage: %s\n", prog, usage);
    exit(EXIT_PERM);
}

int die_errno_temp(int e)
{
    switch (e) {
    case EINTR: case ENOMEM: case ETXTBSY: case EIO: case ETIMEDOUT: case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EDEADLK: case EBUSY: case ENFILE: case EMFILE: case EFBIG: case ENOSPC:
    case ENETDOWN: case ENETUNREACH: case ENETRESET: case ECONNABORTED: case ECONNRESET:
    case ENOBUFS: case ETOOMANYREFS: case ECONNREFUSED: case EHOSTDOWN: case EHOSTUNREACH:
    case EUSERS: case EDQUOT: case ESTALE: case ENOLCK:
        return 1;
    default:
        return 0;
    }
}

void die_nomem(const char *prog) { die(EXIT_TEMP, prog, "out of memory"); }

void warn(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(prog, "warning", fmt, ap, 0);
    va_end(ap);
}

void warn_sys(const char *prog, const char *fmt, ...)
{
    int err = errno;
    va_list ap;
    va_start(ap, fmt);
    say(prog, "warning", fmt, ap, err);
    va_end(ap);
}
