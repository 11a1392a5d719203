/* spawn: the spawner loop of qmail-lspawn and qmail-rspawn.  See spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"

/* The system call, not glibc's wrapper (newer than some libcs: the musl
 * builds have none); -1 on kernels without it, which the callers handle. */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* Without a pidfd, children that have not closed their pipe are checked
 * this often (milliseconds). */
#define SPAWN_REAP_MS 100

struct slot {
    int used;
    pid_t pid;
    int fd;          /* read end of the child's output, -1 at end of file */
    int pidfd;       /* -1 if none */
    int exited;
    int wstat;
    int truncated;
    int fdidx, pidx;  /* where fd and pidfd are in this round's pollfd array, or -1 */
    str out;
};

struct spawner {
    const spawn_ops *ops;
    int infd, outfd;
    int ineof;
    int outerr;         /* errno of the first failed reply write, 0 if none */
    size_t keep;        /* output bytes kept per child */
    struct slot *s;
    unsigned nused;
    str in;             /* pending command bytes */
    int discarding;     /* skipping an overlong command */
    unsigned char dslot;
    int dnuls;          /* NULs skipped so far in discard mode */
    const char *dwhy;   /* reply for the skipped command */
    str reply;
};

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return -1;
    if (fl & O_NONBLOCK) return 0;
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Writes slot byte, text (up to its first NUL) and a NUL. */
static void send_reply(struct spawner *sp, unsigned slot, const char *text, size_t len)
{
    const char *nul = memchr(text, 0, len);
    char *msg;
    if (nul) len = (size_t)(nul - text);
    if (sp->outerr) return;
    msg = malloc(len + 2);
    if (!msg) {
        /* write it in pieces: the protocol does not care about write boundaries */
        unsigned char b = (unsigned char)slot;
        if (fs_write_all(sp->outfd, &b, 1) < 0 || fs_write_all(sp->outfd, text, len) < 0 ||
            fs_write_all(sp->outfd, "", 1) < 0)
            sp->outerr = errno ? errno : EIO;
        return;
    }
    msg[0] = (char)(unsigned char)slot;
    if (len) memcpy(msg + 1, text, len);
    msg[len + 1] = 0;
    if (fs_write_all(sp->outfd, msg, len + 2) < 0) sp->outerr = errno ? errno : EIO;
    free(msg);
}

static void send_replys(struct spawner *sp, unsigned slot, const char *text)
{
    send_reply(sp, slot, text, strlen(text));
}

/* ---- one command ---------------------------------------------------------------- */

