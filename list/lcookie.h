/*
 * lcookie: the list's confirmation cookies and the addresses that carry
 * them (subscription confirmations of ezmlm-manage, warnings and probes of
 * ezmlm-warn).
 *
 * A cookie is 20 characters of HMAC-SHA256 (lib/cookie) keyed with the
 * list's DIR/key over the parts ("ezmlm-idx", sub-db name, decimal time,
 * the target address in lower case, action letter).  The sub-db name keeps
 * the cookies of LIST, LIST-digest, LIST-allow and LIST-deny apart (ezmlm
 * shortened the key instead); lower-casing the address lets a confirmation
 * survive mail software that changes the case of a local part.  These are
 * not ezmlm's SURF cookies: confirmations sent before a migration must be
 * requested again.
 *
 * The addresses have ezmlm's shapes, e.g. LIST-sc.TIME.COOKIE-box=dom@HOST
 * and LIST-return-warn-TIME.COOKIE-box=dom@HOST.  When the local part
 * would be longer than 64 characters (RFC 5321's limit, which many
 * receivers enforce) or would need quoting, the short form without the
 * "-box=dom" tail is used, and the target is kept in DIR/cookies/COOKIE
 * (mode 0600) so that the answer can be matched to it.  The file is only a
 * pointer: the cookie is still checked against the address it names.
 * Files older than LCOOKIE_KEEP seconds are removed whenever a new one is
 * written.
 *
 * Functions return 0 / -1 with errno unless documented otherwise.
 */
#ifndef LIST_LCOOKIE_H
#define LIST_LCOOKIE_H

#include <stddef.h>

#include "str.h"

#define LCOOKIE_LEN 20
#define LCOOKIE_LOCAL_MAX 64
#define LCOOKIE_KEEP 3100000UL   /* longer than any cookie's lifetime */

/* The cookie for (subdb, when, addr, action) into out (LCOOKIE_LEN + 1). */
int lcookie_make(char *out, const str *key, const char *subdb, unsigned long when,
                 const char *addr, size_t alen, char action);
/* 1 if tok is that cookie, 0 if not, -1 on error. */
int lcookie_check(const char *tok, size_t toklen, const str *key, const char *subdb,
                  unsigned long when, const char *addr, size_t alen, char action);

/* Appends addr with its last '@' written as '=' (box=dom). */
int lcookie_verp(str *out, const char *addr, size_t len);
/* Appends s with its last '=' written as '@' (the reverse). */
int lcookie_unverp(str *out, const char *s, size_t len);

/* out = the local part "head" "-" box=dom, or, when that is too long or
 * needs quoting, just "head" with addr recorded under cookie in
 * dir/cookies (see above).  head ends with the cookie. */
int lcookie_local(str *out, const char *dir, const char *head, const char *cookie,
                  const char *addr, size_t alen, unsigned long now);
/* The address recorded for cookie[0..len) into out (replaced): 1 found,
 * 0 not found (or not a cookie), -1 error. */
int lcookie_target(const char *dir, const char *cookie, size_t len, str *out);

#endif
