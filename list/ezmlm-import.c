/*
 * ezmlm-import: load the messages of an mbox into a list's archive.
 *
 *   ezmlm-import DIR [mbox]
 *
 * Reads the mbox (standard input when none is named), which must start
 * with a "From " line (an empty input imports nothing), and splits it at
 * every line starting with "From ".  Under DIR/lock each message becomes
 * the next archive message after DIR/num, written as ezmlm-send archives a
 * post: DIR/archive/<N/100>/<N%100, two digits>, created with mode 0644,
 * synced, then marked complete with mode 0744.  The "From " line itself is
 * not archived, one level of mboxrd quoting is taken off (">From " becomes
 * "From ", ">>From " becomes ">From "), and the empty line that separates
 * a message from the next "From " line is dropped; anything else is copied
 * byte for byte, in bounded memory.  When the list is indexed, the index
 * entries are those ezmlm-send (and ezmlm-idx) would write for the same
 * messages (send_index_archived()); they are written a section at a time,
 * and DIR/num ("N:KB", the second field counting body sizes in 256-byte
 * units as ezmlm-send does) is updated after each section, so an
 * interrupted import leaves a consistent list.  See ezmlm-import(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "buf.h"
#include "die.h"
#include "ezmlm-send.h"
#include "ezmsg.h"
#include "fs.h"
#include "lock.h"

#define PIECE 4096

static const char *prog = "ezmlm-import";
static const char *usage = "ezmlm-import dir [mbox]";
static listdir ld;
static buf in;
static int midline;         /* the last piece did not end its line */

/* The next piece of input: a whole line, or at most PIECE bytes of a
 * longer one.  *start: the piece begins a line.  1, 0 at the end, -1. */
static int piece(str *p, int *start)
{
    p->len = 0;
    while (p->len < PIECE) {
        size_t avail, take;
        char *s, *nl;
        if (!buf_buffered(&in)) {
            ssize_t r = buf_feed(&in);
            if (r < 0) return -1;
            if (r == 0) break;
        }
        avail = buf_buffered(&in);
        s = buf_peek(&in);
        take = avail < PIECE - p->len ? avail : PIECE - p->len;
        nl = memchr(s, '\n', take);
        if (nl) take = (size_t)(nl - s) + 1;
        if (str_catb(p, s, take) < 0) die_nomem(prog);
        buf_skip(&in, take);
        if (nl) break;
    }
    if (!p->len) return 0;
    *start = !midline;
    midline = p->s[p->len - 1] != '\n';
    return 1;
}

static int is_from(const str *p, int start)
{
    return start && p->len >= 5 && !memcmp(p->s, "From ", 5);
}

/* the archive file being written */
static str path = STR_INIT;
static int fd = -1;
static buf out;
static char outspace[65536];

static void open_message(unsigned long n)
{
    fd = archive_create(&ld, n, &path);
    if (fd < 0) {
        if (errno == ENOMEM) die_nomem(prog);
        die_sys(EXIT_TEMP, prog, "unable to write %s", path.s ? path.s : ld.dir.s);
    }
    if (buf_init(&out, fd, outspace, sizeof outspace) < 0)
        die_sys(EXIT_TEMP, prog, "unable to write %s", path.s);
}

static void put(const char *s, size_t len)
{
    if (buf_put(&out, s, len) < 0) die_sys(EXIT_TEMP, prog, "unable to write %s", path.s);
}

static void close_message(void)
{
    if (buf_flush(&out) < 0 || fsync(fd) < 0 || fchmod(fd, 0744) < 0 || close(fd) < 0)
        die_sys(EXIT_TEMP, prog, "unable to write %s", path.s);
    fd = -1;
}

/* the state of the message being copied */
static int inheader;        /* no empty line yet */
static int blank;           /* an empty line is held back */
static unsigned long long body;   /* body bytes */

static void release(void)
{
    put("\n", 1);
    if (inheader) inheader = 0;
    else body++;
    blank = 0;
}

/* index entries of the current section (first: its first message) */
static str entries = STR_INIT;
static unsigned long first;
static int indexed;
static str prefix = STR_INIT;