static void do_command(struct spawner *sp, unsigned slot, const char *mess, const char *sender,
                       const char *recip, size_t reciplen)
{
    const spawn_ops *ops = sp->ops;
    struct spawn_job job;
    struct stat st;
    struct slot *s;
    const char *at;
    size_t i;
    int fd;
    pid_t pid = -1;
    int outfd = -1;

    if (slot >= ops->concurrency) { send_replys(sp, slot, "ZInternal error: delnum too big. (#4.3.5)\n"); return; }
    s = &sp->s[slot];
    if (s->used) { send_replys(sp, slot, "ZInternal error: delnum in use. (#4.3.5)\n"); return; }
    for (i = 0; mess[i]; i++)
        if ((mess[i] != '/' || i == 0) && (mess[i] < '0' || mess[i] > '9')) {
            send_replys(sp, slot, "DInternal error: messid has nonnumerics. (#5.3.5)\n");
            return;
        }
    if (i > SPAWN_MESSID_MAX) { send_replys(sp, slot, "DInternal error: messid too long. (#5.3.5)\n"); return; }
    if (!i) { send_replys(sp, slot, "DInternal error: messid too short. (#5.3.5)\n"); return; }
    at = NULL;
    for (i = reciplen; i > 0; i--)
        if (recip[i - 1] == '@') { at = recip + i - 1; break; }
    if (!at) { send_replys(sp, slot, "DSorry, address must include host name. (#5.1.3)\n"); return; }

    fd = open(mess, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) { send_replys(sp, slot, "Zqmail-spawn unable to open message. (#4.3.0)\n"); return; }
    if (fstat(fd, &st) < 0) {
        close(fd);
        send_replys(sp, slot, "Zqmail-spawn unable to fstat message. (#4.3.0)\n");
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        send_replys(sp, slot, "ZSorry, message has wrong type. (#4.3.5)\n");
        return;
    }
    if (ops->check_owner && st.st_uid != ops->owner) {
        close(fd);
        send_replys(sp, slot, "ZSorry, message has wrong owner. (#4.3.5)\n");
        return;
    }
    {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }

    job.slot = slot;
    job.mess = mess;
    job.messfd = fd;
    job.sender = sender;
    job.recip = recip;
    job.at = (size_t)(at - recip);
    str_truncate(&sp->reply, 0);
    if (ops->start(ops->ctx, &job, &pid, &outfd, &sp->reply) < 0 || pid <= 0 || outfd < 0) {
        close(fd);
        if (pid > 0 || outfd >= 0) {
            /* a broken start(): do not lose track of the child */
            if (outfd >= 0) close(outfd);
            if (pid > 0) while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        }
        if (sp->reply.len) send_reply(sp, slot, sp->reply.s, sp->reply.len);
        else send_replys(sp, slot, "Zqmail-spawn unable to fork. (#4.3.0)\n");
        return;
    }
    close(fd);
    (void)set_nonblock(outfd);
    (void)fcntl(outfd, F_SETFD, FD_CLOEXEC);
    s->used = 1;
    s->pid = pid;
    s->fd = outfd;
    s->pidfd = open_pidfd(pid);
    if (s->pidfd >= 0) (void)fcntl(s->pidfd, F_SETFD, FD_CLOEXEC);
    s->exited = 0;
    s->wstat = 0;
    s->truncated = 0;
    s->fdidx = s->pidx = -1;
    str_truncate(&s->out, 0);
    sp->nused++;
}

/* Finds the end of a complete command in in[0..len): returns its length,
 * or 0 if incomplete. */
static size_t command_len(const char *in, size_t len)
{
    int nuls = 0;
    for (size_t i = 1; i < len; i++)
        if (!in[i] && ++nuls == 3) return i + 1;
    return 0;
}

/* Consumes the input bytes b[0..n). */
static void take_input(struct spawner *sp, const char *b, size_t n)
{
    while (n) {
        if (sp->discarding) {
            /* skip to the third NUL after the slot byte */
            const char *z = memchr(b, 0, n);
            if (!z) return;
            n -= (size_t)(z - b) + 1;
            b = z + 1;
            if (++sp->dnuls == 3) {
                sp->discarding = 0;
                send_replys(sp, sp->dslot, sp->dwhy);
            }
            continue;
        }
        /* take what fits, then look for complete commands */
        size_t room = SPAWN_CMD_MAX - sp->in.len;
        size_t k = n < room ? n : room;
        if (str_catb(&sp->in, b, k) < 0) {
            /* no memory to keep this command: skip it */
            sp->dwhy = "Zqmail-spawn out of memory. (#4.3.0)\n";
            goto skip;
        }
        b += k;
        n -= k;
        for (;;) {
            size_t cl = command_len(sp->in.s, sp->in.len);
            if (!cl) break;
            const char *mess = sp->in.s + 1;
            const char *sender = mess + strlen(mess) + 1;
            const char *recip = sender + strlen(sender) + 1;
            do_command(sp, (unsigned char)sp->in.s[0], mess, sender, recip, strlen(recip));
            memmove(sp->in.s, sp->in.s + cl, sp->in.len - cl);
            str_truncate(&sp->in, sp->in.len - cl);
        }
        if (sp->in.len >= SPAWN_CMD_MAX) {
            sp->dwhy = "DInternal error: command too long. (#5.3.5)\n";
            goto skip;
        }
        continue;
    skip:
        /* discard the pending (incomplete) command, counting its NULs */
        if (sp->in.len) {
            sp->dslot = (unsigned char)sp->in.s[0];
            sp->dnuls = 0;
            for (size_t i = 1; i < sp->in.len; i++)
                if (!sp->in.s[i]) sp->dnuls++;
        } else if (n) {
            sp->dslot = (unsigned char)b[0];
            sp->dnuls = 0;
            b++;
            n--;
        } else {
            return;
        }
        str_truncate(&sp->in, 0);
        sp->discarding = 1;
    }
}

