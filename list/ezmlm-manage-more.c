/* ezmlm-manage: the From: line store, the Log reply, archive retrieval and
 * text file editing.  See ezmlm-manage.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cookie.h"
#include "datefmt.h"
#include "die.h"
#include "enc.h"
#include "ezmlm-manage.h"
#include "ezmsg.h"
#include "fs.h"
#include "lock.h"

#define FROM_KEEP 1000000UL
#define GET_MAX (1024u * 1024)
#define EDIT_MAX 10240u
#define EDIT_LIFE 100000UL

static int lock_list(manage *mg)
{
    str p = STR_INIT;
    int fd;
    if (listdir_path(&mg->ld, "lock", &p) < 0) manage_nomem(mg);
    fd = lock_file_ex(p.s);
    if (fd < 0) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to lock %s", p.s);
    str_free(&p);
    return fd;
}

/* ---- DIR/from: "TIME ADDRESS\0FROMLINE\n" ------------------------------------------ */

void manage_store_from(manage *mg)
{
    str p = STR_INIT, old = STR_INIT, out = STR_INIT;
    size_t pos = 0;
    int fd;
    if (!mg->storefrom || !mg->fromline.len) return;
    fd = lock_list(mg);
    if (listdir_path(&mg->ld, "from", &p) < 0) manage_nomem(mg);
    if (fs_read_file(p.s, &old, 64u * 1024 * 1024) < 0 && errno != ENOENT)
        die_sys(EXIT_TEMP, MANAGE_PROG, "unable to read %s", p.s);
    while (pos < old.len) {
        const char *nl = memchr(old.s + pos, '\n', old.len - pos);
        size_t end = nl ? (size_t)(nl - old.s) + 1 : old.len;
        unsigned long t = 0;
        scan_ulong(old.s + pos, end - pos, &t);
        if (nl && t + FROM_KEEP > (unsigned long)mg->now && t <= (unsigned long)mg->now &&
            str_catb(&out, old.s + pos, end - pos) < 0)
            manage_nomem(mg);
        pos = end;
    }
    if (str_catf(&out, "%lu ", (unsigned long)mg->now) < 0 || str_cat(&out, &mg->target) < 0 ||
        str_catc(&out, 0) < 0 || str_cat(&out, &mg->fromline) < 0 || str_catc(&out, '\n') < 0)
        manage_nomem(mg);
    if (fs_write_atomic(p.s, out.s, out.len, 0600) < 0)
        die_sys(EXIT_TEMP, MANAGE_PROG, "unable to write %s", p.s);
    close(fd);
    str_free(&p);
    str_free(&old);
    str_free(&out);
}

void manage_get_from(manage *mg, const char *action, str *fl)
{
    str p = STR_INIT, data = STR_INIT;
    unsigned long want = 0;
    size_t pos = 0;
    fl->len = 0;
    if (!mg->storefrom) return;
    if (mg->fromline.len) {
        if (str_copy(fl, &mg->fromline) < 0 || str_catc(fl, 0) < 0) manage_nomem(mg);
        fl->len--;
        return;
    }
    if (strlen(action) < 3) return;
    scan_ulong(action + 3, strlen(action + 3), &want);
    if (listdir_path(&mg->ld, "from", &p) < 0) manage_nomem(mg);
    if (fs_read_file(p.s, &data, 64u * 1024 * 1024) < 0) {
        if (errno != ENOENT) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to read %s", p.s);
        str_free(&p);
        return;
    }
    while (pos < data.len) {
        const char *nl = memchr(data.s + pos, '\n', data.len - pos);
        size_t end = nl ? (size_t)(nl - data.s) : data.len, d;
        unsigned long t = 0;
        d = scan_ulong(data.s + pos, end - pos, &t);
        if (d && t == want && pos + d < end && data.s[pos + d] == ' ') {
            const char *a = data.s + pos + d + 1;
            const char *nul = memchr(a, 0, (size_t)(data.s + end - a));
            if (nul && (size_t)(nul - a) == mg->target.len && !memcmp(a, mg->target.s, mg->target.len)) {
                if (str_copyb(fl, nul + 1, (size_t)(data.s + end - nul - 1)) < 0 || str_catc(fl, 0) < 0)
                    manage_nomem(mg);
                fl->len--;
                break;
            }
        }
        pos = end + 1;
    }
    str_free(&p);
    str_free(&data);
}

/* ---- -log ---------------------------------------------------------------------------------- */

