/*
 * ezmlm-send: distributes a post to the subscribers of a list.
 *
 *   ezmlm-send [-cCqQ] [-lL] [-rR] [-H header] [-s lo_hi] DIR
 *
 * Numbers the message (DIR/num), archives it (archive/N/MM, index) when the
 * list is archived, edits the header (Mailing-List, List-Id, headeradd,
 * Delivered-To, headerremove/headerkeep, the subject prefix, DMARC From
 * rewriting), strips MIME parts (mimeremove/mimekeep), adds the trailer,
 * and queues ONE message for all subscribers with the envelope sender
 * LIST-return-N-@HOST-@[], which qmail-send expands per recipient (VERP).
 * Exit 0, 100 (looping, another list's post, bad MIME, bounce), 111.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "archive.h"
#include "die.h"
#include "ezmlm-send.h"
#include "ezmsg.h"
#include "fs.h"
#include "hdr.h"
#include "listdir.h"
#include "lock.h"
#include "msgin.h"
#include "qq.h"
#include "str.h"
#include "sub/sub.h"
#include "text.h"

static const char *prog = SEND_PROG;
static const char *usage = "ezmlm-send [-cClLqQrR] [-H header] [-s lo_hi] dir";

static listdir ld = LISTDIR_INIT;
static qq q;
static int qq_running;
static str archpath = STR_INIT;
static int archfd = -1;

static void nomem(void)
{
    if (qq_running) qq_abort(&q);
    die_nomem(prog);
}

/* gives up: nothing is queued, the unfinished archive file goes */
static void bail(void)
{
    if (qq_running) { qq_abort(&q); qq_running = 0; }
    if (archfd >= 0) { close(archfd); archfd = -1; unlink(archpath.s); }
}

static void fail(int code, const char *name, const char *fallback, const char *p1)
{
    bail();
    ezmsg_die(code, prog, &ld, name, fallback, p1);
}

static void fail_sys(const char *what, const char *arg)
{
    int e = errno;
    bail();
    errno = e;
    die_sys(EXIT_TEMP, prog, "%s%s", what, arg ? arg : "");
}

void send_qq(send_out *o, const char *s, size_t len) { qq_put(o->q, s, len); }
void send_arch(send_out *o, const char *s, size_t len)
{
    if (o->arch) buf_put(o->arch, s, len);
}
void send_both(send_out *o, const char *s, size_t len)
{
    send_qq(o, s, len);
    send_arch(o, s, len);
}
static void both_s(send_out *o, const char *s) { send_both(o, s, strlen(s)); }
static void qq_s(send_out *o, const char *s) { send_qq(o, s, strlen(s)); }

/* 1 if one of the NUL-separated header lines is a field called name */
static int has_field(const str *lines, const char *name)
{
    size_t i = 0, n = strlen(name);
    while (i < lines->len) {
        const char *l = lines->s + i;
        size_t k = strlen(l), j = n;
        if (k > n && case_equalb(l, name, n)) {
            while (j < k && (l[j] == ' ' || l[j] == '\t')) j++;
            if (j < k && l[j] == ':') return 1;
        }
        i += k + 1;
    }
    return 0;
}

static void conf(const char *name, str *out)
{
    out->len = 0;
    if (listdir_conf(&ld, name, out) < 0) fail_sys("unable to read ", name);
}

/* the parent's return path: parentlocal...@parenthost */
static int sublist_match(const char *sender, const str *sublist)
{
    size_t sl = strlen(sender);
    ptrdiff_t at = str_rchr(sublist, '@');
    if (sl < sublist->len) return 0;
    if (at < 0) return 1;
    if (memcmp(sublist->s, sender, (size_t)at) != 0) return 0;
    return case_equalb(sublist->s + at, sender + sl - (sublist->len - (size_t)at),
                       sublist->len - (size_t)at);
}

struct subctx {
    qq *q;
    unsigned long n;
};

static int each_sub(void *ctx, const char *addr, size_t len)
{
    struct subctx *c = ctx;
    /* "@domain" entries match a whole domain (allow, deny); they are not
     * addresses to deliver to */
    if (len && addr[0] == '@') return 0;
    qq_to(c->q, addr);
    c->n++;
    return 0;
}

