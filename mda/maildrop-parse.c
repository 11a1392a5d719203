/*
 * maildrop-parse: filter files into trees, with maildrop 2.9's grammar and
 * layout rules (maildropfilter(7)):
 *
 *   statement := if | while | foreach | exception | dotlock | flock | block
 *              | to E | cc E | xfilter E | system E | echo E | log E
 *              | logfile E | include E | import E | unset E | exit | E
 *   each statement ends at a separator (newline or ';') or at the end of
 *   the file; a block "{ ... }" must be followed by one.
 *   if (E) SEP body [else SEP body | elsif (E) SEP body ...]
 *   while (E) SEP body;  foreach PATTERN-or-(E =~ PATTERN) SEP body
 *   body := one statement, a block, or an empty line (an empty body)
 *   exception { ... };  dotlock E { ... };  flock E { ... }
 *
 * Expressions, lowest precedence first: NAME = E; ||; &&; the comparisons
 * (not associative); |; &; + -; * / (right operand a primary); =~ PATTERN;
 * then ! ~ ( ) patterns, strings (consecutive strings concatenate) and the
 * functions.
 *
 * The whole file is parsed before anything runs.  Patterns without
 * $-substitutions are compiled here (a bad one is a syntax error), and an
 * include whose file name can be known now (no backticks, only variables
 * that no filter file changes) is read and parsed here as well, so that a
 * syntax error anywhere holds the message before any delivery; a file that
 * includes itself is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "maildrop.h"

struct parser {
    struct md_ctx *c;
    struct md_file *f;
    struct md_toks t;
    size_t p;
    int depth;
    int failed;
};

static struct md_token *tok(struct parser *P) { return &P->t.v[P->p]; }
static int ttype(struct parser *P) { return P->t.v[P->p].type; }
static void advance(struct parser *P) { if (P->t.v[P->p].type != T_EOF) P->p++; }

static void perr(struct parser *P, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(struct parser *P, int line, const char *fmt, ...)
{
    va_list ap;
    char *m = NULL;
    if (P->failed) return;
    P->failed = 1;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    fprintf(stderr, "%s(%d): %s\n", P->f->name, line, m ? m : "Syntax error.");
    free(m);
}

static void unexpected(struct parser *P)
{
    struct md_token *k = tok(P);
    if (k->type == T_STR)
        perr(P, k->line, "Syntax error: unexpected text \"%.40s\".", k->text.s ? k->text.s : "");
    else
        perr(P, k->line, "Syntax error: unexpected %s.", md_tok_name(k->type));
}

static struct md_node *node(struct parser *P, int type, int line)
{
    struct md_node *n = calloc(1, sizeof *n);
    if (!n) {
        perr(P, line, "Out of memory.");
        return NULL;
    }
    n->type = type;
    n->line = line;
    n->file = P->f;
    n->anext = P->f->nodes;
    P->f->nodes = n;
    return n;
}

static int expect(struct parser *P, int type)
{
    if (ttype(P) == type) {
        advance(P);
        return 0;
    }
    if (type == T_RP) perr(P, tok(P)->line, "Syntax error: missing ).");
    else if (type == T_LP) perr(P, tok(P)->line, "Syntax error: missing (.");
    else if (type == T_LB) perr(P, tok(P)->line, "Syntax error: missing {.");
    else unexpected(P);
    return -1;
}

/* ---- names assigned anywhere (for the include pre-parse) ------------------------ */

static void note_assigned(struct parser *P, const char *name, size_t len)
{
    str *a = &P->c->assigned;
    size_t i = 0;
    while (i < a->len) {
        size_t l = strlen(a->s + i);
        if (l == len && memcmp(a->s + i, name, len) == 0) return;
        i += l + 1;
    }
    if (str_catb(a, name, len) < 0 || str_catc(a, 0) < 0) P->c->assigned_any = 1;
}

/* ---- expressions ------------------------------------------------------------------ */

static struct md_node *expr(struct parser *P);
static struct md_node *or_expr(struct parser *P);

