/*
 * quota: Maildir++ quotas -- the "maildirsize" file that maildrop,
 * deliverquota, Courier-IMAP and Dovecot keep in the top directory of a
 * Maildir++ (see maildirquota(7)).
 *
 * The file.  Line 1 is the quota definition, a comma list of "<n>S" (bytes)
 * and "<n>C" (messages), e.g. "10000000S,1000C"; 0 or absent means no limit
 * of that kind.  Every further line holds two integers, a byte delta and a
 * message delta, which add up to the current usage; a delivery appends
 * "%12s %12s\n" (26 bytes, e.g. "        1234            1\n"), a deletion
 * negative numbers.  A recalculation rewrites the file as the definition
 * plus one line with the totals.
 *
 * Reading is tolerant and bounded: at most QUOTA_FILE_MAX bytes are read;
 * a line that is not two integers is ignored (but counted as a line); a
 * number that does not fit in int64_t, totals that overflow or come out
 * negative, a NUL byte, or a file of QUOTA_FILE_MAX bytes or more force a
 * recalculation.  A last line without a newline still counts.  Garbage in
 * the definition line is skipped ("-5S" reads as 5S, "xyz" as no limit;
 * a number too big saturates at INT64_MAX).
 *
 * When usage is recalculated (from scratch): the maildirsize file is
 * missing but a quota is imposed (MAILDIRQUOTA), the file is too big, its
 * numbers are broken (above), the imposed quota differs from the file's,
 * or the usage says "over quota" and the file either has more than one
 * size line or is at least QUOTA_RECALC_AGE seconds old.  Counting covers
 * new/ and cur/ of the Maildir and of every folder ".<name>" except .Trash
 * and symbolic links; names starting with '.' and messages marked deleted
 * (":2,<flags>" with a 'T') are not counted; a message's size is the
 * ",S=<n>" of its name (before any ':'), else stat().  The new file is
 * written in tmp/, fsync()ed and renamed over maildirsize.  If new/ or cur/
 * of any counted directory changed meanwhile (a concurrent delivery), the
 * check fails with EAGAIN; quota_start() retries up to 5 times and then
 * lets the delivery through, as the originals do (no locking: the quota is
 * approximate by design).
 *
 * Folders.  A directory holding a "maildirfolder" file is a Maildir++
 * folder: its quota is that of its parent ("<folder>/..").
 *
 * No quota applies (every check passes, nothing is written) when there is
 * no maildirsize file (or it cannot be opened) and none is imposed.
 *
 * Delivery protocol (what maildrop does for a Maildir target):
 *
 *     quota q = QUOTA_INIT;
 *     switch (quota_start(&q, dir, getenv("MAILDIRQUOTA"), size, time(0))) {
 *     case QUOTA_OVER: ... "maildir over quota", exit 75 (q is closed)
 *     case QUOTA_ERR:  ... temporary failure (q is closed)
 *     case QUOTA_OK:   deliver with ",S=<size>" in the name; on success
 *                      quota_end(&q, size) (appends "size 1"), else
 *                      quota_close(&q)
 *     }
 *     then, for -w N: quota_percent(dir, now, &pct); if pct >= N and
 *     quota_warn_due(dir, now) == 1, deliver the warning message into
 *     quota_topdir(dir) and quota_charge() its size.
 *
 * Functions return 0 / -1 with errno, or an enum quota_status, as
 * documented.  Nothing is printed; no global state.
 */
#ifndef SUITE_QUOTA_H
#define SUITE_QUOTA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "str.h"

#define QUOTA_FILE_MAX 5120         /* a maildirsize this big is recalculated */
#define QUOTA_RECALC_AGE (15 * 60)  /* seconds: an over-quota file this old is checked */
#define QUOTA_WARN_INTERVAL 86400   /* seconds between two quota warnings */

typedef struct quota_limit {
    int64_t bytes;   /* "S": 0 = no limit */
    int64_t count;   /* "C": 0 = no limit */
} quota_limit;

/* Parses a quota definition s[0..len) (see above).  Never fails. */
void quota_parse_limit(const char *s, size_t len, quota_limit *q);
/* Appends the definition: "<bytes>S" and/or "<count>C" (only the non-zero
 * limits, S first, joined by ','); both zero appends nothing. */
int quota_format_limit(str *out, const quota_limit *q);
/* Appends one size line "%12lld %12lld\n". */
int quota_format_line(str *out, int64_t bytes, int64_t count);

