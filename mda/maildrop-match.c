/*
 * maildrop-match: /pattern/:options with PCRE2 (UTF, caseless unless D,
 * JIT), matched line by line over the canonical stream of the message
 * (maildrop-mime.c) or against a string (=~), with maildrop's weighted
 * scoring and MATCH / MATCH1..n.  A pattern node keeps its compiled code
 * for the text it was compiled from, so a pattern is compiled once per
 * run unless its $-substitutions change.  lookup() files are compiled
 * once per run as well.
 *
 * JIT compiling costs several times what compiling does, and pays only
 * when a pattern scans a lot of text: a pattern is JIT-compiled the first
 * time it is matched against a message or string of MD_JIT_SIZE bytes or
 * more, or on its MD_JIT_USES-th use (loops); small messages, the common
 * case, are matched by the interpreter without that start-up cost.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "maildrop.h"

#define MD_JIT_SIZE (32u * 1024)
#define MD_JIT_USES 16

/* ---- options ------------------------------------------------------------------------ */

void md_pat_options(struct md_pat *p)
{
    const char *o = p->opts.s ? p->opts.s : "";
    size_t n = p->opts.len;
    unsigned f = 0;
    p->w1 = 1;
    p->w2 = 1;
    for (size_t i = 0; i < n; i++) {
        char ch = o[i];
        if ((ch >= '0' && ch <= '9') || ch == '.' || ch == '+' || ch == '-') {
            char buf[64], *end;
            size_t k = n - i < sizeof buf - 1 ? n - i : sizeof buf - 1;
            memcpy(buf, o + i, k);
            buf[k] = 0;
            f |= MD_PWT;
            p->w1 = strtod(buf, &end);
            if (*end == ',') p->w2 = strtod(end + 1, NULL);
            break;
        }
        switch (ch) {
        case 'h': f |= MD_PH; break;
        case 'b': f |= MD_PB; break;
        case 'D': f |= MD_PD; break;
        case 'w': f |= MD_PW; break;
        case 'H': f |= MD_PH | MD_PTOP; break;
        default: break;                 /* unknown letters are ignored */
        }
    }
    if (!(f & (MD_PH | MD_PB))) f |= (f & MD_PW) ? MD_PH | MD_PB : MD_PH;
    if ((f & MD_PTOP) && (f & MD_PB)) f &= ~MD_PTOP;
    p->flags = f;
}

/* ---- compiling ----------------------------------------------------------------------- */

static pcre2_code *compile(const char *text, size_t len, int caseless, str *err)
{
    pcre2_code *code;
    int ec;
    PCRE2_SIZE off;
    str fixed = STR_INIT;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
    if (!md_utf8_valid(text, len)) {
        /* a filter written in ISO-8859-1: its bytes mean those characters */
        if (md_utf8_fix(&fixed, text, len) < 0) {
            str_copys(err, "out of memory");
            return NULL;
        }
        text = fixed.s;
        len = fixed.len;
    }
    code = pcre2_compile((PCRE2_SPTR)text, len, opts, &ec, &off, NULL);
    str_free(&fixed);
    if (!code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(ec, msg, sizeof msg) < 0) strcpy((char *)msg, "invalid pattern");
        str_truncate(err, 0);
        str_catf(err, "%s at offset %lu", (const char *)msg, (unsigned long)off);
        return NULL;
    }
    return code;
}

