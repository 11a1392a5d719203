/* ctl: the qmail home and its control files.  See ctl.h. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef QMAILHOME_DEFAULT
#define QMAILHOME_DEFAULT "/var/qmail"
#endif

#define CTL_CHUNK 8192

struct ctl_slot {
    size_t koff, klen;   /* key bytes in pool */
    size_t voff, vlen;   /* value bytes in pool */
    uint64_t hash;
    int used;
};

/* ---- home and paths ------------------------------------------------------ */

const char *ctl_home(void)
{
    const char *h;
    if (getuid() != geteuid() || getgid() != getegid() || getauxval(AT_SECURE))
        return QMAILHOME_DEFAULT;
    h = getenv("QMAILHOME");
    if (!h || !*h) return QMAILHOME_DEFAULT;
    return h;
}

int ctl_path(str *out, const char *home, const char *name)
{
    if (!name || !*name || strchr(name, '/')) { errno = EINVAL; return -1; }
    if (!home) home = ctl_home();
    if (str_copys(out, home) < 0) return -1;
    if (out->len && out->s[out->len - 1] == '/') str_truncate(out, out->len - 1);
    if (str_cats(out, "/control/") < 0) return -1;
    return str_cats(out, name);
}

/* ---- reading ------------------------------------------------------------- */

/* Opens path for reading: CTL_FOUND with *fdp, CTL_MISSING or CTL_ERR. */
static int ctl_open(const char *path, int *fdp, off_t *size)
{
    struct stat st;
    int fd, fl;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return errno == ENOENT ? CTL_MISSING : CTL_ERR;
    if (fstat(fd, &st) < 0) goto fail;
    if (S_ISDIR(st.st_mode)) { errno = EISDIR; goto fail; }
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) { errno = EINVAL; goto fail; }
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) goto fail;
    *fdp = fd;
    *size = S_ISREG(st.st_mode) ? st.st_size : 0;
    return CTL_FOUND;
fail:
    {
        int e = errno;
        close(fd);
        errno = e;
    }
    return CTL_ERR;
}

/* Reads fd into buf.  firstline: stop after the first '\n'. */
static int ctl_slurp(int fd, str *buf, int firstline)
{
    size_t limit = firstline ? CTL_LINE_MAX : CTL_FILE_MAX;
    str_truncate(buf, 0);
    for (;;) {
        ssize_t r;
        if (str_readyplus(buf, CTL_CHUNK) < 0) return -1;
        r = read(fd, buf->s + buf->len, CTL_CHUNK);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) break;
        if (firstline && memchr(buf->s + buf->len, '\n', (size_t)r)) {
            buf->len += (size_t)r;
            break;
        }
        buf->len += (size_t)r;
        if (buf->len > limit) { errno = firstline ? E2BIG : EFBIG; return -1; }
    }
    buf->s[buf->len] = 0;
    return 0;
}

/* Reads the file at path into buf. */
static int ctl_load(const char *path, str *buf, int firstline)
{
    int fd, r, e;
    off_t size;

    r = ctl_open(path, &fd, &size);
    if (r != CTL_FOUND) return r;
    if (!firstline && size > (off_t)CTL_FILE_MAX) {
        close(fd);
        errno = EFBIG;
        return CTL_ERR;
    }
    r = ctl_slurp(fd, buf, firstline);
    e = errno;
    close(fd);
    if (r < 0) { errno = e; return CTL_ERR; }
    return CTL_FOUND;
}

static int ctl_isspace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

typedef int (*ctl_linefn)(void *ctx, const char *s, size_t len);

/* Splits buf into lines, checks and strips each, calls fn for the ones kept.
   comments: skip blank lines and '#' lines.  first: only the first line. */
static int ctl_lines(const str *buf, int comments, int first, ctl_linefn fn, void *ctx)
{
    size_t pos = 0;
    while (pos < buf->len) {
        const char *s = buf->s + pos;
        const char *nl = memchr(s, '\n', buf->len - pos);
        size_t len = nl ? (size_t)(nl - s) : buf->len - pos;
        pos += len + (nl ? 1 : 0);
        if (len > CTL_LINE_MAX) { errno = E2BIG; return -1; }
        if (memchr(s, 0, len)) { errno = EINVAL; return -1; }
        while (len && ctl_isspace(s[len - 1])) len--;
        if (comments && (len == 0 || s[0] == '#')) { if (first) break; continue; }
        if (fn(ctx, s, len) < 0) return -1;
        if (first) break;
    }
    return 0;
}

