/*
 * ezmlm-manage: answers a list's administrative requests (DIR/manager,
 * .qmail-LIST-default): subscribe and unsubscribe with confirmation,
 * help, info, faq, query, get, remote administration (subscription by
 * moderators, list, listn, log, edit).
 *
 *   ezmlm-manage [-aAbBcCdDeEfFlLmMnNqQsSuUvV] DIR
 *
 * DEFAULT is the part of the address after LIST-: [digest-|allow-|deny-]
 * ACTION[-box=dom].  See ezmlm-manage(1) for the actions and the
 * confirmation cookies (HMAC-SHA256, lib/cookie, list/lcookie).
 * Exit 0 (also for requests that need no answer), 100 (refused), 111.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "die.h"
#include "ezmlm-manage.h"
#include "ezmsg.h"
#include "hdr.h"
#include "lcookie.h"

static const char *prog = MANAGE_PROG;
static const char *usage = "ezmlm-manage [-aAbBcCdDeEfFlLmMnNqQsSuUvV] dir";

static manage M;
static char *volatile actionmem;

void manage_nomem(manage *mg)
{
    reply_abort(&mg->r);
    die_nomem(prog);
}

void manage_fail(manage *mg, int code, const char *name, const char *fallback, const char *p1)
{
    reply_abort(&mg->r);
    ezmsg_die(code, prog, &mg->ld, name, fallback, p1);
}

static void info_exit(manage *mg, const char *name, const char *fallback, const char *p1)
{
    str t = STR_INIT;
    reply_abort(&mg->r);
    if (ezmsg(&t, &mg->ld, name, fallback, p1) < 0 || str_catc(&t, 0) < 0) die_nomem(prog);
    fprintf(stderr, "%s: info: %s\n", prog, t.s);
    exit(0);
}

void manage_show(manage *mg, const char *what, const char *arg)
{
    if (mg->showact) fprintf(stderr, "%s: info: sending %s%s\n", prog, what, arg ? arg : "");
}

void manage_sub_die(manage *mg, sub_db *db, const char *what)
{
    int e = errno;
    str t = STR_INIT;
    reply_abort(&mg->r);
    if (str_catf(&t, "%s %s: %s", what, mg->target.s, sub_strerror(db, e)) < 0) die_nomem(prog);
    die(sub_error_is_perm(e) ? EXIT_PERM : EXIT_TEMP, prog, "%s", t.s);
}

sub_db *manage_open_db(manage *mg, const char *subdb)
{
    sub_db *db = NULL;
    if (sub_open(&db, mg->ld.dir.s, subdb) < 0) {
        int e = errno;
        reply_abort(&mg->r);
        die(sub_error_is_perm(e) ? EXIT_PERM : EXIT_TEMP, prog, "unable to open the subscriber list %s: %s",
            subdb ? subdb : ".", sub_strerror(db, e));
    }
    return db;
}

static int issub(manage *mg, const char *subdb, const char *addr, str *stored)
{
    sub_db *db = manage_open_db(mg, subdb);
    int r = sub_issub(db, addr, strlen(addr), stored);
    if (r < 0) manage_sub_die(mg, db, "unable to look up");
    sub_close(db);
    return r;
}

/* ---- cookies ----------------------------------------------------------------------- */

static void key(manage *mg, str *k)
{
    if (listdir_key(&mg->ld, k) < 0) {
        reply_abort(&mg->r);
        die_sys(EXIT_TEMP, prog, "unable to read %s/key", mg->ld.dir.s);
    }
}

/* "Xc.TIME.COOKIE": valid for the target and less than 1,000,000 s old? */
static int hashok(manage *mg, const char *action, char letter)
{
    unsigned long when = 0;
    const char *x = action + 3;
    size_t n = scan_ulong(x, strlen(x), &when);
    str k = STR_INIT;
    int r;
    x += n;
    if (!n || when > (unsigned long)mg->now || when + 1000000UL < (unsigned long)mg->now) return 0;
    if (*x == '.') x++;
    if (strlen(x) != LCOOKIE_LEN) return 0;
    key(mg, &k);
    r = lcookie_check(x, LCOOKIE_LEN, &k, mg->cookiedb, when, mg->target.s, mg->target.len, letter);
    str_free(&k);
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to compute a cookie");
    return r;
}