int md_pat_compile(struct md_pat *p, const char *text, size_t len, str *err)
{
    if (p->compiled && p->last.len == len && (len == 0 || memcmp(p->last.s, text, len) == 0)) {
        if (p->code) return 0;
        str_copys(err, "invalid pattern");
        return -1;
    }
    if (p->mdata) pcre2_match_data_free(p->mdata);
    if (p->code) pcre2_code_free(p->code);
    p->mdata = NULL;
    p->code = NULL;
    p->compiled = 0;
    p->jitted = 0;
    p->uses = 0;
    if (str_copyb(&p->last, text, len) < 0) {
        str_copys(err, "out of memory");
        return -1;
    }
    p->compiled = 1;
    p->code = compile(text, len, !(p->flags & MD_PD), err);
    if (!p->code) return -1;
    p->mdata = pcre2_match_data_create_from_pattern(p->code, NULL);
    if (!p->mdata) {
        pcre2_code_free(p->code);
        p->code = NULL;
        str_copys(err, "out of memory");
        return -1;
    }
    return 0;
}

/* JIT-compiles p's code when it is worth it (see above); a JIT failure
 * leaves the interpreter in use. */
static void maybe_jit(struct md_pat *p, unsigned long long size)
{
    if (p->jitted || !p->code) return;
    if (size < MD_JIT_SIZE && ++p->uses < MD_JIT_USES) return;
    p->jitted = 1;
    (void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
}

void md_pat_free(struct md_pat *p)
{
    if (p->mdata) pcre2_match_data_free(p->mdata);
    if (p->code) pcre2_code_free(p->code);
    p->mdata = p->code = NULL;
    str_free(&p->src);
    str_free(&p->opts);
    str_free(&p->last);
}

/* ---- MATCH variables --------------------------------------------------------------- */

static int set_matches(struct md_ctx *c, pcre2_code *code, pcre2_match_data *md, const char *s,
                       int groups)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t count = 0;
    char name[32];
    if (md_var_set(&c->vars, "MATCH", 5, s + ov[0], ov[1] - ov[0]) < 0) return -1;
    if (!groups) return 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count);
    for (uint32_t i = 1; i <= count; i++) {
        int k = snprintf(name, sizeof name, "MATCH%u", i);
        if (ov[2 * i] == PCRE2_UNSET) {
            if (md_var_set(&c->vars, name, (size_t)k, "", 0) < 0) return -1;
        } else if (md_var_set(&c->vars, name, (size_t)k, s + ov[2 * i], ov[2 * i + 1] - ov[2 * i]) < 0) {
            return -1;
        }
    }
    return 0;
}

static int want_of(const struct md_pat *p)
{
    return ((p->flags & MD_PH) ? MD_LH : 0) | ((p->flags & MD_PB) ? MD_LB : 0);
}

static int line_wanted(const struct md_pat *p, int kind)
{
    if ((p->flags & MD_PTOP) && (kind & MD_LH) && !(kind & MD_LTOP)) return 0;
    return 1;
}

/* ---- the message ------------------------------------------------------------------- */

int md_pat_msg(struct md_ctx *c, struct md_pat *p, double *score, str *matched)
{
    struct md_canon *it;
    const char *line;
    size_t len;
    int kind, r, st = MD_OK;
    unsigned long hits = 0, nlines = 0;
    double wk = p->w1;

    *score = 0;
    if (!p->code) return MD_OK;
    maybe_jit(p, (unsigned long long)c->msg.st->size);
    if (md_canon_open(&it, c->msg.st, want_of(p)) < 0) {
        md_error(c, NULL, "Unable to read the message: %s.", strerror(errno));
        return MD_ERR;
    }
    while ((r = md_canon_next(it, &line, &len, &kind)) == 1) {
        int rc;
        if ((++nlines & 1023) == 0 && md_timed_out) break;
        if (!line_wanted(p, kind)) continue;
        rc = pcre2_match(p->code, (PCRE2_SPTR)line, len, 0, 0, p->mdata, NULL);
        if (rc < 0) continue;
        if (p->flags & MD_PWT) {
            *score += wk;
            wk *= p->w2;
            hits++;
            continue;
        }
        *score = 1;
        if (set_matches(c, p->code, p->mdata, line, 1) < 0) st = MD_ERR;
        if (matched) str_copyb(matched, line, len);
        break;
    }
    if (r < 0) {
        md_error(c, NULL, "Unable to read the message: %s.", strerror(errno));
        st = MD_ERR;
    }
    md_canon_close(it);
    return st;
}

