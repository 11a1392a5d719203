/* addr: RFC 5321/5322 addresses.  See addr.h. */
#include "addr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- character classes ---------------------------------------------------- */

static int is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
    case '|': case '}': case '~':
        return 1;
    default:
        return 0;
    }
}

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* bytes that end an atom in the list lexer */
static int is_lexspecial(unsigned char c)
{
    switch (c) {
    case '(': case ')': case '<': case '>': case '[': case ']': case ':': case ';':
    case '@': case '\\': case ',': case '.': case '"':
        return 1;
    default:
        return 0;
    }
}

static int is_ctl(unsigned char c) { return c < 32 || c == 127; }

/* ---- splitting and case rules ---------------------------------------------- */

void addr_split(const char *s, size_t len, addr_parts *p)
{
    size_t i = len;
    while (i > 0 && s[i - 1] != '@') i--;
    p->local = s;
    if (i == 0) {
        p->local_len = len;
        p->domain = s + len;
        p->domain_len = 0;
        p->has_at = 0;
    } else {
        p->local_len = i - 1;
        p->domain = s + i;
        p->domain_len = len - i;
        p->has_at = 1;
    }
}

void addr_domain_lower(char *s, size_t len)
{
    addr_parts p;
    addr_split(s, len, &p);
    for (size_t i = p.local_len; i < len; i++) s[i] = ascii_lower(s[i]);
}

int addr_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && case_equalb(a, b, alen);
}

int addr_equal_domain(const char *a, size_t alen, const char *b, size_t blen)
{
    addr_parts pa, pb;
    if (alen != blen) return 0;
    addr_split(a, alen, &pa);
    addr_split(b, blen, &pb);
    if (pa.has_at != pb.has_at || pa.local_len != pb.local_len) return 0;
    if (pa.local_len && memcmp(pa.local, pb.local, pa.local_len) != 0) return 0;
    return case_equalb(pa.domain, pb.domain, pa.domain_len);
}

int addr_domain_match(const char *d, size_t dlen, const char *p, size_t plen)
{
    if (plen == dlen && case_equalb(d, p, dlen)) return 1;
    return plen > 0 && p[0] == '.' && dlen > plen && case_equalb(d + (dlen - plen), p, plen);
}

/* ---- quoting ------------------------------------------------------------------ */

int addr_local_needs_quote(const char *local, size_t len)
{
    if (len == 0) return 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)local[i];
        if (c != '.' && !is_atext(c)) return 1;
    }
    if (local[0] == '.' || local[len - 1] == '.') return 1;
    for (size_t i = 0; i + 1 < len; i++)
        if (local[i] == '.' && local[i + 1] == '.') return 1;
    return 0;
}

int addr_quote_local(str *out, const char *local, size_t len)
{
    size_t need;
    char *p;

    if (!addr_local_needs_quote(local, len)) return str_catb(out, local, len);
    /* worst case: every byte escaped, plus the two quotes */
    if (size_mul(len, 2, &need) < 0 || size_add(need, 2, &need) < 0) return -1;
    if (str_readyplus(out, need) < 0) return -1;
    p = out->s + out->len;
    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        char c = local[i];
        if (c == '"' || c == '\\' || c == '\r' || c == '\n') *p++ = '\\';
        *p++ = c;
    }
    *p++ = '"';
    out->len = (size_t)(p - out->s);
    out->s[out->len] = 0;
    return 0;
}

static void restore(str *out, size_t mark)
{
    if (out->s) str_truncate(out, mark);
}

static size_t mark_of(const str *out) { return out->s ? out->len : 0; }

int addr_quote(str *out, const char *addr, size_t len)
{
    addr_parts p;
    size_t mark = mark_of(out);

    if (len == 0) return 0;
    addr_split(addr, len, &p);
    if (addr_quote_local(out, p.local, p.local_len) < 0) return -1;
    if (p.has_at && str_catb(out, addr + p.local_len, len - p.local_len) < 0) {
        restore(out, mark);
        return -1;
    }
    return 0;
}