static int varref_dynamic(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') { i++; continue; }
        if (s[i] != '$' || i + 1 >= n) continue;
        {
            unsigned char c = (unsigned char)s[i + 1];
            if (c == '{' || c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                (c >= '0' && c <= '9'))
                return 1;
        }
    }
    return 0;
}

static struct md_node *pattern_node(struct parser *P, struct md_token *k)
{
    struct md_node *n = node(P, N_PAT, k->line);
    struct md_pat *p;
    if (!n) return NULL;
    p = calloc(1, sizeof *p);
    if (!p) { perr(P, k->line, "Out of memory."); return NULL; }
    n->pat = p;
    p->src = k->text;
    p->opts = k->opts;
    k->text = (str)STR_INIT;
    k->opts = (str)STR_INIT;
    md_pat_options(p);
    p->dynamic = varref_dynamic(p->src.s, p->src.len);
    if (!p->dynamic) {
        str err = STR_INIT;
        if (md_pat_compile(p, p->src.s, p->src.len, &err) < 0) {
            perr(P, k->line, "Bad pattern /%s/: %s", p->src.s, err.s ? err.s : "?");
            str_free(&err);
            return NULL;
        }
        str_free(&err);
    }
    return n;
}

/* A run of consecutive strings (words, quoted strings, backticks). */
static struct md_node *string_run(struct parser *P)
{
    struct md_node *n = node(P, N_STR, tok(P)->line);
    size_t cap = 0;
    if (!n) return NULL;
    while (ttype(P) == T_STR) {
        struct md_token *k = tok(P);
        if (n->nseg == cap) {
            size_t nc = cap ? cap * 2 : 4;
            struct md_seg *ns = realloc(n->seg, nc * sizeof *ns);
            if (!ns) { perr(P, k->line, "Out of memory."); return NULL; }
            n->seg = ns;
            cap = nc;
        }
        n->seg[n->nseg].kind = k->seg;
        n->seg[n->nseg].text = k->text;
        k->text = (str)STR_INIT;
        n->nseg++;
        advance(P);
    }
    return n;
}

static struct md_node *unary(struct parser *P);

static struct md_node *func1(struct parser *P, int type)
{
    struct md_node *n = node(P, type, tok(P)->line);
    if (!n) return NULL;
    advance(P);
    n->a = unary(P);
    return n->a ? n : NULL;
}

static struct md_node *funcn(struct parser *P, int type, int min, int max)
{
    struct md_node *n = node(P, type, tok(P)->line);
    struct md_node **slot[3];
    int k = 0;
    if (!n) return NULL;
    slot[0] = &n->a;
    slot[1] = &n->b;
    slot[2] = &n->c;
    advance(P);
    if (expect(P, T_LP) < 0) return NULL;
    for (;;) {
        *slot[k] = or_expr(P);
        if (!*slot[k]) return NULL;
        k++;
        if (ttype(P) == T_COMMA && k < max) { advance(P); continue; }
        break;
    }
    if (k < min) { perr(P, n->line, "Syntax error: %s needs %d arguments.", md_ntype_name(type), min); return NULL; }
    if (expect(P, T_RP) < 0) return NULL;
    return n;
}

static struct md_node *primary(struct parser *P)
{
    struct md_token *k = tok(P);
    struct md_node *n;
    if (++P->depth > MD_DEPTH_MAX) {
        perr(P, k->line, "Syntax error: expression nested too deeply.");
        return NULL;
    }
    switch (k->type) {
    case T_LP:
        advance(P);
        n = expr(P);
        if (n && expect(P, T_RP) < 0) n = NULL;
        break;
    case T_PAT:
        n = pattern_node(P, k);
        if (n) advance(P);
        break;
    case T_STR:
        n = string_run(P);
        break;
    case T_TIME:
        n = node(P, N_TIME, k->line);
        if (n) advance(P);
        break;
    case T_LENGTH: n = func1(P, N_LENGTH); break;
    case T_GETADDR: n = func1(P, N_GETADDR); break;
    case T_ESCAPE: n = func1(P, N_ESCAPE); break;
    case T_TOLOWER: n = func1(P, N_TOLOWER); break;
    case T_TOUPPER: n = func1(P, N_TOUPPER); break;
    case T_HASADDR: n = func1(P, N_HASADDR); break;
    case T_SUBSTR: n = funcn(P, N_SUBSTR, 2, 3); break;
    case T_LOOKUP: n = funcn(P, N_LOOKUP, 2, 3); break;
    case T_GDBMOPEN: case T_GDBMCLOSE: case T_GDBMFETCH: case T_GDBMSTORE:
        perr(P, k->line, "%s: GDBM support is not available in this maildrop.", md_tok_name(k->type));
        n = NULL;
        break;
    default:
        unexpected(P);
        n = NULL;
        break;
    }
    P->depth--;
    return n;
}

