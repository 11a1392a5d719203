/* autoreply: the autoresponders' engine.  See autoreply.h. */
#include "autoreply.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "arstate.h"
#include "cookie.h"
#include "ctl.h"
#include "datefmt.h"
#include "enc.h"
#include "fs.h"
#include "hdr.h"
#include "qq.h"

#define WHY_VALUE_MAX 100   /* bytes of a value quoted in a reason */
#define REFS_KEEP 10        /* ids kept from the original's References */
#define MSGID_MAX 250       /* longest message id taken from the original */

void autoreply_opts_init(autoreply_opts *o)
{
    memset(o, 0, sizeof *o);
    o->check_to = 1;
    o->now = time(NULL);
    o->interval = 3600;
    o->msglimit = 1;
    o->maxentries = 10000;
    o->lockwait = 120;
    o->subst = AUTOREPLY_SUBST_PERCENT;
    o->numlines = AUTOREPLY_NOLIMIT;
    o->idhost = "localhost";
    o->pid = (unsigned long)getpid();
    o->dryfd = o->passfd = -1;
}

void autoreply_orig_free(autoreply_orig *g)
{
    str_free(&g->subject);
    str_free(&g->msgid);
    str_free(&g->refs);
}

/* ---- small helpers ------------------------------------------------------------- */

static int is_ascii_alpha(unsigned char c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static int is_wsp(unsigned char c) { return c == ' ' || c == '\t'; }

static int case_ends(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && case_equalb(s + len - n, suffix, n);
}

static int case_is(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && case_equalb(s, word, len);
}

/* Appends s[0..n) for a log line: control bytes as '_', at most
 * WHY_VALUE_MAX bytes, then "...". */
static int why_val(str *why, const char *s, size_t n)
{
    size_t m = n > WHY_VALUE_MAX ? WHY_VALUE_MAX : n;
    if (str_readyplus(why, m + 3) < 0) return -1;
    for (size_t i = 0; i < m; ++i) {
        unsigned char c = (unsigned char)s[i];
        why->s[why->len++] = (c < 32 || c == 127) ? '_' : (char)c;
    }
    why->s[why->len] = 0;
    if (m < n) return str_cats(why, "...");
    return 0;
}

/* Appends text (and a value) to why and returns 1 (-1 on ENOMEM). */
static int ign(str *why, const char *text, const char *val, size_t vlen)
{
    if (str_cats(why, text) < 0) return -1;
    if (val && why_val(why, val, vlen) < 0) return -1;
    return 1;
}

static int has_8bit(const char *s, size_t len)
{
    for (size_t i = 0; i < len; ++i)
        if ((unsigned char)s[i] >= 0x80) return 1;
    return 0;
}

/* Appends s with every control byte (CR and LF included) as a space. */
static int cat_clean(str *out, const char *s, size_t n)
{
    if (str_readyplus(out, n) < 0) return -1;
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)s[i];
        out->s[out->len++] = (c < 32 || c == 127) ? ' ' : (char)c;
    }
    out->s[out->len] = 0;
    return 0;
}

/* ---- the envelope sender --------------------------------------------------------- */

/* a host name (no white space or RFC 5322 specials) or an address literal "[...]" */
static int domain_ok(const char *d, size_t n)
{
    if (n >= 2 && d[0] == '[' && d[n - 1] == ']') {
        for (size_t i = 1; i + 1 < n; ++i)
            if (d[i] == '[' || d[i] == ']' || d[i] == '\\' || (unsigned char)d[i] <= 32) return 0;
        return 1;
    }
    for (size_t i = 0; i < n; ++i)
        if ((unsigned char)d[i] <= 32 || strchr("()<>,;:\\\"[]@", d[i])) return 0;
    return 1;
}

static const char *const auto_exact[] = {
    "postmaster", "listserv", "majordomo", "mailer", "uucp",
    "noreply", "no-reply", "donotreply", "do-not-reply", NULL
};

int autoreply_check_sender(const char *sender, str *why)
{
    size_t n = strlen(sender);
    addr_parts p;

    if (!n) return ign(why, "empty envelope sender (a bounce)", NULL, 0);
    if (strcmp(sender, "#@[]") == 0) return ign(why, "envelope sender #@[] (a double bounce)", NULL, 0);
    if (n >= ADDR_PATH_MAX) return ign(why, "envelope sender too long: ", sender, n);
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)sender[i];
        if (c < 32 || c == 127) return ign(why, "envelope sender is not a valid address: ", sender, n);
    }
    addr_split(sender, n, &p);
    if (!p.has_at) return ign(why, "envelope sender has no domain: ", sender, n);
    if (!p.local_len || !p.domain_len || sender[0] == '@' || !domain_ok(p.domain, p.domain_len))
        return ign(why, "envelope sender is not a valid address: ", sender, n);
    if (case_starts(p.local, p.local_len, "mailer-daemon") || case_starts(p.local, p.local_len, "owner-") ||
        case_ends(p.local, p.local_len, "-owner") || case_ends(p.local, p.local_len, "-request") ||
        case_ends(p.local, p.local_len, "-bounces"))
        return ign(why, "envelope sender is automatic: ", sender, n);
    for (size_t i = 0; auto_exact[i]; ++i)
        if (case_is(p.local, p.local_len, auto_exact[i]))
            return ign(why, "envelope sender is automatic: ", sender, n);
    return 0;
}

/* ---- our addresses ---------------------------------------------------------------------- */

/* 1 if a[0..alen) is one of our addresses.  full_only: only the recipient
 * and aliases with '@' count. */
static int is_ours(const autoreply_opts *o, const char *a, size_t alen, int full_only)
{
    addr_parts p;
    addr_split(a, alen, &p);
    if (o->recipient && *o->recipient && addr_equal(a, alen, o->recipient, strlen(o->recipient))) return 1;
    for (size_t i = 0; i < o->naliases; ++i) {
        const char *al = o->aliases[i];
        size_t l = strlen(al);
        if (!l) continue;
        if (strchr(al, '@')) {
            if (addr_equal(a, alen, al, l)) return 1;
        } else if (!full_only && p.has_at && p.local_len == l && case_equalb(a, al, l)) {
            return 1;
        }
    }
    return 0;
}

