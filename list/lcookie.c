/* lcookie: list cookies and the addresses carrying them.  See lcookie.h. */
#include "lcookie.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cookie.h"
#include "fs.h"

static int parts(struct cookie_part p[5], str *lower, char num[32], char act[1],
                 const char *subdb, unsigned long when, const char *addr, size_t alen, char action)
{
    if (str_copyb(lower, addr, alen) < 0) return -1;
    str_lower(lower);
    snprintf(num, 32, "%lu", when);
    act[0] = action;
    p[0].p = "ezmlm-idx"; p[0].len = 9;
    p[1].p = subdb ? subdb : ""; p[1].len = subdb ? strlen(subdb) : 0;
    p[2].p = num; p[2].len = strlen(num);
    p[3].p = lower->s; p[3].len = lower->len;
    p[4].p = act; p[4].len = 1;
    return 0;
}

int lcookie_make(char *out, const str *key, const char *subdb, unsigned long when,
                 const char *addr, size_t alen, char action)
{
    struct cookie_part p[5];
    str lower = STR_INIT;
    char num[32], act[1];
    int r;
    if (parts(p, &lower, num, act, subdb, when, addr, alen, action) < 0) return -1;
    r = cookie_make(out, LCOOKIE_LEN, key->s, key->len, p, 5);
    str_free(&lower);
    return r;
}

int lcookie_check(const char *tok, size_t toklen, const str *key, const char *subdb,
                  unsigned long when, const char *addr, size_t alen, char action)
{
    struct cookie_part p[5];
    str lower = STR_INIT;
    char num[32], act[1];
    int r;
    if (parts(p, &lower, num, act, subdb, when, addr, alen, action) < 0) return -1;
    r = cookie_verify(tok, toklen, LCOOKIE_LEN, key->s, key->len, p, 5);
    str_free(&lower);
    return r;
}

int lcookie_verp(str *out, const char *addr, size_t len)
{
    size_t i = len;
    while (i > 0 && addr[i - 1] != '@') i--;
    if (i == 0) return str_catb(out, addr, len);
    if (str_catb(out, addr, i - 1) < 0 || str_catc(out, '=') < 0) return -1;
    return str_catb(out, addr + i, len - i);
}

int lcookie_unverp(str *out, const char *s, size_t len)
{
    size_t i = len;
    while (i > 0 && s[i - 1] != '=') i--;
    if (i == 0) return str_catb(out, s, len);
    if (str_catb(out, s, i - 1) < 0 || str_catc(out, '@') < 0) return -1;
    return str_catb(out, s + i, len - i);
}

static int is_cookie(const char *c, size_t len)
{
    size_t i;
    if (len != LCOOKIE_LEN) return 0;
    for (i = 0; i < len; i++) {
        char x = ascii_lower(c[i]);
        if (!((x >= 'a' && x <= 'z') || (x >= '2' && x <= '7'))) return 0;
    }
    return 1;
}

/* removes recorded targets older than LCOOKIE_KEEP */
static void sweep(const char *cdir, unsigned long now)
{
    DIR *d = opendir(cdir);
    struct dirent *e;
    str p = STR_INIT;
    if (!d) return;
    while ((e = readdir(d))) {
        struct stat st;
        if (!is_cookie(e->d_name, strlen(e->d_name))) continue;
        p.len = 0;
        if (str_cats(&p, cdir) < 0 || str_catc(&p, '/') < 0 || str_cats(&p, e->d_name) < 0) break;
        if (lstat(p.s, &st) == 0 && (unsigned long)st.st_mtime + LCOOKIE_KEEP < now) unlink(p.s);
    }
    closedir(d);
    str_free(&p);
}

int lcookie_local(str *out, const char *dir, const char *head, const char *cookie,
                  const char *addr, size_t alen, unsigned long now)
{
    str cdir = STR_INIT, path = STR_INIT;
    size_t base = out->len;
    int r = -1;
    if (str_cats(out, head) < 0 || str_catc(out, '-') < 0 || lcookie_verp(out, addr, alen) < 0)
        return -1;
    if (out->len - base <= LCOOKIE_LOCAL_MAX &&
        !addr_local_needs_quote(out->s + base, out->len - base))
        return 0;
    /* the short form */
    str_truncate(out, base);
    if (str_cats(out, head) < 0) return -1;
    if (str_cats(&cdir, dir) < 0 || str_cats(&cdir, "/cookies") < 0) goto done;
    if (mkdir(cdir.s, 0700) < 0 && errno != EEXIST) goto done;
    sweep(cdir.s, now);
    if (str_copy(&path, &cdir) < 0 || str_catc(&path, '/') < 0 || str_cats(&path, cookie) < 0)
        goto done;
    if (fs_write_atomic(path.s, addr, alen, 0600) < 0) goto done;
    r = 0;
done:
    str_free(&cdir);
    str_free(&path);
    return r;
}

int lcookie_target(const char *dir, const char *cookie, size_t len, str *out)
{
    str path = STR_INIT;
    size_t i;
    int r = -1;
    if (!is_cookie(cookie, len)) return 0;
    if (str_cats(&path, dir) < 0 || str_cats(&path, "/cookies/") < 0) goto done;
    for (i = 0; i < len; i++)
        if (str_catc(&path, ascii_lower(cookie[i])) < 0) goto done;
    if (fs_read_file(path.s, out, 1024) < 0) {
        r = (errno == ENOENT || errno == EFBIG) ? 0 : -1;
        goto done;
    }
    r = (!out->len || memchr(out->s, 0, out->len) || memchr(out->s, '\n', out->len)) ? 0 : 1;
done:
    str_free(&path);
    return r;
}
