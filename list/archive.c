/* archive: the message archive and its index.  See archive.h. */
#include "archive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ezmlm-send.h"
#include "fs.h"
#include "msgin.h"

#define INDEX_MAX (64u * 1024 * 1024)

size_t archive_scan_num(const char *s, size_t len, unsigned long *u)
{
    size_t i = 0;
    unsigned long v = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        unsigned d = (unsigned)(s[i] - '0');
        v = v > (ULONG_MAX - d) / 10 ? ULONG_MAX : v * 10 + d;
        i++;
    }
    *u = v;
    return i;
}

int archive_state(const listdir *ld, const char *name, unsigned long v[3], str *old)
{
    str p = STR_INIT, own = STR_INIT, *d = old ? old : &own;
    size_t pos = 0;
    int i, r = 1;
    v[0] = v[1] = v[2] = 0;
    d->len = 0;
    if (listdir_path(ld, name, &p) < 0) return -1;
    if (fs_read_file(p.s, d, 4096) < 0) {
        r = errno == ENOENT ? 0 : -1;
        d->len = 0;
    }
    for (i = 0; r > 0 && i < 3 && pos < d->len; i++) {
        pos += archive_scan_num(d->s + pos, d->len - pos, &v[i]);
        if (pos >= d->len || d->s[pos] != ':') break;
        pos++;
    }
    str_free(&p);
    str_free(&own);
    return r;
}

int archive_path(const listdir *ld, unsigned long n, str *out)
{
    if (str_copy(out, &ld->dir) < 0) return -1;
    return str_catf(out, "/archive/%lu/%02lu", n / 100, n % 100);
}

