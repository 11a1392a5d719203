/* arstate: the autoresponders' rate-limit directory.  See arstate.h. */
#include "arstate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cookie.h"
#include "fs.h"
#include "lock.h"
#include "log.h"

static int wait_lock(int fd, int timeout_seconds)
{
    struct timespec start, now, pause = { 0, 50 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (lock_exnb(fd) == 0) return 0;
        if (errno != EWOULDBLOCK && errno != EAGAIN && errno != EINTR) return -1;
        if (timeout_seconds == 0) break;
        if (timeout_seconds > 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - start.tv_sec >= timeout_seconds) break;
        }
        nanosleep(&pause, NULL);
    }
    errno = ETIMEDOUT;
    return -1;
}

int arstate_open(arstate *st, const char *dir, int create, int timeout_seconds)
{
    int e;
    st->dirfd = st->lockfd = -1;
    st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dirfd < 0 && errno == ENOENT && create) {
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) return -1;
        if (fs_fsync_parent(dir) < 0) return -1;
        st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (st->dirfd < 0) return -1;
    st->lockfd = openat(st->dirfd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (st->lockfd < 0 || wait_lock(st->lockfd, timeout_seconds) < 0) {
        e = errno;
        arstate_close(st);
        errno = e;
        return -1;
    }
    return 0;
}

void arstate_close(arstate *st)
{
    if (st->lockfd >= 0) close(st->lockfd);
    if (st->dirfd >= 0) close(st->dirfd);
    st->lockfd = st->dirfd = -1;
}

static int dirsync(arstate *st)
{
    if (fsync(st->dirfd) < 0 && errno != EINVAL) return -1;
    return 0;
}

int arstate_key(str *out, const char *sender)
{
    size_t n = strlen(sender), mark = out->len;
    if (n <= ARSTATE_KEY_MAX) {
        if (str_readyplus(out, n) < 0) return -1;
        for (size_t i = 0; i < n; ++i) out->s[out->len + i] = sender[i] == '/' ? ':' : sender[i];
        out->len += n;
        out->s[out->len] = 0;
        return 0;
    }
    str low = STR_INIT;
    unsigned char mac[COOKIE_HMACLEN];
    static const char hex[] = "0123456789abcdef";
    if (str_copyb(&low, sender, n) < 0) return -1;
    str_lower(&low);
    if (cookie_hmac(mac, "", 0, low.s, low.len) < 0) { str_free(&low); return -1; }
    str_free(&low);
    if (str_cats(out, "sha256=") < 0) return -1;
    for (size_t i = 0; i < sizeof mac; ++i) {
        if (str_catc(out, hex[mac[i] >> 4]) < 0 || str_catc(out, hex[mac[i] & 15]) < 0) {
            str_truncate(out, mark);
            return -1;
        }
    }
    return 0;
}

int arstate_parse(const char *name, size_t len, unsigned long *t, unsigned long *pid,
                  const char **key, size_t *keylen)
{
    size_t i, j;
    if (!len || name[0] == '.') return 0;
    i = scan_ulong(name, len, t);
    if (!i || i >= len || name[i] != '.') return 0;
    j = scan_ulong(name + i + 1, len - i - 1, pid);
    if (!j) return 0;
    i += 1 + j;
    if (i >= len || name[i] != '.' || i + 1 >= len) return 0;
    *key = name + i + 1;
    *keylen = len - i - 1;
    return 1;
}

typedef struct ent {
    unsigned long t;
    char *name;
    int match;
} ent;

/* The key part of an entry's name (the name itself if it has none). */
static const char *ent_key(const ent *e)
{
    unsigned long t, pid;
    const char *k;
    size_t klen;
    return arstate_parse(e->name, strlen(e->name), &t, &pid, &k, &klen) ? k : e->name;
}

/* By time, then by key as documented, then by name: the pid in the name
 * says nothing about order (pids wrap), so two entries of one second
 * must not be ordered by it. */
static int ent_cmp(const void *a, const void *b)
{
    const ent *x = a, *y = b;
    int c;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    c = strcmp(ent_key(x), ent_key(y));
    return c ? c : strcmp(x->name, y->name);
}

static void ents_free(ent *v, size_t n)
{
    for (size_t i = 0; i < n; ++i) free(v[i].name);
    free(v);
}

/* Reads the entries of the directory into *v.  For each, match says
 * whether its key equals key (if key is non-NULL). */
static int read_entries(arstate *st, const str *key, ent **vp, size_t *np)
{
    int fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;
    struct dirent *de;
    ent *v = NULL;
    size_t n = 0, cap = 0;
    int e;

    if (fd < 0) return -1;
    if (!(d = fdopendir(fd))) { e = errno; close(fd); errno = e; return -1; }
    for (;;) {
        unsigned long t, pid;
        const char *k;
        size_t klen, nlen;
        errno = 0;
        if (!(de = readdir(d))) {
            if (errno) goto fail;
            break;
        }
        nlen = strlen(de->d_name);
        if (!arstate_parse(de->d_name, nlen, &t, &pid, &k, &klen)) continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            ent *nv;
            if (ncap > SIZE_MAX / sizeof *v) { errno = ENOMEM; goto fail; }
            if (!(nv = realloc(v, ncap * sizeof *v))) goto fail;
            v = nv;
            cap = ncap;
        }
        if (!(v[n].name = strdup(de->d_name))) goto fail;
        v[n].t = t;
        v[n].match = key && klen == key->len && case_equalb(k, key->s, klen);
        n++;
    }
    closedir(d);
    *vp = v;
    *np = n;
    return 0;