static int phrase_is_atoms(const char *s, size_t len)
{
    if (len == 0 || s[0] == ' ' || s[len - 1] == ' ') return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            if (s[i + 1] == ' ') return 0; /* i + 1 < len: s[len-1] != ' ' */
        } else if (!is_atext(c)) {
            return 0;
        }
    }
    return 1;
}

int addr_cat_phrase(str *out, const char *name, size_t len, int always_quote)
{
    size_t need;
    char *p;

    if (!always_quote && phrase_is_atoms(name, len)) return str_catb(out, name, len);
    if (size_mul(len, 2, &need) < 0 || size_add(need, 2, &need) < 0) return -1;
    if (str_readyplus(out, need) < 0) return -1;
    p = out->s + out->len;
    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '\r' || c == '\n') continue;
        if (c == '"' || c == '\\') *p++ = '\\';
        *p++ = c;
    }
    *p++ = '"';
    out->len = (size_t)(p - out->s);
    out->s[out->len] = 0;
    return 0;
}

/* ---- SMTP paths ------------------------------------------------------------------ */

int addr_smtp_path(str *out, const char *arg, size_t len)
{
    size_t mark = mark_of(out), i, n;
    const char *lt = len ? memchr(arg, '<', len) : NULL;
    char term;
    int quoted = 0, esc = 0, done = 0, stray = 0;

    if (lt) {
        i = (size_t)(lt - arg) + 1;
        term = '>';
    } else {
        const char *colon = len ? memchr(arg, ':', len) : NULL;
        i = colon ? (size_t)(colon - arg) + 1 : len;
        while (i < len && arg[i] == ' ') i++;
        term = ' ';
    }
    if (i < len && arg[i] == '@') /* source route: drop through the first ':' */
        while (i < len)
            if (arg[i++] == ':') break;

    if (str_readyplus(out, len - i) < 0) return ADDR_PATH_ERR;
    for (; i < len; i++) {
        char c = arg[i];
        if (esc) {
            out->s[out->len++] = c;
            esc = 0;
            continue;
        }
        if (!quoted && c == term) { done = 1; break; }
        if (c == '\\') {
            esc = 1;
        } else if (c == '"') {
            quoted = !quoted;
        } else {
            if (!quoted && (c == '<' || c == '>')) stray = 1;
            out->s[out->len++] = c;
        }
    }
    out->s[out->len] = 0;

    n = out->len - mark;
    if (n >= ADDR_PATH_MAX) return ADDR_PATH_TOOLONG;
    for (size_t k = mark; k < out->len; k++) {
        char c = out->s[k];
        if (c == 0 || c == '\r' || c == '\n') return ADDR_PATH_BADCHAR;
    }
    if ((term == '>' && !done) || quoted || esc || stray) return ADDR_PATH_UNBALANCED;
    return ADDR_PATH_OK;
}

/* ---- address lists: lexer ------------------------------------------------------ */

enum { T_ATOM = 1, T_QSTR, T_COMMENT, T_DLIT, T_SPECIAL };

typedef struct tok {
    size_t start, end;       /* byte span in the input */
    unsigned char type;
    unsigned char ch;        /* T_SPECIAL: the character */
    unsigned char unterm;    /* ran to the end of input */
    unsigned char ws;        /* white space came before it */
} tok;

typedef struct pctx {
    const char *s;
    size_t len;
    tok *t;
    size_t n, tcap;
    int trunc;               /* token cap reached */
    size_t lexend;           /* first byte not lexed when trunc */
    addr_list *l;
    int stop;                /* an ADDR_REST item ended the list */
} pctx;

/* skips a backslash pair or one byte */
static size_t skip_one(const char *s, size_t len, size_t i)
{
    if (s[i] == '\\' && i + 1 < len) return i + 2;
    return i + 1;
}

