/*
 * maildrop-deliver: to, cc and the default delivery.
 *
 * The target string decides (maildropfilter(7)): "|command" runs the
 * command with the message on stdin; "!addresses" forwards through
 * $SENDMAIL; an existing directory with tmp, new and cur is a Maildir
 * (lib/maildir: tmp, write, fsync, link to new/ -- or cur/ with $FLAGS --
 * with the Maildir++ quota of lib/quota checked first); anything else is an mbox file
 * (lib/mbox's mboxrd append under a dot-lock <file>$LOCKEXT and an fcntl
 * lock, cut back on failure).  An empty message is never delivered.
 * With logfile, every delivery is recorded there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "lock.h"
#include "maildir.h"
#include "maildrop.h"
#include "mbox.h"
#include "quota.h"

int md_target_kind(const char *t, size_t len)
{
    static const char *const sub[] = { "/tmp", "/new", "/cur" };
    struct stat st;
    str p = STR_INIT;
    int ok = 1;
    if (len && t[0] == '|') return 'p';
    if (len && t[0] == '!') return 'f';
    if (!len || memchr(t, 0, len) || stat(t, &st) < 0 || !S_ISDIR(st.st_mode)) return 'x';
    for (int i = 0; i < 3 && ok; i++) {
        if (str_copyb(&p, t, len) < 0 || str_cats(&p, sub[i]) < 0 || stat(p.s, &st) < 0 ||
            !S_ISDIR(st.st_mode))
            ok = 0;
    }
    str_free(&p);
    return ok ? 'm' : 'x';
}

/* ---- the log file --------------------------------------------------------------------- */

int md_logfile_open(struct md_ctx *c, const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        fprintf(stderr, "maildrop: Unable to open log file %s: %s.\n", path, strerror(errno));
        return -1;
    }
    if (c->logfd >= 0) close(c->logfd);
    c->logfd = fd;
    return 0;
}

void md_log_text(struct md_ctx *c, const char *s, size_t n)
{
    if (c->logfd >= 0 && !c->explain) (void)fs_write_all(c->logfd, s, n);
}

static void clean72(str *out, const str *v)
{
    for (size_t i = 0; i < v->len && i < 72; i++) {
        char ch = v->s[i];
        if ((unsigned char)ch < 32 || ch == 127) ch = ' ';
        str_catc(out, ch);
    }
}

static void log_delivery(struct md_ctx *c, const char *target, size_t tlen, int ok)
{
    str rec = STR_INIT, v = STR_INIT, size = STR_INIT;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    size_t start;
    if (c->logfd < 0 || c->explain) return;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm);
    str_catf(&rec, "Date: %s\nFrom: ", date);
    if (md_header_value(c->msg.st, "from", &v) > 0) clean72(&rec, &v);
    str_cats(&rec, "\nSubj: ");
    str_truncate(&v, 0);
    if (md_header_value(c->msg.st, "subject", &v) > 0) clean72(&rec, &v);
    str_cats(&rec, "\n");
    start = rec.len;
    str_cats(&rec, ok ? "File: " : "!Err: ");
    for (size_t i = 0; i < tlen; i++) str_catc(&rec, (unsigned char)target[i] < 32 ? ' ' : target[i]);
    str_catf(&size, "(%lld)", (long long)c->msg.st->size);
    str_catc(&rec, ' ');
    while (rec.len - start + size.len < 78) str_catc(&rec, ' ');
    str_cat(&rec, &size);
    str_cats(&rec, "\n\n");
    if (rec.s) (void)fs_write_all(c->logfd, rec.s, rec.len);
    str_free(&rec);
    str_free(&v);
    str_free(&size);
}

/* ---- Maildir ---------------------------------------------------------------------------- */

