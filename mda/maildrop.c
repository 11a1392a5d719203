/*
 * maildrop: a mail delivery agent with maildrop 2.9's filtering language
 * (maildrop(1), maildropfilter(7)).
 *
 *   maildrop [options] [-d user] [arg...]        delivery mode
 *   maildrop [options] filterfile [arg...]       manual mode
 *   maildrop -m [options] filterfile [arg...]    embedded mode
 *   maildrop -M name [options] [arg...]          embedded mode, ~/.mailfilters/name
 *   maildrop --explain [options] [...]           what would happen, nothing delivered
 *
 * Order of work: options; in delivery mode the user (users/cdb, then the
 * password file), the change of user (system mode, as root), the home
 * directory checks and chdir; the message (memory, in place, or a spool
 * file); the variables; then every filter file is parsed (the system
 * maildroprc, then ~/.mailfilter, with their includes) before anything
 * runs, so that a broken filter holds the message (exit 75) before any
 * delivery; then they run, and the message goes to $DEFAULT unless a
 * filter disposed of it.  Every internal failure is exit 75.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cdbx.h"
#include "ctl.h"
#include "maildrop.h"
#include "maildrop-pw.h"

#define VERSION "maildrop (mailsuite) 1.0, compatible with maildrop 2.9.3"

volatile sig_atomic_t md_timed_out;
volatile pid_t md_child;

extern char **environ;

struct user {
    str name;
    str home;
    str shell;
    uid_t uid;
    gid_t gid;
};

static struct md_ctx ctx;
static struct user u;
static str def;

static void on_alarm(int sig)
{
    (void)sig;
    md_timed_out = 1;
    if (md_child > 0) kill(md_child, SIGKILL);
}

static void cleanup(void)
{
    md_files_free(&ctx);
    md_lookups_free(&ctx);
    md_msg_free(&ctx.msg);
    md_vars_free(&ctx.vars);
    str_free(&ctx.assigned);
    str_free(&u.name);
    str_free(&u.home);
    str_free(&u.shell);
    str_free(&def);
    for (int i = 0; i < 16; i++) free(ctx.initial[i]);
    if (ctx.logfd >= 0) close(ctx.logfd);
}

static void __attribute__((noreturn)) finish(int code)
{
    fflush(stdout);
    cleanup();
    exit(code);
}

static void __attribute__((noreturn)) fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    if (fmt) {
        fputs("maildrop: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    finish(MD_EX_TEMPFAIL);
}

static void nomem(void) { fail("Out of memory."); }

static void __attribute__((noreturn)) usage(void)
{
    fputs("Usage: maildrop [-m] [-M filter] [-d user] [-f sender] [-A 'Header: value'] [-V level]\n"
          "                [-w percent] [-W file] [-D uid/gid] [-a] [--explain] [filterfile] [arg...]\n",
          stderr);
    finish(MD_EX_TEMPFAIL);
}

/* ---- users -------------------------------------------------------------------------------- */