static struct md_node *unary(struct parser *P)
{
    int t = ttype(P);
    if (t == T_NOT || t == T_TILDE) {
        struct md_node *n = node(P, t == T_NOT ? N_NOT : N_BNOT, tok(P)->line);
        if (!n) return NULL;
        advance(P);
        if (++P->depth > MD_DEPTH_MAX) {
            perr(P, n->line, "Syntax error: expression nested too deeply.");
            return NULL;
        }
        n->a = unary(P);
        P->depth--;
        return n->a ? n : NULL;
    }
    return primary(P);
}

static struct md_node *binop(struct parser *P, int type, struct md_node *l, struct md_node *r, int line)
{
    struct md_node *n;
    if (!l || !r) return NULL;
    n = node(P, type, line);
    if (!n) return NULL;
    n->a = l;
    n->b = r;
    return n;
}

static struct md_node *match_expr(struct parser *P)
{
    struct md_node *l = unary(P);
    while (l && ttype(P) == T_MATCH) {
        int line = tok(P)->line;
        advance(P);
        if (ttype(P) != T_PAT) {
            perr(P, tok(P)->line, "Syntax error: =~ needs a pattern.");
            return NULL;
        }
        l = binop(P, N_MATCH, l, pattern_node(P, tok(P)), line);
        if (l) advance(P);
    }
    return l;
}

static struct md_node *mul_expr(struct parser *P)
{
    struct md_node *l = match_expr(P);
    while (l && (ttype(P) == T_MUL || ttype(P) == T_DIV)) {
        int type = ttype(P) == T_MUL ? N_MUL : N_DIV, line = tok(P)->line;
        advance(P);
        l = binop(P, type, l, unary(P), line);
    }
    return l;
}

static struct md_node *add_expr(struct parser *P)
{
    struct md_node *l = mul_expr(P);
    while (l && (ttype(P) == T_PLUS || ttype(P) == T_MINUS)) {
        int type = ttype(P) == T_PLUS ? N_ADD : N_SUB, line = tok(P)->line;
        advance(P);
        l = binop(P, type, l, mul_expr(P), line);
    }
    return l;
}

static struct md_node *band_expr(struct parser *P)
{
    struct md_node *l = add_expr(P);
    while (l && ttype(P) == T_BAND) {
        int line = tok(P)->line;
        advance(P);
        l = binop(P, N_BAND, l, add_expr(P), line);
    }
    return l;
}

static struct md_node *bor_expr(struct parser *P)
{
    struct md_node *l = band_expr(P);
    while (l && ttype(P) == T_BOR) {
        int line = tok(P)->line;
        advance(P);
        l = binop(P, N_BOR, l, band_expr(P), line);
    }
    return l;
}

static int cmp_type(int t)
{
    switch (t) {
    case T_LT: return N_LT;
    case T_LE: return N_LE;
    case T_GT: return N_GT;
    case T_GE: return N_GE;
    case T_EQ: return N_EQ;
    case T_NE: return N_NE;
    case T_SLT: return N_SLT;
    case T_SLE: return N_SLE;
    case T_SGT: return N_SGT;
    case T_SGE: return N_SGE;
    case T_SEQ: return N_SEQ;
    case T_SNE: return N_SNE;
    default: return 0;
    }
}

static struct md_node *cmp_expr(struct parser *P)
{
    struct md_node *l = bor_expr(P);
    int type;
    if (l && (type = cmp_type(ttype(P))) != 0) {
        int line = tok(P)->line;
        advance(P);
        l = binop(P, type, l, bor_expr(P), line);
        if (l && cmp_type(ttype(P))) {
            perr(P, tok(P)->line, "Syntax error: comparisons are not associative.");
            return NULL;
        }
    }
    return l;
}