static int excluded(const autoreply_opts *o, const char *sender)
{
    size_t n = strlen(sender);
    addr_parts p;
    addr_split(sender, n, &p);
    for (size_t i = 0; i < o->nexclude; ++i) {
        const char *x = o->exclude[i];
        size_t l = strlen(x);
        if (!l) continue;
        if (x[0] == '@') {
            if (p.has_at && addr_equal(p.domain, p.domain_len, x + 1, l - 1)) return 1;
        } else if (addr_equal(sender, n, x, l)) {
            return 1;
        }
    }
    return 0;
}

/* ---- the header of the original ---------------------------------------------------- */

/* The first word of v: up to white space, ';', ',' or '('. */
static size_t first_word(const char *v, size_t n, const char **w)
{
    size_t i = 0, j;
    while (i < n && is_wsp((unsigned char)v[i])) i++;
    j = i;
    while (j < n && !is_wsp((unsigned char)v[j]) && v[j] != ';' && v[j] != ',' && v[j] != '(') j++;
    *w = v + i;
    return j - i;
}

/* Finds the next well-formed "<id>" in s[*pos..n); 1 and the span (with
 * brackets), or 0. */
static int next_msgid(const char *s, size_t n, size_t *pos, const char **id, size_t *idlen)
{
    size_t i = *pos;
    while (i < n) {
        const char *lt = memchr(s + i, '<', n - i);
        size_t a, b;
        int good = 1;
        if (!lt) break;
        a = (size_t)(lt - s);
        for (b = a + 1; b < n && s[b] != '>' && s[b] != '<'; ++b) {
            unsigned char c = (unsigned char)s[b];
            if (c < 33 || c > 126) good = 0;
        }
        if (b >= n) break;
        if (s[b] == '<') { i = b; continue; }
        i = b + 1;
        if (good && b - a - 1 >= 1 && b - a - 1 <= MSGID_MAX) {
            *pos = i;
            *id = s + a;
            *idlen = b - a + 1;
            return 1;
        }
    }
    *pos = n;
    return 0;
}

static int keep_refs(str *refs, const char *v, size_t n)
{
    const char *ids[REFS_KEEP];
    size_t lens[REFS_KEEP], count = 0, pos = 0, idl;
    const char *id;
    while (next_msgid(v, n, &pos, &id, &idl)) {
        if (count == REFS_KEEP) {
            memmove(ids, ids + 1, (REFS_KEEP - 1) * sizeof *ids);
            memmove(lens, lens + 1, (REFS_KEEP - 1) * sizeof *lens);
            count--;
        }
        ids[count] = id;
        lens[count++] = idl;
    }
    for (size_t i = 0; i < count; ++i)
        if ((refs->len && str_catc(refs, ' ') < 0) || str_catb(refs, ids[i], lens[i]) < 0) return -1;
    return 0;
}

static int list_field(const hdr_field *f)
{
    return case_starts(f->name, f->name_len, "List-") || hdr_is(f, "Mailing-List") ||
           hdr_is(f, "X-Mailing-List") || hdr_is(f, "X-ML-Name");
}

/* The address our Delivered-To lines carry. */
static void dt_addr(const autoreply_opts *o, const char **a, size_t *alen)
{
    const char *s = o->recipient ? o->recipient : "";
    size_t n = strlen(s);
    if (o->dtline && case_starts(o->dtline, strlen(o->dtline), "Delivered-To:")) {
        s = o->dtline + 13;
        n = strlen(s);
    }
    hdr_trim(&s, &n);
    *a = s;
    *alen = n;
}

static const char *const rcpt_fields[] = {
    "To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", NULL
};

static int addressed_to_us(const autoreply_opts *o, const char *hdr, size_t len)
{
    str all = STR_INIT;
    addr_list l = ADDR_LIST_INIT;
    int found = 0;
    for (size_t i = 0; rcpt_fields[i]; ++i)
        if (hdr_collect(&all, hdr, len, rcpt_fields[i], ", ") < 0 || str_cats(&all, ", ") < 0) {
            str_free(&all);
            return -1;
        }
    if (addr_list_parse(&l, all.s, all.len) < 0) {
        str_free(&all);
        return -1;
    }
    for (size_t i = 0; i < l.n && !found; ++i)
        if (l.v[i].kind == ADDR_MAILBOX && is_ours(o, l.v[i].addr.s ? l.v[i].addr.s : "", l.v[i].addr.len, 0))
            found = 1;
    addr_list_free(&l);
    str_free(&all);
    return found;
}

