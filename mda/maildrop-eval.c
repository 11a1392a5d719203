/*
 * maildrop-eval: running a parsed filter.  Every value is a byte string;
 * arithmetic reads numbers with atof() and writes them with %.22g, as
 * maildrop does.  Statements return MD_OK, MD_ERR (an error, already
 * reported; an exception block catches it) or MD_EXIT (the run ends with
 * ctx->exitcode: exit, to, a watchdog timeout).
 *
 * Choices where maildrop 2.9.3 and later versions differ (see the digest's
 * compatibility notes): a successful message match is 1 (2.9.3 says 2);
 * MATCHn are set on every foreach iteration and a group that did not take
 * part is empty; a dotlock statement's lock is removed when exit or to ends
 * the run inside it.  A while statement stops with an error after
 * MD_WHILE_MAX iterations.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "addr.h"
#include "fs.h"
#include "hdr.h"
#include "lock.h"
#include "maildrop.h"

/* ---- diagnostics --------------------------------------------------------------------- */

static void vreport(FILE *f, const char *prefix, const struct md_node *where, const char *fmt, va_list ap)
{
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    if (where && where->file)
        fprintf(f, "%s%s(%d): %s\n", prefix, where->file->name, where->line, m ? m : "?");
    else
        fprintf(f, "%smaildrop: %s\n", prefix, m ? m : "?");
    fflush(f);
    free(m);
}

void md_error(struct md_ctx *c, const struct md_node *where, const char *fmt, ...)
{
    va_list ap;
    (void)c;
    va_start(ap, fmt);
    vreport(stderr, "", where, fmt, ap);
    va_end(ap);
}

int md_verbose(struct md_ctx *c)
{
    if (c->quiet_verbose) return 0;
    return (int)md_var_long(c, "VERBOSE", 0);
}

void md_debug(struct md_ctx *c, int level, const char *fmt, ...)
{
    va_list ap;
    char *m = NULL;
    if (md_verbose(c) < level) return;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    fprintf(stderr, "maildrop: %s\n", m ? m : "?");
    free(m);
}

void md_explain(struct md_ctx *c, const struct md_node *where, const char *fmt, ...)
{
    va_list ap;
    char *m = NULL;
    if (!c->explain) return;
    va_start(ap, fmt);
    if (where && where->file) {
        vreport(stdout, "explain: ", where, fmt, ap);
    } else {
        if (vasprintf(&m, fmt, ap) < 0) m = NULL;
        printf("explain: %s\n", m ? m : "?");
        fflush(stdout);
        free(m);
    }
    va_end(ap);
}

void md_quote(str *out, const char *s, size_t n, size_t max)
{
    str_catc(out, '"');
    for (size_t i = 0; i < n && i < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') str_catf(out, "\\%c", ch);
        else if (ch == '\n') str_cats(out, "\\n");
        else if (ch == '\t') str_cats(out, "\\t");
        else if (ch < 32 || ch == 127) str_catf(out, "\\%03o", ch);
        else str_catc(out, (char)ch);
    }
    if (n > max) str_cats(out, "...");
    str_catc(out, '"');
}

long md_var_long(struct md_ctx *c, const char *name, long def)
{
    const str *v = md_var_get(&c->vars, name, strlen(name));
    double d;
    if (!v || !v->len) return def;
    d = md_num(v->s, v->len);
    if (d != d) return def;
    if (d > 2147483647.0) return 2147483647L;
    if (d < -2147483648.0) return -2147483647L - 1;
    return (long)d;
}

void md_stdout(const char *s, size_t n)
{
    fflush(stdout);
    (void)fs_write_all(1, s, n);
}

void md_set_size(struct md_ctx *c)
{
    char b[64];
    snprintf(b, sizeof b, "%lld", (long long)c->msg.st->size);
    md_var_sets(&c->vars, "SIZE", b);
    snprintf(b, sizeof b, "%lu", c->msg.st->lines);
    md_var_sets(&c->vars, "LINES", b);
}

void md_apply_umask(struct md_ctx *c)
{
    const char *u = md_var_gets(&c->vars, "UMASK");
    char *end;
    unsigned long m = strtoul(u, &end, 8);
    if (!*u || *end) return;
    c->umask_val = (unsigned)(m & 0777);
    umask((mode_t)c->umask_val);
}

