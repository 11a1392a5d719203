/*
 * qmail-qmqpc: send a message to a QMQP server, in place of qmail-queue.
 *
 *   qmail-qmqpc [ server ... ]
 *
 * Speaks the qmail-queue interface: the message on fd 0, the envelope
 * ("F<sender>\0", "T<recipient>\0"..., "\0") on fd 1.  The servers are the
 * arguments (as ezmlm-idx passes them) or the lines of control/qmqpservers,
 * tried in order; each is an IPv4 address, optionally followed by ":port"
 * (default 628), or an IPv6 address in brackets, "[::1]" or "[::1]:port".
 * The message is sent as one QMQP packet: a netstring holding the message,
 * the sender and each recipient as netstrings.  The first K, Z or D byte
 * of the server's answer decides: exit 0, 71 or 31.  A server that cannot
 * be reached is skipped (the last such failure is the exit code: 72 timed
 * out, 73 refused); a server that fails during the conversation ends it
 * with 74.  Other exits as qmail-queue(8): 11 address too long, 51 out of
 * memory, 53 temporary file trouble, 54 read error, 55 no server list, 56
 * no socket, 61 no home directory, 91 bad envelope.
 *
 * Memory is bounded: the message and the encoded envelope are spooled to
 * an unlinked temporary file (the packet length must be known before the
 * packet is sent, and a second server needs the bytes again).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "fs.h"
#include "netstring.h"
#include "str.h"

#define PORT_QMQP 628
#define CONNECT_TIMEOUT_MS 10000
#define IO_TIMEOUT_MS 60000
#define ADDR_MAX 1003 /* bytes of an envelope address, NUL included, as qmail-queue */

enum {
    QQ_OK = 0, QQ_ADDR = 11, QQ_PERM = 31, QQ_NOMEM = 51, QQ_WRITE = 53, QQ_READ = 54,
    QQ_CONTROL = 55, QQ_SOCKET = 56, QQ_HOME = 61, QQ_TEMP = 71, QQ_TIMEOUT = 72,
    QQ_REFUSED = 73, QQ_CONN = 74, QQ_FORMAT = 91
};

static int tmpfd = -1;
static size_t mlen;      /* message bytes at the start of the spool */
static size_t tlen;      /* everything in the spool */

static int opentmp(void)
{
    const char *dir = getenv("TMPDIR");
    str path = STR_INIT;
    int fd;
    if (!dir || !*dir) dir = "/tmp";
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (str_cats(&path, dir) < 0 || str_cats(&path, "/qmqpc.XXXXXX") < 0) _exit(QQ_NOMEM);
    fd = mkostemp(path.s, O_CLOEXEC);
    if (fd >= 0) unlink(path.s);
    str_free(&path);
    return fd;
}

static void spool(const char *s, size_t len)
{
    if (fs_write_all(tmpfd, s, len) < 0) _exit(QQ_WRITE);
    tlen += len;
}

/* message from fd 0, envelope from fd 1, both into the spool */
static void getmess(void)
{
    static char space[65536];
    static char espace[4096];
    buf env = BUF_INIT(1, espace, sizeof espace);
    str line = STR_INIT, ns = STR_INIT;
    int first = 1;

    tmpfd = opentmp();
    if (tmpfd < 0) _exit(QQ_WRITE);
    for (;;) {
        ssize_t r = read(0, space, sizeof space);
        if (r < 0) {
            if (errno == EINTR) continue;
            _exit(QQ_READ);
        }
        if (r == 0) break;
        spool(space, (size_t)r);
    }
    mlen = tlen;

    for (;;) {
        int r = buf_getline(&env, &line, '\0', ADDR_MAX + 1);
        if (r == BUF_ERR) _exit(errno == ENOMEM ? QQ_NOMEM : QQ_READ);
        if (r == BUF_EOF || r == BUF_PARTIAL) _exit(QQ_FORMAT);
        if (r == BUF_TOOLONG) _exit(QQ_ADDR);
        if (!first && line.len < 2) break; /* the final "\0" */
        if (line.len < 2 || line.s[0] != (first ? 'F' : 'T')) _exit(QQ_FORMAT);
        str_truncate(&ns, 0);
        if (netstring_cat(&ns, line.s + 1, line.len - 2) < 0) _exit(QQ_NOMEM);
        spool(ns.s, ns.len);
        first = 0;
    }
    str_free(&line);
    str_free(&ns);
}

/* ---- one server ------------------------------------------------------------ */

