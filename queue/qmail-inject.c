/*
 * qmail-inject: preprocess a message and hand it to qmail-queue.
 *
 *   qmail-inject [ -nNaAhH ] [ -f sender ] [ recip ... ]
 *
 * Reads a message on stdin, rewrites the addresses in its header fields,
 * adds the Date, Message-ID, From (or their Resent- forms) and Cc fields a
 * message needs, removes Bcc, Resent-Bcc, Return-Path and Content-Length,
 * and queues it (through $QMAILQUEUE or bin/qmail-queue) for the argument
 * recipients and/or the header recipients.  With -n the result is printed,
 * preceded by "Return-Path: <sender>", instead of being queued.  The rules
 * are qmail-header(5)'s; the environment is described in qmail-inject(8).
 *
 * Exit codes: 0 done; 100 usage, unparsable sender field or argument, a
 * header too large, or a permanent queue failure; 111 temporary failures.
 *
 * Memory: the header is held in memory (at most HEADER_MAX bytes); the
 * body is streamed.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "ctl.h"
#include "datefmt.h"
#include "die.h"
#include "hdr.h"
#include "qq.h"
#include "str.h"

#define PROG "qmail-inject"
#define USAGE "qmail-inject [ -nNaAhH ] [ -f sender ] [ recip ... ]"
#define HEADER_MAX (16u * 1024 * 1024) /* bytes of header kept in memory */
#define LINE_WIDTH 78                   /* re-folded address fields */

/* ---- header field types (qmail's hfield list) ---------------------------- */

enum htype {
    H_OTHER = 0, H_SENDER, H_FROM, H_REPLYTO, H_TO, H_CC, H_BCC, H_DATE, H_MESSAGEID,
    H_R_SENDER, H_R_FROM, H_R_REPLYTO, H_R_TO, H_R_CC, H_R_BCC, H_R_DATE, H_R_MESSAGEID,
    H_RETURNRECEIPTTO, H_ERRORSTO, H_APPARENTLYTO, H_RETURNPATH, H_CONTENTLENGTH, H_MFT,
    H_NUM
};

static const char *const hnames[H_NUM] = {
    [H_SENDER] = "sender", [H_FROM] = "from", [H_REPLYTO] = "reply-to", [H_TO] = "to",
    [H_CC] = "cc", [H_BCC] = "bcc", [H_DATE] = "date", [H_MESSAGEID] = "message-id",
    [H_R_SENDER] = "resent-sender", [H_R_FROM] = "resent-from",
    [H_R_REPLYTO] = "resent-reply-to", [H_R_TO] = "resent-to", [H_R_CC] = "resent-cc",
    [H_R_BCC] = "resent-bcc", [H_R_DATE] = "resent-date",
    [H_R_MESSAGEID] = "resent-message-id", [H_RETURNRECEIPTTO] = "return-receipt-to",
    [H_ERRORSTO] = "errors-to", [H_APPARENTLYTO] = "apparently-to",
    [H_RETURNPATH] = "return-path", [H_CONTENTLENGTH] = "content-length",
    [H_MFT] = "mail-followup-to",
};

static int htype_of(const hdr_field *f)
{
    for (int i = 1; i < H_NUM; i++)
        if (hnames[i] && hdr_is(f, hnames[i])) return i;
    return H_OTHER;
}

/* what an address field is used for */
enum rwclass { RW_NONE, RW_SENDER, RW_RETURN, RW_TOCC, RW_HR, RW_HRR };

/* ---- state ------------------------------------------------------------- */

static time_t starttime;
static int flagnamecomment, flagdeletesender, flagdeletefrom, flagdeletemessid;
static int flaghackrecip, flaghackmess;
static const char *mailhost, *mailrhost, *mailuser, *mailruser;
static str defaultdomain, defaulthost, plusdomain, idhost;

static str sender;          /* envelope sender, once set */
static int sender_set;