int autoreply_check_header(const autoreply_opts *o, const char *hdr, size_t len,
                           autoreply_orig *g, str *why)
{
    hdr_iter it;
    hdr_field f;
    str v = STR_INIT;
    int k, r = 0, have_subject = 0, have_id = 0, have_refs = 0;
    const char *w, *dta;
    size_t wl, dtalen;

    if (o->sender && excluded(o, o->sender))
        return ign(why, "sender is excluded: ", o->sender, strlen(o->sender));
    if (o->sender && is_ours(o, o->sender, strlen(o->sender), 1))
        return ign(why, "sender is one of our own addresses: ", o->sender, strlen(o->sender));
    dt_addr(o, &dta, &dtalen);

    hdr_iter_init(&it, hdr, len);
    while (!r && ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX)) {
        if (k != HDR_FIELD) continue;
        v.len = 0;
        if (hdr_value(&v, &f) < 0) { r = -1; break; }
        if (!v.s && str_copys(&v, "") < 0) { r = -1; break; }
        if (hdr_is(&f, "Auto-Submitted")) {
            wl = first_word(v.s, v.len, &w);
            if (!case_is(w, wl, "no")) r = ign(why, "Auto-Submitted: ", v.s, v.len);
        } else if (hdr_is(&f, "Precedence")) {
            wl = first_word(v.s, v.len, &w);
            if (case_is(w, wl, "bulk") || case_is(w, wl, "junk") || case_is(w, wl, "list"))
                r = ign(why, "Precedence: ", w, wl);
        } else if (list_field(&f)) {
            r = ign(why, "mailing list header ", f.name, f.name_len);
        } else if (hdr_is(&f, "Content-Type")) {
            if (case_starts(v.s, v.len, "multipart/report"))
                r = ign(why, "a delivery report (Content-Type: multipart/report)", NULL, 0);
        } else if (hdr_is(&f, "X-Spam-Flag")) {
            wl = first_word(v.s, v.len, &w);
            if (case_is(w, wl, "yes")) r = ign(why, "X-Spam-Flag: ", w, wl);
        } else if (hdr_is(&f, "X-Auto-Response-Suppress")) {
            size_t i = 0;
            while (i < v.len && !r) {
                size_t j = i, a, b;
                while (j < v.len && v.s[j] != ',') j++;
                a = i;
                b = j;
                while (a < b && is_wsp((unsigned char)v.s[a])) a++;
                while (b > a && is_wsp((unsigned char)v.s[b - 1])) b--;
                if (case_is(v.s + a, b - a, "OOF") || case_is(v.s + a, b - a, "All"))
                    r = ign(why, "X-Auto-Response-Suppress: ", v.s, v.len);
                i = j + 1;
            }
        } else if (hdr_is(&f, "Delivered-To")) {
            if (dtalen && addr_equal(v.s, v.len, dta, dtalen))
                r = ign(why, "already delivered to ", dta, dtalen);
        } else if (hdr_is(&f, "Subject") && !have_subject) {
            have_subject = 1;
            if (autoreply_subject_clean(&g->subject, f.value, f.value_len) < 0) r = -1;
        } else if (hdr_is(&f, "Message-ID") && !have_id) {
            size_t pos = 0, idl;
            const char *id;
            have_id = 1;
            if (next_msgid(v.s, v.len, &pos, &id, &idl) && str_copyb(&g->msgid, id, idl) < 0) r = -1;
        } else if (hdr_is(&f, "References") && !have_refs) {
            have_refs = 1;
            if (keep_refs(&g->refs, v.s, v.len) < 0) r = -1;
        }
    }
    str_free(&v);
    if (r) return r;
    if (o->check_to) {
        r = addressed_to_us(o, hdr, len);
        if (r < 0) return -1;
        if (!r) {
            const char *rc = o->recipient ? o->recipient : "";
            if (ign(why, "To/Cc/Bcc do not name ", rc, strlen(rc)) < 0) return -1;
            if (o->naliases && str_cats(why, " or an alias") < 0) return -1;
            return 1;
        }
    }
    return 0;
}

/* ---- subjects -------------------------------------------------------------------------- */

int autoreply_subject_clean(str *out, const char *value, size_t len)
{
    str u = STR_INIT, d = STR_INIT;
    size_t mark = out->len, i = 0, kept = 0;
    int pending = 0, cut = 0;

    hdr_trim(&value, &len);
    if (hdr_unfold(&u, value, len, HDR_UNFOLD_DELETE) < 0 || hdr_decode2047(&d, u.s ? u.s : "", u.len) < 0)
        goto nomem;
    if (str_readyplus(out, AUTOREPLY_SUBJECT_MAX + 4) < 0) goto nomem;
    while (i < d.len) {
        const unsigned char *p = (const unsigned char *)d.s + i;
        size_t l = enc_utf8_len(d.s + i, d.len - i);
        if (l == 1 && (p[0] <= 32 || p[0] == 127)) {
            pending = kept > 0;
            i++;
            continue;
        }
        size_t need = (l ? l : 1) + (size_t)pending;
        if (kept + need > AUTOREPLY_SUBJECT_MAX) { cut = 1; break; }
        if (pending) out->s[out->len++] = ' ';
        pending = 0;
        if (l) memcpy(out->s + out->len, p, l);
        else out->s[out->len] = '?';
        out->len += l ? l : 1;
        kept += need;
        i += l ? l : 1;
    }
    if (cut) {
        memcpy(out->s + out->len, "...", 3);
        out->len += 3;
    }
    out->s[out->len] = 0;
    str_free(&u);
    str_free(&d);
    return 0;
nomem:
    if (out->s) str_truncate(out, mark);
    str_free(&u);
    str_free(&d);
    return -1;
}

static const char *const reply_words[] = { "re", "aw", "sv", "antw", "vs", "ref", "auto", NULL };

size_t autoreply_subject_skip(const char *s, size_t len, const char *prefix)
{
    const char *p = prefix ? prefix : "";
    size_t plen = strlen(p), i = 0;
    hdr_trim(&p, &plen);
    for (;;) {
        size_t j = i, k, m;
        int word = 0;
        while (j < len && is_wsp((unsigned char)s[j])) j++;
        if (plen && len - j >= plen && case_equalb(s + j, p, plen)) {
            i = j + plen;
            continue;
        }
        for (k = j; k < len && is_ascii_alpha((unsigned char)s[k]); ++k) {}
        for (size_t w = 0; reply_words[w]; ++w)
            if (case_is(s + j, k - j, reply_words[w])) word = 1;
        if (!word) break;
        m = k;
        if (m < len && (s[m] == '[' || s[m] == '(')) {
            char close = s[m] == '[' ? ']' : ')';
            size_t d = m + 1;
            while (d < len && s[d] >= '0' && s[d] <= '9') d++;
            if (d == m + 1 || d >= len || s[d] != close) break;
            m = d + 1;
        } else if (m < len && s[m] == '^') {
            size_t d = m + 1;
            while (d < len && s[d] >= '0' && s[d] <= '9') d++;
            if (d == m + 1) break;
            m = d;
        }
        while (m < len && is_wsp((unsigned char)s[m])) m++;
        if (m >= len || s[m] != ':') break;
        i = m + 1;
    }
    while (i < len && is_wsp((unsigned char)s[i])) i++;
    return i;
}

/* ---- composing ------------------------------------------------------------------------------ */

typedef struct sctx {
    const autoreply_opts *o;
    const autoreply_orig *g;
    int in_subject;
} sctx;

static int cat_subject(str *out, const sctx *c, size_t start)
{
    const char *s = c->g->subject.len ? c->g->subject.s : "Your mail";
    size_t n = strlen(s);
    if (c->in_subject) {
        int text_before = 0;
        for (size_t i = start; i < out->len; ++i)
            if (!is_wsp((unsigned char)out->s[i])) text_before = 1;
        if (text_before) {
            size_t k = autoreply_subject_skip(s, n, NULL);
            if (k < n) { s += k; n -= k; }
        }
    }
    return str_catb(out, s, n);
}

/* Appends s[0..n) with the substitutions; *changed is set when one was
 * made. */
