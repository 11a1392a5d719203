/* sub: store selection, the operations every store shares, hashes, Log. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "fs.h"
#include "str.h"
#include "sub.h"

extern const struct sub_ops sub_std_ops;
extern const struct sub_ops sub_mysql_ops;
/* list/sub/stdbulk.c: the std store's bulk import */
int sub_std_bulk_add(sub_db *db, struct sub_bulk *b);

/*
 * The registry.  A store with ops NULL is known but not built in: opening
 * it fails with ENOTSUP ("not available").  The MySQL store plugs in by
 * pointing its line at its ops; "sql" (the legacy DIR/sql file) is an alias
 * for it.
 */
static const struct {
    const char *name;
    const struct sub_ops *ops;
    const char *alias_of;
} stores[] = {
    { "std", &sub_std_ops, 0 },
    { "mysql", &sub_mysql_ops, 0 },
    { "sql", 0, "mysql" },
    { "pgsql", 0, 0 },
    { "sqlite3", 0, 0 },
};

static const struct sub_ops *store_find(const char *name, size_t len, int *known)
{
    size_t i;
    *known = 0;
    for (i = 0; i < sizeof stores / sizeof stores[0]; i++) {
        if (strlen(stores[i].name) != len || memcmp(stores[i].name, name, len) != 0) continue;
        *known = 1;
        if (stores[i].alias_of) return store_find(stores[i].alias_of, strlen(stores[i].alias_of), known);
        return stores[i].ops;
    }
    return 0;
}

/* ---- hashes ----------------------------------------------------------------- */

unsigned sub_hash64(const char *s, size_t len)
{
    uint64_t h = 5381;
    size_t i;
    for (i = 0; i < len; i++) {
        /* (unsigned int)(signed char)b, zero-extended to unsigned long */
        uint32_t b = (uint32_t)(int32_t)(signed char)s[i];
        h = (h + (h << 5)) ^ (uint64_t)b;
    }
    return (unsigned)(h % 53);
}

unsigned sub_hash32(const char *s, size_t len)
{
    uint32_t h = 5381;
    size_t i;
    for (i = 0; i < len; i++) h = (h + (h << 5)) ^ (uint32_t)(unsigned char)s[i];
    return (unsigned)(h % 53);
}

static unsigned hash_lower(const char *prefix, const char *addr, size_t len)
{
    uint64_t h = 5381;
    size_t i;
    for (i = 0; prefix[i]; i++) h = (h + (h << 5)) ^ (uint64_t)(uint32_t)(int32_t)(signed char)prefix[i];
    for (i = 0; i < len; i++) {
        char c = ascii_lower(addr[i]);
        h = (h + (h << 5)) ^ (uint64_t)(uint32_t)(int32_t)(signed char)c;
    }
    return (unsigned)(h % 53);
}

unsigned sub_hash_addr(const char *addr, size_t len)
{
    return hash_lower("", addr, len);
}

unsigned sub_std_bucket(const char *addr, size_t len)
{
    return hash_lower("T", addr, len);
}

/* ---- addresses ----------------------------------------------------------- */

int sub_addr_check(const char *addr, size_t len)
{
    if (len > SUB_ADDR_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!memchr(addr, '@', len) || memchr(addr, '\n', len) || memchr(addr, '\r', len) ||
        memchr(addr, '\0', len)) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/* addr with its domain lowercased into out. */
static int addr_norm(str *out, const char *addr, size_t len)
{
    size_t at;
    if (str_copyb(out, addr, len) == -1) return -1;
    for (at = len; at > 0; at--)
        if (out->s[at - 1] == '@') break;
    for (; at < len; at++) out->s[at] = ascii_lower(out->s[at]);
    return 0;
}

int sub_error_is_perm(int e)
{
    return e == EINVAL || e == ENAMETOOLONG;
}

/* The text of the last store failure (sub_store_error()). */
static char store_msg[1024];

void sub_store_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(store_msg, sizeof store_msg, fmt, ap);
    va_end(ap);
    errno = SUB_ESTORE;
}

const char *sub_strerror(const sub_db *db, int e)
{
    (void)db;
    switch (e) {
    case SUB_ESTORE: return store_msg[0] ? store_msg : "subscriber store failure";
    case EINVAL: return "address does not contain @ or contains a newline, carriage return or NUL";
    case ENAMETOOLONG: return "address is too long";
    case ENOTSUP: return "the list's subscriber store is not available in this build (see DIR/subdb)";
    case EXDEV: return "a sub-database must be a single name inside the list directory";
    case EPROTO: return "no store name in the subscriber store line";
    default: return strerror(e);
    }
}

/* ---- opening --------------------------------------------------------------- */

