/*
 * qmail-tcpto: print qmail-remote's table of hosts that recently timed out
 * (qmail-tcpto(8)).
 *
 *   qmail-tcpto
 *
 * Reads QMAILHOME/queue/lock/tcpto under its lock and prints one line per
 * record with at least one timeout:
 *   "<ip> timed out <n> seconds ago; # recent timeouts: <count>"
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "lock.h"
#include "str.h"
#include "tcpto.h"

#define PROG "qmail-tcpto"

int main(void)
{
    unsigned char tbuf[TCPTO_SIZE];
    const char *home = ctl_home();
    int fdlock, fd;
    ssize_t r;
    str out = STR_INIT;
    unsigned long now;

    if (chdir(home) < 0) die_sys(111, PROG, "unable to chdir to %s", home);
    fdlock = open(TCPTO_FILE, O_WRONLY | O_CLOEXEC);
    if (fdlock < 0) die_sys(111, PROG, "unable to open %s/%s", home, TCPTO_FILE);
    if (lock_ex(fdlock) < 0) die_sys(111, PROG, "unable to lock %s/%s", home, TCPTO_FILE);
    fd = open(TCPTO_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_sys(111, PROG, "unable to open %s/%s", home, TCPTO_FILE);
    r = fs_read_all(fd, tbuf, sizeof tbuf);
    if (r < 0) die_sys(111, PROG, "unable to read %s/%s", home, TCPTO_FILE);
    close(fd);
    close(fdlock);

    now = (unsigned long)time(NULL);
    for (ssize_t i = 0; i + TCPTO_RECLEN <= r; i += TCPTO_RECLEN) {
        const unsigned char *rec = tbuf + i;
        char ip[INET_ADDRSTRLEN];
        if (!rec[4]) continue;
        if (!inet_ntop(AF_INET, rec, ip, sizeof ip)) continue;
        if (str_catf(&out, "%s timed out %lu seconds ago; # recent timeouts: %u\n", ip,
                     now - tcpto_when(rec), (unsigned)rec[4]) < 0)
            die_nomem(PROG);
    }
    if (out.len && fs_write_all(1, out.s, out.len) < 0) die_sys(111, PROG, "unable to write output");
    str_free(&out);
    return 0;
}
