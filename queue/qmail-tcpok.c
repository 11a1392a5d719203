/*
 * qmail-tcpok: clear qmail-remote's table of hosts that recently timed out
 * (qmail-tcpok(8)).
 *
 *   qmail-tcpok
 *
 * Overwrites the first 1024 bytes of QMAILHOME/queue/lock/tcpto with
 * zeros, holding its lock, so that qmail-remote tries every host again.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "lock.h"
#include "tcpto.h"

#define PROG "qmail-tcpok"

int main(void)
{
    char zero[TCPTO_SIZE];
    const char *home = ctl_home();
    int fd;

    if (chdir(home) < 0) die_sys(111, PROG, "unable to chdir to %s", home);
    fd = open(TCPTO_FILE, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die_sys(111, PROG, "unable to open %s/%s", home, TCPTO_FILE);
    if (lock_ex(fd) < 0) die_sys(111, PROG, "unable to lock %s/%s", home, TCPTO_FILE);
    memset(zero, 0, sizeof zero);
    if (fs_write_all(fd, zero, sizeof zero) < 0)
        die_sys(111, PROG, "unable to clear %s/%s", home, TCPTO_FILE);
    close(fd);
    return 0;
}