/* address lists: addresses separated by NUL (each followed by one) */
typedef struct alist {
    str s;
    size_t n;
} alist;
static alist reciplist;     /* from the arguments */
static alist hrlist;        /* To, Cc, Bcc, Apparently-To */
static alist hrrlist;       /* Resent-To, Resent-Cc, Resent-Bcc */
static alist tocclist;      /* To, Cc: for Mail-Followup-To */

static int htypeseen[H_NUM];
static str savedh;          /* the fields kept, in order */
static int flagmft;
static ctl_set mftset = CTL_SET_INIT;

static int flagqueue = 1;
static qq q;
static int qq_started;
static char outspace[8192];
static buf out = BUF_INIT(1, outspace, sizeof outspace);

static void nomem(void) { die_nomem(PROG); }

static void die_read(void)
{
    if (qq_started) qq_abort(&q);
    if (errno == ENOMEM) nomem();
    die_sys(EXIT_TEMP, PROG, "read error");
}

static void alist_add(alist *l, const char *a, size_t len)
{
    if (str_catb(&l->s, a, len) < 0 || str_catc(&l->s, 0) < 0) nomem();
    l->n++;
}

/* ---- output: stdout (-n) or the queue -------------------------------------- */

static void put(const char *s, size_t len)
{
    if (flagqueue) {
        qq_put(&q, s, len);
        return;
    }
    if (buf_put(&out, s, len) < 0) die_sys(EXIT_TEMP, PROG, "unable to write output");
}

static void puts_(const char *s) { put(s, strlen(s)); }
static void putstr(const str *s) { put(s->s ? s->s : "", s->len); }

/* ---- address rewriting (qmail-header(5)) ------------------------------------- */

/*
 * Rewrites one address given as its local part and (if has_at) its domain,
 * into out (replaced), in the comparable form: <> stays; x@[] stays; a
 * trailing '.' and then a trailing '@' are dropped; no '@' -> @defaulthost;
 * a host ending in '+' -> the '+' replaced by .plusdomain; a host without
 * a dot (and not a [literal]) -> .defaultdomain appended.  localquoted says
 * the local part was a quoted string: its trailing dot is then part of it.
 */
static void rewrite(str *o, const char *local, size_t llen, int localquoted, const char *dom,
                    size_t dlen, int has_at)
{
    str_truncate(o, 0);
    if (str_ready(o, llen + dlen + 1) < 0) nomem();
    if (!has_at) {
        if (!llen) return; /* <> */
        if (!localquoted && local[llen - 1] == '.') {
            if (!--llen) return;
        }
    } else {
        if (dlen == 2 && memcmp(dom, "[]", 2) == 0) goto verbatim;
        if (dlen && dom[dlen - 1] == '.') {
            dlen--;
            if (!dlen && !llen) return;
        }
        if (!dlen) { /* a trailing '@' */
            has_at = 0;
            if (!llen) return;
        }
    }
    if (str_catb(o, local, llen) < 0 || str_catc(o, '@') < 0) nomem();
    if (!has_at) {
        dom = defaulthost.s;
        dlen = defaulthost.len;
    }
    if (str_catb(o, dom, dlen) < 0) nomem();
    if (o->s[o->len - 1] == '+') {
        str_truncate(o, o->len - 1);
        if (str_catc(o, '.') < 0 || str_cat(o, &plusdomain) < 0) nomem();
    }
    {
        size_t at = llen + 1;
        const char *d = o->s + at;
        size_t n = o->len - at;
        if (memchr(d, '.', n) || memchr(d, '[', n)) return;
        if (str_catc(o, '.') < 0 || str_cat(o, &defaultdomain) < 0) nomem();
    }
    return;
verbatim:
    if (str_catb(o, local, llen) < 0 || str_catc(o, '@') < 0 || str_catb(o, dom, dlen) < 0)
        nomem();
}

/* A command-line address (-f, recip): split at the last '@'; the domain must
 * be a plain host name or a [literal].  Returns 0, or -1 if unparsable. */
