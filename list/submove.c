/* submove: ezmlm-subimport and ezmlm-subexport (see submove.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "die.h"
#include "fs.h"
#include "listdir.h"
#include "str.h"
#include "sub/sub.h"
#include "submove.h"

#define LINE_MAX_BYTES 65536
#define BAR 30

static const char *prog;

/* ---- the progress bar ------------------------------------------------------------------ */

struct ui {
    int on;             /* draw on stderr */
    int drawn;          /* something is on the line */
    const char *label;  /* the sub-database */
    struct timespec last;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void ui_draw(struct ui *u, unsigned long long done, unsigned long long total, unsigned long n,
                    int force)
{
    static double last;
    double t;
    char bar[BAR + 1];
    if (!u->on) return;
    if (!force && (n & 1023) != 0) return;
    t = now();
    if (!force && t - last < 0.1) return;
    last = t;
    if (total > 0) {
        unsigned pct, i, fill;
        if (done > total) done = total;
        pct = (unsigned)(done * 100 / total);
        fill = (unsigned)(done * BAR / total);
        for (i = 0; i < BAR; i++) bar[i] = i < fill ? '#' : '.';
        bar[BAR] = 0;
        fprintf(stderr, "\r%s: %s [%s] %3u%% %lu addresses", prog, u->label, bar, pct, n);
    } else {
        fprintf(stderr, "\r%s: %s %lu addresses", prog, u->label, n);
    }
    fflush(stderr);
    u->drawn = 1;
}

static void ui_clear(struct ui *u)
{
    if (u->on && u->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    u->drawn = 0;
}

/* ---- a source of addresses ----------------------------------------------------------------- */

struct source {
    buf in;
    str line;
    char delim;            /* '\n' (an address file) or NUL (a spool) */
    const char *name;      /* the file, for warnings (NULL: a store) */
    unsigned long lineno;
    unsigned long long done, total; /* bytes */
    unsigned long items;   /* addresses handed out */
    unsigned long toolong; /* lines refused before the store saw them */
    struct ui *ui;
};

static const char *shown(const char *a, size_t n, str *tmp)
{
    size_t i;
    str_truncate(tmp, 0);
    if (n > 100) n = 100;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (str_catc(tmp, (c < 32 || c > 126) ? '?' : (char)c) == -1) die_nomem(prog);
    }
    return tmp->s ? tmp->s : "";
}

static void src_warn(struct source *s, const char *addr, size_t len, const char *why)
{
    str tmp = STR_INIT;
    ui_clear(s->ui);
    if (s->name)
        warn(prog, "%s line %lu: %s: %s", s->name, s->lineno, why, shown(addr, len, &tmp));
    else
        warn(prog, "%s: %s", why, shown(addr, len, &tmp));
    str_free(&tmp);
}

static void src_reject(void *ctx, const char *addr, size_t len, int e)
{
    const char *why = sub_strerror(0, e);
    if (e == EINVAL)
        why = !memchr(addr, '@', len)    ? "address does not contain @"
            : memchr(addr, '\r', len) ? "address contains a carriage return"
            : memchr(addr, '\n', len) ? "address contains a newline"
                                       : "address contains a NUL byte";
    src_warn(ctx, addr, len, why);
}

static int src_next(void *ctx, const char **addr, size_t *len)
{
    struct source *s = ctx;
    for (;;) {
        int r = buf_getline(&s->in, &s->line, s->delim, LINE_MAX_BYTES);
        size_t a, n;
        if (r == BUF_EOF) return 0;
        if (r == BUF_ERR) return -1;
        s->lineno++;
        s->done += s->line.len;
        if (r == BUF_TOOLONG) {
            s->toolong++;
            src_warn(s, s->line.s, s->line.len, "address is too long");
            continue;
        }
        n = s->line.len;
        if (r == BUF_LINE) n--;
        if (s->delim == '\n') {
            /* an address file: blank lines, comments, surrounding blanks, CR */
            if (n && s->line.s[n - 1] == '\r') n--;
            for (a = 0; a < n && (s->line.s[a] == ' ' || s->line.s[a] == '\t'); a++);
            while (n > a && (s->line.s[n - 1] == ' ' || s->line.s[n - 1] == '\t')) n--;
            if (n == a || s->line.s[a] == '#') continue;
        } else {
            a = 0;
            if (n == 0) continue;
        }
        s->items++;
        ui_draw(s->ui, s->done, s->total, s->items, 0);
        *addr = s->line.s + a;
        *len = n - a;
        return 1;
    }
}

/* ---- reading a store into a spool --------------------------------------------------------- */

struct spool {
    buf out;
    unsigned long n;
    struct ui *ui;
};

static int spool_one(void *ctx, const char *addr, size_t len)
{
    struct spool *sp = ctx;
    if (buf_put(&sp->out, addr, len) == -1 || buf_putc(&sp->out, 0) == -1) return -1;
    sp->n++;
    ui_draw(sp->ui, 0, 0, sp->n, 0);
    return 0;
}

static int spool_store(sub_db *db, struct ui *ui, unsigned long long *size)
{
    const char *tmp = getenv("TMPDIR");
    struct spool sp;
    struct stat st;
    int fd, r, e;
    if (!tmp || !*tmp) tmp = "/tmp";
    fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd == -1 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        /* no O_TMPFILE here: a named file, removed at once */
        str p = STR_INIT;
        if (str_copys(&p, tmp) == -1 || str_cats(&p, "/ezmlm-spool.XXXXXX") == -1) die_nomem(prog);
        fd = mkostemp(p.s, O_CLOEXEC);
        if (fd != -1) unlink(p.s);
        str_free(&p);
    }
    if (fd == -1) die_sys(EXIT_TEMP, prog, "unable to make a temporary file in %s", tmp);
    if (buf_init(&sp.out, fd, 0, 65536) == -1) die_nomem(prog);
    sp.n = 0;
    sp.ui = ui;
    r = sub_iterate(db, SUB_HASH_LO, SUB_HASH_HI, spool_one, &sp);
    e = errno;
    if (r != 0) {
        if (buf_error(&sp.out)) die_sys(EXIT_TEMP, prog, "unable to write a temporary file");
        errno = e;
        die(EXIT_TEMP, prog, "unable to read the subscribers of %s: %s", db->dir.s, sub_strerror(db, e));
    }
    if (buf_flush(&sp.out) == -1) die_sys(EXIT_TEMP, prog, "unable to write a temporary file");
    buf_free(&sp.out);
    if (fstat(fd, &st) == -1 || lseek(fd, 0, SEEK_SET) == -1)
        die_sys(EXIT_TEMP, prog, "unable to read a temporary file");
    *size = (unsigned long long)st.st_size;
    return fd;
}