static int each_log(void *ctx, time_t when, const char *line, size_t len)
{
    manage *mg = ctx;
    str t = STR_INIT;
    const char *sp = memchr(line, ' ', len);
    size_t i;
    if (datefmt_822(&t, when) < 0 || str_cats(&t, ": ") < 0) return -1;
    if (sp) {
        if (str_catb(&t, sp + 1, len - (size_t)(sp + 1 - line)) < 0) return -1;
    } else if (str_catb(&t, line, len) < 0) {
        return -1;
    }
    for (i = 0; i < t.len; i++)
        if ((unsigned char)t.s[i] < 32 || t.s[i] == 127) t.s[i] = '?';
    if (str_catc(&t, '\n') < 0 || reply_add(&mg->r, t.s, t.len) < 0) return -1;
    str_free(&t);
    return 0;
}

void manage_log(manage *mg, sub_db *db, const char *search)
{
    if (sub_searchlog(db, search, each_log, mg) < 0 && errno != ENOENT) {
        reply_abort(&mg->r);
        die(EXIT_TEMP, MANAGE_PROG, "unable to read the subscription log: %s", sub_strerror(db, errno));
    }
}

/* ---- -get.N ------------------------------------------------------------------------------- */

void manage_get(manage *mg, unsigned long n)
{
    str p = STR_INIT, data = STR_INIT;
    struct stat st;
    size_t i, start = 0;
    int fd;
    if (str_copy(&p, &mg->ld.dir) < 0 || str_catf(&p, "/archive/%lu/%02lu", n / 100, n % 100) < 0)
        manage_nomem(mg);
    fd = open(p.s, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to open %s", p.s);
        manage_text(mg, "get-bad", 1);
        str_free(&p);
        return;
    }
    /* a message without the owner-execute bit is not complete */
    if (fstat(fd, &st) < 0 || !(st.st_mode & 0100)) {
        close(fd);
        manage_text(mg, "get-bad", 1);
        str_free(&p);
        return;
    }
    if (fs_read_fd(fd, &data, GET_MAX) < 0) {
        if (errno != EFBIG) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to read %s", p.s);
        /* too long to quote whole: the first part */
        close(fd);
        fd = open(p.s, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || str_ready(&data, GET_MAX) < 0) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to read %s", p.s);
        {
            ssize_t r = fs_read_all(fd, data.s, GET_MAX);
            if (r < 0) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to read %s", p.s);
            data.len = (size_t)r;
        }
    }
    close(fd);
    manage_show(mg, "get", NULL);
    if (reply_adds(&mg->r, "> ") < 0) manage_nomem(mg);
    for (i = 0; i < data.len; i++) {
        if (data.s[i] != '\n') continue;
        if (reply_add(&mg->r, data.s + start, i + 1 - start) < 0 || reply_adds(&mg->r, "> ") < 0)
            manage_nomem(mg);
        start = i + 1;
    }
    if (reply_add(&mg->r, data.s + start, data.len - start) < 0 || reply_adds(&mg->r, "\n") < 0)
        manage_nomem(mg);
    str_free(&p);
    str_free(&data);
}

/* ---- -edit and -ed. -------------------------------------------------------------------------- */

/* "file" of -edit.file: letters and '_' ('_' stands for '-'), lower-cased */
static int edit_name(const char *s, str *name)
{
    name->len = 0;
    if (!*s) return 0;
    for (; *s && *s != '.'; s++) {
        char c = ascii_lower(*s);
        if (c == '_') c = '-';
        else if (c < 'a' || c > 'z') return 0;
        if (str_catc(name, c) < 0) return -1;
    }
    if (str_catc(name, 0) < 0) return -1;
    name->len--;
    return 1;
}

/* the current text of the file, wherever the list finds it */
static void edit_read(manage *mg, const str *name, str *content, str *path)
{
    int r = listdir_text_find(&mg->ld, name->s, path);
    if (r == CTL_ERR) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to look for text/%s", name->s);
    if (r == CTL_MISSING)
        manage_fail(mg, 100, "ERR_NOEXIST", "there is no text file of that name (#5.1.2)", NULL);
    if (fs_read_file(path->s, content, EDIT_MAX * 4) < 0)
        die_sys(EXIT_TEMP, MANAGE_PROG, "unable to read %s", path->s);
}