static int rewrite_arg(str *o, const char *a)
{
    size_t len = strlen(a);
    addr_parts p;
    addr_split(a, len, &p);
    if (p.has_at) {
        for (size_t i = 0; i < p.domain_len; i++) {
            unsigned char c = (unsigned char)p.domain[i];
            if (c <= 32 || c == 127 || strchr("()<>,;:\"\\@", c)) return -1;
            if (c == '[' || c == ']') {
                /* only as one literal: "[...]" making up the whole domain */
                if (p.domain[0] != '[' || p.domain[p.domain_len - 1] != ']' || p.domain_len < 2)
                    return -1;
                if (c == '[' && i != 0) return -1;
                if (c == ']' && i != p.domain_len - 1) return -1;
            }
        }
    }
    rewrite(o, p.local, p.local_len, addr_local_needs_quote(p.local, p.local_len), p.domain,
            p.domain_len, p.has_at);
    return 0;
}

/* ---- address fields ---------------------------------------------------------- */

static int has_badbyte(const str *a)
{
    for (size_t i = 0; i < a->len; i++)
        if (a->s[i] == 0 || a->s[i] == '\r' || a->s[i] == '\n') return 1;
    return 0;
}

/* 1 if value[0..len) cannot even be split into RFC 822 tokens, as qmail's
 * tokenizer sees it: a ')' or ']' that closes nothing, or a comment,
 * quoted string or domain literal (or a backslash in one) running to the
 * end. */
static int untokenizable(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char close;
        int level;
        switch (v[i]) {
        case ')': case ']': return 1;
        case '(': close = ')'; break;
        case '"': close = '"'; break;
        case '[': close = ']'; break;
        default: continue;
        }
        level = 1;
        while (level) {
            if (++i >= len) return 1;
            if (v[i] == '\\') {
                if (++i >= len) return 1;
            } else if (v[i] == close) {
                level--;
            } else if (close == ')' && v[i] == '(') {
                level++;
            }
        }
    }
    return 0;
}

/* 1 if the addr-spec of a mailbox was written ending in a quoted string */
static int spec_quoted(const addr_item *it)
{
    size_t off = it->spec_off, len = it->spec_len;
    if (off > it->text.len || len > it->text.len - off) return 0;
    while (len && (it->text.s[off + len - 1] == ' ' || it->text.s[off + len - 1] == '\t')) len--;
    return len && it->text.s[off + len - 1] == '"';
}

static void setreturn(const str *a)
{
    if (sender_set) return;
    if (str_copyb(&sender, a->s ? a->s : "", a->len) < 0) nomem();
    if (flaghackrecip && str_cats(&sender, "-@[]") < 0) nomem();
    sender_set = 1;
}

/*
 * Parses and rewrites the address list value[0..vlen) of field "name".
 * On success the field's new text (name, ": ", list, "\n") is appended to
 * o and the addresses are recorded for cls; returns 0.  Returns -1 if the
 * list cannot be parsed (see untokenizable(), a group without its ';', or
 * an address with NUL, CR or LF), -2 if it has no address at all; the
 * caller then keeps the field as it is.
 */