static int subst(str *out, const char *s, size_t n, const sctx *c, int *changed)
{
    size_t start = out->len, i = 0;
    while (i < n) {
        if (c->o->subst == AUTOREPLY_SUBST_PERCENT && s[i] == '%' && i + 1 < n) {
            const char *v = NULL;
            switch (s[i + 1]) {
            case 'S':
                if (cat_subject(out, c, start) < 0) return -1;
                break;
            case 's': v = c->o->sender ? c->o->sender : ""; break;
            case 'r': v = c->o->recipient ? c->o->recipient : ""; break;
            case '%': v = "%"; break;
            default:
                if (str_catc(out, '%') < 0) return -1;
                i++;
                continue;
            }
            if (v && cat_clean(out, v, strlen(v)) < 0) return -1;
            *changed = 1;
            i += 2;
        } else if (c->o->subst == AUTOREPLY_SUBST_DOLLAR && s[i] == '$' && n - i >= 8 &&
                   memcmp(s + i, "$SUBJECT", 8) == 0) {
            if (cat_subject(out, c, start) < 0) return -1;
            *changed = 1;
            i += 8;
        } else {
            const char *nx = s + i + 1;
            size_t run = 1;
            /* copy up to the next candidate in one go */
            while (i + run < n && *nx != '%' && *nx != '$') { nx++; run++; }
            if (str_catb(out, s + i, run) < 0) return -1;
            i += run;
        }
        if (out->len - start > AUTOREPLY_REPLY_MAX) {
            errno = EFBIG;
            return -1;
        }
    }
    return 0;
}

static int is_addr_field(const char *name, size_t len)
{
    return case_is(name, len, "From") || case_is(name, len, "Reply-To") || case_is(name, len, "Sender") ||
           case_is(name, len, "Errors-To") || case_is(name, len, "Mail-Followup-To") ||
           case_is(name, len, "Mail-Reply-To");
}

/* Appends an address list with non-ASCII display names encoded. */
static int cat_addresses(str *out, const char *v, size_t n, size_t col)
{
    addr_list l = ADDR_LIST_INIT;
    int r = 0, need_sep = 0;
    if (addr_list_parse(&l, v, n) < 0) return -1;
    for (size_t i = 0; i < l.n && !r; ++i) {
        const addr_item *it = &l.v[i];
        const char *spec = it->spec.s ? it->spec.s : "";
        if (it->kind == ADDR_REST) continue;
        if (it->kind == ADDR_GROUP_END) {
            r = str_catc(out, ';');
            need_sep = 1;
            continue;
        }
        if (need_sep && str_cats(out, ", ") < 0) { r = -1; break; }
        need_sep = it->kind == ADDR_MAILBOX;
        if (it->name.len) {
            if (has_8bit(it->name.s, it->name.len))
                r = enc_2047(out, it->name.s, it->name.len, "UTF-8", col);
            else
                r = addr_cat_phrase(out, it->name.s, it->name.len, 0);
            if (r < 0) break;
            if (it->kind == ADDR_GROUP) {
                r = str_catc(out, ':');
                continue;
            }
            r = str_cats(out, " <");
            if (!r) r = str_cats(out, spec);
            if (!r) r = str_catc(out, '>');
        } else if (it->kind == ADDR_MAILBOX) {
            r = str_cats(out, spec);
        }
    }
    addr_list_free(&l);
    return r;
}

/* Appends "ASCII text" folded at spaces to lines of about 78 columns. */
static int cat_folded(str *out, const char *v, size_t n, size_t col)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && v[j] != ' ') j++;
        if (i > 0 && v[i] == ' ' && col + (j - i) > 78 && col > 1) {
            if (str_catc(out, '\n') < 0) return -1;
            col = 0;
        }
        if (str_catb(out, v + i, j - i) < 0) return -1;
        col += j - i;
        i = j;
    }
    return 0;
}

/* Appends "Name: value\n" for a generated or substituted value (control
 * bytes already spaces), encoding it as needed. */
static int put_field(str *out, const char *name, size_t nlen, const char *v, size_t n)
{
    size_t col = nlen + 2;
    if (str_catb(out, name, nlen) < 0 || str_cats(out, ": ") < 0) return -1;
    if (is_addr_field(name, nlen)) {
        if (has_8bit(v, n)) {
            if (cat_addresses(out, v, n, col) < 0) return -1;
        } else if (str_catb(out, v, n) < 0) {
            return -1;
        }
    } else if (has_8bit(v, n)) {
        if (enc_2047(out, v, n, "UTF-8", col) < 0) return -1;
    } else if (cat_folded(out, v, n, col) < 0) {
        return -1;
    }
    return str_catc(out, '\n');
}

/* A template field: substituted, cleaned and encoded, or as written. */
static int put_template_field(str *out, const hdr_field *f, const sctx *c)
{
    str v = STR_INIT, sv = STR_INIT, cl = STR_INIT;
    int changed = 0, r = -1;
    if (hdr_value(&v, f) < 0 || str_ready(&v, 0) < 0) goto done;
    if (subst(&sv, v.s, v.len, c, &changed) < 0 || str_ready(&sv, 0) < 0) goto done;
    if (cat_clean(&cl, sv.s, sv.len) < 0) goto done;
    if (!changed && !has_8bit(f->raw, f->raw_len)) {
        /* as written, folding and all; bare CRs become spaces */
        const char *raw = f->raw;
        size_t rl = f->raw_len;
        if (rl && raw[rl - 1] == '\n') rl--;
        if (rl && raw[rl - 1] == '\r') rl--;
        for (size_t i = 0; i < rl; ++i) {
            char ch = raw[i];
            if (ch == '\r' && i + 1 < rl && raw[i + 1] == '\n') continue;
            if (ch == '\r' || ch == 0) ch = ' ';
            if (str_catc(out, ch) < 0) goto done;
        }
        r = str_catc(out, '\n');
    } else {
        r = put_field(out, f->name, f->name_len, cl.s, cl.len);
    }
done:
    str_free(&v);
    str_free(&sv);
    str_free(&cl);
    return r;
}

static const char *const dropped_fields[] = {
    "To", "Cc", "Bcc", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted",
    "Delivered-To", "Return-Path", "MIME-Version", "Content-Length", NULL
};

static int dropped(const hdr_field *f)
{
    for (size_t i = 0; dropped_fields[i]; ++i)
        if (hdr_is(f, dropped_fields[i])) return 1;
    return 0;
}