static int lex(pctx *c)
{
    const char *s = c->s;
    size_t len = c->len, i = 0;
    int ws = 0;

    while (i < len) {
        unsigned char ch = (unsigned char)s[i];
        tok t;
        if (is_ws(ch)) { ws = 1; i++; continue; }
        if (c->n >= ADDR_LIST_MAX_TOKENS) {
            c->trunc = 1;
            c->lexend = i;
            return 0;
        }
        if (c->n == c->tcap) {
            size_t nc = c->tcap ? c->tcap * 2 : 32, bytes;
            tok *nt;
            if (nc > ADDR_LIST_MAX_TOKENS) nc = ADDR_LIST_MAX_TOKENS;
            if (size_mul(nc, sizeof *nt, &bytes) < 0) return -1;
            nt = realloc(c->t, bytes);
            if (!nt) { errno = ENOMEM; return -1; }
            c->t = nt;
            c->tcap = nc;
        }
        t.start = i;
        t.ws = (unsigned char)ws;
        t.unterm = 0;
        t.ch = 0;
        ws = 0;
        if (ch == '"') {
            t.type = T_QSTR;
            i++;
            while (i < len && s[i] != '"') i = skip_one(s, len, i);
            if (i < len) i++; else t.unterm = 1;
        } else if (ch == '(') {
            size_t depth = 1;
            t.type = T_COMMENT;
            i++;
            while (i < len) {
                if (s[i] == '(') depth++;
                else if (s[i] == ')' && --depth == 0) break;
                i = skip_one(s, len, i);
            }
            if (i < len) i++; else t.unterm = 1;
        } else if (ch == '[') {
            t.type = T_DLIT;
            i++;
            while (i < len && s[i] != ']') i = skip_one(s, len, i);
            if (i < len) i++; else t.unterm = 1;
        } else if (is_lexspecial(ch)) {
            t.type = T_SPECIAL;
            t.ch = ch;
            i++;
        } else {
            t.type = T_ATOM;
            while (i < len && !is_ws((unsigned char)s[i]) && !is_lexspecial((unsigned char)s[i])) i++;
        }
        t.end = i;
        c->t[c->n++] = t;
    }
    return 0;
}

static int is_sp(const tok *t, char ch) { return t->type == T_SPECIAL && t->ch == (unsigned char)ch; }

/* Appends a literal or quoted-string token as written, without line breaks
 * (a backslash that quoted one goes with it), closed with ch if it ran to the
 * end of input (a lone backslash there is dropped), so that it reads the same
 * when parsed again. */
static int cat_raw(str *out, const pctx *c, const tok *t, char ch)
{
    const char *s = c->s;
    size_t i = t->start, e = t->end;
    if (str_readyplus(out, e - i + 1) < 0) return -1;
    while (i < e) {
        if (s[i] == '\\' && i > t->start) {
            if (i + 1 >= e) break;
            if (s[i + 1] != '\r' && s[i + 1] != '\n') {
                out->s[out->len++] = s[i];
                out->s[out->len++] = s[i + 1];
            }
            i += 2;
            continue;
        }
        if (s[i] != '\r' && s[i] != '\n') out->s[out->len++] = s[i];
        i++;
    }
    if (t->unterm) out->s[out->len++] = ch;
    out->s[out->len] = 0;
    return 0;
}

/* Appends the meaning of a token: quoted strings and comments without their
 * delimiters, quoted pairs resolved, line breaks removed; literals as
 * written (closed if unterminated); specials as their character. */
static int cat_tok(str *out, const pctx *c, const tok *t)
{
    const char *s = c->s;
    size_t a, b, i;

    switch (t->type) {
    case T_ATOM:
        return str_catb(out, s + t->start, t->end - t->start);
    case T_SPECIAL:
        return str_catc(out, (char)t->ch);
    case T_DLIT:
        return cat_raw(out, c, t, ']');
    default: /* T_QSTR, T_COMMENT */
        a = t->start + 1;
        b = t->unterm ? t->end : t->end - 1;
        if (str_readyplus(out, b - a) < 0) return -1;
        for (i = a; i < b; i++) {
            char ch = s[i];
            if (ch == '\\') {
                if (++i >= b) break;
                ch = s[i];
            } else if (ch == '\r' || ch == '\n') {
                continue;
            }
            out->s[out->len++] = ch;
        }
        out->s[out->len] = 0;
        return 0;
    }
}

