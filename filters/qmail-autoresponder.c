/*
 * qmail-autoresponder: answer mail automatically, at most msglimit times
 * per sender and interval, from a .qmail line placed before the delivery
 * lines:
 *
 *   |qmail-autoresponder [-cDjLNqTX] [-a address] [-n NUM] [-O NAME[=VALUE]]
 *                        [-s STR] [-t SECS] [MESSAGE-FILE] DIRECTORY
 *
 * Compatible with qmail-autoresponder 2.0: it changes into DIRECTORY, which
 * holds the response (MESSAGE-FILE, default message.txt, with its header),
 * the named options (config.txt, or one file per option) and the
 * per-sender timestamps (lib/arstate); the decisions, the response and the
 * state are lib/autoreply's.  Needs SENDER and RECIPIENT (qmail-local sets
 * them; DTLINE is used when set).  Each decision is one line on stderr
 * ("Ignoring message: why" or "Sent response ..."), unless -q.  Exit 0
 * when the response was sent or not needed, 111 on every error (usage and
 * configuration errors included, so that mail waits in the queue instead
 * of bouncing).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arstate.h"
#include "autoreply.h"
#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "str.h"

#define PROG "qmail-autoresponder"
#define USAGE "qmail-autoresponder [-cDjLNqTX] [-a address] [-n NUM] [-O NAME[=VALUE]] " \
              "[-s STR] [-t SECS] [MESSAGE-FILE] DIRECTORY"

/* the configuration being built; strings live as long as the program */
static autoreply_opts opts;
static const char **aliases, **bccs;
static size_t naliases, nbccs;
static int quiet;

static void usage(void)
{
    fprintf(stderr, "%s: usage: %s\n", PROG, USAGE);
    exit(EXIT_TEMP);
}

static char *dupb(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) die_nomem(PROG);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static void push(const char ***v, size_t *n, const char *s)
{
    const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) die_nomem(PROG);
    nv[(*n)++] = s;
    *v = nv;
}

/* Splits a list of addresses at commas and white space. */
static void push_list(const char ***v, size_t *n, const char *s)
{
    size_t i = 0, len = strlen(s);
    while (i < len) {
        size_t j;
        while (i < len && (s[i] == ',' || s[i] == ' ' || s[i] == '\t')) i++;
        j = i;
        while (j < len && s[j] != ',' && s[j] != ' ' && s[j] != '\t') j++;
        if (j > i) push(v, n, dupb(s + i, j - i));
        i = j;
    }
}

static void config_error(const char *name, const char *why)
{
    die(EXIT_TEMP, PROG, "Configuration error in %s: %s", name, why);
}

static int parse_bool(const char *name, const char *v)
{
    if (v[0] && strchr("123456789TtYy", v[0])) return 1;
    if (v[0] && strchr("0FfNn", v[0])) return 0;
    config_error(name, "not a boolean");
    return 0;
}

static unsigned long parse_ulong(const char *name, const char *v)
{
    unsigned long u;
    size_t n = strlen(v), d = scan_ulong(v, n, &u);
    if (!d || d != n) config_error(name, "not a number");
    return u;
}

/* epoch seconds, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (local time) or the
 * locale's %c; a zero date means unset */