/* Next start offset after a match at ov (an empty match moves one character on). */
static size_t next_start(const char *s, size_t n, const PCRE2_SIZE *ov)
{
    size_t e = ov[1];
    if (ov[1] == ov[0]) {
        e++;
        while (e < n && ((unsigned char)s[e] & 0xC0) == 0x80) e++;
    }
    return e;
}

int md_pat_str(struct md_ctx *c, struct md_pat *p, const char *s, size_t n, double *score)
{
    size_t start = 0;
    double wk = p->w1;
    *score = 0;
    if (!p->code) return MD_OK;
    maybe_jit(p, n);
    while (start <= n) {
        int rc = pcre2_match(p->code, (PCRE2_SPTR)s, n, start, 0, p->mdata, NULL);
        PCRE2_SIZE *ov;
        if (rc < 0) break;
        ov = pcre2_get_ovector_pointer(p->mdata);
        if (!(p->flags & MD_PWT)) {
            *score = 1;
            return set_matches(c, p->code, p->mdata, s, 1) < 0 ? MD_ERR : MD_OK;
        }
        *score += wk;
        wk *= p->w2;
        start = next_start(s, n, ov);
        if (md_timed_out) break;
    }
    return MD_OK;
}

/* ---- foreach ------------------------------------------------------------------------- */

/* The body of a foreach may recompile the pattern (a recursive include):
 * iterate with a private copy. */
static int private_code(struct md_pat *p, unsigned long long size, pcre2_code **code,
                        pcre2_match_data **md)
{
    *code = pcre2_code_copy(p->code);
    if (!*code) return -1;
    if (size >= MD_JIT_SIZE) (void)pcre2_jit_compile(*code, PCRE2_JIT_COMPLETE);
    *md = pcre2_match_data_create_from_pattern(*code, NULL);
    if (!*md) { pcre2_code_free(*code); return -1; }
    return 0;
}

int md_pat_foreach_msg(struct md_ctx *c, struct md_pat *p, md_foreach_fn fn, void *arg)
{
    struct md_canon *it;
    pcre2_code *code;
    pcre2_match_data *md;
    const char *line;
    size_t len;
    int kind, r, st = MD_OK;

    if (!p->code) return MD_OK;
    if (private_code(p, (unsigned long long)c->msg.st->size, &code, &md) < 0) {
        md_error(c, NULL, "Out of memory.");
        return MD_ERR;
    }
    if (md_canon_open(&it, c->msg.st, want_of(p)) < 0) {
        md_error(c, NULL, "Unable to read the message: %s.", strerror(errno));
        pcre2_match_data_free(md);
        pcre2_code_free(code);
        return MD_ERR;
    }
    while ((r = md_canon_next(it, &line, &len, &kind)) == 1) {
        if (!line_wanted(p, kind)) continue;
        if (pcre2_match(code, (PCRE2_SPTR)line, len, 0, 0, md, NULL) < 0) continue;
        if (set_matches(c, code, md, line, 1) < 0) { st = MD_ERR; break; }
        st = fn(c, arg);
        if (st != MD_OK) break;
    }
    if (r < 0 && st == MD_OK) {
        md_error(c, NULL, "Unable to read the message: %s.", strerror(errno));
        st = MD_ERR;
    }
    md_canon_close(it);
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return st;
}

