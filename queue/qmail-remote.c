/*
 * qmail-remote: send one message to a remote host over SMTP
 * (qmail-remote(8)).
 *
 *   qmail-remote host sender recip [recip ...]
 *
 * The message is on fd 0.  Routing: control/smtproutes ("domain:relay" or
 * "domain:relay:port"; keys host, then each ".suffix", then the empty key;
 * an empty relay means the normal MX lookup), else MX records, else A
 * records.  The addresses are tried in order (skipping those that timed
 * out recently, queue/lock/tcpto) until one connects; then EHLO (HELO if
 * EHLO is refused), MAIL, one RCPT per recipient, DATA, the message with
 * dots doubled and every line ending made CRLF, QUIT.
 *
 * Output on fd 1, each report ending in NUL: per recipient "r" (accepted),
 * "h..." (refused permanently) or "s..." (refused temporarily), then one
 * message report "K..." (delivered), "Z..." (temporary failure) or "D..."
 * (permanent failure), with qmail's texts.  The exit code is always 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "ctl.h"
#include "ipme.h"
#include "qmail-remote.h"
#include "str.h"
#include "tcpto.h"

#define HUGESMTPTEXT 5000         /* reply text kept for the report */
#define REPLY_MAX (16L * 1024 * 1024) /* a longer reply counts as a dead connection */
#define PORT_SMTP 25
#define TIMEOUT_MAX 2000000UL   /* seconds; the milliseconds must fit in an int */

static buf outbuf;                /* fd 1: the reports */
static buf smtpin, smtpout;       /* the connection */
static buf msgin;                 /* fd 0: the message */
static int smtpfd = -1;
static str host, sender, helohost, smtptext;
static str *recips;
static size_t nrecips;
static char partner[INET_ADDRSTRLEN];
static int flagcritical;
static unsigned long port = PORT_SMTP;
static unsigned long timeout = 1200, timeoutconnect = 60;
static ipme me;

/* ---- the reports ------------------------------------------------------------ */

static void out(const char *s)
{
    if (buf_puts(&outbuf, s) < 0) _exit(0);
}

static void zero(void)
{
    if (buf_put(&outbuf, "", 1) < 0) _exit(0);
}

static void zerodie(void) __attribute__((noreturn));
static void zerodie(void)
{
    zero();
    (void)buf_flush(&outbuf);
    _exit(0);
}

/* Prints s with control and 8-bit bytes made '?'. */
static void outsafe(const str *s)
{
    for (size_t i = 0; i < s->len; i++) {
        char c = s->s[i];
        if ((unsigned char)c < 33 || (unsigned char)c > 126) c = '?';
        if (buf_putc(&outbuf, c) < 0) _exit(0);
    }
}

static void fatal(const char *report) __attribute__((noreturn));
static void fatal(const char *report)
{
    out(report);
    zerodie();
}

static void temp_nomem(void) __attribute__((noreturn));
static void temp_nomem(void) { fatal("ZOut of memory. (#4.3.0)\n"); }
static void temp_oserr(void) __attribute__((noreturn));
static void temp_oserr(void) { fatal("ZSystem resources temporarily unavailable. (#4.3.0)\n"); }
static void temp_noconn(void) __attribute__((noreturn));
static void temp_noconn(void) { fatal("ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"); }
static void temp_read(void) __attribute__((noreturn));
static void temp_read(void) { fatal("ZUnable to read message. (#4.3.0)\n"); }
static void temp_dns(void) __attribute__((noreturn));
static void temp_dns(void) { fatal("ZSorry, I couldn't find any host by that name. (#4.1.2)\n"); }
static void temp_chdir(void) __attribute__((noreturn));
static void temp_chdir(void) { fatal("ZUnable to switch to home directory. (#4.3.0)\n"); }
static void temp_control(void) __attribute__((noreturn));
static void temp_control(void) { fatal("ZUnable to read control files. (#4.3.0)\n"); }
static void perm_partialline(void) __attribute__((noreturn));
static void perm_partialline(void) { fatal("DSMTP cannot transfer messages with partial final lines. (#5.6.2)\n"); }
static void perm_usage(void) __attribute__((noreturn));
static void perm_usage(void) { fatal("DI (qmail-remote) was invoked improperly. (#5.3.5)\n"); }
static void perm_nomx(void) __attribute__((noreturn));
static void perm_nomx(void) { fatal("DSorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n"); }
static void perm_ambigmx(void) __attribute__((noreturn));
static void perm_ambigmx(void)
{
    fatal("DSorry. Although I'm listed as a best-preference MX or A for that host,\n"
          "it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)\n");
}
static void perm_dns(void) __attribute__((noreturn));
static void perm_dns(void)
{
    out("DSorry, I couldn't find any host named ");
    outsafe(&host);
    out(". (#5.1.2)\n");
    zerodie();
}

