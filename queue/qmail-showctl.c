/*
 * qmail-showctl: describe the compiled-in settings and every file in
 * QMAILHOME/control, in qmail 1.03's words.
 *
 * Output: the home, the user-ext delimiter, paternalism, the silent
 * concurrency limit, the queue split, the user and group ids, then one
 * paragraph (an empty line, "name: text") per known control file with its
 * value or "(Default.) ..." when it is missing, then one paragraph per
 * unknown file in control/ ("I have no idea what this file does."), in
 * byte order of the names.  Bytes outside 32..126 in values print as '?'.
 * In sandbox mode every program runs as the invoking user, so the ids
 * shown are the invoking user's and group's.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "str.h"

#define PROG "qmail-showctl"

static char outspace[8192];
static buf out = BUF_INIT(1, outspace, sizeof outspace);
static str me = STR_INIT;
static int meok;

static void puts_(const char *s) { buf_puts(&out, s); }

static void safeput(const char *s, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)s[i];
        buf_putc(&out, (c < 32 || c > 126) ? '?' : (char)c);
    }
}

static void putnum(unsigned long u)
{
    str s = STR_INIT;
    if (str_catulong(&s, u) < 0) die_nomem(PROG);
    buf_putstr(&out, &s);
    str_free(&s);
}

static void heading(const char *fn)
{
    puts_("\n");
    puts_(fn);
    puts_(": ");
}

static void do_int(const char *fn, const char *def, const char *pre, const char *post)
{
    unsigned long u;
    heading(fn);
    switch (ctl_readulong(".", fn, 0, &u)) {
    case CTL_MISSING:
        puts_("(Default.) ");
        puts_(pre);
        puts_(def);
        puts_(post);
        puts_(".\n");
        break;
    case CTL_FOUND:
        puts_(pre);
        putnum(u);
        puts_(post);
        puts_(".\n");
        break;
    default:
        puts_("Oops! Trouble reading this file.\n");
        break;
    }
}

static void do_str(const char *fn, int flagme, const char *def, const char *pre)
{
    str line = STR_INIT;
    heading(fn);
    switch (ctl_readline(".", fn, &line)) {
    case CTL_MISSING:
        puts_("(Default.) ");
        if (flagme && meok) {
            if (str_copy(&line, &me) < 0) die_nomem(PROG);
        } else if (str_copys(&line, def) < 0) {
            die_nomem(PROG);
        }
        /* fall through */
    case CTL_FOUND:
        puts_(pre);
        safeput(line.s, line.len);
        puts_(".\n");
        break;
    default:
        puts_("Oops! Trouble reading this file.\n");
        break;
    }
    str_free(&line);
}

static int do_lst(const char *fn, const char *def, const char *pre, const char *post)
{
    ctl_list l = CTL_LIST_INIT;
    int r;
    heading(fn);
    r = ctl_readlist(".", fn, &l);
    switch (r) {
    case CTL_MISSING:
        puts_("(Default.) ");
        puts_(def);
        puts_("\n");
        break;
    case CTL_FOUND:
        puts_("\n");
        for (size_t i = 0; i < l.n; ++i) {
            puts_(pre);
            safeput(l.item[i], l.itemlen[i]);
            puts_(post);
            puts_("\n");
        }
        break;
    default:
        puts_("Oops! Trouble reading this file.\n");
        break;
    }
    ctl_list_free(&l);
    return r;
}

static const char *const known[] = {
    "badmailfrom", "bouncefrom", "bouncehost", "concurrencylocal", "concurrencyremote",
    "databytes", "defaultdomain", "defaulthost", "doublebouncehost", "doublebounceto",
    "envnoathost", "helohost", "idhost", "localiphost", "locals", "me", "morercpthosts",
    "morercpthosts.cdb", "percenthack", "plusdomain", "qmqpservers", "queuelifetime",
    "rcptcheck", "rcpthosts", "smtpgreeting", "smtproutes", "timeoutconnect", "timeoutremote",
    "timeoutsmtpd", "virtualdomains",
};

static int is_known(const char *name)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; ++i)
        if (!strcmp(name, known[i])) return 1;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void put_uid(const char *name, int sandbox)
{
    struct passwd *pw;
    if (sandbox) { putnum((unsigned long)getuid()); return; }
    pw = getpwnam(name);
    if (pw) putnum((unsigned long)pw->pw_uid);
    else puts_("?");
}

static void put_gid(const char *name, int sandbox)
{
    struct group *gr;
    if (sandbox) { putnum((unsigned long)getgid()); return; }
    gr = getgrnam(name);
    if (gr) putnum((unsigned long)gr->gr_gid);
    else puts_("?");
}

static void oops_exit(void) __attribute__((noreturn));
static void oops_exit(void)
{
    buf_flush(&out);
    exit(EXIT_TEMP);
}

