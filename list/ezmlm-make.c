/*
 * ezmlm-make: create or edit a mailing list from an ezmlmrc template
 * (see ezmlm-make(1), ezmlmrc(5); ezmlm-idx digest sections 2, 7.1, 7.2).
 *
 * The program makes DIR, then follows the template: tags create files,
 * directories and the .qmail links next to DOT, or delete files, each
 * under the conditions of the option letters; finally it writes DIR/key
 * (new lists) and creates the subscriber store.  Files are written through
 * a temporary file, fsync()ed and renamed into place, so a list being
 * edited while mail arrives never shows a half-written command file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cookie.h"
#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "listdir.h"
#include "lock.h"
#include "str.h"
#include "sub/sub.h"
#include "text.h"

static const char *prog = "ezmlm-make";
#define USAGE "[-+] [-a..zA..Z] [-C template] [-0 addr] [-3..9 arg] dir dot local host [code]"
#define NFLAGS 26
#define KEYBYTES 128

static int flags[NFLAGS];        /* 0 unset, 1 on; during parsing 2 = off, 3 = on (command line) */
static str popt[10];             /* -0 .. -9 arguments (1, 2 from DOT's name) */
static str dir, dot, local, host, code, cfname, oldflags, fstr;
static int flagforce;
static uid_t euid;

static void nomem(void)
{
    die_nomem(prog);
}

static void scopy(str *to, const char *s, size_t n)
{
    if (str_copyb(to, s, n) == -1) nomem();
}

static void path_in_dir(str *out, const char *name)
{
    scopy(out, dir.s, dir.len);
    if (*name && name[0] != '/' && str_catc(out, '/') == -1) nomem();
    if (str_cats(out, name) == -1) nomem();
}

/* ---- reading an existing list (edit mode) ------------------------------------ */

/* First line of DIR/name into sa, unless sa already has something.
 * 1 read, 0 absent (or sa was set), dies on errors. */
static int read_line(const char *name, str *sa)
{
    str p = STR_INIT;
    int r;
    if (sa->len > 0) return 1;
    path_in_dir(&p, name);
    r = ctl_readline_path(p.s, sa);
    if (r == CTL_ERR) die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
    str_free(&p);
    return r == CTL_FOUND;
}

static void read_files(void)
{
    str line = STR_INIT;
    if (euid > 0 && !flags['c' - 'a']) read_line("ezmlmrc", &cfname);
    read_line("dot", &dot);
    read_line("outlocal", &local);
    read_line("outhost", &host);
    read_line("digestcode", &code);
    read_line("sublist", &popt[0]);
    read_line("fromheader", &popt[3]);
    read_line("tstdigopts", &popt[4]);
    read_line("owner", &popt[5]);
    if (popt[6].len == 0 && !read_line("subdb", &popt[6]) && read_line("sql", &line)) {
        if (str_copys(&popt[6], "sql:") == -1 || str_cat(&popt[6], &line) == -1) nomem();
    }
    read_line("modpost", &popt[7]);
    read_line("modsub", &popt[8]);
    read_line("remote", &popt[9]);
    str_free(&line);
}

static int exists(const char *name)
{
    str p = STR_INIT;
    struct stat st;
    int r;
    path_in_dir(&p, name);
    r = stat(p.s, &st);
    if (r == -1 && errno != ENOENT && errno != ENOTDIR) die_sys(EXIT_TEMP, prog, "unable to stat %s", p.s);
    str_free(&p);
    return r == 0;
}