static void outhost(void) { out(partner); }

static void dropped(void) __attribute__((noreturn));
static void dropped(void)
{
    out("ZConnected to ");
    outhost();
    out(" but connection died. ");
    if (flagcritical) out("Possible duplicate! ");
    out("(#4.4.2)\n");
    zerodie();
}

/* ---- the connection ---------------------------------------------------------- */

static long replybytes;

static char get(void)
{
    char c;
    if (buf_getc(&smtpin, &c) <= 0) dropped();
    if (++replybytes > REPLY_MAX) dropped();
    if (c != '\r' && smtptext.len < HUGESMTPTEXT)
        if (str_catc(&smtptext, c) < 0) temp_nomem();
    return c;
}

/* Reads one reply (all its lines) and returns its code. */
static unsigned long smtpcode(void)
{
    unsigned char ch;
    unsigned long code;

    str_truncate(&smtptext, 0);
    replybytes = 0;
    ch = (unsigned char)get(); code = (unsigned long)(ch - '0');
    ch = (unsigned char)get(); code = code * 10 + (unsigned long)(ch - '0');
    ch = (unsigned char)get(); code = code * 10 + (unsigned long)(ch - '0');
    for (;;) {
        ch = (unsigned char)get();
        if (ch != '-') break;
        while (ch != '\n') ch = (unsigned char)get();
        get();
        get();
        get();
    }
    while (ch != '\n') ch = (unsigned char)get();
    return code;
}

static void outsmtptext(void)
{
    if (!smtptext.len) return;
    out("Remote host said: ");
    for (size_t i = 0; i < smtptext.len; i++)
        if (!smtptext.s[i]) smtptext.s[i] = '?';
    if (buf_put(&outbuf, smtptext.s, smtptext.len) < 0) _exit(0);
    str_truncate(&smtptext, 0);
}

static void sput(const char *s, size_t n)
{
    if (buf_put(&smtpout, s, n) < 0) dropped();
}

static void sputs(const char *s) { sput(s, strlen(s)); }

static void sflush(void)
{
    if (buf_flush(&smtpout) < 0) dropped();
}

/* Ends the dialogue: QUIT (its reply is not awaited, and a failure to send
 * it changes nothing), then the message report. */
static void quit(const char *prepend, const char *append) __attribute__((noreturn));
static void quit(const char *prepend, const char *append)
{
    if (buf_puts(&smtpout, "QUIT\r\n") == 0) (void)buf_flush(&smtpout);
    out(prepend);
    outhost();
    out(append);
    out(".\n");
    outsmtptext();
    zerodie();
}

/*
 * The message, as SMTP wants it: a line starting with '.' gets another
 * '.'; LF, CRLF and a bare CR each end a line and are sent as CRLF (so no
 * byte sequence in the message can end the DATA early); the message must
 * end with LF.
 */
static void blast(void)
{
    int sol = 1, cr = 0;
    char o[2 * 8192 + 8];
    size_t on = 0;

    for (;;) {
        ssize_t r = buf_feed(&msgin);
        if (r < 0) temp_read();
        if (r == 0) break;
        const char *p = buf_peek(&msgin);
        size_t n = (size_t)r;
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            if (cr) {
                cr = 0;
                o[on++] = '\r';
                o[on++] = '\n';
                sol = 1;
                if (c == '\n') continue;
            }
            if (sol && c == '.') o[on++] = '.';
            sol = 0;
            if (c == '\n') {
                o[on++] = '\r';
                o[on++] = '\n';
                sol = 1;
            } else if (c == '\r') {
                cr = 1;
            } else {
                o[on++] = c;
            }
            if (on >= sizeof o - 8) {
                sput(o, on);
                on = 0;
            }
        }
        buf_skip(&msgin, n);
    }
    if (cr || !sol) perm_partialline();
    if (on) sput(o, on);
    flagcritical = 1;
    sputs(".\r\n");
    sflush();
}