/* starts a confirmation request: Reply-To LISTX-Xc.NOW.COOKIE-box=dom@HOST */
static void doconfirm(manage *mg, char letter)
{
    char ck[LCOOKIE_LEN + 1], num[32];
    str k = STR_INIT, head = STR_INIT;
    const char *subj;
    key(mg, &k);
    if (lcookie_make(ck, &k, mg->cookiedb, (unsigned long)mg->now, mg->target.s, mg->target.len,
                     letter) < 0)
        manage_nomem(mg);
    snprintf(num, sizeof num, "%lu", (unsigned long)mg->now);
    if (str_catf(&head, "%s-%cc.%s.%s", mg->local.s, letter, num, ck) < 0) manage_nomem(mg);
    mg->confirm.len = 0;
    if (lcookie_local(&mg->confirm, mg->ld.dir.s, head.s, ck, mg->target.s, mg->target.len,
                      (unsigned long)mg->now) < 0)
        die_sys(EXIT_TEMP, prog, "unable to record a cookie in %s/cookies", mg->ld.dir.s);
    if (str_catc(&mg->confirm, '@') < 0 || str_cat(&mg->confirm, &mg->ld.outhost) < 0 ||
        str_copys(&mg->cookie, ck) < 0 || str_copys(&mg->cookietime, num) < 0 ||
        str_copys(&mg->action, "") < 0 || str_catc(&mg->action, letter) < 0 ||
        str_cats(&mg->action, "c.") < 0)
        manage_nomem(mg);
    mg->v.confirm = mg->confirm.s;
    mg->v.cookie = mg->cookie.s;
    mg->v.cookietime = mg->cookietime.s;
    mg->v.action = mg->action.s;
    subj = letter == 's' ? "SUB_USR_SUBSCRIBE"
         : letter == 'u' ? "SUB_USR_UNSUBSCRIBE"
         : (letter == 't' || letter == 'r') ? "SUB_MOD_SUBSCRIBE" : "SUB_MOD_UNSUBSCRIBE";
    manage_begin(mg, subj, mg->confirm.s, NULL);
    manage_text(mg, "top", 0);
    str_free(&k);
    str_free(&head);
}

/* ---- subscribing and unsubscribing ---------------------------------------------------- */

static const char *hex = "0123456789ABCDEF";

/* subscribes the target; starts the welcome (or "already") reply */
static int geton(manage *mg, char letter, const char *action)
{
    str fl = STR_INIT, extra = STR_INIT, unsub = STR_INIT;
    sub_db *db = manage_open_db(mg, mg->subdb);
    int r;
    manage_get_from(mg, action, &fl);
    r = sub_add(db, mg->target.s, mg->target.len, letter == 'r' ? "mod" : NULL,
                fl.len ? fl.s : NULL, SUB_NOHASH);
    if (r < 0) manage_sub_die(mg, db, "unable to subscribe");
    sub_close(db);
    if (mg->subdb && (!strcmp(mg->subdb, "allow") || !strcmp(mg->subdb, "deny")))
        info_exit(mg, "ERR_EXTRA_SUB", "<#1#> added", mg->target.s);
    if (r == SUB_CHANGED) {
        size_t i, base;
        /* the welcome carries the address that unsubscribes this target */
        if (str_catf(&unsub, "%s-unsubscribe-", mg->local.s) < 0 || str_cat(&unsub, &mg->verptarget) < 0)
            manage_nomem(mg);
        if (unsub.len > LCOOKIE_LOCAL_MAX || addr_local_needs_quote(unsub.s, unsub.len)) {
            unsub.len = 0;
            if (str_catf(&unsub, "%s-unsubscribe", mg->local.s) < 0) manage_nomem(mg);
        }
        if (str_cats(&extra, "List-Unsubscribe: <mailto:") < 0) manage_nomem(mg);
        base = extra.len;
        for (i = 0; i < unsub.len; i++) {
            unsigned char c = (unsigned char)unsub.s[i];
            int esc = strchr("\"?;<>&/:%+#", c) != NULL || c <= ' ' || c >= 0x7f;
            if (esc) {
                char e[3] = { '%', hex[c >> 4], hex[c & 15] };
                if (str_catb(&extra, e, 3) < 0) manage_nomem(mg);
            } else if (str_catc(&extra, (char)c) < 0) {
                manage_nomem(mg);
            }
        }
        (void)base;
        if (str_catc(&extra, '@') < 0 || str_cat(&extra, &mg->ld.outhost) < 0 || str_cats(&extra, ">\n") < 0)
            manage_nomem(mg);
        mg->confirm.len = 0;
        if (str_cat(&mg->confirm, &unsub) < 0 || str_catc(&mg->confirm, '@') < 0 ||
            str_cat(&mg->confirm, &mg->ld.outhost) < 0)
            manage_nomem(mg);
        mg->v.confirm = mg->confirm.s;
        manage_begin(mg, "SUB_WELCOME", NULL, extra.s);
        manage_text(mg, "top", 0);
        manage_text(mg, "sub-ok", 1);
    } else {
        if (letter == 't') info_exit(mg, "ERR_SUB_NOP", "the address is already subscribed", NULL);
        manage_begin(mg, "SUB_SUBSCRIBE_NOP", NULL, NULL);
        manage_text(mg, "top", 0);
        manage_text(mg, "sub-nop", 1);
    }
    str_free(&fl);
    str_free(&extra);
    str_free(&unsub);
    return r == SUB_CHANGED;
}

