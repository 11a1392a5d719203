/*
 * ezmlm-archive: the thread, subject and author indexes of a list's web
 * archive (for ezmlm-cgi), made from the archive's index files.
 *
 *   ezmlm-archive [-cC] [-f msg | -F] [-t msg | -T] [-sS] DIR
 *
 * Messages from the one after DIR/archnum (-F, the default; -c: from the
 * first; -f: from the start of the section holding msg) up to DIR/num (-T;
 * -t: up to msg) are read from DIR/archive/<N/100>/index and filed, under
 * DIR/archive/lock, into
 *
 *   archive/threads/YYYYMM       FIRST:SUBJHASH [COUNT] SUBJECT per thread
 *                                with messages in that month (FIRST and
 *                                COUNT within the month);
 *   archive/subjects/XX/REST     SUBJHASH SUBJECT, then N:YYYYMM:AUTHHASH
 *                                AUTHOR per message (XX the first two
 *                                characters of the hash, REST the others);
 *   archive/authors/XX/REST      AUTHHASH AUTHOR, then N:YYYYMM:SUBJHASH
 *                                SUBJECT per message.
 *
 * Existing files are merged: a message of the range replaces its old line,
 * so a rerun over the same messages changes nothing, and a thread's line
 * is recomputed from its subject file and moved to the end of its month.
 * YYYYMM comes from the index date (else the archive file's time, UTC).
 * Every file is rewritten atomically; with -s each is synced, by default
 * all but those of a -c rebuild.  DIR/archnum then holds the last message
 * filed.  A list that is not archived, indexed and threaded, or has no
 * message yet, is left alone (exit 0).  See ezmlm-archive(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "die.h"
#include "ezmsg.h"
#include "fs.h"
#include "lock.h"

static const char *prog = "ezmlm-archive";
static const char *usage = "ezmlm-archive [-cC] [-f msg | -F] [-t msg | -T] [-sS] dir";
static listdir ld;
static int flagsync;

struct msg {
    unsigned long n, month;          /* month: YYYYMM */
    char sh[SURF_HASHLEN + 1];       /* subject hash */
    char ah[SURF_HASHLEN + 1];       /* author hash */
    str subject;                     /* as in the index ("Re: " kept) */
    str author;
};

/* a line N:... of a subject or author file */
struct line {
    unsigned long n;
    const char *s;
    size_t len;       /* with its '\n' */
};

/* one thread of one month, recomputed from its subject file */
struct thread {
    unsigned long month, first, count;
    char sh[SURF_HASHLEN + 1];
    str subject;
};

static void nomem(void) { die_nomem(prog); }

static void writefile(const char *path, const str *data)
{
    str tmp = STR_INIT;
    int fd;
    if (flagsync) {
        if (fs_write_atomic(path, data->s ? data->s : "", data->len, 0644) < 0)
            die_sys(EXIT_TEMP, prog, "unable to write %s", path);
        return;
    }
    /* we hold archive/lock: a fixed temporary name is ours alone */
    if (str_copys(&tmp, path) < 0 || str_cats(&tmp, ".tmp") < 0) nomem();
    fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || fs_write_all(fd, data->s ? data->s : "", data->len) < 0 || close(fd) < 0 ||
        rename(tmp.s, path) < 0)
        die_sys(EXIT_TEMP, prog, "unable to write %s", path);
    str_free(&tmp);
}

/* archive/<kind>/XX (created) and the file name XX/REST in path */
static void hashpath(str *path, const char *kind, const char *hash)
{
    if (str_copy(path, &ld.dir) < 0 || str_catf(path, "/archive/%s/%.2s", kind, hash) < 0) nomem();
    if (mkdir(path->s, 0755) < 0 && errno != EEXIST) die_sys(EXIT_TEMP, prog, "unable to create %s", path->s);
    if (str_catf(path, "/%s", hash + 2) < 0) nomem();
}

