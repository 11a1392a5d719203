/*
 * bounce: a list's bounce bookkeeping, in WORK/bounce where WORK is the
 * list directory or its digest/ directory (ezmlm(5)):
 *
 *   bounce/d/D/dF.P[.K]  the first bounce of a subscriber since the last
 *                        warning: the address, a NUL, "Return-Path: <...>",
 *                        then the bounce message (its first BOUNCE_KEEP
 *                        bytes); D = time / 10000, F = time % 10000,
 *                        P = pid, K numbers the addresses of one pre-VERP
 *                        bounce
 *   bounce/d/D/wF.P      a bounced warning, same content; a probe follows
 *   bounce/h/X/hY...     the numbers of the messages that bounced, one
 *                        "   N" line each; XY... is ezmlm's unkeyed hash of
 *                        the address (surf_cookie("", "", addr, ""))
 *   bounce/lastd, lasth  ezmlm-warn's bookkeeping
 *   lockbounce           the lock held while any of this changes
 *
 * Files are written under a temporary name (hash files as HY..., as ezmlm
 * does) and renamed.  Hash files are fsync()ed first; the copies in d/
 * are not, and the directories are not synced: a crash can lose at most
 * the last bounce counted or leave a short copy (which ezmlm-warn
 * discards).  Bounces arrive by the thousand; none of this is mail.
 * Functions return 0 / -1 with errno.
 */
#ifndef LIST_BOUNCE_H
#define LIST_BOUNCE_H

#include <stddef.h>
#include <time.h>

#include "msgin.h"
#include "str.h"

#define BOUNCE_KEEP (256u * 1024)   /* bytes of a bounce kept for the warning */

/* Opens and locks work/lockbounce: the descriptor, or -1. */
int bounce_lock(const char *work);
/* out = work/bounce/h/X/hY... for addr (replaced). */
int bounce_hashpath(str *out, const char *work, const char *addr);
/* A bounce of message msgnum for subscriber addr: the d file (unless one
 * exists since the last warning, i.e. the hash file exists) and one more
 * line in the hash file.  The stored message is head[0..hlen) followed by
 * what is left of rest (may be NULL). */
int bounce_dist(const char *work, const char *addr, unsigned long msgnum, time_t when,
                unsigned addrno, const char *sender, const char *head, size_t hlen, msgin *rest);
/* A bounced warning for addr: the w file. */
int bounce_warn(const char *work, const char *addr, time_t when, const char *sender,
                const char *head, size_t hlen, msgin *rest);

#endif
