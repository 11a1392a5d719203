/*
 * sub: the subscriber store interface of the list tools.
 *
 * A list keeps its subscribers in a store: the main list and its sub-dbs
 * ("digest", "allow", "deny", "mod", or any single-level name inside the
 * list directory).  Every program reaches a store through the functions
 * below; a store implementation is one `struct sub_ops` (a small vtable),
 * so a new store (MySQL) plugs in by adding one line to the registry in
 * sub.c, without touching any program.
 *
 * Store selection (ezmlm-idx 7.2, digest section 4): DIR/subdb exists ->
 * its first line "plugin:host:port:user:password:db:table" names the store
 * by its first field; else DIR/sql exists -> the legacy "sql" store with
 * that line ("host:port:user:password:db:table"; db->spec is then that
 * line with "sql:" in front, so a store always sees "plugin:..."); else
 * "std", the hashed files of ezmlm.  "mysql" is the MySQL/MariaDB store
 * (list/sub/mysql.c) and "sql" an alias for it; "pgsql", "sqlite3" and any
 * other name without an implementation in this build fail sub_open() with
 * ENOTSUP, which sub_strerror() reports as "subscriber store <name> is not
 * available" and which is a temporary error (the mail is retried once the
 * store exists).
 *
 * Addresses (all stores).  An address is a byte string; it must contain
 * '@' (the LAST '@' splits local part and domain), must not contain NUL,
 * CR or LF, and must be at most SUB_ADDR_MAX bytes.  add/remove refuse
 * anything else (EINVAL: no '@' or a bad byte; ENAMETOOLONG: too long),
 * both permanent errors (sub_error_is_perm()).  The domain is lowercased
 * (ASCII) before storage and lookup; the local part is kept exactly as
 * given (quotes, '%', '_', shell metacharacters are plain bytes here).
 * issub() answers 0 (not subscribed) for an address that could never be
 * stored.  issub first looks up the address and, when it is not there,
 * the wildcard entry "@domain", so an entry "@example.org" matches every
 * address at example.org; it hands back the spelling that is stored (used
 * to address moderators).
 *
 * Logging.  sub_add() and sub_remove() return SUB_CHANGED or SUB_UNCHANGED
 * and, when they changed something, append one line to the sub-db's Log
 * through the store's log operation: "+TAG"/"-TAG" as the event ("+"/"-"
 * for an empty or NULL tag), e.g. tag "manual" for ezmlm-sub, "mod" for a
 * remote administrator, "probe" for ezmlm-return.  The std Log line is
 * "UNIXTIME EVENT ADDRESS[ COMMENT]\n" (sub_log_std()).
 *
 * Iteration streams: the callback sees one address at a time (addr[len]
 * is a NUL; the pointer is valid only during the call), and memory stays
 * bounded whatever the list size.  Hash ranges (ezmlm-send -s lo_hi) select
 * the std files "@"+lo .. "@"+hi; SUB_HASH_ALL covers everything.
 *
 * Every function returns as documented, or -1 with errno set; no function
 * exits or prints.  A sub_db is used by one process at a time.
 */
#ifndef LIST_SUB_H
#define LIST_SUB_H

#include <errno.h>
#include <stddef.h>
#include <time.h>

#include "str.h"

#define SUB_ADDR_MAX 400       /* longest address accepted, in bytes */
#define SUB_HASHES 53          /* hash values 0 .. 52, std files '@' .. 't' */
#define SUB_HASH_LO 0
#define SUB_HASH_HI 52
#define SUB_NOHASH (-1)        /* forcehash argument: compute the hash */

enum sub_result { SUB_ERR = -1, SUB_UNCHANGED = 0, SUB_CHANGED = 1 };

typedef struct sub_db sub_db;
struct sub_bulk;

/* Iteration callback: return 0 to go on, non-zero to stop (sub_iterate()
 * then returns that value; return -1 with errno set for an error). */
typedef int (*sub_each_fn)(void *ctx, const char *addr, size_t len);
/* Log search callback: one Log line (without its newline) and its time. */
typedef int (*sub_logline_fn)(void *ctx, time_t when, const char *line, size_t len);

/*
 * Bulk import (ezmlm-subimport, ezmlm-subexport): the caller fills next,
 * ctx and (optionally) reject; sub_bulk_add() fills the counters.  next()
 * returns 1 with the next address in *addr and *len (valid until the next
 * call), 0 at the end, -1 on error (errno set).  reject() is told about
 * every address that cannot be stored (e: EINVAL, ENAMETOOLONG).
 */
struct sub_bulk {
    int (*next)(void *ctx, const char **addr, size_t *len);
    void (*reject)(void *ctx, const char *addr, size_t len, int e);
    void *ctx;
    unsigned long seen;   /* addresses read */
    unsigned long added;  /* newly subscribed */
    unsigned long bad;    /* refused */
};

