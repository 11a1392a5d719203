/*
 * qmail-start: wires up and starts the queue daemons.
 *
 *   qmail-start [defaultdelivery [logger [arg ...]]]
 *
 * Starts qmail-lspawn (with defaultdelivery, default ./Mailbox),
 * qmail-rspawn, two qmail-clean processes (one for qmail-send, one for
 * qmail-todo), qmail-todo, the optional logger, and then becomes qmail-send,
 * connected as qmail-send(8) and qmail-todo(8) describe.  Without a logger
 * the activity log goes to standard output.  Programs are found through
 * PATH.  In system mode each daemon runs under its own qmail user as qmail
 * does (lspawn as root); in sandbox mode (not root, or QMAILHOME set) all
 * run as the invoking user.  Exit 111 if anything cannot be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "die.h"

#define PROG "qmail-start"

/* A child's wanted descriptors: target fd -> source fd (-1: leave closed). */
struct wiring {
    int src[10];
};

static int sandbox;
static gid_t qmail_gid;

static void ids_of(const char *user, uid_t *uid, gid_t *gid)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) die(111, PROG, "unable to find user %s", user);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
}

/*
 * Puts the wanted descriptors in place (through a detour above them so
 * that no source is overwritten early) and closes everything else below 10.
 */
static void apply_wiring(const struct wiring *w)
{
    int tmp[10];
    for (int i = 0; i < 10; i++) {
        tmp[i] = -1;
        if (w->src[i] >= 0) {
            tmp[i] = fcntl(w->src[i], F_DUPFD, 20);
            if (tmp[i] < 0) _exit(111);
        }
    }
    for (int i = 0; i < 10; i++) {
        if (tmp[i] >= 0) {
            if (dup2(tmp[i], i) < 0) _exit(111);
            close(tmp[i]);
        } else {
            close(i);
        }
    }
}

static void become(const char *user, const char *group)
{
    uid_t uid;
    gid_t gid;
    if (sandbox) return;
    ids_of(user, &uid, &gid);
    if (group) {
        struct group *g = getgrnam(group);
        if (!g) _exit(111);
        gid = g->gr_gid;
    } else {
        gid = qmail_gid;
    }
    if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) _exit(111);
}

static pid_t start(const struct wiring *w, const char *user, const char *group, char **argv,
                   int *all_fds, int nfds)
{
    pid_t pid = fork();
    if (pid < 0) die_sys(111, PROG, "unable to fork");
    if (pid > 0) return pid;
    apply_wiring(w);
    for (int i = 0; i < nfds; i++)
        if (all_fds[i] >= 10) close(all_fds[i]);
    if (user) become(user, group);
    execvp(argv[0], argv);
    _exit(111);
}

