/*
 * qmail-qmtpd: receive mail by QMTP (run by tcpserver) and queue it.
 *
 * Reads packages until the client closes the connection.  A package is a
 * netstring holding the message (its first byte says the line convention:
 * LF, or CR for CRLF lines, which are turned into LF lines), a netstring
 * holding the envelope sender, and a netstring holding the recipients,
 * each a netstring.  Every message is queued through qmail-queue
 * ($QMAILQUEUE honoured) with a Received line "... with QMTP" on top, and
 * answered with one netstring per recipient, in order: "Kok <time> qp
 * <pid>", or "Z..." / "D..." for the message or for that recipient.
 *
 * As qmail-smtpd: recipients must be in rcpthosts or morercpthosts.cdb
 * (when control/rcpthosts exists) unless RELAYCLIENT is set, whose value is
 * then appended to each recipient; messages longer than databytes
 * (control/databytes, or $DATABYTES) are refused.  Addresses of 1000 bytes
 * or more, or with a NUL byte, are refused.
 *
 * Exit codes: 0 when the client closes the connection (a package cut short
 * is thrown away, nothing of it queued); 100 for a protocol violation; 111
 * for resource problems and after the one-hour time limit.
 * Messages are streamed to qmail-queue in bounded memory.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cdbx.h"
#include "ctl.h"
#include "netstring.h"
#include "qq.h"
#include "received.h"
#include "str.h"

#define LEN_MAX 2000000000u /* longest netstring accepted (qmail: about 2 GB) */
#define ADDR_LIMIT 1000     /* addresses (with RELAYCLIENT) this long are refused */

static char inspace[8192], outspace[4096];
static buf in = BUF_INIT(0, inspace, sizeof inspace);
static buf out = BUF_INIT(1, outspace, sizeof outspace);
static qq q;
static int started;

/* Every exit first sends the answers already due for earlier packages
 * (a client must learn that they were accepted), then abandons the
 * package in progress, if any: nothing of it is queued. */
static void bye(int code) __attribute__((noreturn));
static void bye(int code)
{
    buf_flush(&out);
    if (started) qq_abort(&q);
    _exit(code);
}

static void on_alarm(int sig)
{
    (void)sig;
    _exit(111);
}

/* ---- rcpthosts ---------------------------------------------------------------- */

static int flagrh;             /* control/rcpthosts exists */
static ctl_set rh = CTL_SET_INIT;
static cdbx mrh;
static int flagmrh;

static void rcpthosts_init(void)
{
    int r = ctl_readset(".", "rcpthosts", &rh);
    if (r == CTL_ERR) bye(111);
    flagrh = (r == CTL_FOUND);
    if (!flagrh) return;
    if (cdbx_open(&mrh, "control/morercpthosts.cdb") == 0) flagmrh = 1;
    else if (errno != ENOENT) bye(111);
}

/* 1 accepted, 0 not in rcpthosts; exits 111 on a lookup error */
static int rcpthosts(const char *a, size_t len)
{
    const char *at;
    str host = STR_INIT, val = STR_INIT;
    int ok = 0;

    if (!flagrh) return 1;
    at = memrchr(a, '@', len);
    if (!at) return 1; /* envnoathost's domain, presumably acceptable */
    if (str_copyb(&host, at + 1, len - (size_t)(at + 1 - a)) < 0) bye(111);
    str_lower(&host);
    if (ctl_set_has_domain(&rh, host.s, host.len)) ok = 1;
    for (size_t j = 0; !ok && flagmrh && j < host.len; j++) {
        if (j && host.s[j] != '.') continue;
        int r = cdbx_find(&mrh, host.s + j, host.len - j, &val);
        if (r < 0) bye(111);
        if (r > 0) ok = 1;
    }
    str_free(&host);
    str_free(&val);
    return ok;
}

/* ---- reading ------------------------------------------------------------------ */

static void flush(void)
{
    if (buf_flush(&out) < 0) {
        if (started) qq_abort(&q);
        _exit(0); /* the client went away */
    }
}