int md_pat_foreach_str(struct md_ctx *c, struct md_pat *p, const char *s, size_t n,
                       md_foreach_fn fn, void *arg)
{
    pcre2_code *code;
    pcre2_match_data *md;
    size_t start = 0;
    int st = MD_OK;
    if (!p->code) return MD_OK;
    if (private_code(p, n, &code, &md) < 0) {
        md_error(c, NULL, "Out of memory.");
        return MD_ERR;
    }
    while (start <= n) {
        PCRE2_SIZE ov[2];
        if (pcre2_match(code, (PCRE2_SPTR)s, n, start, 0, md, NULL) < 0) break;
        memcpy(ov, pcre2_get_ovector_pointer(md), sizeof ov);
        if (set_matches(c, code, md, s, 1) < 0) { st = MD_ERR; break; }
        st = fn(c, arg);
        if (st != MD_OK) break;
        start = next_start(s, n, ov);
    }
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return st;
}

/* ---- lookup() ----------------------------------------------------------------------- */

struct md_lookup_cache {
    str path;
    int sensitive;
    pcre2_code **codes;
    size_t n;
    pcre2_match_data *md;
    struct md_lookup_cache *next;
};

static void lookup_free1(struct md_lookup_cache *l)
{
    for (size_t i = 0; i < l->n; i++) pcre2_code_free(l->codes[i]);
    free(l->codes);
    if (l->md) pcre2_match_data_free(l->md);
    str_free(&l->path);
    free(l);
}

void md_lookups_free(struct md_ctx *c)
{
    while (c->lookups) {
        struct md_lookup_cache *n = c->lookups->next;
        lookup_free1(c->lookups);
        c->lookups = n;
    }
}

static struct md_lookup_cache *lookup_load(struct md_ctx *c, const char *file, int sensitive,
                                           const struct md_node *where)
{
    struct md_lookup_cache *l = calloc(1, sizeof *l);
    str text = STR_INIT, err = STR_INIT;
    size_t i = 0, cap = 0;
    int lineno = 0;
    if (!l || str_copys(&l->path, file) < 0) goto nomem;
    l->sensitive = sensitive;
    if (fs_read_file(file, &text, 64u * 1024 * 1024) < 0) {
        md_error(c, where, "Unable to read lookup file %s: %s.", file, strerror(errno));
        goto fail;
    }
    while (i < text.len) {
        const char *ln = text.s + i, *nl = memchr(ln, '\n', text.len - i);
        size_t n = nl ? (size_t)(nl - ln) : text.len - i;
        i += n + (nl ? 1 : 0);
        lineno++;
        if (n && ln[n - 1] == '\r') n--;
        while (n && (*ln == ' ' || *ln == '\t')) { ln++; n--; }
        if (!n || *ln == '#') continue;
        if (l->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            pcre2_code **nv = realloc(l->codes, nc * sizeof *nv);
            if (!nv) goto nomem;
            l->codes = nv;
            cap = nc;
        }
        l->codes[l->n] = compile(ln, n, !sensitive, &err);
        if (!l->codes[l->n]) {
            md_error(c, where, "Bad pattern in lookup file %s, line %d: %s.", file, lineno,
                     err.s ? err.s : "?");
            goto fail;
        }
        l->n++;
    }
    l->md = pcre2_match_data_create(1, NULL);
    if (!l->md) goto nomem;
    str_free(&text);
    str_free(&err);
    return l;
nomem:
    md_error(c, where, "Out of memory.");
fail:
    str_free(&text);
    str_free(&err);
    if (l) lookup_free1(l);
    return NULL;
}

int md_lookup(struct md_ctx *c, const char *s, size_t n, const char *file, const char *opts,
              const struct md_node *where)
{
    int sensitive = opts && strchr(opts, 'D') != NULL;
    struct md_lookup_cache *l;
    for (l = c->lookups; l; l = l->next)
        if (l->sensitive == sensitive && strcmp(l->path.s, file) == 0) break;
    if (!l) {
        l = lookup_load(c, file, sensitive, where);
        if (!l) return -1;
        l->next = c->lookups;
        c->lookups = l;
    }
    for (size_t i = 0; i < l->n; i++)
        if (pcre2_match(l->codes[i], (PCRE2_SPTR)s, n, 0, 0, l->md, NULL) >= 0) return 1;
    return 0;
}
