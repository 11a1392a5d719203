/*
 * qmail-lspawn: run local deliveries for qmail-send (qmail-lspawn(8)).
 *
 *   qmail-lspawn defaultdelivery
 *
 * Speaks the spawn protocol (lib/spawn) on fds 0 and 1 in QMAILHOME/queue/
 * mess.  For each command the recipient is cut at its last '@' (an empty
 * local part is a silent success) and the user found in users/cdb or, in
 * the child, through bin/qmail-getpw; the child becomes that user (system
 * mode; never root) and runs bin/qmail-local with the message on fd 0 and fds 1 and 2 on the
 * report pipe.  The child's exit code becomes the reply: 0 K; 111, 71, 74,
 * 75 Z; 112-126 qmail-lspawn's own failures (fixed texts); anything else D;
 * a crash "Zqmail-local crashed.".  Reports are cut at 3000 bytes.
 *
 * Sandbox mode (see ctl_sandbox): no uid or gid changes, messages must
 * belong to the invoking user instead of qmailq, and deliveries as root are
 * allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cdbx.h"
#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "rcpt.h"
#include "spawn.h"
#include "str.h"

#define PROG "qmail-lspawn"
#define CONCURRENCY 120
#define TRUNCREPORT 3000

enum {
    QLX_USAGE = 112, QLX_ROOT = 113, QLX_NFS = 115, QLX_NOALIAS = 116, QLX_CDB = 117,
    QLX_SYS = 118, QLX_NOMEM = 119, QLX_EXECSOFT = 120, QLX_EXECPW = 121, QLX_EXECHARD = 126
};

struct ctx {
    const char *home;        /* absolute QMAILHOME */
    const char *aliasempty;  /* defaultdelivery */
    int sandbox;
    uid_t uidp;              /* qmailp (system mode) */
    gid_t gidn;              /* nofiles (system mode) */
};

static int temp_errno(int e)
{
    switch (e) {
    case EINTR: case ENOMEM: case ETXTBSY: case EIO: case ETIMEDOUT: case EAGAIN:
    case EDEADLK: case ENFILE: case EMFILE: case ENOBUFS: case ESTALE: case ENOLCK:
        return 1;
    default:
        return 0;
    }
}

/* setgroups to the one gid, setgid, setuid: qmail's prot_gid/prot_uid. */
static int become(uid_t uid, gid_t gid)
{
    if (setgroups(1, &gid) < 0) return -1;
    if (setgid(gid) < 0) return -1;
    if (setuid(uid) < 0) return -1;
    return 0;
}

/*
 * How a delivery starts.  qmail-lspawn looks the recipient up in
 * users/cdb itself and starts the child with vfork (a fork of this
 * process costs about 0.1 ms on the reference VM, a third of a whole
 * Maildir delivery): the child only moves descriptors, changes directory
 * and user, and execs qmail-local -- or exits at once with the code that
 * the lookup decided (an empty local part, a broken users/cdb).  Only a
 * recipient that users/cdb does not know needs qmail-getpw; that child is
 * forked, asks it, and then goes on the same way.
 */
struct delivery {
    const struct ctx *c;
    str nughde;              /* "user\0uid\0gid\0home\0dash\0ext\0" */
    char *recip;             /* a copy, cut at its last '@' */
    const char *sender;
    size_t at;
    int fdmess, fdout;
    int code;                /* nonzero (or trash): exit with it instead */
    int trash;               /* an empty local part: succeed, deliver nothing */
    char *args[11];
    uid_t uid;
    gid_t gid;
};

/* users/cdb: the exact key, then the wildcard prefixes (lib/rcpt).
 * 1 found, 0 not there (or no users/cdb), -1 with d->code set. */
static int lookup_cdb(struct delivery *d)
{
    str path = STR_INIT;
    cdbx db;
    int r;
    if (str_copys(&path, d->c->home) < 0 || str_cats(&path, "/users/cdb") < 0) {
        str_free(&path);
        d->code = QLX_NOMEM;
        return -1;
    }
    r = cdbx_open(&db, path.s);
    str_free(&path);
    if (r < 0) {
        if (errno == ENOENT) return 0;
        d->code = QLX_CDB;
        return -1;
    }
    r = rcpt_users_cdb(&db, d->recip, &d->nughde);
    cdbx_close(&db);
    if (r < 0) d->code = errno == ENOMEM ? QLX_NOMEM : QLX_CDB;
    return r;
}

/* Next NUL-terminated field of x from *pos, NULL if there is none. */
static char *field(str *x, size_t *pos)
{
    if (*pos >= x->len) return NULL;
    char *f = x->s + *pos;
    char *z = memchr(f, 0, x->len - *pos);
    if (!z) return NULL;
    *pos = (size_t)(z - x->s) + 1;
    return f;
}

