/*
 * arstate: the rate-limit state of the autoresponders (qmail-autoresponder,
 * vacation): which senders were answered, and when.
 *
 * The state is a directory holding one empty file per response sent, named
 * TIME.PID.KEY, the format of qmail-autoresponder 2.0: TIME the response's
 * Unix time in decimal, PID the responder's process id, KEY the envelope
 * sender with every '/' turned into ':'.  A sender too long for a file name
 * (a KEY over ARSTATE_KEY_MAX bytes) gets the KEY "sha256=" followed by the
 * hex SHA-256 of the lower-cased sender, which cannot be mistaken for an
 * address because it has no '@'.  Names starting with '.' and names of
 * another shape are not entries and are left alone; the directory also
 * holds ".lock" (the lock below) and may hold "log.txt" (arstate_log).
 * KEYs compare ASCII case-insensitively, as qmail-autoresponder does.
 *
 * Concurrency and crashes.  arstate_open() takes an exclusive flock() on
 * DIR/.lock, so two deliveries for the same user are serialised from the
 * scan to the commit; the kernel drops the lock when a holder dies.  An
 * entry is created with O_CREAT|O_EXCL in one step (it has no contents to
 * be half-written) and the directory is fsync()ed after every change, so
 * after a crash an entry either exists completely or not at all.  Callers
 * record the entry BEFORE queueing the response and arstate_forget() it if
 * queueing fails: a crash in between costs at most one response, never a
 * second one.
 *
 * Size.  arstate_scan() unlinks entries whose interval has passed and, with
 * a cap, the oldest entries (by TIME, then name) beyond it, so a busy
 * mailbox keeps at most `maxentries` entries.
 *
 * Functions return 0 or -1 with errno set; no function prints or exits.
 */
#ifndef SUITE_ARSTATE_H
#define SUITE_ARSTATE_H

#include <stddef.h>
#include <time.h>

#include "str.h"

#define ARSTATE_FOREVER ((unsigned long)-1)  /* an interval that never ends */
#define ARSTATE_KEY_MAX 200                  /* longer keys are hashed */

typedef struct arstate {
    int dirfd;   /* the directory, -1 when closed */
    int lockfd;  /* DIR/.lock, locked */
} arstate;

/* Opens dir (creating it with mode 0700 first if create is set and it is
 * missing) and locks it, waiting at most timeout_seconds (< 0: no limit)
 * for another holder; ETIMEDOUT when that runs out.  Errors of open, mkdir
 * and of creating DIR/.lock (EACCES, EROFS, ENOTDIR, ...) are passed on. */
int arstate_open(arstate *st, const char *dir, int create, int timeout_seconds);
/* Unlocks and closes; safe on a closed arstate. */
void arstate_close(arstate *st);

/* Appends the KEY for sender. */
int arstate_key(str *out, const char *sender);
/* 1 if name[0..len) is an entry name, with *t, *pid and the KEY (a span of
 * name) filled in; 0 otherwise. */
int arstate_parse(const char *name, size_t len, unsigned long *t, unsigned long *pid,
                  const char **key, size_t *keylen);

typedef struct arstate_counts {
    unsigned long matches;  /* live entries for the sender */
    unsigned long entries;  /* live entries in all, after the clean-up */
    unsigned long expired;  /* entries removed because their interval passed */
    unsigned long evicted;  /* entries removed because of the cap */
} arstate_counts;

/* Scans the directory: entries with TIME + interval <= now are removed
 * (unless nodelete); then, if maxentries > 0 and at least maxentries live
 * entries remain, the oldest are removed until maxentries - 1 remain
 * (room for the entry about to be recorded; also skipped with nodelete).
 * Counts the live entries for sender (NULL: none) into c. */
int arstate_scan(arstate *st, const char *sender, time_t now, unsigned long interval,
                 unsigned long maxentries, int nodelete, arstate_counts *c);
/* Creates the entry for sender at time now and pid; its name is put in
 * name (replaced).  EEXIST if that very name exists. */
int arstate_record(arstate *st, const char *sender, time_t now, unsigned long pid, str *name);
/* Removes the entry name (as given by arstate_record). */
int arstate_forget(arstate *st, const char *name);
/* Appends "TIME +SENDER" (sent) or "TIME -SENDER" (not sent) to DIR/log.txt
 * if that file exists and can be written (else does nothing and returns
 * 0); the sender passes through lib/log's filter. */
int arstate_log(arstate *st, time_t now, int sent, const char *sender);
/* Removes every entry (vacation -i). */
int arstate_clear(arstate *st);

typedef struct arstate_entry {
    unsigned long t;
    str key;
} arstate_entry;
/* The entries, sorted by time then key, into *v (n of them; free with
 * arstate_entries_free). */
int arstate_list(arstate *st, arstate_entry **v, size_t *n);
void arstate_entries_free(arstate_entry *v, size_t n);

#endif