/* ---- the moves ------------------------------------------------------------------------------ */

static sub_db *open_store(const char *dir, const char *subdb, const char *spec)
{
    sub_db *db;
    if (sub_open_with(&db, dir, subdb, spec) == -1)
        die(sub_error_is_perm(errno) ? EXIT_PERM : EXIT_TEMP, prog,
            "unable to open the subscriber store of %s%s%s: %s", dir, subdb ? " " : "", subdb ? subdb : "",
            sub_strerror(0, errno));
    return db;
}

/* Bulk-adds from fd (delim-separated) into target; prints the summary. */
static void bulk(sub_db *target, int fd, char delim, const char *name, unsigned long long total,
                 struct ui *ui, FILE *summary)
{
    struct source s;
    struct sub_bulk b;
    int r, e;

    memset(&s, 0, sizeof s);
    if (buf_init(&s.in, fd, 0, 65536) == -1) die_nomem(prog);
    s.delim = delim;
    s.name = name;
    s.total = total;
    s.ui = ui;
    memset(&b, 0, sizeof b);
    b.next = src_next;
    b.reject = src_reject;
    b.ctx = &s;
    r = sub_bulk_add(target, &b);
    e = errno;
    ui_draw(ui, s.done, s.total, s.items, 1);
    ui_clear(ui);
    if (r != 0)
        die(EXIT_TEMP, prog, "unable to import into %s (%lu added before the failure): %s", ui->label, b.added,
            sub_strerror(target, e));
    fprintf(summary, "%s: %s: %lu read, %lu added, %lu already there, %lu refused\n", prog, ui->label,
            b.seen + s.toolong, b.added, b.seen - b.added - b.bad, b.bad + s.toolong);
    str_free(&s.line);
    buf_free(&s.in);
}

struct filewriter {
    buf out;
    unsigned long n;
    struct ui *ui;
};

static int write_one(void *ctx, const char *addr, size_t len)
{
    struct filewriter *w = ctx;
    if (buf_put(&w->out, addr, len) == -1 || buf_putc(&w->out, '\n') == -1) return -1;
    w->n++;
    ui_draw(w->ui, 0, 0, w->n, 0);
    return 0;
}

