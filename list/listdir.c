/* listdir: reading a list directory (see listdir.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "fs.h"
#include "listdir.h"
#include "str.h"

int listdir_etc(str *out)
{
    const char *e = getenv("EZMLM_ETC");
    return str_copys(out, (e && *e) ? e : LISTDIR_ETC_DEFAULT);
}

int listdir_bin(str *out)
{
    const char *e = getenv("EZMLM_BIN");
    if (e && *e) return str_copys(out, e);
    if (str_copys(out, ctl_home()) == -1) return -1;
    return str_cats(out, "/bin");
}

int listdir_path(const listdir *ld, const char *name, str *out)
{
    if (str_copy(out, &ld->dir) == -1 || str_catc(out, '/') == -1 || str_cats(out, name) == -1)
        return -1;
    return 0;
}

/* First line of DIR/name into out: CTL_FOUND / CTL_MISSING / CTL_ERR. */
static int dir_line(const listdir *ld, const char *name, str *out)
{
    str p = STR_INIT;
    int r;
    if (listdir_path(ld, name, &p) == -1) return CTL_ERR;
    r = ctl_readline_path(p.s, out);
    str_free(&p);
    return r;
}

static int fail_on(listdir *ld, const char *name)
{
    int e = errno;
    (void)str_copy(&ld->errfile, &ld->dir);
    (void)str_catc(&ld->errfile, '/');
    (void)str_cats(&ld->errfile, name);
    errno = e;
    return -1;
}

int listdir_open(listdir *ld, const char *dir, unsigned flags)
{
    size_t n = strlen(dir);
    int r;
    str line = STR_INIT;

    while (n > 1 && dir[n - 1] == '/') n--;
    if (str_copyb(&ld->dir, dir, n) == -1) return -1;
    if (listdir_etc(&ld->etc) == -1 || listdir_bin(&ld->bin) == -1) return -1;

    r = dir_line(ld, "outlocal", &ld->outlocal);
    if (r == CTL_ERR) return fail_on(ld, "outlocal");
    if (r == CTL_MISSING && (flags & LISTDIR_NEED_NAMES)) {
        errno = ENOENT;
        return fail_on(ld, "outlocal");
    }
    r = dir_line(ld, "outhost", &ld->outhost);
    if (r == CTL_ERR) return fail_on(ld, "outhost");
    if (r == CTL_MISSING && (flags & LISTDIR_NEED_NAMES)) {
        errno = ENOENT;
        return fail_on(ld, "outhost");
    }
    r = dir_line(ld, "inlocal", &ld->inlocal);
    if (r == CTL_ERR) return fail_on(ld, "inlocal");
    if (r == CTL_MISSING && str_copy(&ld->inlocal, &ld->outlocal) == -1) return -1;
    r = dir_line(ld, "inhost", &ld->inhost);
    if (r == CTL_ERR) return fail_on(ld, "inhost");
    if (r == CTL_MISSING && str_copy(&ld->inhost, &ld->outhost) == -1) return -1;

    r = dir_line(ld, "ezmlmrc", &ld->altdir);
    if (r == CTL_ERR) return fail_on(ld, "ezmlmrc");

    /* legacy option letters: DIR/flags, else the F: line of DIR/config */
    ld->haveflags = 0;
    r = dir_line(ld, "flags", &ld->flags);
    if (r == CTL_ERR) return fail_on(ld, "flags");
    if (r == CTL_FOUND) {
        ld->haveflags = 1;
    } else {
        str p = STR_INIT, cfg = STR_INIT;
        if (listdir_path(ld, "config", &p) == -1) return -1;
        if (fs_read_file(p.s, &cfg, LISTDIR_FILE_MAX) == 0) {
            size_t i = 0;
            while (i < cfg.len) {
                size_t j = i;
                while (j < cfg.len && cfg.s[j] != '\n') j++;
                if (j - i >= 2 && cfg.s[i] == 'F' && cfg.s[i + 1] == ':') {
                    if (str_copyb(&ld->flags, cfg.s + i + 2, j - i - 2) == -1) {
                        str_free(&p);
                        str_free(&cfg);
                        return -1;
                    }
                    ld->haveflags = 1;
                    break;
                }
                i = j + 1;
            }
        } else if (errno != ENOENT && errno != ENOTDIR) {
            str_free(&p);
            str_free(&cfg);
            return fail_on(ld, "config");
        }
        str_free(&p);
        str_free(&cfg);
    }

    /* charset "name[:Q|:B]" */
    r = listdir_conf_line(ld, "charset", &line);
    if (r == CTL_ERR) {
        str_free(&line);
        return fail_on(ld, "charset");
    }
    ld->encoding = 0;
    if (r == CTL_FOUND && line.len) {
        if (line.len > 2 && line.s[line.len - 2] == ':' &&
            (line.s[line.len - 1] == 'Q' || line.s[line.len - 1] == 'B' ||
             line.s[line.len - 1] == 'q' || line.s[line.len - 1] == 'b')) {
            ld->encoding = (line.s[line.len - 1] == 'Q' || line.s[line.len - 1] == 'q') ? 'Q' : 'B';
            str_truncate(&line, line.len - 2);
        }
        if (str_copy(&ld->charset, &line) == -1) {
            str_free(&line);
            return -1;
        }
    } else if (str_copys(&ld->charset, "us-ascii") == -1) {
        str_free(&line);
        return -1;
    }
    str_free(&line);
    return 0;
}

