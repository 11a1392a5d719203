/* qq: run qmail-queue (or $QMAILQUEUE) and read its verdict.  See qq.h. */
#include "qq.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "fs.h"
#include "spawn.h"

const char *qq_exit_text(int code, char *cls)
{
    *cls = 'Z';
    switch (code) {
    case 0: *cls = 0; return "ok";
    case 11: case 115: *cls = 'D'; return "envelope address too long for qq (#5.1.3)";
    case 12: *cls = 'D'; return "envelope address contains a line break (#5.1.3)";
    case 31: *cls = 'D'; return "mail server permanently rejected message (#5.3.0)";
    case 51: return "qq out of memory (#4.3.0)";
    case 52: return "qq timeout (#4.3.0)";
    case 53: return "qq write error or disk full (#4.3.0)";
    case 54: return "qq read error (#4.3.0)";
    case 55: return "qq unable to read configuration (#4.3.0)";
    case 56: return "qq trouble making network connection (#4.3.0)";
    case 61: return "qq trouble in home directory (#4.3.0)";
    case 62: case 63: case 64: case 65: case 66: return "qq trouble creating files in queue (#4.3.0)";
    case 71: return "mail server temporarily rejected message (#4.3.0)";
    case 72: return "connection to mail server timed out (#4.4.1)";
    case 73: return "connection to mail server rejected (#4.4.1)";
    case 74: return "communication with mail server failed (#4.4.2)";
    case 81: case 91: return "qq internal bug (#4.3.0)";
    case 120: return "unable to exec qq (#4.3.0)";
    default:
        if (code >= 11 && code <= 40) { *cls = 'D'; return "qq permanent problem (#5.3.0)"; }
        return "qq temporary problem (#4.3.0)";
    }
}

/* Moves fd to target in the child; returns -1 on failure. */
static int move_fd(int fd, int target)
{
    if (fd == target) return 0;
    if (dup2(fd, target) < 0) return -1;
    close(fd);
    return 0;
}

/* What the child needs, worked out before it starts. */
struct qq_child_args {
    const char *home;
    char *const *argv;
    int msg, env, err;
};

/* The child (started with spawn_vfork): fds 0, 1 and 6 from the pipes
 * (parked high first, so that they cannot collide while being moved),
 * then exec. */
static void qq_child(void *arg)
{
    const struct qq_child_args *a = arg;
    int m = fcntl(a->msg, F_DUPFD, 10), e = fcntl(a->env, F_DUPFD, 10), x = fcntl(a->err, F_DUPFD, 10);
    if (m < 0 || e < 0 || x < 0) _exit(120);
    if (move_fd(m, 0) < 0 || move_fd(e, 1) < 0 || move_fd(x, 6) < 0) _exit(120);
    if (chdir(a->home) < 0) _exit(61);
    signal(SIGPIPE, SIG_DFL);
    execv(a->argv[0], a->argv);
    _exit(120);
}

int qq_start(qq *q, const char *home) { return qq_start_argv(q, home, NULL); }

int qq_start_argv(qq *q, const char *home, char *const *argv)
{
    int pm[2], pe[2], px[2];
    memset(q, 0, sizeof *q);
    q->msgfd = q->envfd = q->errfd = -1;
    if (!home) home = ctl_home();
    if (pipe2(pm, O_CLOEXEC) < 0) return -1;
    if (pipe2(pe, O_CLOEXEC) < 0) { close(pm[0]); close(pm[1]); return -1; }
    if (pipe2(px, O_CLOEXEC) < 0) {
        close(pm[0]); close(pm[1]); close(pe[0]); close(pe[1]);
        return -1;
    }
    /* everything the child needs is worked out first: it is started with
     * spawn_vfork (no copy of this process's memory) */
    const char *prog = getenv("QMAILQUEUE");
    char *dflt[2];
    if (!argv || !argv[0] || !argv[0][0]) {
        if (!prog || !*prog) prog = "bin/qmail-queue";
        dflt[0] = (char *)prog;
        dflt[1] = 0;
        argv = dflt;
    }
    struct qq_child_args ca = { home, argv, pm[0], pe[0], px[1] };
    q->pid = spawn_vfork(qq_child, &ca);
    if (q->pid < 0) {
        close(pm[0]); close(pm[1]); close(pe[0]); close(pe[1]); close(px[0]); close(px[1]);
        return -1;
    }
    close(pm[0]);
    close(pe[0]);
    close(px[1]);
    q->msgfd = pm[1];
    q->envfd = pe[1];
    q->errfd = px[0];
    q->qp = (unsigned long)q->pid;
    return 0;
}

