/* qqfwd: queue a forwarded copy of stdin.  See qqfwd.h. */
#include "qqfwd.h"

#include <unistd.h>

#include "buf.h"
#include "die.h"
#include "qq.h"

int qqfwd(const char *dtline, const char *sender, char *const *rcpt, size_t n,
          unsigned long *qp, str *why)
{
    char inspace[8192];
    buf in;
    qq q;
    int r;

    if (qq_start(&q, NULL) < 0) return QQFWD_START;
    qq_puts(&q, dtline);
    buf_init(&in, 0, inspace, sizeof inspace);
    for (;;) {
        ssize_t got = buf_feed(&in);
        if (got < 0) {
            qq_abort(&q);
            return QQFWD_READ;
        }
        if (got == 0) break;
        qq_put(&q, buf_peek(&in), (size_t)got);
        buf_skip(&in, (size_t)got);
    }
    qq_from(&q, sender);
    for (size_t i = 0; i < n; ++i) qq_to(&q, rcpt[i]);
    *qp = q.qp;
    r = qq_finish(&q, why);
    return r;
}

void qqfwd_report(const char *prog, unsigned long qp)
{
    str msg = STR_INIT;
    if (str_cats(&msg, prog) == 0 && str_cats(&msg, ": qp ") == 0 &&
        str_catulong(&msg, qp) == 0 && str_catc(&msg, '\n') == 0) {
        ssize_t w = write(2, msg.s, msg.len);
        (void)w;
    }
    str_free(&msg);
}

void qqfwd_or_die(const char *prog, const char *dtline, const char *sender, char *const *rcpt, size_t n)
{
    str why = STR_INIT;
    unsigned long qp = 0;
    switch (qqfwd(dtline, sender, rcpt, n, &qp, &why)) {
    case QQFWD_OK: break;
    case QQFWD_START: die_sys(EXIT_TEMP, prog, "unable to fork");
    case QQFWD_READ: die_sys(EXIT_TEMP, prog, "unable to read message");
    case QQFWD_PERM: die(EXIT_PERM, prog, "%s", why.s);
    default: die(EXIT_TEMP, prog, "%s", why.s);
    }
    str_free(&why);
    qqfwd_report(prog, qp);
}
