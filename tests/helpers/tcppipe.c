/*
 * tcppipe HOST PORT: connects to HOST:PORT (numeric IPv4/IPv6), sends
 * stdin, shuts down the sending side, and copies everything the server
 * sends to stdout until it closes.  A test driver for QMQP and QMTP
 * servers.  Exits 0, 2 on a usage error, 3 when it cannot connect, 4 on an
 * I/O error; gives up (exit 5) after 60 s without progress.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int writeall(int fd, const char *p, size_t n)
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

int main(int argc, char **argv)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    char b[65536];
    int fd, inopen = 1;

    signal(SIGPIPE, SIG_IGN);
    if (argc != 3) {
        fprintf(stderr, "usage: tcppipe HOST PORT\n");
        return 2;
    }
    memset(&ss, 0, sizeof ss);
    if (inet_pton(AF_INET, argv[1], &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)atoi(argv[2]));
        sslen = sizeof *v4;
    } else if (inet_pton(AF_INET6, argv[1], &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)atoi(argv[2]));
        sslen = sizeof *v6;
    } else {
        fprintf(stderr, "tcppipe: bad address %s\n", argv[1]);
        return 2;
    }
    fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
        perror("tcppipe: connect");
        return 3;
    }
    for (;;) {
        struct pollfd p[2] = { { fd, POLLIN, 0 }, { 0, POLLIN, 0 } };
        int r = poll(p, inopen ? 2 : 1, 60000);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 5;
        if (p[0].revents) {
            ssize_t n = read(fd, b, sizeof b);
            if (n < 0 && errno == ECONNRESET) return 0;
            if (n < 0) return 4;
            if (n == 0) return 0;
            if (writeall(1, b, (size_t)n) < 0) return 4;
        }
        if (inopen && p[1].revents) {
            ssize_t n = read(0, b, sizeof b);
            if (n < 0) return 4;
            if (n == 0) {
                shutdown(fd, SHUT_WR);
                inopen = 0;
                continue;
            }
            if (writeall(fd, b, (size_t)n) < 0) inopen = 0; /* the server closed early */
        }
    }
}
