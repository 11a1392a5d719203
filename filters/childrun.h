/*
 * childrun: running the program a .qmail filter wraps (preline, except,
 * bouncesaying, condredirect, dot-forward), the way qmail's filters do.
 *
 * The program is found through PATH (execvp).  When exec fails, the child
 * exits 111 if the error is temporary in qmail's sense (childrun_temperr:
 * out of memory, busy text file, I/O error, too many files, ...) and 100
 * otherwise (no such program, permission denied), so the caller's exit
 * code says whether qmail-local should retry.  Functions return 0 or -1
 * with errno; the caller reads the child's fate from the wait status --
 * except childrun_cond(), the condition test of bouncesaying, condredirect
 * and except, which ends the program on a temporary failure.
 */
#ifndef FILTERS_CHILDRUN_H
#define FILTERS_CHILDRUN_H

#include <sys/types.h>

/* 1 if errno value e is a temporary error (qmail's error_temp), else 0. */
int childrun_temperr(int e);

/* Runs argv[0] with argv, stdin/stdout/stderr inherited, and waits for it:
 * *wstat receives the wait status.  A failed exec ends the child silently
 * with 111 or 100. */
int childrun_wait(char *const *argv, int *wstat);

/* Starts argv[0] with its stdin reading from a new pipe and SIGPIPE at its
 * default; *fd receives the pipe's write end (close-on-exec), *pid the
 * child.  A failed exec prints "<prog>: fatal: unable to run <argv[0]>:
 * <reason>" on stderr and ends the child with 111 or 100. */
int childrun_pipe(const char *prog, char *const *argv, pid_t *pid, int *fd);

/* Runs the condition program argv with the message on the inherited
 * stdin: 1 if it exited 0, 0 if it exited with any other code but 111.  A
 * failed fork, a crash or exit 111 end the caller with 111 and "<prog>:
 * fatal: unable to fork", "child crashed" or "temporary child error". */
int childrun_cond(const char *prog, char *const *argv);

/* Waits for pid (EINTR retried): 0 and *wstat, or -1 with errno. */
int childrun_reap(pid_t pid, int *wstat);

#endif