int main(int argc, char **argv)
{
    char *deflt = argc > 1 ? argv[1] : "./Mailbox";
    int lsin[2], lsout[2], rsin[2], rsout[2], c1in[2], c1out[2], c2in[2], c2out[2];
    int tdin[2], tdout[2], logp[2] = { -1, -1 };
    int fds[22], n = 0;
    int logfd;
    struct wiring w;

    sandbox = ctl_sandbox();
    if (chdir("/") < 0) die_sys(111, PROG, "unable to chdir to /");
    umask(077);
    if (!sandbox) {
        struct group *g = getgrnam("qmail");
        if (!g) die(111, PROG, "unable to find group qmail");
        qmail_gid = g->gr_gid;
        if (setgroups(1, &qmail_gid) < 0 || setgid(qmail_gid) < 0)
            die_sys(111, PROG, "unable to setgid");
    }
    /* move our own stdio out of the way of the pipes: fds 0..9 are rewired */
    for (int i = 0; i < 3; i++) {
        struct stat st;
        if (fstat(i, &st) < 0) {
            int fd = open("/dev/null", O_RDWR);
            if (fd != i) die(111, PROG, "unable to open /dev/null");
        }
    }
    int *pairs[] = { lsin, lsout, rsin, rsout, c1in, c1out, c2in, c2out, tdin, tdout };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        int p[2];
        if (pipe(p) < 0) die_sys(111, PROG, "unable to create pipe");
        /* keep every pipe end at 10 or above so rewiring 0..9 is simple */
        pairs[i][0] = fcntl(p[0], F_DUPFD, 10);
        pairs[i][1] = fcntl(p[1], F_DUPFD, 10);
        close(p[0]);
        close(p[1]);
        if (pairs[i][0] < 0 || pairs[i][1] < 0) die_sys(111, PROG, "unable to create pipe");
        fds[n++] = pairs[i][0];
        fds[n++] = pairs[i][1];
    }
    logfd = fcntl(1, F_DUPFD, 10);
    if (logfd < 0) die_sys(111, PROG, "unable to duplicate stdout");
    fds[n++] = logfd;
    if (argc > 2) {
        int p[2];
        if (pipe(p) < 0) die_sys(111, PROG, "unable to create pipe");
        logp[0] = fcntl(p[0], F_DUPFD, 10);
        logp[1] = fcntl(p[1], F_DUPFD, 10);
        close(p[0]);
        close(p[1]);
        if (logp[0] < 0 || logp[1] < 0) die_sys(111, PROG, "unable to create pipe");
        fds[n++] = logp[0];
        fds[n++] = logp[1];
        for (int i = 0; i < 10; i++) w.src[i] = -1;
        w.src[0] = logp[0];
        w.src[1] = logfd; /* the logger may write to our standard output */
        w.src[2] = logfd;
        start(&w, "qmaill", "nofiles", argv + 2, fds, n);
        logfd = logp[1];
    }

    /* qmail-lspawn: commands on 0, replies on 1, diagnostics to the log */
    char *ls_argv[] = { "qmail-lspawn", deflt, 0 };
    for (int i = 0; i < 10; i++) w.src[i] = -1;
    w.src[0] = lsin[0]; w.src[1] = lsout[1]; w.src[2] = logfd;
    start(&w, NULL, NULL, ls_argv, fds, n);

    char *rs_argv[] = { "qmail-rspawn", 0 };
    for (int i = 0; i < 10; i++) w.src[i] = -1;
    w.src[0] = rsin[0]; w.src[1] = rsout[1]; w.src[2] = logfd;
    start(&w, "qmailr", NULL, rs_argv, fds, n);

    char *cl_argv[] = { "qmail-clean", 0 };
    for (int i = 0; i < 10; i++) w.src[i] = -1;
    w.src[0] = c1in[0]; w.src[1] = c1out[1]; w.src[2] = logfd;
    start(&w, "qmailq", NULL, cl_argv, fds, n);
    for (int i = 0; i < 10; i++) w.src[i] = -1;
    w.src[0] = c2in[0]; w.src[1] = c2out[1]; w.src[2] = logfd;
    start(&w, "qmailq", NULL, cl_argv, fds, n);

    /* qmail-todo: log on 0, notes to qmail-send on 1, commands on 2, clean on 5/6 */
    char *td_argv[] = { "qmail-todo", 0 };
    for (int i = 0; i < 10; i++) w.src[i] = -1;
    w.src[0] = logfd; w.src[1] = tdout[1]; w.src[2] = tdin[0];
    w.src[5] = c2in[1]; w.src[6] = c2out[0];
    start(&w, "qmails", NULL, td_argv, fds, n);

    /* and we become qmail-send */
    char *sd_argv[] = { "qmail-send", 0 };
    for (int i = 0; i < 10; i++) w.src[i] = -1;
    w.src[0] = logfd;
    w.src[1] = lsin[1]; w.src[2] = lsout[0];
    w.src[3] = rsin[1]; w.src[4] = rsout[0];
    w.src[5] = c1in[1]; w.src[6] = c1out[0];
    w.src[7] = tdin[1]; w.src[8] = tdout[0];
    apply_wiring(&w);
    for (int i = 0; i < n; i++)
        if (fds[i] >= 10) close(fds[i]);
    become("qmails", NULL);
    execvp(sd_argv[0], sd_argv);
    _exit(111);
}
