/* rcpt: the lookups of qmail's delivery path.  See rcpt.h. */
#include "rcpt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "fs.h"

/* Wildcard keys longer than this are not looked up: no users/assign has
 * such prefixes, and a long local part made of wildchars would otherwise
 * cost time quadratic in its length. */
#define WILDKEY_MAX 4096
/* Longest qmail-getpw answer read. */
#define NUGHDE_MAX 65536

/* ---- recipient rewriting ---------------------------------------------------- */

void rcpt_rw_free(rcpt_rw *rw)
{
    str_free(&rw->envnoathost);
    ctl_set_free(&rw->locals);
    ctl_set_free(&rw->percenthack);
    ctl_map_free(&rw->vdoms);
}

static int read_vdoms(rcpt_rw *rw, const char *home,
                      void (*junk)(void *, int, const char *, size_t), void *ctx)
{
    ctl_list l = CTL_LIST_INIT;
    int r = ctl_readlist(home, "virtualdomains", &l);
    if (r == CTL_ERR) return -1;
    for (size_t i = 0; i < l.n; i++) {
        const char *line = l.item[i];
        size_t len = l.itemlen[i];
        const char *colon = memchr(line, ':', len);
        size_t klen;
        if (!colon) {
            if (junk) junk(ctx, RCPT_JUNK_NOCOLON, line, len);
            continue;
        }
        klen = (size_t)(colon - line);
        if (klen > 0 && line[klen - 1] == '@') {
            if (junk) junk(ctx, RCPT_JUNK_EMPTYDOMAIN, line, len);
            continue;
        }
        if (ctl_map_put(&rw->vdoms, line, klen, colon + 1, len - klen - 1) < 0) {
            int e = errno;
            ctl_list_free(&l);
            errno = e;
            return -1;
        }
    }
    ctl_list_free(&l);
    return 0;
}

int rcpt_rw_read(rcpt_rw *rw, const char *home,
                 void (*junk)(void *ctx, int kind, const char *line, size_t len), void *ctx,
                 const char **why)
{
    str me = STR_INIT;
    int r, e;
    const char *dummy;
    if (!why) why = &dummy;
    memset(rw, 0, sizeof *rw);
    r = ctl_readline(home, "me", &me);
    if (r == CTL_ERR) { *why = "unable to read control/me"; goto fail; }
    int have_me = r == CTL_FOUND;
    r = ctl_readset(home, "locals", &rw->locals);
    if (r == CTL_ERR) { *why = "unable to read control/locals"; goto fail; }
    if (r == CTL_MISSING) {
        if (!have_me) {
            *why = "control/locals and control/me are both missing";
            errno = ENOENT;
            goto fail;
        }
        if (ctl_set_add(&rw->locals, me.s, me.len) < 0) { *why = "out of memory"; goto fail; }
    }
    if (ctl_readset(home, "percenthack", &rw->percenthack) == CTL_ERR) {
        *why = "unable to read control/percenthack";
        goto fail;
    }
    if (ctl_readline_me(home, "envnoathost", "envnoathost", &rw->envnoathost) == CTL_ERR) {
        *why = "unable to read control/envnoathost";
        goto fail;
    }
    if (read_vdoms(rw, home, junk, ctx) < 0) {
        *why = "unable to read control/virtualdomains";
        goto fail;
    }
    str_free(&me);
    return 0;
fail:
    e = errno;
    str_free(&me);
    rcpt_rw_free(rw);
    memset(rw, 0, sizeof *rw);
    errno = e;
    return -1;
}

static size_t last_at(const str *a)
{
    ptrdiff_t i = str_rchr(a, '@');
    return i < 0 ? a->len : (size_t)i;
}

int rcpt_rewrite(const rcpt_rw *rw, const char *rcpt, size_t n, str *out, str *tmp)
{
    size_t i, at;
    if (str_copyb(tmp, rcpt, n) < 0) return -1;
    i = last_at(tmp);
    if (i == tmp->len) {
        if (str_catc(tmp, '@') < 0 || str_cat(tmp, &rw->envnoathost) < 0) return -1;
    }
    /* percenthack: user%host@listed -> user@host, repeatedly */
    while (ctl_set_has(&rw->percenthack, tmp->s + i + 1, tmp->len - i - 1)) {
        const char *p = memrchr(tmp->s, '%', i);
        if (!p) break;
        str_truncate(tmp, i);
        i = (size_t)(p - tmp->s);
        tmp->s[i] = '@';
    }
    at = last_at(tmp);
    if (str_copy(out, tmp) < 0) return -1;
    if (at < tmp->len && ctl_set_has(&rw->locals, tmp->s + at + 1, tmp->len - at - 1))
        return RCPT_LOCAL;
    /* virtualdomains: whole address, domain, .suffixes, then the empty key */
    for (size_t k = 0; k <= tmp->len; k++) {
        const char *val;
        size_t vlen;
        if (!(k == 0 || k == at + 1 || k == tmp->len || (k > at && tmp->s[k] == '.'))) continue;
        if (!ctl_map_find(&rw->vdoms, tmp->s + k, tmp->len - k, &val, &vlen)) continue;
        if (vlen == 0) break; /* "domain:" is an exception: not virtual */
        if (str_copyb(out, val, vlen) < 0 || str_catc(out, '-') < 0 || str_cat(out, tmp) < 0)
            return -1;
        return RCPT_LOCAL;
    }
    return RCPT_REMOTE;
}