static int id_field(str *x, size_t *pos, unsigned long *out)
{
    char *f = field(x, pos);
    return f && *f && scan_ulong(f, strlen(f), out) == strlen(f) ? 0 : -1;
}

/* The qmail-local arguments from d->nughde; d->code = QLX_USAGE if the
 * record is broken. */
static void parse_nughde(struct delivery *d)
{
    size_t pos = 0;
    unsigned long u, g;
    char **a = d->args;
    a[0] = (char *)"bin/qmail-local";
    a[1] = (char *)"--";
    if (!(a[2] = field(&d->nughde, &pos)) ||                                    /* user */
        id_field(&d->nughde, &pos, &u) < 0 || u != (unsigned long)(uid_t)u ||   /* uid */
        id_field(&d->nughde, &pos, &g) < 0 || g != (unsigned long)(gid_t)g ||   /* gid */
        !(a[3] = field(&d->nughde, &pos)) ||                                    /* home */
        !(a[5] = field(&d->nughde, &pos)) ||                                    /* dash */
        !(a[6] = field(&d->nughde, &pos))) {                                    /* ext */
        d->code = QLX_USAGE;
        return;
    }
    a[4] = d->recip;                      /* local */
    a[7] = d->recip + d->at + 1;          /* domain */
    a[8] = (char *)d->sender;
    a[9] = (char *)d->c->aliasempty;
    a[10] = 0;
    d->uid = (uid_t)u;
    d->gid = (gid_t)g;
}

/* In the child: fd 0 the message, fds 1 and 2 the report pipe (from here
 * on nothing, qmail-getpw included, can touch qmail-send's pipes), cwd
 * QMAILHOME.  System calls only: this runs in the vfork child too. */
static void enter(const struct delivery *d)
{
    if (d->fdmess != 0) {
        if (dup2(d->fdmess, 0) < 0) _exit(QLX_SYS);
        close(d->fdmess);
    }
    if (d->fdout != 1) {
        if (dup2(d->fdout, 1) < 0) _exit(QLX_SYS);
        close(d->fdout);
    }
    if (dup2(1, 2) < 0) _exit(QLX_SYS);
    if (chdir(d->c->home) < 0) _exit(QLX_USAGE);
}

/* In the child, after enter: become the user and run qmail-local. */
static void __attribute__((noreturn)) deliver(const struct delivery *d)
{
    if (d->code) _exit(d->code);
    if (!d->c->sandbox) {
        if (become(d->uid, d->gid) < 0) _exit(QLX_USAGE);
        if (!getuid() || !geteuid()) _exit(QLX_ROOT);
    }
    signal(SIGPIPE, SIG_DFL);
    execv(d->args[0], d->args);
    _exit(temp_errno(errno) ? QLX_EXECSOFT : QLX_EXECHARD);
}

/* The vfork child (spawn_vfork). */
static void run_known(void *arg)
{
    const struct delivery *d = arg;
    if (d->trash) _exit(0);
    enter(d);
    deliver(d);
}

/* The forked child for a recipient users/cdb does not know: the answer of
 * qmail-getpw (run as qmailp/nofiles in system mode), then as above. */
static void __attribute__((noreturn)) run_getpw(struct delivery *d)
{
    int p[2], st;
    pid_t pid;
    enter(d);
    if (pipe(p) < 0) _exit(QLX_SYS);
    pid = fork();
    if (pid < 0) _exit(QLX_SYS);
    if (pid == 0) {
        char *args[3] = { (char *)"bin/qmail-getpw", d->recip, 0 };
        if (!d->c->sandbox && become(d->c->uidp, d->c->gidn) < 0) _exit(QLX_USAGE);
        close(p[0]);
        if (p[1] != 1) {
            if (dup2(p[1], 1) < 0) _exit(QLX_SYS);
            close(p[1]);
        }
        execv(args[0], args);
        _exit(QLX_EXECPW);
    }
    close(p[1]);
    str_truncate(&d->nughde, 0);
    if (fs_read_fd(p[0], &d->nughde, 65536) < 0) _exit(QLX_SYS);
    close(p[0]);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) _exit(QLX_SYS);
    if (!WIFEXITED(st)) _exit(QLX_SYS);
    if (WEXITSTATUS(st)) _exit(WEXITSTATUS(st));
    parse_nughde(d);
    deliver(d);
}

