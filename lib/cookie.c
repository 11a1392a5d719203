/* cookie: HMAC-SHA256 tokens over libcrypto.  See cookie.h. */
#include "cookie.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

static const char cookie_alphabet[32] = "abcdefghijklmnopqrstuvwxyz234567";

/* A ready HMAC-SHA256 context keyed with key, or NULL (errno set). */
static EVP_MAC_CTX *cookie_start(const void *key, size_t keylen)
{
    static const unsigned char nokey[1] = { 0 };
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx = NULL;

    if (!key) {
        if (keylen) { errno = EINVAL; return NULL; }
        key = nokey;
    }
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac) ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);                     /* the context keeps its own reference */
    if (!ctx) { errno = ENOMEM; return NULL; }
    params[0] = OSSL_PARAM_construct_utf8_string("digest", digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(ctx, key, keylen, params)) {
        EVP_MAC_CTX_free(ctx);
        errno = EIO;
        return NULL;
    }
    return ctx;
}

static int cookie_update(EVP_MAC_CTX *ctx, const void *p, size_t len)
{
    if (!len) return 0;
    if (!p) { errno = EINVAL; return -1; }
    if (!EVP_MAC_update(ctx, p, len)) { errno = EIO; return -1; }
    return 0;
}

static int cookie_end(EVP_MAC_CTX *ctx, unsigned char out[COOKIE_HMACLEN])
{
    size_t outl = 0;
    int ok = EVP_MAC_final(ctx, out, &outl, COOKIE_HMACLEN) && outl == COOKIE_HMACLEN;
    EVP_MAC_CTX_free(ctx);
    if (!ok) { errno = EIO; return -1; }
    return 0;
}

int cookie_hmac(unsigned char out[COOKIE_HMACLEN], const void *key, size_t keylen,
                const void *data, size_t datalen)
{
    EVP_MAC_CTX *ctx = cookie_start(key, keylen);
    if (!ctx) return -1;
    if (cookie_update(ctx, data, datalen) < 0) { EVP_MAC_CTX_free(ctx); return -1; }
    return cookie_end(ctx, out);
}

int cookie_hmac_parts(unsigned char out[COOKIE_HMACLEN], const void *key, size_t keylen,
                      const struct cookie_part *parts, size_t nparts)
{
    EVP_MAC_CTX *ctx;
    if (nparts && !parts) { errno = EINVAL; return -1; }
    ctx = cookie_start(key, keylen);
    if (!ctx) return -1;
    for (size_t i = 0; i < nparts; i++) {
        unsigned char lenbuf[8];
        unsigned long long n = (unsigned long long)parts[i].len;
        for (int j = 7; j >= 0; j--) { lenbuf[j] = (unsigned char)(n & 255); n >>= 8; }
        if (cookie_update(ctx, lenbuf, sizeof lenbuf) < 0 ||
            cookie_update(ctx, parts[i].p, parts[i].len) < 0) {
            EVP_MAC_CTX_free(ctx);
            return -1;
        }
    }
    return cookie_end(ctx, out);
}

/* Renders the first len 5-bit groups of mac (big-endian bit order). */
static void cookie_render(char *out, size_t len, const unsigned char mac[COOKIE_HMACLEN])
{
    for (size_t i = 0; i < len; i++) {
        size_t bit = i * 5, byte = bit / 8, shift = bit % 8;
        unsigned v = (unsigned)mac[byte] << 8;
        if (byte + 1 < COOKIE_HMACLEN) v |= mac[byte + 1];
        out[i] = cookie_alphabet[(v >> (11 - shift)) & 31];
    }
    out[len] = 0;
}

int cookie_make(char *out, size_t len, const void *key, size_t keylen,
                const struct cookie_part *parts, size_t nparts)
{
    unsigned char mac[COOKIE_HMACLEN];
    if (!out || len < 1 || len > COOKIE_MAXLEN) { errno = EINVAL; return -1; }
    if (cookie_hmac_parts(mac, key, keylen, parts, nparts) < 0) return -1;
    cookie_render(out, len, mac);
    OPENSSL_cleanse(mac, sizeof mac);
    return 0;
}

int cookie_verify(const char *token, size_t toklen, size_t len, const void *key, size_t keylen,
                  const struct cookie_part *parts, size_t nparts)
{
    char want[COOKIE_MAXLEN + 1], got[COOKIE_MAXLEN + 1];
    int ok;

    if (len < 1 || len > COOKIE_MAXLEN) { errno = EINVAL; return -1; }
    if (cookie_make(want, len, key, keylen, parts, nparts) < 0) return -1;
    if (!token || toklen != len) { OPENSSL_cleanse(want, sizeof want); return 0; }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)token[i];
        /* branch-free ASCII fold to lower case */
        unsigned upper = (unsigned)((c - 'A') & 0xff) < 26u;
        got[i] = (char)(c | (upper << 5));
    }
    ok = CRYPTO_memcmp(want, got, len) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return ok;
}

int cookie_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    if (n && !p) { errno = EINVAL; return -1; }
    while (n) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1) { errno = EIO; return -1; }
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}