static int do_addrfield(str *o, const char *name, size_t namelen, const char *value,
                        size_t vlen, int cls, size_t col)
{
    addr_list l = ADDR_LIST_INIT;
    str a = STR_INIT;

    if (untokenizable(value, vlen)) return -1;
    if (addr_list_parse(&l, value, vlen) < 0) nomem();
    if (l.truncated) die(EXIT_PERM, PROG, "too many addresses in one header field");
    for (size_t i = 0; i < l.n; i++) {
        addr_item *it = &l.v[i];
        if (it->flags & ADDR_F_UNTERM) goto bad;
        if (it->kind != ADDR_MAILBOX && (it->flags & ADDR_F_UNCLOSED)) goto bad; /* no ';' */
        if (it->kind == ADDR_MAILBOX && has_badbyte(&it->addr)) goto bad;
    }
    if (!l.n) {
        addr_list_free(&l);
        return -2;
    }

    for (size_t i = 0; i < l.n; i++) {
        addr_item *it = &l.v[i];
        if (it->kind != ADDR_MAILBOX) continue;
        int has_at = !(it->flags & ADDR_F_NOAT);
        size_t llen = has_at ? it->local_len : it->addr.len;
        const char *dom = has_at ? it->addr.s + it->local_len + 1 : "";
        size_t dlen = has_at ? it->addr.len - it->local_len - 1 : 0;
        rewrite(&a, it->addr.s ? it->addr.s : "", llen, spec_quoted(it), dom, dlen, has_at);
        if (addr_item_set(it, a.s ? a.s : "", a.len) < 0) nomem();
        switch (cls) {
        case RW_RETURN: setreturn(&it->addr); break;
        case RW_TOCC:
            alist_add(&hrlist, it->addr.s, it->addr.len);
            alist_add(&tocclist, it->addr.s, it->addr.len);
            break;
        case RW_HR: alist_add(&hrlist, it->addr.s, it->addr.len); break;
        case RW_HRR: alist_add(&hrrlist, it->addr.s, it->addr.len); break;
        default: break;
        }
    }
    if (str_catb(o, name, namelen) < 0 || str_cats(o, ": ") < 0) nomem();
    if (addr_list_emit(o, &l, col, LINE_WIDTH) < 0 || str_catc(o, '\n') < 0) nomem();
    addr_list_free(&l);
    str_free(&a);
    return 0;
bad:
    addr_list_free(&l);
    str_free(&a);
    return -1;
}

static void die_parse(const char *text, size_t len)
{
    str m = STR_INIT;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r')) len--;
    if (str_cats(&m, PROG ": fatal: unable to parse this line:\n") < 0
        || str_catb(&m, text, len) < 0 || str_catc(&m, '\n') < 0)
        nomem();
    ssize_t w = write(2, m.s, m.len);
    (void)w;
    exit(EXIT_PERM);
}

static void doheaderfield(int kind, const hdr_field *f)
{
    int ht, cls = RW_NONE;

    if (kind == HDR_MBOX || (f->raw_len >= 5 && memcmp(f->raw, "From ", 5) == 0)) {
        if (str_cats(&savedh, "MBOX-Line: ") < 0 || str_catb(&savedh, f->raw, f->raw_len) < 0)
            nomem();
        if (f->raw[f->raw_len - 1] != '\n' && str_catc(&savedh, '\n') < 0) nomem();
        return;
    }
    ht = htype_of(f);
    if (flagdeletefrom && ht == H_FROM) return;
    if (flagdeletemessid && ht == H_MESSAGEID) return;
    if (flagdeletesender && ht == H_RETURNPATH) return;
    if (ht) htypeseen[ht] = 1;

    switch (ht) {
    case H_TO: case H_CC: cls = RW_TOCC; break;
    case H_BCC: case H_APPARENTLYTO: cls = RW_HR; break;
    case H_R_TO: case H_R_CC: case H_R_BCC: cls = RW_HRR; break;
    case H_RETURNPATH: cls = RW_RETURN; break;
    case H_SENDER: case H_FROM: case H_REPLYTO: case H_RETURNRECEIPTTO: case H_ERRORSTO:
    case H_R_SENDER: case H_R_FROM: case H_R_REPLYTO:
        cls = RW_SENDER;
        break;
    default: break;
    }

    if (ht == H_BCC || ht == H_R_BCC || ht == H_RETURNPATH || ht == H_CONTENTLENGTH) {
        /* removed, but Bcc recipients and the Return-Path still count */
        if (cls != RW_NONE) {
            str scratch = STR_INIT;
            /* an unparsable Return-Path is as fatal as any sender field */
            if (do_addrfield(&scratch, f->name, f->name_len, f->value, f->value_len, cls,
                             f->name_len + 2) == -1
                && cls == RW_RETURN)
                die_parse(f->raw, f->raw_len);
            str_free(&scratch);
        }
        return;
    }
    if (cls != RW_NONE) {
        size_t mark = savedh.len;
        int r = do_addrfield(&savedh, f->name, f->name_len, f->value, f->value_len, cls,
                             f->name_len + 2);
        if (r == 0) return;
        if (savedh.s) str_truncate(&savedh, mark);
        if (r == -1 && cls == RW_SENDER) die_parse(f->raw, f->raw_len);
        /* a recipient field that cannot be parsed is kept as it is and gives
         * no recipients (notqmail's tolerance) */
    }
    if (str_catb(&savedh, f->raw, f->raw_len) < 0) nomem();
    if (f->raw[f->raw_len - 1] != '\n' && str_catc(&savedh, '\n') < 0) nomem();
}

