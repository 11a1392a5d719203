/*
 * reformail: reformats a message (maildrop 2.9.3's reformail(1)).
 *
 * The message is read from standard input and written to standard output.
 * The header (everything up to the first empty line; leading empty lines
 * are dropped; a line without a colon is still a header line; a line
 * starting with white space continues the field before it) is handled one
 * field at a time, the body is streamed.  The rules follow the original
 * exactly, quirks included where a filter may rely on them (see
 * reformail(1) for the list); the field name a rule compares is the first
 * line of the field up to and including its first colon, lower-cased, and
 * it matches an option when it is a prefix of the option's text (ignoring
 * case).  Other parts: reformail-io.c (input, body, output, -s) and
 * reformail-cache.c (-D); see mda/reformail.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "die.h"
#include "hdr.h"
#include "reformail.h"
#include "str.h"

static void nomem(void) { die(1, RF_PROG, "out of memory"); }

static void help(void) { die(1, RF_PROG, "invalid arguments"); }

/* ---- lists ---------------------------------------------------------------------------------- */

static void list_add(rf_list *l, const char *s, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8, bytes;
        if (size_mul(cap, sizeof *l->v, &bytes) < 0) nomem();
        str *v = realloc(l->v, bytes);
        if (!v) nomem();
        l->v = v;
        l->cap = cap;
    }
    str e = STR_INIT;
    if (str_copyb(&e, s, n) < 0) nomem();
    l->v[l->n++] = e;
}

static void list_del(rf_list *l, size_t k)
{
    str_free(&l->v[k]);
    memmove(l->v + k, l->v + k + 1, (l->n - k - 1) * sizeof *l->v);
    l->n--;
}

/* The first entry of which the (lower-case) key is a prefix, ignoring
 * case; -1 if none. */
static ptrdiff_t list_find(const rf_list *l, const str *key)
{
    for (size_t k = 0; k < l->n; k++)
        if (l->v[k].len >= key->len && case_equalb(l->v[k].s, key->s, key->len))
            return (ptrdiff_t)k;
    return -1;
}

/* ---- the key of a field ------------------------------------------------------------------------ */

/* key = the field's first line up to and including its first ':',
 * lower-cased (the whole first line when it has no colon). */
