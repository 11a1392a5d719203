/*
 * maildrop-mime: the text that patterns are matched against.
 *
 * As maildrop does, the message is not searched raw: it is turned into a
 * stream of UTF-8 lines, each tagged as a header line or a body line.
 *  - Header lines are "Name: value": the value unfolded (every line break
 *    becomes one space, the continuation's own blanks kept), trimmed,
 *    RFC 2047 words decoded; the address fields (From To Cc Bcc
 *    Resent-From Resent-To Resent-Cc) are parsed and written again as
 *    "name <addr>" items (lib/addr, lib/hdr).
 *  - No blank line separates a header from its body.
 *  - A MIME message (MIME-Version in the top header) is walked: the header
 *    of every part (and of an attached message/rfc822) is header text;
 *    the body text is taken only from the text and message leaves, with
 *    quoted-printable and base64 decoded and the charset converted to
 *    UTF-8 (iconv); other parts are skipped.  A non-MIME message is one
 *    text part.  Bytes that are not valid UTF-8 are read as ISO-8859-1.
 *  - CR before LF is not part of a line; a last line without a newline is
 *    still a line; the last line of every part ends with the part.
 * Memory stays bounded: the message is read in chunks, a header field is
 * kept up to MD_FIELD_MAX bytes and a body line is split every MD_LINE_MAX
 * bytes.  The lines of a small message are generated once and cached.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "charset.h"
#include "hdr.h"
#include "maildrop.h"

#define BOUND_MAX 32      /* nested multiparts followed */

enum { ST_HDR = 0, ST_TEXT = 1, ST_SKIP = 2 };
enum { CTE_NONE = 0, CTE_QP = 1, CTE_B64 = 2 };

struct qline {
    size_t off, len;
    int kind;
};

struct md_canon_cache {
    str data;
    struct qline *v;
    size_t n, cap;
};

struct md_canon {
    struct md_rd rd;
    int want;
    int state;
    int top;              /* in the top-level header */
    int first;            /* no line of the top header seen yet */
    int midline;          /* the previous chunk ended inside a line */
    int skipline;         /* ignore the rest of the current line */
    int cont_field;       /* pieces of the current line belong to the field */
    int eof;
    /* the entity whose header is being read */
    int ent_mime;         /* a MIME entity (inside a MIME message) */
    int saw_version;
    str ctype, boundary, charset;
    int cte;
    str field;
    /* multipart boundaries, "--" + boundary */
    str bounds[BOUND_MAX];
    int nb;
    /* body decoding */
    str acc;
    unsigned long b64;
    int b64n;
    charset_conv cd;
    int conv;
    /* output queue */
    str out;
    struct qline *q;
    size_t qn, qi, qcap;
    str t1, t2;
    /* iterating a cache instead */
    struct md_canon_cache *cache;
    size_t ci;
};

/* ---- UTF-8 ------------------------------------------------------------------------- */

static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
        return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
                       (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

int md_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k;
        if (u[i] < 0x80) { i++; continue; }
        k = utf8_seq(u + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

int md_utf8_fix(str *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    if (str_readyplus(out, n) < 0) return -1;
    while (i < n) {
        size_t j = i, k;
        while (j < n && u[j] < 0x80) j++;
        if (j > i && str_catb(out, s + i, j - i) < 0) return -1;
        i = j;
        if (i >= n) break;
        k = utf8_seq(u + i, n - i);
        if (k) {
            if (str_catb(out, s + i, k) < 0) return -1;
            i += k;
        } else {
            char two[2];
            two[0] = (char)(0xC0 | (u[i] >> 6));
            two[1] = (char)(0x80 | (u[i] & 0x3F));
            if (str_catb(out, two, 2) < 0) return -1;
            i++;
        }
    }
    if (!out->s && str_ready(out, 0) < 0) return -1;
    return 0;
}

/* ---- output queue ------------------------------------------------------------------ */

static int queue_line(struct md_canon *c, const char *s, size_t n, int kind)
{
    size_t off = c->out.len;
    if (!(c->want & kind & (MD_LH | MD_LB))) return 0;
    if (c->qn == c->qcap) {
        size_t nc = c->qcap ? c->qcap * 2 : 16;
        struct qline *nq = realloc(c->q, nc * sizeof *nq);
        if (!nq) return -1;
        c->q = nq;
        c->qcap = nc;
    }
    if (md_utf8_valid(s, n)) {
        if (str_catb(&c->out, s, n) < 0) return -1;
    } else if (md_utf8_fix(&c->out, s, n) < 0) {
        return -1;
    }
    c->q[c->qn].off = off;
    c->q[c->qn].len = c->out.len - off;
    c->q[c->qn].kind = kind;
    c->qn++;
    return 0;
}

/* ---- header fields ----------------------------------------------------------------- */

static int is_field_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 33 || ch > 126 || ch == ':') break;
        i++;
    }
    if (i == 0) return 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    return i < n && s[i] == ':';
}