/* ---- fields qmail-inject adds ------------------------------------------------- */

/* Appends s as the text of a quoted string (open '"') or comment ('('),
 * escaping what qmail's token writer escapes. */
static void cat_escaped(str *o, const char *s, char open, char close)
{
    if (str_catc(o, open) < 0) nomem();
    for (; *s; s++) {
        if (strchr("\"[]()\\\r\n", *s) && str_catc(o, '\\') < 0) nomem();
        if (str_catc(o, *s) < 0) nomem();
    }
    if (str_catc(o, close) < 0) nomem();
}

/* "From: ..." (without "Resent-"), rewritten like any sender field */
static void defaultfrom(str *o)
{
    const char *fullname = getenv("QMAILNAME");
    str v = STR_INIT;
    if (!fullname) fullname = getenv("MAILNAME");
    if (!fullname) fullname = getenv("NAME");

    if (fullname && !flagnamecomment) {
        cat_escaped(&v, fullname, '"', '"');
        if (str_cats(&v, " <") < 0) nomem();
    }
    if (addr_local_needs_quote(mailuser, strlen(mailuser)))
        cat_escaped(&v, mailuser, '"', '"');
    else if (str_cats(&v, mailuser) < 0)
        nomem();
    if (mailhost && (str_catc(&v, '@') < 0 || str_cats(&v, mailhost) < 0)) nomem();
    if (fullname && !flagnamecomment && str_catc(&v, '>') < 0) nomem();
    if (fullname && flagnamecomment) {
        if (str_catc(&v, ' ') < 0) nomem();
        cat_escaped(&v, fullname, '(', ')');
    }
    if (do_addrfield(o, "From", 4, v.s, v.len, RW_SENDER, 6) < 0) die_parse(v.s, v.len);
    str_free(&v);
}

/* the envelope sender when neither -f nor a Return-Path field gave one */
static void defaultreturnpath(void)
{
    str user = STR_INIT, a = STR_INIT;
    if (str_cats(&user, mailruser) < 0) nomem();
    if (flaghackmess && str_catf(&user, "-%lu.%lu", (unsigned long)starttime,
                                 (unsigned long)getpid()) < 0)
        nomem();
    if (flaghackrecip && str_catc(&user, '-') < 0) nomem();
    if (mailrhost)
        rewrite(&a, user.s, user.len, 1, mailrhost, strlen(mailrhost), 1);
    else
        rewrite(&a, user.s, user.len, 1, "", 0, 0);
    setreturn(&a);
    str_free(&user);
    str_free(&a);
}

static void datefield(const char *prefix)
{
    str s = STR_INIT;
    if (str_cats(&s, prefix) < 0 || str_cats(&s, "Date: ") < 0 || datefmt_822(&s, starttime) < 0
        || str_catc(&s, '\n') < 0)
        nomem();
    putstr(&s);
    str_free(&s);
}

static void msgidfield(const char *prefix)
{
    struct tm tm;
    str s = STR_INIT;
    if (!gmtime_r(&starttime, &tm)) memset(&tm, 0, sizeof tm);
    if (str_cats(&s, prefix) < 0
        || str_catf(&s, "Message-ID: <%d%02d%02d%02d%02d%02d.%lu.qmail@", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    (unsigned long)getpid()) < 0
        || str_cat(&s, &idhost) < 0 || str_cats(&s, ">\n") < 0)
        nomem();
    putstr(&s);
    str_free(&s);
}

