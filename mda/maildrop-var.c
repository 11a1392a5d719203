/*
 * maildrop-var: variables (an open-addressing hash table of byte strings),
 * $-substitution, and maildrop's numbers and truth.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maildrop.h"

/* ---- the table -------------------------------------------------------------------- */

static size_t var_hash(const char *s, size_t n)
{
    size_t h = 5381;
    for (size_t i = 0; i < n; i++) h = (h * 33) ^ (unsigned char)s[i];
    return h;
}

static struct md_var *var_slot(const struct md_vars *vs, const char *name, size_t n)
{
    size_t mask, i;
    if (!vs->cap) return NULL;
    mask = vs->cap - 1;
    i = var_hash(name, n) & mask;
    for (;;) {
        struct md_var *v = &vs->v[i];
        if (!v->name) return v;
        if (v->namelen == n && memcmp(v->name, name, n) == 0) return v;
        i = (i + 1) & mask;
    }
}

static int var_grow(struct md_vars *vs)
{
    size_t ncap = vs->cap ? vs->cap * 2 : 64;
    struct md_var *nv = calloc(ncap, sizeof *nv);
    struct md_vars tmp;
    if (!nv) return -1;
    tmp.v = nv;
    tmp.cap = ncap;
    for (size_t i = 0; i < vs->cap; i++) {
        struct md_var *o = &vs->v[i];
        if (!o->name) continue;
        *var_slot(&tmp, o->name, o->namelen) = *o;
    }
    free(vs->v);
    vs->v = nv;
    vs->cap = ncap;
    return 0;
}

int md_var_set(struct md_vars *vs, const char *name, size_t nlen, const char *val, size_t vlen)
{
    struct md_var *v;
    if ((vs->n + 1) * 2 > vs->cap && var_grow(vs) < 0) return -1;
    v = var_slot(vs, name, nlen);
    if (!v->name) {
        v->name = malloc(nlen + 1);
        if (!v->name) return -1;
        memcpy(v->name, name, nlen);
        v->name[nlen] = 0;
        v->namelen = nlen;
        v->val = (str)STR_INIT;
        vs->n++;
    }
    if (str_copyb(&v->val, val, vlen) < 0) return -1;
    vs->gen++;
    return 0;
}

int md_var_sets(struct md_vars *vs, const char *name, const char *val)
{
    return md_var_set(vs, name, strlen(name), val, strlen(val));
}

const str *md_var_get(const struct md_vars *vs, const char *name, size_t nlen)
{
    struct md_var *v = var_slot(vs, name, nlen);
    if (!v || !v->name) return NULL;
    return &v->val;
}

const char *md_var_gets(const struct md_vars *vs, const char *name)
{
    const str *v = md_var_get(vs, name, strlen(name));
    return v && v->s ? v->s : "";
}

void md_var_unset(struct md_vars *vs, const char *name, size_t nlen)
{
    struct md_var *v = var_slot(vs, name, nlen);
    size_t mask, i, j;
    if (!v || !v->name) return;
    free(v->name);
    str_free(&v->val);
    v->name = NULL;
    vs->n--;
    vs->gen++;
    /* re-insert the rest of the cluster */
    mask = vs->cap - 1;
    i = (size_t)(v - vs->v);
    j = (i + 1) & mask;
    while (vs->v[j].name) {
        struct md_var t = vs->v[j];
        vs->v[j].name = NULL;
        *var_slot(vs, t.name, t.namelen) = t;
        j = (j + 1) & mask;
    }
}

char **md_var_envp(const struct md_vars *vs)
{
    char **e = calloc(vs->n + 1, sizeof *e);
    size_t k = 0;
    if (!e) return NULL;
    for (size_t i = 0; i < vs->cap; i++) {
        const struct md_var *v = &vs->v[i];
        size_t vl;
        if (!v->name || !v->namelen || memchr(v->name, '=', v->namelen)) continue;
        vl = v->val.s ? strlen(v->val.s) : 0;     /* a NUL ends the exported value */
        e[k] = malloc(v->namelen + vl + 2);
        if (!e[k]) { md_envp_free(e); return NULL; }
        memcpy(e[k], v->name, v->namelen);
        e[k][v->namelen] = '=';
        if (vl) memcpy(e[k] + v->namelen + 1, v->val.s, vl);
        e[k][v->namelen + 1 + vl] = 0;
        k++;
    }
    e[k] = NULL;
    return e;
}