static int read_line(const char *dir, const char *name, str *out)
{
    str path = STR_INIT;
    int r;
    if (str_copys(&path, dir) == -1 || str_catc(&path, '/') == -1 || str_cats(&path, name) == -1) {
        str_free(&path);
        return CTL_ERR;
    }
    r = ctl_readline_path(path.s, out);
    str_free(&path);
    return r;
}

int sub_store_name(const char *dir, str *out)
{
    str line = STR_INIT;
    int r;
    ptrdiff_t c;
    r = read_line(dir, "subdb", &line);
    if (r == CTL_ERR) goto fail;
    if (r == CTL_FOUND) {
        c = str_chr(&line, ':');
        if (c >= 0) str_truncate(&line, (size_t)c);
        if (str_copy(out, &line) == -1) goto fail;
        str_free(&line);
        return 0;
    }
    r = read_line(dir, "sql", &line);
    if (r == CTL_ERR) goto fail;
    if (str_copys(out, r == CTL_FOUND ? "sql" : "std") == -1) goto fail;
    str_free(&line);
    return 0;
fail:
    str_free(&line);
    return -1;
}

/* Sets db->subdb from the caller's name (see sub.h). */
static int set_subdb(sub_db *db, const char *subdb)
{
    size_t dl = db->dir.len;
    if (!subdb) return 0;
    if (subdb[0] == '/') {
        if (strncmp(subdb, db->dir.s, dl) != 0 || (subdb[dl] != '/' && subdb[dl] != 0)) {
            errno = EXDEV;
            return -1;
        }
        subdb += dl;
        while (*subdb == '/') subdb++;
    }
    {
        size_t n = strlen(subdb);
        while (n > 0 && subdb[n - 1] == '/') n--;
        if (n == 0 || (n == 1 && subdb[0] == '.')) return 0;
        if (!fs_safe_component(subdb, n)) {
            errno = EXDEV;
            return -1;
        }
        return str_copyb(&db->subdb, subdb, n);
    }
}

int sub_open_with(sub_db **out, const char *dir, const char *subdb, const char *spec)
{
    sub_db *db;
    const struct sub_ops *ops;
    int known, e;
    size_t n;
    ptrdiff_t c;

    *out = 0;
    db = calloc(1, sizeof *db);
    if (!db) return -1;
    n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (str_copyb(&db->dir, dir, n) == -1) goto fail;
    if (set_subdb(db, subdb) == -1) goto fail;
    if (str_copy(&db->subdir, &db->dir) == -1) goto fail;
    if (db->subdb.len)
        if (str_catc(&db->subdir, '/') == -1 || str_cat(&db->subdir, &db->subdb) == -1) goto fail;

    if (!spec) {
        int r = read_line(db->dir.s, "subdb", &db->spec);
        if (r == CTL_ERR) goto fail;
        if (r == CTL_FOUND) {
            c = str_chr(&db->spec, ':');
            if (str_copyb(&db->plugin, db->spec.s, c >= 0 ? (size_t)c : db->spec.len) == -1) goto fail;
        } else {
            r = read_line(db->dir.s, "sql", &db->spec);
            if (r == CTL_ERR) goto fail;
            if (str_copys(&db->plugin, r == CTL_FOUND ? "sql" : "std") == -1) goto fail;
            if (r != CTL_FOUND) str_truncate(&db->spec, 0);
            /* the legacy line has no store name: give it one */
            else {
                str line = STR_INIT;
                int bad = str_copys(&line, "sql:") == -1 || str_cat(&line, &db->spec) == -1 ||
                          str_copy(&db->spec, &line) == -1;
                str_free(&line);
                if (bad) goto fail;
            }
        }
    } else {
        size_t sl = strlen(spec);
        const char *colon = memchr(spec, ':', sl);
        if (str_copyb(&db->plugin, spec, colon ? (size_t)(colon - spec) : sl) == -1) goto fail;
        if (colon || strcmp(spec, "std") != 0)
            if (str_copys(&db->spec, spec) == -1) goto fail;
    }
    if (db->plugin.len == 0) {
        errno = EPROTO;
        goto fail;
    }
    ops = store_find(db->plugin.s, db->plugin.len, &known);
    if (!ops) {
        errno = ENOTSUP;
        goto fail;
    }
    db->ops = ops;
    if (ops->open && ops->open(db) == -1) {
        db->ops = 0;
        goto fail;
    }
    *out = db;
    return 0;
fail:
    e = errno;
    sub_close(db);
    errno = e;
    return -1;
}

int sub_open(sub_db **out, const char *dir, const char *subdb)
{
    return sub_open_with(out, dir, subdb, 0);
}

void sub_close(sub_db *db)
{
    if (!db) return;
    if (db->ops && db->ops->close) db->ops->close(db);
    str_free(&db->dir);
    str_free(&db->subdb);
    str_free(&db->subdir);
    str_free(&db->spec);
    str_free(&db->plugin);
    free(db);
}