/* ---- helpers --------------------------------------------------------------------------- */

static int setnum(str *out, double d)
{
    return md_fmtnum(out, d);
}

static int setbool(str *out, int b)
{
    return str_copys(out, b ? "1" : "0");
}

static int oom(struct md_ctx *c, const struct md_node *n)
{
    md_error(c, n, "Out of memory.");
    return MD_ERR;
}

static unsigned long to_ulong(double d)
{
    if (d != d) return 0;
    if (d >= 18446744073709551615.0) return ~0UL;
    if (d <= -9223372036854775808.0) return (unsigned long)(-9223372036854775807L - 1);
    if (d < 0) return (unsigned long)(long)d;
    return (unsigned long)d;
}

static int bytecmp(const str *a, const str *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = n ? memcmp(a->s, b->s, n) : 0;
    if (r) return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Echo/log escapes: \n \t \r \f \v, \ooo, \c at the very end (no newline),
 * \x for any other x is x. */
static void unescape(str *out, const char *s, size_t n, int *nonl)
{
    *nonl = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch != '\\' || i + 1 >= n) { str_catc(out, ch); continue; }
        ch = s[++i];
        switch (ch) {
        case 'n': str_catc(out, '\n'); break;
        case 't': str_catc(out, '\t'); break;
        case 'r': str_catc(out, '\r'); break;
        case 'f': str_catc(out, '\f'); break;
        case 'v': str_catc(out, '\v'); break;
        case 'c':
            if (i + 1 == n) *nonl = 1;
            else str_catc(out, 'c');
            break;
        default:
            if (ch >= '0' && ch <= '7') {
                int v = 0, k = 0;
                while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7') { v = v * 8 + (s[i] - '0'); i++; k++; }
                i--;
                str_catc(out, (char)v);
            } else {
                str_catc(out, ch);
            }
            break;
        }
    }
}

/* Makes a pattern ready: expands and compiles a dynamic one.  0 or -1. */
static int pat_ready(struct md_ctx *c, struct md_pat *p, const struct md_node *where)
{
    str t = STR_INIT, err = STR_INIT;
    int r = 0;
    if (!p->dynamic) return p->code ? 0 : -1;
    if (md_expand(c, p->src.s, p->src.len, where, &t) < 0) {
        str_free(&t);
        return -1;
    }
    if (md_pat_compile(p, t.s, t.len, &err) < 0) {
        md_error(c, where, "Invalid pattern /%s/: %s.", t.s, err.s ? err.s : "?");
        r = -1;
    }
    str_free(&t);
    str_free(&err);
    return r;
}

static const char *pat_where(const struct md_pat *p)
{
    unsigned f = p->flags;
    if ((f & MD_PH) && (f & MD_PB)) return "header and body";
    if (f & MD_PB) return "body";
    if (f & MD_PTOP) return "top header";
    return "header";
}

static void pat_show(str *out, const struct md_pat *p)
{
    str_catc(out, '/');
    str_cat(out, p->dynamic && p->compiled ? &p->last : &p->src);
    str_catc(out, '/');
    if (p->opts.len) {
        str_catc(out, ':');
        str_cat(out, &p->opts);
    }
}

/* ---- getaddr / hasaddr / escape ----------------------------------------------------------------- */

static int getaddr(str *out, const char *s, size_t n)
{
    addr_list l = ADDR_LIST_INIT;
    str_truncate(out, 0);
    if (addr_list_parse(&l, s, n) < 0) return -1;
    for (size_t i = 0; i < l.n; i++) {
        const addr_item *it = &l.v[i];
        if (it->kind != ADDR_MAILBOX || !it->addr.len) continue;
        if (addr_quote(out, it->addr.s, it->addr.len) < 0 || str_catc(out, '\n') < 0) {
            addr_list_free(&l);
            return -1;
        }
    }
    addr_list_free(&l);
    if (!out->s) str_ready(out, 0);
    return 0;
}