void md_envp_free(char **envp)
{
    if (!envp) return;
    for (size_t i = 0; envp[i]; i++) free(envp[i]);
    free(envp);
}

void md_vars_free(struct md_vars *vs)
{
    for (size_t i = 0; i < vs->cap; i++) {
        if (!vs->v[i].name) continue;
        free(vs->v[i].name);
        str_free(&vs->v[i].val);
    }
    free(vs->v);
    vs->v = NULL;
    vs->cap = vs->n = 0;
}

/* ---- $-substitution ------------------------------------------------------------------ */

static int namechar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int md_expand(struct md_ctx *c, const char *s, size_t n, const struct md_node *where, str *out)
{
    size_t i = 0;
    while (i < n) {
        const char *d = memchr(s + i, '$', n - i);
        const char *bs = memchr(s + i, '\\', n - i);
        size_t stop = d ? (size_t)(d - s) : n;
        if (bs && (size_t)(bs - s) < stop) stop = (size_t)(bs - s);
        if (stop > i && str_catb(out, s + i, stop - i) < 0) return -1;
        i = stop;
        if (i >= n) break;
        if (s[i] == '\\') {
            /* protects the next byte from substitution; both are kept */
            size_t k = i + 2 <= n ? 2 : 1;
            if (str_catb(out, s + i, k) < 0) return -1;
            i += k;
            continue;
        }
        /* s[i] == '$' */
        if (i + 1 < n && s[i + 1] == '{') {
            size_t j = i + 2;
            while (j < n && s[j] != '}' && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' &&
                   s[j] != '\r')
                j++;
            if (j >= n || s[j] != '}') {
                md_error(c, where, "Terminating } is missing.");
                if (str_catc(out, '$') < 0) return -1;
                i++;
                continue;
            }
            {
                const str *v = md_var_get(&c->vars, s + i + 2, j - i - 2);
                if (v && v->len && str_cat(out, v) < 0) return -1;
            }
            i = j + 1;
            continue;
        }
        if (i + 1 < n && namechar((unsigned char)s[i + 1])) {
            size_t j = i + 1;
            while (j < n && namechar((unsigned char)s[j])) j++;
            {
                const str *v = md_var_get(&c->vars, s + i + 1, j - i - 1);
                if (v && v->len && str_cat(out, v) < 0) return -1;
            }
            i = j;
            continue;
        }
        if (str_catc(out, '$') < 0) return -1;
        i++;
    }
    if (!out->s && str_ready(out, 0) < 0) return -1;
    return 0;
}

/* ---- numbers and truth ------------------------------------------------------------------ */

double md_num(const char *s, size_t len)
{
    char tmp[128];
    size_t k = len < sizeof tmp - 1 ? len : sizeof tmp - 1;
    if (!s || !len) return 0;
    /* atof stops at the first byte it cannot use; 127 bytes are plenty for
     * any number, and a NUL inside ends it as in the original */
    memcpy(tmp, s, k);
    tmp[k] = 0;
    return atof(tmp);
}

int md_fmtnum(str *out, double d)
{
    char b[64];
    int k = snprintf(b, sizeof b, "%.22g", d);
    if (k < 0) k = 0;
    if ((size_t)k >= sizeof b) k = sizeof b - 1;
    return str_copyb(out, b, (size_t)k);
}

int md_true(const char *s, size_t len)
{
    /* maildrop 2.9.3's rule, reconstructed from its behaviour: after
     * trimming blanks, "" and "0" are false; "0" followed by anything but
     * '.' is true ("00"); after "0." the next character is skipped and the
     * value is false when what is left is one or more zeros ("0.00",
     * "0.10", "0..0" are false, "0.", "0.0", "0.01" true); a value starting
     * with '.' is false when the rest is one or more zeros (".0"). */
    size_t i = 0, e = len;
    while (i < e && (s[i] == ' ' || s[i] == '\t')) i++;
    while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
    if (i == e) return 0;
    if (s[i] == '0') {
        if (e - i == 1) return 0;
        if (s[i + 1] != '.') return 1;
        i += 3;
    } else if (s[i] == '.') {
        i += 1;
    } else {
        return 1;
    }
    if (i >= e) return 1;
    for (; i < e; i++)
        if (s[i] != '0') return 1;
    return 0;
}
