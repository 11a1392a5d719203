/*
 * cookie: keyed tokens (HMAC-SHA256) for confirmation addresses, and random
 * bytes.
 *
 * cookie_make() computes HMAC-SHA256(key, encode(parts)), where every part
 * is encoded as its length (8 bytes, big-endian) followed by its bytes, so
 * that no two different part lists give the same input ("ab","c" differs
 * from "a","bc" and from "abc").  The first `len` characters of the MAC
 * written in the alphabet a-z2-7 (5 bits per character, lower case, safe in
 * an address local part) form the token; len is 1..COOKIE_MAXLEN (51).  A
 * 20-character token carries 100 bits.  cookie_verify() recomputes and
 * compares in constant time; the token is matched ASCII case-insensitively
 * because mail software sometimes changes the case of a local part.
 *
 * As with any HMAC, keys that differ only in trailing NUL bytes (up to 64
 * bytes) are the same key: use fixed-length random keys (cookie_random).
 *
 * These are not the SURF-based cookies of ezmlm-idx (a deliberate
 * difference: see the README); they are used the same way.
 *
 * Functions return 0 / -1 with errno (EINVAL for bad lengths, EIO when
 * libcrypto fails), except cookie_verify (1 valid, 0 invalid, -1 error).
 */
#ifndef SUITE_COOKIE_H
#define SUITE_COOKIE_H

#include <stddef.h>

#define COOKIE_HMACLEN 32
#define COOKIE_MAXLEN 51      /* 256 bits / 5 bits per character */

struct cookie_part {
    const void *p;            /* may be NULL when len is 0 */
    size_t len;
};

/* out = HMAC-SHA256(key, data).  Empty keys and data are allowed. */
int cookie_hmac(unsigned char out[COOKIE_HMACLEN], const void *key, size_t keylen,
                const void *data, size_t datalen);
/* HMAC-SHA256 over the length-prefixed encoding of parts[0..nparts). */
int cookie_hmac_parts(unsigned char out[COOKIE_HMACLEN], const void *key, size_t keylen,
                      const struct cookie_part *parts, size_t nparts);
/* Writes a len-character token and a NUL to out (room for len + 1 bytes). */
int cookie_make(char *out, size_t len, const void *key, size_t keylen,
                const struct cookie_part *parts, size_t nparts);
/* 1 if token (toklen bytes) is the valid len-character token, 0 if not. */
int cookie_verify(const char *token, size_t toklen, size_t len, const void *key, size_t keylen,
                  const struct cookie_part *parts, size_t nparts);
/* n cryptographically strong random bytes. */
int cookie_random(void *buf, size_t n);

#endif
