/* surf: SURF-PCS and ezmlm's hashes built on it.  See surf.h. */
#include "surf.h"

#include <string.h>

static uint32_t rotl(uint32_t x, int b) { return (x << b) | (x >> (32 - b)); }

/* one SURF block: out[8] from in[12] and seed[32] */
static void surf_block(uint32_t out[8], const uint32_t in[12], const uint32_t seed[32])
{
    static const int rot[4] = { 5, 7, 9, 13 };
    uint32_t t[12], x, sum = 0;
    int i, pass, round;
    for (i = 0; i < 12; i++) t[i] = in[i] ^ seed[12 + i];
    for (i = 0; i < 8; i++) out[i] = seed[24 + i];
    x = t[11];
    for (pass = 0; pass < 2; pass++) {
        for (round = 0; round < 16; round++) {
            sum += 0x9e3779b9u;
            for (i = 0; i < 12; i++) {
                t[i] += ((x ^ seed[i]) + sum) ^ rotl(x, rot[i & 3]);
                x = t[i];
            }
        }
        for (i = 0; i < 8; i++) out[i] ^= t[i + 4];
    }
}

typedef struct pcs {
    const uint32_t *seed;
    uint32_t sum[8];
    uint32_t out[8];
    uint32_t in[12];
    unsigned todo;   /* bytes collected in the current block */
} pcs;

static void pcs_init(pcs *s, const uint32_t seed[32])
{
    memset(s, 0, sizeof *s);
    s->seed = seed;
}

static void pcs_add(pcs *s, const unsigned char *x, size_t n)
{
    while (n--) {
        unsigned w = s->todo >> 2, sh = (s->todo & 3) * 8;
        s->in[w] = (s->in[w] & ~((uint32_t)0xff << sh)) | ((uint32_t)*x++ << sh);
        if (++s->todo == 32) {
            int i;
            s->todo = 0;
            if (!++s->in[8] && !++s->in[9] && !++s->in[10]) ++s->in[11];
            surf_block(s->out, s->in, s->seed);
            for (i = 0; i < 8; i++) s->sum[i] += s->out[i];
        }
    }
}

static void pcs_out(pcs *s, unsigned char h[32])
{
    static const unsigned char dot = '.', nul = 0;
    int i;
    pcs_add(s, &dot, 1);
    while (s->todo) pcs_add(s, &nul, 1);
    for (i = 0; i < 8; i++) s->in[i] = s->sum[i];
    for (; i < 12; i++) s->in[i] = 0;
    surf_block(s->out, s->in, s->seed);
    for (i = 0; i < 32; i++) h[i] = (unsigned char)(s->out[i >> 2] >> ((i & 3) * 8));
}

void surf_pcs(unsigned char out[32], const uint32_t seed[32], const void *in, size_t len)
{
    pcs s;
    pcs_init(&s, seed);
    pcs_add(&s, in, len);
    pcs_out(&s, out);
}

static void letters(char out[SURF_HASHLEN + 1], const unsigned char h[32])
{
    int i;
    for (i = 0; i < SURF_HASHLEN; i++) out[i] = (char)('a' + (h[i] & 15));
    out[SURF_HASHLEN] = 0;
}

void surf_cookie(char out[SURF_HASHLEN + 1], const void *key, size_t keylen, const char *date,
                 const char *addr, const char *action)
{
    uint32_t seed[32];
    unsigned char h[32];
    pcs s;
    int i, j;
    if (!date) date = "";
    if (!addr) addr = "";
    if (!action) action = "";
    memset(seed, 0, sizeof seed);
    for (j = 0; j < 4; j++) {
        surf_pcs(h, seed, key, keylen);
        for (i = 0; i < 32; i++) seed[i] = (seed[i] << 8) + h[i];
    }
    pcs_init(&s, seed);
    pcs_add(&s, (const unsigned char *)date, strlen(date) + 1);
    pcs_add(&s, (const unsigned char *)addr, strlen(addr) + 1);
    pcs_add(&s, (const unsigned char *)action, 1);
    pcs_out(&s, h);
    letters(out, h);
}

void surf_makehash(char out[SURF_HASHLEN + 1], const char *s, size_t len)
{
    static const uint32_t zero[32];
    unsigned char h[32];
    pcs p;
    size_t i;
    pcs_init(&p, zero);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t') continue;
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        pcs_add(&p, &c, 1);
    }
    pcs_out(&p, h);
    letters(out, h);
}