static int from_passwd(const struct passwd *pw, struct user *u)
{
    if (str_copys(&u->name, pw->pw_name) < 0 || str_copys(&u->home, pw->pw_dir) < 0 ||
        str_copys(&u->shell, pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh") < 0)
        return -1;
    u->uid = pw->pw_uid;
    u->gid = pw->pw_gid;
    return 0;
}

/* users/cdb (qmail-newu's "!local\0" records) then the password file:
 * 1 found, 0 unknown, -1 error. */
static int lookup_user(const char *name, struct user *u)
{
    str path = STR_INIT, key = STR_INIT, val = STR_INIT;
    struct passwd *pw;
    int r;
    if (str_copys(&path, ctx.qmailhome) < 0 || str_cats(&path, "/users/cdb") < 0 ||
        str_copys(&key, "!") < 0 || str_cats(&key, name) < 0 || str_catc(&key, 0) < 0)
        nomem();
    for (size_t i = 1; i < key.len; i++) key.s[i] = ascii_lower(key.s[i]);
    r = cdbx_find_path(path.s, key.s, key.len, &val);
    if (r < 0 && errno != ENOENT) {
        str_free(&path);
        str_free(&key);
        str_free(&val);
        return -1;
    }
    if (r == 1) {
        /* user \0 uid \0 gid \0 home \0 dash \0 ext \0 */
        const char *f[4];
        size_t pos = 0;
        int k = 0;
        while (k < 4 && pos < val.len) {
            const char *z = memchr(val.s + pos, 0, val.len - pos);
            if (!z) break;
            f[k++] = val.s + pos;
            pos = (size_t)(z - val.s) + 1;
        }
        if (k == 4) {
            u->uid = (uid_t)strtoul(f[1], NULL, 10);
            u->gid = (gid_t)strtoul(f[2], NULL, 10);
            if (str_copys(&u->name, f[0]) < 0 || str_copys(&u->home, f[3]) < 0) nomem();
            pw = md_getpwnam(f[0]);
            if (str_copys(&u->shell, pw && pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh") < 0)
                nomem();
            str_free(&path);
            str_free(&key);
            str_free(&val);
            return 1;
        }
    }
    str_free(&path);
    str_free(&key);
    str_free(&val);
    errno = 0;
    pw = md_getpwnam(name);
    if (!pw) return errno && errno != ENOENT && errno != ESRCH ? -1 : 0;
    if (from_passwd(pw, u) < 0) nomem();
    return 1;
}

static void become(const struct user *u)
{
    if (geteuid() != 0 || ctx.sandbox) return;
    if (setgroups(1, &u->gid) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0)
        fail("Unable to change to user %s: %s.", u->name.s, strerror(errno));
}

/* ---- variables ---------------------------------------------------------------------------- */

static void setvar(const char *name, const char *val)
{
    if (md_var_sets(&ctx.vars, name, val) < 0) nomem();
}

static void import_env(int all)
{
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t n;
        if (!eq || eq == *e) continue;
        n = (size_t)(eq - *e);
        if (!all && !(n == 4 && !strncmp(*e, "LANG", 4)) && !(n == 8 && !strncmp(*e, "LANGUAGE", 8)) &&
            strncmp(*e, "LC_", 3) != 0)
            continue;
        if (md_var_set(&ctx.vars, *e, n, eq + 1, strlen(eq + 1)) < 0) nomem();
    }
}

static int is_maildir(const char *d)
{
    return md_target_kind(d, strlen(d)) == 'm';
}

/* $DEFAULT: control/defaultdelivery when it names a mailbox, else
 * $HOME/Maildir/ when that is a maildir, else /var/mail/$LOGNAME. */
static void default_mailbox(const struct user *u, str *out)
{
    str line = STR_INIT;
    str_truncate(out, 0);
    if (ctl_readline(ctx.qmailhome, "defaultdelivery", &line) == CTL_FOUND && line.len &&
        (line.s[0] == '.' || line.s[0] == '/')) {
        if (line.s[0] == '.' && line.len > 1 && line.s[1] == '/') {
            if (str_copy(out, &u->home) < 0 || str_cats(out, line.s + 1) < 0) nomem();
        } else if (str_copy(out, &line) < 0) {
            nomem();
        }
        str_free(&line);
        return;
    }
    str_free(&line);
    if (str_copy(out, &u->home) < 0 || str_cats(out, "/Maildir") < 0) nomem();
    if (is_maildir(out->s)) {
        if (str_catc(out, '/') < 0) nomem();
        return;
    }
    if (str_copys(out, "/var/mail/") < 0 || str_cat(out, &u->name) < 0) nomem();
}

static void set_initial(int i, const char *name)
{
    str s = STR_INIT;
    if (str_copys(&s, name) < 0 || str_catc(&s, '=') < 0 || str_cats(&s, md_var_gets(&ctx.vars, name)) < 0)
        nomem();
    ctx.initial[i] = s.s;
}

/* ---- the embedded -M file ---------------------------------------------------------------- */

static int load_M(const char *name, struct md_file **out)
{
    str dir = STR_INIT, n = STR_INIT, p = STR_INIT;
    struct stat st;
    int r;
    if (str_copys(&dir, ".mailfilters") < 0 || str_copys(&n, name) < 0) nomem();
    for (size_t i = 0; i < n.len; i++)
        if (n.s[i] == '/' || n.s[i] == '.') n.s[i] = ':';
    if (stat(dir.s, &st) < 0 || !S_ISDIR(st.st_mode))
        fail("Unable to open filter file $HOME/.mailfilters/%s: %s.", n.s,
             errno ? strerror(errno) : "not a directory");
    if (st.st_uid != geteuid() || (st.st_mode & 077))
        fail("Invalid permissions on $HOME/.mailfilters: it must belong to you and have no group or other permissions.");
    for (;;) {
        if (str_copy(&p, &dir) < 0 || str_catc(&p, '/') < 0 || str_cat(&p, &n) < 0) nomem();
        r = md_load(&ctx, p.s, NULL, 1, 1, 0, 0, 0, out);
        if (r != 1) break;
        /* name-default, stripping one -suffix at a time, then default */
        {
            ptrdiff_t dash;
            if (str_equals(&n, "default")) break;
            if (n.len > 8 && !memcmp(n.s + n.len - 8, "-default", 8)) str_truncate(&n, n.len - 8);
            dash = str_rchr(&n, '-');
            if (dash > 0) {
                str_truncate(&n, (size_t)dash);
                if (str_cats(&n, "-default") < 0) nomem();
            } else if (str_copys(&n, "default") < 0) {
                nomem();
            }
        }
    }
    str_free(&dir);
    str_free(&n);
    str_free(&p);
    if (r == 1) fail("Unable to open filter file $HOME/.mailfilters/%s.", name);
    return r;
}

/* ---- main ----------------------------------------------------------------------------------- */

static const char *optval(int *i, int argc, char **argv, const char *rest)
{
    if (*rest) return rest;
    if (*i + 1 >= argc) usage();
    return argv[++*i];
}

static void explain_result(int code, const char *how)
{
    if (!ctx.explain) return;
    printf("explain: result: %s; maildrop would exit %d\n", how, code);
}

static void __attribute__((noreturn)) end_run(int st, const char *what)
{
    if (st == MD_EXIT) {
        if (ctx.explain)
            explain_result(ctx.exitcode, ctx.delivered ? "the message would be delivered as shown above "
                                                         "(nothing was delivered: --explain)"
                                                       : "filtering ends without delivering the message");
        finish(ctx.exitcode);
    }
    if (ctx.explain) explain_result(MD_EX_TEMPFAIL, what);
    finish(MD_EX_TEMPFAIL);
}

int main(int argc, char **argv)
{
    const char *duser = NULL, *from = NULL, *Mname = NULL, *filter = NULL, *Dids = NULL;
    str prefix = STR_INIT;
    struct md_file *rc = NULL, *mf = NULL;
    int i, verbose = -1, embedded_m = 0, delivery;
    struct sigaction sa;

    memset(&ctx, 0, sizeof ctx);
    ctx.logfd = -1;
    ctx.origenv = environ;
    ctx.start = time(NULL);
    signal(SIGPIPE, SIG_IGN);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);      /* no SA_RESTART: waits see EINTR */

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) break;
        if (!strcmp(a, "--")) { i++; break; }
        if (!strcmp(a, "--explain")) { ctx.explain = 1; continue; }
        if (!strcmp(a, "--help")) usage();
        if (!strcmp(a, "--version")) { puts(VERSION); finish(0); }
        switch (a[1]) {
        case 'd': duser = optval(&i, argc, argv, a + 2); break;
        case 'f': from = optval(&i, argc, argv, a + 2); if (!*from) from = NULL; break;
        case 'A': {
            const char *h = optval(&i, argc, argv, a + 2);
            if (prefix.len + strlen(h) + 1 > MD_MEM_MAX) fail("Too many -A headers.");
            if (str_cats(&prefix, h) < 0 || str_catc(&prefix, '\n') < 0) nomem();
            break;
        }
        case 'V': verbose = atoi(optval(&i, argc, argv, a + 2)); break;
        case 'w': ctx.warn_pct = atoi(optval(&i, argc, argv, a + 2)); break;
        case 'W': ctx.warn_file = optval(&i, argc, argv, a + 2); break;
        case 'm': if (a[2]) usage(); embedded_m = 1; break;
        case 'M': Mname = optval(&i, argc, argv, a + 2); break;
        case 'a': if (a[2]) usage(); break;
        case 'D': Dids = optval(&i, argc, argv, a + 2); break;
        case 'v': printf("%s\n", VERSION); finish(0);
        case 'h': usage();
        default:
            fail("Bad command line arguments.");
        }
    }
    ctx.qmailhome = ctl_home();
    ctx.sandbox = ctl_sandbox();
    ctx.embedded = embedded_m || Mname != NULL;
    if (Mname && (Mname[0] == '/' || !*Mname)) fail("Invalid -M filter name.");
    if (!duser && !Mname && i < argc) filter = argv[i++];
    if (embedded_m && !filter && !Mname) fail("-m needs a filter file.");
    delivery = !filter;
    ctx.mode = delivery ? MD_MODE_DELIVERY : MD_MODE_MANUAL;
    ctx.quiet_verbose = delivery && !Mname && !ctx.explain;

    /* -D uid/gid: reserved for the mail system (root) */
    if (Dids) {
        char *end;
        unsigned long du = strtoul(Dids, &end, 10), dg;
        if (*end != '/') fail("Bad -D argument.");
        dg = strtoul(end + 1, &end, 10);
        if (*end) fail("Bad -D argument.");
        if (getuid() != 0) fail("-D is reserved for the mail system.");
        u.uid = (uid_t)du;
        u.gid = (gid_t)dg;
    }

    /* the user */
    if (duser) {
        int r = lookup_user(duser, &u);
        if (r < 0) fail("Unable to look up user %s: %s.", duser, strerror(errno));
        if (r == 0) {
            fprintf(stderr, "maildrop: Invalid user specified.\n");
            finish(MD_EX_NOUSER);
        }
        if (!ctx.sandbox && getuid() != 0 && u.uid != getuid())
            fail("You are not authorized to use -d for %s.", duser);
    } else {
        const char *h = getenv("HOME"), *l = getenv("LOGNAME");
        struct passwd *pw = md_getpwuid(getuid());
        if (!l || !*l) l = getenv("USER");
        if (ctx.sandbox && h && *h) {
            if (str_copys(&u.home, h) < 0 || str_copys(&u.name, l && *l ? l : pw ? pw->pw_name : "nobody") < 0 ||
                str_copys(&u.shell, pw && pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh") < 0)
                nomem();
            u.uid = getuid();
            u.gid = getgid();
        } else if (pw) {
            if (from_passwd(pw, &u) < 0) nomem();
        } else {
            fail("Unable to find the user running maildrop.");
        }
    }
    if (Dids) {
        unsigned long du = strtoul(Dids, NULL, 10);
        u.uid = (uid_t)du;
        u.gid = (gid_t)strtoul(strchr(Dids, '/') + 1, NULL, 10);
    }
    if (delivery) become(&u);
    ctx.uid = geteuid();
    ctx.gid = getegid();

    /* the home directory */
    if (delivery) {
        struct stat st;
        if (stat(u.home.s, &st) < 0 || !S_ISDIR(st.st_mode))
            fail("Unable to find home directory %s.", u.home.s);
        if (st.st_mode & S_ISVTX) finish(MD_EX_TEMPFAIL);    /* the "hold mail" switch */
        if (st.st_uid != ctx.uid) fail("Home directory %s is owned by the wrong user.", u.home.s);
        if (st.st_mode & S_IWOTH) fail("Invalid home directory permissions - world writable.");
        if (chdir(u.home.s) < 0) fail("Unable to change to home directory %s: %s.", u.home.s, strerror(errno));
    }

    alarm(MD_WATCHDOG);

    /* the message */
    {
        const char *tmp = getenv("TMPDIR");
        if (md_msg_read(&ctx.msg, 0, prefix.s ? prefix.s : "", prefix.len, tmp && *tmp ? tmp : "/tmp") < 0)
            fail("Unable to read the message: %s.", strerror(errno));
        str_free(&prefix);
    }

    /* the variables */
    if (!delivery && !ctx.embedded) import_env(1);
    else import_env(0);
    setvar("HOME", u.home.s);
    setvar("LOGNAME", u.name.s);
    setvar("SHELL", u.shell.s);
    default_mailbox(&u, &def);
    setvar("DEFAULT", def.s);
    {
        str p = STR_INIT;
        if (str_copys(&p, ctx.qmailhome) < 0 || str_cats(&p, "/bin:/bin:/usr/bin:/usr/local/bin") < 0) nomem();
        setvar("PATH", p.s);
        if (str_copys(&p, ctx.qmailhome) < 0 || str_cats(&p, "/bin/sendmail -oi") < 0) nomem();
        setvar("SENDMAIL", p.s);
        str_free(&p);
    }
    setvar("LOCKEXT", ".lock");
    setvar("LOCKSLEEP", "5");
    setvar("LOCKTIMEOUT", "60");
    setvar("LOCKREFRESH", "15");
    setvar("MAILDIRQUOTA", "");
    setvar("UMASK", "077");
    md_apply_umask(&ctx);
    {
        char host[256];
        if (gethostname(host, sizeof host) < 0) strcpy(host, "localhost");
        host[sizeof host - 1] = 0;
        setvar("HOSTNAME", host);
    }
    if (from) {
        setvar("FROM", from);
    } else {
        str rp = STR_INIT;
        if (md_header_value(ctx.msg.st, "return-path", &rp) > 0) {
            /* angle brackets stripped; the address ends at a space or '>' */
            const char *s = rp.s;
            size_t n;
            while (*s == '<' || *s == ' ' || *s == '\t') s++;
            n = strcspn(s, " \t>");
            if (md_var_set(&ctx.vars, "FROM", 4, s, n) < 0) nomem();
        } else {
            setvar("FROM", "MAILER-DAEMON");
        }
        str_free(&rp);
    }
    md_set_size(&ctx);     /* LINES does not count -A headers, as in maildrop 2.9.3 */
    setvar("MAILFILTER", filter ? filter : Mname ? Mname : ".mailfilter");
    for (int k = 1; i < argc; i++, k++) {
        char name[32];
        snprintf(name, sizeof name, "%d", k);
        setvar(name, argv[i]);
    }
    if (verbose >= 0 && !ctx.quiet_verbose) {
        char b[32];
        snprintf(b, sizeof b, "%d", verbose);
        setvar("VERBOSE", b);
    }
    {
        static const char *const reset[] = { "DEFAULT", "HOME", "LOCKEXT", "LOCKSLEEP", "LOCKTIMEOUT",
                                             "LOCKREFRESH", "LOGNAME", "PATH", "SENDMAIL", "SHELL" };
        for (size_t k = 0; k < sizeof reset / sizeof reset[0]; k++) set_initial((int)k, reset[k]);
    }

    /* parse everything first */
    if (delivery && !Mname) {
        str rcpath = STR_INIT;
        int r;
        if (ctx.sandbox) {
            if (str_copys(&rcpath, ctx.qmailhome) < 0 || str_cats(&rcpath, "/etc/maildroprc") < 0) nomem();
        } else if (str_copys(&rcpath, "/etc/maildroprc") < 0) {
            nomem();
        }
        r = md_load(&ctx, rcpath.s, NULL, 0, 1, 1, 0, 0, &rc);
        str_free(&rcpath);
        if (r < 0) end_run(MD_ERR, "the system filter is broken");
        if (r == 1) rc = NULL;
        r = md_load(&ctx, ".mailfilter", NULL, 1, 1, 0, 0, 0, &mf);
        if (r < 0) end_run(MD_ERR, "the filter is broken");
        if (r == 1) mf = NULL;
        if (ctx.explain) {
            printf("explain: system filter: %s\n", rc ? rc->path.s : "none");
            printf("explain: filter: %s\n", mf ? "$HOME/.mailfilter" : "none ($HOME/.mailfilter does not exist)");
        }
    } else if (Mname) {
        if (load_M(Mname, &mf) != 0) end_run(MD_ERR, "the filter is broken");
        if (ctx.explain) printf("explain: filter: %s\n", mf->path.s);
    } else {
        int r = md_load(&ctx, filter, NULL, 1, 0, 0, 0, 0, &mf);
        if (r != 0) end_run(MD_ERR, "the filter is broken");
        if (ctx.explain) printf("explain: filter: %s\n", filter);
    }

    /* run */
    if (rc) {
        int st = md_run_file(&ctx, rc);
        if (st != MD_OK) end_run(st, "the system filter failed");
    }
    if (mf) {
        int st = md_run_file(&ctx, mf);
        if (st != MD_OK) end_run(st, "the filter failed");
    }
    if (ctx.embedded) {
        ctx.exitcode = (int)md_var_long(&ctx, "EXITCODE", 0);
        end_run(MD_EXIT, "");
    }
    {
        const str *d = md_var_get(&ctx.vars, "DEFAULT", 7);
        int st;
        if (!d || !d->len) {
            md_error(&ctx, NULL, "DEFAULT mailbox not defined.");
            end_run(MD_ERR, "no default mailbox");
        }
        if (ctx.explain) printf("explain: default delivery\n");
        {
            str t = STR_INIT;
            if (str_copy(&t, d) < 0) nomem();
            st = md_deliver(&ctx, t.s, t.len, 1, NULL);
            str_free(&t);
        }
        end_run(st, "the default delivery failed");
    }
}