static int edit_cookie(manage *mg, char out[21], const str *name, const str *content,
                       unsigned long when, const char *tok, size_t toklen)
{
    struct cookie_part parts[4];
    char num[32];
    str k = STR_INIT;
    int r;
    if (listdir_key(&mg->ld, &k) < 0) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to read %s/key", mg->ld.dir.s);
    snprintf(num, sizeof num, "%lu", when);
    parts[0].p = "ezmlm-idx-edit"; parts[0].len = 14;
    parts[1].p = name->s; parts[1].len = name->len;
    parts[2].p = num; parts[2].len = strlen(num);
    parts[3].p = content->s; parts[3].len = content->len;
    if (out) r = cookie_make(out, 20, k.s, k.len, parts, 4);
    else r = cookie_verify(tok, toklen, 20, k.s, k.len, parts, 4);
    str_free(&k);
    if (r < 0) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to compute a cookie");
    return r;
}

static void edit_allowed(manage *mg)
{
    if (!mg->flagedit || !mg->haveremote)
        manage_fail(mg, 100, "ERR_NOT_AVAILABLE", "sorry, that command is not available here (#5.7.0)", NULL);
    if (!mg->ismod) manage_fail(mg, 100, "ERR_NOT_ALLOWED", "sorry, only moderators may do that (#5.7.1)", NULL);
}

static void msgline(manage *mg, const char *name, const char *fallback)
{
    if (ezmsg(&mg->r.text, &mg->ld, name, fallback, NULL) < 0 || reply_adds(&mg->r, "\n") < 0)
        manage_nomem(mg);
}

void manage_edit(manage *mg, const char *action)
{
    str name = STR_INIT, content = STR_INIT, path = STR_INIT, conf = STR_INIT, subj = STR_INIT;
    const char *rc[1];
    char ck[21], num[32];
    size_t i;
    edit_allowed(mg);
    if (!action[4]) {
        manage_begin(mg, "SUB_EDIT_LIST", NULL, NULL);
        manage_text(mg, "top", 0);
        manage_text(mg, "edit-list", 1);
        manage_bottom(mg, 0);
        rc[0] = mg->mod.s;
        manage_send(mg, rc, 1);
    }
    if (action[4] != '.' || edit_name(action + 5, &name) != 1 || action[5 + name.len])
        manage_fail(mg, 100, "ERR_BAD_NAME", "a text file name has letters and '_' only (#5.7.0)", NULL);
    manage_show(mg, "edit ", name.s);
    edit_read(mg, &name, &content, &path);
    edit_cookie(mg, ck, &name, &content, (unsigned long)mg->now, NULL, 0);
    snprintf(num, sizeof num, "%lu", (unsigned long)mg->now);
    if (str_catf(&conf, "%s-ed.%s.", mg->local.s, num) < 0) manage_nomem(mg);
    for (i = 0; i < name.len; i++)
        if (str_catc(&conf, name.s[i] == '-' ? '_' : name.s[i]) < 0) manage_nomem(mg);
    if (str_catf(&conf, ".%s@%s", ck, mg->ld.outhost.s) < 0) manage_nomem(mg);
    mg->v.confirm = conf.s;
    mg->v.cookie = ck;
    mg->v.cookietime = num;
    mg->v.action = "ed.";
    mg->v.param[1] = name.s;
    manage_begin(mg, "SUB_EDIT_REQUEST", conf.s, NULL);
    manage_text(mg, "top", 0);
    manage_text(mg, "edit-do", 0);
    msgline(mg, "TXT_EDIT_START", "%%% START OF TEXT FILE");
    if (reply_add(&mg->r, content.s ? content.s : "", content.len) < 0) manage_nomem(mg);
    if (content.len && content.s[content.len - 1] != '\n' && reply_adds(&mg->r, "\n") < 0) manage_nomem(mg);
    msgline(mg, "TXT_EDIT_END", "%%% END OF TEXT FILE");
    if (reply_adds(&mg->r, "\n\n") < 0) manage_nomem(mg);
    manage_bottom(mg, 0);
    str_free(&subj);
    rc[0] = mg->mod.s;
    manage_send(mg, rc, 1);
}