static int deliver_maildir(struct md_ctx *c, const char *dir, const struct md_node *where)
{
    struct md_store *st = c->msg.st;
    maildir_tmp t = MAILDIR_TMP_INIT;
    str flags = STR_INIT, final = STR_INIT;
    const char *fv = md_var_gets(&c->vars, "FLAGS");
    quota qt = QUOTA_INIT;
    int r;

    r = quota_start(&qt, dir, md_var_gets(&c->vars, "MAILDIRQUOTA"), (int64_t)st->size, time(NULL));
    if (r == QUOTA_OVER) {
        md_error(c, where, "maildir over quota.");
        md_quota_warn(c, dir);
        return -1;
    }
    if (r != QUOTA_OK) {
        md_error(c, where, "Unable to read the quota of maildir %s: %s.", dir, strerror(errno));
        return -1;
    }
    r = maildir_tmp_open(&t, dir, &c->mdcounter);
    if (r != MAILDIR_OK) {
        md_error(c, where, "Unable to deliver to maildir %s: %s.", dir, strerror(errno));
        quota_close(&qt);
        return -1;
    }
    (void)fchmod(t.fd, 0666 & ~(mode_t)c->umask_val);
    if (st->mem) {
        r = maildir_tmp_write(&t, st->mem, (size_t)st->size);
    } else {
        struct md_rd rd;
        const char *s;
        size_t n;
        int more, k;
        r = MAILDIR_OK;
        if (md_rd_open(&rd, st) < 0) {
            r = MAILDIR_ERR_TEMP;
        } else {
            while ((k = md_rd_next(&rd, &s, &n, &more)) == 1)
                if ((r = maildir_tmp_write(&t, s, n)) != MAILDIR_OK) break;
            if (k < 0) r = MAILDIR_ERR_READ;
            md_rd_close(&rd);
        }
    }
    if (r != MAILDIR_OK) {
        int e = errno;
        maildir_tmp_abort(&t);
        quota_close(&qt);
        md_error(c, where, "Unable to deliver to maildir %s: %s.", dir, strerror(e));
        return -1;
    }
    for (const char *p = fv; *p; p++)
        if (strchr("DFRS", *p) && !memchr(flags.s ? flags.s : "", *p, flags.len)) str_catc(&flags, *p);
    r = maildir_tmp_commit_info(&t, MAILDIR_SIZE, flags.len ? flags.s : NULL, &final);
    if (r != MAILDIR_OK) {
        md_error(c, where, "Unable to deliver to maildir %s: %s.", dir, strerror(errno));
        quota_close(&qt);
        str_free(&flags);
        str_free(&final);
        return -1;
    }
    md_debug(c, 1, "Delivered to %s", final.s ? final.s : dir);
    str_free(&flags);
    str_free(&final);
    (void)quota_end(&qt, (int64_t)st->size);
    md_quota_warn(c, dir);
    return 0;
}

/* ---- mbox ---------------------------------------------------------------------------------- */

static int deliver_mbox(struct md_ctx *c, const char *path, const struct md_node *where)
{
    str lockname = STR_INIT, from = STR_INIT;
    long stale = md_var_long(c, "LOCKTIMEOUT", 60), sleep_s = md_var_long(c, "LOCKSLEEP", 5);
    int wait_s, fd = -1, msgfd, r = -1, dotlocked = 0;
    const str *fv = md_var_get(&c->vars, "FROM", 4);

    if (stale < 1) stale = 60;
    if (sleep_s < 0) sleep_s = 5;
    wait_s = (int)(stale + sleep_s > 3600 ? 3600 : stale + sleep_s);
    if (str_copys(&lockname, path) < 0 || str_cats(&lockname, md_var_gets(&c->vars, "LOCKEXT")) < 0) {
        md_error(c, where, "Out of memory.");
        goto out;
    }
    if (strcmp(lockname.s, path) != 0) {
        if (lock_dot_acquire_name(lockname.s, wait_s, (int)stale) < 0) {
            md_error(c, where, "Unable to create a dot-lock at %s: %s.", lockname.s, strerror(errno));
            goto out;
        }
        dotlocked = 1;
    }
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd < 0) {
        md_error(c, where, "Unable to open mailbox %s: %s.", path, strerror(errno));
        goto out;
    }
    if (lock_fcntl(fd, wait_s) < 0) {
        md_error(c, where, "Unable to lock mailbox %s: %s.", path, strerror(errno));
        goto out;
    }
    if (mbox_fromline(&from, fv ? fv->s : "", fv ? fv->len : 0, time(NULL)) < 0 ||
        (msgfd = md_store_fd(c->msg.st)) < 0) {
        md_error(c, where, "Unable to deliver to mailbox %s: %s.", path, strerror(errno));
        goto out;
    }
    if (mbox_append(fd, from.s, from.len, NULL, 0, msgfd, 1) != MBOX_OK) {
        md_error(c, where, "Unable to deliver to mailbox %s: %s.", path, strerror(errno));
        goto out;
    }
    md_debug(c, 1, "Delivered to mailbox %s", path);
    r = 0;
out:
    if (fd >= 0) {
        (void)lock_fcntl_un(fd);
        close(fd);
    }
    if (dotlocked) (void)lock_dot_release_name(lockname.s);
    str_free(&lockname);
    str_free(&from);
    return r;
}

/* ---- programs and forwards ------------------------------------------------------------------ */

static int split_words(const char *s, char ***out, size_t *n, size_t *cap)
{
    while (*s) {
        const char *e;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
        if (!*s) break;
        e = s;
        while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r') e++;
        if (*n + 2 > *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            char **nv = realloc(*out, nc * sizeof *nv);
            if (!nv) return -1;
            *out = nv;
            *cap = nc;
        }
        (*out)[*n] = strndup(s, (size_t)(e - s));
        if (!(*out)[*n]) return -1;
        (*n)++;
        (*out)[*n] = NULL;
        s = e;
    }
    return 0;
}