static void fromfield(const char *prefix)
{
    str s = STR_INIT;
    if (str_cats(&s, prefix) < 0) nomem();
    defaultfrom(&s);
    putstr(&s);
    str_free(&s);
}

static void finishmft(void)
{
    const char *a;
    size_t i, len;
    int hit = 0;
    str s = STR_INIT;

    if (!flagmft || htypeseen[H_MFT]) return;
    for (a = tocclist.s.s, i = 0; i < tocclist.n; i++, a += len + 1) {
        len = strlen(a);
        if (ctl_set_has(&mftset, a, len)) { hit = 1; break; }
    }
    if (!hit) return;
    if (str_cats(&s, "Mail-Followup-To: ") < 0) nomem();
    for (a = tocclist.s.s, i = 0; i < tocclist.n; i++, a += len + 1) {
        len = strlen(a);
        if (i && str_cats(&s, ",\n  ") < 0) nomem();
        if (addr_quote(&s, a, len) < 0) nomem();
    }
    if (str_catc(&s, '\n') < 0) nomem();
    putstr(&s);
    str_free(&s);
}

static int flagresent;

static void finishheader(void)
{
    flagresent = htypeseen[H_R_SENDER] || htypeseen[H_R_FROM] || htypeseen[H_R_REPLYTO]
                 || htypeseen[H_R_TO] || htypeseen[H_R_CC] || htypeseen[H_R_BCC]
                 || htypeseen[H_R_DATE] || htypeseen[H_R_MESSAGEID];

    if (!sender_set) defaultreturnpath();

    if (!flagqueue) {
        str s = STR_INIT;
        if (str_cats(&s, "Return-Path: <") < 0 || addr_quote(&s, sender.s ? sender.s : "",
                                                              sender.len) < 0
            || str_cats(&s, ">\n") < 0)
            nomem();
        putstr(&s);
        str_free(&s);
    } else {
        if (qq_start(&q, ".") < 0) die_sys(EXIT_TEMP, PROG, "unable to run qmail-queue");
        qq_started = 1;
    }

    if (flagresent) {
        if (!htypeseen[H_R_DATE]) datefield("Resent-");
        if (!htypeseen[H_R_MESSAGEID]) msgidfield("Resent-");
        if (!htypeseen[H_R_FROM]) fromfield("Resent-");
        if (!htypeseen[H_R_TO] && !htypeseen[H_R_CC])
            puts_("Resent-Cc: recipient list not shown: ;\n");
    } else {
        if (!htypeseen[H_DATE]) datefield("");
        if (!htypeseen[H_MESSAGEID]) msgidfield("");
        if (!htypeseen[H_FROM]) fromfield("");
        if (!htypeseen[H_TO] && !htypeseen[H_CC]) puts_("Cc: recipient list not shown: ;\n");
        finishmft();
    }
    putstr(&savedh);
}

/* ---- reading the message ------------------------------------------------------- */

enum { LINE_EOF = 0, LINE_OK = 1, LINE_LONG = 2 };

/* Reads one line (through '\n') into l (replaced), at most max bytes; a
 * longer line is left unfinished (LINE_LONG: l holds its first max bytes,
 * the rest is still unread).  A last line without '\n' gets one added, as
 * qmail's reader does. */
static int getline_bounded(buf *in, str *l, size_t max)
{
    str_truncate(l, 0);
    for (;;) {
        ssize_t n = buf_feed(in);
        if (n < 0) die_read();
        if (n == 0) {
            if (!l->len) return LINE_EOF;
            if (str_catc(l, '\n') < 0) nomem();
            return LINE_OK;
        }
        char *p = buf_peek(in);
        char *nl = memchr(p, '\n', (size_t)n);
        size_t take = nl ? (size_t)(nl - p) + 1 : (size_t)n;
        if (take > max - l->len) {
            take = max - l->len;
            if (str_catb(l, p, take) < 0) nomem();
            buf_skip(in, take);
            return LINE_LONG;
        }
        if (str_catb(l, p, take) < 0) nomem();
        buf_skip(in, take);
        if (nl) return LINE_OK;
    }
}