/* Replaces CR LF by LF. */
static int normalize(str *out, const char *s, size_t n)
{
    if (str_ready(out, n) < 0) return -1;
    out->len = 0;
    for (size_t i = 0; i < n; ++i) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') continue;
        out->s[out->len++] = s[i];
    }
    out->s[out->len] = 0;
    return 0;
}

static int needs_qp(const char *s, size_t n)
{
    size_t linelen = 0;
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') { linelen = 0; continue; }
        if (c >= 0x80 || (c < 32 && c != '\t') || c == 127) return 1;
        if (++linelen > 998) return 1;
    }
    return 0;
}

static int cat_raw_line(str *out, const hdr_field *f)
{
    if (str_catb(out, f->raw, f->raw_len) < 0) return -1;
    if (!f->raw_len || f->raw[f->raw_len - 1] != '\n') return str_catc(out, '\n');
    return 0;
}

int autoreply_compose(str *out, const autoreply_opts *o, const autoreply_orig *g, const char *boundary)
{
    str tpl = STR_INIT, text = STR_INIT, tmp = STR_INIT;
    hdr_iter it;
    hdr_field f, from, subj, ct, cte;
    int k, have_from = 0, have_subj = 0, have_ct = 0, have_cte = 0, have_prec = 0, changed = 0;
    int r = -1;
    size_t mark = out->len;
    sctx c = { o, g, 0 };

    if (normalize(&tpl, o->msg ? o->msg : "", o->msg ? o->msglen : 0) < 0) goto done;

    /* the fields we place ourselves */
    hdr_iter_init(&it, tpl.s, tpl.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        if (hdr_is(&f, "From") && !have_from) { from = f; have_from = 1; }
        else if (hdr_is(&f, "Subject") && !have_subj) { subj = f; have_subj = 1; }
        else if (hdr_is(&f, "Content-Type") && !have_ct) { ct = f; have_ct = 1; }
        else if (hdr_is(&f, "Content-Transfer-Encoding") && !have_cte) { cte = f; have_cte = 1; }
        else if (hdr_is(&f, "Precedence")) have_prec = 1;
    }
    size_t body = it.body;

    /* From, To, Subject */
    if (have_from) {
        if (put_template_field(out, &from, &c) < 0) goto done;
    } else if (o->from && *o->from) {
        tmp.len = 0;
        if (addr_quote(&tmp, o->from, strlen(o->from)) < 0 || str_cats(out, "From: ") < 0 ||
            cat_clean(out, tmp.s ? tmp.s : "", tmp.len) < 0 || str_catc(out, '\n') < 0)
            goto done;
    }
    tmp.len = 0;
    if (addr_quote(&tmp, o->sender, strlen(o->sender)) < 0 || str_cats(out, "To: ") < 0 ||
        cat_clean(out, tmp.s ? tmp.s : "", tmp.len) < 0 || str_catc(out, '\n') < 0)
        goto done;
    c.in_subject = 1;
    if (o->subject_prefix || !have_subj) {
        const char *pre = o->subject_prefix ? o->subject_prefix : "Auto: ";
        const char *s = g->subject.len ? g->subject.s : "Your mail";
        size_t n = strlen(s), kk = autoreply_subject_skip(s, n, pre);
        tmp.len = 0;
        if (kk < n) { s += kk; n -= kk; }
        if (cat_clean(&tmp, pre, strlen(pre)) < 0 || str_catb(&tmp, s, n) < 0) goto done;
        if (put_field(out, "Subject", 7, tmp.s, tmp.len) < 0) goto done;
    } else if (put_template_field(out, &subj, &c) < 0) {
        goto done;
    }
    c.in_subject = 0;

    /* the template's other fields */
    hdr_iter_init(&it, tpl.s, tpl.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        if (have_from && f.offset == from.offset) continue;
        if (have_subj && f.offset == subj.offset) continue;
        if (hdr_is(&f, "Subject") || dropped(&f) || hdr_is(&f, "Content-Type") ||
            hdr_is(&f, "Content-Transfer-Encoding"))
            continue;
        if (put_template_field(out, &f, &c) < 0) goto done;
    }

    /* ours */
    if (str_cats(out, "Date: ") < 0 || datefmt_822(out, o->now) < 0 || str_catc(out, '\n') < 0) goto done;
    if (str_cats(out, "Message-ID: <") < 0 || str_catulong(out, (unsigned long)o->now) < 0 ||
        str_catc(out, '.') < 0 || str_catulong(out, o->pid) < 0 || str_cats(out, ".autoreply@") < 0 ||
        cat_clean(out, o->idhost ? o->idhost : "localhost", strlen(o->idhost ? o->idhost : "localhost")) < 0 ||
        str_cats(out, ">\n") < 0)
        goto done;
    if (!o->no_inreplyto && g->msgid.len) {
        if (str_cats(out, "In-Reply-To: ") < 0 || str_cat(out, &g->msgid) < 0 || str_catc(out, '\n') < 0)
            goto done;
        size_t printed = 0;
        if (str_cats(out, "References:") < 0) goto done;
        for (size_t i = 0; i < g->refs.len;) {
            size_t j = i;
            while (j < g->refs.len && g->refs.s[j] != ' ') j++;
            if (!(j - i == g->msgid.len && memcmp(g->refs.s + i, g->msgid.s, j - i) == 0)) {
                if (str_cats(out, printed++ ? "\n " : " ") < 0 || str_catb(out, g->refs.s + i, j - i) < 0)
                    goto done;
            }
            i = j + 1;
        }
        if (str_cats(out, printed ? "\n " : " ") < 0 || str_cat(out, &g->msgid) < 0 ||
            str_catc(out, '\n') < 0)
            goto done;
    }
    if (str_cats(out, "Auto-Submitted: auto-replied\n") < 0) goto done;
    if (!have_prec && str_cats(out, "Precedence: junk\n") < 0) goto done;
    if (str_cats(out, "MIME-Version: 1.0\n") < 0) goto done;

    /* the text */
    if (subst(&text, tpl.s + body, tpl.len - body, &c, &changed) < 0 || str_ready(&text, 0) < 0) goto done;
    if (o->copymsg && o->separator) {
        if (text.len && text.s[text.len - 1] != '\n' && str_catc(&text, '\n') < 0) goto done;
        if (str_cats(&text, o->separator) < 0 || str_catc(&text, '\n') < 0) goto done;
    }
    if (text.len && text.s[text.len - 1] != '\n' && str_catc(&text, '\n') < 0) goto done;

    if (o->copymsg) {
        if (str_cats(out, "Content-Type: multipart/mixed; boundary=\"") < 0 || str_cats(out, boundary) < 0 ||
            str_cats(out, "\"\nContent-Transfer-Encoding: 8bit\n\nThis is a message in MIME format.\n\n--") < 0 ||
            str_cats(out, boundary) < 0 || str_catc(out, '\n') < 0)
            goto done;
    }
    if (have_ct) {
        if (cat_raw_line(out, &ct) < 0 || (have_cte && cat_raw_line(out, &cte) < 0)) goto done;
        if (str_catc(out, '\n') < 0 || str_cat(out, &text) < 0) goto done;
    } else {
        int qp = needs_qp(text.s, text.len);
        if (str_cats(out, "Content-Type: text/plain; charset=") < 0 ||
            str_cats(out, enc_utf8_valid(text.s, text.len) ? "UTF-8\n" : "ISO-8859-1\n") < 0)
            goto done;
        if (qp && str_cats(out, "Content-Transfer-Encoding: quoted-printable\n") < 0) goto done;
        if (str_catc(out, '\n') < 0) goto done;
        if (qp ? enc_qp(out, text.s, text.len) < 0 : str_cat(out, &text) < 0) goto done;
        if (out->len && out->s[out->len - 1] != '\n' && str_catc(out, '\n') < 0) goto done;
    }
    if (o->copymsg) {
        if (str_cats(out, "--") < 0 || str_cats(out, boundary) < 0 ||
            str_cats(out, "\nContent-Type: message/rfc822\nContent-Disposition: inline\n"
                          "Content-Transfer-Encoding: 8bit\n\n") < 0)
            goto done;
    }
    r = 0;
done:
    if (r < 0 && out->s) str_truncate(out, mark);
    str_free(&tpl);
    str_free(&text);
    str_free(&tmp);
    return r;
}