static int getoff(manage *mg, char letter)
{
    sub_db *db = manage_open_db(mg, mg->subdb);
    int r = sub_remove(db, mg->target.s, mg->target.len, letter == 'w' ? "mod" : NULL, NULL, SUB_NOHASH);
    if (r < 0) manage_sub_die(mg, db, "unable to unsubscribe");
    sub_close(db);
    if (mg->subdb && (!strcmp(mg->subdb, "allow") || !strcmp(mg->subdb, "deny")))
        info_exit(mg, "ERR_EXTRA_UNSUB", "<#1#> removed", mg->target.s);
    if (r == SUB_CHANGED) {
        manage_begin(mg, "SUB_GOODBYE", NULL, NULL);
        manage_text(mg, "top", 0);
        manage_text(mg, "unsub-ok", 1);
    } else {
        manage_begin(mg, "SUB_UNSUBSCRIBE_NOP", NULL, NULL);
        manage_text(mg, "top", 0);
        manage_text(mg, "unsub-nop", 1);
    }
    return r == SUB_CHANGED;
}

static void die_cookie(manage *mg)
{
    manage_fail(mg, 100, "ERR_MOD_COOKIE", "this confirmation is invalid or has expired (#5.7.1)", NULL);
}

static void do_subscribe(manage *mg, const char *action)
{
    int r;
    if (issub(mg, mg->subdb, mg->target.s, NULL)) {
        geton(mg, 's', action);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->target.s);
    } else if (mg->ismod && mg->haveremote) {
        doconfirm(mg, 'r');
        manage_text(mg, "mod-sub-confirm", 1);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->mod.s);
    } else if (mg->subconf) {
        doconfirm(mg, 's');
        manage_text(mg, "sub-confirm", 1);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->target.s);
    } else if (mg->havemodsub) {
        manage_store_from(mg);
        doconfirm(mg, 't');
        manage_text(mg, "mod-sub-confirm", 1);
        manage_bottom(mg, 0);
        manage_send_mods(mg);
    } else {
        r = geton(mg, 's', action);
        manage_bottom(mg, 0);
        manage_send_owner(mg, mg->notify ? mg->target.s : NULL, r && mg->copyowner > 1);
    }
}

static void do_sc(manage *mg, const char *action)
{
    int r;
    if (hashok(mg, action, 's')) {
        if (mg->havemodsub && !(mg->ismod && !strcmp(mg->sender, mg->target.s))) {
            manage_store_from(mg);
            doconfirm(mg, 't');
            manage_text(mg, "mod-sub-confirm", 1);
            manage_bottom(mg, 0);
            manage_send_mods(mg);
        } else {
            r = geton(mg, 's', action);
            manage_bottom(mg, 0);
            manage_send_owner(mg, mg->target.s, r && mg->copyowner > 1);
        }
    } else {
        doconfirm(mg, 's');
        manage_text(mg, "sub-bad", 1);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->target.s);
    }
}