static int addr_field(const char *name, size_t n)
{
    static const char *const f[] = { "from", "to", "cc", "bcc", "resent-from", "resent-to", "resent-cc" };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (hdr_name_eq(name, n, f[i])) return 1;
    return 0;
}

/* A display name: quoted only when it holds RFC 5322 specials. */
static int cat_name(str *out, const char *s, size_t n)
{
    int q = 0;
    for (size_t i = 0; i < n; i++)
        if (strchr("()<>[]:;@\\,.\"", s[i]) || (unsigned char)s[i] < 32) { q = 1; break; }
    if (!q) return str_catb(out, s, n);
    if (str_catc(out, '"') < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n') continue;
        if ((s[i] == '"' || s[i] == '\\') && str_catc(out, '\\') < 0) return -1;
        if (str_catc(out, s[i]) < 0) return -1;
    }
    return str_catc(out, '"');
}

static int render_addresses(str *out, const char *v, size_t n, str *tmp)
{
    addr_list l = ADDR_LIST_INIT;
    int sep = 0, r = -1;
    if (addr_list_parse(&l, v, n) < 0) return -1;
    for (size_t i = 0; i < l.n; i++) {
        const addr_item *it = &l.v[i];
        switch (it->kind) {
        case ADDR_MAILBOX:
            if (sep && str_cats(out, ", ") < 0) goto done;
            str_truncate(tmp, 0);
            if (it->name.len && hdr_decode2047(tmp, it->name.s, it->name.len) < 0) goto done;
            if (tmp->len) {
                if (cat_name(out, tmp->s, tmp->len) < 0 || str_cats(out, " <") < 0 ||
                    addr_quote(out, it->addr.s, it->addr.len) < 0 || str_catc(out, '>') < 0)
                    goto done;
            } else if (!it->addr.len) {
                if (str_cats(out, "<>") < 0) goto done;
            } else if (addr_quote(out, it->addr.s, it->addr.len) < 0) {
                goto done;
            }
            sep = 1;
            break;
        case ADDR_GROUP:
            if (sep && str_cats(out, ", ") < 0) goto done;
            str_truncate(tmp, 0);
            if (it->name.len && hdr_decode2047(tmp, it->name.s, it->name.len) < 0) goto done;
            if (cat_name(out, tmp->s ? tmp->s : "", tmp->len) < 0 || str_cats(out, ": ") < 0) goto done;
            sep = 0;
            break;
        case ADDR_GROUP_END:
            if (str_catc(out, ';') < 0) goto done;
            sep = 1;
            break;
        default:
            if (sep && str_cats(out, ", ") < 0) goto done;
            if (str_cat(out, &it->text) < 0) goto done;
            sep = 1;
            break;
        }
    }
    r = 0;
done:
    addr_list_free(&l);
    return r;
}

