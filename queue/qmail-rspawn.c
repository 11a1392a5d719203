/*
 * qmail-rspawn: runs remote deliveries for qmail-send.
 *
 * Speaks the spawn protocol of lib/spawn on fds 0/1.  Each delivery runs
 * "qmail-remote host sender recipient" ($QMAILREMOTE instead, if set) with
 * the message on fd 0 and its output on a pipe; the recipient and message
 * reports qmail-remote prints are folded into one K/Z/D reply the way
 * qmail-rspawn(8) describes.  At start the qmail-remote timeout table
 * (lock/tcpto) is cleared.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "spawn.h"

#define PROG "qmail-rspawn"

static int start(void *ctx, const struct spawn_job *j, pid_t *pid, int *outfd, str *err)
{
    int wfd;
    const char *prog = getenv("QMAILREMOTE");
    (void)ctx;
    int r = spawn_fork(pid, outfd, &wfd, err);
    if (r != 0) return r < 0 ? -1 : 0;
    /* child */
    if (!prog || !*prog) prog = "qmail-remote";
    if (dup2(j->messfd, 0) < 0 || dup2(wfd, 1) < 0 || dup2(1, 2) < 0) _exit(111);
    if (wfd > 2) close(wfd);
    signal(SIGPIPE, SIG_DFL);
    char *argv[] = { (char *)prog, (char *)j->recip + j->at + 1, (char *)j->sender,
                     (char *)j->recip, 0 };
    execvp(prog, argv);
    _exit(errno == ENOENT || errno == EACCES || errno == ENOEXEC ? 100 : 111);
}

/*
 * qmail-remote prints recipient reports (r, h, s) and one message report
 * (K, Z, D), each NUL-terminated.  The verdict is the message report's
 * class, except that a first recipient report of 'h' (refused) or 's'
 * (deferred) decides; the text is the first report's, followed by the
 * message report's when that one is at least as bad.
 */
static void report(void *ctx, int wstat, const char *out, size_t len, str *reply)
{
    int result = -1, first;
    size_t j = 0, k;
    (void)ctx;

    if (!WIFEXITED(wstat)) { str_copys(reply, "Zqmail-remote crashed.\n"); return; }
    if (WEXITSTATUS(wstat) == 111) { str_copys(reply, "ZUnable to run qmail-remote.\n"); return; }
    if (WEXITSTATUS(wstat) != 0) { str_copys(reply, "DUnable to run qmail-remote.\n"); return; }
    if (!len) { str_copys(reply, "Zqmail-remote produced no output.\n"); return; }

    /* 1 = delivered, 0 = temporary, -1 = permanent */
    for (k = 0; k < len; k++) {
        if (out[k]) continue;
        if (out[j] == 'K') { result = 1; break; }
        if (out[j] == 'Z') { result = 0; break; }
        if (out[j] == 'D') break;
        j = k + 1;
    }
    first = result;
    if (out[0] == 's') first = 0;
    else if (out[0] == 'h') first = -1;
    str_copys(reply, first == 1 ? "K" : first == 0 ? "Z" : "D");

    /* the first report's text, then possibly the message report's */
    const char *end = memchr(out, 0, len);
    size_t firstlen = end ? (size_t)(end - out) : len;
    if (firstlen > 1) str_catb(reply, out + 1, firstlen - 1);
    if (end && result <= first) {
        size_t next = firstlen + 1;
        if (next < len && (out[next] == 'K' || out[next] == 'Z' || out[next] == 'D')) {
            const char *e2 = memchr(out + next, 0, len - next);
            size_t l2 = e2 ? (size_t)(e2 - out - next) : len - next;
            if (l2 > 1) str_catb(reply, out + next + 1, l2 - 1);
        }
    }
}

/* The timeout table is 1024 zero bytes when nobody has timed out. */
static void clear_tcpto(void)
{
    char zero[1024];
    int fd = open("../lock/tcpto", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    memset(zero, 0, sizeof zero);
    if (fs_write_all(fd, zero, sizeof zero) < 0) warn_sys(PROG, "unable to clear tcpto");
    close(fd);
}

int main(void)
{
    spawn_ops ops;
    char path[4096];

    signal(SIGPIPE, SIG_IGN);
    if (snprintf(path, sizeof path, "%s/queue/mess", ctl_home()) >= (int)sizeof path ||
        chdir(path) < 0)
        die_sys(111, PROG, "unable to switch to %s", path);
    clear_tcpto();
    memset(&ops, 0, sizeof ops);
    ops.concurrency = 120;
    ops.truncreport = 0;
    if (!ctl_sandbox()) {
        /* system mode: queued messages belong to qmailq */
        struct passwd *pw = getpwnam("qmailq");
        if (!pw) die(111, PROG, "unable to find user qmailq");
        ops.check_owner = 1;
        ops.owner = pw->pw_uid;
    }
    ops.start = start;
    ops.report = report;
    if (spawn_serve(&ops, 0, 1) < 0) die_sys(111, PROG, "trouble talking to qmail-send");
    return 0;
}