static void field_key(str *key, const char *f, size_t n)
{
    size_t k = 0;
    while (k < n && f[k] != '\n') {
        if (f[k++] == ':') break;
    }
    if (str_copyb(key, f, k) < 0) nomem();
    str_lower(key);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* ---- what happens to a field once it has been decided ---------------------------------------------- */

/* -x / -X: prints the value or the whole (unfolded) field of a wanted name. */
static void extract(rf *r, const char *f, size_t n)
{
    str line = STR_INIT, key = STR_INIT;
    if (hdr_unfold(&line, f, n, HDR_UNFOLD_COLLAPSE) < 0) nomem();
    field_key(&key, line.s ? line.s : "", line.len);
    if (list_find(&r->x, &key) >= 0) {
        size_t k = key.len;
        while (k < line.len && is_space(line.s[k])) k++;
        rf_put(r, line.s + k, line.len - k);
        rf_eol(r);
    } else if (list_find(&r->X, &key) >= 0) {
        rf_put(r, line.s, line.len);
        rf_eol(r);
    }
    str_free(&line);
    str_free(&key);
}

/* -D: the first Message-ID field decides. */
static void cache_field(rf *r, const char *f, size_t n)
{
    str line = STR_INIT, key = STR_INIT;
    if (r->catenate) {
        if (hdr_unfold(&line, f, n, HDR_UNFOLD_COLLAPSE) < 0) nomem();
    } else if (str_copyb(&line, f, n) < 0) {
        nomem();
    }
    field_key(&key, line.s, line.len);
    if (str_equals(&key, "message-id:")) {
        const char *v = line.s + key.len;
        size_t vl = line.len - key.len;
        while (vl && is_space(*v)) v++, vl--;
        while (vl && is_space(v[vl - 1])) vl--;
        /* the cache separates IDs with NUL: an ID ends at its first NUL */
        const char *nul = memchr(v, 0, vl);
        if (nul) vl = (size_t)(nul - v);
        if (vl) r->cache_found = rf_cache(r->cache_file, r->cache_len, v, vl);
        r->done = 1;
    }
    str_free(&line);
    str_free(&key);
}

/* Writes a field: its lines, or with -c all on one line. */
static void emit(rf *r, const char *f, size_t n)
{
    if (r->done) return;
    if (r->mode == RF_EXTRACT) {
        extract(r, f, n);
        return;
    }
    if (r->mode == RF_CACHE) {
        cache_field(r, f, n);
        return;
    }
    if (r->catenate) {
        str line = STR_INIT;
        if (hdr_unfold(&line, f, n, HDR_UNFOLD_COLLAPSE) < 0) nomem();
        rf_put(r, line.s, line.len);
        rf_eol(r);
        str_free(&line);
        return;
    }
    for (;;) {
        const char *nl = memchr(f, '\n', n);
        size_t k = nl ? (size_t)(nl - f) : n;
        rf_put(r, f, k);
        rf_eol(r);
        if (!nl) break;
        f += k + 1;
        n -= k + 1;
    }
}

/* ---- the header pipeline ------------------------------------------------------------------------ */

static void saved_add(rf *r, size_t n)
{
    if (size_add(r->saved, n, &r->saved) < 0 || r->saved > RF_SAVED_MAX)
        die(1, RF_PROG, "header too large (more than %u bytes to keep)", RF_SAVED_MAX);
}

/* One field of the message (text without its final line end). */
static void field(rf *r, const char *f0, size_t n0)
{
    str f = STR_INIT, key = STR_INIT, t = STR_INIT;
    ptrdiff_t k;
    if (str_copyb(&f, f0, n0) < 0) nomem();
    field_key(&key, f.s, f.len);

    if (list_find(&r->i, &key) >= 0) {
        if (str_copys(&t, "old-") < 0 || str_cat(&t, &key) < 0 || str_copy(&key, &t) < 0 ||
            str_copys(&t, "Old-") < 0 || str_cat(&t, &f) < 0 || str_copy(&f, &t) < 0)
            nomem();
    }
    if ((k = list_find(&r->R, &key)) >= 0) {
        const str *e = &r->R.v[k];
        if (str_copyb(&t, e->s + key.len, e->len - key.len) < 0 ||
            str_catb(&t, f.s + key.len, f.len - key.len) < 0 || str_copy(&f, &t) < 0)
            nomem();
    }
    if (list_find(&r->I, &key) >= 0) goto drop;
    if (list_find(&r->u, &key) >= 0) {
        if (list_find(&r->ukept, &key) >= 0) goto drop;
        const char *nl = memchr(f.s, '\n', f.len);
        size_t fl = nl ? (size_t)(nl - f.s) : f.len;
        saved_add(r, fl);
        list_add(&r->ukept, f.s, fl);
    } else if (list_find(&r->U, &key) >= 0) {
        if ((k = list_find(&r->Ukept, &key)) >= 0) {
            r->saved -= r->Ukept.v[k].len;
            list_del(&r->Ukept, (size_t)k);
        }
        saved_add(r, f.len);
        list_add(&r->Ukept, f.s, f.len);
        goto drop;
    }
    if ((k = list_find(&r->a, &key)) >= 0) list_del(&r->a, (size_t)k);
    emit(r, f.s, f.len);
drop:
    str_free(&f);
    str_free(&key);
    str_free(&t);
}

/* Drops -i/-I entries without a value ("Name:"): they only remove. */
static void strip_empty(rf_list *l)
{
    for (size_t k = 0; k < l->n;) {
        if (l->v[k].len && l->v[k].s[l->v[k].len - 1] == ':') list_del(l, k);
        else k++;
    }
}

/* The end of the header: the added fields, then the empty line. */
static void header_end(rf *r)
{
    rf_list *order[] = { &r->a, &r->A, &r->i, &r->I, &r->Ukept };
    strip_empty(&r->i);
    strip_empty(&r->I);
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        for (size_t j = 0; j < order[k]->n; j++) emit(r, order[k]->v[j].s, order[k]->v[j].len);
    if (r->mode == RF_COPY || r->mode == RF_SPLIT) {
        rf_put(r, "", 0);
        rf_eol(r);
    }
    r->done = 1;
}

static int is_cont(const str *line)
{
    if (!line->len) return 0;
    char c = line->s[0];
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

enum { F_FIELD, F_BLANK, F_EOF };

/* The next field (line + continuation lines, joined by '\n') into f. */
static int next_field(rf *r, str *f)
{
    if (!r->have_look) {
        if (!rf_read_line(r, &r->look)) return F_EOF;
        r->have_look = 1;
    }
    if (r->look.len == 0) {
        r->have_look = 0;
        return F_BLANK;
    }
    if (str_copy(f, &r->look) < 0) nomem();
    r->have_look = 0;
    while (rf_read_line(r, &r->look)) {
        if (!is_cont(&r->look)) {
            r->have_look = 1;
            break;
        }
        if (f->len + 1 + r->look.len > RF_FIELD_MAX)
            die(1, RF_PROG, "header field longer than %u bytes", RF_FIELD_MAX);
        if (str_catc(f, '\n') < 0 || str_cat(f, &r->look) < 0) nomem();
    }
    return F_FIELD;
}

static int starts_from(const str *l) { return l->len >= 5 && memcmp(l->s, "From ", 5) == 0; }

/* -f0: "From <addr> date" becomes "Return-Path: <addr>" (replacing one). */
static void from_to_return_path(rf *r, const str *l)
{
    size_t k = 5, e;
    str rp = STR_INIT;
    while (k < l->len && is_space(l->s[k])) k++;
    if (k < l->len && l->s[k] == '<') k++;
    for (e = k; e < l->len && l->s[e] != '>' && !is_space(l->s[e]); e++) continue;
    if (str_copys(&rp, "Return-Path: <") < 0 || str_catb(&rp, l->s + k, e - k) < 0 ||
        str_catc(&rp, '>') < 0)
        nomem();
    list_add(&r->I, rp.s, rp.len);
    str_free(&rp);
}

/* -f1: the sender for a new From_ line: the last Return-Path: or
 * Errors-To: (also quoted as ">Return-Path:"), else From:, else root. */
static void make_from_line(str *out, const rf_list *h)
{
    const str *rp = NULL, *fr = NULL;
    size_t rpk = 0, frk = 0;
    str key = STR_INIT, sender = STR_INIT;
    for (size_t k = 0; k < h->n; k++) {
        field_key(&key, h->v[k].s, h->v[k].len);
        if (str_equals(&key, "return-path:") || str_equals(&key, ">return-path:") ||
            str_equals(&key, "errors-to:") || str_equals(&key, ">errors-to:")) {
            rp = &h->v[k];
            rpk = key.len;
        }
        if (str_equals(&key, "from:")) {
            fr = &h->v[k];
            frk = key.len;
        }
    }
    if (!rp) {
        rp = fr;
        rpk = frk;
    }
    if (rp) {
        addr_list l = ADDR_LIST_INIT;
        if (addr_list_parse(&l, rp->s + rpk, rp->len - rpk) < 0) nomem();
        for (size_t k = 0; k < l.n; k++) {
            if (l.v[k].kind == ADDR_MAILBOX && l.v[k].addr.len > 0) {
                if (str_copy(&sender, &l.v[k].spec) < 0) nomem();
                break;
            }
        }
        addr_list_free(&l);
    }
    if (!sender.len && str_copys(&sender, "root") < 0) nomem();
    /* no line end inside the From_ line (a quoted local part may hold one) */
    for (size_t k = 0; k < sender.len; k++)
        if (sender.s[k] == '\n' || sender.s[k] == '\r') sender.s[k] = '-';
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || !strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm))
        strcpy(date, "Thu Jan  1 00:00:00 1970");
    if (str_copys(out, "From ") < 0 || str_cat(out, &sender) < 0 || str_catc(out, ' ') < 0 ||
        str_cats(out, date) < 0)
        nomem();
    str_free(&key);
    str_free(&sender);
}

