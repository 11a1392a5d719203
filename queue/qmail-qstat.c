/*
 * qmail-qstat: counts the messages in the queue.
 *
 * Prints "messages in queue: N" (files in mess/0..22) and "messages in
 * queue but not yet preprocessed: M" (entries in todo/0..22 plus flat
 * todo/<id> entries left by a qmail 1.03 style qmail-queue).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "die.h"
#include "queuefmt.h"

#define PROG "qmail-qstat"

/* Entries of dir that are not directories; missing_ok: ENOENT counts 0. */
static unsigned long count(const char *dir, int missing_ok)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned long n = 0;
    if (!d) {
        if (missing_ok && errno == ENOENT) return 0;
        die_sys(EXIT_TEMP, PROG, "unable to opendir %s", dir);
    }
    for (;;) {
        errno = 0;
        if (!(e = readdir(d))) break;
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        if (e->d_type == DT_DIR) continue;
        if (e->d_type == DT_UNKNOWN) {
            char p[512];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) continue;
        }
        n++;
    }
    if (errno) die_sys(EXIT_TEMP, PROG, "unable to read %s", dir);
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    unsigned long mess = 0, todo = 0;
    char dir[32];
    (void)argv;
    if (argc > 1) die_usage(PROG, "qmail-qstat");
    if (chdir(ctl_home()) < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s", ctl_home());
    if (chdir("queue") < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s/queue", ctl_home());
    for (unsigned s = 0; s < QF_SPLIT; s++) {
        snprintf(dir, sizeof dir, "mess/%u", s);
        mess += count(dir, 0);
        snprintf(dir, sizeof dir, "todo/%u", s);
        todo += count(dir, 1);
    }
    todo += count("todo", 0);
    if (printf("messages in queue: %lu\nmessages in queue but not yet preprocessed: %lu\n", mess,
               todo) < 0 ||
        fflush(stdout) == EOF)
        die_sys(EXIT_TEMP, PROG, "unable to write output");
    return 0;
}