static void do_rc_tc(manage *mg, const char *action, char letter)
{
    int r;
    if (hashok(mg, action, letter)) {
        r = geton(mg, letter, action);
        manage_mod_bottom(mg);
        manage_send_owner(mg, mg->notify ? mg->target.s : NULL, r && mg->copyowner > 1);
    } else {
        if (!mg->ismod || !mg->haveremote) die_cookie(mg);
        doconfirm(mg, letter);
        manage_text(mg, "sub-bad", 1);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->mod.s);
    }
}

static void do_unsubscribe(manage *mg)
{
    int r;
    if (!issub(mg, mg->subdb, mg->target.s, NULL)) {
        getoff(mg, 'u');
        manage_bottom(mg, 0);
        manage_send1(mg, mg->target.s);
    } else if (mg->unsubconf) {
        if (mg->ismod && mg->haveremote) {
            doconfirm(mg, 'w');
            manage_text(mg, "mod-unsub-confirm", 1);
            manage_bottom(mg, 0);
            manage_send1(mg, mg->mod.s);
        } else {
            doconfirm(mg, 'u');
            manage_text(mg, "unsub-confirm", 1);
            manage_bottom(mg, 0);
            manage_send1(mg, mg->target.s);
        }
    } else if (mg->unsubismod && mg->havemodsub) {
        doconfirm(mg, 'v');
        manage_text(mg, "mod-unsub-confirm", 1);
        manage_bottom(mg, 0);
        manage_send_mods(mg);
    } else {
        r = getoff(mg, 'u');
        manage_bottom(mg, 0);
        manage_send_owner(mg, (!r || mg->notify) ? mg->target.s : NULL,
                   mg->copyowner && (!r || mg->copyowner > 1));
    }
}

static void do_uc(manage *mg, const char *action)
{
    int r;
    if (hashok(mg, action, 'u')) {
        if (mg->unsubismod && mg->havemodsub) {
            doconfirm(mg, 'v');
            manage_text(mg, "mod-unsub-confirm", 1);
            manage_bottom(mg, 0);
            manage_send_mods(mg);
        } else {
            r = getoff(mg, 'u');
            manage_bottom(mg, 0);
            manage_send_owner(mg, (!r || mg->notify) ? mg->target.s : NULL,
                       mg->copyowner && (!r || mg->copyowner > 1));
        }
    } else {
        doconfirm(mg, 'u');
        manage_text(mg, "unsub-bad", 1);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->target.s);
    }
}

static void do_vc_wc(manage *mg, const char *action, char letter)
{
    int r;
    if (hashok(mg, action, letter)) {
        r = getoff(mg, letter);
        if (!r && mg->havemodsub) info_exit(mg, "ERR_UNSUB_NOP", "the address is not subscribed", NULL);
        manage_mod_bottom(mg);
        if (r) manage_send_owner(mg, mg->notify ? mg->target.s : NULL, mg->copyowner > 1);
        manage_send1(mg, mg->sender);
    } else {
        if (!mg->ismod || !mg->haveremote) die_cookie(mg);
        doconfirm(mg, letter);
        manage_text(mg, "unsub-bad", 1);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->mod.s);
    }
}

/* ---- lists and the other answers ---------------------------------------------------- */

struct listctx {
    manage *mg;
    unsigned long n;
    int print;
};

static int each_line(void *ctx, const char *a, size_t len)
{
    struct listctx *c = ctx;
    c->n++;
    if (c->print && (reply_add(&c->mg->r, a, len) < 0 || reply_adds(&c->mg->r, "\n") < 0)) return -1;
    return 0;
}

