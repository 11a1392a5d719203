/* qmail-remote: MX and A lookups (res_query, parsed here).  See qmail-remote.h. */
#include "qmail-remote.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "ipme.h"

#define ANSWER_MAX 65536

static int inited;

static int add(rmxlist *l, struct in_addr ip, unsigned long pref)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        struct rmx *x = realloc(l->v, nc * sizeof *x);
        if (!x) return -1;
        l->v = x;
        l->cap = nc;
    }
    l->v[l->n].ip = ip;
    l->v[l->n].pref = pref;
    l->n++;
    return 0;
}

void rmx_free(rmxlist *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* res_query: the answer's length, or an RDNS_ code. */
static int query(const char *name, int type, unsigned char *ans)
{
    int n;
    if (!inited) {
        if (res_init() < 0) return RDNS_SOFT;
        _res.options |= RES_USE_EDNS0;
        inited = 1;
    }
    errno = 0;
    n = res_query(name, C_IN, type, ans, ANSWER_MAX);
    if (n <= 0) {
        if (errno == ECONNREFUSED) return RDNS_SOFT;
        if (h_errno == TRY_AGAIN) return RDNS_SOFT;
        return RDNS_HARD;
    }
    if (n > ANSWER_MAX) n = ANSWER_MAX;
    return n;
}

static unsigned get16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

/*
 * Walks the answer section: calls rr() for each record of type want.
 * Returns 0, or RDNS_SOFT for a malformed answer, or what rr() returned
 * if negative.
 */
static int walk(const unsigned char *ans, int len, int want,
                int (*rr)(void *ctx, const unsigned char *ans, int len, const unsigned char *rd,
                          unsigned rdlen),
                void *ctx)
{
    const unsigned char *p = ans + HFIXEDSZ, *end = ans + len;
    unsigned qd, an;
    int n;

    if (len < HFIXEDSZ) return RDNS_SOFT;
    qd = get16(ans + 4);
    an = get16(ans + 6);
    while (qd--) {
        n = dn_skipname(p, end);
        if (n < 0 || end - p < n + QFIXEDSZ) return RDNS_SOFT;
        p += n + QFIXEDSZ;
    }
    while (an--) {
        unsigned type, rdlen;
        n = dn_skipname(p, end);
        if (n < 0 || end - p < n + RRFIXEDSZ) return RDNS_SOFT;
        p += n;
        type = get16(p);
        rdlen = get16(p + 8);
        p += RRFIXEDSZ;
        if ((unsigned)(end - p) < rdlen) return RDNS_SOFT;
        if ((int)type == want) {
            int r = rr(ctx, ans, len, p, rdlen);
            if (r < 0) return r;
        }
        p += rdlen;
    }
    return 0;
}

struct actx {
    rmxlist *l;
    unsigned long pref;
};

static int a_rr(void *vc, const unsigned char *ans, int len, const unsigned char *rd, unsigned rdlen)
{
    struct actx *c = vc;
    struct in_addr ip;
    (void)ans;
    (void)len;
    if (rdlen != 4) return 0;
    memcpy(&ip.s_addr, rd, 4);
    return add(c->l, ip, c->pref) < 0 ? RDNS_MEM : 0;
}

int rdns_ip(rmxlist *l, const char *host, unsigned long pref)
{
    unsigned char *ans;
    struct in_addr ip;
    struct actx c = { l, pref };
    size_t hl = strlen(host);
    int n, r;

    if (hl && (ipme_scan(host, hl, 0, &ip) || ipme_scan(host, hl, 1, &ip)))
        return add(l, ip, pref) < 0 ? RDNS_MEM : RDNS_OK;
    if (!hl) return RDNS_HARD;
    ans = malloc(ANSWER_MAX);
    if (!ans) return RDNS_MEM;
    n = query(host, T_A, ans);
    if (n < 0) {
        free(ans);
        return n;
    }
    r = walk(ans, n, T_A, a_rr, &c);
    free(ans);
    if (r < 0) return r;
    return RDNS_OK;
}

struct mx {
    char *name;
    unsigned pref;
};

struct mxctx {
    struct mx *v;
    size_t n, cap;
};

static int mx_rr(void *vc, const unsigned char *ans, int len, const unsigned char *rd, unsigned rdlen)
{
    struct mxctx *c = vc;
    char name[NS_MAXDNAME];
    if (rdlen < 3) return 0;
    if (dn_expand(ans, ans + len, rd + 2, name, sizeof name) < 0) return RDNS_SOFT;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        struct mx *x = realloc(c->v, nc * sizeof *x);
        if (!x) return RDNS_MEM;
        c->v = x;
        c->cap = nc;
    }
    c->v[c->n].name = strdup(name);
    if (!c->v[c->n].name) return RDNS_MEM;
    c->v[c->n].pref = get16(rd);
    c->n++;
    return 0;
}

int rdns_mxip(rmxlist *l, const char *host, unsigned long random)
{
    unsigned char *ans;
    struct in_addr ip;
    struct mxctx c = { NULL, 0, 0 };
    size_t hl = strlen(host);
    int n, r, flagsoft = 0;

    if (hl && (ipme_scan(host, hl, 0, &ip) || ipme_scan(host, hl, 1, &ip)))
        return add(l, ip, 0) < 0 ? RDNS_MEM : RDNS_OK;
    if (!hl) return RDNS_HARD;
    ans = malloc(ANSWER_MAX);
    if (!ans) return RDNS_MEM;
    n = query(host, T_MX, ans);
    if (n == RDNS_HARD) {
        free(ans);
        return rdns_ip(l, host, 0);
    }
    if (n < 0) {
        free(ans);
        return n;
    }
    r = walk(ans, n, T_MX, mx_rr, &c);
    free(ans);
    if (r < 0) {
        for (size_t i = 0; i < c.n; i++) free(c.v[i].name);
        free(c.v);
        return r;
    }
    if (!c.n) {
        free(c.v);
        return rdns_ip(l, host, 0);    /* e.g. a CNAME to an A record */
    }
    /* lowest preference first; among equals a pseudo-random pick */
    while (c.n > 0) {
        size_t i = 0;
        unsigned long numsame = 1;
        for (size_t j = 1; j < c.n; j++) {
            if (c.v[j].pref < c.v[i].pref) {
                i = j;
                numsame = 1;
            } else if (c.v[j].pref == c.v[i].pref) {
                ++numsame;
                random = (random * 69069 + 1) & 0xffffffffUL;
                if ((random / 2) < (2147483647UL / numsame)) i = j;
            }
        }
        /* a null MX (".") has no address */
        if (c.v[i].name[0]) {
            r = rdns_ip(l, c.v[i].name, c.v[i].pref);
            if (r == RDNS_MEM || r == RDNS_SOFT) flagsoft = 1;
        }
        free(c.v[i].name);
        c.v[i] = c.v[--c.n];
    }
    free(c.v);
    return flagsoft ? RDNS_SOFTSOME : RDNS_OK;
}