/* ---- address lists: items --------------------------------------------------------- */

static void item_free(addr_item *it)
{
    str_free(&it->addr);
    str_free(&it->spec);
    str_free(&it->name);
    str_free(&it->text);
}

static void list_rollback(addr_list *l, size_t n)
{
    while (l->n > n) item_free(&l->v[--l->n]);
}

/* Makes room for one more item and returns it zeroed (not yet counted).
 * Returns NULL with errno ENOMEM, or NULL with errno 0 when the item cap is
 * reached (limited kinds only). */
static addr_item *item_new(addr_list *l, int kind)
{
    addr_item *it;
    if ((kind == ADDR_MAILBOX || kind == ADDR_GROUP) && l->n >= ADDR_LIST_MAX_ITEMS) {
        errno = 0;
        return NULL;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8, bytes;
        addr_item *nv;
        if (size_mul(nc, sizeof *nv, &bytes) < 0) return NULL;
        nv = realloc(l->v, bytes);
        if (!nv) { errno = ENOMEM; return NULL; }
        l->v = nv;
        l->cap = nc;
    }
    it = &l->v[l->n];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    return it;
}

/* spec from addr and local_len */
static int make_spec(str *spec, const str *addr, size_t local_len, unsigned flags)
{
    str_truncate(spec, 0);
    if (str_ready(spec, 0) < 0) return -1;
    if (addr->len == 0 && (flags & ADDR_F_ANGLE)) return 0;
    if (addr_quote_local(spec, addr->s ? addr->s : "", local_len) < 0) return -1;
    return str_catb(spec, addr->s ? addr->s + local_len : "", addr->len - local_len);
}

static unsigned badchar_flag(const str *a)
{
    for (size_t i = 0; i < a->len; i++)
        if (is_ctl((unsigned char)a->s[i])) return ADDR_F_BADCHAR;
    return 0;
}

int addr_item_set(addr_item *it, const char *a, size_t len)
{
    str na = STR_INIT, ns = STR_INIT;
    addr_parts p;
    unsigned flags = it->flags & ~(ADDR_F_NOAT | ADDR_F_BADCHAR);

    if (str_copyb(&na, a, len) < 0) return -1;
    addr_split(na.s, na.len, &p);
    if (!p.has_at) flags |= ADDR_F_NOAT;
    flags |= badchar_flag(&na);
    if (make_spec(&ns, &na, p.local_len, flags) < 0) {
        str_free(&na);
        return -1;
    }
    str_free(&it->addr);
    str_free(&it->spec);
    it->addr = na;
    it->spec = ns;
    it->local_len = p.local_len;
    it->flags = flags;
    return 0;
}

/* name from phrase tokens [a, b): words joined by one space where the input
 * had white space or a comment between them */
static int cat_phrase_toks(str *out, const pctx *c, size_t a, size_t b)
{
    int sep = 0;
    for (size_t i = a; i < b; i++) {
        const tok *t = &c->t[i];
        if (t->type == T_COMMENT) { sep = 1; continue; }
        if (out->len && (sep || t->ws) && str_catc(out, ' ') < 0) return -1;
        sep = 0;
        if (cat_tok(out, c, t) < 0) return -1;
    }
    return 0;
}

static int cat_src(str *out, const pctx *c, size_t from, size_t to)
{
    return str_catb(out, c->s + from, to - from);
}

/* Adds a mailbox.  Item tokens [ta, tb) (tb > ta), addr-spec byte span
 * [ss, se), address tokens [aa, ab), phrase tokens [pa, pb).
 * Returns 0, 1 if the item cap was reached, -1 on ENOMEM. */