static void readfile(const char *path, str *out)
{
    out->len = 0;
    if (fs_read_file(path, out, 256u * 1024 * 1024) < 0 && errno != ENOENT)
        die_sys(EXIT_TEMP, prog, "unable to read %s", path);
}

static unsigned long month_of(const archive_entry *e)
{
    archive_date d;
    str p = STR_INIT;
    struct stat st;
    struct tm tm;
    time_t t;
    if (archive_date_parse(e->date.s ? e->date.s : "", e->date.len, &d) && d.year <= 9999)
        return d.year * 100 + d.mon;
    if (archive_path(&ld, e->n, &p) < 0) nomem();
    t = stat(p.s, &st) == 0 ? st.st_mtime : time(NULL);
    str_free(&p);
    if (!gmtime_r(&t, &tm)) return 197001;
    return (unsigned long)(tm.tm_year + 1900) * 100 + (unsigned long)tm.tm_mon + 1;
}

static const char *strip_re(const str *s, size_t *len)
{
    const char *p = s->s ? s->s : "";
    *len = s->len;
    if (*len >= 4 && !memcmp(p, "Re: ", 4)) p += 4, *len -= 4;
    return p;
}

/* the messages from..to as the index files have them, in numeric order */
static struct msg *gather(unsigned long from, unsigned long to, size_t *nout)
{
    struct msg *v = NULL;
    size_t n = 0, cap = 0;
    unsigned long sec;
    archive_entry e = ARCHIVE_ENTRY_INIT;
    for (sec = from / 100; sec <= to / 100; sec++) {
        archive_index ix = ARCHIVE_INDEX_INIT;
        size_t pos = 0;
        int k = archive_index_load(&ld, sec, &ix);
        if (k < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/archive/%lu/index", ld.dir.s, sec);
        while (k > 0 && (k = archive_index_next(&ix, &pos, &e)) > 0) {
            struct msg *m;
            if (e.n < from || e.n > to || e.n / 100 != sec) continue;
            if (n && v[n - 1].n >= e.n) continue;  /* out of order: a damaged index */
            if (n == cap) {
                struct msg *nv;
                cap = cap ? cap * 2 : 64;
                if (!(nv = realloc(v, cap * sizeof *v))) nomem();
                v = nv;
            }
            m = &v[n++];
            m->n = e.n;
            m->month = month_of(&e);
            memcpy(m->sh, e.hash, sizeof m->sh);
            if (e.authhash[0]) memcpy(m->ah, e.authhash, sizeof m->ah);
            else surf_makehash(m->ah, e.author.s ? e.author.s : "", e.author.len);
            m->subject = (str)STR_INIT;
            m->author = (str)STR_INIT;
            if (str_copy(&m->subject, &e.subject) < 0 || str_copy(&m->author, &e.author) < 0) nomem();
        }
        if (k < 0) nomem();
        archive_index_free(&ix);
        if (sec == ULONG_MAX / 100) break;
    }
    archive_entry_free(&e);
    *nout = n;
    return v;
}

static int by_subject(const void *a, const void *b)
{
    const struct msg *x = *(struct msg *const *)a, *y = *(struct msg *const *)b;
    int c = strcmp(x->sh, y->sh);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

static int by_author(const void *a, const void *b)
{
    const struct msg *x = *(struct msg *const *)a, *y = *(struct msg *const *)b;
    int c = strcmp(x->ah, y->ah);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

static int by_num(const void *a, const void *b)
{
    const struct line *x = a, *y = b;
    if (x->n != y->n) return (x->n > y->n) - (x->n < y->n);
    return (x->s > y->s) - (x->s < y->s);  /* stable: old lines first */
}

/* Merges the messages g[0..k) (one hash) into the subject or author file
 * at path: old lines of messages from..to are dropped.  The merged lines
 * (without the first) are left in *lines / *nlines, pointing into *data. */
static void merge_file(const char *path, struct msg **g, size_t k, int subjects, unsigned long from,
                       unsigned long to, int fresh, str *data, struct line **lines, size_t *nlines)
{
    str old = STR_INIT, add = STR_INIT;
    struct line *v;
    size_t pos = 0, n = 0, i, firstlen = 0;
    readfile(path, &old);
    /* the first line: kept unless damaged or rebuilding */
    if (!fresh && old.len > SURF_HASHLEN && old.s[SURF_HASHLEN] == ' ' &&
        !memcmp(old.s, subjects ? g[0]->sh : g[0]->ah, SURF_HASHLEN)) {
        const char *nl = memchr(old.s, '\n', old.len);
        if (nl) firstlen = (size_t)(nl - old.s) + 1;
    }
    data->len = 0;
    if (firstlen) {
        if (str_copyb(data, old.s, firstlen) < 0) nomem();
    } else if (subjects) {
        size_t sl;
        const char *s = strip_re(&g[0]->subject, &sl);
        if (str_catf(data, "%s ", g[0]->sh) < 0 || str_catb(data, s, sl) < 0 || str_catc(data, '\n') < 0) nomem();
    } else {
        if (str_catf(data, "%s ", g[0]->ah) < 0 || str_cat(data, &g[0]->author) < 0 || str_catc(data, '\n') < 0)
            nomem();
    }
    for (i = 0; i < k; i++) {
        const struct msg *m = g[i];
        if (str_catf(&add, "%lu:%06lu:%s ", m->n, m->month, subjects ? m->ah : m->sh) < 0 ||
            str_cat(&add, subjects ? &m->author : &m->subject) < 0 || str_catc(&add, '\n') < 0)
            nomem();
    }
    pos = firstlen ? firstlen : 0;
    if (!firstlen && old.len) {  /* a damaged or replaced first line */
        const char *nl = memchr(old.s, '\n', old.len);
        pos = nl ? (size_t)(nl - old.s) + 1 : old.len;
    }
    {
        size_t hold = data->len;
        if (str_catb(data, old.s ? old.s + pos : "", old.len - pos) < 0) nomem();
        if (data->len > hold && data->s[data->len - 1] != '\n' && str_catc(data, '\n') < 0) nomem();
        if (str_cat(data, &add) < 0) nomem();
        v = malloc((k + (data->len - hold) + 1) * sizeof *v);
        if (!v) nomem();
        pos = hold;
    }
    while (pos < data->len) {
        const char *s = data->s + pos, *nl = memchr(s, '\n', data->len - pos);
        size_t len = (size_t)(nl - s) + 1, d;
        unsigned long num;
        d = archive_scan_num(s, len, &num);
        pos += len;
        if (!d || s[d] != ':' || len < d + 8 || s[d + 7] != ':') continue;  /* damaged */
        if (s >= data->s + data->len - add.len || num < from || num > to) {
            v[n].n = num;
            v[n].s = s;
            v[n].len = len;
            n++;
        }
    }
    qsort(v, n, sizeof *v, by_num);
    *lines = v;
    *nlines = n;
    str_free(&old);
    str_free(&add);
}

static void write_merged(const char *path, const str *data, const struct line *v, size_t n)
{
    str out = STR_INIT;
    const char *nl = memchr(data->s, '\n', data->len);
    size_t i;
    if (str_copyb(&out, data->s, (size_t)(nl - data->s) + 1) < 0) nomem();
    for (i = 0; i < n; i++) {
        if (i && v[i].n == v[i - 1].n) continue;
        if (str_catb(&out, v[i].s, v[i].len) < 0) nomem();
    }
    writefile(path, &out);
    str_free(&out);
}

static unsigned long line_month(const struct line *l)
{
    const char *c = memchr(l->s, ':', l->len);
    unsigned long m = 0;
    archive_scan_num(c + 1, 6, &m);
    return m;
}

static int by_month_first(const void *a, const void *b)
{
    const struct thread *x = a, *y = b;
    if (x->month != y->month) return (x->month > y->month) - (x->month < y->month);
    return (x->first > y->first) - (x->first < y->first);
}

/* rewrites threads/MONTH for the threads t[0..k) (all of that month) */
static void write_month(struct thread *t, size_t k)
{
    str path = STR_INIT, old = STR_INIT, out = STR_INIT;
    size_t pos = 0, i;
    int damaged = 0;
    if (str_copy(&path, &ld.dir) < 0 || str_catf(&path, "/archive/threads/%06lu", t[0].month) < 0) nomem();
    readfile(path.s, &old);
    while (pos < old.len) {
        const char *s = old.s + pos, *nl = memchr(s, '\n', old.len - pos), *h;
        size_t len = nl ? (size_t)(nl - s) : old.len - pos, d;
        unsigned long num;
        pos += len + (nl ? 1 : 0);
        d = archive_scan_num(s, len, &num);
        h = s + d + 1;
        if (!d || len < d + 1 + SURF_HASHLEN + 4 || s[d] != ':' || h[SURF_HASHLEN] != ' ' ||
            h[SURF_HASHLEN + 1] != '[') {
            damaged = 1;
            continue;
        }
        for (i = 0; i < k; i++)
            if (!memcmp(h, t[i].sh, SURF_HASHLEN)) break;
        if (i < k) continue;  /* replaced below */
        if (str_catb(&out, s, len) < 0 || str_catc(&out, '\n') < 0) nomem();
    }
    if (damaged) warn(prog, "%s: dropped lines with an illegal format", path.s);
    for (i = 0; i < k; i++) {
        if (!t[i].count) continue;
        if (str_catf(&out, "%lu:%s [%lu] ", t[i].first, t[i].sh, t[i].count) < 0 ||
            str_cat(&out, &t[i].subject) < 0 || str_catc(&out, '\n') < 0)
            nomem();
    }
    writefile(path.s, &out);
    str_free(&path);
    str_free(&old);
    str_free(&out);
}

static void mkdir_archive(const char *sub)
{
    str p = STR_INIT;
    if (str_copy(&p, &ld.dir) < 0 || str_catf(&p, "/archive/%s", sub) < 0) nomem();
    if (mkdir(p.s, 0755) < 0 && errno != EEXIST) die_sys(EXIT_TEMP, prog, "unable to create %s", p.s);
    str_free(&p);
}

int main(int argc, char **argv)
{
    int opt, create = 0, syncall = 0, fd;
    unsigned long from = 0, to = 0, num[3], arch[3];
    int gotfrom = 0;
    struct msg *v = NULL, **g = NULL;
    struct thread *th = NULL;
    size_t n = 0, i, j, nth = 0, capth = 0;
    str path = STR_INIT, data = STR_INIT;

    opterr = 0;
    while ((opt = getopt(argc, argv, "+cCf:Ft:TsSvV")) != -1) {
        switch (opt) {
        case 'c': create = 1; break;
        case 'C': create = 0; break;
        case 'f': from = ezmsg_opt_num(prog, usage, optarg); gotfrom = 1; break;
        case 'F': gotfrom = 0; break;
        case 't': to = ezmsg_opt_num(prog, usage, optarg); break;
        case 'T': to = 0; break;
        case 's': syncall = 1; break;
        case 'S': syncall = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind + 1 != argc) die_usage(prog, usage);
    ezmsg_listdir(&ld, prog, argv[optind]);
    if (!listdir_isset(&ld, "archived") || !listdir_isset(&ld, "indexed") || !listdir_isset(&ld, "threaded"))
        return EXIT_DONE;
    flagsync = syncall || !create;

    /* num is final only under the list's lock */
    if (listdir_path(&ld, "lock", &path) < 0) nomem();
    if ((fd = lock_file_ex(path.s)) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s", path.s);
    if (archive_state(&ld, "num", num, NULL) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/num", ld.dir.s);
    close(fd);
    fd = -1;
    if (!num[0]) goto out;
    if (!to || to > num[0]) to = num[0];

    if (str_copy(&path, &ld.dir) < 0 || str_cats(&path, "/archive/lock") < 0) nomem();
    if ((fd = lock_file_ex(path.s)) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s", path.s);
    if (gotfrom) from = from / 100 * 100;
    else if (create) from = 0;
    else {
        int k = archive_state(&ld, "archnum", arch, NULL);
        if (k < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/archnum", ld.dir.s);
        from = k && arch[0] < ULONG_MAX ? arch[0] + 1 : 0;
    }
    if (from > to) goto out;
    mkdir_archive("threads");
    mkdir_archive("subjects");
    mkdir_archive("authors");

    v = gather(from, to, &n);
    if (!(g = malloc((n + 1) * sizeof *g))) nomem();
    for (i = 0; i < n; i++) g[i] = &v[i];

    /* subjects, and from them the threads of each month touched */
    qsort(g, n, sizeof *g, by_subject);
    for (i = 0; i < n; i = j) {
        struct line *lines;
        size_t nl, k;
        const char *first;
        for (j = i + 1; j < n && !strcmp(g[j]->sh, g[i]->sh); j++) ;
        hashpath(&path, "subjects", g[i]->sh);
        merge_file(path.s, g + i, j - i, 1, from, to, create, &data, &lines, &nl);
        write_merged(path.s, &data, lines, nl);
        first = data.s + SURF_HASHLEN + 1;
        for (k = i; k < j; k++) {
            size_t t, l;
            unsigned long mon = g[k]->month;
            for (t = 0; t < nth; t++)
                if (th[t].month == mon && !strcmp(th[t].sh, g[i]->sh)) break;
            if (t < nth) continue;
            if (nth == capth) {
                struct thread *nt;
                capth = capth ? capth * 2 : 16;
                if (!(nt = realloc(th, capth * sizeof *th))) nomem();
                th = nt;
            }
            th[nth].month = mon;
            th[nth].first = 0;
            th[nth].count = 0;
            memcpy(th[nth].sh, g[i]->sh, sizeof th[nth].sh);
            th[nth].subject = (str)STR_INIT;
            if (str_copyb(&th[nth].subject, first, (size_t)((char *)memchr(first, '\n', data.len) - first)) < 0)
                nomem();
            for (l = 0; l < nl; l++) {
                if (l && lines[l].n == lines[l - 1].n) continue;
                if (line_month(&lines[l]) != mon) continue;
                if (!th[nth].count++) th[nth].first = lines[l].n;
            }
            nth++;
        }
        free(lines);
    }
    /* authors */
    qsort(g, n, sizeof *g, by_author);
    for (i = 0; i < n; i = j) {
        struct line *lines;
        size_t nl;
        for (j = i + 1; j < n && !strcmp(g[j]->ah, g[i]->ah); j++) ;
        hashpath(&path, "authors", g[i]->ah);
        merge_file(path.s, g + i, j - i, 0, from, to, create, &data, &lines, &nl);
        write_merged(path.s, &data, lines, nl);
        free(lines);
    }
    /* threads, month by month */
    if (nth) qsort(th, nth, sizeof *th, by_month_first);
    for (i = 0; i < nth; i = j) {
        for (j = i + 1; j < nth && th[j].month == th[i].month; j++) ;
        write_month(th + i, j - i);
    }

    if (listdir_path(&ld, "archnum", &path) < 0) nomem();
    data.len = 0;
    if (str_catf(&data, "%lu\n", to) < 0) nomem();
    if (fs_write_atomic(path.s, data.s, data.len, 0644) < 0) die_sys(EXIT_TEMP, prog, "unable to write %s", path.s);

out:
    for (i = 0; i < n; i++) {
        str_free(&v[i].subject);
        str_free(&v[i].author);
    }
    for (i = 0; i < nth; i++) str_free(&th[i].subject);
    free(th);
    free(v);
    free(g);
    str_free(&path);
    str_free(&data);
    if (fd >= 0) close(fd);
    return EXIT_DONE;
}