static void do_list(manage *mg, int names)
{
    struct listctx c;
    sub_db *db;
    char num[48];
    if (!mg->flaglist || (!mg->havemodsub && !mg->haveremote))
        manage_fail(mg, 100, "ERR_NOT_AVAILABLE", "sorry, that command is not available here (#5.7.0)", NULL);
    if (!mg->ismod) manage_fail(mg, 100, "ERR_NOT_ALLOWED", "sorry, only moderators may do that (#5.7.1)", NULL);
    manage_begin(mg, "SUB_LIST", NULL, NULL);
    manage_text(mg, "top", 0);
    manage_show(mg, names ? "list" : "listn", NULL);
    if (names) {
        if (reply_adds(&mg->r, "\n") < 0) manage_nomem(mg);
        manage_addmsg(mg, "TXT_LISTMEMBERS", "Subscriber list:");
        if (reply_adds(&mg->r, "\n\n\n") < 0) manage_nomem(mg);
    }
    c.mg = mg;
    c.n = 0;
    c.print = names;
    db = manage_open_db(mg, mg->subdb);
    if (sub_iterate(db, 0, 52, each_line, &c) < 0) manage_sub_die(mg, db, "unable to list the subscribers for");
    sub_close(db);
    snprintf(num, sizeof num, "\n  ======> %lu\n", c.n);
    if (reply_adds(&mg->r, num) < 0) manage_nomem(mg);
    manage_bottom(mg, 0);
    manage_send1(mg, mg->mod.s);
}

static void do_log(manage *mg, const char *search)
{
    sub_db *db;
    if (*search == '.' || *search == '_') search++;
    if (!mg->flaglist || !mg->haveremote)
        manage_fail(mg, 100, "ERR_NOT_AVAILABLE", "sorry, that command is not available here (#5.7.0)", NULL);
    if (!mg->ismod) manage_fail(mg, 100, "ERR_NOT_ALLOWED", "sorry, only moderators may do that (#5.7.1)", NULL);
    manage_show(mg, "log", NULL);
    manage_begin(mg, *search ? "SUB_LOG_SEARCH" : "SUB_LOG", NULL, NULL);
    db = manage_open_db(mg, mg->subdb);
    manage_log(mg, db, search);
    sub_close(db);
    manage_bottom(mg, 0);
    manage_send1(mg, mg->mod.s);
}

static void do_simple(manage *mg, const char *subj, const char *textname, const char *to)
{
    manage_begin(mg, subj, NULL, NULL);
    manage_text(mg, "top", 0);
    manage_text(mg, textname, 1);
    manage_bottom(mg, 0);
    manage_send1(mg, to);
}

/* ---- the request ---------------------------------------------------------------------- */

enum { AC_NONE, AC_LIST, AC_LISTN, AC_GET, AC_HELP, AC_EDIT, AC_LOG, AC_SUBSCRIBE,
       AC_UNSUBSCRIBE };

static int starts(const char *s, const char *p) { return case_starts(s, strlen(s), p); }

/* reads a file-bound boolean: present -> on, absent -> off */
static int fileflag(manage *mg, const char *name)
{
    int r = listdir_isset(&mg->ld, name);
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/%s", mg->ld.dir.s, name);
    return r;
}

/* modsub / remote: present?, and the first line (the moderators' sub-db) */
static int modfile(manage *mg, const char *name, str *line)
{
    str p = STR_INIT;
    int r;
    line->len = 0;
    if (listdir_path(&mg->ld, name, &p) < 0) manage_nomem(mg);
    r = ctl_readline_path(p.s, line);
    str_free(&p);
    if (r == CTL_ERR) die_sys(EXIT_TEMP, prog, "unable to read %s/%s", mg->ld.dir.s, name);
    return r == CTL_FOUND;
}

