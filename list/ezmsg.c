/* ezmsg: messages, version and queue verdicts for the list programs.
 * See ezmsg.h. */
#include "ezmsg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "die.h"
#include "fs.h"
#include "text.h"

static int subst1(str *out, const char *s, const char *p1)
{
    const char *t;
    if (!p1) p1 = "";
    while ((t = strstr(s, "<#1#>"))) {
        if (str_catb(out, s, (size_t)(t - s)) < 0 || str_cats(out, p1) < 0) return -1;
        s = t + 5;
    }
    return str_cats(out, s);
}

int ezmsg(str *out, const listdir *ld, const char *name, const char *fallback, const char *p1)
{
    if (ld) {
        str t = STR_INIT;
        text_vars v = TEXT_VARS_INIT;
        v.param[1] = p1 ? p1 : "";
        if (text_msg(&t, ld, name, &v) == 0 && !str_equals(&t, name)) {
            int r = str_cat(out, &t);
            str_free(&t);
            return r;
        }
        str_free(&t);
    }
    return subst1(out, fallback, p1);
}

void ezmsg_die(int code, const char *prog, const listdir *ld, const char *name,
               const char *fallback, const char *p1)
{
    str m = STR_INIT;
    if (ezmsg(&m, ld, name, fallback, p1) < 0 || str_catc(&m, 0) < 0) die_nomem(prog);
    die(code, prog, "%s", m.s);
}

void ezmsg_listdir_flags(listdir *ld, const char *prog, const char *dir, unsigned flags)
{
    if (listdir_open(ld, dir, flags) < 0)
        die_sys(EXIT_TEMP, prog, "unable to read %s", ld->errfile.len ? ld->errfile.s : dir);
}

void ezmsg_listdir(listdir *ld, const char *prog, const char *dir)
{
    ezmsg_listdir_flags(ld, prog, dir, LISTDIR_NEED_NAMES);
}

unsigned long ezmsg_opt_num(const char *prog, const char *usage, const char *arg)
{
    unsigned long u = 0;
    size_t n = archive_scan_num(arg, strlen(arg), &u);
    if (!n || arg[n]) die_usage(prog, usage);
    return u;
}

void ezmsg_version(void)
{
    fprintf(stderr, "ezmlm version: %s\n", EZMSG_VERSION);
    exit(0);
}

/* The servers of DIR/qmqpservers/0, else of DIR/qmqpservers, as lines
 * each followed by a NUL; none: empty.  0 or -1. */
static int qmqp_servers(const listdir *ld, str *lines)
{
    static const char *const names[] = { "qmqpservers/0", "qmqpservers" };
    str path = STR_INIT, raw = STR_INIT;
    int r = 0;
    lines->len = 0;
    for (size_t i = 0; i < 2 && r == 0 && !lines->len; i++) {
        raw.len = 0;
        if (listdir_path(ld, names[i], &path) < 0) { r = -1; break; }
        if (fs_read_file(path.s, &raw, LISTDIR_FILE_MAX) < 0) {
            /* absent, or qmqpservers is a directory without 0 */
            if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) continue;
            r = -1;
            break;
        }
        if (listdir_conf_lines(raw.s ? raw.s : "", raw.len, lines) < 0) r = -1;
    }
    str_free(&path);
    str_free(&raw);
    return r;
}

int ezmsg_qq_start(qq *q, const listdir *ld)
{
    const char *mq = getenv("QMAILQUEUE");
    str lines = STR_INIT;
    char **argv = NULL;
    size_t n = 0, i, k = 0;
    int r = -1, e;

    if (!ld || (mq && *mq)) return qq_start(q, NULL);
    if (qmqp_servers(ld, &lines) < 0) goto done;
    if (!lines.len) {
        r = qq_start(q, NULL);
        goto done;
    }
    for (i = 0; i < lines.len; i++) if (!lines.s[i]) n++;
    argv = calloc(n + 2, sizeof *argv);
    if (!argv) goto done;
    argv[k++] = "bin/qmail-qmqpc";
    for (i = 0; i < lines.len; i += strlen(lines.s + i) + 1) argv[k++] = lines.s + i;
    argv[k] = NULL;
    r = qq_start_argv(q, NULL, argv);
done:
    e = errno;
    free(argv);
    str_free(&lines);
    errno = e;
    return r;
}

void ezmsg_qq_finish(qq *q, const char *prog, int quiet)
{
    str why = STR_INIT;
    if (qq_finish(q, &why) != 0) {
        if (str_catc(&why, 0) < 0) die_nomem(prog);
        die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
    }
    if (!quiet) fprintf(stderr, "%s: info: qp %lu\n", prog, q->qp);
    str_free(&why);
}