/* The size a Maildir++ writer put in a message's file name: the digits of
 * the last ",S=" before the first ':' of the last path component.  Returns
 * 1 and sets *size, or 0 when there is none (or the number overflows). */
int quota_name_size(const char *name, size_t len, uint64_t *size);
/* 0 if the message file name is marked deleted (":2," flags with 'T'),
 * else 1. */
int quota_name_counts(const char *name, size_t len);

/* out = the directory whose quota applies to maildir: maildir itself, or
 * "<maildir>/.." when it holds a maildirfolder file.  (Replaces out.) */
int quota_topdir(str *out, const char *maildir);

typedef struct quota {
    int active;            /* a quota applies */
    int fd;                /* maildirsize, O_RDWR|O_APPEND (-1: none yet) */
    str dir;               /* the top directory (quota_topdir) */
    str path;              /* dir + "/maildirsize" */
    quota_limit limit;
    int64_t bytes;         /* usage from the file (or the recalculation) */
    int64_t count;
    unsigned long lines;   /* size lines in the file */
    int recalc;            /* a recalculation is needed */
    struct timespec mtime; /* of the file when read */
} quota;

#define QUOTA_INIT { 0, -1, STR_INIT, STR_INIT, { 0, 0 }, 0, 0, 0, 0, { 0, 0 } }

enum quota_status {
    QUOTA_ERR = -1,   /* errno set (EAGAIN: a concurrent change, try again) */
    QUOTA_OK = 0,
    QUOTA_OVER = 1    /* usage + the addition exceeds a limit */
};

/* Opens the quota of maildir (folders resolved).  impose (NULL or "": none)
 * is a definition imposed from outside (MAILDIRQUOTA): if it sets a limit
 * and the file is missing or says something else, it replaces the file's
 * definition and forces a recalculation.  Returns 0 (q->active tells if a
 * quota applies) or -1 (ENOMEM, or a read error on maildirsize).  q must
 * be QUOTA_INIT or closed. */
int quota_open(quota *q, const char *maildir, const char *impose);
/* Would usage + (bytes, count) fit?  Recalculates when needed (see above).
 * now is the current time (for the age rule).  *percent (may be NULL)
 * receives the usage after the addition in percent of the tighter limit
 * (100 when over, 0 without limits).  Returns QUOTA_OK, QUOTA_OVER or
 * QUOTA_ERR. */
int quota_check(quota *q, int64_t bytes, int64_t count, time_t now, int *percent);
/* Appends a size line (bytes, count) to maildirsize if a quota applies
 * and the file is open; 0 or -1. */
int quota_add(quota *q, int64_t bytes, int64_t count);
/* Releases q (safe on a closed or QUOTA_INIT q). */
void quota_close(quota *q);

/* Before a delivery of size bytes: quota_open + quota_check(size, 1),
 * retried up to 5 times on EAGAIN (then QUOTA_OK without quota).  On
 * QUOTA_OK q stays open for quota_end(); otherwise q is closed. */
int quota_start(quota *q, const char *maildir, const char *impose, int64_t size, time_t now);
/* After a successful delivery: quota_add(size, 1) and quota_close.  0/-1
 * (q is closed in both cases). */
int quota_end(quota *q, int64_t size);

/* Usage of maildir's quota in percent (0 without quota); recalculates when
 * needed.  0 or -1. */
int quota_percent(const char *maildir, time_t now, int *percent);
/* Recalculates maildir's usage now (if a quota applies).  0 or -1. */
int quota_recalculate(const char *maildir, time_t now);
/* Sets the definition of maildir's quota (maildirmake -q): writes a fresh
 * maildirsize with recalculated usage.  A definition without any limit is
 * EINVAL.  0 or -1. */
int quota_set(const char *maildir, const char *def, time_t now);
/* Charges (bytes, count) to maildir's quota whether or not it is over
 * (a quota warning, a message moved by a reader); negative values record
 * a removal.  0 or -1. */
int quota_charge(const char *maildir, int64_t bytes, int64_t count, time_t now);
/* Quota warnings are sent at most once per QUOTA_WARN_INTERVAL: returns 1
 * when the "quotawarn" file of maildir's top directory is missing or
 * older (it is then created or touched, and the caller sends the
 * warning), 0 when a warning was sent recently or the file cannot be
 * checked or written, -1 on ENOMEM. */
int quota_warn_due(const char *maildir, time_t now);

#endif