static struct md_node *and_expr(struct parser *P)
{
    struct md_node *l = cmp_expr(P);
    while (l && ttype(P) == T_AND) {
        int line = tok(P)->line;
        advance(P);
        l = binop(P, N_AND, l, cmp_expr(P), line);
    }
    return l;
}

static struct md_node *or_expr(struct parser *P)
{
    struct md_node *l = and_expr(P);
    while (l && ttype(P) == T_OR) {
        int line = tok(P)->line;
        advance(P);
        l = binop(P, N_OR, l, and_expr(P), line);
    }
    return l;
}

static struct md_node *expr(struct parser *P)
{
    struct md_token *k = tok(P);
    struct md_node *n;
    if (k->type == T_STR && (k->seg == 'w' || k->seg == '"') && P->t.v[P->p + 1].type == T_ASSIGN) {
        n = node(P, N_ASSIGN, k->line);
        if (!n) return NULL;
        n->name = k->text;
        k->text = (str)STR_INIT;
        if (!n->name.s && str_ready(&n->name, 0) < 0) return NULL;
        note_assigned(P, n->name.s, n->name.len);
        advance(P);
        advance(P);
        n->a = or_expr(P);
        if (!n->a) return NULL;
        if (ttype(P) == T_ASSIGN) {
            perr(P, tok(P)->line, "Syntax error before =.");
            return NULL;
        }
        return n;
    }
    if (k->type == T_ASSIGN) {
        perr(P, k->line, "Syntax error before =.");
        return NULL;
    }
    return or_expr(P);
}

/* ---- statements ------------------------------------------------------------------ */

static struct md_node *stmt(struct parser *P);

/* A statement ends at a separator (consumed) or at the end of the file. */
static int end_stmt(struct parser *P)
{
    if (ttype(P) == T_SEP) { advance(P); return 0; }
    if (ttype(P) == T_EOF) return 0;
    if (ttype(P) == T_RB)
        perr(P, tok(P)->line, "Syntax error: } must be on a line of its own.");
    else
        unexpected(P);
    return -1;
}

static struct md_node *block(struct parser *P)
{
    struct md_node *n = node(P, S_LIST, tok(P)->line), **tail;
    if (!n) return NULL;
    if (expect(P, T_LB) < 0) return NULL;
    if (++P->depth > MD_DEPTH_MAX) {
        perr(P, n->line, "Syntax error: blocks nested too deeply.");
        return NULL;
    }
    tail = &n->a;
    for (;;) {
        while (ttype(P) == T_SEP) advance(P);
        if (ttype(P) == T_RB) { advance(P); break; }
        if (ttype(P) == T_EOF) {
            perr(P, tok(P)->line, "Syntax error: missing } (the { is on line %d).", n->line);
            return NULL;
        }
        *tail = stmt(P);
        if (!*tail) return NULL;
        tail = &(*tail)->next;
    }
    P->depth--;
    return n;
}

/* The body of if/else/while/foreach: an empty line, or one statement. */
static struct md_node *body(struct parser *P)
{
    if (ttype(P) == T_SEP) {
        struct md_node *n = node(P, S_LIST, tok(P)->line);
        advance(P);
        return n;
    }
    if (ttype(P) == T_EOF) return node(P, S_LIST, tok(P)->line);
    if (ttype(P) == T_ELSE || ttype(P) == T_ELSIF) {
        unexpected(P);
        return NULL;
    }
    return stmt(P);
}

