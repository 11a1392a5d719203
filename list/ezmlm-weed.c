/*
 * ezmlm-weed: drops mail that is not worth an answer or a bounce record
 * (autoresponders, delivery success/delay notices, other lists' traffic)
 * before ezmlm-manage or ezmlm-return see it.  Exit 99 drops the message
 * (success, stop the .qmail file), 0 lets it through, 111 on read errors.
 * No options, no list directory.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "hdr.h"
#include "msgin.h"
#include "str.h"

static const char *prog = "ezmlm-weed";

/* name, value prefix ("" = any value): the message is noise */
static const struct { const char *name, *value; } noise[] = {
    { "Subject", "success notice" },
    { "Subject", "deferral notice" },
    { "Precedence", "bulk" },
    { "Precedence", "junk" },
    { "Precedence", "list" },
    { "Mailing-List", "" },
    { "List-ID", "" },
    { "X-Mailing-List", "" },
    { "X-ML-Name", "" },
    { "List-Help", "" },
    { "List-Unsubscribe", "" },
    { "List-Subscribe", "" },
    { "List-Post", "" },
    { "List-Owner", "" },
    { "List-Archive", "" },
    { "Subject", "Message status - delivered" },
    { "Subject", "Message status - opened" },
    { "Subject", "Out of Office AutoReply:" },
    { "X-Amazon-Auto-Reply", "" },
    { "X-Mailer", "KANA Response" },
    { "Thread-Topic", "AutoResponse" },
    { "Subject", "AutoResponse -" },
};

static const char warn1[] = "    **********************************************";
static const char warn2[] = "    **      THIS IS A WARNING MESSAGE ONLY      **";
static const char warn3[] = "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **";

static int starts(const str *s, const char *p)
{
    return case_starts(s->s, s->len, p);
}

static void die_read(void) { die_sys(EXIT_TEMP, prog, "unable to read input"); }

/* Next body line start (at most 1000 bytes of it); continuation pieces of
 * longer lines are skipped.  0 at end of input. */
static int next_line(msgin *m, str *line)
{
    int start, r;
    for (;;) {
        r = msgin_piece(m, line, 1000, &start);
        if (r < 0) die_read();
        if (r == 0) return 0;
        if (start) return 1;
    }
}

static int blank_line(const str *l)
{
    return (l->len == 1 && l->s[0] == '\n') || (l->len == 2 && l->s[0] == '\r' && l->s[1] == '\n');
}

/* Reads a delivery-status report: 0 = a failure report, 99 = some other
 * report (delayed, delivered, relayed, ...), 0 also for reports we cannot
 * parse (they are handed to ezmlm-return, which decides). */
static int parse_dsn(msgin *m, const str *boundary)
{
    static str line = STR_INIT;   /* static: still reachable at exit */
    int close;
    for (;;) {
        if (!next_line(m, &line)) return 0;
        if (!mime_is_boundary(line.s, line.len, boundary, &close)) continue;
        if (close) return 99;
    part:
        /* the part header: is this the delivery-status part? */
        {
            int status = 0;
            for (;;) {
                if (!next_line(m, &line)) return 0;
                if (blank_line(&line)) break;
                if (mime_is_boundary(line.s, line.len, boundary, &close)) {
                    if (close) return 99;
                    goto part;
                }
                if (starts(&line, "content-type:")) {
                    str type = STR_INIT;
                    if (mime_type(line.s + 13, line.len - 13, &type) < 0) die_nomem(prog);
                    status = str_equals(&type, "message/delivery-status");
                    str_free(&type);
                }
            }
            if (!status) continue;
            for (;;) {
                if (!next_line(m, &line)) return 0;
                if (mime_is_boundary(line.s, line.len, boundary, &close)) {
                    if (close) return 99;
                    goto part;
                }
                if (starts(&line, "action:")) {
                    const char *v = line.s + 7;
                    size_t n = line.len - 7;
                    while (n && (*v == ' ' || *v == '\t')) { v++; n--; }
                    return case_starts(v, n, "failed") ? 0 : 99;
                }
            }
        }
    }
}

int main(int argc, char **argv)
{
    msgin m = MSGIN_INIT;
    hdr_iter it;
    hdr_field f;
    str v = STR_INIT, ctype = STR_INIT, boundary = STR_INIT, rtype = STR_INIT;
    int k, autosub = 0, mds = 0, sw = 0, sr = 0, as = 0, dsn = 0;
    size_t i;
    (void)argc;
    (void)argv;

    signal(SIGPIPE, SIG_IGN);
    if (msgin_open(&m, 0, 0) < 0) {
        if (errno == EFBIG) exit(0); /* not ours to judge: let it through */
        die_read();
    }
    hdr_iter_init(&it, m.head.s, m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        v.len = 0;
        if (hdr_value(&v, &f) < 0 || str_catc(&v, 0) < 0) die_nomem(prog);
        v.len--;
        for (i = 0; i < sizeof noise / sizeof noise[0]; i++)
            if (hdr_is(&f, noise[i].name) && starts(&v, noise[i].value)) exit(99);
        if (hdr_is(&f, "Auto-Submitted")) {
            /* RFC 3834: "no" means a person sent it */
            if (!(v.len == 2 && case_equalb(v.s, "no", 2))) autosub = 1;
            if (starts(&v, "auto-generated (warning")) as = 1;
        } else if (hdr_is(&f, "From")) {
            if (starts(&v, "Mail Delivery Subsystem <MAILER-DAEMON@")) mds = 1;
        } else if (hdr_is(&f, "Subject")) {
            if (starts(&v, "Warning: could not send message")) sw = 1;
            if (starts(&v, "Returned mail: warning: cannot send message")) sr = 1;
        } else if (hdr_is(&f, "Content-Type") && !ctype.len) {
            if (str_copy(&ctype, &v) < 0) die_nomem(prog);
        }
    }
    if (ctype.len) {
        str t = STR_INIT;
        if (mime_type(ctype.s, ctype.len, &t) < 0) die_nomem(prog);
        if (str_equals(&t, "multipart/report") &&
            mime_param(ctype.s, ctype.len, "report-type", &rtype) == 1 &&
            case_equals(rtype.s, "delivery-status") &&
            mime_param(ctype.s, ctype.len, "boundary", &boundary) == 1 && boundary.len)
            dsn = 1;
        str_free(&t);
    }
    if (dsn) exit(parse_dsn(&m, &boundary));
    if (autosub) exit(99);
    if (mds && ((sw && as) || sr)) {
        /* old sendmail warnings: the starred banner near the top of the body */
        str l[8];
        int n;
        memset(l, 0, sizeof l);
        for (n = 0; n < 8 && next_line(&m, &l[n]); n++) {}
        if ((n >= 8 && starts(&l[0], "This is a MIME-encapsulated message") && starts(&l[2], "--") &&
             starts(&l[4], warn1) && starts(&l[5], warn2) && starts(&l[6], warn3) &&
             starts(&l[7], warn1)) ||
            (n >= 4 && starts(&l[0], warn1) && starts(&l[1], warn2) && starts(&l[2], warn3) &&
             starts(&l[3], warn1)))
            exit(99);
    }
    exit(0);
}
