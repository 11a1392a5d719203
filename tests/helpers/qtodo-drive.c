/*
 * qtodo-drive: runs qmail-todo with its own qmail-clean the way qmail-start
 * and qmail-send do, for the queue tests.
 *
 *   qtodo-drive LOGFILE STEP...
 *
 * qmail-todo gets fd 0 = LOGFILE (appended), 1 = a notification pipe read
 * here, 2 = a command pipe written here, 5/6 = pipes to and from a
 * qmail-clean (whose fd 2 is LOGFILE too).  Both programs are found
 * through PATH.  Steps, in order:
 *   S H A     send that command byte
 *   wN        wait (at most 20 s, or $QTODO_DRIVE_TIMEOUT seconds) until N
 *             notifications in all were seen
 *   pN        pause N milliseconds, still collecting notifications
 *   !CMD      run CMD with /bin/sh (test set-up only)
 *   k         send SIGTERM to qmail-todo
 *   q         close the command pipe (end of file for qmail-todo)
 * After the last step the command pipe is closed (if still open), the
 * remaining notifications are read to end of file and both programs are
 * waited for.  Output on stdout: each notification on a line of its own
 * (the NUL that ends it dropped), then "todo exit N" and "clean exit N"
 * (or "... signal N").  Exit 0, or 1 if a wait timed out (the children
 * are then killed) or something could not be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t todo_pid, clean_pid;
static int note_fd = -1;
static unsigned long notes;
static char part[70000];
static size_t partlen;
static int note_eof;

static void fail(const char *what)
{
    fprintf(stderr, "qtodo-drive: %s: %s\n", what, strerror(errno));
    if (todo_pid > 0) kill(todo_pid, SIGKILL);
    if (clean_pid > 0) kill(clean_pid, SIGKILL);
    exit(1);
}

static int high(int fd)
{
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 20);
    if (h < 0) fail("fcntl");
    close(fd);
    return h;
}

static void mkpipe(int p[2])
{
    if (pipe(p) < 0) fail("pipe");
    p[0] = high(p[0]);
    p[1] = high(p[1]);
}

/* Child: target fd i gets src[i] (-1: closed), then exec prog. */
static pid_t start(const char *prog, const int *src, int n)
{
    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid) return pid;
    for (int i = 0; i < n; i++) {
        if (src[i] < 0) { close(i); continue; }
        if (dup2(src[i], i) < 0) _exit(127);
    }
    execlp(prog, prog, (char *)0);
    fprintf(stderr, "qtodo-drive: cannot run %s: %s\n", prog, strerror(errno));
    _exit(127);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Collects notifications for up to ms milliseconds (-1: until EOF), or
 * until want notifications were seen (0: no such condition). */
static void collect(long long ms, unsigned long want)
{
    long long end = ms < 0 ? -1 : now_ms() + ms;
    while (!note_eof && !(want && notes >= want)) {
        struct pollfd pf = { .fd = note_fd, .events = POLLIN, .revents = 0 };
        long long left = end < 0 ? -1 : end - now_ms();
        char b[4096];
        ssize_t r;
        if (end >= 0 && left <= 0) return;
        if (poll(&pf, 1, (int)left) <= 0) continue;
        r = read(note_fd, b, sizeof b);
        if (r < 0) {
            if (errno == EINTR) continue;
            fail("read notifications");
        }
        if (r == 0) { note_eof = 1; break; }
        for (ssize_t i = 0; i < r; i++) {
            if (b[i] == 0) {
                fwrite(part, 1, partlen, stdout);
                fputc('\n', stdout);
                partlen = 0;
                notes++;
            } else if (partlen < sizeof part) {
                part[partlen++] = b[i];
            }
        }
        fflush(stdout);
    }
}

static void report(const char *name, pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) fail("waitpid");
    if (WIFEXITED(st)) printf("%s exit %d\n", name, WEXITSTATUS(st));
    else printf("%s signal %d\n", name, WTERMSIG(st));
}

int main(int argc, char **argv)
{
    int cmd[2], note[2], creq[2], crep[2], logfd, cmd_open = 1;
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        fprintf(stderr, "usage: qtodo-drive LOGFILE STEP...\n");
        return 1;
    }
    logfd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (logfd < 0) fail(argv[1]);
    logfd = high(logfd);
    mkpipe(cmd);
    mkpipe(note);
    mkpipe(creq);
    mkpipe(crep);

    int clean_src[3] = { creq[0], crep[1], logfd };
    clean_pid = start("qmail-clean", clean_src, 3);
    int todo_src[7] = { logfd, note[1], cmd[0], -1, -1, creq[1], crep[0] };
    todo_pid = start("qmail-todo", todo_src, 7);
    close(cmd[0]);
    close(note[1]);
    close(creq[0]);
    close(creq[1]);
    close(crep[0]);
    close(crep[1]);
    close(logfd);
    note_fd = note[0];

    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        switch (s[0]) {
        case 'S': case 'H': case 'A':
            /* a qmail-todo that already exited is seen in its exit code */
            if (write(cmd[1], s, 1) != 1 && errno != EPIPE) fail("write command");
            break;
        case 'w': {
            unsigned long n = strtoul(s + 1, 0, 10);
            const char *t = getenv("QTODO_DRIVE_TIMEOUT");
            collect(t ? atol(t) * 1000 : 20000, n);
            if (notes < n) {
                fprintf(stderr, "qtodo-drive: timed out waiting for %lu notifications (got %lu)\n",
                        n, notes);
                kill(todo_pid, SIGKILL);
                kill(clean_pid, SIGKILL);
                return 1;
            }
            break;
        }
        case 'p':
            collect(strtol(s + 1, 0, 10), 0);
            break;
        case '!': {
            fflush(stdout);
            int r = system(s + 1);
            if (r != 0) fprintf(stderr, "qtodo-drive: '%s' returned %d\n", s + 1, r);
            break;
        }
        case 'k':
            kill(todo_pid, SIGTERM);
            break;
        case 'q':
            if (cmd_open) close(cmd[1]);
            cmd_open = 0;
            break;
        default:
            fprintf(stderr, "qtodo-drive: unknown step %s\n", s);
            return 1;
        }
    }
    if (cmd_open) close(cmd[1]);
    collect(-1, 0);
    report("todo", todo_pid);
    report("clean", clean_pid);
    return 0;
}