int main(int argc, char **argv)
{
    manage *mg = &M;
    int opt, act = AC_NONE, k;
    int o_show = -1, o_omit = -1, o_get = -1, o_edit = -1, o_from = -1, o_list = -1, o_unsmod = -1,
        o_notify = -1, o_owner = -1, o_sub = -1, o_unsub = -1;
    const char *dir, *env;
    char *action, *dash;
    str snorm = STR_INIT, line = STR_INIT, modsub = STR_INIT, remote = STR_INIT;
    size_t actlen = 0;
    hdr_iter it;
    hdr_field f;

    signal(SIGPIPE, SIG_IGN);
    umask(022);
    memset(mg, 0, sizeof *mg);
    mg->now = time(NULL);
    {
        reply r0 = REPLY_INIT;
        msgin m0 = MSGIN_INIT;
        text_vars v0 = TEXT_VARS_INIT;
        mg->r = r0;
        mg->m = m0;
        mg->v = v0;
    }
    opterr = 0;
    while ((opt = getopt(argc, argv, "+aAbBcCdDeEfFlLmMnNqQsSuUvV")) != -1) {
        switch (opt) {
        case 'a': o_show = 1; break;
        case 'A': o_show = 0; break;
        case 'b': o_omit = 0; break;
        case 'B': o_omit = 1; break;
        case 'c': o_get = 1; break;
        case 'C': o_get = 0; break;
        case 'd': case 'e': o_edit = 1; break;
        case 'D': case 'E': o_edit = 0; break;
        case 'f': o_from = 1; break;
        case 'F': o_from = 0; break;
        case 'l': o_list = 1; break;
        case 'L': o_list = 0; break;
        case 'm': o_unsmod = 1; break;
        case 'M': o_unsmod = 0; break;
        case 'n': o_notify = 1; break;
        case 'N': o_notify = 0; break;
        case 'q': o_owner = 0; break;
        case 'Q': o_owner = o_owner < 0 ? 1 : o_owner + 1; break;
        case 's': o_sub = 1; break;
        case 'S': o_sub = 0; break;
        case 'u': o_unsub = 1; break;
        case 'U': o_unsub = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    dir = argv[optind];
    if (!dir) die_usage(prog, usage);
    ezmsg_listdir(&mg->ld, prog, dir);

    /* options: the list's files first, the command line wins */
    mg->showact = o_show > 0;
    mg->omitbottom = o_omit >= 0 ? o_omit : fileflag(mg, "omitbottom");
    mg->flagget = o_get >= 0 ? o_get : 1;
    mg->flagedit = o_edit >= 0 ? o_edit : fileflag(mg, "modcanedit");
    mg->storefrom = o_from >= 0 ? o_from : 1;
    mg->flaglist = o_list >= 0 ? o_list : fileflag(mg, "modcanlist");
    mg->unsubismod = o_unsmod > 0;
    mg->notify = o_notify >= 0 ? o_notify : 1;
    mg->copyowner = o_owner > 0 ? o_owner : 0;
    mg->subconf = o_sub >= 0 ? o_sub : !fileflag(mg, "nosubconfirm");
    mg->unsubconf = o_unsub >= 0 ? o_unsub : !fileflag(mg, "nounsubconfirm");
    mg->public_ = fileflag(mg, "public");
    mg->havemodsub = modfile(mg, "modsub", &modsub);
    mg->haveremote = modfile(mg, "remote", &remote);
    if (listdir_conf_ulong(&mg->ld, "copylines", 0, &mg->copylines) < 0)
        die_sys(EXIT_TEMP, prog, "unable to read %s/copylines", dir);

    env = getenv("SENDER");
    if (!env) manage_fail(mg, 100, "ERR_NOSENDER", "SENDER not set", NULL);
    if (listdir_sender_normalise(env, &snorm) < 0 || str_catc(&snorm, 0) < 0) manage_nomem(mg);
    mg->sender = snorm.s;
    env = getenv("DEFAULT");
    if (!env) manage_fail(mg, 100, "ERR_NODEFAULT", "DEFAULT not set", NULL);
    if (!*mg->sender || !strcmp(mg->sender, "#@[]"))
        manage_fail(mg, 100, "ERR_BOUNCE", "I do not reply to bounce messages (#5.7.2)", NULL);
    if (!strchr(mg->sender, '@'))
        manage_fail(mg, 100, "ERR_ANONYMOUS", "I do not reply to senders without host names (#5.7.2)", NULL);
    /* kept in a static so that it stays reachable until exit (the
     * pointer itself moves past the sub-db prefix) */
    action = actionmem = strdup(env);
    if (!action) manage_nomem(mg);

    /* the sub-db: digest-, allow-, deny- */
    if (str_copy(&mg->local, &mg->ld.outlocal) < 0) manage_nomem(mg);
    mg->cookiedb = "";
    if (starts(action, "digest")) {
        mg->subdb = "digest";
        action += 6;
    } else if (starts(action, "allow")) {
        mg->subdb = "allow";
        action += 5;
    } else if (starts(action, "deny")) {
        mg->subdb = "deny";
        action += 4;
    }
    if (mg->subdb) {
        if (*action++ != '-')
            manage_fail(mg, 100, "ERR_BAD_ADDRESS", "this is not a valid list command address (#5.1.1)", NULL);
        if (str_catc(&mg->local, '-') < 0 || str_cats(&mg->local, mg->subdb) < 0) manage_nomem(mg);
        mg->cookiedb = mg->subdb;
    }
    if (str_catc(&mg->local, 0) < 0) manage_nomem(mg);
    mg->local.len--;
    mg->v.local = mg->local.s;

    /* the target: after the first '-', its last '=' is the '@' */
    dash = strchr(action, '-');
    if (dash) {
        *dash = 0;
        if (lcookie_unverp(&mg->target, dash + 1, strlen(dash + 1)) < 0) manage_nomem(mg);
    } else {
        int r = 0;
        const char *ck = strrchr(action, '.');
        /* a short-form confirmation keeps its target in DIR/cookies */
        if (ck && strlen(action) > 3 && action[1] == 'c' && action[2] == '.')
            r = lcookie_target(mg->ld.dir.s, ck + 1, strlen(ck + 1), &mg->target);
        if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/cookies", dir);
        if (r == 0 && str_copys(&mg->target, mg->sender) < 0) manage_nomem(mg);
    }
    if (sub_addr_check(mg->target.s ? mg->target.s : "", mg->target.len) < 0 ||
        memchr(mg->target.s, 0, mg->target.len)) {
        str t = STR_INIT;
        if (str_catf(&t, "%s", errno == ENAMETOOLONG ? "the address is too long (#5.1.3)"
                                                      : "the address is not valid (#5.1.3)") < 0)
            manage_nomem(mg);
        die(EXIT_PERM, prog, "%s", t.s);
    }
    if (str_catc(&mg->target, 0) < 0) manage_nomem(mg);
    mg->target.len--;
    if (lcookie_verp(&mg->verptarget, mg->target.s, mg->target.len) < 0 ||
        str_catc(&mg->verptarget, 0) < 0)
        manage_nomem(mg);
    mg->verptarget.len--;
    mg->v.target = mg->target.s;

    /* what is asked, and does a moderator ask it? */
    if (case_equals(action, "listn")) act = AC_LISTN;
    else if (case_equals(action, "list")) act = AC_LIST;
    else if (starts(action, "get")) act = AC_GET;
    else if (case_equals(action, "help")) act = AC_HELP;
    else if (starts(action, "edit")) act = AC_EDIT;
    else if (starts(action, "log")) { act = AC_LOG; actlen = 3; }
    if (mg->havemodsub || mg->haveremote) {
        const char *md = modsub.len ? modsub.s : remote.len ? remote.s : "mod";
        if (str_copys(&mg->moddir, md) < 0) manage_nomem(mg);
        if (act == AC_NONE || (mg->subdb && !strcmp(mg->subdb, "deny")))
            mg->ismod = issub(mg, mg->moddir.s, mg->sender, &mg->mod);
        else
            mg->ismod = issub(mg, mg->moddir.s, mg->target.s, &mg->mod);
        if (str_catc(&mg->mod, 0) < 0) manage_nomem(mg);
    }
    if (!mg->public_ && !(mg->ismod && mg->haveremote) && !case_equals(action, "help"))
        manage_fail(mg, 100, "ERR_NOT_PUBLIC", "sorry, I have been told to reject all requests (#5.7.2)", NULL);
    if (mg->subdb && !strcmp(mg->subdb, "deny") && !(mg->ismod && mg->haveremote))
        manage_fail(mg, 100, "ERR_NOT_ALLOWED", "sorry, only moderators may do that (#5.7.1)", NULL);
    if (act == AC_NONE) {
        if (case_equals(action, "subscribe")) act = AC_SUBSCRIBE;
        else if (case_equals(action, "unsubscribe")) act = AC_UNSUBSCRIBE;
    }

    /* the request's header: loops, lists, its From: and encoding */
    if (msgin_open(&mg->m, 0, 0) < 0) {
        if (errno == EFBIG) manage_fail(mg, 100, "ERR_HEADER_SIZE", "message header is too large (#5.3.4)", NULL);
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    if (str_catf(&line, "responder for %s@%s", mg->local.s, mg->ld.outhost.s) < 0) manage_nomem(mg);
    {
        int getfrom = mg->storefrom && (starts(action, "sc.") || (act == AC_SUBSCRIBE && !mg->subconf));
        str v = STR_INIT;
        hdr_iter_init(&it, mg->m.head.s, mg->m.head.len);
        while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
            if (k != HDR_FIELD) continue;
            if (hdr_is(&f, "Mailing-List"))
                manage_fail(mg, 100, "ERR_MAILING_LIST",
                            "this message came from a mailing list; I do not answer it (#5.7.2)", NULL);
            v.len = 0;
            if (hdr_value(&v, &f) < 0) manage_nomem(mg);
            if (hdr_is(&f, "Delivered-To") && v.len == line.len && case_equalb(v.s, line.s, v.len))
                manage_fail(mg, 100, "ERR_LOOPING", "this message is looping: it already carries my Delivered-To line (#5.4.6)", NULL);
            if (hdr_is(&f, "Content-Transfer-Encoding")) {
                if (case_starts(v.s, v.len, "base64")) mg->encin = 'B';
                else if (case_starts(v.s, v.len, "quoted-printable")) mg->encin = 'Q';
            } else if (getfrom && hdr_is(&f, "From") && !mg->fromline.len) {
                size_t i;
                if (str_copy(&mg->fromline, &v) < 0) manage_nomem(mg);
                for (i = 0; i < mg->fromline.len; i++)
                    if ((unsigned char)mg->fromline.s[i] < 32) mg->fromline.s[i] = ' ';
            }
        }
        str_free(&v);
    }

    if (act == AC_SUBSCRIBE) do_subscribe(mg, action);
    else if (starts(action, "sc.")) do_sc(mg, action);
    else if (starts(action, "rc.")) do_rc_tc(mg, action, 'r');
    else if (starts(action, "tc.")) do_rc_tc(mg, action, 't');
    else if (act == AC_UNSUBSCRIBE) do_unsubscribe(mg);
    else if (starts(action, "uc.")) do_uc(mg, action);
    else if (starts(action, "vc.")) do_vc_wc(mg, action, 'v');
    else if (starts(action, "wc.")) do_vc_wc(mg, action, 'w');
    else if (act == AC_LIST || act == AC_LISTN) do_list(mg, act == AC_LIST);
    else if (act == AC_LOG) do_log(mg, action + actlen);
    else if (act == AC_EDIT) manage_edit(mg, action);
    else if (starts(action, "ed.")) manage_ed(mg, action);
    else if (act == AC_GET) {
        const char *p = action + 3;
        unsigned long n = 0;
        if (!mg->flagget)
            manage_fail(mg, 100, "ERR_NOT_AVAILABLE", "sorry, that command is not available here (#5.7.0)", NULL);
        if (*p == '.' || *p == '_') p++;
        scan_ulong(p, strlen(p), &n);
        manage_begin(mg, "SUB_GET_MSG", NULL, NULL);
        manage_text(mg, "top", 0);
        manage_get(mg, n);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->target.s);
    } else if (starts(action, "query")) {
        int on = issub(mg, mg->subdb, mg->target.s, NULL);
        do_simple(mg, "SUB_STATUS", on ? "sub-nop" : "unsub-nop", mg->ismod ? mg->mod.s : mg->target.s);
    } else if (starts(action, "info")) do_simple(mg, "SUB_INFO", "info", mg->target.s);
    else if (starts(action, "faq")) do_simple(mg, "SUB_FAQ", "faq", mg->target.s);
    else if (mg->ismod && act == AC_HELP) {
        manage_begin(mg, "SUB_MOD_HELP", NULL, NULL);
        manage_text(mg, "top", 0);
        manage_text(mg, "mod-help", 1);
        manage_text(mg, "help", 0);
        manage_bottom(mg, 0);
        manage_send1(mg, mg->mod.s);
    } else {
        manage_begin(mg, "SUB_HELP", NULL, NULL);
        manage_text(mg, "top", 0);
        manage_text(mg, "help", 1);
        manage_bottom(mg, 1);
        manage_send1(mg, mg->sender);
    }
    exit(0);
}
