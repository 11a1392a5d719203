/*
 * ezmlm-idx: rebuild the subject and author index of a list's archive.
 *
 *   ezmlm-idx [-dD] [-f msg | -F] DIR
 *
 * Under DIR/lock, for every archive section from the one holding -f's
 * message (default: the first) up to the one holding the last message
 * (DIR/num), DIR/archive/<N/100>/index is written anew (atomically) from
 * the complete messages of the section (files without the owner-execute
 * bit are skipped), with the lines ezmlm-send writes for the same posts:
 * the same subject cleaning (list prefix from DIR/prefix), hashes and
 * author names (send_index_entry()).  -D (default) takes the date from the
 * top Received: field as ezmlm-send does; -d from Date:, written as
 * "D Mon YYYY HH:MM:SS ZONE" (two-digit years: 70-99 are 19xx, others
 * 20xx).  Finally DIR/indexed is created.  See ezmlm-idx(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "die.h"
#include "ezmlm-send.h"
#include "ezmsg.h"
#include "fs.h"
#include "hdr.h"
#include "lock.h"
#include "msgin.h"
#include "text.h"

static const char *prog = "ezmlm-idx";
static const char *usage = "ezmlm-idx [-dD] [-f msg | -F] dir";
static listdir ld;

/* Date: value -> "D Mon YYYY HH:MM:SS ZONE"; 0 when it does not parse
 * (out is then left for the caller to fill) */
static int date_from_header(str *out, const char *s, size_t len)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    archive_date d;
    if (!archive_date_parse(s, len, &d)) return 0;
    if (str_catf(out, "%lu %.3s %lu %02lu:%02lu:%02lu", d.day, months + 3 * (d.mon - 1), d.year, d.hh,
                 d.mm, d.ss) < 0)
        return -1;
    if (d.zonelen && (str_catc(out, ' ') < 0 || str_catb(out, d.zone, d.zonelen) < 0)) return -1;
    return 1;
}

/* Appends the index entry of complete message n to out; 0 also when there
 * is no such message */
static int index_message(str *out, unsigned long n, int usedate, const str *prefix)
{
    msgin m = MSGIN_INIT;
    hdr_iter it;
    hdr_field f;
    str subject = STR_INIT, from = STR_INIT, date = STR_INIT, v = STR_INIT;
    int k, gotsubj = 0, gotfrom = 0, gotdate = 0, r = -1;
    int fd = archive_open(&ld, n);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    if (msgin_open(&m, fd, 0) < 0 && errno != EFBIG) goto done;
    hdr_iter_init(&it, m.head.s ? m.head.s : "", m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        if (!gotsubj && hdr_is(&f, "Subject")) {
            gotsubj = 1;
            if (str_copyb(&subject, f.value, f.value_len) < 0) goto done;
        } else if (!gotfrom && hdr_is(&f, "From")) {
            gotfrom = 1;
            if (str_copyb(&from, f.value, f.value_len) < 0) goto done;
        } else if (!gotdate && hdr_is(&f, usedate ? "Date" : "Received")) {
            gotdate = 1;
            v.len = 0;
            if (hdr_value(&v, &f) < 0) goto done;
            if (usedate) {
                int p = date_from_header(&date, v.s ? v.s : "", v.len);
                if (p < 0 || (p == 0 && str_copy(&date, &v) < 0)) goto done;
            } else if (send_received_date(&date, v.s ? v.s : "", v.len) < 0) {
                goto done;
            }
        }
    }
    if (send_index_entry(out, n, &subject, &date, &from, prefix) < 0) goto done;
    r = 0;
done:
    msgin_free(&m);
    close(fd);
    str_free(&subject);
    str_free(&from);
    str_free(&date);
    str_free(&v);
    return r;
}

int main(int argc, char **argv)
{
    int opt, usedate = 0, fd;
    unsigned long from = 0, num[3], sec;
    str prefix = STR_INIT, path = STR_INIT, out = STR_INIT;
    text_vars tv = TEXT_VARS_INIT;
    struct stat st;

    opterr = 0;
    while ((opt = getopt(argc, argv, "+dDf:FvV")) != -1) {
        switch (opt) {
        case 'd': usedate = 1; break;
        case 'D': usedate = 0; break;
        case 'f': {
            size_t n = archive_scan_num(optarg, strlen(optarg), &from);
            if (!n || optarg[n]) die_usage(prog, usage);
            break;
        }
        case 'F': from = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind + 1 != argc) die_usage(prog, usage);
    ezmsg_listdir(&ld, prog, argv[optind]);

    if (text_conf(&prefix, &ld, "prefix", &tv) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/prefix", ld.dir.s);
    if (prefix.len) {
        str u = STR_INIT;
        prefix.len = strlen(prefix.s);
        if (hdr_decode2047(&u, prefix.s, prefix.len) < 0) die_nomem(prog);
        str_free(&prefix);
        prefix = u;
    }
    if (listdir_path(&ld, "lock", &path) < 0) die_nomem(prog);
    if ((fd = lock_file_ex(path.s)) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s", path.s);
    if (archive_state(&ld, "num", num, NULL) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/num", ld.dir.s);

    for (sec = from / 100; num[0] && sec <= num[0] / 100; sec++) {
        unsigned long n = sec * 100;
        if (str_copy(&path, &ld.dir) < 0 || str_catf(&path, "/archive/%lu", sec) < 0) die_nomem(prog);
        if (stat(path.s, &st) < 0) {
            if (errno == ENOENT) continue;  /* nothing archived in this section */
            die_sys(EXIT_TEMP, prog, "unable to read %s", path.s);
        }
        out.len = 0;
        for (; n < sec * 100 + 100 && n <= num[0]; n++) {
            if (n && index_message(&out, n, usedate, &prefix) < 0)
                die_sys(EXIT_TEMP, prog, "unable to index message %lu", n);
        }
        if (str_cats(&path, "/index") < 0) die_nomem(prog);
        if (fs_write_atomic(path.s, out.s ? out.s : "", out.len, 0644) < 0)
            die_sys(EXIT_TEMP, prog, "unable to write %s", path.s);
    }
    if (listdir_path(&ld, "indexed", &path) < 0) die_nomem(prog);
    if (stat(path.s, &st) < 0) {
        int f = open(path.s, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (f < 0 || close(f) < 0) die_sys(EXIT_TEMP, prog, "unable to create %s", path.s);
    }
    close(fd);
    str_free(&prefix);
    str_free(&path);
    str_free(&out);
    return EXIT_DONE;
}
