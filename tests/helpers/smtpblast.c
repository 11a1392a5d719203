/*
 * smtpblast PORT SESSIONS MESSAGES RCPT MSGFILE: an SMTP load generator for
 * the network benchmark.  Starts SESSIONS processes at once; each connects
 * to 127.0.0.1:PORT, says EHLO, sends MESSAGES messages (MAIL, RCPT, DATA,
 * the dot-stuffed CRLF text of MSGFILE) in one session, waiting for every
 * reply, and QUITs.  Prints "<seconds> <accepted> <failed>": the wall time
 * from the start of the first session to the end of the last.  Exit 0 when
 * every message got a 2xx reply, 1 otherwise, 2 on a usage error.  A
 * session waits at most 120 s for any reply (a connection the server
 * never accepted counts as failed instead of hanging the benchmark).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int fd;
static char rbuf[65536];
static size_t rlen, rpos;

static int writeall(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int getch(char *c)
{
    if (rpos == rlen) {
        ssize_t r;
        do r = read(fd, rbuf, sizeof rbuf); while (r < 0 && errno == EINTR);
        if (r <= 0) return -1;
        rlen = (size_t)r;
        rpos = 0;
    }
    *c = rbuf[rpos++];
    return 0;
}

/* Reads a whole reply; returns its first digit, or -1. */
static int reply(void)
{
    char c, first = 0;
    int n = 0, cont;
    for (;;) {
        n = 0;
        cont = 0;
        for (;;) {
            if (getch(&c) < 0) return -1;
            if (n == 0) first = c;
            if (n == 3) cont = c == '-';
            n++;
            if (c == '\n') break;
        }
        if (!cont) break;
    }
    return first - '0';
}

static int cmd(const char *s, int want)
{
    if (writeall(s, strlen(s)) < 0) return -1;
    return reply() == want ? 0 : -1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: smtpblast PORT SESSIONS MESSAGES RCPT MSGFILE\n");
        return 2;
    }
    int port = atoi(argv[1]), sessions = atoi(argv[2]), messages = atoi(argv[3]);
    const char *rcpt = argv[4];
    /* the message, as SMTP data */
    FILE *f = fopen(argv[5], "r");
    if (!f) { perror(argv[5]); return 2; }
    size_t cap = 1 << 16, len = 0;
    char *data = malloc(cap);
    int c, sol = 1;
    while ((c = getc(f)) != EOF) {
        if (len + 4 >= cap) data = realloc(data, cap *= 2);
        if (!data) return 2;
        if (sol && c == '.') data[len++] = '.';
        sol = c == '\n';
        if (c == '\n') data[len++] = '\r';
        data[len++] = (char)c;
    }
    fclose(f);
    if (!sol) { data[len++] = '\r'; data[len++] = '\n'; }
    data = realloc(data, len + 4);
    memcpy(data + len, ".\r\n", 3);
    len += 3;

    char rcptcmd[1100];
    snprintf(rcptcmd, sizeof rcptcmd, "RCPT TO:<%s>\r\n", rcpt);
    double t0 = now();
    for (int s = 0; s < sessions; s++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 2; }
        if (pid) continue;
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((unsigned short)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = 0;
        struct timeval tv = { 120, 0 };
        for (int tries = 0; tries < 50; tries++) {
            fd = socket(AF_INET, SOCK_STREAM, 0);
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) break;
            close(fd);
            fd = -1;
            usleep(100000);
        }
        if (fd < 0 || reply() != 2 || cmd("EHLO blast.example\r\n", 2) < 0) _exit(255);
        for (int m = 0; m < messages; m++) {
            if (cmd("MAIL FROM:<blast@example.org>\r\n", 2) < 0 || cmd(rcptcmd, 2) < 0 ||
                cmd("DATA\r\n", 3) < 0)
                break;
            if (writeall(data, len) < 0 || reply() != 2) break;
            ok++;
        }
        cmd("QUIT\r\n", 2);
        _exit(ok > 254 ? 254 : ok);
    }
    int accepted = 0, failed = 0, st;
    pid_t w;
    while ((w = wait(&st)) > 0) {
        int n = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
        if (n == 255) n = 0;
        accepted += n;
        failed += messages - n;
    }
    printf("%.3f %d %d\n", now() - t0, accepted, failed);
    return failed ? 1 : 0;
}
