/*
 * ezmlm-reject: the first filter of a list's editor.  Refuses posts that
 * have no subject, look like commands, do not name the list in To:/Cc:,
 * carry another list's headers, are too large or too small, or have MIME
 * types the list does not take; silently drops Precedence: bulk/junk.
 *
 *   ezmlm-reject [-bBcCfFhHqQsStT] [DIR]
 *
 * Exit 0 (accept), 99 (drop silently, or a command was forwarded), 100
 * (reject: the message on stderr becomes the bounce text), 111 (temporary).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "die.h"
#include "ezmsg.h"
#include "hdr.h"
#include "listdir.h"
#include "msgin.h"
#include "qq.h"
#include "str.h"

static const char *prog = "ezmlm-reject";
static const char *usage = "ezmlm-reject [-bBcCfFhHqQsStT] [dir]";

static listdir ld = LISTDIR_INIT;
static listdir *ldp;   /* &ld when there is a DIR */

static void nomem(void) { die_nomem(prog); }

static void reject(int code, const char *name, const char *fallback, const char *p1)
{
    ezmsg_die(code, prog, ldp, name, fallback, p1);
}

static void conf(const char *name, str *out)
{
    out->len = 0;
    if (listdir_conf(&ld, name, out) < 0)
        die_sys(EXIT_TEMP, prog, "unable to read %s/%s", ld.dir.s, name);
}

/* 1 if LIST@HOST is one of the addresses in the To:/Cc: values */
static int names_list(const str *to)
{
    addr_list l = ADDR_LIST_INIT;
    str want = STR_INIT;
    size_t i;
    int found = 0;
    if (str_copy(&want, &ld.outlocal) < 0 || str_catc(&want, '@') < 0 ||
        str_cat(&want, &ld.outhost) < 0)
        nomem();
    if (addr_list_parse(&l, to->s ? to->s : "", to->len) < 0) nomem();
    for (i = 0; i < l.n && !found; i++)
        if (l.v[i].kind == ADDR_MAILBOX &&
            addr_equal(l.v[i].addr.s, l.v[i].addr.len, want.s, want.len))
            found = 1;
    addr_list_free(&l);
    str_free(&want);
    return found;
}

static int blank_line(const str *l)
{
    return (l->len == 1 && l->s[0] == '\n') || (l->len == 2 && l->s[0] == '\r' && l->s[1] == '\n');
}

