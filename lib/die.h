/*
 * die: exit-code conventions and diagnostics for programs (never called by
 * other lib modules, which return errors instead).
 *
 * qmail's programs speak through exit codes: 0 success, 99 success and stop
 * (.qmail processing), 100 permanent failure, 111 temporary failure;
 * maildrop-style programs use 75 (EX_TEMPFAIL) for temporary failures.
 * Diagnostics go to stderr as "<prog>: fatal: <text>" or
 * "<prog>: warning: <text>", the form the originals use and that log
 * readers expect.  The program name is passed explicitly so that the module
 * keeps no state.
 */
#ifndef SUITE_DIE_H
#define SUITE_DIE_H

enum {
    EXIT_DONE = 0,       /* success */
    EXIT_STOP = 99,      /* success, stop processing further .qmail lines */
    EXIT_PERM = 100,     /* permanent failure: bounce */
    EXIT_TEMP = 111,     /* temporary failure: retry later */
    EXIT_TEMPFAIL = 75   /* sysexits EX_TEMPFAIL, used by maildrop-compatible programs */
};

/* "<prog>: fatal: <fmt...>\n" on stderr, then exit(code). */
void die(int code, const char *prog, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* As die(), with ": <strerror(errno)>" appended. */
void die_sys(int code, const char *prog, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* "<prog>: usage: <text>\n" on stderr, then exit(100). */
void die_usage(const char *prog, const char *usage) __attribute__((noreturn));
/* Out of memory is always temporary. */
void die_nomem(const char *prog) __attribute__((noreturn));
/* 1 if errno value e means "try again later" (qmail's error_temp): out of
 * memory or descriptors, I/O and NFS trouble, interrupted or timed-out
 * calls, network failures; 0 for permanent conditions such as ENOENT.
 * A pure function: lib modules that classify errors may use it too. */
int die_errno_temp(int e);
/* "<prog>: warning: <fmt...>\n" on stderr. */
void warn(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void warn_sys(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