/* Lowercased token of a Content-Type value (type/subtype) and a parameter. */
static int ct_param(const char *v, size_t n, const char *want, str *out)
{
    size_t i = 0;
    str_truncate(out, 0);
    /* skip the type */
    while (i < n && v[i] != ';') {
        if (v[i] == '"') { i++; while (i < n && v[i] != '"') { if (v[i] == '\\') i++; i++; } }
        i++;
    }
    while (i < n) {
        size_t ns, ne;
        i++;                                       /* ';' */
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')) i++;
        ns = i;
        while (i < n && v[i] != '=' && v[i] != ';') i++;
        ne = i;
        while (ne > ns && (v[ne - 1] == ' ' || v[ne - 1] == '\t')) ne--;
        if (i >= n || v[i] == ';') continue;
        i++;                                       /* '=' */
        while (i < n && (v[i] == ' ' || v[i] == '\t')) i++;
        {
            int match = hdr_name_eq(v + ns, ne - ns, want);
            if (i < n && v[i] == '"') {
                i++;
                while (i < n && v[i] != '"') {
                    if (v[i] == '\\' && i + 1 < n) i++;
                    if (match && str_catc(out, v[i]) < 0) return -1;
                    i++;
                }
                if (i < n) i++;
                while (i < n && v[i] != ';') i++;
            } else {
                size_t vs = i;
                while (i < n && v[i] != ';' && v[i] != ' ' && v[i] != '\t') i++;
                if (match && str_catb(out, v + vs, i - vs) < 0) return -1;
                while (i < n && v[i] != ';') i++;
            }
            if (match) return 1;
        }
    }
    return 0;
}

static void lower(str *s)
{
    for (size_t i = 0; i < s->len; i++) s->s[i] = ascii_lower(s->s[i]);
}

static int finish_field(struct md_canon *c)
{
    hdr_iter it;
    hdr_field f;
    str *v = &c->t1;
    int r = 0;
    if (!c->field.len) return 0;
    while (c->field.len && (c->field.s[c->field.len - 1] == '\n' || c->field.s[c->field.len - 1] == '\r'))
        c->field.len--;
    hdr_iter_init(&it, c->field.s, c->field.len);
    if (hdr_next(&it, &f) != HDR_FIELD) goto done;
    str_truncate(v, 0);
    if (hdr_unfold(v, f.value, f.value_len, HDR_UNFOLD_SPACE) < 0) { r = -1; goto done; }
    {
        const char *p = v->s ? v->s : "";
        size_t n = v->len;
        hdr_trim(&p, &n);
        if (c->ent_mime || c->top) {
            if (hdr_is(&f, "content-type")) {
                size_t k = 0;
                while (k < n && p[k] != ';' && p[k] != ' ' && p[k] != '\t') k++;
                if (str_copyb(&c->ctype, p, k) < 0) { r = -1; goto done; }
                lower(&c->ctype);
                if (ct_param(p, n, "boundary", &c->boundary) < 0 ||
                    ct_param(p, n, "charset", &c->charset) < 0) { r = -1; goto done; }
                lower(&c->charset);
            } else if (hdr_is(&f, "content-transfer-encoding")) {
                if (n >= 16 && case_starts(p, n, "quoted-printable")) c->cte = CTE_QP;
                else if (n >= 6 && case_starts(p, n, "base64")) c->cte = CTE_B64;
                else c->cte = CTE_NONE;
            } else if (hdr_is(&f, "mime-version")) {
                c->saw_version = 1;
            }
        }
        if (c->want & MD_LH) {
            str *o = &c->t2;
            if (str_copyb(o, f.name, f.name_len) < 0 || str_cats(o, ": ") < 0) { r = -1; goto done; }
            if (addr_field(f.name, f.name_len)) {
                str tmp = STR_INIT;
                r = render_addresses(o, p, n, &tmp);
                str_free(&tmp);
                if (r < 0) goto done;
            } else if (hdr_decode2047(o, p, n) < 0) {
                r = -1;
                goto done;
            }
            /* a decoded word may hold a line break: keep one line */
            for (size_t k = 0; k < o->len; k++)
                if (o->s[k] == '\n' || o->s[k] == '\r') o->s[k] = ' ';
            r = queue_line(c, o->s, o->len, MD_LH | (c->top ? MD_LTOP : 0));
        }
    }
done:
    str_truncate(&c->field, 0);
    return r;
}