static void flush_to(qq *q, int fd)
{
    if (q->buflen && !q->failed && fs_write_all(fd, q->buf, q->buflen) < 0) q->failed = 1;
    q->buflen = 0;
}

static void put_to(qq *q, int fd, const char *data, size_t len)
{
    while (len) {
        size_t room = sizeof q->buf - q->buflen;
        size_t n = len < room ? len : room;
        memcpy(q->buf + q->buflen, data, n);
        q->buflen += n;
        data += n;
        len -= n;
        if (q->buflen == sizeof q->buf) flush_to(q, fd);
    }
}

void qq_put(qq *q, const char *data, size_t len) { put_to(q, q->msgfd, data, len); }
void qq_puts(qq *q, const char *s) { qq_put(q, s, strlen(s)); }

void qq_from(qq *q, const char *sender)
{
    flush_to(q, q->msgfd);
    close(q->msgfd);
    q->msgfd = -1;
    put_to(q, q->envfd, "F", 1);
    put_to(q, q->envfd, sender, strlen(sender) + 1);
}

void qq_to(qq *q, const char *rcpt)
{
    put_to(q, q->envfd, "T", 1);
    put_to(q, q->envfd, rcpt, strlen(rcpt) + 1);
}

int qq_finish(qq *q, str *why)
{
    int status;
    char cls;
    char custom[256];
    ssize_t clen = 0;

    put_to(q, q->envfd, "", 1);
    flush_to(q, q->envfd);
    close(q->envfd);
    q->envfd = -1;
    while (waitpid(q->pid, &status, 0) < 0)
        if (errno != EINTR) { status = -1; break; }
    if (q->errfd >= 0) {
        clen = fs_read_all(q->errfd, custom, sizeof custom - 1);
        if (clen < 0) clen = 0;
        close(q->errfd);
        q->errfd = -1;
    }
    if (status == -1 || !WIFEXITED(status)) {
        str_copys(why, "qq crashed (#4.3.0)");
        return 'Z';
    }
    int code = WEXITSTATUS(status);
    if (code == 82) {
        /* notqmail: the program explains itself on fd 6 */
        if (clen > 2 && (custom[0] == 'D' || custom[0] == 'Z')) {
            size_t n = (size_t)clen;
            while (n > 1 && (custom[n - 1] == '\n' || custom[n - 1] == 0)) n--;
            str_copyb(why, custom + 1, n - 1);
            return custom[0];
        }
        str_copys(why, "qq temporary problem (#4.3.0)");
        return 'Z';
    }
    const char *text = qq_exit_text(code, &cls);
    if (code == 0 && q->failed) {
        str_copys(why, "qq read error (#4.3.0)");
        return 'Z';
    }
    str_copys(why, text);
    return code == 0 ? 0 : cls;
}

void qq_abort(qq *q)
{
    if (q->msgfd >= 0) close(q->msgfd);
    if (q->envfd >= 0) close(q->envfd);
    if (q->errfd >= 0) close(q->errfd);
    q->msgfd = q->envfd = q->errfd = -1;
    if (q->pid > 0) {
        kill(q->pid, SIGTERM);
        while (waitpid(q->pid, NULL, 0) < 0 && errno == EINTR) {}
        q->pid = 0;
    }
}