/* copies the rest of in; a last line without '\n' gets one */
static void copy_body(buf *in, char last)
{
    for (;;) {
        ssize_t n = buf_feed(in);
        if (n < 0) die_read();
        if (n == 0) break;
        put(buf_peek(in), (size_t)n);
        last = buf_peek(in)[n - 1];
        buf_skip(in, (size_t)n);
    }
    if (last && last != '\n') put("\n", 1);
}

enum { END_EOF, END_BLANK, END_BAD };

static void doheader_and_body(void)
{
    static char inspace[65536];
    buf in = BUF_INIT(0, inspace, sizeof inspace);
    str hb = STR_INIT, line = STR_INIT;
    int end = END_EOF, r = LINE_EOF;
    hdr_iter it;
    hdr_field f;
    int k;

    for (;;) {
        if (HEADER_MAX - hb.len < 2) die(EXIT_PERM, PROG, "header too long");
        r = getline_bounded(&in, &line, HEADER_MAX - hb.len);
        if (r == LINE_EOF) { end = END_EOF; break; }
        if (hb.len && (line.s[0] == ' ' || line.s[0] == '\t')) {
            if (r == LINE_LONG) die(EXIT_PERM, PROG, "header too long");
            if (str_cat(&hb, &line) < 0) nomem();
            continue;
        }
        hdr_iter_init(&it, line.s, line.len);
        k = hdr_next(&it, &f);
        if (k == HDR_FIELD || k == HDR_MBOX) {
            if (r == LINE_LONG) die(EXIT_PERM, PROG, "header too long");
            if (str_cat(&hb, &line) < 0) nomem();
            continue;
        }
        end = (k == HDR_END && r == LINE_OK) ? END_BLANK : END_BAD;
        break;
    }

    hdr_iter_init(&it, hb.s, hb.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) doheaderfield(k, &f);
    str_free(&hb);

    finishheader();

    switch (end) {
    case END_EOF:
        break; /* no body: no blank line either */
    case END_BLANK:
        putstr(&line);
        copy_body(&in, 0);
        break;
    case END_BAD:
        put("\n", 1);
        putstr(&line);
        copy_body(&in, line.len ? line.s[line.len - 1] : 0);
        break;
    }
    str_free(&line);
}

/* ---- controls, environment, options ------------------------------------------ */

static void readcontrol(const char *name, const char *envname, str *o)
{
    const char *x;
    if (ctl_readline_me(".", name, name, o) == CTL_ERR)
        die_sys(EXIT_TEMP, PROG, "unable to read control/%s", name);
    if ((x = getenv(envname)) && str_copys(o, x) < 0) nomem();
    if (!o->s && str_copys(o, "") < 0) nomem();
}

static void getcontrols(void)
{
    const char *x = getenv("QMAILMFTFILE");
    const char *home;
    if (x) {
        int r = ctl_readset_path(x, &mftset);
        if (r == CTL_ERR) die_sys(EXIT_TEMP, PROG, "unable to read %s", x);
        flagmft = (r == CTL_FOUND);
    }
    home = ctl_home();
    if (chdir(home) < 0) die_sys(EXIT_TEMP, PROG, "unable to switch to %s", home);
    readcontrol("defaultdomain", "QMAILDEFAULTDOMAIN", &defaultdomain);
    readcontrol("defaulthost", "QMAILDEFAULTHOST", &defaulthost);
    readcontrol("plusdomain", "QMAILPLUSDOMAIN", &plusdomain);
    readcontrol("idhost", "QMAILIDHOST", &idhost);
}