static int add_mailbox(pctx *c, size_t ta, size_t tb, size_t ss, size_t se,
                       size_t aa, size_t ab, size_t pa, size_t pb, unsigned flags)
{
    addr_list *l = c->l;
    addr_item *it = item_new(l, ADDR_MAILBOX);
    size_t lastat = ab, tstart = c->t[ta].start, i;
    int have_local_len = 0;

    if (!it) return errno ? -1 : 1;
    for (i = aa; i < ab; i++)
        if (is_sp(&c->t[i], '@')) lastat = i;
    if (lastat == ab) flags |= ADDR_F_NOAT;
    for (i = ta; i < tb; i++)
        if (c->t[i].unterm) flags |= ADDR_F_UNTERM;

    if (str_ready(&it->addr, 0) < 0) goto fail;
    for (i = aa; i < ab; i++) {
        const tok *t = &c->t[i];
        if (i == lastat) {
            it->local_len = it->addr.len;
            have_local_len = 1;
        }
        if (t->type == T_COMMENT) continue;
        if (i > lastat && lastat < ab && t->type == T_QSTR) {
            /* no quoted strings in a domain: keep it as written, so that
             * the spec says the same thing */
            if (cat_raw(&it->addr, c, t, '"') < 0) goto fail;
        } else if (cat_tok(&it->addr, c, t) < 0) {
            goto fail;
        }
    }
    if (!have_local_len) it->local_len = it->addr.len;
    flags |= badchar_flag(&it->addr);
    it->flags = flags;
    if (make_spec(&it->spec, &it->addr, it->local_len, flags) < 0) goto fail;

    if (str_ready(&it->name, 0) < 0) goto fail;
    if (cat_phrase_toks(&it->name, c, pa, pb) < 0) goto fail;
    if (it->name.len == 0) {
        for (i = ta; i < tb; i++) {
            if (c->t[i].type != T_COMMENT) continue;
            if (cat_tok(&it->name, c, &c->t[i]) < 0) goto fail;
            it->flags |= ADDR_F_NAMECOMMENT;
            break;
        }
    }
    if (str_ready(&it->text, 0) < 0) goto fail;
    if (cat_src(&it->text, c, tstart, c->t[tb - 1].end) < 0) goto fail;
    it->spec_off = ss - tstart;
    it->spec_len = se - ss;
    l->n++;
    return 0;
fail:
    item_free(it);
    return -1;
}

static int add_simple(pctx *c, int kind, size_t pa, size_t pb, unsigned flags)
{
    addr_list *l = c->l;
    addr_item *it = item_new(l, kind);
    if (!it) return errno ? -1 : 1;
    it->flags = flags;
    if (str_ready(&it->name, 0) < 0 || str_ready(&it->text, 0) < 0) goto fail;
    if (pb > pa) {
        if (cat_phrase_toks(&it->name, c, pa, pb) < 0) goto fail;
        if (cat_src(&it->text, c, c->t[pa].start, c->t[pb - 1].end) < 0) goto fail;
    }
    l->n++;
    return 0;
fail:
    item_free(it);
    return -1;
}

/* Ends the list with the unparsed tail s[from..len). */
static int add_rest(pctx *c, size_t from)
{
    addr_item *it = item_new(c->l, ADDR_REST);
    if (!it) return -1;
    if (str_copyb(&it->text, c->s + from, c->len - from) < 0) {
        item_free(it);
        return -1;
    }
    c->l->n++;
    c->l->truncated = 1;
    c->stop = 1;
    return 0;
}

/* ---- address lists: grammar ----------------------------------------------------------- */

enum { C_COMMENT, C_WORD, C_DOT, C_AT, C_OTHER };
enum { S_START, S_LWORD, S_LSEP, S_DSEP, S_DELEM };

static int classify(const tok *t)
{
    switch (t->type) {
    case T_COMMENT: return C_COMMENT;
    case T_ATOM: case T_QSTR: case T_DLIT: return C_WORD;
    default:
        if (t->ch == '.') return C_DOT;
        if (t->ch == '@') return C_AT;
        return C_OTHER;
    }
}

/* One step of the bare-address automaton for a token of class cls; returns
 * 1 if the token starts a new address: a word directly after a complete
 * word (local part) or domain element. */