static int hasaddr(struct md_ctx *c, const char *a, size_t n)
{
    struct md_hdrscan h;
    const char *f;
    size_t fl;
    int r, found = 0;
    if (md_hdrscan_open(&h, c->msg.st) < 0) return -1;
    while (!found && (r = md_hdrscan_next(&h, &f, &fl)) == 1) {
        hdr_iter it;
        hdr_field fd;
        addr_list l = ADDR_LIST_INIT;
        hdr_iter_init(&it, f, fl);
        if (hdr_next(&it, &fd) != HDR_FIELD) continue;
        if (!hdr_is(&fd, "to") && !hdr_is(&fd, "cc") && !hdr_is(&fd, "resent-to") &&
            !hdr_is(&fd, "resent-cc"))
            continue;
        if (addr_list_parse(&l, fd.value, fd.value_len) < 0) { found = -1; break; }
        for (size_t i = 0; i < l.n; i++)
            if (l.v[i].kind == ADDR_MAILBOX && addr_equal(l.v[i].addr.s, l.v[i].addr.len, a, n)) {
                found = 1;
                break;
            }
        addr_list_free(&l);
    }
    md_hdrscan_close(&h);
    return found;
}

static int escape(str *out, const char *s, size_t n)
{
    static const char special[] = "|!$()[]\\+*?.&;`'-~<>^{}\"";
    str_truncate(out, 0);
    for (size_t i = 0; i < n; i++) {
        if (s[i] && strchr(special, s[i]) && str_catc(out, '\\') < 0) return -1;
        if (str_catc(out, s[i]) < 0) return -1;
    }
    if (!out->s) str_ready(out, 0);
    return 0;
}

/* ---- expressions -------------------------------------------------------------------------- */

static int backtick(struct md_ctx *c, const struct md_node *n, const char *cmd, str *out)
{
    str res = STR_INIT;
    int status = 0;
    char b[32];
    size_t i, s, e;
    if (md_run(c, cmd, NULL, MD_IN_MSG, &res, MD_BACKTICK_MAX, &status) < 0) {
        str_free(&res);
        if (md_timed_out) return MD_ERR;
        md_error(c, n, "Unable to run `%s`.", cmd);
        return MD_ERR;
    }
    snprintf(b, sizeof b, "%d", status);
    md_var_sets(&c->vars, "RETURNCODE", b);
    for (i = 0; i < res.len; i++)
        if (res.s[i] == '\n' || res.s[i] == '\r') res.s[i] = ' ';
    s = 0;
    e = res.len;
    while (s < e && (res.s[s] == ' ' || res.s[s] == '\t')) s++;
    while (e > s && (res.s[e - 1] == ' ' || res.s[e - 1] == '\t')) e--;
    if (e > s && str_catb(out, res.s + s, e - s) < 0) { str_free(&res); return oom(c, n); }
    if (c->explain) {
        str q = STR_INIT;
        md_quote(&q, res.s + s, e - s, 60);
        md_explain(c, n, "`%s` -> %s (status %d)", cmd, q.s, status);
        str_free(&q);
    }
    str_free(&res);
    return MD_OK;
}

static int eval_str(struct md_ctx *c, const struct md_node *n, str *out)
{
    str_truncate(out, 0);
    for (size_t i = 0; i < n->nseg; i++) {
        const struct md_seg *s = &n->seg[i];
        switch (s->kind) {
        case '\'':
            if (str_cat(out, &s->text) < 0) return oom(c, n);
            break;
        case '`': {
            int st = backtick(c, n, s->text.s, out);
            if (st != MD_OK) return st;
            break;
        }
        default:
            if (md_expand(c, s->text.s, s->text.len, n, out) < 0) return oom(c, n);
            break;
        }
    }
    if (!out->s && str_ready(out, 0) < 0) return oom(c, n);
    return MD_OK;
}