/* ---- children --------------------------------------------------------------------- */

static void keep_output(struct spawner *sp, struct slot *s, const char *b, size_t n)
{
    size_t tl = sizeof SPAWN_TRUNCMESS - 1;
    if (s->truncated) return;
    if (str_catb(&s->out, b, n) < 0) {
        /* no memory: keep what we have, marked as cut */
        s->truncated = 1;
        if (s->out.len + tl <= s->out.cap) (void)str_cats(&s->out, SPAWN_TRUNCMESS);
        return;
    }
    if (s->out.len > sp->keep) {
        /* qmail's rule: cut to keep - len(message) - 3, then the message */
        str_truncate(&s->out, sp->keep - tl - 3);
        (void)str_cats(&s->out, SPAWN_TRUNCMESS);
        s->truncated = 1;
    }
}

/* Reads what the child's pipe has.  drain: keep reading until it is empty. */
static void read_child(struct spawner *sp, struct slot *s, int drain)
{
    char b[4096];
    for (;;) {
        ssize_t r = read(s->fd, b, sizeof b);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (drain) break;
                return;
            }
            break;              /* a read error counts as the end */
        }
        if (r == 0) break;
        keep_output(sp, s, b, (size_t)r);
        if (!drain) return;
    }
    close(s->fd);
    s->fd = -1;
}

static void check_exit(struct slot *s)
{
    int st;
    pid_t r;
    if (s->exited) return;
    do r = waitpid(s->pid, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == s->pid) {
        s->exited = 1;
        s->wstat = st;
    } else if (r < 0) {
        /* not our child any more (ECHILD): nothing to wait for */
        s->exited = 1;
        s->wstat = 111 << 8;
    }
    if (s->exited && s->pidfd >= 0) {
        close(s->pidfd);
        s->pidfd = -1;
    }
}

static void finish_child(struct spawner *sp, unsigned slot)
{
    struct slot *s = &sp->s[slot];
    str_truncate(&sp->reply, 0);
    sp->ops->report(sp->ops->ctx, s->wstat, s->out.s ? s->out.s : "", s->out.len, &sp->reply);
    send_reply(sp, slot, sp->reply.s ? sp->reply.s : "", sp->reply.len);
    s->used = 0;
    str_truncate(&s->out, 0);
    if (s->out.cap > 16384) str_free(&s->out);
    sp->nused--;
}

/* ---- the loop --------------------------------------------------------------------- */

/* In the vfork child: caught signals back to their defaults (the
 * handlers belong to the parent, whose memory this is), then the mask the
 * parent had. */
static void vfork_child_signals(const sigset_t *mask)
{
    for (int sig = 1; sig < 32; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (sigaction(sig, NULL, &sa) < 0) continue;
        if ((sa.sa_flags & SA_SIGINFO) || (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)) {
            sa.sa_handler = SIG_DFL;
            sa.sa_flags = 0;
            (void)sigaction(sig, &sa, NULL);
        }
    }
    (void)sigprocmask(SIG_SETMASK, mask, NULL);
}

pid_t spawn_vfork(void (*child)(void *), void *arg)
{
    sigset_t all, old;
    pid_t pid;
    int e;
    sigfillset(&all);
    (void)sigprocmask(SIG_BLOCK, &all, &old);
    pid = vfork();
    if (pid == 0) {
        vfork_child_signals(&old);
        child(arg);
        _exit(127);
    }
    e = errno;
    (void)sigprocmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return pid;
}

int spawn_fork(pid_t *pid, int *rfd, int *wfd, str *err)
{
    int p[2];
    pid_t f;
    if (pipe2(p, O_CLOEXEC) < 0) {
        if (err) (void)str_copys(err, "Zqmail-spawn unable to create pipe. (#4.3.0)\n");
        return -1;
    }
    f = fork();
    if (f < 0) {
        close(p[0]);
        close(p[1]);
        if (err) (void)str_copys(err, "Zqmail-spawn unable to fork. (#4.3.0)\n");
        return -1;
    }
    if (f == 0) {
        close(p[0]);
        (void)fcntl(p[1], F_SETFD, 0);
        *wfd = p[1];
        return 0;
    }
    close(p[1]);
    *pid = f;
    *rfd = p[0];
    return 1;
}