static int ctl_copyline(void *ctx, const char *s, size_t len)
{
    return str_copyb((str *)ctx, s, len);
}

int ctl_readline_path(const char *path, str *out)
{
    str buf = STR_INIT;
    int r = ctl_load(path, &buf, 1);
    if (str_copys(out, "") < 0) r = CTL_ERR;
    else if (r == CTL_FOUND && ctl_lines(&buf, 0, 1, ctl_copyline, out) < 0) r = CTL_ERR;
    str_free(&buf);
    return r;
}

int ctl_readline(const char *home, const char *name, str *out)
{
    str path = STR_INIT;
    int r = CTL_ERR;
    if (ctl_path(&path, home, name) == 0) r = ctl_readline_path(path.s, out);
    str_free(&path);
    return r;
}

int ctl_readline_def(const char *home, const char *name, const char *def, str *out)
{
    int r = ctl_readline(home, name, out);
    if (r == CTL_MISSING && str_copys(out, def ? def : "") < 0) return CTL_ERR;
    return r;
}

int ctl_readline_me(const char *home, const char *name, const char *def, str *out)
{
    int r = ctl_readline(home, name, out);
    if (r != CTL_MISSING) return r;
    r = ctl_readline_def(home, "me", def, out);
    return r == CTL_ERR ? CTL_ERR : CTL_MISSING;
}

int ctl_readulong_path(const char *path, unsigned long def, unsigned long *out)
{
    str line = STR_INIT;
    unsigned long u = def;
    int r = ctl_readline_path(path, &line);
    if (r == CTL_FOUND) {
        if (line.len && line.s[0] >= '0' && line.s[0] <= '9') {
            if (scan_ulong(line.s, line.len, &u) == 0) { errno = ERANGE; r = CTL_ERR; }
        } else {
            r = CTL_MISSING;
        }
    }
    str_free(&line);
    if (r == CTL_ERR) return r;
    *out = u;
    return r;
}

int ctl_readulong(const char *home, const char *name, unsigned long def, unsigned long *out)
{
    str path = STR_INIT;
    int r = CTL_ERR;
    if (ctl_path(&path, home, name) == 0) r = ctl_readulong_path(path.s, def, out);
    str_free(&path);
    return r;
}

/* ---- lists ---------------------------------------------------------------- */

struct ctl_listctx { str *buf; size_t n; };

static int ctl_listline(void *ctx, const char *s, size_t len)
{
    struct ctl_listctx *c = ctx;
    if (str_catb(c->buf, s, len) < 0 || str_catc(c->buf, 0) < 0) return -1;
    c->n++;
    return 0;
}

void ctl_list_free(ctl_list *l)
{
    str_free(&l->buf);
    free(l->item);
    free(l->itemlen);
    l->item = 0;
    l->itemlen = 0;
    l->n = 0;
}

int ctl_readlist_path(const char *path, ctl_list *out)
{
    ctl_list nl = CTL_LIST_INIT;
    str raw = STR_INIT;
    struct ctl_listctx c;
    size_t bytes, pos, i;
    int r;

    r = ctl_load(path, &raw, 0);
    if (r == CTL_ERR) goto done;
    if (r == CTL_FOUND) {
        c.buf = &nl.buf;
        c.n = 0;
        if (ctl_lines(&raw, 1, 0, ctl_listline, &c) < 0) { r = CTL_ERR; goto done; }
        nl.n = c.n;
    }
    if (size_mul(nl.n ? nl.n : 1, sizeof *nl.item, &bytes) < 0) { r = CTL_ERR; goto done; }
    nl.item = malloc(bytes);
    if (size_mul(nl.n ? nl.n : 1, sizeof *nl.itemlen, &bytes) < 0) { r = CTL_ERR; goto done; }
    nl.itemlen = malloc(bytes);
    if (!nl.item || !nl.itemlen) { errno = ENOMEM; r = CTL_ERR; goto done; }
    for (i = 0, pos = 0; i < nl.n; i++) {
        size_t len = strlen(nl.buf.s + pos);
        nl.item[i] = nl.buf.s + pos;
        nl.itemlen[i] = len;
        pos += len + 1;
    }
    ctl_list_free(out);
    *out = nl;
    nl = (ctl_list)CTL_LIST_INIT;
done:
    {
        int e = errno;
        ctl_list_free(&nl);
        str_free(&raw);
        errno = e;
    }
    return r;
}