void listdir_free(listdir *ld)
{
    str_free(&ld->dir);
    str_free(&ld->outlocal);
    str_free(&ld->outhost);
    str_free(&ld->inlocal);
    str_free(&ld->inhost);
    str_free(&ld->altdir);
    str_free(&ld->etc);
    str_free(&ld->bin);
    str_free(&ld->charset);
    str_free(&ld->flags);
    str_free(&ld->errfile);
    ld->haveflags = 0;
    ld->encoding = 0;
}

/* ---- control files ------------------------------------------------------ */

/* Tries base "/" sub "/" name (sub may be NULL).  CTL_FOUND/MISSING/ERR. */
static int try_read(const str *base, const char *sub, const char *name, str *out, str *path)
{
    str p = STR_INIT;
    if (str_copy(&p, base) == -1 || str_catc(&p, '/') == -1 ||
        (sub && (str_cats(&p, sub) == -1 || str_catc(&p, '/') == -1)) || str_cats(&p, name) == -1) {
        str_free(&p);
        return CTL_ERR;
    }
    if (fs_read_file(p.s, out, LISTDIR_FILE_MAX) == -1) {
        int e = errno;
        str_free(&p);
        if (e == ENOENT || e == ENOTDIR) return CTL_MISSING;
        errno = e;
        return CTL_ERR;
    }
    if (path && str_copy(path, &p) == -1) {
        str_free(&p);
        return CTL_ERR;
    }
    str_free(&p);
    return CTL_FOUND;
}

static int lookup(const listdir *ld, const char *sub, const char *name, str *out, str *path)
{
    str def = STR_INIT;
    int r;
    r = try_read(&ld->dir, sub, name, out, path);
    if (r != CTL_MISSING) return r;
    if (ld->altdir.len) {
        r = try_read(&ld->altdir, sub, name, out, path);
        if (r != CTL_MISSING) return r;
    }
    if (str_copy(&def, &ld->etc) == -1 || str_cats(&def, "/default") == -1) {
        str_free(&def);
        return CTL_ERR;
    }
    r = try_read(&def, sub, name, out, path);
    str_free(&def);
    return r;
}

int listdir_conf_raw(const listdir *ld, const char *name, str *out, str *path)
{
    return lookup(ld, 0, name, out, path);
}

int listdir_conf_lines(const char *in, size_t len, str *out)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i, e;
        while (j < len && in[j] != '\n') j++;
        e = j;
        while (e > i && (in[e - 1] == ' ' || in[e - 1] == '\t' || in[e - 1] == '\r')) e--;
        if (e > i && in[i] != '#') {
            if (str_catb(out, in + i, e - i) == -1 || str_catc(out, '\0') == -1) return -1;
        }
        i = j + 1;
    }
    return 0;
}