struct sub_ops {
    const char *name;                                   /* "std", "mysql", ... */
    /* Prepares db (db->dir, subdir, subdb, spec are set); 0 or -1. */
    int (*open)(sub_db *db);
    /* 1 and *stored (replaced) when the address (domain already lowercased,
     * valid) is present, 0 when not, -1 on error.  No wildcard rule here:
     * sub_issub() applies it. */
    int (*issub)(sub_db *db, const char *addr, size_t len, str *stored);
    /* SUB_CHANGED / SUB_UNCHANGED / -1.  forcehash: SUB_NOHASH or 0..99 */
    int (*add)(sub_db *db, const char *addr, size_t len, int forcehash);
    int (*remove)(sub_db *db, const char *addr, size_t len, int forcehash);
    /* Addresses whose hash is in lo..hi, in storage order. */
    int (*iterate)(sub_db *db, unsigned lo, unsigned hi, sub_each_fn fn, void *ctx);
    /* Appends one subscription log record (event "+", "-manual", ...). */
    int (*log)(sub_db *db, const char *event, const char *addr, size_t len, const char *comment,
               size_t clen);
    /* Log records, oldest first; search NULL or "" = all, else only those
     * containing it (ezmlm-manage -log rules: see sub_log_matches()). */
    int (*searchlog)(sub_db *db, const char *search, sub_logline_fn fn, void *ctx);
    /* Creates the store's tables/directories for this sub-db (ezmlm-make). */
    int (*mktab)(sub_db *db);
    /* Removes them (ezmlm-rmtab). */
    int (*rmtab)(sub_db *db);
    /* Releases priv. */
    void (*close)(sub_db *db);
    /* ---- optional (NULL: not provided) ---- */
    /* add (add = 1) or remove, plus the log record for event (as log()),
     * as one atomic change: stores with transactions never leave the one
     * without the other.  Returns as add/remove.  sub_add()/sub_remove()
     * use it when present instead of add/remove followed by log. */
    int (*change)(sub_db *db, int add, const char *addr, size_t len, int forcehash,
                  const char *event, const char *comment, size_t clen);
    /* Bulk subscribe for sub_bulk_add(): b->next yields valid addresses
     * (domain lowercased); the store adds those not yet present, counts
     * them in b->added and may refuse one with sub_bulk_reject().  No log
     * records.  0 or -1. */
    int (*bulk_add)(sub_db *db, struct sub_bulk *b);
};

struct sub_db {
    const struct sub_ops *ops;
    str dir;      /* the list directory as given, without trailing '/' */
    str subdb;    /* the sub-db name; empty for the main list */
    str subdir;   /* directory of this sub-db: dir, or dir "/" subdb */
    str spec;     /* the store line (empty for std) */
    str plugin;   /* the store name */
    void *priv;   /* the store's own state */
};

/* ---- opening --------------------------------------------------------------- */

/* Opens the store of list directory dir for sub-db subdb (NULL, "" or "."
 * = main list; a single path component; an absolute path is accepted only
 * if it is dir itself or directly inside dir).  The store is chosen as
 * described above.  Errors: EINVAL (bad sub-db name), ENOTSUP (store not
 * available), ENOMEM, or the errors of reading DIR/subdb. */
int sub_open(sub_db **out, const char *dir, const char *subdb);
/* As sub_open() with an explicit store: spec NULL = the list's own choice,
 * "std" = the std store (ezmlm-sub -M), else a store line
 * "plugin:host:port:user:password:db:table" (ezmlm-sub -S). */
int sub_open_with(sub_db **out, const char *dir, const char *subdb, const char *spec);
/* Closes and frees db (NULL is fine). */
void sub_close(sub_db *db);
/* The store name of list dir ("std", "mysql", ...) into out. 0 or -1. */
int sub_store_name(const char *dir, str *out);

/* ---- operations ------------------------------------------------------------ */

/* 1 (subscribed; *stored, if not NULL, holds the stored spelling, which
 * is "@domain" for a wildcard match), 0 (not), -1 (error). */
int sub_issub(sub_db *db, const char *addr, size_t len, str *stored);
/* Subscribes addr.  tag: Log event tag (NULL/"" = plain "+"); comment:
 * Log comment (NULL = none).  forcehash: SUB_NOHASH, or 0..52 (std: the
 * file to use) / 0..99 (SQL: the stored hash).  Returns SUB_CHANGED,
 * SUB_UNCHANGED (already subscribed) or -1. */
int sub_add(sub_db *db, const char *addr, size_t len, const char *tag, const char *comment,
            int forcehash);