static struct md_node *if_stmt(struct parser *P)
{
    struct md_node *n = node(P, S_IF, tok(P)->line);
    if (!n) return NULL;
    advance(P);                                 /* if / elsif */
    if (expect(P, T_LP) < 0) return NULL;
    if (!(n->a = expr(P))) return NULL;
    if (expect(P, T_RP) < 0) return NULL;
    if (ttype(P) != T_SEP) {
        perr(P, tok(P)->line, "Syntax error after ): the statement must start on the next line.");
        return NULL;
    }
    advance(P);
    if (!(n->b = body(P))) return NULL;
    if (ttype(P) == T_ELSE) {
        advance(P);
        if (ttype(P) != T_SEP) {
            perr(P, tok(P)->line, "Syntax error after else: the statement must start on the next line.");
            return NULL;
        }
        advance(P);
        if (!(n->c = body(P))) return NULL;
    } else if (ttype(P) == T_ELSIF) {
        if (++P->depth > MD_DEPTH_MAX) {
            perr(P, n->line, "Syntax error: too many elsif.");
            return NULL;
        }
        if (!(n->c = if_stmt(P))) return NULL;
        P->depth--;
    }
    return n;
}

static struct md_node *stmt(struct parser *P)
{
    struct md_token *k = tok(P);
    struct md_node *n = NULL;
    int type = 0;

    if (++P->depth > MD_DEPTH_MAX) {
        perr(P, k->line, "Syntax error: statements nested too deeply.");
        return NULL;
    }
    switch (k->type) {
    case T_IF:
        n = if_stmt(P);
        break;
    case T_ELSE:
    case T_ELSIF:
        perr(P, k->line, "Syntax error: %s without if (else must follow the if's statement, on a line of its own).",
             md_tok_name(k->type));
        break;
    case T_RB:
        perr(P, k->line, "Syntax error: } without {.");
        break;
    case T_WHILE:
        if (!(n = node(P, S_WHILE, k->line))) break;
        advance(P);
        if (expect(P, T_LP) < 0 || !(n->a = expr(P)) || expect(P, T_RP) < 0) { n = NULL; break; }
        if (ttype(P) != T_SEP) {
            perr(P, tok(P)->line, "Syntax error after ): the statement must start on the next line.");
            n = NULL;
            break;
        }
        advance(P);
        if (!(n->b = body(P))) n = NULL;
        break;
    case T_FOREACH:
        if (!(n = node(P, S_FOREACH, k->line))) break;
        advance(P);
        if (!(n->a = or_expr(P))) { n = NULL; break; }
        if (n->a->type != N_PAT && n->a->type != N_MATCH) {
            perr(P, n->line, "Syntax error: foreach needs /pattern/ or (expression) =~ /pattern/.");
            n = NULL;
            break;
        }
        if (ttype(P) != T_SEP) {
            perr(P, tok(P)->line, "Syntax error: the foreach statement must start on the next line.");
            n = NULL;
            break;
        }
        advance(P);
        if (!(n->b = body(P))) n = NULL;
        break;
    case T_EXCEPTION:
        if (!(n = node(P, S_EXCEPTION, k->line))) break;
        advance(P);
        if (ttype(P) != T_LB) {
            perr(P, tok(P)->line, "Syntax error: exception must be followed by { on the same line.");
            n = NULL;
            break;
        }
        if (!(n->a = block(P)) || end_stmt(P) < 0) n = NULL;
        break;
    case T_DOTLOCK:
    case T_FLOCK:
        if (!(n = node(P, k->type == T_DOTLOCK ? S_DOTLOCK : S_FLOCK, k->line))) break;
        advance(P);
        if (!(n->a = expr(P))) { n = NULL; break; }
        if (ttype(P) != T_LB) {
            perr(P, tok(P)->line, "Syntax error: %s needs { on the same line.",
                 n->type == S_DOTLOCK ? "dotlock" : "flock");
            n = NULL;
            break;
        }
        if (!(n->b = block(P)) || end_stmt(P) < 0) n = NULL;
        break;
    case T_LB:
        if (!(n = block(P)) || end_stmt(P) < 0) n = NULL;
        break;
    case T_EXIT:
        if (!(n = node(P, S_EXIT, k->line))) break;
        advance(P);
        if (end_stmt(P) < 0) n = NULL;
        break;
    case T_TO: type = S_TO; break;
    case T_CC: type = S_CC; break;
    case T_XFILTER: type = S_XFILTER; break;
    case T_SYSTEM: type = S_SYSTEM; break;
    case T_ECHO: type = S_ECHO; break;
    case T_LOG: type = S_LOG; break;
    case T_LOGFILE: type = S_LOGFILE; break;
    case T_INCLUDE: type = S_INCLUDE; break;
    case T_IMPORT: type = S_IMPORT; break;
    case T_UNSET: type = S_UNSET; break;
    default:
        if (!(n = node(P, S_EXPR, k->line))) break;
        if (!(n->a = expr(P)) || end_stmt(P) < 0) n = NULL;
        break;
    }
    if (type) {
        if ((n = node(P, type, k->line)) != NULL) {
            advance(P);
            if (!(n->a = expr(P)) || end_stmt(P) < 0) n = NULL;
        }
        if (n && (type == S_IMPORT || type == S_UNSET)) {
            const struct md_node *a = n->a;
            if (a->type == N_STR && a->nseg == 1 && a->seg[0].kind != '`' &&
                !varref_dynamic(a->seg[0].text.s, a->seg[0].text.len))
                note_assigned(P, a->seg[0].text.s, a->seg[0].text.len);
            else
                P->c->assigned_any = 1;
        }
    }
    P->depth--;
    return n;
}

