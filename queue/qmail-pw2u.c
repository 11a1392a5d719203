/*
 * qmail-pw2u: turn a passwd file (stdin) into a users/assign file (stdout).
 *
 * Output, as qmail 1.03 writes it, for every accepted account (uid not 0,
 * no uppercase letter unless -u, home owned by the user unless -H):
 *   =name:user:uid:gid:home:::
 *   +name<break>:user:uid:gid:home:<dash>::        (unless -C)
 * for each of the user's mail names (QMAILHOME/users/mailnames, else the
 * login name); the alias user's lines are preceded by the catch-all
 *   +:alias:uid:gid:home:<dash>::
 * <break> is '-' (-c changes it, -C drops the extension lines) and <dash>
 * is "-" ("-/" with -/).  Then users/subusers lines, users/append verbatim
 * and the final ".".  Files read from QMAILHOME/users: include, exclude,
 * mailnames, subusers, append.  The alias user must be in the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "str.h"

#define PROG "qmail-pw2u"
#define ALIAS_USER "alias"
#define LINE_MAX_BYTES (1024 * 1024)

static const char *dashcolon = "-:";
static char breakc = '-';
static int flagnoupper = 1;
static int homestrategy = 2; /* 2: skip missing homes; 1: stop on them; 0: don't check */
static int flagalias;

static int okincl, okexcl, okmana;
static ctl_set incl = CTL_SET_INIT, excl = CTL_SET_INIT;
static ctl_map mana = CTL_MAP_INIT;
static ctl_map allusers = CTL_MAP_INIT; /* user -> ":user:uid:gid:home:" */

static char outspace[8192];
static buf out = BUF_INIT(1, outspace, sizeof outspace);

static void put(const char *s, size_t n)
{
    if (buf_put(&out, s, n) < 0) die_sys(EXIT_TEMP, PROG, "unable to write output");
}
static void puts_(const char *s) { put(s, strlen(s)); }

/* The field of x[0..len) that ends at the next ':'; returns its length, or
 * len if there is no ':' (the caller then gives up on the line). */
static size_t field(const char *x, size_t len)
{
    const char *c = memchr(x, ':', len);
    return c ? (size_t)(c - x) : len;
}

static void doaccount(const str *line)
{
    const char *x = line->s, *user, *uidstr, *gidstr, *home;
    size_t xlen = line->len, i, userlen, uidlen, gidlen, homelen;
    unsigned long uid = 0;
    str uugh = STR_INIT, homez = STR_INIT, namez = STR_INIT;
    const char *names;
    size_t nameslen;
    struct stat st;

    if (!xlen || memchr(x, 0, xlen)) return;
    /* user:passwd:uid:gid:gecos:home:shell */
    user = x; userlen = i = field(x, xlen); if (i == xlen) return;
    ++i; x += i; xlen -= i; i = field(x, xlen); if (i == xlen) return;      /* passwd */
    ++i; x += i; xlen -= i; uidstr = x; uidlen = i = field(x, xlen); if (i == xlen) return;
    ++i; x += i; xlen -= i; gidstr = x; gidlen = i = field(x, xlen); if (i == xlen) return;
    ++i; x += i; xlen -= i; i = field(x, xlen); if (i == xlen) return;      /* gecos */
    ++i; x += i; xlen -= i; home = x; homelen = i = field(x, xlen); if (i == xlen) return;

    scan_ulong(uidstr, uidlen, &uid);
    if (!uid) return;
    if (flagnoupper)
        for (i = 0; i < userlen; ++i)
            if (user[i] >= 'A' && user[i] <= 'Z') return;
    if (okincl && !ctl_set_has(&incl, user, userlen)) return;
    if (okexcl && ctl_set_has(&excl, user, userlen)) return;
    if (str_copyb(&homez, home, homelen) < 0) die_nomem(PROG);
    if (homestrategy) {
        if (stat(homez.s, &st) < 0) {
            if (errno != ENOENT || homestrategy == 1)
                die_sys(EXIT_TEMP, PROG, "unable to stat %s", homez.s);
            str_free(&homez);
            return;
        }
        if ((unsigned long)st.st_uid != uid) { str_free(&homez); return; }
    }

    if (str_copys(&uugh, ":") < 0 || str_catb(&uugh, user, userlen) < 0 ||
        str_catc(&uugh, ':') < 0 || str_catb(&uugh, uidstr, uidlen) < 0 ||
        str_catc(&uugh, ':') < 0 || str_catb(&uugh, gidstr, gidlen) < 0 ||
        str_catc(&uugh, ':') < 0 || str_cat(&uugh, &homez) < 0 || str_catc(&uugh, ':') < 0)
        die_nomem(PROG);
    if (ctl_map_put(&allusers, user, userlen, uugh.s, uugh.len) < 0) die_nomem(PROG);

    if (userlen == strlen(ALIAS_USER) && !memcmp(user, ALIAS_USER, userlen)) {
        puts_("+");
        put(uugh.s, uugh.len);
        puts_(dashcolon);
        puts_(":\n");
        flagalias = 1;
    }

    names = NULL;
    nameslen = 0;
    if (okmana) ctl_map_find(&mana, user, userlen, &names, &nameslen);
    if (!names) { names = user; nameslen = userlen; }
    if (str_copyb(&namez, names, nameslen) < 0) die_nomem(PROG);

    for (i = 0; i < namez.len;) {
        size_t n;
        if (namez.s[i] == ':') { ++i; continue; }
        n = field(namez.s + i, namez.len - i);
        puts_("=");
        put(namez.s + i, n);
        put(uugh.s, uugh.len);
        puts_("::\n");
        if (breakc) {
            puts_("+");
            put(namez.s + i, n);
            put(&breakc, 1);
            put(uugh.s, uugh.len);
            puts_(dashcolon);
            puts_(":\n");
        }
        i += n;
    }
    str_free(&uugh);
    str_free(&homez);
    str_free(&namez);
}