static int eval_pat(struct md_ctx *c, const struct md_node *n, str *out)
{
    struct md_pat *p = n->pat;
    str matched = STR_INIT;
    double score = 0;
    int st;
    if (pat_ready(c, p, n) < 0) {
        if (c->explain) {
            str d = STR_INIT;
            pat_show(&d, p);
            md_explain(c, n, "%s: invalid pattern, no match", d.s);
            str_free(&d);
        }
        return setbool(out, 0) < 0 ? oom(c, n) : MD_OK;
    }
    st = md_pat_msg(c, p, &score, c->explain || md_verbose(c) >= 3 ? &matched : NULL);
    if (st != MD_OK) { str_free(&matched); return st; }
    if (c->explain || md_verbose(c) >= 3) {
        str d = STR_INIT, q = STR_INIT;
        pat_show(&d, p);
        if (p->flags & MD_PWT) {
            str_catf(&q, "score %.22g", score);
        } else if (score) {
            str_cats(&q, "matched ");
            md_quote(&q, matched.s ? matched.s : "", matched.len, 100);
        } else {
            str_cats(&q, "no match");
        }
        if (c->explain) md_explain(c, n, "%s on the %s: %s", d.s, pat_where(p), q.s);
        else md_debug(c, 3, "%s(%d): %s on the %s: %s", n->file->name, n->line, d.s, pat_where(p), q.s);
        str_free(&d);
        str_free(&q);
    }
    str_free(&matched);
    return setnum(out, score) < 0 ? oom(c, n) : MD_OK;
}

static int eval2(struct md_ctx *c, const struct md_node *n, str *a, str *b)
{
    int st = md_eval(c, n->a, a);
    if (st != MD_OK) return st;
    return md_eval(c, n->b, b);
}