static int forward(struct md_ctx *c, const char *addrs, int *status, const struct md_node *where)
{
    char **argv = NULL;
    size_t n = 0, cap = 0, nsend;
    int r = -1;
    if (split_words(md_var_gets(&c->vars, "SENDMAIL"), &argv, &n, &cap) < 0) goto nomem;
    if (!n) {
        md_error(c, where, "SENDMAIL is empty: cannot forward.");
        goto out;
    }
    nsend = n;
    if (split_words("-f", &argv, &n, &cap) < 0) goto nomem;
    if (n + 2 > cap) {
        char **nv = realloc(argv, (cap + 4) * sizeof *nv);
        if (!nv) goto nomem;
        argv = nv;
        cap += 4;
    }
    argv[n] = strdup("");
    if (!argv[n]) goto nomem;
    argv[++n] = NULL;
    {
        size_t before = n;
        if (split_words(addrs, &argv, &n, &cap) < 0) goto nomem;
        if (n == before) {
            md_error(c, where, "No address to forward to.");
            goto out;
        }
    }
    (void)nsend;
    r = md_run(c, NULL, argv, MD_IN_MSG, NULL, 0, status);
    goto out;
nomem:
    md_error(c, where, "Out of memory.");
out:
    for (size_t i = 0; i < n; i++) free(argv[i]);
    free(argv);
    return r;
}

/* ---- the delivery ----------------------------------------------------------------------------- */

static void describe(str *out, int kind, const char *t)
{
    switch (kind) {
    case 'p': str_catf(out, "program %s", t + 1); break;
    case 'f': str_catf(out, "forward to%s%s", t[1] == ' ' ? "" : " ", t + 1); break;
    case 'm': str_catf(out, "maildir %s", t); break;
    default: str_catf(out, "mbox %s", t); break;
    }
}

int md_deliver(struct md_ctx *c, const char *target, size_t tlen, int is_to, const struct md_node *where)
{
    int kind, status = 0, r;
    str t = STR_INIT;

    if (str_copyb(&t, target, tlen) < 0) {
        md_error(c, where, "Out of memory.");
        return MD_ERR;
    }
    if (!tlen || memchr(target, 0, tlen)) {
        md_error(c, where, "Invalid mailbox name.");
        str_free(&t);
        return MD_ERR;
    }
    kind = md_target_kind(t.s, t.len);
    if (c->explain) {
        str d = STR_INIT;
        describe(&d, kind, t.s);
        md_explain(c, where, "%s %s -> %s%s", is_to ? "to" : "cc", t.s, d.s,
                   c->msg.st->size == 0 ? " (an empty message is not delivered)" : "");
        str_free(&d);
        c->delivered++;
        str_free(&t);
        if (is_to) {
            c->exitcode = (int)md_var_long(c, "EXITCODE", 0);
            return MD_EXIT;
        }
        return MD_OK;
    }
    md_debug(c, 1, "Delivering to %s", t.s);
    if (c->msg.st->size == 0) {
        /* maildrop never delivers an empty message, and says it did */
        str_free(&t);
        if (is_to) {
            c->exitcode = (int)md_var_long(c, "EXITCODE", 0);
            return MD_EXIT;
        }
        return MD_OK;
    }
    switch (kind) {
    case 'p':
    case 'f':
        if (kind == 'p') r = md_run(c, t.s + 1, NULL, MD_IN_MSG, NULL, 0, &status);
        else r = forward(c, t.s + 1, &status, where);
        log_delivery(c, t.s, t.len, r == 0 && status == 0);
        if (r < 0) {
            md_error(c, where, "Unable to deliver to mailbox.");
            str_free(&t);
            return MD_ERR;
        }
        {
            str code = STR_INIT;
            str_catf(&code, "%d", status);
            md_var_set(&c->vars, "EXITCODE", 8, code.s, code.len);
            str_free(&code);
        }
        str_free(&t);
        c->delivered++;
        if (is_to) {
            /* the program's status is maildrop's; inside an exception a
             * failing program is an error that can be caught */
            if (status != 0 && c->in_exception) {
                md_error(c, where, "Program delivery failed with status %d.", status);
                return MD_ERR;
            }
            c->exitcode = status;
            return MD_EXIT;
        }
        return MD_OK;
    case 'm':
        r = deliver_maildir(c, t.s, where);
        break;
    default:
        r = deliver_mbox(c, t.s, where);
        break;
    }
    log_delivery(c, t.s, t.len, r == 0);
    str_free(&t);
    if (r < 0) return MD_ERR;
    c->delivered++;
    if (is_to) {
        c->exitcode = (int)md_var_long(c, "EXITCODE", 0);
        return MD_EXIT;
    }
    return MD_OK;
}
