/* text: text files, tags and messages of the list tools (see text.h). */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "ctl.h"
#include "fs.h"
#include "listdir.h"
#include "str.h"
#include "text.h"

static int cat_or_unset(str *out, const char *v)
{
    return str_cats(out, v ? v : TEXT_UNSET);
}

/* A local part, quoted when it needs it. */
static int cat_local(str *out, const char *s, size_t len)
{
    return addr_quote_local(out, s, len);
}

static size_t last_at(const char *s, size_t n)
{
    size_t i;
    for (i = n; i > 0; i--)
        if (s[i - 1] == '@') return i - 1;
    return n;
}

int text_subst(str *out, const listdir *ld, const text_vars *v, const char *s, size_t len,
               int header_mode)
{
    static const text_vars none = TEXT_VARS_INIT;
    size_t i = 0, start = 0;
    if (!v) v = &none;
    while (i + 5 <= len) {
        char c;
        const char *val;
        if (!(s[i] == '<' && s[i + 1] == '#' && s[i + 3] == '#' && s[i + 4] == '>')) {
            i++;
            continue;
        }
        c = s[i + 2];
        if (str_catb(out, s + start, i - start) == -1) return -1;
        i += 5;
        start = i;
        switch (c) {
        case 'L':
            if (cat_local(out, ld->outlocal.s ? ld->outlocal.s : "", ld->outlocal.len) == -1) return -1;
            break;
        case 'l':
            if (v->local) {
                if (cat_local(out, v->local, strlen(v->local)) == -1) return -1;
            } else if (cat_local(out, ld->outlocal.s ? ld->outlocal.s : "", ld->outlocal.len) == -1)
                return -1;
            break;
        case 'H':
        case 'h':
            if (str_cat(out, &ld->outhost) == -1) return -1;
            break;
        case 'A':
        case 'a':
        case 't':
            if (header_mode) {
                errno = EINVAL;
                return -1;
            }
            val = v->target;
            if (!val) {
                if (str_cats(out, TEXT_UNSET) == -1) return -1;
            } else if (c == 'A') {
                if (str_cats(out, val) == -1) return -1;
            } else {
                size_t n = strlen(val), at = last_at(val, n);
                if (c == 'a') {
                    if (str_catb(out, val, at) == -1) return -1;
                } else {
                    if (str_catb(out, val, at) == -1) return -1;
                    if (at < n && (str_catc(out, '=') == -1 || str_cats(out, val + at + 1) == -1))
                        return -1;
                }
            }
            break;
        case 'R':
            if (cat_or_unset(out, v->confirm) == -1) return -1;
            break;
        case 'r':
        case 'c':
            if (!v->confirm) {
                if (str_cats(out, TEXT_UNSET) == -1) return -1;
            } else {
                size_t n = strlen(v->confirm), at = last_at(v->confirm, n);
                const char *p = v->confirm;
                if (c == 'c') {
                    const char *l = v->local ? v->local : (ld->outlocal.s ? ld->outlocal.s : "");
                    size_t ll = strlen(l);
                    if (at > ll && memcmp(p, l, ll) == 0 && p[ll] == '-') {
                        p += ll + 1;
                        at -= ll + 1;
                    }
                }
                if (str_catb(out, p, at) == -1) return -1;
            }
            break;
        case 'C':
            if (cat_or_unset(out, v->cookie) == -1) return -1;
            break;
        case 'T':
            if (cat_or_unset(out, v->cookietime) == -1) return -1;
            break;
        case 'X':
            if (cat_or_unset(out, v->action) == -1) return -1;
            break;
        case 'n':
            if (cat_or_unset(out, v->msgnum) == -1) return -1;
            break;
        case 'd':
            if (str_cat(out, &ld->dir) == -1) return -1;
            break;
        default:
            if (c >= '0' && c <= '9') {
                if (cat_or_unset(out, v->param[c - '0']) == -1) return -1;
            }
            /* unknown tags vanish */
            break;
        }
    }
    return str_catb(out, s + start, len - start);
}

/* 1 if line[0..n) is a section line "<=FLAGS=>"; *ok tells whether its
 * conditions hold. */
static int section(const listdir *ld, const char *line, size_t n, int *ok)
{
    size_t i;
    int neg = 0;
    if (n < 4 || line[0] != '<' || line[1] != '=' || line[n - 2] != '=' || line[n - 1] != '>')
        return 0;
    *ok = 1;
    for (i = 2; i < n - 2; i++) {
        char c = line[i];
        int f;
        if (c == '^') {
            neg = !neg;
            continue;
        }
        f = listdir_flag(ld, c);
        if (neg) f = !f;
        neg = 0;
        if (!f) *ok = 0;
    }
    return 1;
}