static void smtp(void) __attribute__((noreturn));
static void smtp(void)
{
    unsigned long code;
    int flagbother = 0;

    if (smtpcode() != 220) quit("ZConnected to ", " but greeting failed");

    sputs("EHLO ");
    sput(helohost.s, helohost.len);
    sputs("\r\n");
    sflush();
    if (smtpcode() != 250) {
        sputs("HELO ");
        sput(helohost.s, helohost.len);
        sputs("\r\n");
        sflush();
        if (smtpcode() != 250) quit("ZConnected to ", " but my name was rejected");
    }

    sputs("MAIL FROM:<");
    sput(sender.s, sender.len);
    sputs(">\r\n");
    sflush();
    code = smtpcode();
    if (code >= 500) quit("DConnected to ", " but sender was rejected");
    if (code >= 400) quit("ZConnected to ", " but sender was rejected");

    for (size_t i = 0; i < nrecips; i++) {
        sputs("RCPT TO:<");
        sput(recips[i].s, recips[i].len);
        sputs(">\r\n");
        sflush();
        code = smtpcode();
        if (code >= 500) {
            out("h");
            outhost();
            out(" does not like recipient.\n");
            outsmtptext();
            zero();
        } else if (code >= 400) {
            out("s");
            outhost();
            out(" does not like recipient.\n");
            outsmtptext();
            zero();
        } else {
            out("r");
            zero();
            flagbother = 1;
        }
    }
    if (!flagbother) quit("DGiving up on ", "");

    sputs("DATA\r\n");
    sflush();
    code = smtpcode();
    if (code >= 500) quit("D", " failed on DATA command");
    if (code >= 400) quit("Z", " failed on DATA command");

    blast();
    code = smtpcode();
    flagcritical = 0;
    if (code >= 500) quit("D", " failed after I sent the message");
    if (code >= 400) quit("Z", " failed after I sent the message");
    quit("K", " accepted message");
}

/* Connects to ip within timeoutconnect seconds: 0, or -1 with errno
 * (ETIMEDOUT for a timeout). */