static int start(void *vc, const struct spawn_job *j, pid_t *pid, int *outfd, str *err)
{
    struct delivery d = { .c = vc, .nughde = STR_INIT, .sender = j->sender, .at = j->at,
                          .fdmess = j->messfd };
    size_t rl = strlen(j->recip);
    int found = 0, r, p[2];

    d.recip = malloc(rl + 1);
    if (!d.recip) {
        d.code = QLX_NOMEM;
    } else {
        memcpy(d.recip, j->recip, rl + 1);
        d.recip[d.at] = 0;
        d.trash = !d.recip[0];
        if (!d.trash && (found = lookup_cdb(&d)) == 1) parse_nughde(&d);
    }

    if (found == 0 && !d.trash && !d.code) {
        /* qmail-getpw must be asked: a forked child does */
        r = spawn_fork(pid, outfd, &d.fdout, err);
        if (r == 0) run_getpw(&d);
    } else if (pipe2(p, O_CLOEXEC) < 0) {
        if (err) (void)str_copys(err, "Zqmail-spawn unable to create pipe. (#4.3.0)\n");
        r = -1;
    } else {
        d.fdout = p[1];
        *pid = spawn_vfork(run_known, &d);
        close(p[1]);
        if (*pid < 0) {
            close(p[0]);
            if (err) (void)str_copys(err, "Zqmail-spawn unable to fork. (#4.3.0)\n");
            r = -1;
        } else {
            *outfd = p[0];
            r = 0;
        }
    }
    str_free(&d.nughde);
    free(d.recip);
    return r < 0 ? -1 : 0;
}

static void report(void *vc, int wstat, const char *s, size_t len, str *reply)
{
    const char *fixed = NULL;
    char cls;
    (void)vc;
    if (!WIFEXITED(wstat)) {
        str_copys(reply, "Zqmail-local crashed.\n");
        return;
    }
    switch (WEXITSTATUS(wstat)) {
    case QLX_CDB: fixed = "ZTrouble reading users/cdb in qmail-lspawn.\n"; break;
    case QLX_NOMEM: fixed = "ZOut of memory in qmail-lspawn.\n"; break;
    case QLX_SYS: fixed = "ZTemporary failure in qmail-lspawn.\n"; break;
    case QLX_NOALIAS: fixed = "ZUnable to find alias user!\n"; break;
    case QLX_ROOT: fixed = "ZNot allowed to perform deliveries as root.\n"; break;
    case QLX_USAGE: fixed = "ZInternal qmail-lspawn bug.\n"; break;
    case QLX_NFS: fixed = "ZNFS failure in qmail-local.\n"; break;
    case QLX_EXECHARD: fixed = "DUnable to run qmail-local.\n"; break;
    case QLX_EXECSOFT: fixed = "ZUnable to run qmail-local.\n"; break;
    case QLX_EXECPW: fixed = "ZUnable to run qmail-getpw.\n"; break;
    case 111: case 71: case 74: case 75: cls = 'Z'; break;
    case 0: cls = 'K'; break;
    default: cls = 'D'; break;
    }
    if (fixed) {
        str_copys(reply, fixed);
        return;
    }
    const char *z = memchr(s, 0, len);
    if (z) len = (size_t)(z - s);
    if (str_copyb(reply, &cls, 1) < 0 || str_catb(reply, s, len) < 0) {
        /* no memory for the text: the class letter alone still tells the truth */
        str_copyb(reply, &cls, 1);
    }
}

static struct ctx c;

int main(int argc, char **argv)
{
    spawn_ops ops;
    struct stat st;

    if (argc < 2 || !argv[1]) die_usage(PROG, "qmail-lspawn defaultdelivery");
    signal(SIGPIPE, SIG_IGN);
    memset(&c, 0, sizeof c);
    c.aliasempty = argv[1];
    c.sandbox = ctl_sandbox();

    /* an absolute home: the children chdir to it from queue/mess */
    if (chdir(ctl_home()) < 0) die_sys(111, PROG, "unable to chdir to %s", ctl_home());
    {
        char *cwd = getcwd(NULL, 0);
        if (!cwd) die_sys(111, PROG, "unable to find the qmail home");
        c.home = cwd;
    }
    memset(&ops, 0, sizeof ops);
    ops.check_owner = 1;
    if (c.sandbox) {
        ops.owner = geteuid();
    } else {
        struct passwd *pw = getpwnam("qmailq");
        struct group *gr;
        if (!pw) die(111, PROG, "unable to find user qmailq");
        ops.owner = pw->pw_uid;
        pw = getpwnam("qmailp");
        if (!pw) die(111, PROG, "unable to find user qmailp");
        c.uidp = pw->pw_uid;
        gr = getgrnam("nofiles");
        if (!gr) die(111, PROG, "unable to find group nofiles");
        c.gidn = gr->gr_gid;
    }
    if (chdir("queue/mess") < 0 || stat(".", &st) < 0) die_sys(111, PROG, "unable to chdir to queue/mess");

    ops.concurrency = CONCURRENCY;
    ops.truncreport = TRUNCREPORT;
    ops.start = start;
    ops.report = report;
    ops.ctx = &c;
    if (spawn_serve(&ops, 0, 1) < 0) die_sys(111, PROG, "unable to serve qmail-send");
    free((char *)c.home);
    return 0;
}