/* Exports db to file ("-" = stdout), atomically for a file. */
static void export_file(sub_db *db, const char *file, struct ui *ui)
{
    struct filewriter w;
    str tmp = STR_INIT;
    int fd, r, e, tostdout = strcmp(file, "-") == 0;
    FILE *summary = tostdout ? stderr : stdout;

    if (!tostdout) {
        /* only a regular file (or a new one) is replaced atomically; a
         * device or FIFO such as /dev/null is written in place, never
         * renamed over */
        struct stat st;
        if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
            fd = open(file, O_WRONLY | O_CLOEXEC);
            if (fd == -1) die_sys(EXIT_TEMP, prog, "unable to open %s", file);
            tostdout = 2; /* written in place: no temporary file */
        }
    }
    if (tostdout) {
        if (tostdout == 1) fd = 1;
    } else {
        if (str_copys(&tmp, file) == -1 || str_cats(&tmp, ".tmpXXXXXX") == -1) die_nomem(prog);
        fd = mkstemp(tmp.s);
        if (fd == -1) die_sys(EXIT_TEMP, prog, "unable to create a temporary file next to %s", file);
        fchmod(fd, 0644 & ~umask(022));
    }
    if (buf_init(&w.out, fd, 0, 65536) == -1) die_nomem(prog);
    w.n = 0;
    w.ui = ui;
    r = sub_iterate(db, SUB_HASH_LO, SUB_HASH_HI, write_one, &w);
    e = errno;
    ui_draw(ui, 0, 0, w.n, 1);
    ui_clear(ui);
    if (r == 0 && buf_flush(&w.out) == -1) r = -1, e = errno;
    if (r != 0) {
        if (!tostdout) unlink(tmp.s);
        if (buf_error(&w.out)) {
            errno = buf_error(&w.out);
            die_sys(EXIT_TEMP, prog, "unable to write %s", tostdout == 1 ? "to standard output" : file);
        }
        die(EXIT_TEMP, prog, "unable to read the subscribers of %s: %s", ui->label, sub_strerror(db, e));
    }
    if (!tostdout) {
        if (fsync(fd) == -1 || close(fd) == -1) {
            e = errno;
            unlink(tmp.s);
            errno = e;
            die_sys(EXIT_TEMP, prog, "unable to write %s", file);
        }
        if (rename(tmp.s, file) == -1) {
            e = errno;
            unlink(tmp.s);
            errno = e;
            die_sys(EXIT_TEMP, prog, "unable to move the new file to %s", file);
        }
        fs_fsync_parent(file);
    }
    if (tostdout == 2) close(fd);
    buf_free(&w.out);
    fprintf(summary, "%s: %s: %lu written to %s\n", prog, ui->label, w.n,
            tostdout == 1 ? "standard output" : file);
    str_free(&tmp);
}

static void usage(void)
{
    die_usage(prog, "[-apPvV] [-f file] [-S subdb] dir [subdir]");
}

void submove_main(int import, const char *name, int argc, char **argv)
{
    static const char *const all[] = { 0, "allow", "deny", "digest", "mod" };
    const char *spec = 0, *file = 0, *dir, *one[1];
    const char *const *subs;
    size_t nsubs, k;
    int opt, every = 0, progress = -1, version = 0;
    struct stat st;
    struct ui ui;
    str label = STR_INIT;

    prog = name;
    umask(022);
    while ((opt = getopt(argc, argv, "+af:pPS:vV")) != -1) {
        switch (opt) {
        case 'a': every = 1; break;
        case 'f': file = optarg; break;
        case 'p': progress = 1; break;
        case 'P': progress = 0; break;
        case 'S': spec = optarg; break;
        case 'v':
        case 'V': version = 1; break;
        default: usage();
        }
    }
    if (version) {
        fprintf(stderr, "%s version: %s\n", prog, LISTDIR_VERSION);
        exit(0);
    }
    if (optind < argc && strcmp(argv[optind], "--") == 0) optind++;
    if (optind >= argc || argc - optind > 2) usage();
    if (every && (file || argc - optind > 1)) usage();
    dir = argv[optind];
    if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) die_sys(EXIT_TEMP, prog, "unable to switch to %s", dir);
    if (every) {
        subs = all;
        nsubs = sizeof all / sizeof all[0];
    } else {
        one[0] = argc - optind > 1 ? argv[optind + 1] : 0;
        subs = one;
        nsubs = 1;
    }
    memset(&ui, 0, sizeof ui);
    ui.on = progress == -1 ? isatty(2) : progress;

    for (k = 0; k < nsubs; k++) {
        sub_db *db, *src;
        unsigned long long size = 0;
        int fd;

        if (str_copys(&label, dir) == -1 ||
            (subs[k] && (str_catc(&label, ' ') == -1 || str_cats(&label, subs[k]) == -1)))
            die_nomem(prog);
        ui.label = label.s;
        if (import) {
            db = open_store(dir, subs[k], spec);
            if (file) {
                if (strcmp(file, "-") == 0) {
                    fd = 0;
                    if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) size = (unsigned long long)st.st_size;
                } else {
                    fd = open(file, O_RDONLY | O_CLOEXEC);
                    if (fd == -1)
                        die_sys(errno == ENOENT ? EXIT_PERM : EXIT_TEMP, prog, "unable to open %s", file);
                    if (fstat(fd, &st) == 0) size = (unsigned long long)st.st_size;
                }
                bulk(db, fd, '\n', strcmp(file, "-") ? file : "stdin", size, &ui, stdout);
                if (fd != 0) close(fd);
            } else {
                src = open_store(dir, subs[k], "std");
                fd = spool_store(src, &ui, &size);
                sub_close(src);
                bulk(db, fd, 0, 0, size, &ui, stdout);
                close(fd);
            }
            sub_close(db);
        } else {
            src = open_store(dir, subs[k], spec);
            if (file) {
                export_file(src, file, &ui);
                sub_close(src);
            } else {
                fd = spool_store(src, &ui, &size);
                sub_close(src);
                db = open_store(dir, subs[k], "std");
                bulk(db, fd, 0, 0, size, &ui, stdout);
                sub_close(db);
                close(fd);
            }
        }
    }
    str_free(&label);
    if (fflush(stdout) == EOF || ferror(stdout)) die_sys(EXIT_TEMP, prog, "unable to write to standard output");
    exit(0);
}
