/*
 * The parts of ezmlm-manage (list/ezmlm-manage*.c): the state every action
 * needs, and the helpers kept out of the main file (the From: line store,
 * the subscription log reply, archive retrieval, text file editing).
 */
#ifndef LIST_EZMLM_MANAGE_H
#define LIST_EZMLM_MANAGE_H

#include <time.h>

#include "listdir.h"
#include "msgin.h"
#include "reply.h"
#include "str.h"
#include "sub/sub.h"
#include "text.h"

#define MANAGE_PROG "ezmlm-manage"

typedef struct manage {
    listdir ld;
    time_t now;
    const char *sender;      /* normalised SENDER */
    str local;               /* LIST, LIST-digest, LIST-allow or LIST-deny */
    const char *subdb;       /* NULL (main), "digest", "allow", "deny" */
    const char *cookiedb;    /* the cookie's sub-db part: "", "digest", ... */
    str target;              /* the address the request is about */
    str verptarget;          /* target with its last '@' as '=' */
    str moddir;              /* the moderators' sub-db */
    str mod;                 /* the moderator's stored address */
    int ismod;
    msgin m;                 /* the request */
    str fromline;            /* the request's From: (for the Log and DIR/from) */
    char encin;              /* the request's transfer encoding */
    /* options */
    int showact, omitbottom, flagget, flagedit, storefrom, flaglist, unsubismod,
        notify, copyowner, subconf, unsubconf, public_, havemodsub, haveremote;
    unsigned long copylines;
    /* the reply being written */
    reply r;
    int started;
    text_vars v;
    str confirm, cookie, cookietime, action;
} manage;

/* dies with "ezmlm-manage: fatal: <message>" (code 100 or 111) */
void manage_fail(manage *mg, int code, const char *name, const char *fallback, const char *p1)
    __attribute__((noreturn));
void manage_nomem(manage *mg) __attribute__((noreturn));

/* ---- ezmlm-manage-more.c ---- */

/* Remembers the request's From: line for target in DIR/from (entries
 * older than 1,000,000 s are dropped). */
void manage_store_from(manage *mg);
/* The From: line to log for target: the request's own, else the one
 * stored with the cookie time of action (e.g. "tc.TIME.COOKIE"). *fl is
 * replaced; empty when none. */
void manage_get_from(manage *mg, const char *action, str *fl);
/* Appends the Log lines of the sub-db (matching search) to the reply. */
void manage_log(manage *mg, sub_db *db, const char *search);
/* Appends archive message n, quoted with "> ", or text/get-bad. */
void manage_get(manage *mg, unsigned long n);
/* The -edit and -ed. actions. */
void manage_edit(manage *mg, const char *action);
void manage_ed(manage *mg, const char *action);

/* ---- ezmlm-manage-reply.c: the reply (reply.h) with the list's texts ---- */

/* Starts the reply: subject is a message name (SUB_...), replyto the
 * confirmation address or NULL, extra header lines or NULL. */
void manage_begin(manage *mg, const char *subject, const char *replyto, const char *extra);
/* Appends text file name (missing: exit 100); show: the -a info line. */
void manage_text(manage *mg, const char *name, int show);
/* Appends message name (fallback if the list has none). */
void manage_addmsg(manage *mg, const char *name, const char *fallback);
/* text/bottom and the request copy (unless -B and not forced). */
void manage_bottom(manage *mg, int force);
/* text/mod-sub, text/bottom and TXT_SUPPRESSED instead of the copy. */
void manage_mod_bottom(manage *mg);
/* Sends the reply to rcpts and exits 0 (or 111; nobody: exit 0). */
void manage_send(manage *mg, const char *const *rcpts, size_t n) __attribute__((noreturn));
void manage_send1(manage *mg, const char *rcpt) __attribute__((noreturn));
/* To rcpt (may be NULL) and, when owner is set, LIST-owner. */
void manage_send_owner(manage *mg, const char *rcpt, int owner) __attribute__((noreturn));
/* To every moderator. */
void manage_send_mods(manage *mg) __attribute__((noreturn));

/* ---- ezmlm-manage.c ---- */

void manage_show(manage *mg, const char *what, const char *arg);
/* Opens a sub-db (exit 100/111 on failure). */
sub_db *manage_open_db(manage *mg, const char *subdb);
/* "what target: error" and exit 100 or 111 by errno. */
void manage_sub_die(manage *mg, sub_db *db, const char *what) __attribute__((noreturn));

#endif