static void dorecip(const char *s)
{
    str a = STR_INIT;
    if (rewrite_arg(&a, s) < 0) die(EXIT_PERM, PROG, "unable to parse address: %s", s);
    alist_add(&reciplist, a.s ? a.s : "", a.len);
    str_free(&a);
}

static void exitnicely(int flagrh)
{
    str why = STR_INIT;
    const char *a;
    size_t i;
    int r;

    if (!flagqueue) {
        if (buf_flush(&out) < 0) die_sys(EXIT_TEMP, PROG, "unable to write output");
        exit(0);
    }
    qq_from(&q, sender.s ? sender.s : "");
    for (a = reciplist.s.s, i = 0; i < reciplist.n; i++, a += strlen(a) + 1) qq_to(&q, a);
    if (flagrh) {
        const alist *l = flagresent ? &hrrlist : &hrlist;
        for (a = l->s.s, i = 0; i < l->n; i++, a += strlen(a) + 1) qq_to(&q, a);
    }
    r = qq_finish(&q, &why);
    if (r) die(r == 'D' ? EXIT_PERM : EXIT_TEMP, PROG, "%s", why.s);
    exit(0);
}

enum { RECIP_DEFAULT, RECIP_ARGS, RECIP_HEADER, RECIP_AH };

int main(int argc, char **argv)
{
    const char *x;
    int recipstrategy = RECIP_DEFAULT;
    const char *fopt = NULL;
    int i;

    signal(SIGPIPE, SIG_IGN);
    starttime = time(NULL);

    if ((x = getenv("QMAILINJECT")))
        for (; *x; x++) switch (*x) {
            case 'c': flagnamecomment = 1; break;
            case 's': flagdeletesender = 1; break;
            case 'f': flagdeletefrom = 1; break;
            case 'i': flagdeletemessid = 1; break;
            case 'r': flaghackrecip = 1; break;
            case 'm': flaghackmess = 1; break;
            default: break;
            }

    mailhost = getenv("QMAILHOST");
    if (!mailhost) mailhost = getenv("MAILHOST");
    mailrhost = getenv("QMAILSHOST");
    if (!mailrhost) mailrhost = mailhost;
    mailuser = getenv("QMAILUSER");
    if (!mailuser) mailuser = getenv("MAILUSER");
    if (!mailuser) mailuser = getenv("USER");
    if (!mailuser) mailuser = getenv("LOGNAME");
    if (!mailuser) mailuser = "anonymous";
    mailruser = getenv("QMAILSUSER");
    if (!mailruser) mailruser = mailuser;

    getcontrols();

    /* options as qmail's getopt reads them: no permutation, "--" ends them */
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *p = argv[i] + 1;
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        for (; *p; p++) {
            switch (*p) {
            case 'a': recipstrategy = RECIP_ARGS; continue;
            case 'A': recipstrategy = RECIP_DEFAULT; continue;
            case 'h': recipstrategy = RECIP_HEADER; continue;
            case 'H': recipstrategy = RECIP_AH; continue;
            case 'n': flagqueue = 0; continue;
            case 'N': flagqueue = 1; continue;
            case 'f':
                if (p[1]) fopt = p + 1;
                else if (i + 1 < argc) fopt = argv[++i];
                else die_usage(PROG, USAGE);
                if (rewrite_arg(&sender, fopt) < 0) die_parse(fopt, strlen(fopt));
                sender_set = 1;
                break;
            default:
                die_usage(PROG, USAGE);
            }
            break; /* -f took the rest of this argument */
        }
    }
    argc -= i;
    argv += i;

    if (recipstrategy == RECIP_DEFAULT) recipstrategy = argc ? RECIP_ARGS : RECIP_HEADER;
    if (recipstrategy != RECIP_HEADER)
        for (i = 0; i < argc; i++) dorecip(argv[i]);

    doheader_and_body();
    exitnicely(recipstrategy != RECIP_ARGS);
    return 0;
}
