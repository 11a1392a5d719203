/* hdr: header fields in memory.  See hdr.h. */
#include "hdr.h"

#include <errno.h>
#include <string.h>

#include "charset.h"
#include "enc.h"

/* ---- lines --------------------------------------------------------------------- */

typedef struct line {
    size_t start;   /* first byte */
    size_t cend;    /* end of content (before CR LF / LF / final CR) */
    size_t next;    /* start of the next line */
} line;

static void get_line(const char *buf, size_t len, size_t pos, line *ln)
{
    const char *nl = memchr(buf + pos, '\n', len - pos);
    size_t e = nl ? (size_t)(nl - buf) : len;
    ln->start = pos;
    ln->next = nl ? e + 1 : len;
    if (e > pos && buf[e - 1] == '\r') e--;
    ln->cend = e;
}

/* offset of the ':' ending a valid field name in the line, or 0 if the line
 * is not a field (a valid name is never empty, so 0 is free) */
static size_t field_colon(const char *buf, const line *ln, size_t *name_end)
{
    size_t i = ln->start;
    while (i < ln->cend) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 33 || c > 126 || c == ':') break;
        i++;
    }
    if (i == ln->start) return 0;
    *name_end = i;
    while (i < ln->cend && (buf[i] == ' ' || buf[i] == '\t')) i++;
    if (i < ln->cend && buf[i] == ':') return i;
    return 0;
}

static void clear_field(hdr_field *f, const char *at, size_t offset)
{
    f->name = f->value = f->raw = at;
    f->name_len = f->value_len = f->raw_len = 0;
    f->offset = offset;
}

void hdr_iter_init(hdr_iter *it, const char *buf, size_t len)
{
    it->buf = buf ? buf : "";
    it->len = buf ? len : 0;
    it->pos = 0;
    it->end = 0;
    it->body = 0;
}

static int finish(hdr_iter *it, hdr_field *f, int kind, size_t body)
{
    it->end = kind;
    it->body = body;
    clear_field(f, it->buf + body, body);
    if (kind == HDR_BADLINE) {
        line ln;
        get_line(it->buf, it->len, body, &ln);
        f->value = f->raw = it->buf + body;
        f->value_len = ln.cend - body;
        f->raw_len = ln.next - body;
    }
    return kind;
}

int hdr_next(hdr_iter *it, hdr_field *f)
{
    const char *buf = it->buf;
    size_t len = it->len, colon, name_end = 0, vstart;
    line ln, last;
    int kind;

    if (it->end) return finish(it, f, it->end, it->body);
    if (it->pos >= len) return finish(it, f, HDR_EOF, len);
    get_line(buf, len, it->pos, &ln);
    if (ln.cend == ln.start) {
        if (ln.next > ln.cend && buf[ln.next - 1] == '\n') return finish(it, f, HDR_END, ln.next);
        return finish(it, f, HDR_EOF, len); /* a lone CR at the very end */
    }
    colon = field_colon(buf, &ln, &name_end);
    if (colon) {
        kind = HDR_FIELD;
        vstart = colon + 1;
    } else if (ln.cend - ln.start >= 5 && memcmp(buf + ln.start, "From ", 5) == 0) {
        kind = HDR_MBOX;
        name_end = ln.start + 4;
        vstart = ln.start + 5;
    } else {
        /* not a field; a leading continuation line has no field to continue */
        return finish(it, f, HDR_BADLINE, ln.start);
    }
    last = ln;
    while (last.next < len && (buf[last.next] == ' ' || buf[last.next] == '\t'))
        get_line(buf, len, last.next, &last);
    f->name = buf + ln.start;
    f->name_len = name_end - ln.start;
    f->value = buf + vstart;
    f->value_len = last.cend >= vstart ? last.cend - vstart : 0;
    f->raw = buf + ln.start;
    f->raw_len = last.next - ln.start;
    f->offset = ln.start;
    it->pos = last.next;
    return kind;
}

int hdr_name_eq(const char *name, size_t len, const char *want)
{
    size_t n = strlen(want);
    return n == len && case_equalb(name, want, n);
}

int hdr_is(const hdr_field *f, const char *name)
{
    return hdr_name_eq(f->name, f->name_len, name);
}