static int timeoutconn(int fd, struct in_addr ip)
{
    struct sockaddr_in sa;
    struct pollfd pfd;
    int err = 0;
    socklen_t elen = sizeof err;

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr = ip;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return 0;
    if (errno != EINPROGRESS) return -1;
    pfd.fd = fd;
    pfd.events = POLLOUT;
    for (;;) {
        int r = poll(&pfd, 1, (int)(timeoutconnect * 1000));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        break;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) return -1;
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

/* ---- set-up ------------------------------------------------------------------------- */

static ctl_map routes;

static void getcontrols(const char *home)
{
    int r;
    if (ctl_readulong(home, "timeoutremote", 1200, &timeout) == CTL_ERR) temp_control();
    if (ctl_readulong(home, "timeoutconnect", 60, &timeoutconnect) == CTL_ERR) temp_control();
    r = ctl_readline(home, "helohost", &helohost);
    if (r == CTL_ERR) temp_control();
    if (r == CTL_MISSING && ctl_readline(home, "me", &helohost) != CTL_FOUND) temp_control();
    if (ctl_readmap(home, "smtproutes", &routes) == CTL_ERR) temp_control();
    if (timeout > TIMEOUT_MAX) timeout = TIMEOUT_MAX;
    if (timeoutconnect > TIMEOUT_MAX) timeoutconnect = TIMEOUT_MAX;
    if (timeout == 0) timeout = 1;
    if (timeoutconnect == 0) timeoutconnect = 1;
}

/* The address as qmail-remote sends it: the local part quoted if needed. */
static void addrmangle(str *out, const char *s)
{
    if (!strchr(s, '@')) {
        if (str_copys(out, s) < 0) temp_nomem();
        return;
    }
    str_truncate(out, 0);
    if (addr_quote(out, s, strlen(s)) < 0) temp_nomem();
}

int main(int argc, char **argv)
{
    rmxlist ip = { 0, 0, 0 };
    const char *relay = NULL;
    unsigned long prefme, random;
    size_t i;
    int r;
    const char *home;

    signal(SIGPIPE, SIG_IGN);
    if (buf_init(&outbuf, 1, NULL, 1024) < 0) _exit(0);
    if (argc < 4) perm_usage();
    home = ctl_home();
    if (chdir(home) < 0) temp_chdir();
    home = getcwd(NULL, 0);             /* a relative $QMAILHOME stays usable */
    if (!home) temp_chdir();
    getcontrols(home);

    if (str_copys(&host, argv[1]) < 0) temp_nomem();
    for (i = 0; i <= host.len; i++) {
        const char *v;
        size_t vlen;
        if (i == 0 || i == host.len || host.s[i] == '.')
            if (ctl_map_find(&routes, host.s + i, host.len - i, &v, &vlen)) {
                relay = v;
                break;
            }
    }
    if (relay && *relay) {
        const char *colon = strchr(relay, ':');
        if (colon) {
            unsigned long u = 0;
            if (scan_ulong(colon + 1, strlen(colon + 1), &u) && u > 0 && u < 65536) port = u;
            if (colon > relay) {
                if (str_copyb(&host, relay, (size_t)(colon - relay)) < 0) temp_nomem();
            } else {
                relay = NULL;          /* ":port": the normal MX, another port */
            }
        } else if (str_copys(&host, relay) < 0) {
            temp_nomem();
        }
    } else {
        relay = NULL;
    }

    addrmangle(&sender, argv[2]);
    nrecips = (size_t)argc - 3;
    recips = calloc(nrecips, sizeof *recips);
    if (!recips) temp_nomem();
    for (i = 0; i < nrecips; i++) addrmangle(&recips[i], argv[3 + i]);
    if (ipme_init(&me) < 0) temp_oserr();

    random = (unsigned long)time(NULL) + ((unsigned long)getpid() << 16);
    r = relay ? rdns_ip(&ip, host.s, 0) : rdns_mxip(&ip, host.s, random);
    switch (r) {
    case RDNS_MEM: temp_nomem();
    case RDNS_SOFT: temp_dns();
    case RDNS_HARD: perm_dns();
    case RDNS_SOFTSOME: if (!ip.n) temp_dns(); break;
    default: break;
    }
    if (!ip.n) perm_nomx();

    /* never connect to ourselves: only exchangers better than our own */
    prefme = 100000;
    for (i = 0; i < ip.n; i++)
        if (ipme_is(&me, ip.v[i].ip) && ip.v[i].pref < prefme) prefme = ip.v[i].pref;
    if (relay) prefme = 300000;
    for (i = 0; i < ip.n; i++)
        if (ip.v[i].pref < prefme) break;
    if (i >= ip.n) perm_ambigmx();

    for (i = 0; i < ip.n; i++) {
        tcpto_state t;
        if (ip.v[i].pref >= prefme) continue;
        if (tcpto_skip(&t, ip.v[i].ip)) continue;
        smtpfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (smtpfd < 0) temp_oserr();
        if (timeoutconn(smtpfd, ip.v[i].ip) == 0) {
            tcpto_err(&t, ip.v[i].ip, 0);
            if (!inet_ntop(AF_INET, &ip.v[i].ip, partner, sizeof partner)) temp_oserr();
            if (buf_init(&smtpin, smtpfd, NULL, 0) < 0 || buf_init(&smtpout, smtpfd, NULL, 0) < 0 ||
                buf_init(&msgin, 0, NULL, 65536) < 0)
                temp_nomem();
            buf_settimeout(&smtpin, (int)(timeout * 1000));
            buf_settimeout(&smtpout, (int)(timeout * 1000));
            smtp();
        }
        tcpto_err(&t, ip.v[i].ip, errno == ETIMEDOUT);
        close(smtpfd);
    }
    temp_noconn();
}