/* The whole message: header, then body. */
static void run(rf *r)
{
    str f = STR_INIT;
    int end;

    /* leading empty lines are dropped */
    do {
        if (!rf_read_line(r, &r->look)) return;
    } while (r->look.len == 0);
    r->have_look = 1;

    if (r->mode == RF_SPLIT) {
        /* the first line goes out as it is; the rest is a message again */
        rf_put(r, r->look.s, r->look.len);
        rf_eol(r);
        do {
            if (!rf_read_line(r, &r->look)) return;
        } while (r->look.len == 0);
    }

    if (r->from == '0' && starts_from(&r->look)) {
        from_to_return_path(r, &r->look);
        if (!rf_read_line(r, &r->look)) return; /* only a From_ line: nothing */
        r->quote = RF_Q_REM;
    } else if (r->from == '1' && !starts_from(&r->look)) {
        rf_list h = { 0, 0, 0 };
        str from = STR_INIT;
        while ((end = next_field(r, &f)) == F_FIELD) {
            saved_add(r, f.len);
            list_add(&h, f.s, f.len);
        }
        make_from_line(&from, &h);
        field(r, from.s, from.len);
        for (size_t k = 0; k < h.n; k++) {
            field(r, h.v[k].s, h.v[k].len);
            str_free(&h.v[k]);
        }
        free(h.v);
        str_free(&from);
        r->quote = RF_Q_ADD;
        goto header_done;
    }

    while ((end = next_field(r, &f)) == F_FIELD) field(r, f.s, f.len);
header_done:
    str_free(&f);
    header_end(r);
    if (end == F_BLANK) {
        if (r->mode == RF_COPY || r->mode == RF_SPLIT) rf_body(r);
        else rf_drain(r);
    }
}

/* ---- options ----------------------------------------------------------------------------------- */

