/*
 * qmail-newmrh: compile QMAILHOME/control/morercpthosts into
 * control/morercpthosts.cdb, which qmail-smtpd consults after rcpthosts.
 *
 * Each line is lowercased and stripped of trailing spaces, tabs and CRs;
 * an empty line or one starting with '#' is skipped; every other line
 * becomes a key with an empty value.  The cdb is written to a temporary
 * file, synced and renamed into place, so qmail-smtpd sees the old or the
 * new database, never a mix.  Errors exit 111 with the old cdb untouched.
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

#define PROG "qmail-newmrh"

int main(void)
{
    const char *home = ctl_home();
    str line = STR_INIT;
    unsigned long lineno = 0;
    cdbx_make mk;
    buf in;
    int fd;

    umask(033);
    if (chdir(home) < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s", home);
    fd = open("control/morercpthosts", O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_sys(EXIT_TEMP, PROG, "unable to read control/morercpthosts");
    if (buf_init(&in, fd, NULL, 0) < 0) die_nomem(PROG);
    if (cdbx_make_start(&mk, "control/morercpthosts.cdb", 0644) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to write to control/morercpthosts.cdb.tmp");

    for (;;) {
        int r = buf_getline(&in, &line, '\n', CTL_LINE_MAX);
        ++lineno;
        if (r == BUF_EOF) break;
        if (r == BUF_ERR) {
            cdbx_make_abort(&mk);
            die_sys(EXIT_TEMP, PROG, "unable to read control/morercpthosts");
        }
        if (r == BUF_TOOLONG) {
            cdbx_make_abort(&mk);
            die(EXIT_TEMP, PROG, "line %lu of control/morercpthosts is too long", lineno);
        }
        if (memchr(line.s, 0, line.len)) {
            cdbx_make_abort(&mk);
            die(EXIT_TEMP, PROG, "NUL byte in line %lu of control/morercpthosts", lineno);
        }
        str_lower(&line);
        while (line.len) {
            char c = line.s[line.len - 1];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            --line.len;
        }
        if (line.len && line.s[0] != '#' && cdbx_make_add(&mk, line.s, line.len, "", 0) < 0) {
            cdbx_make_abort(&mk);
            die_sys(EXIT_TEMP, PROG, "unable to write to control/morercpthosts.cdb.tmp");
        }
        if (r == BUF_PARTIAL) break;
    }
    if (cdbx_make_finish(&mk) < 0)
        die_sys(EXIT_TEMP, PROG,
                "unable to move control/morercpthosts.cdb.tmp to control/morercpthosts.cdb");
    buf_free(&in);
    close(fd);
    str_free(&line);
    return 0;
}
