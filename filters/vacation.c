/*
 * vacation: the BSD "I am not here" responder, for a .qmail line such as
 *
 *   |vacation joe
 *   ./Maildir/
 *
 *   vacation [-djzNX] [-a alias] [-c ccaddr] [-f db] [-m msg] [-r interval]
 *            [-s address] [-t time] [login]
 *   vacation -i [-r interval] [-f db]      (also -I)
 *   vacation -l [-f db]
 *   vacation -x [-f db]                    (exclusions on stdin)
 *
 * Runs in $HOME.  The response is ~/.vacation.msg (header included,
 * $SUBJECT replaced by the original subject); each sender gets it once per
 * interval (-r days, default 7; 0 = every message; a non-number = only
 * once).  The decisions, the response and the state are lib/autoreply's and
 * lib/arstate's: the "database" is a directory of per-sender timestamps,
 * named by -f (default .vacation.db; if that exists and is not a directory,
 * for example a Berkeley DB of another vacation, db.d is used), holding
 * also .interval (set by -i -r) and .exclude (added to by -x).  Our
 * addresses are $RECIPIENT, the -a aliases and the login (a local part);
 * the sender is $SENDER, or without it the message's Return-Path or mbox
 * "From " line (or -s).  Responses always have a null envelope sender
 * (-z is accepted for compatibility, as are -d and -t).  One line on
 * stderr per decision.  Exit 0 when answered or not needed, 111 on every
 * error (usage included), so that mail waits instead of bouncing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arstate.h"
#include "autoreply.h"
#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "str.h"

#define PROG "vacation"
#define DAY 86400UL

static void usage(void)
{
    fprintf(stderr,
            "%s: usage: vacation [-djzNX] [-a alias] [-c ccaddr] [-f db] [-m msg] [-r interval] "
            "[-s address] [-t time] [login]\n"
            "       vacation -i [-r interval] [-f db]\n"
            "       vacation -l [-f db]\n"
            "       vacation -x [-f db]\n",
            PROG);
    exit(EXIT_TEMP);
}

static void push(const char ***v, size_t *n, const char *s)
{
    const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) die_nomem(PROG);
    nv[(*n)++] = s;
    *v = nv;
}

/* -r: days; 0 = every message; anything not a number = once only */
static unsigned long parse_interval(const char *s)
{
    unsigned long d;
    size_t n = strlen(s);
    if (!n || scan_ulong(s, n, &d) != n) return ARSTATE_FOREVER;
    if (d > ARSTATE_FOREVER / DAY - 1) return ARSTATE_FOREVER;
    return d * DAY;
}

/* The state directory for db. */
static void state_dir(str *out, const char *db)
{
    struct stat sb;
    if (str_copys(out, db) < 0) die_nomem(PROG);
    if (lstat(db, &sb) == 0 && !S_ISDIR(sb.st_mode) && str_cats(out, ".d") < 0) die_nomem(PROG);
}

static void path_in(str *out, const str *dir, const char *name)
{
    if (str_copy(out, dir) < 0 || str_catc(out, '/') < 0 || str_cats(out, name) < 0) die_nomem(PROG);
}

static int do_init(const str *dir, const char *interval)
{
    arstate st;
    str p = STR_INIT, v = STR_INIT;
    if (arstate_open(&st, dir->s, 1, 120) < 0) die_sys(EXIT_TEMP, PROG, "unable to open %s", dir->s);
    if (arstate_clear(&st) < 0) die_sys(EXIT_TEMP, PROG, "unable to clear %s", dir->s);
    path_in(&p, dir, ".interval");
    if (interval) {
        unsigned long s = parse_interval(interval);
        if (s == ARSTATE_FOREVER) str_copys(&v, "infinite\n");
        else if (str_catulong(&v, s) < 0 || str_catc(&v, '\n') < 0) die_nomem(PROG);
        if (fs_write_atomic(p.s, v.s, v.len, 0600) < 0) die_sys(EXIT_TEMP, PROG, "unable to write %s", p.s);
    } else if (unlink(p.s) < 0 && errno != ENOENT) {
        die_sys(EXIT_TEMP, PROG, "unable to remove %s", p.s);
    }
    arstate_close(&st);
    str_free(&p);
    str_free(&v);
    return 0;
}

