/*
 * qmail-qmqpd: receive one message by QMQP (run by tcpserver) and queue it.
 *
 * Reads one QMQP packet on stdin -- a netstring holding the message, the
 * envelope sender and the recipients, each a netstring -- queues the
 * message through qmail-queue ($QMAILQUEUE honoured) with a Received line
 * "from <TCPREMOTEHOST> (<TCPREMOTEINFO>@<TCPREMOTEIP>) by <TCPLOCALHOST>
 * with QMQP" at the top, and answers with one netstring: "Kok <time> qp
 * <pid>", or the queue's failure as "Z<text>" / "D<text>".  An address of
 * 1000 bytes or more, or with a NUL byte, makes the whole message fail
 * ("Dsorry, I can't accept addresses like that (#5.1.3)").
 *
 * Exit codes: 0 after answering, or when the client went away (nothing is
 * queued then); 100 for a malformed packet (nothing queued, no answer);
 * 111 for resource problems and after the one-hour time limit.
 * The message is streamed to qmail-queue in bounded memory.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "fs.h"
#include "netstring.h"
#include "qq.h"
#include "received.h"
#include "str.h"

#define PACKET_MAX 2000000000u /* longest packet accepted (qmail: about 2 GB) */
#define ADDR_LIMIT 1000        /* addresses this long or longer are refused */

static char inspace[8192];
static buf in = BUF_INIT(0, inspace, sizeof inspace);
static size_t bytesleft;
static qq q;
static int started;

static void bye(int code) __attribute__((noreturn));
static void bye(int code)
{
    if (started) qq_abort(&q);
    _exit(code);
}

static void on_alarm(int sig)
{
    (void)sig;
    _exit(111);
}

/* "<len>:" of a netstring inside the packet; its payload and ',' must fit */
static size_t getlen(void)
{
    size_t len, used;
    switch (netstring_getlen(&in, bytesleft, &len, &used)) {
    case NETSTRING_OK: break;
    case NETSTRING_BAD: case NETSTRING_TOOBIG: bye(100);
    default: bye(0); /* the client went away */
    }
    if (used > bytesleft) bye(100);
    bytesleft -= used;
    if (len >= bytesleft) bye(100);
    return len;
}

static void getcomma(void)
{
    switch (netstring_getcomma(&in)) {
    case NETSTRING_OK: break;
    case NETSTRING_BAD: bye(100);
    default: bye(0);
    }
    bytesleft--;
}

static void getbytes(char *to, size_t len)
{
    while (len) {
        ssize_t r = buf_read(&in, to, len);
        if (r <= 0) bye(0);
        to += r;
        len -= (size_t)r;
        bytesleft -= (size_t)r;
    }
}

/* An address into a (replaced): 1 if acceptable, 0 if too long or with NUL. */
static int getaddr(str *a)
{
    char tmp[4096];
    size_t len = getlen();
    str_truncate(a, 0);
    if (len >= ADDR_LIMIT) {
        while (len) {
            size_t n = len < sizeof tmp ? len : sizeof tmp;
            getbytes(tmp, n);
            len -= n;
        }
        getcomma();
        return 0;
    }
    if (str_ready(a, len) < 0) bye(111);
    getbytes(a->s, len);
    a->len = len;
    a->s[len] = 0;
    getcomma();
    return memchr(a->s, 0, len) == NULL;
}

static const char *envor(const char *name, const char *def)
{
    const char *x = getenv(name);
    return x ? x : def;
}

int main(void)
{
    str a = STR_INIT, result = STR_INIT, reply = STR_INIT, rcv = STR_INIT;
    int flagok = 1;
    size_t len, used;
    char tmp[8192];

    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm(3600);

    switch (netstring_getlen(&in, PACKET_MAX, &bytesleft, &used)) {
    case NETSTRING_OK: break;
    case NETSTRING_TOOBIG: bye(111);
    case NETSTRING_BAD: bye(100);
    default: bye(0);
    }
    len = getlen();

    if (chdir(ctl_home()) < 0) bye(111);
    if (qq_start(&q, ".") < 0) bye(111);
    started = 1;
    {
        const char *local = getenv("TCPLOCALHOST");
        if (!local) local = envor("TCPLOCALIP", "unknown");
        if (received_fmt(&rcv, "QMQP", local, envor("TCPREMOTEIP", "unknown"),
                         envor("TCPREMOTEHOST", "unknown"), getenv("TCPREMOTEINFO"), NULL,
                         time(NULL)) < 0)
            bye(111);
        qq_put(&q, rcv.s, rcv.len);
    }
    while (len) {
        size_t n = len < sizeof tmp ? len : sizeof tmp;
        getbytes(tmp, n);
        qq_put(&q, tmp, n);
        len -= n;
    }
    getcomma();

    if (getaddr(&a)) {
        qq_from(&q, a.s);
    } else {
        qq_from(&q, "");
        flagok = 0;
    }
    while (bytesleft)
        if (getaddr(&a)) qq_to(&q, a.s);
        else flagok = 0;
    switch (netstring_getcomma(&in)) { /* the packet's own ',' */
    case NETSTRING_OK: break;
    case NETSTRING_BAD: bye(100);
    default: bye(0);
    }

    if (!flagok) {
        qq_abort(&q);
        started = 0;
        if (str_copys(&result, "Dsorry, I can't accept addresses like that (#5.1.3)") < 0) bye(111);
    } else {
        str why = STR_INIT;
        int r = qq_finish(&q, &why);
        started = 0;
        if (r == 0) {
            if (str_catf(&result, "Kok %lu qp %lu", (unsigned long)time(NULL), q.qp) < 0) bye(111);
        } else if (str_catc(&result, (char)r) < 0 || str_cat(&result, &why) < 0) {
            bye(111);
        }
        str_free(&why);
    }
    if (netstring_cat(&reply, result.s, result.len) < 0) bye(111);
    if (fs_write_all(1, reply.s, reply.len) < 0) bye(0);
    _exit(0);
}