/* pipelining: replies go out before the server waits for more input */
static void need_input(void)
{
    if (!buf_buffered(&in)) flush();
}

static size_t getlen(size_t max, size_t *used)
{
    size_t len, u = 0;
    need_input();
    switch (netstring_getlen(&in, max, &len, &u)) {
    case NETSTRING_OK: break;
    case NETSTRING_TOOBIG: bye(max == LEN_MAX ? 111 : 100);
    case NETSTRING_BAD: bye(100);
    default: bye(0);
    }
    if (used) *used = u;
    return len;
}

static void getcomma(void)
{
    need_input();
    switch (netstring_getcomma(&in)) {
    case NETSTRING_OK: return;
    case NETSTRING_BAD: bye(100);
    default: bye(0);
    }
}

static char getbyte(void)
{
    char c;
    need_input();
    if (buf_getc(&in, &c) != 1) bye(0);
    return c;
}

static void getbytes(char *to, size_t len)
{
    while (len) {
        need_input();
        ssize_t r = buf_read(&in, to, len);
        if (r <= 0) bye(0);
        to += r;
        len -= (size_t)r;
    }
}

static void skipbytes(size_t len)
{
    char tmp[4096];
    while (len) {
        size_t n = len < sizeof tmp ? len : sizeof tmp;
        getbytes(tmp, n);
        len -= n;
    }
}

/* ---- one package ------------------------------------------------------------------ */

static unsigned long databytes;
static const char *relayclient;
static size_t relayclientlen;
static const char *local, *remoteip, *remotehost, *remoteinfo;

static void put_reply(const char *s)
{
    str ns = STR_INIT;
    if (netstring_cat(&ns, s, strlen(s)) < 0) bye(111);
    if (buf_putstr(&out, &ns) < 0) bye(0);
    str_free(&ns);
}

