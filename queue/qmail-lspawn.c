/*
 * qmail-lspawn: run local deliveries for qmail-send (qmail-lspawn(8)).
 *
 *   qmail-lspawn defaultdelivery
 *
 * Speaks the spawn protocol (lib/spawn) on fds 0 and 1 in QMAILHOME/queue/
 * mess.  For each command a child cuts the recipient at its last '@' (an
 * empty local part is a silent success), finds the user in users/cdb or
 * through bin/qmail-getpw, becomes that user (system mode; never root) and
 * runs bin/qmail-local with the message on fd 0 and fds 1 and 2 on the
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
 * The user record "user\0uid\0gid\0home\0dash\0ext\0" for local, from
 * users/cdb or qmail-getpw (in the child, cwd = QMAILHOME; exits on
 * failure with qmail-lspawn's codes).
 */
static void nughde_get(const struct ctx *c, const char *local, str *nughde)
{
    cdbx db;

    /* users/cdb: the exact key, then the wildcard prefixes (lib/rcpt) */
    if (cdbx_open(&db, "users/cdb") < 0) {
        if (errno != ENOENT) _exit(QLX_CDB);
    } else {
        int r = rcpt_users_cdb(&db, local, nughde);
        if (r < 0) _exit(errno == ENOMEM ? QLX_NOMEM : QLX_CDB);
        cdbx_close(&db);
        if (r == 1) return;
    }

    /* qmail-getpw, as qmailp/nofiles in system mode */
    int p[2], st;
    pid_t pid;
    if (pipe(p) < 0) _exit(QLX_SYS);
    pid = fork();
    if (pid < 0) _exit(QLX_SYS);
    if (pid == 0) {
        char *args[3] = { (char *)"bin/qmail-getpw", (char *)local, 0 };
        if (!c->sandbox && become(c->uidp, c->gidn) < 0) _exit(QLX_USAGE);
        close(p[0]);
        if (p[1] != 1) {
            if (dup2(p[1], 1) < 0) _exit(QLX_SYS);
            close(p[1]);
        }
        execv(args[0], args);
        _exit(QLX_EXECPW);
    }
    close(p[1]);
    str_truncate(nughde, 0);
    if (fs_read_fd(p[0], nughde, 65536) < 0) _exit(QLX_SYS);
    close(p[0]);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) _exit(QLX_SYS);
    if (!WIFEXITED(st)) _exit(QLX_SYS);
    if (WEXITSTATUS(st)) _exit(WEXITSTATUS(st));
}

/* Next NUL-terminated field of x[*pos..len), or exit QLX_USAGE. */
static char *field(str *x, size_t *pos)
{
    char *f = x->s + *pos;
    char *z = memchr(f, 0, x->len - *pos);
    if (!z) _exit(QLX_USAGE);
    *pos = (size_t)(z - x->s) + 1;
    return f;
}

static void child(const struct ctx *c, int fdmess, int fdout, const char *sender, char *r,
                  size_t at)
{
    str nughde = STR_INIT;
    unsigned long u;
    uid_t uid;
    gid_t gid;
    size_t pos = 0;
    char *args[11];
    char *f;

    r[at] = 0;
    if (!r[0]) _exit(0);            /* an empty local part: trash */
    /* fd 0 the message, fds 1 and 2 the report pipe; from here on nothing
     * (qmail-getpw included) can touch qmail-send's pipes */
    if (fdmess != 0) {
        if (dup2(fdmess, 0) < 0) _exit(QLX_SYS);
        close(fdmess);
    }
    if (fdout != 1) {
        if (dup2(fdout, 1) < 0) _exit(QLX_SYS);
        close(fdout);
    }
    if (dup2(1, 2) < 0) _exit(QLX_SYS);
    if (chdir(c->home) < 0) _exit(QLX_USAGE);

    nughde_get(c, r, &nughde);
    if (!nughde.len) _exit(QLX_USAGE);

    args[0] = (char *)"bin/qmail-local";
    args[1] = (char *)"--";
    args[2] = field(&nughde, &pos);                 /* user */
    f = field(&nughde, &pos);                       /* uid */
    if (!*f || scan_ulong(f, strlen(f), &u) != strlen(f) || u != (unsigned long)(uid_t)u)
        _exit(QLX_USAGE);
    uid = (uid_t)u;
    f = field(&nughde, &pos);                       /* gid */
    if (!*f || scan_ulong(f, strlen(f), &u) != strlen(f) || u != (unsigned long)(gid_t)u)
        _exit(QLX_USAGE);
    gid = (gid_t)u;
    args[3] = field(&nughde, &pos);                 /* home */
    args[4] = r;                                    /* local */
    args[5] = field(&nughde, &pos);                 /* dash */
    args[6] = field(&nughde, &pos);                 /* ext */
    args[7] = r + at + 1;                           /* domain */
    args[8] = (char *)sender;
    args[9] = (char *)c->aliasempty;
    args[10] = 0;

    if (!c->sandbox) {
        if (become(uid, gid) < 0) _exit(QLX_USAGE);
        if (!getuid() || !geteuid()) _exit(QLX_ROOT);
    }
    signal(SIGPIPE, SIG_DFL);
    execv(args[0], args);
    _exit(temp_errno(errno) ? QLX_EXECSOFT : QLX_EXECHARD);
}

/*
 * The fast path.  A fork of this process costs about 0.1 ms on the
 * reference VM (its page tables are copied for a child that execs at
 * once), a third of a whole Maildir delivery, so when users/cdb answers
 * the lookup is done here and the child is started with vfork: it only
 * moves descriptors, changes directory and user, and execs.  A recipient
 * that users/cdb does not know (qmail-getpw must be asked, which the child
 * does) or any failure on the way takes the forked child above, which
 * reports exactly as before.
 */