/* 7.x: the option letters are the flag files that exist. */
static void read_file_config(void)
{
    static const struct { char c; const char *f; } t[] = {
        { 'a', "archived" },     { 'b', "modgetonly" },  { 'd', "digested" },
        { 'f', "prefix" },       { 'g', "subgetonly" },  { 'h', "nosubconfirm" },
        { 'i', "threaded" },     { 'j', "nounsubconfirm" }, { 'l', "modcanlist" },
        { 'm', "modpost" },      { 'n', "modcanedit" },  { 'o', "modpostonly" },
        { 'p', "public" },       { 'r', "remote" },      { 's', "modsub" },
        { 't', "addtrailer" },   { 'u', "subpostonly" }, { 'w', "nowarn" },
        { 'x', "mimeremove" },   { 'y', "confirmpost" },
    };
    size_t i;
    scopy(&oldflags, "-ABCDEFGHIJKLMNOPqRSTUVWXYZ", 27);
    oldflags.s[11] = 'k';
    for (i = 0; i < sizeof t / sizeof t[0]; i++)
        oldflags.s[1 + t[i].c - 'a'] = exists(t[i].f) ? t[i].c : (char)(t[i].c - 'a' + 'A');
    read_files();
}

/* 5.x/6.x: DIR/flags holds the letters. */
static int read_flags_config(void)
{
    if (!read_line("flags", &oldflags)) return 0;
    read_files();
    return 1;
}

/* 0.4x: DIR/config holds "X:value" lines. */
static int read_old_config(int usecfg)
{
    str p = STR_INIT, raw = STR_INIT;
    size_t i = 0;
    path_in_dir(&p, "config");
    if (fs_read_file(p.s, &raw, LISTDIR_FILE_MAX) == -1) {
        if (errno == ENOENT) {
            str_free(&p);
            return 0;
        }
        die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
    }
    while (i < raw.len) {
        size_t j = i;
        const char *v;
        size_t vl;
        char ch;
        while (j < raw.len && raw.s[j] != '\n') j++;
        if (j == raw.len) break; /* an unterminated last line is ignored */
        if (raw.s[i] == '#') {
            i = j + 1;
            continue;
        }
        if (j - i < 2 || raw.s[i + 1] != ':') break;
        ch = raw.s[i];
        v = raw.s + i + 2;
        vl = j - i - 2;
        switch (ch) {
        case 'X':
            if (euid > 0 && !flags['c' - 'a'] && cfname.len == 0) scopy(&cfname, v, vl);
            break;
        case 'T': scopy(&dot, v, vl); break;
        case 'L': scopy(&local, v, vl); break;
        case 'H': scopy(&host, v, vl); break;
        case 'C': scopy(&code, v, vl); break;
        case 'F': scopy(&oldflags, v, vl); break;
        case 'D': break;
        default:
            if (ch == '0' || (ch >= '3' && ch <= '9')) {
                if (usecfg && popt[ch - '0'].len == 0) scopy(&popt[ch - '0'], v, vl);
            } else
                die(EXIT_TEMP, prog, "syntax error in %s: %.*s", p.s, (int)vl, v);
        }
        i = j + 1;
    }
    str_free(&p);
    str_free(&raw);
    return 1;
}

/* ---- writing -------------------------------------------------------------------- */

static struct {
    int open;
    str name;      /* relative to DIR, with a leading '/' */
    str path, tmp;
    int fd;
    buf b;
    char space[4096];
} out;

static void f_open(const str *name)
{
    int fd;
    if (str_copy(&out.name, name) == -1) nomem();
    path_in_dir(&out.path, name->s);
    if (str_copy(&out.tmp, &out.path) == -1 || str_cats(&out.tmp, ".tmp-ezmlm-make") == -1) nomem();
    fd = open(out.tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd == -1) die_sys(EXIT_TEMP, prog, "unable to create %s", out.path.s);
    out.fd = fd;
    buf_init(&out.b, fd, out.space, sizeof out.space);
    out.open = 1;
}

static void f_put(const char *s, size_t n)
{
    if (buf_put(&out.b, s, n) == -1) die_sys(EXIT_TEMP, prog, "unable to write %s", out.path.s);
}

static void f_close(void)
{
    if (!out.open) return;
    if (buf_flush(&out.b) == -1) die_sys(EXIT_TEMP, prog, "unable to write %s", out.path.s);
    if (fsync(out.fd) == -1) die_sys(EXIT_TEMP, prog, "unable to sync %s", out.path.s);
    if (close(out.fd) == -1) die_sys(EXIT_TEMP, prog, "unable to close %s", out.path.s);
    if (rename(out.tmp.s, out.path.s) == -1) die_sys(EXIT_TEMP, prog, "unable to create %s", out.path.s);
    out.open = 0;
    str_truncate(&out.name, 0);
}