int md_eval(struct md_ctx *c, const struct md_node *n, str *out)
{
    str a = STR_INIT, b = STR_INIT, t = STR_INIT;
    int st = MD_OK;
    double x, y;

    switch (n->type) {
    case N_STR:
        return eval_str(c, n, out);
    case N_PAT:
        return eval_pat(c, n, out);
    case N_ASSIGN:
        st = md_eval(c, n->a, out);
        if (st != MD_OK) break;
        if (md_var_set(&c->vars, n->name.s, n->name.len, out->s, out->len) < 0) { st = oom(c, n); break; }
        if (n->name.len == 5 && !memcmp(n->name.s, "UMASK", 5)) md_apply_umask(c);
        md_debug(c, 5, "%s(%d): %s=\"%.200s\"", n->file->name, n->line, n->name.s, out->s);
        break;
    case N_OR:
        st = md_eval(c, n->a, out);
        if (st == MD_OK && !md_true(out->s, out->len)) st = md_eval(c, n->b, out);
        break;
    case N_AND:
        st = md_eval(c, n->a, out);
        if (st == MD_OK && md_true(out->s, out->len)) st = md_eval(c, n->b, out);
        break;
    case N_LT: case N_LE: case N_GT: case N_GE: case N_EQ: case N_NE:
        if ((st = eval2(c, n, &a, &b)) != MD_OK) break;
        x = md_num(a.s, a.len);
        y = md_num(b.s, b.len);
        switch (n->type) {
        case N_LT: st = setbool(out, x < y); break;
        case N_LE: st = setbool(out, x <= y); break;
        case N_GT: st = setbool(out, x > y); break;
        case N_GE: st = setbool(out, x >= y); break;
        case N_EQ: st = setbool(out, x == y); break;
        default: st = setbool(out, x != y); break;
        }
        st = st < 0 ? oom(c, n) : MD_OK;
        break;
    case N_SLT: case N_SLE: case N_SGT: case N_SGE: case N_SEQ: case N_SNE: {
        int r;
        if ((st = eval2(c, n, &a, &b)) != MD_OK) break;
        r = bytecmp(&a, &b);
        switch (n->type) {
        case N_SLT: st = setbool(out, r < 0); break;
        case N_SLE: st = setbool(out, r <= 0); break;
        case N_SGT: st = setbool(out, r > 0); break;
        case N_SGE: st = setbool(out, r >= 0); break;
        case N_SEQ: st = setbool(out, r == 0); break;
        default: st = setbool(out, r != 0); break;
        }
        st = st < 0 ? oom(c, n) : MD_OK;
        break;
    }
    case N_BOR: case N_BAND: {
        unsigned long u, v;
        if ((st = eval2(c, n, &a, &b)) != MD_OK) break;
        u = to_ulong(md_num(a.s, a.len));
        v = to_ulong(md_num(b.s, b.len));
        str_truncate(out, 0);
        st = str_catulong(out, n->type == N_BOR ? (u | v) : (u & v)) < 0 ? oom(c, n) : MD_OK;
        break;
    }
    case N_ADD: case N_SUB: case N_MUL: case N_DIV:
        if ((st = eval2(c, n, &a, &b)) != MD_OK) break;
        x = md_num(a.s, a.len);
        y = md_num(b.s, b.len);
        x = n->type == N_ADD ? x + y : n->type == N_SUB ? x - y : n->type == N_MUL ? x * y : x / y;
        st = setnum(out, x) < 0 ? oom(c, n) : MD_OK;
        break;
    case N_MATCH: {
        double score = 0;
        struct md_pat *p = n->b->pat;
        if ((st = md_eval(c, n->a, &a)) != MD_OK) break;
        if (pat_ready(c, p, n->b) == 0) {
            st = md_pat_str(c, p, a.s, a.len, &score);
            if (st != MD_OK) break;
        }
        if (c->explain) {
            str d = STR_INIT, q = STR_INIT;
            pat_show(&d, p);
            md_quote(&q, a.s, a.len, 60);
            md_explain(c, n, "%s =~ %s: %s", q.s, d.s, score ? "match" : "no match");
            str_free(&d);
            str_free(&q);
        }
        st = setnum(out, score) < 0 ? oom(c, n) : MD_OK;
        break;
    }
    case N_NOT:
        if ((st = md_eval(c, n->a, &a)) != MD_OK) break;
        st = setbool(out, !md_true(a.s, a.len)) < 0 ? oom(c, n) : MD_OK;
        break;
    case N_BNOT: {
        double d;
        long l;
        if ((st = md_eval(c, n->a, &a)) != MD_OK) break;
        d = md_num(a.s, a.len);
        l = (long)to_ulong(d);
        str_truncate(out, 0);
        st = str_catlong(out, ~l) < 0 ? oom(c, n) : MD_OK;
        break;
    }
    case N_LENGTH:
        if ((st = md_eval(c, n->a, &a)) != MD_OK) break;
        str_truncate(out, 0);
        st = str_catulong(out, (unsigned long)a.len) < 0 ? oom(c, n) : MD_OK;
        break;
    case N_SUBSTR: {
        double s0, cnt = -1;
        size_t from, len;
        if ((st = eval2(c, n, &a, &b)) != MD_OK) break;
        s0 = md_num(b.s, b.len);
        if (n->c) {
            if ((st = md_eval(c, n->c, &t)) != MD_OK) break;
            cnt = md_num(t.s, t.len);
            if (cnt < 0) cnt = 0;
        }
        str_truncate(out, 0);
        if (s0 < 0 || s0 != s0 || s0 >= (double)a.len) {
            st = str_ready(out, 0) < 0 ? oom(c, n) : MD_OK;
            break;
        }
        from = (size_t)s0;
        len = a.len - from;
        if (cnt >= 0 && cnt < (double)len) len = (size_t)cnt;
        st = str_copyb(out, a.s + from, len) < 0 ? oom(c, n) : MD_OK;
        break;
    }
    case N_GETADDR:
        if ((st = md_eval(c, n->a, &a)) != MD_OK) break;
        st = getaddr(out, a.s, a.len) < 0 ? oom(c, n) : MD_OK;
        break;
    case N_HASADDR: {
        int r;
        if ((st = md_eval(c, n->a, &a)) != MD_OK) break;
        r = hasaddr(c, a.s, a.len);
        if (r < 0) { md_error(c, n, "Unable to read the message: %s.", strerror(errno)); st = MD_ERR; break; }
        if (c->explain) md_explain(c, n, "hasaddr(%s): %s", a.s, r ? "yes" : "no");
        st = setbool(out, r) < 0 ? oom(c, n) : MD_OK;
        break;
    }
    case N_LOOKUP: {
        int r;
        if ((st = eval2(c, n, &a, &b)) != MD_OK) break;
        if (n->c && (st = md_eval(c, n->c, &t)) != MD_OK) break;
        r = md_lookup(c, a.s, a.len, b.s, t.s, n);
        if (r < 0) { st = MD_ERR; break; }
        if (c->explain) md_explain(c, n, "lookup(\"%.60s\", %s): %s", a.s, b.s, r ? "found" : "not found");
        st = setbool(out, r) < 0 ? oom(c, n) : MD_OK;
        break;
    }
    case N_ESCAPE:
        if ((st = md_eval(c, n->a, &a)) != MD_OK) break;
        st = escape(out, a.s, a.len) < 0 ? oom(c, n) : MD_OK;
        break;
    case N_TOLOWER: case N_TOUPPER:
        if ((st = md_eval(c, n->a, out)) != MD_OK) break;
        for (size_t i = 0; i < out->len; i++) {
            char ch = out->s[i];
            if (n->type == N_TOLOWER && ch >= 'A' && ch <= 'Z') out->s[i] = (char)(ch + 32);
            if (n->type == N_TOUPPER && ch >= 'a' && ch <= 'z') out->s[i] = (char)(ch - 32);
        }
        break;
    case N_TIME:
        str_truncate(out, 0);
        st = str_catlong(out, (long)time(NULL)) < 0 ? oom(c, n) : MD_OK;
        break;
    default:
        md_error(c, n, "Internal error: node %d is not an expression.", n->type);
        st = MD_ERR;
        break;
    }
    str_free(&a);
    str_free(&b);
    str_free(&t);
    if (st == MD_OK && !out->s && str_ready(out, 0) < 0) st = oom(c, n);
    return st;
}