struct prepared {
    str nughde;              /* the users/cdb record the args point into */
    char *args[11];
    uid_t uid;
    gid_t gid;
    int trash;               /* an empty local part: succeed, deliver nothing */
};

/* Field pos of nughde (advancing pos), NULL if there is none. */
static char *next_field(str *x, size_t *pos)
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
    char *f = next_field(x, pos);
    return f && *f && scan_ulong(f, strlen(f), out) == strlen(f) ? 0 : -1;
}

/* 1 with pr filled (args pointing into pr->nughde and r), 0 for the slow
 * path. */
static int prepare(const struct ctx *c, const struct spawn_job *j, char *r, struct prepared *pr)
{
    str path = STR_INIT;
    cdbx db;
    unsigned long u, g;
    size_t pos = 0;
    int found;

    pr->trash = !r[0];
    if (pr->trash) return 1;
    if (str_copys(&path, c->home) < 0 || str_cats(&path, "/users/cdb") < 0) { str_free(&path); return 0; }
    found = cdbx_open(&db, path.s);
    str_free(&path);
    if (found < 0) return 0;
    found = rcpt_users_cdb(&db, r, &pr->nughde);
    cdbx_close(&db);
    if (found != 1) return 0;
    pr->args[0] = (char *)"bin/qmail-local";
    pr->args[1] = (char *)"--";
    if (!(pr->args[2] = next_field(&pr->nughde, &pos))) return 0;           /* user */
    if (id_field(&pr->nughde, &pos, &u) < 0 || u != (unsigned long)(uid_t)u) return 0;
    if (id_field(&pr->nughde, &pos, &g) < 0 || g != (unsigned long)(gid_t)g) return 0;
    if (!(pr->args[3] = next_field(&pr->nughde, &pos))) return 0;           /* home */
    pr->args[4] = r;                                                         /* local */
    if (!(pr->args[5] = next_field(&pr->nughde, &pos))) return 0;           /* dash */
    if (!(pr->args[6] = next_field(&pr->nughde, &pos))) return 0;           /* ext */
    pr->args[7] = r + j->at + 1;                                             /* domain */
    pr->args[8] = (char *)j->sender;
    pr->args[9] = (char *)c->aliasempty;
    pr->args[10] = 0;
    pr->uid = (uid_t)u;
    pr->gid = (gid_t)g;
    return 1;
}

/* What the vfork child gets. */
struct fast_child {
    const struct ctx *c;
    const struct prepared *pr;
    int fdmess, fdout;
};

/* The vfork child (spawn_vfork): system calls only, then exec or _exit. */
static void run_prepared(void *arg)
{
    const struct fast_child *fc = arg;
    const struct prepared *pr = fc->pr;
    if (pr->trash) _exit(0);
    if (fc->fdmess != 0) {
        if (dup2(fc->fdmess, 0) < 0) _exit(QLX_SYS);
        close(fc->fdmess);
    }
    if (fc->fdout != 1) {
        if (dup2(fc->fdout, 1) < 0) _exit(QLX_SYS);
        close(fc->fdout);
    }
    if (dup2(1, 2) < 0) _exit(QLX_SYS);
    if (chdir(fc->c->home) < 0) _exit(QLX_USAGE);
    if (!fc->c->sandbox) {
        if (become(pr->uid, pr->gid) < 0) _exit(QLX_USAGE);
        if (!getuid() || !geteuid()) _exit(QLX_ROOT);
    }
    signal(SIGPIPE, SIG_DFL);
    execv(pr->args[0], pr->args);
    _exit(temp_errno(errno) ? QLX_EXECSOFT : QLX_EXECHARD);
}

/* Starts the vfork child for pr; 0, or -1 with the reply in err. */
static int start_prepared(const struct ctx *c, const struct spawn_job *j, const struct prepared *pr,
                          pid_t *pid, int *outfd, str *err)
{
    int p[2];
    pid_t f;
    if (pipe2(p, O_CLOEXEC) < 0) {
        if (err) (void)str_copys(err, "Zqmail-spawn unable to create pipe. (#4.3.0)\n");
        return -1;
    }
    struct fast_child fc = { c, pr, j->messfd, p[1] };
    f = spawn_vfork(run_prepared, &fc);
    close(p[1]);
    if (f < 0) {
        close(p[0]);
        if (err) (void)str_copys(err, "Zqmail-spawn unable to fork. (#4.3.0)\n");
        return -1;
    }
    *pid = f;
    *outfd = p[0];
    return 0;
}

static int start(void *vc, const struct spawn_job *j, pid_t *pid, int *outfd, str *err)
{
    const struct ctx *c = vc;
    size_t rl = strlen(j->recip);
    struct prepared pr = { .nughde = STR_INIT };
    char *rc = malloc(rl + 1);
    int wfd, r;

    if (rc) {
        memcpy(rc, j->recip, rl + 1);
        rc[j->at] = 0;
        r = prepare(c, j, rc, &pr) ? start_prepared(c, j, &pr, pid, outfd, err) : 1;
        str_free(&pr.nughde);
        free(rc);
        if (r <= 0) return r;
    }

    /* the slow path: the child looks the user up itself */
    r = spawn_fork(pid, outfd, &wfd, err);
    if (r < 0) return -1;
    if (r == 0) {
        char *copy = malloc(rl + 1);
        if (!copy) _exit(QLX_NOMEM);
        memcpy(copy, j->recip, rl + 1);
        child(c, j->messfd, wfd, j->sender, copy, j->at);
        _exit(QLX_USAGE);
    }
    return 0;
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