/* ---- files ------------------------------------------------------------------------ */

static struct md_file *file_new(struct md_ctx *c, const char *name, int lifted)
{
    struct md_file *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->name = strdup(name);
    if (!f->name) { free(f); return NULL; }
    f->lifted = lifted;
    f->next = c->files;
    c->files = f;
    return f;
}

static int resolve_includes(struct md_ctx *c, struct md_node *n, int depth);

int md_parse(struct md_ctx *c, const char *name, const char *text, size_t len, int lifted,
             int depth, struct md_file **out)
{
    struct parser P;
    struct md_node **tail;
    str err = STR_INIT;
    int errline = 0;

    memset(&P, 0, sizeof P);
    P.c = c;
    P.f = file_new(c, name, lifted);
    if (!P.f) {
        fprintf(stderr, "maildrop: Out of memory.\n");
        return -1;
    }
    if (md_lex(text, len, c->embedded && !lifted, &P.t, &errline, &err) < 0) {
        fprintf(stderr, "%s(%d): %s\n", name, errline, err.s ? err.s : "Syntax error.");
        str_free(&err);
        return -1;
    }
    str_free(&err);
    if (md_verbose(c) >= 9) {
        for (size_t i = 0; i < P.t.n; i++) {
            const struct md_token *k = &P.t.v[i];
            if (k->type == T_STR)
                md_debug(c, 9, "Tokenized %c%s%c", k->seg == 'w' ? ' ' : k->seg,
                         k->text.s ? k->text.s : "", k->seg == 'w' ? ' ' : k->seg);
            else if (k->type == T_PAT)
                md_debug(c, 9, "Tokenized /%s/:%s", k->text.s, k->opts.s);
            else
                md_debug(c, 9, "Tokenized %s", md_tok_name(k->type));
        }
    }
    P.f->prog = node(&P, S_LIST, 1);
    if (!P.f->prog) goto fail;
    tail = &P.f->prog->a;
    for (;;) {
        while (ttype(&P) == T_SEP) advance(&P);
        if (ttype(&P) == T_EOF) break;
        *tail = stmt(&P);
        if (!*tail) goto fail;
        tail = &(*tail)->next;
    }
    md_toks_free(&P.t);
    if (resolve_includes(c, P.f->prog, depth) < 0) return -1;
    *out = P.f;
    return 0;
fail:
    md_toks_free(&P.t);
    return -1;
}

/* Reads and checks a filter file.  0 ok, 1 missing, -2 refused or
 * unreadable (the reason in why). */
static int read_filter(struct md_ctx *c, const char *path, int check_owner, str *text, str *why)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), r = -2;
    if (fd < 0) {
        if (errno == ENOENT) return 1;
        str_catf(why, "Unable to open filter file %s: %s.", path, strerror(errno));
        return -2;
    }
    if (fstat(fd, &st) < 0)
        str_catf(why, "Unable to stat filter file %s: %s.", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        str_catf(why, "%s: the filter file isn't a regular file.", path);
    else if (check_owner && st.st_uid != c->uid)
        str_catf(why, "%s: the filter file is owned by the wrong user.", path);
    else if (st.st_mode & S_IWOTH)
        str_catf(why, "%s: invalid permissions on the filter file - world-writable.", path);
    else if (fs_read_fd(fd, text, MD_FILTER_MAX) < 0)
        str_catf(why, "Unable to read filter file %s: %s.", path,
                 errno == EFBIG ? "too large" : strerror(errno));
    else
        r = 0;
    close(fd);
    return r;
}