int text_process(str *out, const listdir *ld, const text_vars *v, const char *s, size_t len)
{
    size_t i = 0;
    int show = 1;
    while (i < len) {
        size_t j = i, n, e;
        int ok;
        while (j < len && s[j] != '\n') j++;
        n = j - i;
        e = n;
        if (e > 0 && s[i + e - 1] == '\r') e--;
        if (n > 0 && s[i] == '#') {
            /* comment */
        } else if (section(ld, s + i, e, &ok)) {
            show = ok;
        } else if (show) {
            if (n >= 2 && s[i] == '!' && (s[i + 1] == 'A' || s[i + 1] == 'R')) {
                const char *tag = s[i + 1] == 'A' ? "   <#A#>" : "   <#R#>";
                if (text_subst(out, ld, v, tag, 8, 0) == -1) return -1;
                if (text_subst(out, ld, v, s + i + 2, n - 2, 0) == -1) return -1;
            } else if (text_subst(out, ld, v, s + i, n, 0) == -1)
                return -1;
            if (j < len || n > 0)
                if (str_catc(out, '\n') == -1) return -1;
        }
        i = j + 1;
    }
    return 0;
}

int text_file(str *out, const listdir *ld, const char *name, const text_vars *v)
{
    str path = STR_INIT, raw = STR_INIT;
    int r = listdir_text_find(ld, name, &path);
    if (r == CTL_FOUND) {
        if (fs_read_file(path.s, &raw, LISTDIR_FILE_MAX) == -1 ||
            text_process(out, ld, v, raw.s ? raw.s : "", raw.len) == -1)
            r = CTL_ERR;
    }
    {
        int e = errno;
        str_free(&path);
        str_free(&raw);
        errno = e;
    }
    return r;
}

int text_conf(str *out, const listdir *ld, const char *name, const text_vars *v)
{
    str raw = STR_INIT, sub = STR_INIT;
    int r = listdir_conf_raw(ld, name, &raw, 0);
    if (r == CTL_FOUND) {
        if (text_subst(&sub, ld, v, raw.s ? raw.s : "", raw.len, 1) == -1 ||
            listdir_conf_lines(sub.s ? sub.s : "", sub.len, out) == -1)
            r = CTL_ERR;
    }
    {
        int e = errno;
        str_free(&raw);
        str_free(&sub);
        errno = e;
    }
    return r;
}

/* Looks "name:" up in messages file base/text/messages.  1 found (value
 * into val), 0 not, -1 error. */
static int msg_in(const str *base, const char *name, str *val)
{
    str p = STR_INIT, raw = STR_INIT;
    size_t nl = strlen(name), i = 0;
    int r = 0;
    if (str_copy(&p, base) == -1 || str_cats(&p, "/text/messages") == -1) {
        str_free(&p);
        return -1;
    }
    if (fs_read_file(p.s, &raw, LISTDIR_FILE_MAX) == -1) {
        r = (errno == ENOENT || errno == ENOTDIR) ? 0 : -1;
        goto out;
    }
    while (i < raw.len) {
        size_t j = i, e;
        while (j < raw.len && raw.s[j] != '\n') j++;
        e = j;
        while (e > i && (raw.s[e - 1] == '\r' || raw.s[e - 1] == ' ' || raw.s[e - 1] == '\t')) e--;
        if (e - i > nl && raw.s[i] != '#' && memcmp(raw.s + i, name, nl) == 0 && raw.s[i + nl] == ':') {
            r = str_copyb(val, raw.s + i + nl + 1, e - i - nl - 1) == -1 ? -1 : 1;
            goto out;
        }
        i = j + 1;
    }
out:
    {
        int er = errno;
        str_free(&p);
        str_free(&raw);
        errno = er;
    }
    return r;
}

int text_msg(str *out, const listdir *ld, const char *name, const text_vars *v)
{
    str val = STR_INIT, def = STR_INIT;
    int r;
    const char *d;

    r = msg_in(&ld->dir, name, &val);
    if (r == 0 && ld->altdir.len) r = msg_in(&ld->altdir, name, &val);
    if (r == 0) {
        if (str_copy(&def, &ld->etc) == -1 || str_cats(&def, "/default") == -1)
            r = -1;
        else
            r = msg_in(&def, name, &val);
    }
    if (r == 0) {
        d = text_msg_default(name);
        r = str_copys(&val, d ? d : name) == -1 ? -1 : 1;
    }
    if (r == 1) r = text_subst(out, ld, v, val.s, val.len, 1);
    {
        int e = errno;
        str_free(&val);
        str_free(&def);
        errno = e;
    }
    return r == -1 ? -1 : 0;
}