/* ---- users/cdb ---------------------------------------------------------------- */

int rcpt_users_cdb(cdbx *db, const char *local, str *nughde)
{
    str lower = STR_INIT, wild = STR_INIT;
    int r, e;

    if (str_copys(&lower, "!") < 0 || str_cats(&lower, local) < 0 || str_catc(&lower, 0) < 0)
        goto err;
    for (size_t i = 0; i < lower.len; i++) lower.s[i] = ascii_lower(lower.s[i]);

    r = cdbx_find(db, "", 0, &wild);
    if (r < 0) goto err;
    if (r == 0) {
        errno = EPROTO;
        goto err;
    }
    /* exact key "!local\0", then "!" + prefix (no NUL), longest first,
     * each ending in a wildchar or empty */
    size_t i = lower.len;
    int flagwild = 0;
    do {
        if (!flagwild || i == 1 ||
            (i <= WILDKEY_MAX && memchr(wild.s, lower.s[i - 1], wild.len))) {
            r = cdbx_find(db, lower.s, i, nughde);
            if (r < 0) goto err;
            if (r == 1) {
                if (flagwild && str_cats(nughde, local + i - 1) < 0) goto err;
                if (str_catc(nughde, 0) < 0) goto err;
                str_free(&lower);
                str_free(&wild);
                return 1;
            }
        }
        i--;
        flagwild = 1;
    } while (i);
    str_free(&lower);
    str_free(&wild);
    return 0;
err:
    e = errno;
    str_free(&lower);
    str_free(&wild);
    errno = e;
    return -1;
}

/* ---- .qmail files ----------------------------------------------------------------- */

int rcpt_safeext(str *out, const char *ext)
{
    if (str_copys(out, ext) < 0) return -1;
    str_lower(out);
    for (size_t i = 0; i < out->len; i++)
        if (out->s[i] == '.') out->s[i] = ':';
    return 0;
}

int rcpt_qmail_name(str *out, const char *dash, const char *tail, size_t tlen,
                    const char *suffix)
{
    size_t start;
    /* longer than a file name can be: skip it without building it (an
     * extension of many '-' would otherwise cost quadratic time) */
    if (tlen > NAME_MAX || tlen + strlen(suffix) + strlen(dash) + 6 > PATH_MAX) return 0;
    if (str_copys(out, ".qmail") < 0 || str_cats(out, dash) < 0) return -1;
    start = strchr(dash, '/') ? out->len : 0;
    if (str_catb(out, tail, tlen) < 0 || str_cats(out, suffix) < 0) return -1;
    if (out->len == start) return 1;          /* nothing from the address */
    return fs_safe_component(out->s + start, out->len - start);
}

int rcpt_dotqmail(const char *dash, const char *ext,
                  int (*probe)(void *ctx, const char *name), void *ctx,
                  str *qme, size_t *defoff)
{
    str safeext = STR_INIT;
    size_t elen = strlen(ext);
    int r, p, result = 0, e;

    *defoff = RCPT_NODEFAULT;
    if (rcpt_safeext(&safeext, ext) < 0) return -1;
    r = rcpt_qmail_name(qme, dash, safeext.s, safeext.len, "");
    if (r < 0) goto err;
    if (r == 1) {
        p = probe(ctx, qme->s);
        if (p < 0) goto err;
        if (p == 1) {
            if (safeext.len >= 7) {
                size_t i = safeext.len - 7;
                if (!memcmp(safeext.s + i, "default", 7) && i <= elen) *defoff = i;
            }
            result = 1;
            goto done;
        }
    }
    for (size_t i = safeext.len + 1; i-- > 0;) {
        if (i && safeext.s[i - 1] != '-') continue;
        r = rcpt_qmail_name(qme, dash, safeext.s, i, "default");
        if (r < 0) goto err;
        if (r == 0) continue;
        p = probe(ctx, qme->s);
        if (p < 0) goto err;
        if (p == 1) {
            if (i <= elen) *defoff = i;
            result = 1;
            goto done;
        }
    }
done:
    str_free(&safeext);
    return result;
err:
    e = errno;
    str_free(&safeext);
    errno = e;
    return -1;
}

/* ---- the recipient check -------------------------------------------------------- */

/* Runs home/bin/qmail-getpw local; 0 with its answer in nughde, -1 on any
 * failure (its exit codes are all reasons to defer, as qmail-lspawn does). */
