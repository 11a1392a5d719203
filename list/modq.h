/*
 * modq: the moderation queue of a list (DIR/mod/), shared by ezmlm-store,
 * ezmlm-moderate, ezmlm-confirm, ezmlm-clean and ezmlm-gate.
 *
 * A post waiting for a decision is a file named by its id, "WHEN.PID"
 * (the time it was stored and the pid of the ezmlm-store that stored it),
 * in mod/pending/ (waiting for a moderator) or mod/unconfirmed/ (waiting
 * for its sender's confirmation).  The file is the post as it arrived,
 * preceded by "Return-Path: <SENDER>" (NUL, CR and LF made '_') and a
 * Delivered-To line ("moderator for LIST@HOST" or "confirm to
 * LIST@HOST"); it is written with mode 0600, synced, and made complete by
 * setting the owner's execute bit (mode 0700).  A file without that bit is
 * incomplete (a killed writer) and is never sent.  Decisions leave empty
 * marker files in mod/accepted/ and mod/rejected/ so that a second answer
 * can be told apart from an unknown id.  ezmlm-clean removes everything whose
 * WHEN is older than the list's timeout.
 *
 * The cookie of an id is lcookie_make() keyed with DIR/key over the
 * sub-db name "mod" (moderation) or "confirm" (confirmation), WHEN, the
 * id itself as the address part and action 'a' (see README, Differences:
 * ezmlm-idx uses SURF over the id).  The same cookie answers both ways
 * (accept and reject, confirm and discard); the two names keep a
 * confirmation cookie, which the poster sees, from accepting a post.
 *
 * Functions return 0 / -1 with errno unless documented otherwise; those
 * that die (100/111, "<prog>: fatal: ...") say so.
 */
#ifndef LIST_MODQ_H
#define LIST_MODQ_H

#include <stddef.h>

#include "lcookie.h"
#include "listdir.h"
#include "reply.h"
#include "str.h"

#define MODQ_ID_MAX 48   /* "WHEN.PID" with room to spare */

enum modq_kind { MODQ_MOD = 0, MODQ_CONFIRM = 1 };

/* Locks DIR/name (created mode 0600 when missing): the descriptor, kept
 * open until exit, or -1. */
int modq_lock(const listdir *ld, const char *name);

/* The cookie of id (kind chooses the sub-db name) into out
 * (LCOOKIE_LEN + 1). */
int modq_cookie(char *out, const listdir *ld, enum modq_kind kind, const char *id);

/* Splits "WHEN.PID.COOKIE" (as DEFAULT carries it): id receives
 * "WHEN.PID" (MODQ_ID_MAX bytes), *when the time.  1 if the form is right
 * and the cookie matches, 0 if not, -1 on error. */
int modq_parse(const listdir *ld, enum modq_kind kind, const char *s, char *id,
               unsigned long *when);

/* The leading time of a queue file name, 0 if the name is not
 * "DIGITS.DIGITS". */
unsigned long modq_when(const char *name);

/* Reads the first line of the open stored file fd ("Return-Path: <X>")
 * into sender (replaced, NUL-terminated).  1 found, 0 no such line, -1
 * read error.  The offset of fd is left at 0. */
int modq_sender(int fd, str *sender);

/* Writes the sanitised "Return-Path: <sender>\n" line into out
 * (appended). */
int modq_return_path(str *out, const char *sender);

/* Records a decision: creates the empty marker DIR/mod/sub/id (sub is
 * "accepted" or "rejected") and syncs the directory. */
int modq_mark_decided(const listdir *ld, const char *sub, const char *id);

/* Unlinks DIR/mod/sub/id and syncs the directory (missing: 0). */
int modq_unlink(const listdir *ld, const char *sub, const char *id);

/*
 * The answer programs: ezmlm-moderate (kind MODQ_MOD: LIST-accept- and
 * LIST-reject-) and ezmlm-confirm (MODQ_CONFIRM: LIST-confirm- and
 * LIST-discard-).  Parses argv, checks the address and the cookie, and
 * accepts (pipes the stored post to ezmlm-send or the given program) or
 * refuses.  reject is called for a moderator's rejection (ezmlm-moderate;
 * NULL for ezmlm-confirm, whose discard only removes the post): it sends
 * the post back and returns; fd is the open stored file, sender its
 * Return-Path.  Exits 0, 100 or 111.
 */
struct modq_answer_ctx {
    const char *prog;
    listdir ld;
    int fd;               /* the stored post */
    str sender;           /* its Return-Path */
    char id[MODQ_ID_MAX];
    const char *replyto;  /* -t */
    int attach;           /* -m (1, default) / -M (0) */
};
void modq_answer(enum modq_kind kind, const char *prog, int argc, char **argv,
                 void (*reject)(struct modq_answer_ctx *c)) __attribute__((noreturn));

/* Runs argv (execvp) with fd, rewound, as its standard input and SENDER
 * set to sender (NULL: unchanged); returns its exit code, -1 if it was
 * killed.  Dies 111 when it cannot be started. */
int modq_run(const char *prog, int fd, const char *sender, char *const *argv);

/* Sends the stored post (fd) back to sender: From from, optional
 * Reply-To, subject SUB_RETURNED_POST, text/top, text/textname, the
 * comment (may be empty) and the post (a message/rfc822 part when attach
 * is set, else inline).  Dies 100/111 on failure. */
void modq_return_post(const char *prog, const listdir *ld, int fd, const char *sender,
                      const char *from, const char *replyto, const char *textname,
                      const char *comment, size_t clen, int attach);

/* Ends the reply's text with an empty line (before an inline copy). */
int modq_blank(reply *r);

/* Copies the stored file fd (from its start) into the reply: all of it,
 * or with headonly up to and including the empty line after the header.
 * 0, or -1 on a read error. */
int modq_copy(reply *r, int fd, int headonly);

/* Runs EZMLM_BIN/name [opts] DIR in place of this process, the input
 * rewound (opts: "-xyz", or NULL / "-" for none).  Dies 111 on failure. */
void modq_exec(const char *prog, const listdir *ld, const char *name, const char *opts)
    __attribute__((noreturn));

/* 1 if addr is in sub-db subdb (NULL or "." the main list) of dir, its
 * stored spelling in stored (may be NULL); 0 if not.  Dies 100/111 on
 * store errors. */
int modq_issub(const char *prog, const char *dir, const char *subdb, const char *addr, str *stored);

#endif