static int parse_server(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
    char host[256];
    const char *port = NULL;
    unsigned long p = PORT_QMQP;
    size_t n;
    memset(ss, 0, sizeof *ss);
    if (*s == '[') {
        const char *e = strchr(s, ']');
        if (!e || (size_t)(e - s - 1) >= sizeof host) return -1;
        n = (size_t)(e - s - 1);
        memcpy(host, s + 1, n);
        host[n] = 0;
        if (e[1] == ':') port = e + 2;
        else if (e[1]) return -1;
    } else {
        const char *c = strchr(s, ':');
        n = c ? (size_t)(c - s) : strlen(s);
        if (n >= sizeof host) return -1;
        memcpy(host, s, n);
        host[n] = 0;
        if (c) port = c + 1;
    }
    if (port) {
        size_t k = scan_ulong(port, strlen(port), &p);
        if (!k || port[k] || p == 0 || p > 65535) return -1;
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)p);
        *sslen = sizeof *v4;
        return 0;
    }
    if (*s == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)p);
        *sslen = sizeof *v6;
        return 0;
    }
    return -1;
}

/* Connects within CONNECT_TIMEOUT_MS: the fd, or -1 with *err = 72 (timed
 * out), 73 (refused or unreachable) or 56 (no socket of that family). */
static int connect_to(const struct sockaddr_storage *ss, socklen_t sslen, int *err)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        /* a host without IPv6 simply cannot reach an IPv6 server */
        if (errno != EAFNOSUPPORT) _exit(QQ_SOCKET);
        *err = QQ_SOCKET;
        return -1;
    }
    *err = QQ_REFUSED;
    if (connect(fd, (const struct sockaddr *)ss, sslen) == 0) return fd;
    if (errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct pollfd pfd = { fd, POLLOUT, 0 };
    int r;
    do r = poll(&pfd, 1, CONNECT_TIMEOUT_MS);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
        *err = QQ_TIMEOUT;
        close(fd);
        return -1;
    }
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr) {
        if (soerr == ETIMEDOUT) *err = QQ_TIMEOUT;
        close(fd);
        return -1;
    }
    return fd;
}

static void putfile(buf *b, size_t off, size_t len)
{
    char space[65536];
    while (len) {
        size_t want = len < sizeof space ? len : sizeof space;
        ssize_t r = pread(tmpfd, space, want, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) _exit(QQ_READ);
        if (buf_put(b, space, (size_t)r) < 0) _exit(QQ_CONN);
        off += (size_t)r;
        len -= (size_t)r;
    }
}

/* Returns only when the server could not be reached; *lasterror updated. */
static void doit(const char *server, int *lasterror)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int fd, err;
    char space[4096];
    buf b;
    str head = STR_INIT, mhead = STR_INIT;

    if (parse_server(server, &ss, &sslen) < 0) return;
    fd = connect_to(&ss, sslen, &err);
    if (fd < 0) {
        *lasterror = err;
        return;
    }
    if (netstring_catlen(&mhead, mlen) < 0) _exit(QQ_NOMEM);
    /* outer length: "mlen:" message "," encoded-envelope */
    if (netstring_catlen(&head, mhead.len + mlen + 1 + (tlen - mlen)) < 0
        || str_cat(&head, &mhead) < 0)
        _exit(QQ_NOMEM);
    buf_init(&b, fd, space, sizeof space);
    buf_settimeout(&b, IO_TIMEOUT_MS);
    if (buf_putstr(&b, &head) < 0) _exit(QQ_CONN);
    putfile(&b, 0, mlen);
    if (buf_put(&b, ",", 1) < 0) _exit(QQ_CONN);
    putfile(&b, mlen, tlen - mlen);
    if (buf_put(&b, ",", 1) < 0 || buf_flush(&b) < 0) _exit(QQ_CONN);

    buf_init(&b, fd, space, sizeof space);
    buf_settimeout(&b, IO_TIMEOUT_MS);
    for (size_t n = 0; n < 1000; n++) {
        char c;
        if (buf_getc(&b, &c) != 1) _exit(QQ_CONN);
        if (c == 'K') _exit(QQ_OK);
        if (c == 'Z') _exit(QQ_TEMP);
        if (c == 'D') _exit(QQ_PERM);
    }
    _exit(QQ_CONN);
}

int main(int argc, char **argv)
{
    ctl_list servers = CTL_LIST_INIT;
    int lasterror = QQ_CONTROL;

    signal(SIGPIPE, SIG_IGN);
    if (chdir(ctl_home()) < 0) _exit(QQ_HOME);
    if (argc < 2) {
        int r = ctl_readlist(".", "qmqpservers", &servers);
        if (r != CTL_FOUND) _exit(r == CTL_ERR && errno == ENOMEM ? QQ_NOMEM : QQ_CONTROL);
    }
    getmess();
    if (argc >= 2)
        for (int i = 1; i < argc; i++) doit(argv[i], &lasterror);
    else
        for (size_t i = 0; i < servers.n; i++) doit(servers.item[i], &lasterror);
    _exit(lasterror);
}