/* ---- bodies ---------------------------------------------------------------------- */

static int conv_open(struct md_canon *c)
{
    const char *cs = c->charset.s;
    c->conv = 0;
    if (!cs || !*cs || !strcmp(cs, "utf-8") || !strcmp(cs, "utf8") || !strcmp(cs, "us-ascii") ||
        !strcmp(cs, "ascii"))
        return 0;
    if (charset_open(&c->cd, cs) < 0) return 0; /* unknown: bytes kept, then fixed */
    c->conv = 1;
    return 0;
}

static void conv_close(struct md_canon *c)
{
    if (c->conv) charset_close(&c->cd);
    c->conv = 0;
}

static int convert(struct md_canon *c, const char *s, size_t n, str *out)
{
    char *in = (char *)s;
    size_t inleft = n;
    str_truncate(out, 0);
    charset_conv_run(&c->cd, NULL, NULL, NULL, NULL);
    while (inleft) {
        char *op;
        size_t oleft, before;
        if (str_readyplus(out, inleft * 4 + 16) < 0) return -1;
        op = out->s + out->len;
        oleft = out->cap - out->len - 1;
        before = oleft;
        if (charset_conv_run(&c->cd, &in, &inleft, &op, &oleft) == (size_t)-1) {
            out->len += before - oleft;
            if (errno == E2BIG) continue;
            /* an invalid or incomplete sequence: that byte as ISO-8859-1 */
            {
                unsigned char b = (unsigned char)*in;
                char two[2];
                if (b < 0x80) {
                    if (str_catc(out, (char)b) < 0) return -1;
                } else {
                    two[0] = (char)(0xC0 | (b >> 6));
                    two[1] = (char)(0x80 | (b & 0x3F));
                    if (str_catb(out, two, 2) < 0) return -1;
                }
                in++;
                inleft--;
                charset_conv_run(&c->cd, NULL, NULL, NULL, NULL);
            }
            continue;
        }
        out->len += before - oleft;
    }
    if (!out->s && str_ready(out, 0) < 0) return -1;
    out->s[out->len] = 0;
    return 0;
}

static int line_end(struct md_canon *c)
{
    int r;
    if (c->conv) {
        if (convert(c, c->acc.s ? c->acc.s : "", c->acc.len, &c->t1) < 0) return -1;
        r = queue_line(c, c->t1.s, c->t1.len, MD_LB);
    } else {
        r = queue_line(c, c->acc.s ? c->acc.s : "", c->acc.len, MD_LB);
    }
    str_truncate(&c->acc, 0);
    return r;
}

static int acc_add(struct md_canon *c, const char *s, size_t n)
{
    while (n) {
        size_t room = MD_LINE_MAX - c->acc.len, k = n < room ? n : room;
        if (str_catb(&c->acc, s, k) < 0) return -1;
        s += k;
        n -= k;
        if (c->acc.len >= MD_LINE_MAX && line_end(c) < 0) return -1;
    }
    return 0;
}

