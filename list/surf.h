/*
 * surf: ezmlm's unkeyed hashes, bit-exact, for the file names and index
 * fields other ezmlm-idx installations already have on disk.
 *
 * ezmlm-idx builds its hashes on Bernstein's SURF block function used as a
 * hash ("SURF-PCS": input in 32-byte little-endian blocks with a 128-bit
 * block counter, block outputs summed, then one more SURF over the sums).
 * The suite uses HMAC-SHA256 (lib/cookie) for everything secret; SURF is
 * kept only where compatibility with existing list directories needs the
 * same bytes:
 *   - surf_makehash(): the 20-letter subject/author hashes of
 *     archive/N/index (case folded, spaces and tabs skipped);
 *   - surf_cookie() with an empty key: the names of the bounce bookkeeping
 *     files bounce/h/X/hY... (ezmlm's cookie("", "", address, "")).
 * Results are 20 letters 'a'..'p' (4 bits each) and a NUL.
 */
#ifndef LIST_SURF_H
#define LIST_SURF_H

#include <stddef.h>
#include <stdint.h>

#define SURF_HASHLEN 20

/* The 32-byte SURF-PCS digest of in[0..len) with a 32-word seed. */
void surf_pcs(unsigned char out[32], const uint32_t seed[32], const void *in, size_t len);
/* ezmlm's cookie(key, date, addr, action): 20 letters + NUL into out.
 * date and addr are C strings (NULL = ""); action contributes its first
 * byte (a NUL for an empty action). */
void surf_cookie(char out[SURF_HASHLEN + 1], const void *key, size_t keylen, const char *date,
                 const char *addr, const char *action);
/* ezmlm's makehash(): 20 letters + NUL. */
void surf_makehash(char out[SURF_HASHLEN + 1], const char *s, size_t len);

#endif