int main(int argc, char **argv)
{
    int opt, flagreceived = 0;
    const char *dir, *sender, *mlheader = NULL, *hashrange = NULL;
    unsigned long lo = 0, hi = 52, num = 0, cum = 0, outnum;
    int archived, indexed, addtrailer, rewritefrom, replytolist, sublisted, prefixed;
    str prefix = STR_INIT, dcprefix = STR_INIT, sublist = STR_INIT, headerlist = STR_INIT,
        mimelist = STR_INIT, listid = STR_INIT, headeradd = STR_INIT, dtline = STR_INIT,
        numold = STR_INIT, line = STR_INIT, subject = STR_INIT, from = STR_INIT,
        received = STR_INIT, ctype = STR_INIT, cte = STR_INIT, boundary = STR_INIT,
        type = STR_INIT, fromline = STR_INIT, numpath = STR_INIT;
    int headerkeep = 0, mimekeep = 0, havesubject = 0, havefrom = 0, mlwasthere = 0;
    int rewrite = 0, kept_replyto = 0, kept_cc = 0, kept_precedence = 0, kept_listpost = 0,
        kept_listunsub = 0, sawreceived = 0;
    char numbuf[32];
    msgin m = MSGIN_INIT;
    hdr_iter it;
    hdr_field f;
    int k, lockfd;
    buf archbuf;
    send_out out;
    send_body body;
    sub_db *db = NULL;
    struct subctx sc;

    umask(022);
    signal(SIGPIPE, SIG_IGN);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+cCqQlLrRH:s:S:vV")) != -1) {
        switch (opt) {
        case 'c': case 'C': case 'q': case 'Q': case 'l': case 'L': break;
        case 'r': flagreceived = 1; break;
        case 'R': flagreceived = 0; break;
        case 'H': mlheader = optarg; break;
        case 's': case 'S': hashrange = optarg; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    dir = argv[optind];
    if (!dir) die_usage(prog, usage);
    if (hashrange) {
        size_t n = scan_ulong(hashrange, strlen(hashrange), &lo);
        if (hashrange[n]) scan_ulong(hashrange + n + 1, strlen(hashrange + n + 1), &hi);
        if (hi > 52) hi = 52;
        if (lo > hi) lo = hi;
    }
    ezmsg_listdir(&ld, prog, dir);

    sender = getenv("SENDER");
    if (sender && (!*sender || !strcmp(sender, "#@[]")))
        fail(100, "ERR_BOUNCE", "I do not accept bounce messages as posts (#5.7.2)", NULL);

    /* DIR/lock is held for the whole run: numbers and the archive */
    if (listdir_path(&ld, "lock", &line) < 0) nomem();
    lockfd = lock_file_ex(line.s);
    if (lockfd < 0) fail_sys("unable to lock ", line.s);

    if ((archived = listdir_isset(&ld, "archived")) < 0) fail_sys("unable to read ", "archived");
    if ((indexed = listdir_isset(&ld, "indexed")) < 0) fail_sys("unable to read ", "indexed");
    if ((addtrailer = listdir_isset(&ld, "addtrailer")) < 0) fail_sys("unable to read ", "addtrailer");
    if ((rewritefrom = listdir_isset(&ld, "rewritefrom")) < 0) fail_sys("unable to read ", "rewritefrom");
    if ((replytolist = listdir_isset(&ld, "replytolist")) < 0) fail_sys("unable to read ", "replytolist");

    /* the message number */
    if (listdir_path(&ld, "num", &numpath) < 0) nomem();
    if (fs_read_file(numpath.s, &numold, 4096) < 0) {
        if (errno != ENOENT) fail_sys("unable to read ", numpath.s);
        numold.len = 0;
    } else {
        size_t n = scan_ulong(numold.s, numold.len, &num);
        if (n < numold.len && numold.s[n] == ':') scan_ulong(numold.s + n + 1, numold.len - n - 1, &cum);
    }
    num++;
    outnum = num;

    if (listdir_conf_line(&ld, "sublist", &sublist) < 0) fail_sys("unable to read ", "sublist");
    sublisted = sublist.len > 0;
    if (sublisted && sender && !sublist_match(sender, &sublist))
        fail(100, "ERR_NOT_PARENT", "this sublist takes posts only from its parent list (#5.7.2)", NULL);
    if (sublisted && !archived && sender) {
        /* reuse the parent's number, from parent-return-N-... */
        ptrdiff_t at = str_rchr(&sublist, '@');
        unsigned long in = 0;
        size_t pos = at < 0 ? 0 : (size_t)at, d;
        if (!strncmp(sender + pos, "-return-", 8)) pos += 8;
        d = scan_ulong(sender + pos, strlen(sender + pos), &in);
        if (d && in && sender[pos + d] == '-') outnum = in;
    }
    snprintf(numbuf, sizeof numbuf, "%lu", outnum);

    conf("headerkeep", &headerlist);
    if (headerlist.len) headerkeep = 1;
    else {
        str p = STR_INIT;
        if (listdir_conf_raw(&ld, "headerremove", &p, NULL) == CTL_MISSING)
            fail(111, "ERR_NO_HEADERREMOVE",
                 "the list has neither headerremove nor headerkeep (#4.3.5)", NULL);
        str_free(&p);
        conf("headerremove", &headerlist);
    }
    conf("mimekeep", &mimelist);
    if (mimelist.len) mimekeep = 1;
    else conf("mimeremove", &mimelist);

    {
        text_vars v = TEXT_VARS_INIT;
        v.msgnum = numbuf;
        if (text_conf(&prefix, &ld, "prefix", &v) < 0) fail_sys("unable to read ", "prefix");
        if (prefix.len) prefix.len = strlen(prefix.s);
        if (text_conf(&listid, &ld, "listid", &v) < 0) fail_sys("unable to read ", "listid");
        if (listid.len) listid.len = strlen(listid.s);
        if (text_conf(&headeradd, &ld, "headeradd", &v) < 0) fail_sys("unable to read ", "headeradd");
    }
    prefixed = prefix.len > 0 && !sublisted;
    if (prefix.len) {
        str u = STR_INIT;
        if (hdr_decode2047(&u, prefix.s, prefix.len) < 0) nomem();
        if (str_copy(&dcprefix, &u) < 0) nomem();
        str_free(&u);
    }

    if (str_copys(&dtline, "mailing list ") < 0 || str_cat(&dtline, &ld.outlocal) < 0 ||
        str_catc(&dtline, '@') < 0 || str_cat(&dtline, &ld.outhost) < 0)
        nomem();

    /* ---- read and check the header ---- */
    if (msgin_open(&m, 0, 0) < 0) {
        if (errno == EFBIG) fail(100, "ERR_HEADER_SIZE", "message header is too large (#5.3.4)", NULL);
        fail_sys("unable to read input", NULL);
    }
    hdr_iter_init(&it, m.head.s, m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        int bad;
        if (k != HDR_FIELD) continue;
        line.len = 0;
        if (hdr_value(&line, &f) < 0) nomem();
        if (hdr_is(&f, "Delivered-To") && line.len == dtline.len &&
            case_equalb(line.s, dtline.s, dtline.len))
            fail(100, "ERR_LOOPING", "this message is looping: it already has my Delivered-To line (#5.4.6)", NULL);
        if (hdr_is(&f, "Mailing-List")) mlwasthere = 1;
        else if (mlheader && hdr_name_eq(f.name, f.name_len, mlheader)) mlwasthere = 1;
        bad = headerkeep ? !listdir_conf_has(&headerlist, f.name, f.name_len)
                         : listdir_conf_has(&headerlist, f.name, f.name_len);
        if (hdr_is(&f, "Received")) {
            if (!sawreceived) {
                sawreceived = 1;
                if (send_received_date(&received, line.s, line.len) < 0) nomem();
            }
        } else if (hdr_is(&f, "Subject") && !havesubject) {
            havesubject = 1;
            if (str_copyb(&subject, f.value, f.value_len) < 0) nomem();
        } else if (hdr_is(&f, "From") && !havefrom) {
            havefrom = 1;
            if (str_copyb(&from, f.value, f.value_len) < 0) nomem();
        } else if (hdr_is(&f, "Content-Type") && !ctype.len) {
            if (str_copy(&ctype, &line) < 0) nomem();
        } else if (hdr_is(&f, "Content-Transfer-Encoding") && !cte.len) {
            if (str_copy(&cte, &line) < 0) nomem();
        } else if (hdr_is(&f, "Reply-To")) {
            if (!bad && !replytolist) kept_replyto = 1;
        } else if (hdr_is(&f, "Cc")) {
            if (!bad) kept_cc = 1;
        } else if (hdr_is(&f, "Precedence")) {
            if (!bad) kept_precedence = 1;
        } else if (hdr_is(&f, "List-Post")) {
            if (!bad) kept_listpost = 1;
        } else if (hdr_is(&f, "List-Unsubscribe")) {
            if (!bad) kept_listunsub = 1;
        }
    }
    if (sublisted && !mlwasthere)
        fail(100, "ERR_SUBLIST", "a sublist takes only posts that came through its parent list (#5.7.2)", NULL);
    if (!sublisted && mlwasthere)
        fail(100, "ERR_MAILING_LIST",
             "this message already came through a mailing list; it is not reposted (#5.7.2)", NULL);

    /* DMARC: rewrite From: when the author's domain asks receivers to
     * refuse mail from elsewhere */
    if (havefrom) {
        rewrite = rewritefrom;
        if (!rewrite) {
            str dom = STR_INIT;
            int r = send_from_domain(&dom, from.s, from.len);
            if (r < 0) nomem();
            if (r > 0) {
                r = send_dmarc_strict(dom.s);
                if (r < 0) fail(111, "ERR_DNS_LOOKUP", "temporary DNS failure looking up the DMARC policy of <#1#> (#4.4.3)", dom.s);
                rewrite = r;
            }
            str_free(&dom);
        }
        if (rewrite && send_from_line(&fromline, &ld, from.s, from.len) < 0) nomem();
    }

    /* MIME: the top-level type and boundary */
    memset(&body, 0, sizeof body);
    body.ld = &ld;
    body.mimelist = &mimelist;
    body.mimekeep = mimekeep;
    body.boundary = &boundary;
    body.msgnum = numbuf;
    if (ctype.len) {
        int r;
        if (mime_type(ctype.s, ctype.len, &type) < 0) nomem();
        if (case_starts(type.s, type.len, "multipart/")) {
            r = mime_param(ctype.s, ctype.len, "boundary", &boundary);
            if (r < 0) nomem();
            if (r == 2) fail(100, "ERR_MIME_QUOTE", "the MIME boundary lacks its closing quote (#5.6.0)", NULL);
            if (r != 1) boundary.len = 0;
            body.multipart_trailer = str_equals(&type, "multipart/mixed") ||
                                     str_equals(&type, "multipart/digest") ||
                                     str_equals(&type, "multipart/parallel");
        }
    }
    if (cte.len) {
        if (case_starts(cte.s, cte.len, "base64")) body.encoding = 'B';
        else if (case_starts(cte.s, cte.len, "quoted-printable")) body.encoding = 'Q';
    }
    if (addtrailer) {
        if (!case_starts(type.s ? type.s : "", type.len, "multipart/")) body.trailer = 1;
        else if (boundary.len && body.multipart_trailer) body.trailer = 1;
    }
    body.mime = boundary.len && (mimelist.len || body.trailer);

    /* ---- the archive file ---- */
    memset(&out, 0, sizeof out);
    out.q = &q;
    if (archived) {
        str rp = STR_INIT;
        size_t i;
        archfd = archive_create(&ld, outnum, &archpath);
        if (archfd < 0) {
            if (errno == ENOMEM) nomem();
            fail_sys("unable to write ", archpath.s ? archpath.s : ld.dir.s);
        }
        if (buf_init(&archbuf, archfd, NULL, 65536) < 0) nomem();
        out.arch = &archbuf;
        if (str_copys(&rp, "Return-Path: <") < 0) nomem();
        if (sender && addr_quote(&rp, sender, strlen(sender)) < 0) nomem();
        for (i = 0; i < rp.len; i++)
            if (rp.s[i] == '\n') rp.s[i] = '_';
        if (str_cats(&rp, ">\n") < 0) nomem();
        send_arch(&out, rp.s, rp.len);
        str_free(&rp);
    }

    /* ---- the queue: header ---- */
    if (ezmsg_qq_start(&q, &ld) < 0) fail_sys("unable to run qmail-queue", NULL);
    qq_running = 1;
    if (!sublisted) {
        str help = STR_INIT;
        if (str_catf(&help, "%s-help@%s", ld.outlocal.s, ld.outhost.s) < 0) nomem();
        line.len = 0;
        if (str_cats(&line, "Mailing-List: ") < 0 ||
            ezmsg(&line, &ld, "TXT_MAILING_LIST", "contact <#1#>; run by ezmlm", help.s) < 0)
            nomem();
        str_free(&help);
        send_qq(&out, line.s, line.len);
        qq_s(&out, "\n");
        if (listid.len) {
            qq_s(&out, "List-Id: ");
            send_qq(&out, listid.s, listid.len);
            qq_s(&out, "\n");
        } else if (!has_field(&headeradd, "List-Id")) {
            line.len = 0;
            if (str_catf(&line, "List-Id: <%s.%s>\n", ld.outlocal.s, ld.outhost.s) < 0) nomem();
            send_qq(&out, line.s, line.len);
        }
    }
    {
        size_t i = 0;
        while (i < headeradd.len) {
            size_t n = strlen(headeradd.s + i);
            send_qq(&out, headeradd.s + i, n);
            qq_s(&out, "\n");
            i += n + 1;
        }
    }
    if (!sublisted) {
        /* what receivers expect of a list (RFC 2369, RFC 2919, RFC 3834) */
        line.len = 0;
        if (!kept_listunsub && !has_field(&headeradd, "List-Unsubscribe") &&
            str_catf(&line, "List-Unsubscribe: <mailto:%s-unsubscribe@%s>\n", ld.outlocal.s, ld.outhost.s) < 0)
            nomem();
        if (!kept_listpost && !has_field(&headeradd, "List-Post") &&
            str_catf(&line, "List-Post: <mailto:%s@%s>\n", ld.outlocal.s, ld.outhost.s) < 0)
            nomem();
        if (!kept_precedence && !has_field(&headeradd, "Precedence") &&
            str_cats(&line, "Precedence: list\n") < 0)
            nomem();
        send_qq(&out, line.s, line.len);
    }
    both_s(&out, "Delivered-To: ");
    send_both(&out, dtline.s, dtline.len);
    both_s(&out, "\n");
    if (replytolist) {
        line.len = 0;
        if (str_catf(&line, "Reply-To: <%s@%s>\n", ld.outlocal.s, ld.outhost.s) < 0) nomem();
        send_both(&out, line.s, line.len);
    }

    /* the incoming header */
    sawreceived = 0;
    hdr_iter_init(&it, m.head.s, m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        int bad, archonly = 0;
        if (k != HDR_FIELD) continue;     /* an mbox "From " line is no header field */
        bad = headerkeep ? !listdir_conf_has(&headerlist, f.name, f.name_len)
                         : listdir_conf_has(&headerlist, f.name, f.name_len);
        if (replytolist && hdr_is(&f, "Reply-To")) bad = 1;
        if (hdr_is(&f, "Received")) {
            if (sawreceived && !flagreceived) { archonly = 1; bad = 1; }
            sawreceived = 1;
        } else if (hdr_is(&f, "Subject")) {
            if (prefixed) continue;                 /* written last */
        } else if (hdr_is(&f, "List-Id")) {
            if (!sublisted) continue;               /* ours replaces it */
        } else if (hdr_is(&f, "From") && rewrite && fromline.len) {
            if (!bad) send_both(&out, fromline.s, fromline.len);
            fromline.len = 0;                        /* only the first From: */
            continue;
        } else if (hdr_is(&f, "Cc") && rewrite && replytolist && !bad && kept_cc == 1) {
            /* the author goes into the one Cc: field */
            const char *e = f.raw + f.raw_len;
            while (e > f.raw && (e[-1] == '\n' || e[-1] == '\r')) e--;
            const char *fv = from.s;
            size_t fl = from.len;
            hdr_trim(&fv, &fl);
            send_both(&out, f.raw, (size_t)(e - f.raw));
            both_s(&out, ",\n ");
            send_both(&out, fv, fl);
            both_s(&out, "\n");
            kept_cc = 2;
            continue;
        }
        if (!bad) send_both(&out, f.raw, f.raw_len);
        else if (archonly) send_arch(&out, f.raw, f.raw_len);
        if (f.raw_len && f.raw[f.raw_len - 1] != '\n' && (!bad || archonly)) {
            if (!bad) both_s(&out, "\n");
            else send_arch(&out, "\n", 1);
        }
    }
    if (rewrite) {
        /* where replies to the author go now that From: is the list */
        if (!replytolist && !kept_replyto) {
            both_s(&out, "Reply-To:");
            send_both(&out, from.s, from.len);
            both_s(&out, "\n");
        } else if (replytolist && kept_cc != 2) {
            both_s(&out, "Cc:");
            send_both(&out, from.s, from.len);
            both_s(&out, "\n");
        }
    }
    if (prefixed) {
        int fl = send_subject_clean(&line, subject.s ? subject.s : "", subject.len, &dcprefix);
        if (fl < 0) nomem();
        if (fl & SEND_PREFIX) {
            both_s(&out, "Subject:");
            send_both(&out, subject.s, subject.len);
            both_s(&out, "\n");
        } else {
            const char *hash = memchr(prefix.s, '#', prefix.len);
            qq_s(&out, "Subject: ");
            if (hash) {
                send_qq(&out, prefix.s, (size_t)(hash - prefix.s));
                qq_s(&out, numbuf);
                send_qq(&out, hash + 1, prefix.len - (size_t)(hash - prefix.s) - 1);
            } else {
                send_qq(&out, prefix.s, prefix.len);
            }
            if (havesubject) {
                send_arch(&out, "Subject:", 8);
                send_both(&out, subject.s, subject.len);
                both_s(&out, "\n");
            } else {
                qq_s(&out, "\n");
            }
        }
    }
    both_s(&out, "\n");

    /* ---- the body ---- */
    if (send_copy_body(&body, &m, &out) < 0) fail_sys("unable to read input", NULL);
    if (mimelist.len && body.mime && !body.foundpart)
        fail(100, "ERR_BAD_ALL", "every part of this message is of a type the list removes (#5.2.3)", NULL);
    cum += (unsigned long)((m.bodybytes + 128) >> 8);

    /* ---- commit: archive, num, envelope ---- */
    if (archfd >= 0) {
        /* complete on disk now; marked complete (owner-execute) once queued */
        if (buf_flush(&archbuf) < 0 || fsync(archfd) < 0 || close(archfd) < 0) {
            archfd = -1;
            fail_sys("unable to write ", archpath.s);
        }
        archfd = -1;
        buf_free(&archbuf);
    }
    line.len = 0;
    if (str_catf(&line, "%lu:%lu\n", num, cum) < 0) nomem();
    if (fs_write_atomic(numpath.s, line.s, line.len, 0644) < 0) fail_sys("unable to write ", numpath.s);

    line.len = 0;
    if (str_catf(&line, "%s-return-%s-@%s-@[]", ld.outlocal.s, numbuf, ld.outhost.s) < 0) nomem();
    qq_from(&q, line.s);
    if (sub_open(&db, ld.dir.s, NULL) < 0) {
        int e = errno;
        qq_abort(&q);
        qq_running = 0;
        if (numold.len) fs_write_atomic(numpath.s, numold.s, numold.len, 0644);
        else unlink(numpath.s);
        die(EXIT_TEMP, prog, "unable to open the subscriber list: %s", sub_strerror(db, e));
    }
    sc.q = &q;
    sc.n = 0;
    if (sub_iterate(db, (unsigned)lo, (unsigned)hi, each_sub, &sc) < 0) {
        int e = errno;
        qq_abort(&q);
        qq_running = 0;
        if (numold.len) fs_write_atomic(numpath.s, numold.s, numold.len, 0644);
        else unlink(numpath.s);
        die(EXIT_TEMP, prog, "unable to read the subscriber list: %s", sub_strerror(db, e));
    }
    sub_close(db);
    {
        str why = STR_INIT;
        qq_running = 0;
        if (qq_finish(&q, &why) != 0) {
            /* nothing went out: the number is used again */
            if (numold.len) fs_write_atomic(numpath.s, numold.s, numold.len, 0644);
            else unlink(numpath.s);
            if (str_catc(&why, 0) < 0) die_nomem(prog);
            die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
        }
        str_free(&why);
    }
    if (archived && chmod(archpath.s, 0744) < 0)
        warn_sys(prog, "unable to mark %s complete", archpath.s);
    if (archived && indexed && send_index(&ld, outnum, &subject, &received, &from, &dcprefix) < 0)
        warn_sys(prog, "unable to update the archive index of message %lu", outnum);
    fprintf(stderr, "%s: info: qp %lu\n", prog, q.qp);
    exit(0);
}