static void package(size_t len)
{
    char tmp[8192], conv[2 * sizeof tmp];
    str rcv = STR_INIT, addr = STR_INIT, failure = STR_INIT, result = STR_INIT, why = STR_INIT;
    int flagdos, flagsenderok = 1, flagbother = 0, toobig = 0, cr = 0;
    unsigned long long written = 0;
    size_t biglen;

    if (qq_start(&q, ".") < 0) bye(111);
    started = 1;

    char c = getbyte();
    len--;
    if (c == '\n') flagdos = 0;
    else if (c == '\r') flagdos = 1;
    else bye(100);

    if (received_fmt(&rcv, "QMTP", local, remoteip, remotehost, remoteinfo, NULL, time(NULL)) < 0)
        bye(111);
    qq_put(&q, rcv.s, rcv.len);
    str_free(&rcv);

    if (!flagdos && databytes && len > databytes) toobig = 1;
    while (len) {
        size_t n = len < sizeof tmp ? len : sizeof tmp, w = 0;
        getbytes(tmp, n);
        len -= n;
        if (!flagdos) {
            memcpy(conv, tmp, n);
            w = n;
        } else {
            /* CR LF -> LF; any other CR stays (a CR may end a chunk) */
            for (size_t i = 0; i < n; i++) {
                if (cr) {
                    cr = 0;
                    if (tmp[i] == '\n') {
                        conv[w++] = '\n';
                        continue;
                    }
                    conv[w++] = '\r';
                }
                if (tmp[i] == '\r') cr = 1;
                else conv[w++] = tmp[i];
            }
            if (!len && cr) conv[w++] = '\r';
        }
        written += w;
        if (databytes && written > databytes) toobig = 1;
        if (!toobig) qq_put(&q, conv, w);
    }
    getcomma();

    /* sender */
    size_t slen = getlen(LEN_MAX, NULL);
    if (slen >= ADDR_LIMIT) {
        skipbytes(slen);
        str_truncate(&addr, 0);
        if (str_copys(&addr, "") < 0) bye(111);
        flagsenderok = 0;
    } else {
        if (str_ready(&addr, slen) < 0) bye(111);
        getbytes(addr.s, slen);
        addr.len = slen;
        addr.s[slen] = 0;
        if (memchr(addr.s, 0, slen)) flagsenderok = 0;
    }
    getcomma();
    qq_from(&q, flagsenderok ? addr.s : "");

    /* recipients */
    biglen = getlen(LEN_MAX, NULL);
    while (biglen > 0) {
        size_t rlen, used;
        char f = 0;
        rlen = getlen(biglen - 1, &used); /* the ':' fits; payload checked below */
        if (used > biglen) bye(100);
        biglen -= used;
        if (rlen >= biglen) bye(100);
        if (rlen + relayclientlen >= ADDR_LIMIT) {
            f = 'L';
            skipbytes(rlen);
        } else {
            if (str_ready(&addr, rlen + relayclientlen) < 0) bye(111);
            getbytes(addr.s, rlen);
            addr.len = rlen;
            addr.s[rlen] = 0;
            if (memchr(addr.s, 0, rlen)) f = 'N';
            else if (relayclient) {
                if (str_cats(&addr, relayclient) < 0) bye(111);
            } else if (!rcpthosts(addr.s, addr.len)) {
                f = 'D';
            }
            if (!f) {
                qq_to(&q, addr.s);
                flagbother = 1;
            }
        }
        if (str_catc(&failure, f) < 0) bye(111);
        getcomma();
        biglen -= rlen + 1;
    }
    getcomma();

    if (!flagbother || !flagsenderok || toobig) {
        qq_abort(&q);
        started = 0;
        if (str_copys(&result, "Zqq temporary problem (#4.3.0)") < 0) bye(111);
    } else {
        int r = qq_finish(&q, &why);
        started = 0;
        if (r == 0) {
            if (str_catf(&result, "Kok %lu qp %lu", (unsigned long)time(NULL), q.qp) < 0)
                bye(111);
        } else if (str_catc(&result, (char)r) < 0 || str_cat(&result, &why) < 0) {
            bye(111);
        }
    }
    if (!flagsenderok && str_copys(&result, "Dunacceptable sender (#5.1.7)") < 0) bye(111);
    if (toobig
        && str_copys(&result, "Dsorry, that message size exceeds my databytes limit (#5.3.4)") < 0)
        bye(111);

    for (size_t i = 0; i < failure.len; i++) {
        switch (failure.s[i]) {
        case 0: put_reply(result.s); break;
        case 'D': put_reply("Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"); break;
        default: put_reply("Dsorry, I can't handle that recipient (#5.1.3)"); break;
        }
    }
    str_free(&addr);
    str_free(&failure);
    str_free(&result);
    str_free(&why);
}

int main(void)
{
    const char *x;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm(3600);

    if (chdir(ctl_home()) < 0) bye(111);
    rcpthosts_init();
    relayclient = getenv("RELAYCLIENT");
    relayclientlen = relayclient ? strlen(relayclient) : 0;
    if (ctl_readulong(".", "databytes", 0, &databytes) == CTL_ERR) bye(111);
    if ((x = getenv("DATABYTES"))) scan_ulong(x, strlen(x), &databytes);

    remotehost = getenv("TCPREMOTEHOST");
    if (!remotehost) remotehost = "unknown";
    remoteinfo = getenv("TCPREMOTEINFO");
    remoteip = getenv("TCPREMOTEIP");
    if (!remoteip) remoteip = "unknown";
    local = getenv("TCPLOCALHOST");
    if (!local) local = getenv("TCPLOCALIP");
    if (!local) local = "unknown";

    for (;;) {
        size_t len, used;
        need_input();
        switch (netstring_getlen(&in, LEN_MAX, &len, &used)) {
        case NETSTRING_OK: break;
        case NETSTRING_EOF: bye(0);
        case NETSTRING_TOOBIG: bye(111);
        case NETSTRING_BAD: bye(100);
        default: bye(0);
        }
        if (len == 0) bye(100);
        package(len);
    }
}