/* ---- reading the original ---------------------------------------------------------------- */

/* 1 if the complete line l[0..n) (no newline) may continue a header. */
static int header_line(const char *l, size_t n, int first)
{
    size_t i = 0;
    if (n && l[n - 1] == '\r') n--;
    if (!n) return 0;
    while (i < n && (unsigned char)l[i] >= 33 && (unsigned char)l[i] <= 126 && l[i] != ':') i++;
    if (i > 0) {
        size_t j = i;
        while (j < n && is_wsp((unsigned char)l[j])) j++;
        if (j < n && l[j] == ':') return 1;
    }
    if (n >= 5 && memcmp(l, "From ", 5) == 0) return 1;
    if (!first && is_wsp((unsigned char)l[0])) return 1;
    return 0;
}

/* Reads the header of the message (through its empty line, or through the
 * first line that is not a header line) into hdr, at most max bytes;
 * *trunc is set if it was longer. */
static int read_header(buf *in, str *hdr, size_t max, int *trunc)
{
    size_t linestart = 0;
    int first = 1;
    *trunc = 0;
    if (str_ready(hdr, 0) < 0) return -1;
    for (;;) {
        ssize_t got = buf_feed(in);
        char *p, *nl;
        size_t take;
        if (got < 0) return -1;
        if (got == 0) return 0;
        p = buf_peek(in);
        nl = memchr(p, '\n', (size_t)got);
        take = nl ? (size_t)(nl - p) + 1 : (size_t)got;
        if (hdr->len + take > max) {
            take = max - hdr->len;
            *trunc = 1;
        }
        if (str_catb(hdr, p, take) < 0) return -1;
        buf_skip(in, take);
        if (*trunc) return 0;
        if (!nl) continue;
        if (!header_line(hdr->s + linestart, hdr->len - 1 - linestart, first)) return 0;
        first = 0;
        linestart = hdr->len;
    }
}

/* ---- sending ----------------------------------------------------------------------------- */

typedef struct sink {
    qq *q;
    buf *b;
    char last;
} sink;

static void sink_put(sink *s, const char *p, size_t n)
{
    if (!n) return;
    if (s->q) qq_put(s->q, p, n);
    else if (s->b) buf_put(s->b, p, n);
    s->last = p[n - 1];
}

/* Streams the body (pre[0..prelen) then the rest of in) to s (at most
 * numlines lines; s may be NULL) and all of it to pass (may be NULL).
 * -1: reading failed; -2: writing pass failed. */
static int pump(buf *in, const char *pre, size_t prelen, sink *s, unsigned long numlines, buf *pass)
{
    unsigned long lines = 0;
    int from_pre = 1;
    for (;;) {
        const char *p;
        size_t n;
        if (from_pre) {
            from_pre = 0;
            if (!prelen) continue;
            p = pre;
            n = prelen;
        } else {
            ssize_t got = buf_feed(in);
            if (got < 0) return -1;
            if (got == 0) break;
            p = buf_peek(in);
            n = (size_t)got;
        }
        if (s && lines < numlines) {
            size_t take = n;
            for (size_t i = 0; i < n; ++i)
                if (p[i] == '\n' && ++lines >= numlines) { take = i + 1; break; }
            sink_put(s, p, take);
        }
        if (pass && buf_put(pass, p, n) < 0) return -2;
        if (p != pre) buf_skip(in, n);
        if (!s || lines >= numlines) {
            if (!pass) break;
            s = NULL;
        }
    }
    return 0;
}

/* 1 if the field name matches one of the ':'-separated globs. */
static int glob_match(const char *globs, const char *name, size_t nlen)
{
    char nm[256], pat[256];
    size_t i = 0;
    if (nlen >= sizeof nm) return 0;
    memcpy(nm, name, nlen);
    nm[nlen] = 0;
    while (globs[i]) {
        size_t j = i;
        while (globs[j] && globs[j] != ':') j++;
        if (j > i && j - i < sizeof pat) {
            memcpy(pat, globs + i, j - i);
            pat[j - i] = 0;
            if (fnmatch(pat, nm, FNM_CASEFOLD) == 0) return 1;
        }
        i = globs[j] ? j + 1 : j;
    }
    return 0;
}

