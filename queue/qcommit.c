/* qcommit: the commit record of a one-flush injection (see qcommit.h). */
#include "qcommit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MIX 0x9e3779b97f4a7c15ULL

static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * MIX;
    return h ^ (h >> 31);
}

void qhash_init(qhash *q)
{
    q->h = 0x51c0ffeeULL;
    q->len = q->word = 0;
    q->fill = 0;
}

void qhash_add(qhash *q, const void *data, size_t n)
{
    const unsigned char *p = data;
    q->len += n;
    while (n > 0 && q->fill != 0) { /* finish a started word */
        q->word |= (uint64_t)*p++ << (8 * q->fill);
        n--;
        if (++q->fill == 8) { q->h = mix(q->h, q->word); q->word = 0; q->fill = 0; }
    }
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w = 0;
        for (int i = 7; i >= 0; i--) w = (w << 8) | p[i];
        q->h = mix(q->h, w);
    }
    while (n-- > 0) q->word |= (uint64_t)*p++ << (8 * q->fill++);
}

uint64_t qhash_end(qhash *q)
{
    uint64_t h = q->h;
    if (q->fill) h = mix(h, q->word);
    h = mix(h, q->len);
    return mix(h, MIX);
}

uint64_t qhash_mem(const void *data, size_t n)
{
    qhash q;
    qhash_init(&q);
    qhash_add(&q, data, n);
    return qhash_end(&q);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int qcommit_boot(uint64_t *boot)
{
    char buf[64];
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    ssize_t r;
    int digits = 0;
    if (fd < 0) return -1;
    r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) return -1;
    *boot = 0;
    for (ssize_t i = 0; i < r && digits < 16; i++) {
        int v = hexval(buf[i]);
        if (buf[i] == '-') continue;
        if (v < 0) return -1;
        *boot = (*boot << 4) | (uint64_t)v;
        digits++;
    }
    return digits == 16 ? 0 : -1;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

int qcommit_set(int fd, const struct qcommit *c)
{
    unsigned char v[QCOMMIT_LEN];
    memcpy(v, "QC1", 4);
    put64(v + 4, c->id);
    put64(v + 12, c->boot);
    put64(v + 20, c->size);
    put64(v + 28, c->hmess);
    put64(v + 36, c->henv);
    return fsetxattr(fd, QCOMMIT_XATTR, v, sizeof v, 0);
}

int qcommit_get(int fd, struct qcommit *c)
{
    unsigned char v[QCOMMIT_LEN + 1];
    ssize_t r = fgetxattr(fd, QCOMMIT_XATTR, v, sizeof v);
    if (r < 0) {
        if (errno == ENODATA || errno == EOPNOTSUPP || errno == ERANGE) return 0;
        return -1;
    }
    if (r != QCOMMIT_LEN || memcmp(v, "QC1", 4) != 0) return 0;
    c->id = get64(v + 4);
    c->boot = get64(v + 12);
    c->size = get64(v + 20);
    c->hmess = get64(v + 28);
    c->henv = get64(v + 36);
    return 1;
}

int qcommit_hash_fd(int fd, uint64_t *hash, uint64_t *size)
{
    char buf[65536];
    qhash q;
    off_t at = 0;
    qhash_init(&q);
    for (;;) {
        ssize_t r = pread(fd, buf, sizeof buf, at);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) break;
        qhash_add(&q, buf, (size_t)r);
        at += r;
    }
    *hash = qhash_end(&q);
    *size = (uint64_t)at;
    return 0;
}

int qcommit_torn(int envfd, uint64_t id, const char *messpath, const uint64_t *boot)
{
    struct qcommit rec;
    uint64_t hash, size;
    int r = qcommit_get(envfd, &rec), mfd;
    if (r <= 0) return r;
    if (rec.id != id) return 1;
    if (boot && rec.boot == *boot) return 0;
    if (qcommit_hash_fd(envfd, &hash, &size) < 0) return -1;
    if (hash != rec.henv) return 1;
    mfd = open(messpath, O_RDONLY | O_CLOEXEC);
    if (mfd < 0) return -1;
    r = qcommit_hash_fd(mfd, &hash, &size);
    close(mfd);
    if (r < 0) return -1;
    return hash != rec.hmess || size != rec.size;
}
