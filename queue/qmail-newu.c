/*
 * qmail-newu: compile QMAILHOME/users/assign into QMAILHOME/users/cdb.
 *
 * The cdb is byte-compatible with qmail 1.03's (see qmail-users(5)):
 *   "=local:user:uid:gid:home:dash:ext:"  key "!" lowercase(local) NUL
 *   "+prefix:user:uid:gid:home:dash:pre:" key "!" lowercase(prefix)
 *   value: the six fields joined by NUL, no trailing NUL;
 *   the empty key: the distinct last characters of non-empty prefixes.
 * Records are stored in file order, so that the first of duplicate keys is
 * the one a reader finds.  Parsing stops at the first line starting with
 * '.'.  Any format error leaves users/cdb as it was and exits 111.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cdbx.h"
#include "ctl.h"
#include "die.h"
#include "str.h"

#define PROG "qmail-newu"
#define LINE_MAX_BYTES (1024 * 1024)

static cdbx_make mk;
static int building;
static str line, key, data, wild;

static void fail(const char *fmt, unsigned long lineno, const char *why)
    __attribute__((noreturn));

/* Abandons the build (users/cdb untouched) and exits 111. */
static void fail(const char *fmt, unsigned long lineno, const char *why)
{
    if (building) cdbx_make_abort(&mk);
    die(EXIT_TEMP, PROG, fmt, lineno, why);
}

static void fail_sys(const char *what) __attribute__((noreturn));
static void fail_sys(const char *what)
{
    int e = errno;
    if (building) cdbx_make_abort(&mk);
    errno = e;
    die_sys(EXIT_TEMP, PROG, "%s", what);
}

static void nomem(void) __attribute__((noreturn));
static void nomem(void)
{
    if (building) cdbx_make_abort(&mk);
    die_nomem(PROG);
}

#define BADFMT "bad format in users/assign line %lu: %s"

int main(void)
{
    const char *home = ctl_home();
    unsigned long lineno = 0;
    int fd, ended = 0;
    buf in;

    umask(033);
    if (chdir(home) < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s", home);
    fd = open("users/assign", O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_sys(EXIT_TEMP, PROG, "unable to open users/assign");
    if (buf_init(&in, fd, NULL, 0) < 0) die_nomem(PROG);
    if (cdbx_make_start(&mk, "users/cdb", 0644) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to write users/cdb.tmp");
    building = 1;

    while (!ended) {
        size_t colon, i, n6;
        int r = buf_getline(&in, &line, '\n', LINE_MAX_BYTES);

        ++lineno;
        if (r == BUF_ERR) fail_sys("unable to read users/assign");
        if (r == BUF_TOOLONG) fail(BADFMT, lineno, "line too long");
        if (line.len && line.s[0] == '.') break;
        if (r == BUF_EOF) fail(BADFMT, lineno, "end of file before the final \".\" line");
        if (r == BUF_PARTIAL) fail(BADFMT, lineno, "last line has no newline and no final \".\" line");
        if (memchr(line.s, 0, line.len)) fail(BADFMT, lineno, "NUL byte in line");

        /* the key field: type character and local part or prefix */
        for (colon = 0; colon < line.len && line.s[colon] != ':'; ++colon) {}
        if (colon == line.len) fail(BADFMT, lineno, "no colon");
        if (colon == 0) fail(BADFMT, lineno, "empty key field");
        if (str_copys(&key, "!") < 0 || str_catb(&key, line.s + 1, colon - 1) < 0) nomem();
        if (line.s[0] == '+') {
            char last = line.s[colon - 1];
            if (colon >= 2 && !memchr(wild.s ? wild.s : "", last, wild.len))
                if (str_catc(&wild, last) < 0) nomem();
        } else if (str_catc(&key, 0) < 0) {
            nomem();
        }
        str_lower(&key);

        /* the value: the next six fields, NUL-separated */
        if (str_copyb(&data, line.s + colon + 1, line.len - colon - 1) < 0) nomem();
        n6 = 0;
        for (i = 0; i < data.len; ++i)
            if (data.s[i] == ':') {
                data.s[i] = 0;
                if (++n6 == 6) break;
            }
        if (n6 < 6) fail(BADFMT, lineno, "fewer than seven colons");
        if (cdbx_make_add(&mk, key.s, key.len, data.s, i) < 0)
            fail_sys("unable to write users/cdb.tmp");
    }

    if (cdbx_make_add(&mk, "", 0, wild.s ? wild.s : "", wild.len) < 0)
        fail_sys("unable to write users/cdb.tmp");
    building = 0;
    if (cdbx_make_finish(&mk) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to move users/cdb.tmp to users/cdb");
    buf_free(&in);
    close(fd);
    str_free(&line);
    str_free(&key);
    str_free(&data);
    str_free(&wild);
    return 0;
}