static void hex16(str *s, unsigned long long v)
{
    for (int k = 0; k < 16; k++) {
        if (str_catc(s, "0123456789ABCDEF"[v % 16]) < 0) nomem();
        v /= 16;
    }
}

/* -a/-A: "Message-ID:" alone gets a new ID. */
static void add_opta(rf_list *l, const char *arg)
{
    if (case_equals(arg, "message-id:")) {
        str s = STR_INIT;
        char host[256];
        if (gethostname(host, sizeof host - 1) < 0) host[0] = 0;
        host[sizeof host - 1] = 0;
        if (str_copys(&s, arg) < 0 || str_cats(&s, " <") < 0) nomem();
        hex16(&s, (unsigned long long)time(NULL));
        if (str_catc(&s, '.') < 0) nomem();
        hex16(&s, (unsigned long long)getpid());
        if (str_cats(&s, ".reformail@") < 0 || str_cats(&s, host) < 0 || str_catc(&s, '>') < 0)
            nomem();
        list_add(l, s.s, s.len);
        str_free(&s);
        return;
    }
    list_add(l, arg, strlen(arg));
}

int main(int argc, char **argv)
{
    static rf r;
    int argn, function = 0;

    r.mode = RF_COPY;
    for (argn = 1; argn < argc; argn++) {
        const char *a = argv[argn], *optarg;
        rf_list *l = NULL;
        if (strcmp(a, "--") == 0 || strcmp(a, "-") == 0) {
            argn++;
            break;
        }
        if (a[0] != '-') break;
        optarg = a[2] ? a + 2 : NULL;
        switch (a[1]) {
        case 'd':
            r.crlf = strtol(optarg ? optarg : "1", NULL, 10) != 0;
            continue;
        case 'c':
            r.catenate = 1;
            continue;
        case 'f':
            if (!optarg && argn + 1 < argc) optarg = argv[++argn];
            r.from = (!optarg || *optarg == '0') ? '0' : '1';
            continue;
        case 'D':
            if (!optarg && argn + 1 < argc) optarg = argv[++argn];
            if (!optarg || argn + 1 >= argc || function) help();
            function = RF_CACHE;
            r.cache_len = optarg;
            r.cache_file = argv[++argn];
            continue;
        case 's':
            if (function) help();
            function = RF_SPLIT;
            argn++;
            goto options_done;
        case 'a': case 'A': case 'i': case 'I': case 'R':
        case 'u': case 'U': case 'x': case 'X':
            break;
        default:
            help();
        }
        if (!optarg && argn + 1 < argc) optarg = argv[++argn];
        if (!optarg || !*optarg || function) help();
        switch (a[1]) {
        case 'a': add_opta(&r.a, optarg); break;
        case 'A': add_opta(&r.A, optarg); break;
        case 'i': l = &r.i; break;
        case 'I': l = &r.I; break;
        case 'u': l = &r.u; break;
        case 'U': l = &r.U; break;
        case 'x': l = &r.x; break;
        case 'X': l = &r.X; break;
        case 'R': {
            str e = STR_INIT;
            if (argn + 1 >= argc) help();
            if (str_copys(&e, optarg) < 0 || str_cats(&e, argv[++argn]) < 0) nomem();
            list_add(&r.R, e.s, e.len);
            str_free(&e);
            break;
        }
        }
        if (l) list_add(l, optarg, strlen(optarg));
    }
options_done:
    if (r.x.n || r.X.n) {
        if (function) help();
        function = RF_EXTRACT;
    }
    if (function == RF_SPLIT) {
        if (argn >= argc) help();
        r.sp.argv = argv + argn;
    }
    r.mode = function ? (enum rf_mode)function : RF_COPY;
    if (r.mode == RF_CACHE) r.crlf = 0;
    if (r.mode == RF_EXTRACT) r.catenate = 1;

    if (buf_init(&r.in, 0, NULL, 65536) < 0 || buf_init(&r.out, 1, NULL, 65536) < 0) nomem();
    r.sp.fd = -1;
    r.sp.at_start = 1;
    if (r.mode == RF_SPLIT) {
        signal(SIGPIPE, SIG_IGN); /* a program that stops reading gives EPIPE */
        signal(SIGCHLD, SIG_DFL);
        const char *env = getenv("FILENO");
        r.sp.do_fileno = 1;
        r.sp.width = 3;
        if (env) {
            size_t k = strspn(env, "0123456789");
            if (env[k]) {
                r.sp.do_fileno = 0;
            } else {
                unsigned long v = 0;
                r.sp.width = k;
                if (k && scan_ulong(env, k, &v) != k) v = (unsigned long)-1 / 2;
                r.sp.fileno = v;
            }
        }
    }
    run(&r);
    rf_finish(&r);
    if (r.mode == RF_CACHE) return r.cache_found ? 0 : 1;
    return 0;
}
