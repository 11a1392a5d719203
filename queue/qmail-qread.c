/*
 * qmail-qread: lists the preprocessed messages in the queue.
 *
 * For each message in info/ (subdirectories 0..22 in order, directory order
 * within each) one line
 *   "D Mon YYYY HH:MM:SS GMT  #<id>  <bytes>  <sender> "
 * (the date is the birth time, the mtime of info/; bytes is the size of
 * the mess file; " bouncing" is appended while bounce/<id> exists), then one
 * line per recipient, "\tlocal\t<addr>" or "\tremote\t<addr>", with "  done"
 * in front once it was delivered.  Bytes outside 32..126 are shown as '_'.
 * A message that cannot be read gets a warning on stderr and is skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "datefmt.h"
#include "die.h"
#include "fs.h"
#include "queuefmt.h"
#include "str.h"

#define PROG "qmail-qread"
#define RECORD_MAX 65536

static char outspace[8192];
static buf out = BUF_INIT(1, outspace, sizeof outspace);
static char inspace[8192];

/* Appends s[0..n) with bytes outside 32..126 shown as '_'. */
static int cat_safe(str *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (str_catc(o, (c >= 32 && c <= 126) ? (char)c : '_') < 0) return -1;
    }
    return 0;
}

static void trouble(unsigned long id)
{
    buf_flush(&out);
    warn_sys(PROG, "trouble with #%lu", id);
}

static void flush_or_die(void)
{
    if (buf_flush(&out) < 0) die_sys(EXIT_TEMP, PROG, "unable to write output");
}

/* The recipients of one channel file; 0, or -1 (errno) if unreadable. */
static int list_channel(const char *path, const char *name, str *line, str *rec)
{
    buf in;
    int fd = fs_open_nofollow(path, O_RDONLY, 0);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    buf_init(&in, fd, inspace, sizeof inspace);
    for (;;) {
        int r = buf_getline(&in, rec, '\0', RECORD_MAX);
        if (r == BUF_EOF || r == BUF_PARTIAL) break;
        if (r == BUF_ERR) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (rec->s[0] != 'T' && rec->s[0] != 'D') continue;
        str_truncate(line, 0);
        if (rec->s[0] == 'D' && str_cats(line, "  done") < 0) die_nomem(PROG);
        if (str_catc(line, '\t') < 0 || str_cats(line, name) < 0 || str_catc(line, '\t') < 0)
            die_nomem(PROG);
        /* without the type byte, and without the NUL unless it was cut off */
        size_t n = rec->len - 1;
        if (r == BUF_LINE) n--;
        if (cat_safe(line, rec->s + 1, n) < 0 || str_catc(line, '\n') < 0) die_nomem(PROG);
        buf_putstr(&out, line);
    }
    close(fd);
    return 0;
}

static void show(unsigned long id, str *line, str *rec)
{
    char mess[64], info[64], bounce[64], local[64], remote[64];
    struct stat st;
    unsigned long long size;
    int fd, bouncing;
    ssize_t n;
    char *z;

    qf_path(mess, sizeof mess, "mess", id, 1);
    qf_path(info, sizeof info, "info", id, 1);
    qf_path(local, sizeof local, "local", id, 1);
    qf_path(remote, sizeof remote, "remote", id, 1);
    qf_path(bounce, sizeof bounce, "bounce", id, 0);

    if (stat(mess, &st) < 0) { trouble(id); return; }
    size = (unsigned long long)st.st_size;
    bouncing = stat(bounce, &st) == 0;

    fd = fs_open_nofollow(info, O_RDONLY, 0);
    if (fd < 0) { trouble(id); return; }
    n = fs_read_all(fd, inspace, sizeof inspace);
    if (n < 0 || fstat(fd, &st) < 0) { close(fd); trouble(id); return; }
    close(fd);
    z = memchr(inspace, 0, (size_t)n);
    if (z) n = z - inspace;

    str_truncate(line, 0);
    if (datefmt_qread(line, st.st_mtime) < 0 ||
        str_catf(line, "  #%lu  %llu  <", id, size) < 0 ||
        str_catb(line, n > 1 ? inspace + 1 : "", n > 1 ? (size_t)n - 1 : 0) < 0 ||
        str_cats(line, "> ") < 0 || (bouncing && str_cats(line, " bouncing") < 0))
        die_nomem(PROG);
    /* the whole line goes through the filter, as in the original */
    str_truncate(rec, 0);
    if (cat_safe(rec, line->s, line->len) < 0 || str_catc(rec, '\n') < 0) die_nomem(PROG);
    buf_putstr(&out, rec);

    if (list_channel(local, "local", line, rec) < 0) trouble(id);
    if (list_channel(remote, "remote", line, rec) < 0) trouble(id);
}

int main(int argc, char **argv)
{
    str line = STR_INIT, rec = STR_INIT;
    (void)argv;
    if (argc > 1) die_usage(PROG, "qmail-qread");
    if (chdir(ctl_home()) < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s", ctl_home());
    if (chdir("queue") < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s/queue", ctl_home());
    for (unsigned s = 0; s < QF_SPLIT; s++) {
        char dir[32];
        DIR *d;
        struct dirent *e;
        snprintf(dir, sizeof dir, "info/%u", s);
        d = opendir(dir);
        if (!d) {
            buf_flush(&out);
            die_sys(EXIT_TEMP, PROG, "unable to opendir %s", dir);
        }
        while ((e = readdir(d))) {
            unsigned long id;
            if (e->d_name[0] == '.') continue;
            if (!qf_parse_id(e->d_name, &id)) {
                buf_flush(&out);
                warn(PROG, "ignoring %s/%s", dir, e->d_name);
                continue;
            }
            show(id, &line, &rec);
        }
        closedir(d);
    }
    flush_or_die();
    str_free(&line);
    str_free(&rec);
    return 0;
}