int spawn_serve(const spawn_ops *ops, int infd, int outfd)
{
    struct spawner sp;
    struct pollfd *pfd;
    unsigned char c;
    unsigned n;
    int ret = 0, err = 0;

    if (!ops || !ops->start || !ops->report || ops->concurrency < 1 ||
        ops->concurrency > SPAWN_MAX || (ops->truncreport && ops->truncreport <= 100)) {
        errno = EINVAL;
        return -1;
    }
    memset(&sp, 0, sizeof sp);
    sp.ops = ops;
    sp.infd = infd;
    sp.outfd = outfd;
    sp.keep = ops->truncreport ? ops->truncreport : SPAWN_OUTPUT_MAX;
    n = ops->concurrency;
    sp.s = calloc(n, sizeof *sp.s);
    pfd = calloc(2 * (size_t)n + 1, sizeof *pfd);
    if (!sp.s || !pfd) {
        free(sp.s);
        free(pfd);
        errno = ENOMEM;
        return -1;
    }
    for (unsigned i = 0; i < n; i++) sp.s[i].fd = sp.s[i].pidfd = -1;

    c = (unsigned char)n;
    if (fs_write_all(outfd, &c, 1) < 0) {
        err = errno;
        free(sp.s);
        free(pfd);
        errno = err;
        return -1;
    }
    (void)set_nonblock(infd);

    for (;;) {
        nfds_t np = 0;
        int timeout = -1, inidx = -1;

        if (sp.ineof && !sp.nused) break;
        if (!sp.ineof) {
            inidx = (int)np;
            pfd[np].fd = infd;
            pfd[np].events = POLLIN;
            pfd[np].revents = 0;
            np++;
        }
        for (unsigned i = 0; i < n; i++) {
            struct slot *s = &sp.s[i];
            if (!s->used) continue;
            s->fdidx = s->pidx = -1;
            if (s->fd >= 0) {
                s->fdidx = (int)np;
                pfd[np].fd = s->fd;
                pfd[np].events = POLLIN;
                pfd[np].revents = 0;
                np++;
            }
            if (!s->exited) {
                if (s->pidfd >= 0) {
                    s->pidx = (int)np;
                    pfd[np].fd = s->pidfd;
                    pfd[np].events = POLLIN;
                    pfd[np].revents = 0;
                    np++;
                } else {
                    timeout = SPAWN_REAP_MS;
                }
            }
        }
        if (poll(pfd, np, timeout) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            /* should not happen; do not spin */
            usleep(100000);
            continue;
        }

        if (inidx >= 0 && pfd[inidx].revents) {
            char b[8192];
            ssize_t r = read(infd, b, sizeof b);
            if (r > 0) {
                take_input(&sp, b, (size_t)r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
                sp.ineof = 1;     /* a partial command is dropped */
                str_free(&sp.in);
            }
        }

        /* the slots that poll() woke: read, reap, report */
        for (unsigned i = 0; i < n; i++) {
            struct slot *s = &sp.s[i];
            if (!s->used) continue;
            if (s->fdidx >= 0 && pfd[s->fdidx].revents) read_child(&sp, s, 0);
            if (s->pidfd < 0 || (s->pidx >= 0 && pfd[s->pidx].revents)) check_exit(s);
            if (s->exited && s->fd >= 0) read_child(&sp, s, 1);
            if (s->exited && s->fd < 0) finish_child(&sp, i);
        }
    }

    if (sp.outerr) { ret = -1; err = sp.outerr; }
    for (unsigned i = 0; i < n; i++) {
        str_free(&sp.s[i].out);
        if (sp.s[i].pidfd >= 0) close(sp.s[i].pidfd);
    }
    str_free(&sp.in);
    str_free(&sp.reply);
    free(sp.s);
    free(pfd);
    if (ret < 0) errno = err;
    return ret;
}