/* ---- statements ------------------------------------------------------------------------- */

static int exec(struct md_ctx *c, const struct md_node *n);

static void refresh_locks(struct md_ctx *c)
{
    long every = md_var_long(c, "LOCKREFRESH", 15);
    time_t now = time(NULL);
    if (every < 1) every = 15;
    for (struct md_held *h = c->held; h; h = h->next) {
        if (now - h->refreshed >= every) {
            (void)utime(h->name.s, NULL);
            h->refreshed = now;
        }
    }
}

static int timeout_check(struct md_ctx *c)
{
    if (!md_timed_out) return MD_OK;
    fprintf(stderr, "maildrop: Timeout quota exceeded.\n");
    c->exitcode = MD_EX_TEMPFAIL;
    return MD_EXIT;
}

struct foreach_arg {
    const struct md_node *n;
    unsigned long k;
};

static int foreach_body(struct md_ctx *c, void *arg)
{
    struct foreach_arg *fa = arg;
    int st = timeout_check(c);
    if (st != MD_OK) return st;
    fa->k++;
    if (c->explain) {
        str q = STR_INIT;
        const str *m = md_var_get(&c->vars, "MATCH", 5);
        md_quote(&q, m ? m->s : "", m ? m->len : 0, 80);
        md_explain(c, fa->n, "foreach: iteration %lu, MATCH=%s", fa->k, q.s);
        str_free(&q);
    }
    return exec(c, fa->n->b);
}

static int do_include(struct md_ctx *c, const struct md_node *n, const str *path)
{
    struct md_file *f = NULL;
    int st, r;
    int lifted = n->file->lifted || md_include_lifts(c, path->s);
    if (c->include_depth >= MD_INCLUDE_MAX) {
        md_error(c, n, "include of %s: includes nested too deeply (a file including itself?).", path->s);
        return MD_ERR;
    }
    if (n->inc && str_equals(&n->incpath, path->s)) {
        f = n->inc;
    } else {
        /* an include known only now: parse it now, once */
        for (struct md_file *k = c->files; k; k = k->next)
            if (k->path.s && str_equals(&k->path, path->s) && k->lifted == lifted && k->prog) { f = k; break; }
        if (!f) {
            r = md_load(c, path->s, NULL, 0, 0, lifted, c->include_depth + 1, 0, &f);
            if (r != 0) {
                md_error(c, n, "Unable to include %s.", path->s);
                return MD_ERR;
            }
        }
    }
    if (lifted && !n->file->lifted && c->embedded) {
        /* a maildroprcs file: the variables an embedded filter may have
         * changed are reset before it runs */
        for (int i = 0; i < 16 && c->initial[i]; i++) {
            const char *eq = strchr(c->initial[i], '=');
            md_var_set(&c->vars, c->initial[i], (size_t)(eq - c->initial[i]), eq + 1, strlen(eq + 1));
        }
    }
    md_explain(c, n, "include %s", path->s);
    md_debug(c, 2, "%s(%d): including %s", n->file->name, n->line, path->s);
    c->include_depth++;
    st = md_run_file(c, f);
    c->include_depth--;
    return st;
}

