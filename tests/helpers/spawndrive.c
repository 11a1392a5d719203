/*
 * spawndrive: plays qmail-send's side of the spawn protocol, for tests.
 *
 *   spawndrive prog [arg ...] < commands
 *
 * Runs prog with a pipe on its fd 0 and fd 1, copies our stdin (raw
 * commands: slot byte, path NUL, sender NUL, recipient NUL, ...) to it,
 * then closes it, and prints what comes back, one line per item:
 *   concurrency N          the first byte
 *   N: TEXT                a reply for slot N (newlines shown as \n, other
 *                          control bytes as \ooo)
 *   partial: TEXT          bytes after the last NUL (none expected)
 *   exit N | signal N      how prog ended
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') fputs("\\n", stdout);
        else if (c == '\\') fputs("\\\\", stdout);
        else if (c < 32 || c > 126) printf("\\%03o", c);
        else putchar(c);
    }
}

int main(int argc, char **argv)
{
    int in[2], out[2];
    pid_t pid;
    char *acc = NULL;
    size_t alen = 0, acap = 0;
    int first = 1, instdin = 1, st;

    if (argc < 2) {
        fprintf(stderr, "usage: spawndrive prog [arg ...]\n");
        return 100;
    }
    signal(SIGPIPE, SIG_IGN);
    if (pipe(in) < 0 || pipe(out) < 0) return 111;
    pid = fork();
    if (pid < 0) return 111;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    for (;;) {
        struct pollfd p[2];
        int np = 0, oi;
        char b[65536];
        if (instdin) { p[np].fd = 0; p[np].events = POLLIN; np++; }
        oi = np;
        p[np].fd = out[0]; p[np].events = POLLIN; np++;
        if (poll(p, (nfds_t)np, -1) < 0) { if (errno == EINTR) continue; return 111; }
        if (instdin && p[0].revents) {
            ssize_t r = read(0, b, sizeof b);
            if (r <= 0) { instdin = 0; close(in[1]); }
            else {
                size_t off = 0;
                while (off < (size_t)r) {
                    ssize_t w = write(in[1], b + off, (size_t)r - off);
                    if (w < 0) { if (errno == EINTR) continue; break; }
                    off += (size_t)w;
                }
            }
        }
        if (p[oi].revents) {
            ssize_t r = read(out[0], b, sizeof b);
            if (r < 0) { if (errno == EINTR) continue; break; }
            if (r == 0) break;
            for (ssize_t i = 0; i < r; i++) {
                if (first) {
                    printf("concurrency %u\n", (unsigned char)b[i]);
                    first = 0;
                    continue;
                }
                if (alen == acap) {
                    acap = acap ? 2 * acap : 256;
                    acc = realloc(acc, acap);
                    if (!acc) return 111;
                }
                acc[alen++] = b[i];
                if (!b[i] && alen > 1) {
                    printf("%u: ", (unsigned char)acc[0]);
                    show(acc + 1, alen - 2);
                    putchar('\n');
                    fflush(stdout);
                    alen = 0;
                }
            }
        }
    }
    if (instdin) close(in[1]);
    if (alen) { fputs("partial: ", stdout); show(acc, alen); putchar('\n'); }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st)) printf("exit %d\n", WEXITSTATUS(st));
    else printf("signal %d\n", WTERMSIG(st));
    free(acc);
    return 0;
}