static int bare_step(int *st, int cls)
{
    switch (cls) {
    case C_COMMENT:
        return 0;
    case C_WORD:
        if (*st == S_LWORD || *st == S_DELEM) {
            *st = S_LWORD;
            return 1;
        }
        *st = *st == S_DSEP ? S_DELEM : S_LWORD;
        return 0;
    case C_AT:
        *st = S_DSEP;
        return 0;
    default: /* C_DOT, C_OTHER */
        *st = (*st == S_DSEP || *st == S_DELEM) ? S_DSEP : S_LSEP;
        return 0;
    }
}

/* End of the first bare address in tokens [i, e). */
static size_t bare_next(const pctx *c, size_t i, size_t e)
{
    int st = S_START;
    for (size_t k = i; k < e; k++)
        if (bare_step(&st, classify(&c->t[k])) && k > i) return k;
    return e;
}

static int toks_have_at(const pctx *c, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (is_sp(&c->t[i], '@')) return 1;
    return 0;
}

/* Bare addresses in tokens [u, e).  Returns 0, 1 (cap), -1. */
static int do_bare(pctx *c, size_t u, size_t e, unsigned flags)
{
    size_t i = u;
    while (i < e) {
        size_t k = bare_next(c, i, e), f = i, g = k;
        int rc;
        while (f < k && c->t[f].type == T_COMMENT) f++;
        while (g > f && c->t[g - 1].type == T_COMMENT) g--;
        if (f < g) {
            rc = add_mailbox(c, i, k, c->t[f].start, c->t[g - 1].end, f, g, 0, 0, flags);
            if (rc) return rc;
            flags |= ADDR_F_NOCOMMA;
        }
        i = k;
    }
    return 0;
}

/* Is tokens [j, ...) a source route "@a,@b:"?  Returns the index of its ':'
 * or 0 if none.  Stops at the first token that cannot be in a route, so the
 * scanned tokens never contain '<' (keeps the parser linear). */
static size_t route_end(const pctx *c, size_t j)
{
    for (size_t m = j + 1; m < c->n; m++) {
        const tok *t = &c->t[m];
        if (t->type != T_SPECIAL) continue;
        if (t->ch == ':') return m;
        if (t->ch != '@' && t->ch != ',' && t->ch != '.') return 0;
    }
    return 0;
}

/* Angle form: phrase tokens [u, lt), '<' at lt.  *next receives the index
 * after the mailbox (after '>' and trailing comments).  Returns 0, 1 (cap),
 * 2 (input cut by the token cap: caller makes REST), -1. */
static int do_angle(pctx *c, size_t u, size_t lt, unsigned flags, size_t *next)
{
    size_t pa = u, j = lt + 1, k, a, ss, se, ta;
    unsigned f;
    int closed, rc;

    /* finish scanning first, so a cut input is noticed before adding anything */
    f = flags | ADDR_F_ANGLE;
    if (j < c->n && is_sp(&c->t[j], '@')) {
        size_t r = route_end(c, j);
        if (r) { f |= ADDR_F_ROUTE; j = r + 1; }
    }
    k = j;
    while (k < c->n && !is_sp(&c->t[k], '>') && !is_sp(&c->t[k], ',') && !is_sp(&c->t[k], ';')) k++;
    closed = k < c->n && is_sp(&c->t[k], '>');
    a = closed ? k + 1 : k;
    while (a < c->n && c->t[a].type == T_COMMENT) a++;
    if (a == c->n && c->trunc) return 2;
    if (!closed) f |= ADDR_F_UNCLOSED;

    /* a phrase holding '@' starts with addresses that lack their comma */
    if (toks_have_at(c, u, lt)) {
        size_t i = u, lastend = u;
        while (i < lt) {
            size_t e = bare_next(c, i, lt);
            if (toks_have_at(c, i, e)) lastend = e;
            i = e;
        }
        rc = do_bare(c, u, lastend, flags);
        if (rc) return rc;
        f |= ADDR_F_NOCOMMA;
        pa = lastend;
    }

    ss = c->t[lt].end;
    se = closed ? c->t[k].start : (k > lt + 1 ? c->t[k - 1].end : ss); /* route included */
    if (se < ss) se = ss; /* "<>" written with white space only */
    ta = pa < lt ? pa : lt;
    rc = add_mailbox(c, ta, a, ss, se, j, k, pa, lt, f);
    if (rc) return rc;
    *next = a;
    return 0;
}

