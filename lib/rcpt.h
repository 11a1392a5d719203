/*
 * rcpt: where a recipient address is delivered -- the lookups qmail's
 * delivery path makes, in one place so that every program makes them the
 * same way: the recipient rewriting of qmail-send (envnoathost,
 * percenthack, locals, virtualdomains; used by qmail-todo), the users/cdb
 * lookup of qmail-lspawn, the .qmail file search of qmail-local (the
 * -default cascade), and their composition, rcpt_check(), which answers
 * qmail-smtpd's question at RCPT time: would a delivery to this address
 * find a mailbox, or bounce with "Sorry, no mailbox here by that name"?
 *
 * rcpt_check() follows a local address down the same path as a delivery:
 * rewriting, then users/cdb (exact key, then the wildcard prefixes), then
 * HOME/bin/qmail-getpw (run as the caller: it needs no privilege), then,
 * when the user record has a non-empty dash, the .qmail files of the user's
 * home.  It only says "unknown" when it is sure: a home or .qmail file it
 * is not allowed to look at counts as a mailbox (the delivery will decide),
 * and a lookup that fails temporarily says so.
 *
 * Functions return 0 / -1 with errno unless documented otherwise.
 */
#ifndef SUITE_RCPT_H
#define SUITE_RCPT_H

#include <stddef.h>

#include "cdbx.h"
#include "ctl.h"
#include "str.h"

/* ---- recipient rewriting (qmail-send(8)) ---------------------------------- */

typedef struct rcpt_rw {
    str envnoathost;      /* domain for addresses without '@' */
    ctl_set locals;
    ctl_set percenthack;
    ctl_map vdoms;        /* virtualdomains: key -> prepend */
} rcpt_rw;
#define RCPT_RW_INIT { STR_INIT, CTL_SET_INIT, CTL_SET_INIT, CTL_MAP_INIT }

/* Kinds of junk lines in virtualdomains, reported to the caller's junk()
 * callback (which may be NULL) and otherwise skipped. */
enum { RCPT_JUNK_NOCOLON = 1, RCPT_JUNK_EMPTYDOMAIN = 2 };

/* Reads the control files of home (NULL = ctl_home()) into rw, which is
 * overwritten (free it first if it held anything): locals (default: me;
 * both missing is an error), percenthack, envnoathost (default me, else
 * "envnoathost") and virtualdomains ("key:prepend"; lines without ':' and
 * keys ending in '@' are junk).  On failure rw is empty and *why says which
 * file could not be read. */
int rcpt_rw_read(rcpt_rw *rw, const char *home,
                 void (*junk)(void *ctx, int kind, const char *line, size_t len), void *ctx,
                 const char **why);
void rcpt_rw_free(rcpt_rw *rw);

enum { RCPT_LOCAL = 0, RCPT_REMOTE = 1 };
/* Rewrites rcpt[0..n) into out (replaced) as qmail-send does: "@envnoathost"
 * added when there is no '@'; percenthack applied; a domain in locals is
 * local as is; else virtualdomains, most specific key first (the whole
 * address, the domain, each ".suffix", the empty key), makes it local as
 * "prepend-address" unless the prepend is empty.  tmp is scratch space.
 * Returns RCPT_LOCAL, RCPT_REMOTE or -1 (ENOMEM). */
int rcpt_rewrite(const rcpt_rw *rw, const char *rcpt, size_t n, str *out, str *tmp);

/* ---- users/cdb (qmail-lspawn) ------------------------------------------------ */

/* Looks the local part up in an open users/cdb: the exact key "!local\0"
 * (lowercased), then "!" + each prefix of local ending in one of the
 * cdb's wildchars (the record under the empty key), longest first, down to
 * "!".  On a hit nughde receives "user\0uid\0gid\0home\0dash\0ext\0", the
 * ext of a wildcard record followed by the rest of local (case kept).
 * Returns 1 found, 0 not found, -1 error (ENOMEM; EPROTO for a corrupt
 * cdb or one without the wildchars record). */
int rcpt_users_cdb(cdbx *db, const char *local, str *nughde);

/* ---- .qmail files (qmail-local) ---------------------------------------------- */

/* out = ext lowercased (ASCII) with every '.' made ':' (qmail-local's
 * "safe" extension). */
int rcpt_safeext(str *out, const char *ext);
/* out = ".qmail" dash tail[0..tlen) suffix.  Returns 1 when the name is
 * usable: the part that comes from the address (after dash when dash
 * holds a '/', else the whole name) is one harmless path component and the
 * name fits in a path; 0 when it is not (out is then unspecified); -1
 * (ENOMEM). */
int rcpt_qmail_name(str *out, const char *dash, const char *tail, size_t tlen,
                    const char *suffix);
/* qmail-local's search for the .qmail file of dash and ext: ".qmail" dash
 * safeext, then for every '-' boundary of safeext from the longest,
 * ".qmail" dash prefix "default" (the last being ".qmail" dash "default").
 * For each usable name probe(ctx, name) is called: it returns 1 when the
 * file is there (the search stops), 0 to go on, -1 to stop with an error.
 * Returns 1 with the name in qme and *deflen set to the offset in ext at
 * which $DEFAULT starts (RCPT_NODEFAULT if the file is not a default
 * file), 0 if no file was found, -1 on a probe error or ENOMEM. */
#define RCPT_NODEFAULT ((size_t)-1)
int rcpt_dotqmail(const char *dash, const char *ext,
                  int (*probe)(void *ctx, const char *name), void *ctx,
                  str *qme, size_t *defoff);

/* ---- the recipient check (qmail-smtpd) ------------------------------------ */

enum rcpt_check_result {
    RCPT_CHECK_TEMP = -1,     /* a lookup failed temporarily; errno may tell */
    RCPT_CHECK_OK = 0,        /* remote, or local with a mailbox (or unsure) */
    RCPT_CHECK_UNKNOWN = 1    /* local and certainly without a mailbox */
};
/* Checks addr[0..len) (no NUL inside) against home (NULL = ctl_home()),
 * whose controls are in rw.  Runs home/bin/qmail-getpw when users/cdb has
 * no answer; SIGCHLD must not be ignored. */
int rcpt_check(const char *home, const rcpt_rw *rw, const char *addr, size_t len);

#endif