int main(int argc, char **argv)
{
    int flagbody = 0, flagcommands = 1, flagforward = 0, flagheaderreject = 1;
    int exitquiet = 100, flagsubject = 1, flagto = 1, opt;
    const char *dir, *sender;
    unsigned long maxsize = 0, minsize = 0, size = 0;
    str line = STR_INIT, to = STR_INIT, subject = STR_INIT, ctype = STR_INIT,
        precd = STR_INIT, mimeremove = STR_INIT, mimereject = STR_INIT,
        headerreject = STR_INIT, dtline = STR_INIT, boundary = STR_INIT, type = STR_INIT;
    int mimekeep = 0, havesubject = 1, havecommand = 0;
    msgin m = MSGIN_INIT;
    hdr_iter it;
    hdr_field f;
    int k;

    signal(SIGPIPE, SIG_IGN);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+bBcCfFhHqQsStTvV")) != -1) {
        switch (opt) {
        case 'b': flagbody = 1; break;
        case 'B': flagbody = 0; break;
        case 'c': flagcommands = 1; break;
        case 'C': flagcommands = 0; break;
        case 'f': flagforward = 1; break;
        case 'F': flagforward = 0; break;
        case 'h': flagheaderreject = 1; break;
        case 'H': flagheaderreject = 0; break;
        case 'q': exitquiet = 99; break;
        case 'Q': exitquiet = 100; break;
        case 's': flagsubject = 1; break;
        case 'S': flagsubject = 0; break;
        case 't': flagto = 1; break;
        case 'T': flagto = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    dir = argv[optind];
    if (dir) {
        ezmsg_listdir(&ld, prog, dir);
        ldp = &ld;
        conf("msgsize", &line);
        if (line.len) {
            size_t n = scan_ulong(line.s, strlen(line.s), &maxsize);
            if (line.s[n] == ':') scan_ulong(line.s + n + 1, strlen(line.s + n + 1), &minsize);
        }
        conf("mimekeep", &mimeremove);
        if (mimeremove.len) mimekeep = 1;
        else conf("mimeremove", &mimeremove);
        conf("mimereject", &mimereject);
        if (flagheaderreject) conf("headerreject", &headerreject);
        if (str_copys(&dtline, "Delivered-To: command forwarder for ") < 0 ||
            str_cat(&dtline, &ld.outlocal) < 0 || str_catc(&dtline, '@') < 0 ||
            str_cat(&dtline, &ld.outhost) < 0)
            nomem();
    } else {
        flagto = 0;          /* without DIR there is no list address */
        flagforward = 0;     /* and nowhere to forward to */
        flagheaderreject = 0;
    }

    sender = getenv("SENDER");
    if (!sender) reject(100, "ERR_NOSENDER", "SENDER not set", NULL);
    if (!*sender) reject(100, "ERR_BOUNCE", "I do not reply to bounce messages (#5.7.2)", NULL);

    if (msgin_open(&m, 0, 0) < 0) {
        if (errno == EFBIG) reject(100, "ERR_HEADER_SIZE", "message header is too large (#5.3.4)", NULL);
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    hdr_iter_init(&it, m.head.s, m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        str *dst = NULL;
        if (k != HDR_FIELD) continue;
        if (flagheaderreject && listdir_conf_has(&headerreject, f.name, f.name_len))
            reject(100, "ERR_MAILING_LIST",
                   "sorry, this message carries a header this list does not accept (#5.7.2)", NULL);
        if (hdr_is(&f, "To") || hdr_is(&f, "Cc")) {
            if (to.len && str_cats(&to, ", ") < 0) nomem();
            dst = &to;
        } else if (hdr_is(&f, "Subject")) {
            subject.len = 0;
            dst = &subject;
        } else if (hdr_is(&f, "Content-Type")) {
            ctype.len = 0;
            dst = &ctype;
        } else if (hdr_is(&f, "Precedence")) {
            precd.len = 0;
            dst = &precd;
        } else if (flagforward && f.raw_len >= dtline.len &&
                   !memcmp(f.raw, dtline.s, dtline.len) &&
                   (f.raw_len == dtline.len || f.raw[dtline.len] == '\n' || f.raw[dtline.len] == '\r')) {
            reject(100, "ERR_LOOPING", "this message is looping: it already has my Delivered-To line (#5.4.6)", NULL);
        }
        if (dst && hdr_value(dst, &f) < 0) nomem();
    }
    if (precd.len >= 4 && (case_equalb(precd.s + precd.len - 4, "junk", 4) ||
                           case_equalb(precd.s + precd.len - 4, "bulk", 4))) {
        str msg = STR_INIT;
        if (str_cats(&msg, "ezmlm-reject: info: ") < 0 ||
            ezmsg(&msg, ldp, "ERR_JUNK", "precedence junk or bulk: message dropped", NULL) < 0 ||
            str_catc(&msg, '\n') < 0)
            nomem();
        (void)!write(2, msg.s, msg.len);
        exit(99);
    }

    /* the subject: empty, a placeholder, or a command? */
    {
        const char *s = subject.s ? subject.s : "";
        size_t n = subject.len;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
        if (n == 0 || (n == 6 && (case_equalb(s, "(null)", 6) || case_equalb(s, "(none)", 6))) ||
            (n == 12 && case_equalb(s, "(no subject)", 12)))
            havesubject = 0;
        if ((n == 4 && case_equalb(s, "help", 4)) || (n == 6 && case_equalb(s, "remove", 6)) ||
            (n == 9 && case_equalb(s, "subscribe", 9)) || (n == 11 && case_equalb(s, "unsubscribe", 11)))
            havecommand = 1;
        if (flagbody && ((n > 9 && case_starts(s, n, "subscribe")) ||
                         (n > 11 && case_starts(s, n, "unsubscribe"))))
            havecommand = 1;
    }
    if (flagto && !names_list(&to))
        reject(exitquiet, "ERR_NO_ADDRESS", "the list address must be in To: or Cc: (#5.7.0)", NULL);
    if (flagsubject && !havesubject)
        reject(100, "ERR_NO_SUBJECT",
               "a message to this list needs a subject; please add one (#5.7.0)", NULL);
    if (flagcommands && havecommand) {
        if (flagforward) {
            qq q;
            str rcpt = STR_INIT;
            int start, r;
            if (ezmsg_qq_start(&q, ldp) < 0) die_sys(EXIT_TEMP, prog, "unable to run qmail-queue");
            qq_put(&q, dtline.s, dtline.len);
            qq_put(&q, "\n", 1);
            qq_put(&q, m.head.s, m.head.len);
            while ((r = msgin_piece(&m, &line, 65536, &start)) > 0) qq_put(&q, line.s, line.len);
            if (r < 0) { qq_abort(&q); die_sys(EXIT_TEMP, prog, "unable to read input"); }
            if (str_copy(&rcpt, &ld.outlocal) < 0 || str_cats(&rcpt, "-request@") < 0 ||
                str_cat(&rcpt, &ld.outhost) < 0)
                nomem();
            qq_from(&q, sender);
            qq_to(&q, rcpt.s);
            ezmsg_qq_finish(&q, prog, 1);
            {
                str msg = STR_INIT;
                if (str_catf(&msg, "%s: info: forward qp %lu\n", prog, q.qp) == 0)
                    (void)!write(2, msg.s, msg.len);
            }
            exit(99);
        }
        reject(100, "ERR_SUBCOMMAND",
               "this looks like a command for the list software, not a post: send it to the "
               "-request address instead (#5.7.0)", NULL);
    }

    if (ctype.len) {
        int r;
        if (mime_type(ctype.s, ctype.len, &type) < 0) nomem();
        if (ldp && type.len &&
            ((listdir_conf_has(&mimeremove, type.s, type.len) ^ mimekeep) ||
             listdir_conf_has(&mimereject, type.s, type.len))) {
            if (str_catc(&type, 0) < 0) nomem();
            reject(100, "ERR_BAD_TYPE", "messages of type <#1#> are not accepted (#5.2.3)", type.s);
        }
        r = mime_param(ctype.s, ctype.len, "boundary", &boundary);
        if (r < 0) nomem();
        if (r == 2) reject(100, "ERR_MIME_QUOTE", "the MIME boundary lacks its closing quote (#5.6.0)", NULL);
        if (r != 1) boundary.len = 0;
    }

    /* the body: first-line command, part types, size */
    {
        int start, r, inpart = 0, close, first = 1;
        while ((r = msgin_piece(&m, &line, 1000, &start)) > 0) {
            if (!start) {
                if (!inpart) {
                    size += line.len;
                    if (maxsize && size > maxsize) goto toolarge;
                }
                continue;
            }
            if (blank_line(&line)) { inpart = 0; continue; }
            if (inpart && case_starts(line.s, line.len, "content-type:")) {
                if (mime_type(line.s + 13, line.len - 13, &type) < 0) nomem();
                if (ldp && type.len && listdir_conf_has(&mimereject, type.s, type.len)) {
                    if (str_catc(&type, 0) < 0) nomem();
                    reject(100, "ERR_BAD_PART", "message parts of type <#1#> are not accepted (#5.2.3)", type.s);
                }
                continue;
            }
            if (boundary.len && mime_is_boundary(line.s, line.len, &boundary, &close)) {
                inpart = 1;
                continue;
            }
            if (first && flagbody &&
                (case_starts(line.s, line.len, "subscribe") || case_starts(line.s, line.len, "unsubscribe")))
                reject(100, "ERR_BODYCOMMAND",
                       "the message starts with a command: send commands to the -request address (#5.7.0)",
                       NULL);
            first = 0;
            if (!inpart) {
                size += line.len;
                if (maxsize && size > maxsize) goto toolarge;
            }
        }
        if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    if (size < minsize) {
        char num[32];
        snprintf(num, sizeof num, "%lu", minsize);
        reject(100, "ERR_MIN_SIZE", "messages shorter than <#1#> bytes are not accepted (#5.7.0)", num);
    }
    exit(0);
toolarge: {
        char num[32];
        snprintf(num, sizeof num, "%lu", maxsize);
        reject(100, "ERR_MAX_SIZE", "messages larger than <#1#> bytes are not accepted (#5.2.3)", num);
    }
}