static int acc_byte(struct md_canon *c, char b)
{
    if (b == '\n') {
        if (c->acc.len && c->acc.s[c->acc.len - 1] == '\r') c->acc.len--;
        return line_end(c);
    }
    return acc_add(c, &b, 1);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

static int b64val(char ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* A partial base64 group (2 or 3 characters) gives 1 or 2 bytes. */
static int b64_flush(struct md_canon *c)
{
    if (c->b64n >= 2) {
        unsigned long x = c->b64 << (6 * (4 - c->b64n));
        char b[2];
        int k = c->b64n == 2 ? 1 : 2;
        b[0] = (char)(x >> 16);
        b[1] = (char)(x >> 8);
        for (int i = 0; i < k; i++)
            if (acc_byte(c, b[i]) < 0) return -1;
    }
    c->b64 = 0;
    c->b64n = 0;
    return 0;
}

/* One chunk of a text body; s[0..n) without the line ending, eol = the
 * line ends with this chunk. */
static int body_text(struct md_canon *c, const char *s, size_t n, int eol)
{
    switch (c->cte) {
    case CTE_QP: {
        int soft = 0;
        if (eol) {
            while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
            if (n && s[n - 1] == '=') { soft = 1; n--; }
        }
        for (size_t i = 0; i < n;) {
            const char *e = memchr(s + i, '=', n - i);
            size_t stop = e ? (size_t)(e - s) : n;
            if (stop > i && acc_add(c, s + i, stop - i) < 0) return -1;
            i = stop;
            if (i >= n) break;
            if (i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
                char b = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
                if (acc_byte(c, b) < 0) return -1;
                i += 3;
            } else {
                if (acc_add(c, "=", 1) < 0) return -1;
                i++;
            }
        }
        if (eol && !soft) return line_end(c);
        return 0;
    }
    case CTE_B64:
        for (size_t i = 0; i < n; i++) {
            int v = b64val(s[i]);
            if (v < 0) {
                if (s[i] == '=' && b64_flush(c) < 0) return -1;   /* padding ends a group */
                continue;
            }
            c->b64 = (c->b64 << 6) | (unsigned long)v;
            if (++c->b64n == 4) {
                char b[3];
                b[0] = (char)(c->b64 >> 16);
                b[1] = (char)(c->b64 >> 8);
                b[2] = (char)c->b64;
                for (int k = 0; k < 3; k++)
                    if (acc_byte(c, b[k]) < 0) return -1;
                c->b64 = 0;
                c->b64n = 0;
            }
        }
        return 0;
    default:
        if (acc_add(c, s, n) < 0) return -1;
        return eol ? line_end(c) : 0;
    }
}

/* The end of a part's body (a boundary or the end of the message). */
static int end_part(struct md_canon *c)
{
    if (c->state == ST_HDR && finish_field(c) < 0) return -1;
    if (c->state == ST_TEXT) {
        if (c->cte == CTE_B64 && b64_flush(c) < 0) return -1;   /* a group without padding */
        if (c->acc.len && line_end(c) < 0) return -1;
    }
    c->b64 = 0;
    c->b64n = 0;
    str_truncate(&c->acc, 0);
    conv_close(c);
    return 0;
}

static void new_entity(struct md_canon *c, int mime)
{
    c->state = ST_HDR;
    c->ent_mime = mime;
    c->saw_version = 0;
    str_truncate(&c->ctype, 0);
    str_truncate(&c->boundary, 0);
    str_truncate(&c->charset, 0);
    c->cte = CTE_NONE;
}

/* The header of the current entity ended: what is its body? */
static void end_header(struct md_canon *c)
{
    int mime = c->ent_mime || (c->top && c->saw_version);
    const char *t = c->ctype.s ? c->ctype.s : "";
    c->top = 0;
    if (!mime) {
        c->cte = CTE_NONE;
        str_truncate(&c->charset, 0);
        c->state = ST_TEXT;
    } else if (!*t) {
        c->state = ST_TEXT;           /* text/plain */
    } else if (!strncmp(t, "multipart/", 10) && c->boundary.len && c->nb < BOUND_MAX) {
        str *b = &c->bounds[c->nb];
        if (str_copys(b, "--") < 0 || str_cat(b, &c->boundary) < 0) {
            c->state = ST_SKIP;
        } else {
            c->nb++;
            c->state = ST_SKIP;       /* the preamble */
        }
        return;
    } else if (!strcmp(t, "message/rfc822") || !strcmp(t, "message/global")) {
        new_entity(c, 1);
        return;
    } else if (!strncmp(t, "text/", 5) || !strncmp(t, "message/", 8) || !strncmp(t, "multipart/", 10)) {
        c->state = ST_TEXT;
    } else {
        c->state = ST_SKIP;
    }
    if (c->state == ST_TEXT && !(c->want & MD_LB)) c->state = ST_SKIP;
    if (c->state == ST_TEXT) conv_open(c);
    c->b64 = 0;
    c->b64n = 0;
    /* only headers wanted and no more parts can follow: stop here */
    if (!(c->want & MD_LB) && c->nb == 0 && c->state != ST_HDR) c->eof = 1;
}

/* Is line (content, no line ending) a boundary?  Returns the depth + 1
 * (negative for a closing boundary), or 0. */
static int boundary(struct md_canon *c, const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    for (int d = c->nb - 1; d >= 0; d--) {
        const str *b = &c->bounds[d];
        if (n < b->len || memcmp(s, b->s, b->len) != 0) continue;
        if (n == b->len) return d + 1;
        if (n == b->len + 2 && s[b->len] == '-' && s[b->len + 1] == '-') return -(d + 1);
    }
    return 0;
}

static int process(struct md_canon *c, const char *s, size_t n, int more)
{
    int atstart = !c->midline;
    size_t cl = n;
    c->midline = more;
    if (!more) {
        if (cl && s[cl - 1] == '\n') cl--;
        if (cl && s[cl - 1] == '\r') cl--;
    }
    if (!atstart) {
        if (c->skipline) { if (!more) c->skipline = 0; return 0; }
        if (c->state == ST_HDR) {
            if (c->cont_field && c->field.len < MD_FIELD_MAX) {
                size_t k = n < MD_FIELD_MAX - c->field.len ? n : MD_FIELD_MAX - c->field.len;
                if (str_catb(&c->field, s, k) < 0) return -1;
            }
            return 0;
        }
        if (c->state == ST_TEXT) return body_text(c, s, cl, !more);
        return 0;
    }
    c->skipline = 0;
    c->cont_field = 0;
    if (c->nb && cl >= 2 && s[0] == '-' && s[1] == '-') {
        int d = boundary(c, s, cl);
        if (d) {
            if (end_part(c) < 0) return -1;
            c->skipline = more;
            if (d > 0) {
                c->nb = d;
                new_entity(c, 1);
            } else {
                for (int k = -d - 1; k < c->nb; k++) str_truncate(&c->bounds[k], 0);
                c->nb = -d - 1;
                c->state = ST_SKIP;   /* the epilogue */
                if (!(c->want & MD_LB) && c->nb == 0) c->eof = 1;
            }
            return 0;
        }
    }
    if (c->state == ST_SKIP) return 0;
    if (c->state == ST_TEXT) return body_text(c, s, cl, !more);

    /* ST_HDR */
    if (c->field.len && (s[0] == ' ' || s[0] == '\t')) {
        size_t k = n < MD_FIELD_MAX - c->field.len ? n : MD_FIELD_MAX - c->field.len;
        if (c->field.len < MD_FIELD_MAX && str_catb(&c->field, s, k) < 0) return -1;
        c->cont_field = 1;
        return 0;
    }
    if (finish_field(c) < 0) return -1;
    if (cl == 0) {
        c->first = 0;
        end_header(c);
        return 0;
    }
    if (c->top && c->first && cl >= 5 && memcmp(s, "From ", 5) == 0) {
        c->first = 0;
        c->skipline = more;
        return queue_line(c, s, cl, MD_LH | MD_LTOP);
    }
    c->first = 0;
    if (is_field_line(s, cl)) {
        size_t k = n < MD_FIELD_MAX ? n : MD_FIELD_MAX;
        if (str_copyb(&c->field, s, k) < 0) return -1;
        c->cont_field = 1;
        return 0;
    }
    /* not a header line: the header ends and this line is body */
    end_header(c);
    if (c->state == ST_TEXT) return body_text(c, s, cl, !more);
    if (c->state == ST_HDR) {
        /* an attached message whose header starts with garbage */
        end_header(c);
        if (c->state == ST_TEXT) return body_text(c, s, cl, !more);
    }
    c->skipline = more;
    return 0;
}

/* ---- the iterator ---------------------------------------------------------------- */

static int generate(struct md_canon *c)
{
    const char *s;
    size_t n;
    int more, r;
    c->out.len = 0;
    c->qn = c->qi = 0;
    while (c->qn == 0) {
        if (c->eof) return 0;
        if (md_timed_out) { errno = ETIMEDOUT; return -1; }
        r = md_rd_next(&c->rd, &s, &n, &more);
        if (r < 0) return -1;
        if (r == 0) {
            if (end_part(c) < 0) return -1;
            c->eof = 1;
            continue;
        }
        if (process(c, s, n, more) < 0) return -1;
    }
    return 1;
}

static void canon_free(struct md_canon *c)
{
    md_rd_close(&c->rd);
    str_free(&c->ctype);
    str_free(&c->boundary);
    str_free(&c->charset);
    str_free(&c->field);
    for (int i = 0; i < BOUND_MAX; i++) str_free(&c->bounds[i]);
    str_free(&c->acc);
    conv_close(c);
    str_free(&c->out);
    free(c->q);
    str_free(&c->t1);
    str_free(&c->t2);
    free(c);
}

static struct md_canon *canon_new(struct md_store *st, int want)
{
    struct md_canon *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (md_rd_open(&c->rd, st) < 0) { free(c); return NULL; }
    c->want = want;
    c->top = 1;
    c->first = 1;
    c->state = ST_HDR;
    return c;
}

void md_canon_cache_free(struct md_canon_cache *cc)
{
    if (!cc) return;
    str_free(&cc->data);
    free(cc->v);
    free(cc);
}

static struct md_canon_cache *build_cache(struct md_store *st)
{
    struct md_canon *g = canon_new(st, MD_LH | MD_LB);
    struct md_canon_cache *cc = calloc(1, sizeof *cc);
    int r;
    if (!g || !cc) goto fail;
    while ((r = generate(g)) == 1) {
        for (; g->qi < g->qn; g->qi++) {
            const struct qline *q = &g->q[g->qi];
            if (cc->n == cc->cap) {
                size_t nc = cc->cap ? cc->cap * 2 : 64;
                struct qline *nv = realloc(cc->v, nc * sizeof *nv);
                if (!nv) goto fail;
                cc->v = nv;
                cc->cap = nc;
            }
            cc->v[cc->n].off = cc->data.len;
            cc->v[cc->n].len = q->len;
            cc->v[cc->n].kind = q->kind;
            cc->n++;
            if (str_catb(&cc->data, g->out.s + q->off, q->len) < 0) goto fail;
        }
    }
    if (r < 0) goto fail;
    if (!cc->data.s && str_ready(&cc->data, 0) < 0) goto fail;
    canon_free(g);
    return cc;
fail:
    if (g) canon_free(g);
    md_canon_cache_free(cc);
    return NULL;
}

int md_canon_open(struct md_canon **out, struct md_store *st, int want)
{
    struct md_canon *c;
    if (st->size <= (off_t)MD_CACHE_MAX && !st->cache && !st->cache_tried) {
        st->cache_tried = 1;
        st->cache = build_cache(st);
    }
    if (st->cache) {
        c = calloc(1, sizeof *c);
        if (!c) return -1;
        c->cache = st->cache;
        c->want = want;
        /* keep the store (and so its cache) alive while iterating */
        c->rd.st = md_store_ref(st);
        *out = c;
        return 0;
    }
    c = canon_new(st, want);
    if (!c) return -1;
    *out = c;
    return 0;
}

int md_canon_next(struct md_canon *c, const char **line, size_t *len, int *kind)
{
    if (c->cache) {
        while (c->ci < c->cache->n) {
            const struct qline *q = &c->cache->v[c->ci++];
            if (!(q->kind & c->want & (MD_LH | MD_LB))) continue;
            *line = c->cache->data.s + q->off;
            *len = q->len;
            *kind = q->kind;
            return 1;
        }
        return 0;
    }
    while (c->qi >= c->qn) {
        int r = generate(c);
        if (r <= 0) return r;
    }
    *line = c->out.s + c->q[c->qi].off;
    *len = c->q[c->qi].len;
    *kind = c->q[c->qi].kind;
    c->qi++;
    return 1;
}

void md_canon_close(struct md_canon *c)
{
    if (!c) return;
    if (c->cache) {
        md_store_unref(c->rd.st);
        free(c);
        return;
    }
    canon_free(c);
}