static time_t parse_time(const char *name, const char *v)
{
    struct tm tm;
    const char *e;
    unsigned long u;
    size_t n = strlen(v);
    static const char *const fmts[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%c", NULL };
    if (n && scan_ulong(v, n, &u) == n) return (time_t)u;
    if (strncmp(v, "0000-00-00", 10) == 0) return 0;
    for (size_t i = 0; fmts[i]; ++i) {
        memset(&tm, 0, sizeof tm);
        e = strptime(v, fmts[i], &tm);
        if (e && !*e) {
            tm.tm_isdst = -1;
            return mktime(&tm);
        }
    }
    config_error(name, "not a time");
    return 0;
}

/* Sets a named option (unknown names are ignored, as in 2.0). */
static void set_option(const char *name, const char *value)
{
    if (!strcmp(name, "copymsg")) opts.copymsg = parse_bool(name, value);
    else if (!strcmp(name, "no_inreplyto")) opts.no_inreplyto = parse_bool(name, value);
    else if (!strcmp(name, "msglimit")) opts.msglimit = parse_ulong(name, value);
    else if (!strcmp(name, "numlines")) opts.numlines = parse_ulong(name, value);
    else if (!strcmp(name, "timelimit")) opts.interval = parse_ulong(name, value);
    else if (!strcmp(name, "maxentries")) opts.maxentries = parse_ulong(name, value);
    else if (!strcmp(name, "headerkeep")) opts.headerkeep = dupb(value, strlen(value));
    else if (!strcmp(name, "headerstrip")) opts.headerstrip = dupb(value, strlen(value));
    else if (!strcmp(name, "separator")) opts.separator = dupb(value, strlen(value));
    else if (!strcmp(name, "subject_prefix")) opts.subject_prefix = dupb(value, strlen(value));
    else if (!strcmp(name, "bcc")) push_list(&bccs, &nbccs, value);
    else if (!strcmp(name, "aliases")) push_list(&aliases, &naliases, value);
    else if (!strcmp(name, "check_to")) opts.check_to = parse_bool(name, value);
    else if (!strcmp(name, "starttime")) opts.starttime = parse_time(name, value);
    else if (!strcmp(name, "endtime")) opts.endtime = parse_time(name, value);
}

/* "-O name[=value]" and config.txt lines */
static void set_assignment(const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    char *name, *value;
    if (eq) {
        name = dupb(s, (size_t)(eq - s));
        value = dupb(eq + 1, n - (size_t)(eq - s) - 1);
    } else {
        name = dupb(s, n);
        value = dupb("1", 1);
    }
    set_option(name, value);
    free(name);
    free(value);
}

static const char *const option_files[] = {
    "copymsg", "no_inreplyto", "msglimit", "numlines", "timelimit", "maxentries",
    "headerkeep", "headerstrip", "separator", "subject_prefix", "bcc", "aliases",
    "check_to", "starttime", "endtime", NULL
};

/* config.txt: "name=value" lines up to the first empty line; whatever
 * follows it is the response.  Returns 1 if it held the response. */
static int read_config_txt(str *msg)
{
    str c = STR_INIT;
    size_t i = 0;
    if (fs_read_file("config.txt", &c, AUTOREPLY_MSG_MAX + 65536) < 0) {
        if (errno == ENOENT) return -1;
        die_sys(EXIT_TEMP, PROG, "unable to read config.txt");
    }
    while (i < c.len) {
        const char *nl = memchr(c.s + i, '\n', c.len - i);
        size_t e = nl ? (size_t)(nl - c.s) : c.len, le = e;
        if (le > i && c.s[le - 1] == '\r') le--;
        if (le == i) {
            i = e + 1;
            if (i < c.len) {
                if (str_copyb(msg, c.s + i, c.len - i) < 0) die_nomem(PROG);
                str_free(&c);
                return 1;
            }
            break;
        }
        if (c.s[i] != '#') set_assignment(c.s + i, le - i);
        i = e + 1;
    }
    str_free(&c);
    return 0;
}

static void read_option_files(void)
{
    str line = STR_INIT;
    for (size_t i = 0; option_files[i]; ++i) {
        int r = ctl_readline_path(option_files[i], &line);
        if (r == CTL_ERR) die_sys(EXIT_TEMP, PROG, "unable to read %s", option_files[i]);
        if (r == CTL_FOUND) set_option(option_files[i], line.s ? line.s : "");
    }
    str_free(&line);
}

int main(int argc, char **argv)
{
    const char *dir, *msgfile = "message.txt";
    str homeabs = STR_INIT, msg = STR_INIT, why = STR_INIT, idhost = STR_INIT, text = STR_INIT;
    char inspace[BUF_SIZE];
    buf in;
    unsigned long qp;
    int c, res, from_config;

    signal(SIGPIPE, SIG_IGN);
    autoreply_opts_init(&opts);
    opterr = 0;
    while ((c = getopt(argc, argv, "a:cDjLNO:qn:s:t:TX")) != -1) {
        switch (c) {
        case 'a': push_list(&aliases, &naliases, optarg); break;
        case 'c': opts.copymsg = 1; break;
        case 'D': opts.nodelete = 1; break;
        case 'j': opts.check_to = 0; break;
        case 'L': case 'T': break; /* older versions' options: accepted, no effect */
        case 'N': opts.dryfd = 1; break;
        case 'O': set_assignment(optarg, strlen(optarg)); break;
        case 'q': quiet = 1; break;
        case 'n': opts.msglimit = parse_ulong("msglimit", optarg); break;
        case 's': opts.subject_prefix = optarg; break;
        case 't': opts.interval = parse_ulong("timelimit", optarg); break;
        case 'X': opts.passfd = 1; break;
        default: usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (argc == 1) {
        dir = argv[0];
    } else if (argc == 2) {
        msgfile = argv[0];
        dir = argv[1];
    } else {
        usage();
    }
    if (opts.dryfd >= 0 && opts.passfd >= 0) usage();
    if (!(opts.sender = getenv("SENDER"))) die(EXIT_TEMP, PROG, "SENDER not set");
    if (!(opts.recipient = getenv("RECIPIENT"))) die(EXIT_TEMP, PROG, "RECIPIENT not set");
    opts.dtline = getenv("DTLINE");

    if (autoreply_opts_home(&opts, &homeabs, &idhost) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to read control/idhost");

    if (chdir(dir) < 0) die_sys(EXIT_TEMP, PROG, "unable to switch to %s", dir);
    from_config = read_config_txt(&msg);
    if (from_config < 0) read_option_files();
    if (from_config != 1 && fs_read_file(msgfile, &msg, AUTOREPLY_MSG_MAX) < 0) {
        if (errno == EFBIG) die(EXIT_TEMP, PROG, "%s is larger than %u bytes", msgfile, AUTOREPLY_MSG_MAX);
        die_sys(EXIT_TEMP, PROG, "unable to read %s", msgfile);
    }
    opts.msg = msg.s ? msg.s : "";
    opts.msglen = msg.len;
    opts.aliases = aliases;
    opts.naliases = naliases;
    opts.bcc = bccs;
    opts.nbcc = nbccs;
    autoreply_opts_from(&opts);
    opts.statedir = ".";

    buf_init(&in, 0, inspace, sizeof inspace);
    res = autoreply_run(&opts, &in, &why, &qp);
    if (res == AUTOREPLY_TEMP) die(EXIT_TEMP, PROG, "%s", why.s);
    if ((!quiet || res == AUTOREPLY_REFUSED) &&
        autoreply_result_line(&text, PROG, res, &why, qp, opts.dryfd >= 0) == 0 && write(2, text.s, text.len) < 0) {}
    str_free(&homeabs);
    str_free(&msg);
    str_free(&why);
    str_free(&idhost);
    str_free(&text);
    return 0;
}