int listdir_conf(const listdir *ld, const char *name, str *out)
{
    str raw = STR_INIT;
    int r = listdir_conf_raw(ld, name, &raw, 0);
    str_truncate(out, 0);
    if (r == CTL_FOUND && listdir_conf_lines(raw.s, raw.len, out) == -1) r = CTL_ERR;
    str_free(&raw);
    return r;
}

int listdir_conf_has(const str *lines, const char *s, size_t len)
{
    size_t i = 0;
    while (lines && i < lines->len) {
        size_t n = strlen(lines->s + i);
        if (n == len && case_equalb(lines->s + i, s, len)) return 1;
        i += n + 1;
    }
    return 0;
}

int listdir_conf_line(const listdir *ld, const char *name, str *out)
{
    int r = listdir_conf(ld, name, out);
    if (r == CTL_FOUND) {
        size_t n = strlen(out->s ? out->s : "");
        str_truncate(out, n);
    } else
        str_truncate(out, 0);
    return r;
}

int listdir_conf_ulong(const listdir *ld, const char *name, unsigned long def, unsigned long *out)
{
    str l = STR_INIT;
    int r = listdir_conf_line(ld, name, &l);
    *out = def;
    if (r == CTL_FOUND) {
        if (!scan_ulong(l.s, l.len, out)) {
            *out = def;
            r = CTL_MISSING;
        }
    }
    str_free(&l);
    return r;
}

/* ---- flags --------------------------------------------------------------- */

const char *listdir_flag_file(char c)
{
    switch (c) {
    case 'a': return "archived";
    case 'b': return "modgetonly";
    case 'c': return "ezmlmrc";
    case 'd': return "digested";
    case 'f': return "prefix";
    case 'g': return "subgetonly";
    case 'h': return "nosubconfirm";
    case 'i': return "threaded";
    case 'j': return "nounsubconfirm";
    case 'k': return "deny";
    case 'l': return "modcanlist";
    case 'm': return "modpost";
    case 'n': return "modcanedit";
    case 'o': return "modpostonly";
    case 'p': return "public";
    case 'r': return "remote";
    case 's': return "modsub";
    case 't': return "addtrailer";
    case 'u': return "subpostonly";
    case 'w': return "nowarn";
    case 'x': return "mimeremove";
    case 'y': return "confirmpost";
    default: return 0;
    }
}

/* The legacy letter that answers flag file name, or 0. */
static char legacy_letter(const char *name)
{
    static const struct { const char *name; char c; } t[] = {
        { "archived", 'a' },     { "indexed", 'a' },        { "modgetonly", 'b' },
        { "digested", 'd' },     { "subgetonly", 'g' },     { "nosubconfirm", 'h' },
        { "threaded", 'i' },     { "nounsubconfirm", 'j' }, { "modcanlist", 'l' },
        { "modpost", 'm' },      { "modcanedit", 'n' },     { "modpostonly", 'o' },
        { "public", 'p' },       { "remote", 'r' },         { "modsub", 's' },
        { "addtrailer", 't' },   { "subpostonly", 'u' },    { "nowarn", 'w' },
        { "confirmpost", 'y' },
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, name) == 0) return t[i].c;
    return 0;
}

int listdir_isset(const listdir *ld, const char *name)
{
    str p = STR_INIT;
    struct stat st;
    int r;
    char c = ld->haveflags ? legacy_letter(name) : 0;
    if (c) return memchr(ld->flags.s ? ld->flags.s : "", c, ld->flags.len) != 0;
    if (listdir_path(ld, name, &p) == -1) return -1;
    r = stat(p.s, &st);
    str_free(&p);
    if (r == 0) return 1;
    if (errno == ENOENT || errno == ENOTDIR) return 0;
    return -1;
}