int hdr_find(hdr_iter *it, const char *name, hdr_field *f)
{
    int k;
    while ((k = hdr_next(it, f)) == HDR_FIELD || k == HDR_MBOX)
        if (k == HDR_FIELD && hdr_is(f, name)) return 1;
    return 0;
}

/* ---- values --------------------------------------------------------------------- */

static int is_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void hdr_trim(const char **s, size_t *len)
{
    while (*len && is_blank((unsigned char)**s)) { (*s)++; (*len)--; }
    while (*len && is_blank((unsigned char)(*s)[*len - 1])) (*len)--;
}

int hdr_unfold(str *out, const char *s, size_t len, int mode)
{
    size_t i = 0, w;
    if (str_readyplus(out, len) < 0) return -1; /* the result is never longer */
    w = out->len;
    while (i < len) {
        char c = s[i];
        if (c == '\r' && i + 1 < len && s[i + 1] == '\n' && mode != HDR_UNFOLD_COLLAPSE) {
            i++;
            c = '\n';
        }
        if (c == '\n') {
            if (mode == HDR_UNFOLD_COLLAPSE) {
                while (i + 1 < len && (s[i + 1] == ' ' || s[i + 1] == '\t' || s[i + 1] == '\r' ||
                                       s[i + 1] == '\n' || s[i + 1] == '\v' || s[i + 1] == '\f'))
                    i++;
                if (i + 1 < len) out->s[w++] = ' ';
            } else if (mode == HDR_UNFOLD_SPACE) {
                out->s[w++] = ' ';
            }
        } else {
            out->s[w++] = c;
        }
        i++;
    }
    out->len = w;
    out->s[w] = 0;
    return 0;
}

int hdr_value(str *out, const hdr_field *f)
{
    const char *v = f->value;
    size_t n = f->value_len;
    hdr_trim(&v, &n);
    return hdr_unfold(out, v, n, HDR_UNFOLD_DELETE);
}

int hdr_collect(str *out, const char *buf, size_t len, const char *name, const char *sep)
{
    hdr_iter it;
    hdr_field f;
    size_t mark = out->s ? out->len : 0;
    int count = 0;

    hdr_iter_init(&it, buf, len);
    while (hdr_find(&it, name, &f)) {
        if ((count && str_cats(out, sep) < 0) || hdr_value(out, &f) < 0) {
            if (out->s) str_truncate(out, mark);
            return -1;
        }
        if (count < 0x7fffffff) count++;
    }
    return count;
}

/* ---- RFC 2047 ------------------------------------------------------------------------ */

typedef struct dec {
    str *out;
    str pend;                          /* decoded bytes of the current run */
    char cs[HDR_CHARSET_MAX + 1];      /* its charset, NUL-terminated */
    charset_conv cd;                   /* cached converter ... */
    char cdname[HDR_CHARSET_MAX + 1];  /* ... for this charset ("" = none) */
} dec;

static int cs_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '*';
}

static int is_utf8_label(const char *cs)
{
    return case_equals(cs, "utf-8") || case_equals(cs, "utf8") || case_equals(cs, "us-ascii") ||
           case_equals(cs, "ascii");
}

/* Runs the converter over in[0..inleft) (NULL: end the shift state) into
 * out.  1 ok, 0 conversion impossible, -1 ENOMEM. */
static int convert(charset_conv *cd, str *out, char *in, size_t inleft)
{
    size_t room;
    if (size_add(inleft, 16, &room) < 0) return -1;
    for (;;) {
        char *op;
        size_t outleft, r;
        if (str_readyplus(out, room) < 0) return -1;
        op = out->s + out->len;
        outleft = out->cap - out->len - 1;
        r = in ? charset_conv_run(cd, &in, &inleft, &op, &outleft) : charset_conv_run(cd, NULL, NULL, &op, &outleft);
        out->len = (size_t)(op - out->s);
        out->s[out->len] = 0;
        if (r != (size_t)-1) return 1;
        if (errno != E2BIG) return 0;
        if (size_add(room, room, &room) < 0) return -1;
    }
}

/* Writes the pending run converted from d->cs to UTF-8 (unconverted if that
 * is impossible) and empties it. */
