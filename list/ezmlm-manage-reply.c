/* ezmlm-manage: writing and sending the replies.  See ezmlm-manage.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "die.h"
#include "ezmlm-manage.h"
#include "ezmsg.h"

static const char *prog = MANAGE_PROG;

/* ---- the reply ------------------------------------------------------------------ */

static void subject(manage *mg, const char *name, str *out)
{
    out->len = 0;
    if (text_msg(out, &mg->ld, name, &mg->v) < 0 || str_catc(out, 0) < 0) manage_nomem(mg);
}

void manage_begin(manage *mg, const char *subj, const char *replyto, const char *extra)
{
    struct reply_head h;
    str s = STR_INIT, from = STR_INIT;
    subject(mg, subj, &s);
    if (str_catf(&from, "%s-%s@%s", mg->local.s, !strcmp(subj, "SUB_HELP") ? "return-" : "help",
                 mg->ld.outhost.s) < 0)
        manage_nomem(mg);
    memset(&h, 0, sizeof h);
    h.from = from.s;
    h.to = mg->target.s;
    h.subject = s.s;
    h.replyto = replyto;
    h.local = mg->local.s;
    h.listheaders = 1;
    h.responder = 1;
    h.reqhead = mg->m.head.s;
    h.reqheadlen = mg->m.head.len;
    h.extra = extra;
    if (reply_start(&mg->r, &mg->ld, &h) < 0) die_sys(EXIT_TEMP, prog, "unable to run qmail-queue");
    mg->started = 1;
    str_free(&s);
    str_free(&from);
}

void manage_text(manage *mg, const char *name, int show)
{
    int k = reply_file(&mg->r, name, &mg->v);
    if (k < 0) {
        reply_abort(&mg->r);
        die_sys(EXIT_TEMP, prog, "unable to read text/%s", name);
    }
    if (k == CTL_MISSING) {
        reply_abort(&mg->r);
        die(EXIT_PERM, prog, "unable to find text/%s", name);
    }
    if (show) manage_show(mg, name, NULL);
}

void manage_addmsg(manage *mg, const char *name, const char *fallback)
{
    if (ezmsg(&mg->r.text, &mg->ld, name, fallback, NULL) < 0) manage_nomem(mg);
}

/* text/bottom and a copy of the request (its header, copylines lines) */
void manage_bottom(manage *mg, int force)
{
    str t = STR_INIT, piece = STR_INIT;
    unsigned long lines = 0;
    int start, r;
    if (mg->omitbottom && !force) return;
    manage_text(mg, "bottom", 0);
    if (reply_copy_begin(&mg->r) < 0) manage_nomem(mg);
    if (str_cats(&t, "Return-Path: <") < 0 || addr_quote(&t, mg->sender, strlen(mg->sender)) < 0 ||
        str_cats(&t, ">\n") < 0)
        manage_nomem(mg);
    reply_copy(&mg->r, t.s, t.len);
    reply_copy(&mg->r, mg->m.head.s, mg->m.head.len);
    while (lines < mg->copylines && (r = msgin_piece(&mg->m, &piece, 65536, &start)) > 0) {
        reply_copy(&mg->r, piece.s, piece.len);
        if (piece.s[piece.len - 1] == '\n') lines++;
    }
    str_free(&t);
    str_free(&piece);
}

/* moderator-made changes: text/mod-sub and the bottom without the request */
void manage_mod_bottom(manage *mg)
{
    manage_text(mg, "mod-sub", 0);
    manage_text(mg, "bottom", 0);
    if (reply_adds(&mg->r, "\n") < 0) manage_nomem(mg);
    manage_addmsg(mg, "TXT_SUPPRESSED", "<suppressed>");
    if (reply_adds(&mg->r, "\n\n") < 0) manage_nomem(mg);
}

void manage_send(manage *mg, const char *const *rcpts, size_t n)
{
    str snd = STR_INIT, why = STR_INIT;
    if (n == 0) {
        reply_abort(&mg->r);
        fprintf(stderr, "%s: info: nobody to answer\n", prog);
        exit(0);
    }
    if (str_catf(&snd, "%s-return-@%s", mg->local.s, mg->ld.outhost.s) < 0) manage_nomem(mg);
    if (reply_finish(&mg->r, snd.s, rcpts, n, &why) != 0) {
        if (str_catc(&why, 0) < 0) die_nomem(prog);
        die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
    }
    fprintf(stderr, "%s: info: qp %lu\n", prog, mg->r.q.qp);
    exit(0);
}

void manage_send1(manage *mg, const char *a)
{
    const char *r[1];
    r[0] = a;
    manage_send(mg, r, 1);
}

/* recipients: rcpt (may be NULL) plus LIST-owner when owner is set */
void manage_send_owner(manage *mg, const char *rcpt, int owner)
{
    const char *r[2];
    size_t n = 0;
    str o = STR_INIT;
    if (rcpt) r[n++] = rcpt;
    if (owner) {
        if (str_catf(&o, "%s-owner@%s", mg->local.s, mg->ld.outhost.s) < 0) manage_nomem(mg);
        r[n++] = o.s;
    }
    manage_send(mg, r, n);
}

void manage_send_mods(manage *mg)
{
    str all = STR_INIT;
    const char **r;
    size_t n;
    sub_db *db = manage_open_db(mg, mg->moddir.s);
    if (sub_collect(db, &all, &r, &n) < 0) manage_sub_die(mg, db, "unable to list the moderators for");
    sub_close(db);
    manage_send(mg, r, n);
}