static int parse_toks(pctx *c)
{
    size_t i = 0, u = 0, mark, sub = 0, after_at = 0;
    unsigned nextflags = 0;
    int in_group = 0, st = S_START, sub_at = 0, rc;

#define UNIT_OFF(x) ((x) < c->n ? c->t[(x)].start : (c->trunc ? c->lexend : c->len))
#define FLAGS() (nextflags | (in_group ? ADDR_F_INGROUP : 0u))
    /* a new unit (a run of tokens between separators) starts at i */
#define NEW_UNIT() (u = sub = after_at = i, st = S_START, sub_at = 0)

    /* The unit is followed with the bare-address automaton: sub is where the
     * current address starts, sub_at whether it has an '@' so far, after_at
     * where the address after the last one with an '@' starts.  A ':' ends a
     * group name only when the current address has no '@'; the name starts
     * at after_at, and what comes before it are addresses lacking a comma,
     * exactly as they read once emitted with commas. */
    while (i < c->n) {
        const tok *t = &c->t[i];
        if (is_sp(t, ',') || is_sp(t, ';')) {
            mark = c->l->n;
            rc = do_bare(c, u, i, FLAGS());
            if (rc < 0) return -1;
            if (rc == 0 && is_sp(t, ';') && in_group) {
                rc = add_simple(c, ADDR_GROUP_END, 0, 0, 0);
                if (rc < 0) return -1;
                in_group = 0;
            }
            if (rc == 1) {
                list_rollback(c->l, mark);
                return add_rest(c, UNIT_OFF(u));
            }
            nextflags = 0;
            i++;
            NEW_UNIT();
            continue;
        }
        if (is_sp(t, ':') && !in_group && !sub_at) {
            mark = c->l->n;
            rc = do_bare(c, u, after_at, FLAGS());
            if (rc == 0) rc = add_simple(c, ADDR_GROUP, after_at, i, 0);
            if (rc < 0) return -1;
            if (rc == 1) {
                list_rollback(c->l, mark);
                return add_rest(c, UNIT_OFF(u));
            }
            in_group = 1;
            nextflags = 0;
            i++;
            NEW_UNIT();
            continue;
        }
        if (is_sp(t, '<')) {
            size_t next = i;
            mark = c->l->n;
            rc = do_angle(c, u, i, FLAGS(), &next);
            if (rc < 0) return -1;
            if (rc > 0) {
                list_rollback(c->l, mark);
                return add_rest(c, UNIT_OFF(u));
            }
            i = next;
            NEW_UNIT();
            nextflags = 0;
            if (i < c->n && !is_sp(&c->t[i], ',') && !is_sp(&c->t[i], ';')) nextflags = ADDR_F_NOCOMMA;
            continue;
        }
        if (bare_step(&st, classify(t)) && i > sub) {
            if (sub_at) after_at = i;
            sub = i;
            sub_at = 0;
        }
        if (is_sp(t, '@')) sub_at = 1;
        i++;
    }
    if (c->trunc) return add_rest(c, UNIT_OFF(u));
    mark = c->l->n;
    rc = do_bare(c, u, c->n, FLAGS());
    if (rc < 0) return -1;
    if (rc == 1) {
        list_rollback(c->l, mark);
        return add_rest(c, UNIT_OFF(u));
    }
    if (in_group && add_simple(c, ADDR_GROUP_END, 0, 0, ADDR_F_UNCLOSED) < 0) return -1;
    return 0;
#undef UNIT_OFF
#undef FLAGS
#undef NEW_UNIT
}