int md_load(struct md_ctx *c, const char *path, const char *shown, int check_owner,
            int missing_ok, int lifted, int depth, int quiet, struct md_file **out)
{
    str text = STR_INIT, why = STR_INIT;
    int r = read_filter(c, path, check_owner, &text, &why);
    if (r == 1 && !missing_ok) {
        str_catf(&why, "Unable to open filter file %s: %s.", path, strerror(ENOENT));
        r = -2;
    }
    if (r == -2 && !quiet) fprintf(stderr, "maildrop: %s\n", why.s ? why.s : "?");
    str_free(&why);
    if (r != 0) { str_free(&text); return r; }
    md_debug(c, 1, "Opened filter file %s", path);
    r = md_parse(c, shown ? shown : path, text.s ? text.s : "", text.len, lifted, depth, out);
    if (r == 0 && str_copys(&(*out)->path, path) < 0) r = -1;
    str_free(&text);
    return r;
}

/* ---- include pre-parsing ----------------------------------------------------------- */

static int name_assigned(struct md_ctx *c, const char *name, size_t len)
{
    static const char *const implicit[] = { "MATCH", "RETURNCODE", "EXITCODE", "SIZE", "LINES" };
    size_t i = 0;
    for (size_t k = 0; k < sizeof implicit / sizeof implicit[0]; k++) {
        size_t l = strlen(implicit[k]);
        if (len >= l && memcmp(name, implicit[k], l) == 0) return 1;   /* MATCH1.. too */
    }
    while (i < c->assigned.len) {
        size_t l = strlen(c->assigned.s + i);
        if (l == len && memcmp(c->assigned.s + i, name, len) == 0) return 1;
        i += l + 1;
    }
    return 0;
}

/* 1 if the include's file name can be computed now. */
static int include_static(struct md_ctx *c, const struct md_node *e)
{
    if (c->assigned_any || e->type != N_STR) return 0;
    for (size_t k = 0; k < e->nseg; k++) {
        const struct md_seg *s = &e->seg[k];
        const char *t = s->text.s;
        size_t n = s->text.len;
        if (s->kind == '`') return 0;
        if (s->kind == '\'') continue;
        for (size_t i = 0; i < n; i++) {
            if (t[i] == '\\') { i++; continue; }
            if (t[i] != '$' || i + 1 >= n) continue;
            if (t[i + 1] == '{') {
                const char *z = memchr(t + i + 2, '}', n - i - 2);
                if (!z) continue;
                if (name_assigned(c, t + i + 2, (size_t)(z - t - i - 2))) return 0;
                i = (size_t)(z - t);
            } else {
                size_t j = i + 1;
                while (j < n && (t[j] == '_' || (t[j] >= 'A' && t[j] <= 'Z') ||
                                 (t[j] >= 'a' && t[j] <= 'z') || (t[j] >= '0' && t[j] <= '9')))
                    j++;
                if (j > i + 1 && name_assigned(c, t + i + 1, j - i - 1)) return 0;
                i = j - 1;
            }
        }
    }
    return 1;
}

static int include_lifts(struct md_ctx *c, const char *path);

/* the include stack, for cycles */
struct incstack {
    const char *path;
    const struct incstack *up;
};