/* The attached original: filtered header, empty line, body, closing boundary. */
static int put_original(const autoreply_opts *o, const str *hdr, size_t body, buf *in, sink *s,
                        buf *pass, const char *boundary)
{
    hdr_iter it;
    hdr_field f;
    int k, r;
    hdr_iter_init(&it, hdr->s, body);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        if (o->headerkeep && *o->headerkeep && !glob_match(o->headerkeep, f.name, f.name_len)) continue;
        if (o->headerstrip && *o->headerstrip && glob_match(o->headerstrip, f.name, f.name_len)) continue;
        sink_put(s, f.raw, f.raw_len);
        if (f.raw[f.raw_len - 1] != '\n') sink_put(s, "\n", 1);
    }
    sink_put(s, "\n", 1);
    r = pump(in, hdr->s + body, hdr->len - body, s, o->numlines, pass);
    if (r < 0) return r;
    if (s->last != '\n') sink_put(s, "\n", 1);
    sink_put(s, "--", 2);
    sink_put(s, boundary, strlen(boundary));
    sink_put(s, "--\n", 3);
    return 0;
}

static size_t body_offset(const str *hdr)
{
    hdr_iter it;
    hdr_field f;
    hdr_iter_init(&it, hdr->s, hdr->len);
    while (!it.end) hdr_next(&it, &f);
    return it.body;
}

static int temp(str *why, const char *what, const char *arg, int e)
{
    why->len = 0;
    str_cats(why, what);
    if (arg) why_val(why, arg, strlen(arg));
    if (e) {
        str_cats(why, ": ");
        str_cats(why, strerror(e));
    }
    return AUTOREPLY_TEMP;
}

static int passthrough(const str *hdr, buf *in, buf *pass)
{
    if (buf_put(pass, hdr->s, hdr->len) < 0) return -2;
    return pump(in, NULL, 0, NULL, 0, pass);
}

/* The sender when the caller does not know it: the first Return-Path
 * field's address, else the address of a leading mbox "From " line. */
static int sender_from_header(const str *hdr, size_t body, str *out)
{
    hdr_iter it;
    hdr_field f;
    int k;
    if (str_copys(out, "") < 0) return -1;
    hdr_iter_init(&it, hdr->s, body);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k == HDR_FIELD && hdr_is(&f, "Return-Path")) {
            addr_list l = ADDR_LIST_INIT;
            str v = STR_INIT;
            int r = hdr_value(&v, &f);
            if (!r) r = addr_list_parse(&l, v.s ? v.s : "", v.len);
            for (size_t i = 0; !r && i < l.n; ++i)
                if (l.v[i].kind == ADDR_MAILBOX) {
                    r = str_copyb(out, l.v[i].addr.s ? l.v[i].addr.s : "", l.v[i].addr.len);
                    break;
                }
            addr_list_free(&l);
            str_free(&v);
            return r;
        }
    }
    hdr_iter_init(&it, hdr->s, body);
    if (hdr_next(&it, &f) == HDR_MBOX) {
        size_t n = 0;
        while (n < f.value_len && !is_wsp((unsigned char)f.value[n])) n++;
        if (n == 2 && memcmp(f.value, "<>", 2) == 0) n = 0;
        return str_copyb(out, f.value, n);
    }
    return 0;
}