static int do_list(const str *dir)
{
    arstate st;
    arstate_entry *v;
    size_t n;
    buf out;
    char space[BUF_SIZE];
    if (arstate_open(&st, dir->s, 0, 120) < 0) {
        if (errno == ENOENT) return 0;
        die_sys(EXIT_TEMP, PROG, "unable to open %s", dir->s);
    }
    if (arstate_list(&st, &v, &n) < 0) die_sys(EXIT_TEMP, PROG, "unable to read %s", dir->s);
    arstate_close(&st);
    buf_init(&out, 1, space, sizeof space);
    for (size_t i = 0; i < n; ++i) {
        char date[64];
        time_t t = (time_t)v[i].t;
        struct tm *tm = localtime(&t);
        if (!tm || !strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", tm)) strcpy(date, "?");
        buf_putstr(&out, &v[i].key);
        buf_puts(&out, "\t");
        buf_puts(&out, date);
        buf_puts(&out, "\n");
    }
    if (buf_flush(&out) < 0) die_sys(EXIT_TEMP, PROG, "unable to write the list");
    arstate_entries_free(v, n);
    return 0;
}

static int do_exclude(const str *dir)
{
    arstate st;
    str p = STR_INIT, all = STR_INIT, line = STR_INIT;
    buf in;
    char space[BUF_SIZE];
    int r;
    if (arstate_open(&st, dir->s, 1, 120) < 0) die_sys(EXIT_TEMP, PROG, "unable to open %s", dir->s);
    path_in(&p, dir, ".exclude");
    if (fs_read_file(p.s, &all, CTL_FILE_MAX) < 0 && errno != ENOENT)
        die_sys(EXIT_TEMP, PROG, "unable to read %s", p.s);
    if (all.len && all.s[all.len - 1] != '\n' && str_catc(&all, '\n') < 0) die_nomem(PROG);
    buf_init(&in, 0, space, sizeof space);
    while ((r = buf_getline(&in, &line, '\n', CTL_LINE_MAX)) == BUF_LINE || r == BUF_PARTIAL ||
           r == BUF_TOOLONG) {
        const char *s = line.s;
        size_t n = line.len;
        if (r == BUF_TOOLONG) continue;
        while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
        if (!n || *s == '#' || memchr(s, 0, n)) continue;
        if (str_catb(&all, s, n) < 0 || str_catc(&all, '\n') < 0) die_nomem(PROG);
        if (all.len > CTL_FILE_MAX) die(EXIT_TEMP, PROG, "too many exclusions");
    }
    if (r == BUF_ERR) die_sys(EXIT_TEMP, PROG, "unable to read the exclusions");
    if (fs_write_atomic(p.s, all.s ? all.s : "", all.len, 0600) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to write %s", p.s);
    arstate_close(&st);
    str_free(&p);
    str_free(&all);
    str_free(&line);
    return 0;
}

int main(int argc, char **argv)
{
    const char *db = ".vacation.db", *msgfile = ".vacation.msg", *interval = NULL, *login = NULL;
    const char *home, **aliases = NULL, **bccs = NULL;
    size_t naliases = 0, nbccs = 0;
    int c, mode = 0, res;
    autoreply_opts o;
    str dir = STR_INIT, homeabs = STR_INIT, msg = STR_INIT, why = STR_INIT, idhost = STR_INIT;
    str path = STR_INIT, text = STR_INIT;
    ctl_list excl = CTL_LIST_INIT;
    char inspace[BUF_SIZE];
    buf in;
    unsigned long qp;

    signal(SIGPIPE, SIG_IGN);
    autoreply_opts_init(&o);
    o.subst = AUTOREPLY_SUBST_DOLLAR;
    o.interval = 7 * DAY;
    opterr = 0;
    while ((c = getopt(argc, argv, "a:c:df:iIjlm:r:s:t:xzNX")) != -1) {
        switch (c) {
        case 'a': push(&aliases, &naliases, optarg); break;
        case 'c': push(&bccs, &nbccs, optarg); break;
        case 'd': case 't': case 'z': break;
        case 'f': db = optarg; break;
        case 'i': case 'I': mode = 'i'; break;
        case 'j': o.check_to = 0; break;
        case 'l': mode = 'l'; break;
        case 'm': msgfile = optarg; break;
        case 'r': interval = optarg; break;
        case 's': o.sender = optarg; break;
        case 'x': mode = 'x'; break;
        case 'N': o.dryfd = 1; break;
        case 'X': o.passfd = 1; break;
        default: usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (argc > 1 || (o.dryfd >= 0 && o.passfd >= 0)) usage();
    if (argc == 1) login = argv[0];

    /* the qmail home, made absolute before changing directory */
    if (autoreply_opts_home(&o, &homeabs, &idhost) < 0) die_sys(EXIT_TEMP, PROG, "unable to read control/idhost");
    if ((home = getenv("HOME")) && *home && chdir(home) < 0) die_sys(EXIT_TEMP, PROG, "unable to switch to %s", home);
    state_dir(&dir, db);

    if (mode) {
        if (mode == 'i') do_init(&dir, interval);
        else if (mode == 'l') do_list(&dir);
        else do_exclude(&dir);
        goto done;
    }

    if (!o.sender) o.sender = getenv("SENDER");   /* NULL: from the header */
    o.recipient = getenv("RECIPIENT");
    o.dtline = getenv("DTLINE");
    if (!login) login = getenv("USER");
    if (!login) login = getenv("LOGNAME");
    if (login && *login) push(&aliases, &naliases, login);
    o.aliases = aliases;
    o.naliases = naliases;
    o.bcc = bccs;
    o.nbcc = nbccs;
    autoreply_opts_from(&o);

    if (interval) {
        o.interval = parse_interval(interval);
    } else {
        path_in(&path, &dir, ".interval");
        int r = ctl_readline_path(path.s, &text);
        if (r == CTL_ERR) die_sys(EXIT_TEMP, PROG, "unable to read %s", path.s);
        if (r == CTL_FOUND) {
            unsigned long s;
            size_t n = text.len;
            o.interval = (n && scan_ulong(text.s, n, &s) == n) ? s : ARSTATE_FOREVER;
        }
    }
    path_in(&path, &dir, ".exclude");
    if (ctl_readlist_path(path.s, &excl) == CTL_ERR) die_sys(EXIT_TEMP, PROG, "unable to read %s", path.s);
    o.exclude = (const char *const *)excl.item;
    o.nexclude = excl.n;

    if (fs_read_file(msgfile, &msg, AUTOREPLY_MSG_MAX) < 0) {
        if (errno == EFBIG) die(EXIT_TEMP, PROG, "%s is larger than %u bytes", msgfile, AUTOREPLY_MSG_MAX);
        die_sys(EXIT_TEMP, PROG, "unable to read %s", msgfile);
    }
    o.msg = msg.s ? msg.s : "";
    o.msglen = msg.len;
    o.statedir = dir.s;
    o.create_statedir = 1;

    buf_init(&in, 0, inspace, sizeof inspace);
    res = autoreply_run(&o, &in, &why, &qp);
    if (res == AUTOREPLY_TEMP) die(EXIT_TEMP, PROG, "%s", why.s);
    text.len = 0;
    if (autoreply_result_line(&text, PROG, res, &why, qp, o.dryfd >= 0) == 0 && write(2, text.s, text.len) < 0) {}
done:
    free(aliases);
    free(bccs);
    ctl_list_free(&excl);
    str_free(&dir);
    str_free(&homeabs);
    str_free(&msg);
    str_free(&why);
    str_free(&idhost);
    str_free(&path);
    str_free(&text);
    return 0;
}
