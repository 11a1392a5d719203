/*
 * spawn: the spawner side of qmail-send's delivery protocol, shared by
 * qmail-lspawn (local deliveries) and qmail-rspawn (remote deliveries).
 *
 * The protocol (qmail-send(8)): at start the spawner writes ONE byte on its
 * output, its maximum concurrency.  qmail-send then writes commands on the
 * spawner's input: one byte, the delivery slot number (below the announced
 * concurrency), the message path relative to queue/mess ("<id%23>/<id>"),
 * NUL, the envelope sender, NUL, the recipient, NUL.  The spawner starts
 * one child per command and answers in completion order: the slot byte, a
 * class letter 'K' (delivered), 'Z' (temporary failure) or 'D' (permanent
 * failure), free text, NUL.  It stops when its input reaches end of file and
 * every child has been reported.
 *
 * spawn_serve() is that loop.  It checks what qmail's spawners check for
 * every command (slot range and use, message id syntax, an '@' in the
 * recipient, a message file that opens, is a regular file and has the
 * expected owner) and answers problems itself, with qmail's texts.  The
 * program supplies two callbacks: start() runs the delivery child for one
 * command and hands back its pid and the read end of a pipe carrying the
 * child's output; report() turns the child's wait status and collected
 * output into the reply.  Several deliveries run at once; poll() watches the
 * input and the children's pipes, and a child is finished when it has
 * exited (a pidfd or, without one, periodic waitpid) and its pipe is drained
 * (end of file, or nothing left to read once it has exited: a background
 * grandchild holding the pipe open cannot stall the report).  A child's
 * output is kept up to truncreport bytes, qmail's way: beyond it the text
 * is cut and "\nError report too long, sorry.\n" appended; the rest is read
 * and dropped, so a chatty child never blocks.
 *
 * Bad input never stops the spawner: a command whose slot is out of range
 * or in use, or whose fields are garbage, is answered (under the slot byte
 * it carried) and skipped; a command longer than SPAWN_CMD_MAX bytes is
 * skipped to its third NUL and answered; a partial command at end of input
 * is dropped.  The spawner never kills its children.
 *
 * The caller runs in the queue/mess directory (message paths are relative
 * to it) and ignores SIGPIPE.  spawn_serve() returns 0 when the input ended
 * and every child was reaped, or -1 with errno when writing the replies
 * failed (it still waits for the running children first) or the set-up
 * failed (bad ops: EINVAL; no memory: ENOMEM).
 */
#ifndef SUITE_SPAWN_H
#define SUITE_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "str.h"

#define SPAWN_MAX 255                 /* slot numbers are one byte */
#define SPAWN_MESSID_MAX 100          /* longest message path accepted */
#define SPAWN_CMD_MAX (1024 * 1024)   /* longest command kept */
#define SPAWN_OUTPUT_MAX 65536        /* output kept when truncreport is 0 */
#define SPAWN_TRUNCMESS "\nError report too long, sorry.\n"

/* One delivery command, as handed to start(). */
struct spawn_job {
    unsigned slot;        /* delivery slot, < concurrency */
    const char *mess;     /* message path relative to queue/mess */
    int messfd;           /* the message, open read-only at offset 0; the
                             spawner closes it after start() returns */
    const char *sender;   /* envelope sender (may be empty) */
    const char *recip;    /* recipient; recip[at] is its last '@' */
    size_t at;
};

typedef struct spawn_ops {
    unsigned concurrency;   /* 1..SPAWN_MAX, announced at start */
    size_t truncreport;     /* > 100: keep at most this many output bytes;
                               0: SPAWN_OUTPUT_MAX */
    int check_owner;        /* 1: the message file must belong to owner */
    uid_t owner;
    /* Starts the child for j: 0 with *pid and *outfd (the read end of its
     * output pipe, which the spawner then owns), or -1 with the complete
     * reply in *err ("Z...text\n"; empty: a generic fork failure). */
    int (*start)(void *ctx, const struct spawn_job *j, pid_t *pid, int *outfd, str *err);
    /* Writes the reply for a finished child into *reply (replaced): class
     * letter and text, no NUL (anything from a NUL on is not sent).  wstat
     * is the waitpid() status; out[0..len) what the child wrote. */
    void (*report)(void *ctx, int wstat, const char *out, size_t len, str *reply);
    void *ctx;
} spawn_ops;

/* Announces the concurrency on outfd, then serves commands from infd (set
 * non-blocking here) until end of input and the last child's report. */
int spawn_serve(const spawn_ops *ops, int infd, int outfd);

/*
 * Helper for start(): makes the output pipe and forks.  Returns 1 in the
 * parent (*pid, *rfd = the read end, close-on-exec), 0 in the child (*wfd =
 * the write end, not close-on-exec; the read end is closed), or -1 with
 * the qmail reply in *err ("Zqmail-spawn unable to create pipe. (#4.3.0)\n"
 * or "... unable to fork ...") and nothing left open.
 */
int spawn_fork(pid_t *pid, int *rfd, int *wfd, str *err);

/*
 * vfork(2) made safe to use: the child shares this process's memory until
 * it execs, and costs no copy of it (a fork of a small process took 0.1 ms
 * on the reference VM).  child(arg) runs in the child with every signal
 * this process catches reset to its default and the signal mask as it
 * was; it may only make system calls (move descriptors, change directory
 * or user) and must exec or _exit.  Signals are blocked in between, so no
 * handler of this process ever runs in the child.  Returns the child's
 * pid, or -1 (errno set).
 */
pid_t spawn_vfork(void (*child)(void *), void *arg);

#endif