int addr_list_parse(addr_list *l, const char *s, size_t len)
{
    pctx c;
    size_t base = l->n;
    int rc = 0;

    memset(&c, 0, sizeof c);
    c.s = s;
    c.len = len;
    c.l = l;
    if (l->truncated) { /* a cap was already reached: all of it is rest */
        addr_item *it = item_new(l, ADDR_REST);
        if (!it || str_copyb(&it->text, s, len) < 0) {
            if (it) item_free(it);
            return -1;
        }
        l->n++;
        return 0;
    }
    if (lex(&c) < 0 || parse_toks(&c) < 0) {
        int e = errno ? errno : ENOMEM;
        list_rollback(l, base);
        l->truncated = 0;
        errno = e;
        rc = -1;
    }
    free(c.t);
    return rc;
}

/* ---- address lists: output ---------------------------------------------------------------- */

static size_t first_line_len(const str *p)
{
    const char *nl = p->len ? memchr(p->s, '\n', p->len) : NULL;
    return nl ? (size_t)(nl - p->s) : p->len;
}

static void trim_ws(const char **s, size_t *len)
{
    while (*len && is_ws((unsigned char)**s)) { (*s)++; (*len)--; }
    while (*len && is_ws((unsigned char)(*s)[*len - 1])) (*len)--;
}

int addr_list_emit(str *out, const addr_list *l, size_t col, size_t width)
{
    size_t mark = mark_of(out);
    str piece = STR_INIT;
    int prev = 0;

    if (str_readyplus(out, 0) < 0) return -1; /* an empty list gives "" */

    for (size_t i = 0; i < l->n; i++) {
        const addr_item *it = &l->v[i];
        const char *sep = "";
        const char *txt = it->text.s ? it->text.s : "";
        size_t tlen = it->text.len;

        str_truncate(&piece, 0);
        if (str_ready(&piece, 0) < 0) goto fail;
        switch (it->kind) {
        case ADDR_MAILBOX: {
            size_t off = it->spec_off <= tlen ? it->spec_off : tlen;
            size_t end = it->spec_len <= tlen - off ? off + it->spec_len : tlen;
            if (str_catb(&piece, txt, off) < 0) goto fail;
            if (str_cat(&piece, &it->spec) < 0) goto fail;
            if ((it->flags & (ADDR_F_ANGLE | ADDR_F_UNCLOSED)) == (ADDR_F_ANGLE | ADDR_F_UNCLOSED)
                && str_catc(&piece, '>') < 0) goto fail;
            if (str_catb(&piece, txt + end, tlen - end) < 0) goto fail;
            break;
        }
        case ADDR_GROUP:
            if (str_catb(&piece, txt, tlen) < 0 || str_catc(&piece, ':') < 0) goto fail;
            break;
        case ADDR_GROUP_END:
            if (str_catc(&piece, ';') < 0) goto fail;
            break;
        case ADDR_REST:
            trim_ws(&txt, &tlen);
            if (str_catb(&piece, txt, tlen) < 0) goto fail;
            break;
        default:
            continue;
        }
        if (it->kind != ADDR_GROUP_END) {
            if (prev == ADDR_GROUP) sep = " ";
            else if (prev) sep = ", ";
        }
        if (width && *sep && col + strlen(sep) + first_line_len(&piece) > width) {
            if (str_cats(out, *sep == ',' ? ",\n  " : "\n  ") < 0) goto fail;
            col = 2;
        } else {
            if (str_cats(out, sep) < 0) goto fail;
            col += strlen(sep);
        }
        if (str_cat(out, &piece) < 0) goto fail;
        {
            ptrdiff_t nl = str_rchr(&piece, '\n');
            col = nl >= 0 ? piece.len - (size_t)nl - 1 : col + piece.len;
        }
        prev = it->kind;
    }
    str_free(&piece);
    return 0;
fail:
    str_free(&piece);
    restore(out, mark);
    return -1;
}

void addr_list_free(addr_list *l)
{
    list_rollback(l, 0);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
    l->truncated = 0;
}