int main(void)
{
    static const char *const users[] = { "alias", "qmaild", "qmaill", "root",
                                         "qmailp", "qmailq", "qmailr", "qmails" };
    const char *home = ctl_home();
    int sandbox = ctl_sandbox();
    struct stat stmrh, stcdb;
    char **names = NULL;
    size_t nnames = 0, cap = 0;
    DIR *dir;
    struct dirent *d;

    puts_("qmail home directory: ");
    puts_(home);
    puts_(".\n");
    puts_("user-ext delimiter: -.\n");
    puts_("paternalism (in decimal): 2.\n");
    puts_("silent concurrency limit: 120.\n");
    puts_("subdirectory split: 23.\n");
    puts_("user ids: ");
    for (size_t i = 0; i < 8; ++i) {
        if (i) puts_(", ");
        put_uid(users[i], sandbox);
    }
    puts_(".\n");
    puts_("group ids: ");
    put_gid("nofiles", sandbox);
    puts_(", ");
    put_gid("qmail", sandbox);
    puts_(".\n");

    if (chdir(home) < 0) {
        puts_("Oops! Unable to chdir to ");
        puts_(home);
        puts_(".\n");
        oops_exit();
    }
    if (chdir("control") < 0) {
        puts_("Oops! Unable to chdir to control.\n");
        oops_exit();
    }
    dir = opendir(".");
    if (!dir) {
        puts_("Oops! Unable to open current directory.\n");
        oops_exit();
    }
    /* control files are read as "./control/<name>" from the home "." */
    if (chdir("..") < 0) {
        puts_("Oops! Unable to chdir to ");
        puts_(home);
        puts_(".\n");
        oops_exit();
    }
    meok = ctl_readline(".", "me", &me);
    if (meok == CTL_ERR) {
        puts_("Oops! Trouble reading control/me.");
        oops_exit();
    }

    do_lst("badmailfrom", "Any MAIL FROM is allowed.", "", " not accepted in MAIL FROM.");
    do_str("bouncefrom", 0, "MAILER-DAEMON", "Bounce user name is ");
    do_str("bouncehost", 1, "bouncehost", "Bounce host name is ");
    do_int("concurrencylocal", "10", "Local concurrency is ", "");
    do_int("concurrencyremote", "20", "Remote concurrency is ", "");
    do_int("databytes", "0", "SMTP DATA limit is ", " bytes");
    do_str("defaultdomain", 1, "defaultdomain", "Default domain name is ");
    do_str("defaulthost", 1, "defaulthost", "Default host name is ");
    do_str("doublebouncehost", 1, "doublebouncehost", "2B recipient host: ");
    do_str("doublebounceto", 0, "postmaster", "2B recipient user: ");
    do_str("envnoathost", 1, "envnoathost", "Presumed domain name is ");
    do_str("helohost", 1, "helohost", "SMTP client HELO host name is ");
    do_str("idhost", 1, "idhost", "Message-ID host name is ");
    do_str("localiphost", 1, "localiphost", "Local IP address becomes ");
    do_lst("locals", "Messages for me are delivered locally.", "Messages for ",
           " are delivered locally.");
    do_str("me", 0, "undefined! Uh-oh", "My name is ");
    do_lst("percenthack", "The percent hack is not allowed.",
           "The percent hack is allowed for user%host@", ".");
    do_str("plusdomain", 1, "plusdomain", "Plus domain name is ");
    do_lst("qmqpservers", "No QMQP servers.", "QMQP server: ", ".");
    do_int("queuelifetime", "604800", "Message lifetime in the queue is ", " seconds");

    /* ours, not qmail's: shown only when present, so the report of a
     * qmail-configured home stays the same */
    {
        struct stat strc;
        if (stat("control/rcptcheck", &strc) == 0)
            do_int("rcptcheck", "0", "SMTP recipient check (0 = off): ", "");
    }
    if (do_lst("rcpthosts", "SMTP clients may send messages to any recipient.",
               "SMTP clients may send messages to recipients at ", ".") == CTL_FOUND)
        do_lst("morercpthosts", "No effect.", "SMTP clients may send messages to recipients at ",
               ".");
    else
        do_lst("morercpthosts", "No rcpthosts; morercpthosts is irrelevant.",
               "No rcpthosts; doesn't matter that morercpthosts has ", ".");
    puts_("\nmorercpthosts.cdb: ");
    if (stat("control/morercpthosts", &stmrh) < 0) {
        if (stat("control/morercpthosts.cdb", &stcdb) < 0)
            puts_("(Default.) No effect.\n");
        else
            puts_("Oops! morercpthosts.cdb exists but morercpthosts doesn't.\n");
    } else if (stat("control/morercpthosts.cdb", &stcdb) < 0) {
        puts_("Oops! morercpthosts exists but morercpthosts.cdb doesn't.\n");
    } else if (stmrh.st_mtime > stcdb.st_mtime) {
        puts_("Oops! morercpthosts.cdb is older than morercpthosts.\n");
    } else {
        puts_("Modified recently enough; hopefully up to date.\n");
    }

    do_str("smtpgreeting", 1, "smtpgreeting", "SMTP greeting: 220 ");
    do_lst("smtproutes", "No artificial SMTP routes.", "SMTP route: ", "");
    do_int("timeoutconnect", "60", "SMTP client connection timeout is ", " seconds");
    do_int("timeoutremote", "1200", "SMTP client data timeout is ", " seconds");
    do_int("timeoutsmtpd", "1200", "SMTP server data timeout is ", " seconds");
    do_lst("virtualdomains", "No virtual domains.", "Virtual domain: ", "");

    errno = 0;
    while ((d = readdir(dir))) {
        if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") || is_known(d->d_name)) continue;
        if (nnames == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            char **n = realloc(names, ncap * sizeof *n);
            if (!n) die_nomem(PROG);
            names = n;
            cap = ncap;
        }
        if (!(names[nnames++] = strdup(d->d_name))) die_nomem(PROG);
    }
    closedir(dir);
    if (nnames) qsort(names, nnames, sizeof *names, cmp_names);
    for (size_t i = 0; i < nnames; ++i) {
        puts_("\n");
        safeput(names[i], strlen(names[i]));
        puts_(": I have no idea what this file does.\n");
        free(names[i]);
    }
    free(names);

    if (buf_flush(&out) < 0) die_sys(EXIT_TEMP, PROG, "unable to write output");
    return 0;
}