static int getpw(const char *home, const char *local, str *nughde)
{
    str prog = STR_INIT;
    int p[2], st, e;
    pid_t pid;

    if (str_copys(&prog, home) < 0 || str_cats(&prog, "/bin/qmail-getpw") < 0) goto fail0;
    if (pipe2(p, O_CLOEXEC) < 0) goto fail0;
    pid = fork();
    if (pid < 0) {
        e = errno;
        close(p[0]);
        close(p[1]);
        errno = e;
        goto fail0;
    }
    if (pid == 0) {
        char *args[3] = { prog.s, (char *)local, 0 };
        int nul = open("/dev/null", O_RDONLY);
        if (nul < 0) _exit(111);
        if (nul != 0) {
            if (dup2(nul, 0) < 0) _exit(111);
            close(nul);
        }
        if (dup2(p[1], 1) < 0) _exit(111);
        /* qmail-getpw finds the home through $QMAILHOME: make it absolute */
        if (getenv("QMAILHOME") && setenv("QMAILHOME", home, 1) < 0) _exit(111);
        signal(SIGPIPE, SIG_DFL);
        execv(args[0], args);
        _exit(111);
    }
    close(p[1]);
    str_truncate(nughde, 0);
    int rr = fs_read_fd(p[0], nughde, NUGHDE_MAX);
    e = errno;
    close(p[0]);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) { st = -1; break; }
    str_free(&prog);
    if (rr < 0) {
        errno = e;
        return -1;
    }
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        errno = EAGAIN;
        return -1;
    }
    return 0;
fail0:
    e = errno;
    str_free(&prog);
    errno = e;
    return -1;
}

struct probe_ctx {
    const char *home;
    str path;
};

/* A .qmail file is there when it is a regular file; one we may not look at
 * counts as there (qmail-local will decide). */
static int probe_stat(void *vc, const char *name)
{
    struct probe_ctx *c = vc;
    struct stat st;
    if (str_copys(&c->path, c->home) < 0 || str_catc(&c->path, '/') < 0 ||
        str_cats(&c->path, name) < 0)
        return -1;
    if (stat(c->path.s, &st) == 0) return S_ISREG(st.st_mode) ? 1 : 0;
    if (errno == EACCES || errno == EPERM) return 1;
    if (die_errno_temp(errno)) return -1;
    return 0;
}

/* Next NUL-terminated field of x[*pos..len), or NULL. */
static const char *field(const str *x, size_t *pos)
{
    const char *f, *z;
    if (*pos >= x->len) return NULL;
    f = x->s + *pos;
    z = memchr(f, 0, x->len - *pos);
    if (!z) return NULL;
    *pos = (size_t)(z - x->s) + 1;
    return f;
}

int rcpt_check(const char *home, const rcpt_rw *rw, const char *addr, size_t len)
{
    str out = STR_INIT, tmp = STR_INIT, nughde = STR_INIT;
    struct probe_ctx pc = { NULL, STR_INIT };
    int result = RCPT_CHECK_TEMP, r, e;
    const char *user, *uid, *gid, *uhome, *dash, *ext;
    size_t pos = 0, at, defoff;
    struct stat st;

    if (!home) home = ctl_home();
    r = rcpt_rewrite(rw, addr, len, &out, &tmp);
    if (r < 0) goto done;
    if (r == RCPT_REMOTE) { result = RCPT_CHECK_OK; goto done; }
    at = last_at(&out);
    str_truncate(&out, at);              /* the local part */
    if (!out.len) { result = RCPT_CHECK_OK; goto done; }   /* delivered to nowhere */
    if (memchr(out.s, 0, out.len)) { errno = EINVAL; goto done; }

    /* users/cdb, then qmail-getpw, as qmail-lspawn */
    if (str_copys(&tmp, home) < 0 || str_cats(&tmp, "/users/cdb") < 0) goto done;
    {
        cdbx db;
        r = 0;
        if (cdbx_open(&db, tmp.s) < 0) {
            if (errno != ENOENT) goto done;
        } else {
            r = rcpt_users_cdb(&db, out.s, &nughde);
            e = errno;
            cdbx_close(&db);
            errno = e;
            if (r < 0) goto done;
        }
        if (r == 0 && getpw(home, out.s, &nughde) < 0) goto done;
    }
    user = field(&nughde, &pos);
    uid = field(&nughde, &pos);
    gid = field(&nughde, &pos);
    uhome = field(&nughde, &pos);
    dash = field(&nughde, &pos);
    ext = field(&nughde, &pos);
    if (!user || !uid || !gid || !uhome || !dash || !ext) { errno = EPROTO; goto done; }
    (void)user;
    /* an exact user without a .qmail file gets the default delivery */
    if (!*dash) { result = RCPT_CHECK_OK; goto done; }
    /* a home we cannot look into: the delivery will decide */
    if (uhome[0] != '/' || stat(uhome, &st) < 0 || !S_ISDIR(st.st_mode)) {
        result = RCPT_CHECK_OK;
        goto done;
    }
    pc.home = uhome;
    r = rcpt_dotqmail(dash, ext, probe_stat, &pc, &tmp, &defoff);
    if (r < 0) goto done;
    result = r == 1 ? RCPT_CHECK_OK : RCPT_CHECK_UNKNOWN;
done:
    e = errno;
    str_free(&out);
    str_free(&tmp);
    str_free(&nughde);
    str_free(&pc.path);
    errno = e;
    return result;
}