static int exec1(struct md_ctx *c, const struct md_node *n)
{
    str v = STR_INIT;
    int st = MD_OK;

    switch (n->type) {
    case S_LIST:
        for (const struct md_node *k = n->a; k; k = k->next) {
            if ((st = timeout_check(c)) != MD_OK) break;
            if (c->held) refresh_locks(c);
            st = exec(c, k);
            if (st != MD_OK) break;
        }
        break;
    case S_IF: {
        int t;
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        t = md_true(v.s, v.len);
        md_explain(c, n, "if: %s", t ? "true" : "false");
        md_debug(c, 4, "%s(%d): if: %s", n->file->name, n->line, t ? "true" : "false");
        if (t) st = exec(c, n->b);
        else if (n->c) st = exec(c, n->c);
        break;
    }
    case S_WHILE: {
        unsigned long k = 0;
        for (;;) {
            int t;
            if ((st = timeout_check(c)) != MD_OK) break;
            if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
            t = md_true(v.s, v.len);
            if (c->explain && (k < 10 || !t)) md_explain(c, n, "while: %s", t ? "true" : "false");
            if (!t) break;
            if (++k > MD_WHILE_MAX) {
                md_error(c, n, "while loop stopped after %lu iterations.", MD_WHILE_MAX);
                st = MD_ERR;
                break;
            }
            if ((st = exec(c, n->b)) != MD_OK) break;
        }
        break;
    }
    case S_FOREACH: {
        struct foreach_arg fa;
        fa.n = n;
        fa.k = 0;
        if (n->a->type == N_PAT) {
            if (pat_ready(c, n->a->pat, n->a) < 0) break;
            st = md_pat_foreach_msg(c, n->a->pat, foreach_body, &fa);
        } else {
            if ((st = md_eval(c, n->a->a, &v)) != MD_OK) break;
            if (pat_ready(c, n->a->b->pat, n->a->b) < 0) break;
            st = md_pat_foreach_str(c, n->a->b->pat, v.s, v.len, foreach_body, &fa);
        }
        if (c->explain && !fa.k) md_explain(c, n, "foreach: no match");
        break;
    }
    case S_EXCEPTION:
        c->in_exception++;
        st = exec(c, n->a);
        c->in_exception--;
        if (st == MD_ERR) {
            md_explain(c, n, "exception: an error was caught, filtering goes on");
            md_debug(c, 1, "%s(%d): exception caught", n->file->name, n->line);
            st = MD_OK;
        }
        break;
    case S_DOTLOCK: {
        struct md_held h;
        long stale = md_var_long(c, "LOCKTIMEOUT", 60), sl = md_var_long(c, "LOCKSLEEP", 5);
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        if (c->explain) {
            md_explain(c, n, "dotlock %s (not taken: --explain)", v.s);
            st = exec(c, n->b);
            break;
        }
        if (stale < 1) stale = 60;
        if (sl < 0) sl = 5;
        if (lock_dot_acquire_name(v.s, MD_WATCHDOG, (int)stale) < 0) {
            md_error(c, n, "Unable to create a dot-lock at %s: %s.", v.s, strerror(errno));
            st = MD_ERR;
            break;
        }
        h.name = v;
        h.refreshed = time(NULL);
        h.next = c->held;
        c->held = &h;
        st = exec(c, n->b);
        c->held = h.next;
        (void)lock_dot_release_name(v.s);
        break;
    }
    case S_FLOCK: {
        int fd;
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        if (c->explain) {
            md_explain(c, n, "flock %s (not taken: --explain)", v.s);
            st = exec(c, n->b);
            break;
        }
        fd = open(v.s, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
        if (fd < 0 || lock_ex(fd) < 0) {
            md_error(c, n, "Unable to lock %s: %s.", v.s, strerror(errno));
            if (fd >= 0) close(fd);
            st = MD_ERR;
            break;
        }
        st = exec(c, n->b);
        (void)lock_un(fd);
        close(fd);
        break;
    }
    case S_TO:
    case S_CC:
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        st = md_deliver(c, v.s, v.len, n->type == S_TO, n);
        break;
    case S_XFILTER: {
        struct md_store *ns = NULL;
        int status = 0;
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        if (md_run_filter(c, v.s, &status, &ns) < 0 || status != 0 || !ns || ns->size == 0) {
            if (md_timed_out) { st = timeout_check(c); md_store_unref(ns); break; }
            md_error(c, n, "Unable to filter message%s.",
                     ns && ns->size == 0 && status == 0 ? " (the filter wrote nothing)" : "");
            if (status) {
                char b[32];
                snprintf(b, sizeof b, "%d", status);
                md_var_sets(&c->vars, "RETURNCODE", b);
            }
            md_store_unref(ns);
            st = MD_ERR;
            break;
        }
        md_var_sets(&c->vars, "RETURNCODE", "0");
        md_msg_replace(&c->msg, ns);
        md_set_size(c);
        md_explain(c, n, "xfilter %s: the message was replaced (%lld bytes)", v.s, (long long)ns->size);
        break;
    }
    case S_SYSTEM: {
        int status = 0;
        char b[32];
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        if (c->explain) {
            md_explain(c, n, "system %s (not run: --explain)", v.s);
            md_var_sets(&c->vars, "RETURNCODE", "0");
            break;
        }
        if (md_run(c, v.s, NULL, MD_IN_NULL, NULL, 0, &status) < 0) {
            if (md_timed_out) { st = timeout_check(c); break; }
            st = MD_ERR;
            break;
        }
        snprintf(b, sizeof b, "%d", status);
        md_var_sets(&c->vars, "RETURNCODE", b);
        break;
    }
    case S_ECHO:
    case S_LOG: {
        str o = STR_INIT;
        int nonl;
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        unescape(&o, v.s, v.len, &nonl);
        if (!nonl) str_catc(&o, '\n');
        if (o.s) {
            if (n->type == S_ECHO) md_stdout(o.s, o.len);
            else md_log_text(c, o.s, o.len);
        }
        str_free(&o);
        break;
    }
    case S_LOGFILE:
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        if (c->explain) {
            md_explain(c, n, "logfile %s (not written: --explain)", v.s);
            break;
        }
        (void)md_logfile_open(c, v.s);
        break;
    case S_INCLUDE:
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        st = do_include(c, n, &v);
        break;
    case S_IMPORT: {
        size_t l;
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        l = v.len;
        for (char **e = c->origenv; e && *e; e++) {
            if (strncmp(*e, v.s, l) == 0 && (*e)[l] == '=') {
                if (md_var_set(&c->vars, v.s, l, *e + l + 1, strlen(*e + l + 1)) < 0) st = oom(c, n);
                goto imported;
            }
        }
        if (md_var_set(&c->vars, v.s, l, "", 0) < 0) st = oom(c, n);
    imported:
        if (l == 5 && !memcmp(v.s, "UMASK", 5)) md_apply_umask(c);
        break;
    }
    case S_UNSET:
        if ((st = md_eval(c, n->a, &v)) != MD_OK) break;
        md_var_unset(&c->vars, v.s, v.len);
        break;
    case S_EXIT:
        c->exitcode = (int)md_var_long(c, "EXITCODE", 0);
        md_explain(c, n, "exit %d: filtering ends, nothing more is delivered", c->exitcode);
        st = MD_EXIT;
        break;
    case S_EXPR:
        st = md_eval(c, n->a, &v);
        break;
    default:
        md_error(c, n, "Internal error: node %d is not a statement.", n->type);
        st = MD_ERR;
        break;
    }
    str_free(&v);
    return st;
}

static int exec(struct md_ctx *c, const struct md_node *n)
{
    return exec1(c, n);
}

int md_run_file(struct md_ctx *c, struct md_file *f)
{
    if (!f || !f->prog) return MD_OK;
    return exec(c, f->prog);
}