int ctl_readlist(const char *home, const char *name, ctl_list *out)
{
    str path = STR_INIT;
    int r = CTL_ERR;
    if (ctl_path(&path, home, name) == 0) r = ctl_readlist_path(path.s, out);
    str_free(&path);
    return r;
}

/* ---- hash tables ------------------------------------------------------------ */

static uint64_t ctl_hash(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL;   /* FNV-1a over lower-cased bytes */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)ascii_lower(s[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

/* Index of key's slot, or of the free slot where it would go.  cap > 0. */
static size_t ctl_probe(const ctl_map *m, const char *key, size_t klen, uint64_t h, int *found)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    for (;;) {
        const struct ctl_slot *sl = &m->slot[i];
        if (!sl->used) { *found = 0; return i; }
        if (sl->hash == h && sl->klen == klen && case_equalb(m->pool.s + sl->koff, key, klen)) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static int ctl_grow(ctl_map *m)
{
    size_t need, newcap, bytes, i;
    struct ctl_slot *ns, *old = m->slot;
    size_t oldcap = m->cap;

    if (size_add(m->n, 1, &need) < 0 || size_mul(need, 2, &need) < 0) return -1;
    if (need <= m->cap) return 0;                 /* load factor stays <= 1/2 */
    newcap = m->cap ? m->cap : 16;
    while (newcap < need)
        if (size_mul(newcap, 2, &newcap) < 0) return -1;
    if (size_mul(newcap, sizeof *ns, &bytes) < 0) return -1;
    ns = calloc(newcap, sizeof *ns);
    if (!ns) { errno = ENOMEM; return -1; }
    m->slot = ns;
    m->cap = newcap;
    for (i = 0; i < oldcap; i++) {
        int found;
        size_t j;
        if (!old[i].used) continue;
        j = ctl_probe(m, m->pool.s + old[i].koff, old[i].klen, old[i].hash, &found);
        ns[j] = old[i];
    }
    free(old);
    return 0;
}

/* Does b[0..n) lie inside the pool's buffer?  Sets *off. */
static int ctl_inpool(const ctl_map *m, const char *b, size_t *off)
{
    if (!m->pool.s || !b) return 0;
    if ((uintptr_t)b < (uintptr_t)m->pool.s || (uintptr_t)b >= (uintptr_t)(m->pool.s + m->pool.cap))
        return 0;
    *off = (size_t)(b - m->pool.s);
    return 1;
}

/* Inserts key; hasval: set or replace the value, else keep an existing entry. */
static int ctl_put(ctl_map *m, const char *key, size_t klen, const char *val, size_t vlen, int hasval)
{
    uint64_t h = ctl_hash(key, klen);
    size_t idx, need, koff = 0, voff = 0;
    int found, kin, vin;
    struct ctl_slot *sl;

    if (ctl_grow(m) < 0) return -1;
    idx = ctl_probe(m, key, klen, h, &found);
    if (found && !hasval) return 0;
    /* make room first; key and val may point into the pool itself */
    kin = ctl_inpool(m, key, &koff);
    vin = hasval && ctl_inpool(m, val, &voff);
    if (size_add(klen, vlen, &need) < 0 || size_add(need, 2, &need) < 0) return -1;
    if (str_readyplus(&m->pool, need) < 0) return -1;
    if (kin) key = m->pool.s + koff;
    if (vin) val = m->pool.s + voff;
    sl = &m->slot[idx];
    if (!found) {
        sl->koff = m->pool.len;
        sl->klen = klen;
        sl->hash = h;
        if (str_catb(&m->pool, key, klen) < 0 || str_catc(&m->pool, 0) < 0) return -1;
        sl->voff = m->pool.len - 1;    /* the empty value: the key's NUL */
        sl->vlen = 0;
        sl->used = 1;
        m->n++;
    }
    if (hasval) {
        size_t off = m->pool.len;
        if (str_catb(&m->pool, val, vlen) < 0 || str_catc(&m->pool, 0) < 0) return -1;
        sl->voff = off;
        sl->vlen = vlen;
    }
    return 0;
}

int ctl_map_put(ctl_map *m, const char *key, size_t klen, const char *val, size_t vlen)
{
    return ctl_put(m, key, klen, val, vlen, 1);
}

int ctl_map_find(const ctl_map *m, const char *key, size_t klen, const char **val, size_t *vlen)
{
    int found;
    size_t i;
    if (!m->cap) return 0;
    i = ctl_probe(m, key, klen, ctl_hash(key, klen), &found);
    if (!found) return 0;
    if (val) *val = m->pool.s + m->slot[i].voff;
    if (vlen) *vlen = m->slot[i].vlen;
    return 1;
}

void ctl_map_free(ctl_map *m)
{
    str_free(&m->pool);
    free(m->slot);
    m->slot = 0;
    m->cap = m->n = 0;
}

static int ctl_mapline(void *ctx, const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);
    size_t klen;
    if (!colon) return 0;              /* junk line: ignored, as qmail does */
    klen = (size_t)(colon - s);
    return ctl_put(ctx, s, klen, colon + 1, len - klen - 1, 1);
}

static int ctl_setline(void *ctx, const char *s, size_t len)
{
    return ctl_put(ctx, s, len, 0, 0, 0);
}

/* Reads a file into a fresh map; swaps it into m unless an error occurs. */
static int ctl_readtable(const char *path, ctl_map *m, ctl_linefn fn)
{
    ctl_map nm = CTL_MAP_INIT;
    str raw = STR_INIT;
    int r = ctl_load(path, &raw, 0);
    if (r == CTL_FOUND && ctl_lines(&raw, 1, 0, fn, &nm) < 0) r = CTL_ERR;
    if (r != CTL_ERR) {
        ctl_map_free(m);
        *m = nm;
        nm = (ctl_map)CTL_MAP_INIT;
    }
    {
        int e = errno;
        ctl_map_free(&nm);
        str_free(&raw);
        errno = e;
    }
    return r;
}

int ctl_readmap_path(const char *path, ctl_map *m)
{
    return ctl_readtable(path, m, ctl_mapline);
}

int ctl_readmap(const char *home, const char *name, ctl_map *m)
{
    str path = STR_INIT;
    int r = CTL_ERR;
    if (ctl_path(&path, home, name) == 0) r = ctl_readmap_path(path.s, m);
    str_free(&path);
    return r;
}

/* ---- sets ------------------------------------------------------------------ */

int ctl_set_add(ctl_set *s, const char *e, size_t len) { return ctl_put(&s->m, e, len, 0, 0, 0); }

int ctl_set_has(const ctl_set *s, const char *e, size_t len)
{
    return ctl_map_find(&s->m, e, len, 0, 0);
}

int ctl_set_has_domain(const ctl_set *s, const char *domain, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((i == 0 || domain[i] == '.') && ctl_set_has(s, domain + i, len - i)) return 1;
    return 0;
}

size_t ctl_set_count(const ctl_set *s) { return s->m.n; }

void ctl_set_free(ctl_set *s) { ctl_map_free(&s->m); }

int ctl_readset_path(const char *path, ctl_set *s)
{
    return ctl_readtable(path, &s->m, ctl_setline);
}

int ctl_readset(const char *home, const char *name, ctl_set *s)
{
    str path = STR_INIT;
    int r = CTL_ERR;
    if (ctl_path(&path, home, name) == 0) r = ctl_readset_path(path.s, s);
    str_free(&path);
    return r;
}

int ctl_sandbox(void)
{
    return strcmp(ctl_home(), QMAILHOME_DEFAULT) != 0;
}