void manage_ed(manage *mg, const char *action)
{
    str name = STR_INIT, content = STR_INIT, path = STR_INIT, body = STR_INIT, dec = STR_INIT,
        quote = STR_INIT, out = STR_INIT, start = STR_INIT, end = STR_INIT, piece = STR_INIT,
        dest = STR_INIT;
    unsigned long when = 0;
    const char *x = action + 3, *tok, *rc[1];
    size_t n, pos = 0;
    int r, st, inside = 0, done = 0, fd;

    n = scan_ulong(x, strlen(x), &when);
    if (!n || when > (unsigned long)mg->now || when + EDIT_LIFE < (unsigned long)mg->now) goto bad;
    x += n;
    if (*x == '.') x++;
    {
        const char *dot = strchr(x, '.');
        str raw = STR_INIT;
        if (!dot) goto bad;
        if (str_copyb(&raw, x, (size_t)(dot - x)) < 0 || str_catc(&raw, 0) < 0) manage_nomem(mg);
        if (edit_name(raw.s, &name) != 1) goto bad;
        str_free(&raw);
        tok = dot + 1;
    }
    fd = lock_list(mg);
    edit_read(mg, &name, &content, &path);
    if (edit_cookie(mg, NULL, &name, &content, when, tok, strlen(tok)) != 1) goto bad;

    /* the new text: between the markers of the reply's body */
    while ((r = msgin_piece(&mg->m, &piece, 65536, &st)) > 0) {
        if (body.len + piece.len > 4u * 1024 * 1024)
            manage_fail(mg, 100, "ERR_EDSIZE", "the new text is too long (#5.2.3)", NULL);
        if (str_cat(&body, &piece) < 0) manage_nomem(mg);
    }
    if (r < 0) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to read input");
    if (mg->encin) {
        if ((mg->encin == 'B' ? enc_unb64(&dec, body.s ? body.s : "", body.len)
                              : enc_unqp(&dec, body.s ? body.s : "", body.len)) < 0)
            manage_nomem(mg);
        if (str_copy(&body, &dec) < 0) manage_nomem(mg);
    }
    if (ezmsg(&start, &mg->ld, "TXT_EDIT_START", "%%% START OF TEXT FILE", NULL) < 0 ||
        ezmsg(&end, &mg->ld, "TXT_EDIT_END", "%%% END OF TEXT FILE", NULL) < 0)
        manage_nomem(mg);
    while (pos < body.len) {
        const char *nl = memchr(body.s + pos, '\n', body.len - pos);
        size_t e = nl ? (size_t)(nl - body.s) : body.len, le = e;
        const char *pct = memchr(body.s + pos, '%', e - pos);
        if (le > pos && body.s[le - 1] == '\r') le--;
        if (pct) {
            size_t i = (size_t)(pct - body.s);
            if (!inside && case_starts(pct, le - i, start.s ? start.s : "")) {
                if (str_copyb(&quote, body.s + pos, i - pos) < 0) manage_nomem(mg);
                inside = 1;
                pos = e + 1;
                continue;
            }
            if (inside && case_starts(pct, le - i, end.s ? end.s : "")) {
                done = 1;
                break;
            }
        }
        if (inside) {
            size_t b = pos;
            if (quote.len && le - b >= quote.len && !memcmp(body.s + b, quote.s, quote.len)) b += quote.len;
            if (str_catb(&out, body.s + b, le - b) < 0 || str_catc(&out, '\n') < 0) manage_nomem(mg);
            if (out.len > EDIT_MAX) manage_fail(mg, 100, "ERR_EDSIZE", "the new text is too long (#5.2.3)", NULL);
        }
        pos = e + 1;
    }
    if (!done) manage_fail(mg, 100, "ERR_NO_MARK", "the markers around the new text are missing (#5.6.0)", NULL);
    if (listdir_path(&mg->ld, "text", &dest) < 0) manage_nomem(mg);
    if (mkdir(dest.s, 0755) < 0 && errno != EEXIST) die_sys(EXIT_TEMP, MANAGE_PROG, "unable to create %s", dest.s);
    if (str_catc(&dest, '/') < 0 || str_cat(&dest, &name) < 0) manage_nomem(mg);
    if (fs_write_atomic(dest.s, out.s ? out.s : "", out.len, 0600) < 0)
        die_sys(EXIT_TEMP, MANAGE_PROG, "unable to write %s", dest.s);
    close(fd);
    mg->v.param[1] = name.s;
    manage_begin(mg, "SUB_EDIT_SUCCESS", NULL, NULL);
    manage_text(mg, "top", 0);
    manage_text(mg, "edit-done", 1);
    manage_bottom(mg, 0);
    rc[0] = mg->sender;
    manage_send(mg, rc, 1);
bad:
    manage_fail(mg, 100, "ERR_MOD_COOKIE", "this confirmation is invalid or has expired (#5.7.1)", NULL);
}