static int flush(dec *d)
{
    str *out = d->out;
    size_t mark = out->len;

    if (d->pend.len == 0) return 0;
    if (!is_utf8_label(d->cs)) {
        if (strcmp(d->cs, d->cdname) != 0) {
            charset_close(&d->cd);
            charset_open(&d->cd, d->cs); /* unknown: stays closed */
            memcpy(d->cdname, d->cs, sizeof d->cdname);
        }
        if (d->cd.kind != CHARSET_NONE) {
            int rc;
            charset_conv_run(&d->cd, NULL, NULL, NULL, NULL); /* initial state */
            rc = convert(&d->cd, out, d->pend.s, d->pend.len);
            if (rc == 1) rc = convert(&d->cd, out, NULL, 0);
            if (rc < 0) { str_truncate(out, mark); return -1; }
            if (rc == 1) {
                str_truncate(&d->pend, 0);
                return 0;
            }
            str_truncate(out, mark);
        }
    }
    if (str_cat(out, &d->pend) < 0) return -1;
    str_truncate(&d->pend, 0);
    return 0;
}

/* Tries to read an encoded-word at s[i] (s[i] == '=', s[i+1] == '?').
 * 1: decoded into d->pend (after flushing a run in another charset), *end set;
 * 0: not a valid encoded-word; -1: ENOMEM. */
static int try_word(dec *d, const char *s, size_t len, size_t i, size_t *end)
{
    size_t j = i + 2, cs0 = j, cslen, t0;
    char cs[HDR_CHARSET_MAX + 1];
    char enc;
    int rc;

    while (j < len && j - cs0 <= HDR_CHARSET_MAX && cs_char((unsigned char)s[j])) j++;
    if (j >= len || s[j] != '?' || j == cs0 || j - cs0 > HDR_CHARSET_MAX) return 0;
    cslen = j - cs0;
    {
        const char *star = memchr(s + cs0, '*', cslen); /* RFC 2231 language */
        if (star) cslen = (size_t)(star - (s + cs0));
    }
    if (cslen == 0) return 0;
    memcpy(cs, s + cs0, cslen);
    cs[cslen] = 0;
    j++;
    if (len - j < 2) return 0;
    enc = s[j];
    if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return 0;
    if (s[j + 1] != '?') return 0;
    j += 2;
    t0 = j;
    while (j < len && s[j] != '?' && !is_blank((unsigned char)s[j])) j++;
    if (len - j < 2 || s[j] != '?' || s[j + 1] != '=') return 0;

    /* a run continues only in the same charset */
    if (d->pend.len && !case_equals(cs, d->cs) && flush(d) < 0) return -1;
    rc = (enc == 'B' || enc == 'b') ? enc_word_unb64(&d->pend, s + t0, j - t0)
                                      : enc_word_unq(&d->pend, s + t0, j - t0);
    if (rc <= 0) return rc;
    memcpy(d->cs, cs, cslen + 1);
    *end = j + 2;
    return 1;
}

int hdr_decode2047(str *out, const char *s, size_t len)
{
    dec d;
    size_t i = 0, lit = 0, mark = out->s ? out->len : 0;
    int prev_word = 0, rc;

    memset(&d, 0, sizeof d);
    d.out = out;
    d.cd.kind = CHARSET_NONE;
    if (str_ready(&d.pend, 0) < 0 || str_readyplus(out, 0) < 0) goto nomem;
    while (i + 1 < len) {
        size_t end = 0;
        if (s[i] != '=' || s[i + 1] != '?') { i++; continue; }
        if (prev_word) { /* only white space since the last word? it disappears */
            size_t k = lit;
            while (k < i && is_blank((unsigned char)s[k])) k++;
            if (k < i) prev_word = 0;
        }
        if (!prev_word && i > lit) { /* literal text ends the run */
            if (flush(&d) < 0 || str_catb(out, s + lit, i - lit) < 0) goto nomem;
            lit = i;
        }
        rc = try_word(&d, s, len, i, &end);
        if (rc < 0) goto nomem;
        if (rc == 0) { /* stays literal, and separates what follows */
            prev_word = 0;
            i++;
            continue;
        }
        i = lit = end;
        prev_word = 1;
    }
    if (flush(&d) < 0 || str_catb(out, s + lit, len - lit) < 0) goto nomem;
    str_free(&d.pend);
    charset_close(&d.cd);
    return 0;
nomem:
    str_free(&d.pend);
    charset_close(&d.cd);
    if (out->s) str_truncate(out, mark);
    errno = ENOMEM;
    return -1;
}