/* sub:user:pre: -> =sub:user:uid:gid:home:-:pre: and +sub-:...:-:pre-: */
static void dosubuser(const str *line)
{
    const char *x = line->s, *sub, *uugh;
    size_t xlen = line->len, i, sublen, uughlen;

    if (!xlen) return;
    sub = x; sublen = i = field(x, xlen); if (i == xlen) return;
    ++i; x += i; xlen -= i; i = field(x, xlen); if (i == xlen) return;
    if (!ctl_map_find(&allusers, x, i, &uugh, &uughlen)) {
        str u = STR_INIT;
        if (str_copyb(&u, x, i) < 0) die_nomem(PROG);
        die(EXIT_TEMP, PROG, "unable to find %s user for subuser", u.s);
    }
    ++i; x += i; xlen -= i; i = field(x, xlen); if (i == xlen) return;

    puts_("=");
    put(sub, sublen);
    put(uugh, uughlen);
    puts_(dashcolon);
    put(x, i);
    puts_(":\n");
    if (breakc) {
        puts_("+");
        put(sub, sublen);
        put(&breakc, 1);
        put(uugh, uughlen);
        puts_(dashcolon);
        put(x, i);
        puts_("-:\n");
    }
}

/* Runs fn on every line of users/<name> (missing: nothing); with fn NULL
 * the lines are copied to the output verbatim. */
static void eachline(const char *name, void (*fn)(const str *))
{
    str path = STR_INIT, line = STR_INIT;
    buf in;
    int fd;

    if (str_copys(&path, "users/") < 0 || str_cats(&path, name) < 0) die_nomem(PROG);
    fd = open(path.s, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) { str_free(&path); return; }
        die_sys(EXIT_TEMP, PROG, "unable to read %s", path.s);
    }
    if (buf_init(&in, fd, NULL, 0) < 0) die_nomem(PROG);
    for (;;) {
        int r = buf_getline(&in, &line, '\n', LINE_MAX_BYTES);
        if (r == BUF_ERR) die_sys(EXIT_TEMP, PROG, "unable to read %s", path.s);
        if (r == BUF_TOOLONG) die(EXIT_TEMP, PROG, "line too long in %s", path.s);
        if (r == BUF_EOF) break;
        if (fn) fn(&line);
        else put(line.s, line.len);
        if (r == BUF_PARTIAL) break;
    }
    buf_free(&in);
    close(fd);
    str_free(&line);
    str_free(&path);
}

static void control(int *ok, int r, const char *name)
{
    if (r == CTL_ERR) die_sys(EXIT_TEMP, PROG, "unable to read users/%s", name);
    *ok = (r == CTL_FOUND);
}

int main(int argc, char **argv)
{
    const char *home;
    str line = STR_INIT;
    buf in;
    int opt;

    while ((opt = getopt(argc, argv, "+/ohHuUc:C")) != -1)
        switch (opt) {
        case '/': dashcolon = "-/:"; break;
        case 'o': homestrategy = 2; break;
        case 'h': homestrategy = 1; break;
        case 'H': homestrategy = 0; break;
        case 'u': flagnoupper = 0; break;
        case 'U': flagnoupper = 1; break;
        case 'c': breakc = optarg[0]; break;
        case 'C': breakc = 0; break;
        default: die_usage(PROG, "qmail-pw2u [ -/ohHuUC ] [ -c break ] < passwd > assign");
        }

    home = ctl_home();
    if (chdir(home) < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s", home);
    control(&okincl, ctl_readset_path("users/include", &incl), "include");
    control(&okexcl, ctl_readset_path("users/exclude", &excl), "exclude");
    control(&okmana, ctl_readmap_path("users/mailnames", &mana), "mailnames");

    if (buf_init(&in, 0, NULL, 0) < 0) die_nomem(PROG);
    for (;;) {
        int r = buf_getline(&in, &line, '\n', LINE_MAX_BYTES);
        if (r == BUF_ERR) die_sys(EXIT_TEMP, PROG, "unable to read input");
        if (r == BUF_TOOLONG) die(EXIT_TEMP, PROG, "input line too long");
        if (r == BUF_EOF) break;
        doaccount(&line);
        if (r == BUF_PARTIAL) break;
    }
    if (!flagalias) die(EXIT_TEMP, PROG, "unable to find %s user", ALIAS_USER);

    eachline("subusers", dosubuser);
    eachline("append", NULL);
    puts_(".\n");
    if (buf_flush(&out) < 0) die_sys(EXIT_TEMP, PROG, "unable to write output");
    buf_free(&in);
    str_free(&line);
    ctl_set_free(&incl);
    ctl_set_free(&excl);
    ctl_map_free(&mana);
    ctl_map_free(&allusers);
    return 0;
}