static void d_create(const char *name, int edit)
{
    str p = STR_INIT;
    path_in_dir(&p, name);
    if (mkdir(p.s, 0755) == -1 && (errno != EEXIST || !edit))
        die_sys(EXIT_TEMP, prog, "unable to create %s", p.s);
    str_free(&p);
}

static void f_remove(const char *name)
{
    str p = STR_INIT;
    path_in_dir(&p, name);
    if (unlink(p.s) == -1 && errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to delete %s", p.s);
    str_free(&p);
}

static void link_dot(const char *suffix, size_t sl, const char *target, size_t tl, int edit)
{
    str lname = STR_INIT, tname = STR_INIT;
    if (str_copy(&lname, &dot) == -1 || str_catb(&lname, suffix, sl) == -1) nomem();
    scopy(&tname, dir.s, dir.len);
    if (str_catb(&tname, target, tl) == -1) nomem();
    if (edit && unlink(lname.s) == -1 && errno != ENOENT)
        die_sys(EXIT_TEMP, prog, "unable to delete %s", lname.s);
    if (symlink(tname.s, lname.s) == -1) die_sys(EXIT_TEMP, prog, "unable to create %s", lname.s);
    str_free(&lname);
    str_free(&tname);
}

/* ---- substitution at build time --------------------------------------------------- */

static void subst_line(str *o, const char *s, size_t n, const str *bin)
{
    size_t i = 0, start = 0;
    str_truncate(o, 0);
    while (i + 5 <= n) {
        const str *v = 0;
        char c;
        if (!(s[i] == '<' && s[i + 1] == '#' && s[i + 3] == '#' && s[i + 4] == '>')) {
            i++;
            continue;
        }
        c = s[i + 2];
        switch (c) {
        case 'B': v = bin; break;
        case 'C': v = &code; break;
        case 'D': v = &dir; break;
        case 'F': v = &fstr; break;
        case 'H': v = &host; break;
        case 'L': v = &local; break;
        case 'T': v = &dot; break;
        case 'X': v = &cfname; break;
        default:
            if (c >= '0' && c <= '9') v = &popt[c - '0'];
        }
        if (!v) {   /* a run-time tag: copied as it is */
            i++;
            continue;
        }
        if (str_catb(o, s + start, i - start) == -1 || str_cat(o, v) == -1) nomem();
        i += 5;
        start = i;
    }
    if (str_catb(o, s + start, n - start) == -1) nomem();
}

/* ---- main ---------------------------------------------------------------------- */

static int version_ok(const char *line, size_t n)
{
    const char *v = LISTDIR_TEMPLATE_VERSION;
    size_t i = 0;
    /* major and first minor digit must agree */
    while (v[i] && v[i] != '.') {
        if (i >= n || line[i] != v[i]) return 0;
        i++;
    }
    if (!v[i] || i + 1 >= n || line[i] != '.' || line[i + 1] != v[i + 1]) return 0;
    return 1;
}

int main(int argc, char **argv)
{
    int i, ai, flagforce_p = 0, usecfg = 0, edit, lockfd = -1;
    int flagdo, flagover, flagnotexist = 0;
    str tmpl = STR_INIT, raw = STR_INIT, line = STR_INIT, o = STR_INIT, bin = STR_INIT;
    str name = STR_INIT, dname = STR_INIT, key = STR_INIT;
    struct stat st;
    size_t pos, ln;
    sub_db *db;
    const char *p;

    euid = geteuid();
    umask(077);

    /* options: letters are bundled; -C and -0,-3..-9 take a value */
    for (ai = 1; ai < argc; ai++) {
        const char *a = argv[ai];
        if (a[0] != '-' || a[1] == 0) break;
        if (strcmp(a, "--") == 0) {
            ai++;
            break;
        }
        for (i = 1; a[i]; i++) {
            char c = a[i];
            if (c == 'v' || c == 'V') {
                fprintf(stderr, "ezmlm-make version: %s\n", LISTDIR_VERSION);
                return 0;
            }
            if (c == 'C' || c == '0' || (c >= '3' && c <= '9')) {
                const char *val = a[i + 1] ? a + i + 1 : (ai + 1 < argc ? argv[++ai] : 0);
                if (!val) die_usage(prog, USAGE);
                if (c == 'C') scopy(&cfname, val, strlen(val));
                else scopy(&popt[c - '0'], val, strlen(val));
                break;
            }
            if (c >= 'a' && c <= 'z') {
                flags[c - 'a'] = 3;
                if (c == 'e') flagforce++;
            } else if (c >= 'A' && c <= 'Z')
                flags[c - 'A'] = 2;
            else if (c == '+') {
                flagforce_p++;
                flags['e' - 'a'] = 3;
                usecfg = 1;
            } else
                die_usage(prog, USAGE);
        }
    }
    flagforce = (flagforce_p > 1 || flagforce > 1) ? 1 : 0;

    if (ai >= argc) die_usage(prog, USAGE);
    p = argv[ai++];
    scopy(&dir, p, strlen(p));
    if (dir.s[0] != '/') die(EXIT_PERM, prog, "dir and dot must start with a slash");
    if (memchr(dir.s, '\'', dir.len)) die(EXIT_PERM, prog, "quotes are not allowed in dir");
    if (memchr(dir.s, '\n', dir.len)) die(EXIT_PERM, prog, "line breaks are not allowed in dir");
    while (dir.len > 1 && dir.s[dir.len - 1] == '/') str_truncate(&dir, dir.len - 1);

    edit = flags['e' - 'a'] & 1;
    if (edit) {
        str lp = STR_INIT;
        path_in_dir(&lp, "lock");
        lockfd = lock_file_ex(lp.s);
        if (lockfd == -1) die_sys(EXIT_TEMP, prog, "unable to lock %s", lp.s);
        str_free(&lp);
        if (!read_flags_config())
            if (!read_old_config(usecfg)) read_file_config();
    }

    if (ai < argc) {
        p = argv[ai++];
        scopy(&dot, p, strlen(p));
        if (ai < argc) {
            p = argv[ai++];
            if (local.len == 0 || !str_equals(&local, p)) flagforce = 1;
            scopy(&local, p, strlen(p));
            if (ai < argc) {
                p = argv[ai++];
                if (host.len == 0 || !str_equals(&host, p)) flagforce = 1;
                scopy(&host, p, strlen(p));
                if (ai < argc) {
                    p = argv[ai++];
                    scopy(&code, p, strlen(p));
                }
            }
        }
    }
    if (dot.len == 0 || local.len == 0 || host.len == 0) die_usage(prog, USAGE);
    if (dot.s[0] != '/') die(EXIT_PERM, prog, "dir and dot must start with a slash");

    /* -+: the old letters stay unless given now; otherwise the defaults */
    if (usecfg && oldflags.len > 0 && edit) {
        for (pos = 0; pos < oldflags.len; pos++) {
            char c = oldflags.s[pos];
            if (c >= 'a' && c <= 'z' && c != 'e' && !flags[c - 'a']) flags[c - 'a'] = 1;
        }
    }
    if (!usecfg) {
        const char *d;
        for (d = "ap"; *d; d++)
            if (!flags[*d - 'a']) flags[*d - 'a'] = 1;
    }
    for (i = 0; i < NFLAGS; i++)
        if (flags[i] & 2) flags[i] &= 1;

    if (memchr(local.s, '\n', local.len) || memchr(host.s, '\n', host.len) ||
        memchr(dot.s, '\n', dot.len) || memchr(code.s ? code.s : "", '\n', code.len))
        die(EXIT_PERM, prog, "line breaks are not allowed in dot, local, host or code");

    /* <#F#> */
    if (str_copys(&fstr, "-") == -1) nomem();
    for (i = 0; i < NFLAGS; i++)
        if (str_catc(&fstr, (char)((flags[i] ? 'a' : 'A') + i)) == -1) nomem();

    /* <#1#>, <#2#>: the fields of DOT's name after ".qmail-" */
    {
        size_t sl = dot.len, a, b;
        while (sl > 0 && dot.s[sl - 1] != '/') sl--;
        scopy(&tmpl, dot.s, sl); /* the dot directory, slash included */
        for (a = sl; a < dot.len && dot.s[a] != '-'; a++);
        if (a < dot.len) {
            a++;
            for (b = a; b < dot.len && dot.s[b] != '-'; b++);
            if (b < dot.len) {
                if (popt[1].len == 0) scopy(&popt[1], dot.s + a, b - a);
                a = b + 1;
                for (b = a; b < dot.len && dot.s[b] != '-'; b++);
                if (b < dot.len && popt[2].len == 0) scopy(&popt[2], dot.s + a, b - a);
            }
        }
    }

    /* the template */
    if (flags['c' - 'a']) {
        if (str_cats(&tmpl, ".ezmlmrc") == -1) nomem();
    } else if (cfname.len > 0) {
        scopy(&tmpl, cfname.s, cfname.len);
    } else {
        if (listdir_etc(&tmpl) == -1 || str_cats(&tmpl, "/default/ezmlmrc") == -1) nomem();
    }
    if (stat(tmpl.s, &st) == 0 && S_ISDIR(st.st_mode))
        if (str_cats(&tmpl, "/ezmlmrc") == -1) nomem();
    if (fs_read_file(tmpl.s, &raw, LISTDIR_FILE_MAX) == -1) {
        if (errno == ENOENT) die(EXIT_PERM, prog, "%s does not exist", tmpl.s);
        die_sys(EXIT_TEMP, prog, "unable to open %s", tmpl.s);
    }
    if (listdir_bin(&bin) == -1) nomem();

    /* a store that is not available stops us before DIR is made */
    if (sub_open_with(&db, dir.s, 0, popt[6].len ? popt[6].s : 0) == -1) {
        int e = errno;
        die(sub_error_is_perm(e) ? EXIT_PERM : EXIT_TEMP, prog, "cannot use the subscriber store: %s",
            sub_strerror(0, e));
    }
    d_create("", edit);

    /* first line: the template's version */
    for (ln = 0; ln < raw.len && raw.s[ln] != '\n'; ln++);
    if (ln == raw.len) die(EXIT_TEMP, prog, "unable to read %s: no version line", tmpl.s);
    if (!version_ok(raw.s, ln))
        warn(prog, "the ezmlmrc version differs from this ezmlm-make; results may differ from the documentation");
    pos = ln + 1;

    flagdo = 0;
    flagover = 0;
    while (pos < raw.len) {
        size_t e = pos, n;
        const char *l;
        while (e < raw.len && raw.s[e] != '\n') e++;
        l = raw.s + pos;
        n = e - pos;
        pos = e + 1;
        if (n > 0 && l[0] == '#') continue;
        if (n >= 2 && l[0] == '<' && l[1] == '/') {
            size_t hashpos = 0, endpos = 0, k, namelen;
            int flagnot = 0;
            scopy(&line, l, n);
            if (memchr(l, '.', n)) die(EXIT_PERM, prog, "tags may not contain a period: %s", line.s);
            flagdo = 1;
            flagover = 0;
            for (k = 2; k < n; k++)
                if (l[k] == '#') break;
            if (k < n) {
                hashpos = k;
                for (k = hashpos + 1; k < n; k++) {
                    char ch = l[k];
                    if (ch == '/' && k + 1 < n && l[k + 1] == '>') {
                        endpos = k;
                        break;
                    }
                    if (ch == '^') {
                        flagnot = 1;
                        continue;
                    }
                    if ((ch == 'E' && !flagnot) || (ch == 'e' && flagnot)) {
                        if (edit && !flagforce) flagover = 1;
                    } else if (ch >= 'a' && ch <= 'z')
                        flagdo &= flags[ch - 'a'] ^ flagnot;
                    else if (ch >= 'A' && ch <= 'Z')
                        flagdo &= !(flags[ch - 'A'] ^ flagnot);
                    else if (ch >= '0' && ch <= '9')
                        flagdo &= (popt[ch - '0'].len > 0) ^ flagnot;
                    flagnot = 0;
                }
                if (!endpos) die(EXIT_PERM, prog, "tag does not end in />: %s", line.s);
            } else {
                for (k = 2; k + 1 < n; k++)
                    if (l[k] == '/' && l[k + 1] == '>') break;
                if (k + 1 >= n) die(EXIT_PERM, prog, "tag does not end in />: %s", line.s);
                endpos = k;
            }
            namelen = (hashpos ? hashpos : endpos);
            if (l[2] == '+' || l[2] == '-') {
                if (!flagdo) continue;
                scopy(&dname, "/", 1);
                if (str_catb(&dname, l + 3, namelen - 3) == -1) nomem();
                if (l[2] == '+') d_create(dname.s, edit);
                else f_remove(dname.s);
                flagdo = 0;
                continue;
            }
            if (l[2] == ':') {
                size_t sl;
                if (!flagdo) continue;
                for (sl = 3; sl < namelen && l[sl] != '/'; sl++);
                if (sl >= namelen) die(EXIT_PERM, prog, "link tag names no /target: %s", line.s);
                link_dot(l + 3, sl - 3, l + sl, namelen - sl, edit);
                flagdo = 0;
                continue;
            }
            /* a file: </name#flags/> or </#flags/> (go on with the last name) */
            if (namelen > 2) {
                scopy(&name, "/", 1);
                if (str_catb(&name, l + 2, namelen - 2) == -1) nomem();
            }
            if (!out.open || !str_equals(&out.name, name.s ? name.s : "")) {
                flagnotexist = 1;
                if (flagover && name.len) {
                    str fp = STR_INIT;
                    path_in_dir(&fp, name.s);
                    if (access(fp.s, F_OK) == 0) flagnotexist = 0;
                    else if (errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to open %s", fp.s);
                    str_free(&fp);
                }
                f_close();
                if (flagdo && flagnotexist) {
                    if (!name.len) die(EXIT_PERM, prog, "continuation tag with no file opened before it: %s", line.s);
                    f_open(&name);
                }
            }
            if (flagdo) flagdo = flagnotexist;
            continue;
        }
        if (!flagdo || !out.open) continue;
        subst_line(&o, l, n, &bin);
        f_put(o.s, o.len);
        f_put("\n", 1);
    }
    f_close();

    /* the key: new lists only (and lists that lack one) */
    if (!edit || !exists("key")) {
        str kp = STR_INIT;
        if (str_ready(&key, KEYBYTES) == -1) nomem();
        if (cookie_random(key.s, KEYBYTES) == -1) die_sys(EXIT_TEMP, prog, "unable to make the key");
        key.len = KEYBYTES;
        path_in_dir(&kp, "key");
        if (fs_write_atomic(kp.s, key.s, key.len, 0600) == -1)
            die_sys(EXIT_TEMP, prog, "unable to create %s", kp.s);
        str_free(&kp);
    }
    if (fs_fsync_dir(dir.s) == -1) die_sys(EXIT_TEMP, prog, "unable to sync %s", dir.s);

    /* the subscriber store (opened before anything was made) */
    if (sub_mktab(db) == -1) {
        int e = errno;
        die(e == SUB_ESTORE ? EXIT_TEMP : EXIT_PERM, prog, "cannot create the subscriber store: %s",
            sub_strerror(db, e));
    }
    sub_close(db);
    if (lockfd != -1) close(lockfd);
    str_free(&tmpl);
    str_free(&raw);
    str_free(&line);
    str_free(&o);
    str_free(&bin);
    str_free(&name);
    str_free(&dname);
    str_free(&key);
    for (i = 0; i < 10; i++) str_free(&popt[i]);
    str_free(&dir);
    str_free(&dot);
    str_free(&local);
    str_free(&host);
    str_free(&code);
    str_free(&cfname);
    str_free(&oldflags);
    str_free(&fstr);
    str_free(&out.name);
    str_free(&out.path);
    str_free(&out.tmp);
    return 0;
}