static int resolve_one(struct md_ctx *c, struct md_node *n, int depth)
{
    str path = STR_INIT;
    struct md_file *f = NULL;
    struct incstack me;
    int r;

    if (!include_static(c, n->a)) return 0;
    if (md_eval(c, n->a, &path) != MD_OK) {   /* cannot fail without backticks */
        str_free(&path);
        return 0;
    }
    if (!path.len) { str_free(&path); return 0; }
    for (const struct incstack *s = c->incstack; s; s = s->up) {
        if (strcmp(s->path, path.s) == 0) {
            fprintf(stderr, "%s(%d): include of %s: the file includes itself (recursion).\n",
                    n->file->name, n->line, path.s);
            str_free(&path);
            return -1;
        }
    }
    if (depth + 1 > MD_INCLUDE_MAX) {
        fprintf(stderr, "%s(%d): include of %s: includes nested too deeply.\n", n->file->name,
                n->line, path.s);
        str_free(&path);
        return -1;
    }
    me.path = path.s;
    me.up = c->incstack;
    c->incstack = &me;
    r = md_load(c, path.s, NULL, 0, 1, n->file->lifted || include_lifts(c, path.s), depth + 1, 1, &f);
    c->incstack = me.up;
    /* a syntax error is fatal now; a missing, unreadable or refused file is
     * left to run time, where an exception block can catch it */
    if (r == -1) { str_free(&path); return -1; }
    if (r != 0) { str_free(&path); return 0; }
    n->inc = f;
    n->incpath = path;
    return 0;
}

static int resolve_includes(struct md_ctx *c, struct md_node *n, int depth)
{
    for (; n; n = n->next) {
        if (n->type == S_INCLUDE) {
            if (resolve_one(c, n, depth) < 0) return -1;
            continue;
        }
        if (n->type == S_LIST) {
            if (resolve_includes(c, n->a, depth) < 0) return -1;
            continue;
        }
        if (n->type == S_IF || n->type == S_WHILE || n->type == S_FOREACH ||
            n->type == S_EXCEPTION || n->type == S_DOTLOCK || n->type == S_FLOCK) {
            if (n->type == S_EXCEPTION && resolve_includes(c, n->a, depth) < 0) return -1;
            if (n->b && resolve_includes(c, n->b, depth) < 0) return -1;
            if (n->c && resolve_includes(c, n->c, depth) < 0) return -1;
        }
    }
    return 0;
}

/* An include of a file in the maildroprcs directory, whose path holds no
 * '.', lifts the embedded-mode restrictions for that file. */
static int include_lifts(struct md_ctx *c, const char *path)
{
    str dir = STR_INIT;
    int r = 0;
    if (!c->embedded) return 0;
    if (c->sandbox) {
        if (str_copys(&dir, c->qmailhome) < 0 || str_cats(&dir, "/etc/maildroprcs/") < 0) goto out;
    } else if (str_copys(&dir, "/etc/maildroprcs/") < 0) {
        goto out;
    }
    if (strncmp(path, dir.s, dir.len) == 0 && !strchr(path + dir.len, '.') &&
        !strchr(path + dir.len, '/') && path[dir.len])
        r = 1;
out:
    str_free(&dir);
    return r;
}

int md_include_lifts(struct md_ctx *c, const char *path) { return include_lifts(c, path); }

void md_files_free(struct md_ctx *c)
{
    struct md_file *f = c->files;
    while (f) {
        struct md_file *nf = f->next;
        struct md_node *n = f->nodes;
        while (n) {
            struct md_node *nn = n->anext;
            for (size_t i = 0; i < n->nseg; i++) str_free(&n->seg[i].text);
            free(n->seg);
            if (n->pat) { md_pat_free(n->pat); free(n->pat); }
            str_free(&n->name);
            str_free(&n->incpath);
            free(n);
            n = nn;
        }
        free(f->name);
        str_free(&f->path);
        free(f);
        f = nf;
    }
    c->files = NULL;
}

const char *md_ntype_name(int type)
{
    switch (type) {
    case N_LENGTH: return "length";
    case N_SUBSTR: return "substr";
    case N_GETADDR: return "getaddr";
    case N_HASADDR: return "hasaddr";
    case N_LOOKUP: return "lookup";
    case N_ESCAPE: return "escape";
    case N_TOLOWER: return "tolower";
    case N_TOUPPER: return "toupper";
    case N_TIME: return "time";
    case S_IF: return "if";
    case S_WHILE: return "while";
    case S_FOREACH: return "foreach";
    case S_TO: return "to";
    case S_CC: return "cc";
    default: return "expression";
    }
}