/* ---- operations --------------------------------------------------------- */

int sub_issub(sub_db *db, const char *addr, size_t len, str *stored)
{
    str a = STR_INIT, tmp = STR_INIT;
    str *st = stored ? stored : &tmp;
    int r;
    size_t at;

    if (sub_addr_check(addr, len) == -1) return 0;
    if (addr_norm(&a, addr, len) == -1) return -1;
    r = db->ops->issub(db, a.s, a.len, st);
    if (r == 0) {
        for (at = a.len; at > 0 && a.s[at - 1] != '@'; at--);
        if (at > 1) r = db->ops->issub(db, a.s + at - 1, a.len - at + 1, st);
    }
    str_free(&a);
    str_free(&tmp);
    return r;
}

static int change(sub_db *db, int add, const char *addr, size_t len, const char *tag,
                  const char *comment, int forcehash)
{
    str a = STR_INIT, ev = STR_INIT;
    int r, e;

    if (sub_addr_check(addr, len) == -1) return -1;
    if (forcehash < SUB_NOHASH || forcehash > 99) {
        errno = EINVAL;
        return -1;
    }
    if (addr_norm(&a, addr, len) == -1) return -1;
    if (db->ops->change) {
        /* the store records the change and its log entry together */
        if (str_copys(&ev, add ? "+" : "-") == -1 || str_cats(&ev, tag ? tag : "") == -1) {
            r = -1;
            goto out;
        }
        r = db->ops->change(db, add, a.s, a.len, forcehash, ev.s, comment,
                            comment ? strlen(comment) : 0);
        goto out;
    }
    r = add ? db->ops->add(db, a.s, a.len, forcehash) : db->ops->remove(db, a.s, a.len, forcehash);
    if (r == SUB_CHANGED) {
        /* the change is made; a Log failure does not undo it (ezmlm's rule) */
        e = errno;
        if (str_copys(&ev, add ? "+" : "-") == 0 && str_cats(&ev, tag ? tag : "") == 0)
            (void)db->ops->log(db, ev.s, a.s, a.len, comment, comment ? strlen(comment) : 0);
        errno = e;
    }
out:
    e = errno;
    str_free(&a);
    str_free(&ev);
    errno = e;
    return r;
}

int sub_add(sub_db *db, const char *addr, size_t len, const char *tag, const char *comment,
            int forcehash)
{
    return change(db, 1, addr, len, tag, comment, forcehash);
}

int sub_remove(sub_db *db, const char *addr, size_t len, const char *tag, const char *comment,
               int forcehash)
{
    return change(db, 0, addr, len, tag, comment, forcehash);
}

int sub_iterate(sub_db *db, unsigned lo, unsigned hi, sub_each_fn fn, void *ctx)
{
    if (hi > SUB_HASH_HI) hi = SUB_HASH_HI;
    if (lo > SUB_HASH_HI) lo = SUB_HASH_HI;
    if (hi < lo) hi = lo;
    return db->ops->iterate(db, lo, hi, fn, ctx);
}

static int count_one(void *ctx, const char *addr, size_t len)
{
    (void)addr;
    (void)len;
    ++*(unsigned long *)ctx;
    return 0;
}

int sub_count(sub_db *db, unsigned long *n)
{
    int r;
    *n = 0;
    r = db->ops->iterate(db, SUB_HASH_LO, SUB_HASH_HI, count_one, n);
    return r == 0 ? 0 : -1;
}

struct collect {
    str *all;
    size_t n;
};

static int collect_one(void *ctx, const char *addr, size_t len)
{
    struct collect *c = ctx;
    if (str_catb(c->all, addr, len) < 0 || str_catc(c->all, 0) < 0) return -1;
    c->n++;
    return 0;
}

int sub_collect(sub_db *db, str *all, const char ***ptrs, size_t *n)
{
    struct collect c = { all, 0 };
    const char **p;
    size_t i, pos = 0;
    int r;
    all->len = 0;
    *ptrs = NULL;
    *n = 0;
    r = db->ops->iterate(db, SUB_HASH_LO, SUB_HASH_HI, collect_one, &c);
    if (r != 0) return -1;
    p = calloc(c.n ? c.n : 1, sizeof *p);
    if (!p) return -1;
    for (i = 0; i < c.n; i++) {
        p[i] = all->s + pos;
        pos += strlen(all->s + pos) + 1;
    }
    *ptrs = p;
    *n = c.n;
    return 0;
}

int sub_log(sub_db *db, const char *event, const char *addr, size_t len, const char *comment)
{
    return db->ops->log(db, event, addr, len, comment, comment ? strlen(comment) : 0);
}

int sub_searchlog(sub_db *db, const char *search, sub_logline_fn fn, void *ctx)
{
    return db->ops->searchlog(db, search, fn, ctx);
}