int autoreply_run(const autoreply_opts *o0, buf *in, str *why, unsigned long *qp)
{
    autoreply_opts oo = *o0;
    const autoreply_opts *o = &oo;
    str hdr = STR_INIT, reply = STR_INIT, entry = STR_INIT, sbuf = STR_INIT;
    autoreply_orig g;
    arstate st = { -1, -1 };
    arstate_counts cnt;
    buf pass, dry;
    char passspace[BUF_SIZE], dryspace[BUF_SIZE], boundary[64];
    int trunc, r, res, recorded = 0;
    size_t body;

    memset(&g, 0, sizeof g);
    buf_init(&pass, o->passfd, passspace, sizeof passspace);
    buf_init(&dry, o->dryfd, dryspace, sizeof dryspace);
    if (str_ready(why, 0) < 0) return AUTOREPLY_TEMP;
    why->len = 0;
    why->s[0] = 0;
    *qp = 0;
    boundary[0] = 0;

    if (read_header(in, &hdr, AUTOREPLY_HEADER_MAX, &trunc) < 0) {
        res = temp(why, "unable to read the message", NULL, errno);
        goto out;
    }
    body = body_offset(&hdr);
    if (!oo.sender) {
        if (sender_from_header(&hdr, body, &sbuf) < 0) {
            res = temp(why, "out of memory", NULL, 0);
            goto out;
        }
        oo.sender = sbuf.s;
    }

    /* the decisions */
    r = 0;
    if (o->starttime && o->now < o->starttime) r = ign(why, "before the start time", NULL, 0);
    else if (o->endtime && o->now > o->endtime) r = ign(why, "after the end time", NULL, 0);
    if (!r) r = autoreply_check_sender(o->sender ? o->sender : "", why);
    if (!r && trunc) r = ign(why, "header too large", NULL, 0);
    if (!r) r = autoreply_check_header(o, hdr.s, body, &g, why);
    if (r < 0) { res = temp(why, "out of memory", NULL, 0); goto out; }
    if (r) { res = AUTOREPLY_IGNORED; goto pass_on; }

    /* the response */
    if (o->copymsg) {
        unsigned char rnd[12];
        static const char hx[] = "0123456789abcdef";
        size_t bl = 0;
        if (cookie_random(rnd, sizeof rnd) < 0) {
            res = temp(why, "unable to get random bytes", NULL, errno);
            goto out;
        }
        memcpy(boundary, "=_autoreply_", 12);
        bl = 12;
        for (size_t i = 0; i < sizeof rnd; ++i) {
            boundary[bl++] = hx[rnd[i] >> 4];
            boundary[bl++] = hx[rnd[i] & 15];
        }
        boundary[bl] = 0;
    }
    if (autoreply_compose(&reply, o, &g, boundary) < 0) {
        res = errno == EFBIG ? temp(why, "the response is too large", NULL, 0)
                             : temp(why, "unable to compose the response", NULL, errno);
        goto out;
    }

    /* the rate limit */
    if (o->statedir) {
        if (arstate_open(&st, o->statedir, o->create_statedir, o->lockwait) < 0) {
            res = temp(why, "unable to lock the state directory ", o->statedir, errno);
            goto out;
        }
        if (arstate_scan(&st, o->sender, o->now, o->interval, o->maxentries, o->nodelete, &cnt) < 0) {
            res = temp(why, "unable to read the state directory ", o->statedir, errno);
            goto out;
        }
        if (cnt.matches >= o->msglimit) {
            arstate_log(&st, o->now, 0, o->sender);
            arstate_close(&st);
            ign(why, "already answered ", o->sender, strlen(o->sender));
            if (o->interval == ARSTATE_FOREVER) {
                str_cats(why, " (once only)");
            } else {
                str_cats(why, " within ");
                str_catulong(why, o->interval);
                str_cats(why, " seconds");
            }
            res = AUTOREPLY_IGNORED;
            goto pass_on;
        }
        if (arstate_record(&st, o->sender, o->now, o->pid, &entry) < 0) {
            res = temp(why, "unable to record the sender in ", o->statedir, errno);
            goto out;
        }
        recorded = 1;
    }

    /* sending */
    if (o->dryfd >= 0) {
        sink s = { NULL, &dry, '\n' };
        buf_put(&dry, reply.s, reply.len);
        if (o->copymsg && o->passfd >= 0) buf_put(&pass, hdr.s, body);
        if (o->copymsg) {
            r = put_original(o, &hdr, body, in, &s, o->passfd >= 0 ? &pass : NULL, boundary);
            if (r == -1) { res = temp(why, "unable to read the message", NULL, errno); goto undo; }
        }
        if (buf_flush(&dry) < 0) { res = temp(why, "unable to write the response", NULL, errno); goto undo; }
    } else {
        qq q;
        sink s = { &q, NULL, '\n' };
        str qwhy = STR_INIT;
        int e;
        if (qq_start(&q, o->qmailhome) < 0) {
            res = temp(why, "unable to run qmail-queue", NULL, errno);
            goto undo;
        }
        qq_put(&q, reply.s, reply.len);
        if (o->copymsg && o->passfd >= 0) buf_put(&pass, hdr.s, body);
        if (o->copymsg) {
            r = put_original(o, &hdr, body, in, &s, o->passfd >= 0 ? &pass : NULL, boundary);
            if (r == -1) {
                e = errno;
                qq_abort(&q);
                res = temp(why, "unable to read the message", NULL, e);
                goto undo;
            }
        }
        qq_from(&q, "");
        qq_to(&q, o->sender);
        for (size_t i = 0; i < o->nbcc; ++i)
            if (o->bcc[i] && *o->bcc[i]) qq_to(&q, o->bcc[i]);
        *qp = q.qp;
        e = qq_finish(&q, &qwhy);
        if (e) {
            why->len = 0;
            why_val(why, qwhy.s ? qwhy.s : "", qwhy.len);
            str_free(&qwhy);
            res = e == 'D' ? AUTOREPLY_REFUSED : AUTOREPLY_TEMP;
            goto undo;
        }
        str_free(&qwhy);
    }
    if (o->statedir) {
        arstate_log(&st, o->now, 1, o->sender);
        arstate_close(&st);
    }
    res = AUTOREPLY_SENT;
    why->len = 0;
    why_val(why, o->sender, strlen(o->sender));
    if (o->passfd >= 0) {
        if (o->copymsg) {
            r = pump(in, NULL, 0, NULL, 0, &pass);   /* what the copy left */
        } else {
            if (buf_put(&pass, hdr.s, hdr.len) < 0) r = -2;
            else r = pump(in, NULL, 0, NULL, 0, &pass);
        }
        if (r == 0 && buf_flush(&pass) < 0) r = -2;
        if (r < 0) res = temp(why, r == -1 ? "unable to read the message" : "unable to copy the message", NULL, errno);
    }
    goto out;

undo:
    if (recorded) arstate_forget(&st, entry.s);
    arstate_close(&st);
    goto out;

pass_on:
    if (o->passfd >= 0) {
        int e;
        r = passthrough(&hdr, in, &pass);
        if (r == 0 && buf_flush(&pass) < 0) r = -2;
        e = errno;
        if (r < 0) res = temp(why, r == -1 ? "unable to read the message" : "unable to copy the message", NULL, e);
    }
out:
    arstate_close(&st);
    str_free(&hdr);
    str_free(&reply);
    str_free(&entry);
    str_free(&sbuf);
    autoreply_orig_free(&g);
    return res;
}

/* ---- steps the programs share ------------------------------------------------------------- */

int autoreply_opts_home(autoreply_opts *o, str *home, str *idhost)
{
    const char *h = ctl_home();
    home->len = 0;
    if (h[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) return -1;
        if (str_cats(home, cwd) < 0 || str_catc(home, '/') < 0) return -1;
    }
    if (str_cats(home, h) < 0) return -1;
    if (ctl_readline_me(home->s, "idhost", "localhost", idhost) == CTL_ERR) return -1;
    o->qmailhome = home->s;
    o->idhost = idhost->len ? idhost->s : "localhost";
    return 0;
}

void autoreply_opts_from(autoreply_opts *o)
{
    o->from = o->recipient;
    for (size_t i = 0; i < o->naliases; ++i)
        if (o->aliases[i] && strchr(o->aliases[i], '@')) {
            o->from = o->aliases[i];
            return;
        }
}

int autoreply_result_line(str *out, const char *prog, int result, const str *why, unsigned long qp,
                          int dry)
{
    size_t mark = out->len;
    const char *what;
    switch (result) {
    case AUTOREPLY_SENT: what = "Sent response "; break;
    case AUTOREPLY_IGNORED: what = "Ignoring message: "; break;
    case AUTOREPLY_REFUSED: what = "warning: the queue refused the response: "; break;
    default: return 0;
    }
    if (str_cats(out, prog) < 0 || str_cats(out, ": ") < 0 || str_cats(out, what) < 0) goto fail;
    if (result == AUTOREPLY_SENT &&
        (dry ? str_cats(out, "to ") < 0
             : str_cats(out, "qp ") < 0 || str_catulong(out, qp) < 0 || str_cats(out, " to ") < 0))
        goto fail;
    for (size_t i = 0; i < why->len; ++i) {
        char c = why->s[i];
        if (str_catc(out, (c >= 0 && c < 32) ? '_' : c) < 0) goto fail;
    }
    if (str_catc(out, '\n') < 0) goto fail;
    return 0;
fail:
    if (out->s) str_truncate(out, mark);
    return -1;
}