static void commit(unsigned long num, unsigned long cum)
{
    str p = STR_INIT, data = STR_INIT;
    if (indexed && entries.len && send_index_put(&ld, first, &entries) < 0)
        die_sys(EXIT_TEMP, prog, "unable to write the archive index of message %lu", first);
    entries.len = 0;
    if (listdir_path(&ld, "num", &p) < 0 || str_catf(&data, "%lu:%lu\n", num, cum) < 0) die_nomem(prog);
    if (fs_write_atomic(p.s, data.s, data.len, 0644) < 0) die_sys(EXIT_TEMP, prog, "unable to write %s", p.s);
    str_free(&p);
    str_free(&data);
}

int main(int argc, char **argv)
{
    str p = STR_INIT;
    unsigned long v[3], num, cum, n = 0;
    int opt, lockfd, r, start, imported = 0;

    opterr = 0;
    while ((opt = getopt(argc, argv, "+vV")) != -1) {
        switch (opt) {
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind + 1 != argc && optind + 2 != argc) die_usage(prog, usage);
    ezmsg_listdir_flags(&ld, prog, argv[optind], 0);
    if (optind + 2 == argc) {
        int mfd = open(argv[optind + 1], O_RDONLY | O_CLOEXEC);
        if (mfd < 0) die_sys(errno == ENOENT ? EXIT_PERM : EXIT_TEMP, prog, "unable to open %s", argv[optind + 1]);
        if (dup2(mfd, 0) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s", argv[optind + 1]);
        close(mfd);
    }
    if (buf_init(&in, 0, NULL, 65536) < 0) die_nomem(prog);

    if (listdir_path(&ld, "lock", &p) < 0) die_nomem(prog);
    if ((lockfd = lock_file_ex(p.s)) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s", p.s);
    if (archive_state(&ld, "num", v, NULL) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/num", ld.dir.s);
    num = v[0];
    cum = v[1];
    if ((indexed = listdir_isset(&ld, "indexed")) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/indexed", ld.dir.s);
    if (indexed && send_index_prefix(&ld, &prefix) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/prefix", ld.dir.s);

    while ((r = piece(&p, &start)) > 0) {
        if (is_from(&p, start)) {
            if (fd >= 0) {
                close_message();
                cum += (unsigned long)((body + 128) >> 8);
                if (indexed && send_index_archived(&entries, &ld, n, 0, &prefix) < 0)
                    die_sys(EXIT_TEMP, prog, "unable to index message %lu", n);
            }
            if (num >= ULONG_MAX - 1) die(EXIT_PERM, prog, "message numbers exhausted in %s/num", ld.dir.s);
            n = num + 1;
            if (imported && n % 100 == 0) commit(num, cum);   /* a new section */
            if (!imported || n % 100 == 0) first = n;
            open_message(n);
            num = n;
            imported++;
            inheader = 1;
            blank = 0;
            body = 0;
            while (midline && (r = piece(&p, &start)) > 0) {}   /* the rest of a long From_ line */
            if (r < 0) break;
            continue;
        }
        if (fd < 0) die(EXIT_PERM, prog, "the input is not an mbox: it does not start with a \"From \" line");
        if (start && p.len == 1 && p.s[0] == '\n') {
            /* held back until we know it is not the separator before the
             * next "From " line */
            if (blank) release();
            blank = 1;
            continue;
        }
        if (blank) release();
        if (start && p.len > 5 && p.s[0] == '>') {
            size_t i = 1;
            while (i < p.len && p.s[i] == '>') i++;
            if (p.len - i >= 5 && !memcmp(p.s + i, "From ", 5)) {
                put(p.s + 1, p.len - 1);
                if (!inheader) body += p.len - 1;
                continue;
            }
        }
        put(p.s, p.len);
        if (!inheader) body += p.len;
    }
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read the mbox");
    if (fd >= 0) {
        close_message();
        cum += (unsigned long)((body + 128) >> 8);
        if (indexed && send_index_archived(&entries, &ld, n, 0, &prefix) < 0)
            die_sys(EXIT_TEMP, prog, "unable to index message %lu", n);
        commit(num, cum);
    }
    if (imported) fprintf(stderr, "%s: info: imported %d messages as %lu to %lu\n", prog, imported,
                          num - (unsigned long)imported + 1, num);
    close(lockfd);
    buf_free(&in);
    str_free(&p);
    str_free(&path);
    str_free(&entries);
    str_free(&prefix);
    listdir_free(&ld);
    return EXIT_DONE;
}