/* ---- bulk import -------------------------------------------------------------- */

struct bulkwrap {
    struct sub_bulk *outer;
    int (*next)(void *ctx, const char **addr, size_t *len);
    void *ctx;
    str a;
};

void sub_bulk_reject(struct sub_bulk *b, const char *addr, size_t len, int e)
{
    struct bulkwrap *w = b->ctx;
    w->outer->bad++;
    if (w->outer->reject) w->outer->reject(w->ctx, addr, len, e);
}

/* The source as the store sees it: valid addresses, domain lowercased. */
static int bulk_next(void *ctx, const char **addr, size_t *len)
{
    struct bulkwrap *w = ctx;
    for (;;) {
        const char *p;
        size_t n;
        int r = w->next(w->ctx, &p, &n);
        if (r != 1) return r;
        w->outer->seen++;
        if (sub_addr_check(p, n) == -1) {
            w->outer->bad++;
            if (w->outer->reject) w->outer->reject(w->ctx, p, n, errno);
            continue;
        }
        if (addr_norm(&w->a, p, n) == -1) return -1;
        *addr = w->a.s;
        *len = w->a.len;
        return 1;
    }
}

/* Stores without a bulk operation: one add per address. */
static int bulk_each(sub_db *db, struct sub_bulk *b)
{
    const char *p;
    size_t n;
    int r;
    while ((r = b->next(b->ctx, &p, &n)) == 1) {
        r = db->ops->add(db, p, n, SUB_NOHASH);
        if (r == -1) {
            if (!sub_error_is_perm(errno)) return -1;
            sub_bulk_reject(b, p, n, errno);
        } else if (r == SUB_CHANGED)
            b->added++;
    }
    return r;
}

int sub_bulk_add(sub_db *db, struct sub_bulk *b)
{
    struct bulkwrap w;
    struct sub_bulk inner;
    int r, e;

    b->seen = b->added = b->bad = 0;
    w.outer = b;
    w.next = b->next;
    w.ctx = b->ctx;
    w.a = (str)STR_INIT;
    inner.next = bulk_next;
    inner.reject = 0;
    inner.ctx = &w;
    inner.seen = inner.added = inner.bad = 0;
    if (db->ops->bulk_add) r = db->ops->bulk_add(db, &inner);
    else if (db->ops == &sub_std_ops) r = sub_std_bulk_add(db, &inner);
    else r = bulk_each(db, &inner);
    e = errno;
    b->added = inner.added;
    str_free(&w.a);
    errno = e;
    return r;
}

int sub_mktab(sub_db *db)
{
    return db->ops->mktab ? db->ops->mktab(db) : 0;
}

int sub_rmtab(sub_db *db)
{
    return db->ops->rmtab ? db->ops->rmtab(db) : 0;
}

/* ---- Log -------------------------------------------------------------------- */

int sub_log_std(const char *subdir, time_t now, const char *event, const char *addr, size_t len,
                const char *comment, size_t clen)
{
    str line = STR_INIT, path = STR_INIT;
    size_t i;
    int fd, r = -1, e;

    if (!now) now = time(0);
    if (str_catulong(&line, (unsigned long)now) == -1 || str_catc(&line, ' ') == -1 ||
        str_cats(&line, event) == -1 || str_catc(&line, ' ') == -1)
        goto out;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (str_catc(&line, (c < 33 || c > 126) ? '?' : (char)c) == -1) goto out;
    }
    if (comment && clen) {
        if (str_catc(&line, ' ') == -1) goto out;
        for (i = 0; i < clen; i++) {
            unsigned char c = (unsigned char)comment[i];
            if (c == '\t') c = ' ';
            else if (c < 32 || c > 126) c = '?';
            if (str_catc(&line, (char)c) == -1) goto out;
        }
    }
    if (str_catc(&line, '\n') == -1) goto out;
    if (str_copys(&path, subdir) == -1 || str_cats(&path, "/Log") == -1) goto out;
    fd = open(path.s, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd == -1) goto out;
    r = fs_write_all(fd, line.s, line.len);
    e = errno;
    if (close(fd) == -1 && r == 0) r = -1;
    else errno = e;
out:
    e = errno;
    str_free(&line);
    str_free(&path);
    errno = e;
    return r;
}

int sub_log_matches(const char *l, size_t len, const char *search)
{
    size_t sl, i, j;
    if (!search || !*search) return 1;
    sl = strlen(search);
    if (sl > len) return 0;
    for (i = 0; i + sl <= len; i++) {
        for (j = 0; j < sl; j++) {
            char x = ascii_lower(search[j]);
            char y = ascii_lower(l[i + j]);
            if (!((x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '.')) x = '_';
            if (x != '_' && x != y) break;
        }
        if (j == sl) return 1;
    }
    return 0;
}