int archive_create(const listdir *ld, unsigned long n, str *path)
{
    int fd, e;
    if (str_copy(path, &ld->dir) < 0 || str_cats(path, "/archive") < 0) return -1;
    if (mkdir(path->s, 0755) < 0 && errno != EEXIST) return -1;
    if (str_catf(path, "/%lu", n / 100) < 0) return -1;
    if (mkdir(path->s, 0755) < 0 && errno != EEXIST) return -1;
    if (str_catf(path, "/%02lu", n % 100) < 0) return -1;
    fd = fs_open_nofollow(path->s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0 && fchmod(fd, 0644) < 0) {
        e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int archive_open(const listdir *ld, unsigned long n)
{
    str p = STR_INIT;
    struct stat st;
    int fd = -1, e;
    if (archive_path(ld, n, &p) < 0) return -1;
    fd = fs_open_nofollow(p.s, O_RDONLY | O_CLOEXEC, 0);
    e = errno;
    str_free(&p);
    if (fd < 0) {
        errno = e;
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR)) {
        close(fd);
        errno = ENOENT;
        return -1;
    }
    return fd;
}

int archive_index_load(const listdir *ld, unsigned long sec, archive_index *ix)
{
    str p = STR_INIT;
    int r = -1;
    if (ix->loaded && ix->section == sec) return ix->present;
    ix->loaded = 0;
    ix->data.len = 0;
    if (str_copy(&p, &ld->dir) < 0 || str_catf(&p, "/archive/%lu/index", sec) < 0) goto done;
    if (fs_read_file(p.s, &ix->data, INDEX_MAX) < 0) {
        if (errno != ENOENT && errno != ENOTDIR) goto done;
        ix->data.len = 0;
        ix->present = 0;
    } else {
        ix->present = 1;
    }
    ix->section = sec;
    ix->loaded = 1;
    r = ix->present;
done:
    str_free(&p);
    return r;
}

/* the line at *pos: start and length (without '\n'); *pos moves on */
static const char *line_at(const str *d, size_t *pos, size_t *len)
{
    const char *s = d->s + *pos, *nl = memchr(s, '\n', d->len - *pos);
    *len = nl ? (size_t)(nl - s) : d->len - *pos;
    *pos += *len + (nl ? 1 : 0);
    return s;
}

static int is_hash(const char *s, size_t len)
{
    size_t i;
    if (len < SURF_HASHLEN) return 0;
    for (i = 0; i < SURF_HASHLEN; i++)
        if (s[i] < 'a' || s[i] > 'z') return 0;
    return len == SURF_HASHLEN || s[SURF_HASHLEN] == ' ';
}

int archive_index_next(const archive_index *ix, size_t *pos, archive_entry *e)
{
    while (*pos < ix->data.len) {
        size_t len, d, i;
        const char *s = line_at(&ix->data, pos, &len);
        unsigned long n;
        if (!len || s[0] == '\t') continue;
        d = archive_scan_num(s, len, &n);
        if (!d || n == ULONG_MAX) continue;
        i = d;
        if (i < len && s[i] == ':') i++;
        if (i >= len || s[i] != ' ' || !is_hash(s + i + 1, len - i - 1)) continue;
        i++;
        e->n = n;
        memcpy(e->hash, s + i, SURF_HASHLEN);
        e->hash[SURF_HASHLEN] = 0;
        i += SURF_HASHLEN;
        if (i < len) i++;
        if (str_copyb(&e->subject, s + i, len - i) < 0) return -1;
        e->date.len = 0;
        e->author.len = 0;
        e->authhash[0] = 0;
        if (*pos < ix->data.len && ix->data.s[*pos] == '\t') {
            const char *semi;
            s = line_at(&ix->data, pos, &len);
            s++, len--;
            semi = memchr(s, ';', len);
            if (semi) {
                size_t dl = (size_t)(semi - s), rest = len - dl - 1;
                const char *a = semi + 1;
                if (str_copyb(&e->date, s, dl) < 0) return -1;
                if (is_hash(a, rest)) {
                    memcpy(e->authhash, a, SURF_HASHLEN);
                    e->authhash[SURF_HASHLEN] = 0;
                    a += SURF_HASHLEN;
                    rest -= SURF_HASHLEN;
                    if (rest) a++, rest--;
                }
                if (str_copyb(&e->author, a, rest) < 0) return -1;
            }
        }
        return 1;
    }
    return 0;
}

/* the entry from the message itself (lists without an index) */
static int entry_from_message(const listdir *ld, unsigned long n, archive_entry *e)
{
    msgin m = MSGIN_INIT;
    str subj = STR_INIT, from = STR_INIT, date = STR_INIT;
    int fd = archive_open(ld, n), flags, r = -1;
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    if (msgin_open(&m, fd, 0) < 0) {
        if (errno != EFBIG) goto done;
    }
    if (msgin_field(&m, "Subject", &subj) < 0 || msgin_field(&m, "From", &from) < 0 ||
        msgin_field(&m, "Date", &date) < 0)
        goto done;
    flags = send_subject_clean(&e->subject, subj.s ? subj.s : "", subj.len, NULL);
    if (flags < 0) goto done;
    surf_makehash(e->hash, e->subject.s ? e->subject.s : "", e->subject.len);
    if (flags & SEND_REPLY) {
        str t = STR_INIT;
        if (str_copys(&t, "Re: ") < 0 || str_cat(&t, &e->subject) < 0 || str_copy(&e->subject, &t) < 0) {
            str_free(&t);
            goto done;
        }
        str_free(&t);
    }
    if (send_author_name(&e->author, from.s ? from.s : "", from.len) < 0) goto done;
    if (str_copy(&e->date, &date) < 0) goto done;
    e->n = n;
    r = 1;
done:
    msgin_free(&m);
    close(fd);
    str_free(&subj);
    str_free(&from);
    str_free(&date);
    return r;
}

int archive_entry_get(const listdir *ld, unsigned long n, archive_index *ix, archive_entry *e)
{
    int k = archive_index_load(ld, n / 100, ix);
    if (k < 0) return -1;
    if (k > 0) {
        size_t pos = 0;
        while ((k = archive_index_next(ix, &pos, e)) > 0)
            if (e->n == n) return 1;
        if (k < 0) return -1;
    }
    return entry_from_message(ld, n, e);
}

void archive_entry_free(archive_entry *e)
{
    str_free(&e->subject);
    str_free(&e->date);
    str_free(&e->author);
}

void archive_index_free(archive_index *ix)
{
    str_free(&ix->data);
    ix->loaded = 0;
}

int archive_date_parse(const char *s, size_t len, archive_date *d)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    size_t i = 0, n, k;
    memset(d, 0, sizeof *d);
    while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i < len && !(s[i] >= '0' && s[i] <= '9')) {  /* a weekday */
        const char *c = memchr(s + i, ',', len - i);
        if (!c || c - (s + i) > 16) return 0;
        i = (size_t)(c - s) + 1;
    }
    while (i < len && s[i] == ' ') i++;
    if (!(n = archive_scan_num(s + i, len - i, &d->day)) || n > 2 || d->day < 1 || d->day > 31) return 0;
    i += n;
    while (i < len && (s[i] == ' ' || s[i] == '-')) i++;
    if (len - i < 3) return 0;
    for (k = 0; k < 12 && !d->mon; k++)
        if (case_equalb(s + i, months + 3 * k, 3)) d->mon = k + 1;
    if (!d->mon) return 0;
    i += 3;
    while (i < len && (s[i] == ' ' || s[i] == '-')) i++;
    if (!(n = archive_scan_num(s + i, len - i, &d->year)) || n > 4) return 0;
    if (n <= 2) d->year += d->year >= 70 ? 1900 : 2000;
    else if (n == 3) d->year += 1900;
    i += n;
    while (i < len && s[i] == ' ') i++;
    if (!(n = archive_scan_num(s + i, len - i, &d->hh))) return 1;  /* no time */
    if (n > 2 || d->hh > 23 || i + n >= len || s[i + n] != ':') return 0;
    i += n + 1;
    if (!(n = archive_scan_num(s + i, len - i, &d->mm)) || n > 2 || d->mm > 59) return 0;
    i += n;
    if (i < len && s[i] == ':') {
        i++;
        if (!(n = archive_scan_num(s + i, len - i, &d->ss)) || n > 2 || d->ss > 60) return 0;
        i += n;
    }
    while (i < len && s[i] == ' ') i++;
    for (k = i; k < len && s[k] != ' ' && s[k] != '\t' && s[k] != '('; k++) ;
    d->zone = s + i;
    d->zonelen = k - i;
    return 1;
}