fail:
    e = errno ? errno : EIO;
    closedir(d);
    ents_free(v, n);
    errno = e;
    return -1;
}

static int expired(unsigned long t, time_t now, unsigned long interval)
{
    if (interval == ARSTATE_FOREVER || now < 0) return 0;
    if ((unsigned long)now < t) return 0;              /* from the future: keep */
    return (unsigned long)now - t >= interval;
}

int arstate_scan(arstate *st, const char *sender, time_t now, unsigned long interval,
                 unsigned long maxentries, int nodelete, arstate_counts *c)
{
    str key = STR_INIT;
    ent *v = NULL;
    size_t n = 0, live = 0, removed = 0, drop = 0;
    int e;

    memset(c, 0, sizeof *c);
    if (sender && arstate_key(&key, sender) < 0) return -1;
    if (read_entries(st, sender ? &key : NULL, &v, &n) < 0) goto fail;
    if (n) qsort(v, n, sizeof *v, ent_cmp);
    /* expiry (gone entries get match = -1) */
    for (size_t i = 0; i < n; ++i) {
        if (!expired(v[i].t, now, interval)) { live++; continue; }
        if (nodelete) { v[i].match = -1; continue; }
        if (unlinkat(st->dirfd, v[i].name, 0) < 0 && errno != ENOENT) goto fail;
        v[i].match = -1;
        c->expired++;
        removed++;
    }
    /* the cap: the oldest live entries go first */
    if (maxentries > 0 && !nodelete && live >= maxentries) drop = live - (size_t)(maxentries - 1);
    for (size_t i = 0; i < n; ++i) {
        if (v[i].match < 0) continue;
        if (drop) {
            if (unlinkat(st->dirfd, v[i].name, 0) < 0 && errno != ENOENT) goto fail;
            drop--;
            c->evicted++;
            removed++;
            continue;
        }
        c->entries++;
        if (v[i].match) c->matches++;
    }
    if (removed && dirsync(st) < 0) goto fail;
    ents_free(v, n);
    str_free(&key);
    return 0;
fail:
    e = errno;
    ents_free(v, n);
    str_free(&key);
    errno = e;
    return -1;
}

int arstate_record(arstate *st, const char *sender, time_t now, unsigned long pid, str *name)
{
    int fd, e;
    name->len = 0;
    if (str_catulong(name, (unsigned long)now) < 0 || str_catc(name, '.') < 0 ||
        str_catulong(name, pid) < 0 || str_catc(name, '.') < 0 || arstate_key(name, sender) < 0)
        return -1;
    fd = openat(st->dirfd, name->s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0) return -1;
    if (close(fd) < 0 || dirsync(st) < 0) {
        e = errno;
        unlinkat(st->dirfd, name->s, 0);
        errno = e;
        return -1;
    }
    return 0;
}

int arstate_forget(arstate *st, const char *name)
{
    if (unlinkat(st->dirfd, name, 0) < 0 && errno != ENOENT) return -1;
    return dirsync(st);
}

int arstate_log(arstate *st, time_t now, int sent, const char *sender)
{
    str line = STR_INIT;
    int fd, r = 0, e;
    fd = openat(st->dirfd, "log.txt", O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    if (str_catulong(&line, (unsigned long)now) < 0 || str_cats(&line, sent ? " +" : " -") < 0 ||
        log_safe_cat(&line, sender, strlen(sender)) < 0 || str_catc(&line, '\n') < 0 ||
        fs_write_all(fd, line.s, line.len) < 0)
        r = -1;
    e = errno;
    close(fd);
    str_free(&line);
    errno = e;
    return r;
}

int arstate_clear(arstate *st)
{
    ent *v = NULL;
    size_t n = 0;
    int e;
    if (read_entries(st, NULL, &v, &n) < 0) return -1;
    for (size_t i = 0; i < n; ++i)
        if (unlinkat(st->dirfd, v[i].name, 0) < 0 && errno != ENOENT) goto fail;
    ents_free(v, n);
    return dirsync(st);
fail:
    e = errno;
    ents_free(v, n);
    errno = e;
    return -1;
}

int arstate_list(arstate *st, arstate_entry **out, size_t *nout)
{
    ent *v = NULL;
    size_t n = 0;
    arstate_entry *r;
    if (read_entries(st, NULL, &v, &n) < 0) return -1;
    if (n) qsort(v, n, sizeof *v, ent_cmp);
    r = calloc(n ? n : 1, sizeof *r);
    if (!r) { ents_free(v, n); return -1; }
    for (size_t i = 0; i < n; ++i) {
        unsigned long t, pid;
        const char *k;
        size_t klen;
        arstate_parse(v[i].name, strlen(v[i].name), &t, &pid, &k, &klen);
        r[i].t = t;
        if (str_copyb(&r[i].key, k, klen) < 0) {
            arstate_entries_free(r, n);
            ents_free(v, n);
            errno = ENOMEM;
            return -1;
        }
    }
    ents_free(v, n);
    *out = r;
    *nout = n;
    return 0;
}

void arstate_entries_free(arstate_entry *v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; ++i) str_free(&v[i].key);
    free(v);
}