/* Unsubscribes addr; as sub_add() (SUB_UNCHANGED: was not subscribed). */
int sub_remove(sub_db *db, const char *addr, size_t len, const char *tag, const char *comment,
               int forcehash);
/* Calls fn for every subscriber with hash lo..hi (0..52).  Returns 0, the
 * callback's non-zero value, or -1. */
int sub_iterate(sub_db *db, unsigned lo, unsigned hi, sub_each_fn fn, void *ctx);
/* Every subscriber (all hashes) into all (replaced), each followed by a
 * NUL, and *ptrs (malloc'd, for the caller to free) pointing at them:
 * *n entries.  0 or -1.  For the few addresses of a moderator list. */
int sub_collect(sub_db *db, str *all, const char ***ptrs, size_t *n);
/* Number of subscribers (std: counts entries, streaming). */
int sub_count(sub_db *db, unsigned long *n);
/* Appends a Log record (as add/remove do). */
int sub_log(sub_db *db, const char *event, const char *addr, size_t len, const char *comment);
/* Log search (ezmlm-manage -log). */
int sub_searchlog(sub_db *db, const char *search, sub_logline_fn fn, void *ctx);
/* Creates / removes the store (ezmlm-make, ezmlm-rmtab). */
int sub_mktab(sub_db *db);
int sub_rmtab(sub_db *db);
/* Subscribes every address b->next yields that is not yet subscribed, in
 * as few store transactions as the store allows, without log records
 * (moving a list is not a subscription event).  Idempotent: a second run
 * adds nothing.  Invalid addresses are counted in b->bad, reported to
 * b->reject and skipped.  0, or -1 with errno (the counters tell how far
 * it got; what was added stays). */
int sub_bulk_add(sub_db *db, struct sub_bulk *b);
/* For stores' bulk_add: counts addr as refused and tells the caller. */
void sub_bulk_reject(struct sub_bulk *b, const char *addr, size_t len, int e);

/* ---- errors --------------------------------------------------------------- */

/* 1 if errno value e means the request itself is bad (exit 100): EINVAL,
 * ENAMETOOLONG; 0 for temporary errors (exit 111). */
int sub_error_is_perm(int e);
/* A text for e as the list tools report it ("address is too long", "address
 * has no @", "subscriber store ... is not available", else strerror(e)). */
const char *sub_strerror(const sub_db *db, int e);
/* Checks an address for add/remove: 0, or -1 with EINVAL/ENAMETOOLONG. */
int sub_addr_check(const char *addr, size_t len);
/*
 * Store failures that have their own text (a database server that is down,
 * refuses the login, lost the connection, timed out on a lock; a missing
 * table): the store calls sub_store_error(), which keeps the text (naming
 * the server) and sets errno to SUB_ESTORE; sub_strerror(db, SUB_ESTORE)
 * returns that text.  Always a temporary error.  The text is per process
 * (the last failure).
 */
#define SUB_ESTORE EREMOTEIO
void sub_store_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- hashes (ezmlm-idx 7.2 on amd64) ---------------------------------------- */

/* ezmlm's subhash of s[0..len): h = 5381; h = (h * 33) ^ (signed char)b in
 * 64-bit unsigned arithmetic; result h % 53. */
unsigned sub_hash64(const char *s, size_t len);
/* The same recurrence as 32-bit builds and ezmlm-0.53 compute it (32-bit
 * unsigned arithmetic, unsigned bytes), % 53. */
unsigned sub_hash32(const char *s, size_t len);
/* The hash of an address as SQL stores and ezmlm-split use it: sub_hash64
 * of the address with both parts lowercased, without the 'T' prefix. */
unsigned sub_hash_addr(const char *addr, size_t len);
/* The std bucket (file index 0..52) where ezmlm-idx 7.2/amd64 files addr:
 * sub_hash64 of 'T' + the fully lowercased address. */
unsigned sub_std_bucket(const char *addr, size_t len);

/* ---- helpers for stores ----------------------------------------------------- */

/* Appends the std Log line for (event, addr, comment) to subdir/Log
 * (created 0600, O_APPEND, one write): "UNIXTIME EVENT ADDRESS[ COMMENT]\n",
 * address bytes outside 33..126 as '?', comment TAB as space and bytes
 * outside 32..126 as '?'.  now = 0 means the current time. */
int sub_log_std(const char *subdir, time_t now, const char *event, const char *addr, size_t len,
                const char *comment, size_t clen);
/* 1 if Log line l[0..len) matches search as ezmlm-manage -log does
 * (case-insensitive substring; in search every byte other than a-z, 0-9,
 * '.', '_' counts as '_', and '_' matches any byte). */
int sub_log_matches(const char *l, size_t len, const char *search);

#endif