int listdir_flag(const listdir *ld, char c)
{
    const char *f;
    if (c >= 'A' && c <= 'Z') {
        int r = listdir_flag(ld, (char)(c - 'A' + 'a'));
        return r == 1 ? 0 : 1;
    }
    if (c >= 'a' && c <= 'z') {
        if (c == 'e' || c == 'q' || c == 'v' || c == 'z') return 1;
        f = listdir_flag_file(c);
        if (!f) return 1;
        return listdir_isset(ld, f) == 1;
    }
    switch (c) {
    case '0': return listdir_isset(ld, "sublist") == 1;
    case '3': return listdir_isset(ld, "fromheader") == 1;
    case '5': return listdir_isset(ld, "owner") == 1;
    case '6': return listdir_isset(ld, "subdb") == 1;
    case '7': return listdir_isset(ld, "modpost") == 1;
    case '8': return listdir_isset(ld, "modsub") == 1;
    case '9': return listdir_isset(ld, "remote") == 1;
    default: return 1;
    }
}

/* ---- other files ------------------------------------------------------------ */

int listdir_key(const listdir *ld, str *key)
{
    str p = STR_INIT;
    int r;
    if (listdir_path(ld, "key", &p) == -1) return -1;
    r = fs_read_file(p.s, key, 65536);
    str_free(&p);
    return r;
}

int listdir_text_find(const listdir *ld, const char *name, str *path)
{
    str tmp = STR_INIT;
    int r;
    if (!fs_safe_component(name, strlen(name))) {
        errno = EINVAL;
        return CTL_ERR;
    }
    r = lookup(ld, "text", name, &tmp, path);
    str_free(&tmp);
    return r;
}

/* ---- SENDER ------------------------------------------------------------------- */

static int all_hex(const char *s, size_t n)
{
    size_t i;
    if (n < 9) return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

int listdir_sender_normalise(const char *sender, str *out)
{
    size_t len = strlen(sender), at, i;
    const char *dom;
    size_t domlen;

    for (at = len; at > 0 && sender[at - 1] != '@'; at--);
    if (at == 0) return str_copyb(out, sender, len);
    at--; /* index of the last '@' */
    dom = sender + at + 1;
    domlen = len - at - 1;

    if (at > 5 && (case_starts(sender, at, "SRS0=") || case_starts(sender, at, "SRS1="))) {
        /* ...=domain=user@forwarder */
        size_t u, d;
        for (u = at; u > 0 && sender[u - 1] != '='; u--);
        if (u > 5) {
            for (d = u - 1; d > 0 && sender[d - 1] != '='; d--);
            if (d >= 5 && d < u - 1 && u < at) {
                if (str_copyb(out, sender + u, at - u) == -1 || str_catc(out, '@') == -1 ||
                    str_catb(out, sender + d, u - 1 - d) == -1)
                    return -1;
                return 0;
            }
        }
    }
    if (at > 5 && case_starts(sender, at, "prvs=")) {
        const char *a = sender + 5;
        size_t alen = at - 5;
        const char *eq = memchr(a, '=', alen);
        if (eq) {
            size_t l1 = (size_t)(eq - a), l2 = alen - l1 - 1;
            if (all_hex(a, l1) && l2 > 0) {
                if (str_copyb(out, eq + 1, l2) == -1) return -1;
                goto domain;
            }
            if (all_hex(eq + 1, l2) && l1 > 0) {
                if (str_copyb(out, a, l1) == -1) return -1;
                goto domain;
            }
        }
    }
    if (at > 6 && case_starts(sender, at, "btv1==")) {
        for (i = 6; i + 1 < at; i++) {
            if (sender[i] == '=' && sender[i + 1] == '=' && i + 2 < at) {
                if (str_copyb(out, sender + i + 2, at - i - 2) == -1) return -1;
                goto domain;
            }
        }
    }
    return str_copyb(out, sender, len);
domain:
    if (str_catc(out, '@') == -1 || str_catb(out, dom, domlen) == -1) return -1;
    return 0;
}
