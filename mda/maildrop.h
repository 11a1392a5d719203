/*
 * maildrop: the parts of the maildrop-compatible MDA (mda/maildrop.c and
 * mda/maildrop-*.c).  Every shared name starts with md_ (the mda area's
 * part library is shared with reformail).
 *
 *   maildrop-lex.c      the tokenizer (maildropfilter(7) lexical rules)
 *   maildrop-parse.c    the parser: a whole filter file into a tree
 *   maildrop-eval.c     expressions, functions, statements
 *   maildrop-var.c      variables, $-substitution, numbers
 *   maildrop-msg.c      the message: memory, seekable stdin or spool file
 *   maildrop-mime.c     the canonical UTF-8 line stream that patterns see
 *   maildrop-match.c    PCRE2 patterns over the message and over strings
 *   maildrop-run.c      child processes: pipes, backticks, xfilter, system
 *   maildrop-deliver.c  to/cc/default: Maildir, mbox, pipe, forward, logfile
 *   maildrop-quota.c    the -w quota warning (lib/quota keeps maildirsize)
 *
 * Errors inside the interpreter are reported where they happen (on stderr,
 * "file(line): text" or "maildrop: text") and travel up as MD_ERR, which an
 * exception block catches; MD_EXIT ends the run with ctx->exitcode.
 */
#ifndef MDA_MAILDROP_H
#define MDA_MAILDROP_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "str.h"

#define MD_PROG "maildrop"
#define MD_EX_TEMPFAIL 75
#define MD_EX_NOUSER 67

#define MD_MEM_MAX 8192                 /* messages up to this size stay in memory */
#define MD_CACHE_MAX (512u * 1024)      /* canonical lines cached up to this message size */
#define MD_FIELD_MAX (256u * 1024)      /* header field bytes kept for matching */
#define MD_LINE_MAX (64u * 1024)        /* body lines longer than this are split */
#define MD_BACKTICK_MAX (1024u * 1024)  /* backtick output kept */
#define MD_FILTER_MAX (1024u * 1024)    /* largest filter file */
#define MD_INCLUDE_MAX 20               /* include nesting */
#define MD_WHILE_MAX 1000000UL          /* iterations of one while statement */
#define MD_DEPTH_MAX 200                /* expression / block nesting */
#define MD_WATCHDOG 300                 /* seconds for the whole run */

/* ---- statuses ------------------------------------------------------------------- */

enum { MD_OK = 0, MD_ERR = 1, MD_EXIT = 2 };

/* Set by the SIGALRM watchdog; checked by loops and child waits. */
extern volatile sig_atomic_t md_timed_out;

/* ---- variables (maildrop-var.c) --------------------------------------------------- */

struct md_var {
    char *name;         /* NUL-terminated; NULL = free slot */
    size_t namelen;
    str val;
};

struct md_vars {
    struct md_var *v;
    size_t cap;         /* power of two */
    size_t n;
    unsigned long gen;  /* bumped on every change (environment cache) */
};

int md_var_set(struct md_vars *vs, const char *name, size_t nlen, const char *val, size_t vlen);
int md_var_sets(struct md_vars *vs, const char *name, const char *val);
const str *md_var_get(const struct md_vars *vs, const char *name, size_t nlen);
const char *md_var_gets(const struct md_vars *vs, const char *name);   /* "" if unset */
void md_var_unset(struct md_vars *vs, const char *name, size_t nlen);
/* A fresh NULL-terminated "NAME=value" array of every exportable variable
 * (free with md_envp_free). */
char **md_var_envp(const struct md_vars *vs);
void md_envp_free(char **envp);
void md_vars_free(struct md_vars *vs);

/* Numbers: maildrop's atof() and %.22g. */
double md_num(const char *s, size_t len);
int md_fmtnum(str *out, double d);        /* replaces out */
int md_true(const char *s, size_t len);   /* maildrop's truth */

/* ---- the message (maildrop-msg.c) -------------------------------------------------- */

struct md_canon_cache;

/* One version of the message; xfilter makes a new one.  Reference counted so
 * that a foreach over the old version survives an xfilter in its body. */
struct md_store {
    int refs;
    int fd;             /* file holding it (-1: only in memory so far) */
    int ownfd;          /* fd is ours to close */
    off_t start;        /* offset of the message in fd */
    off_t size;
    char *mem;          /* the whole message when size <= MD_MEM_MAX */
    unsigned long lines;
    struct md_canon_cache *cache;
    int cache_tried;
};

struct md_msg {
    struct md_store *st;
    const char *tmpdir;
};

/* Reads the message from infd with the -A headers (prefix) in front. */
int md_msg_read(struct md_msg *m, int infd, const char *prefix, size_t plen, const char *tmpdir);
/* Builds a store from the output of a filter (a pipe).  0 or -1. */
int md_store_from_fd(struct md_store **out, int fd, const char *tmpdir);
void md_msg_replace(struct md_msg *m, struct md_store *st);
struct md_store *md_store_ref(struct md_store *st);
void md_store_unref(struct md_store *st);
/* A descriptor positioned at the start of the message, reading to its end
 * (a memfd is made for a message held in memory).  -1 on error. */
int md_store_fd(struct md_store *st);
void md_msg_free(struct md_msg *m);

/* Sequential raw reader over a store.  md_rd_next() returns a chunk: a whole
 * line with its "\n", or a piece of a long line (*more = 1 when the line
 * goes on), or the last line without "\n".  1 chunk, 0 end, -1 read error. */
struct md_rd {
    struct md_store *st;
    off_t pos;
    char *buf;
    size_t p, n, cap;
};
int md_rd_open(struct md_rd *r, struct md_store *st);
int md_rd_next(struct md_rd *r, const char **s, size_t *len, int *more);
void md_rd_close(struct md_rd *r);

/* The top header's fields one by one, each unfolded into raw form (name,
 * ':' and value with its line breaks), at most MD_FIELD_MAX bytes each. */
struct md_hdrscan {
    struct md_rd rd;
    str field;
    str line;
    int state;          /* 0 start, 1 in header, 2 done */
};
int md_hdrscan_open(struct md_hdrscan *h, struct md_store *st);
/* 1 and the field (name..value, no final newline) in *f / *flen, 0 at the
 * end of the header, -1 on error. */
int md_hdrscan_next(struct md_hdrscan *h, const char **f, size_t *flen);
void md_hdrscan_close(struct md_hdrscan *h);
/* The first field called name (unfolded, trimmed value) into out: 1, 0, -1. */
int md_header_value(struct md_store *st, const char *name, str *out);

/* ---- the canonical stream (maildrop-mime.c) ----------------------------------------- */

#define MD_LH 1   /* header line */
#define MD_LB 2   /* body line */
#define MD_LTOP 4 /* flag on header lines of the top-level header */

struct md_canon;
/* Lines of kinds in want (MD_LH|MD_LB). */
int md_canon_open(struct md_canon **c, struct md_store *st, int want);
/* 1 and a line (no newline) of *kind, 0 at the end, -1 on error (errno). */
int md_canon_next(struct md_canon *c, const char **line, size_t *len, int *kind);
void md_canon_close(struct md_canon *c);
void md_canon_cache_free(struct md_canon_cache *cc);
/* Appends s[0..n) as valid UTF-8 (invalid bytes read as ISO-8859-1). */
int md_utf8_fix(str *out, const char *s, size_t n);
/* 1 if s[0..n) is valid UTF-8. */
int md_utf8_valid(const char *s, size_t n);

/* ---- the tree (maildrop-parse.c) ---------------------------------------------------- */

enum md_ntype {
    /* expressions */
    N_STR = 1, N_PAT, N_ASSIGN, N_OR, N_AND,
    N_LT, N_LE, N_GT, N_GE, N_EQ, N_NE, N_SLT, N_SLE, N_SGT, N_SGE, N_SEQ, N_SNE,
    N_BOR, N_BAND, N_ADD, N_SUB, N_MUL, N_DIV, N_MATCH, N_NOT, N_BNOT,
    N_LENGTH, N_SUBSTR, N_GETADDR, N_HASADDR, N_LOOKUP, N_ESCAPE, N_TOLOWER, N_TOUPPER,
    N_TIME,
    /* statements */
    S_LIST, S_IF, S_WHILE, S_FOREACH, S_EXCEPTION, S_DOTLOCK, S_FLOCK,
    S_TO, S_CC, S_XFILTER, S_SYSTEM, S_ECHO, S_LOG, S_LOGFILE, S_INCLUDE,
    S_IMPORT, S_UNSET, S_EXIT, S_EXPR
};

/* pattern option flags */
#define MD_PH 1u     /* h */
#define MD_PB 2u     /* b */
#define MD_PD 4u     /* D: case-sensitive */
#define MD_PW 8u     /* w */
#define MD_PWT 16u   /* weighted */
#define MD_PTOP 32u  /* H: top-level header only */

struct md_pat {
    str src;             /* as written, before $-substitution */
    str opts;            /* option text after ':' */
    unsigned flags;
    double w1, w2;
    int dynamic;         /* src contains $-substitutions */
    str last;            /* expanded text the compiled code is for */
    int compiled;        /* last is valid: code (NULL if it failed) */
    int jitted;          /* the JIT compiler was asked */
    unsigned long uses;  /* matches so far, for the JIT decision */
    void *code;          /* pcre2_code * */
    void *mdata;         /* pcre2_match_data * */
};

struct md_seg {
    char kind;           /* 'w' word, '"', '\'', '`' */
    str text;
};

struct md_file;

struct md_node {
    int type;
    int line;
    struct md_file *file;
    struct md_node *a, *b, *c;     /* operands / condition, then, else */
    struct md_node *next;          /* next statement in a list */
    struct md_seg *seg;            /* N_STR: segments */
    size_t nseg;
    struct md_pat *pat;            /* N_PAT (and N_MATCH's right side) */
    str name;                      /* N_ASSIGN: variable name */
    struct md_file *inc;           /* S_INCLUDE: pre-parsed file */
    str incpath;                   /* S_INCLUDE: the path inc was parsed from */
    struct md_node *anext;         /* all nodes of a file, for freeing */
};

struct md_file {
    char *name;                    /* as shown in messages */
    struct md_node *prog;          /* S_LIST */
    int lifted;                    /* embedded restrictions lifted (maildroprcs) */
    str path;                      /* the path it was read from */
    struct md_node *nodes;         /* every node, for freeing */
    struct md_file *next;          /* all parsed files, for freeing */
};

struct md_ctx;
/* Parses a filter file held in text[0..len).  0 and *out, or -1 after
 * printing "name(line): ..." (errors in the file) or "maildrop: ..." */
int md_parse(struct md_ctx *c, const char *name, const char *text, size_t len, int lifted,
             int depth, struct md_file **out);
/* Opens, checks and parses a filter file.  Returns 0 and *out; 1 when it
 * does not exist (and missing_ok); -1 after printing a syntax error; -2 when
 * it cannot be read or is refused (printed unless quiet). */
int md_load(struct md_ctx *c, const char *path, const char *shown, int check_owner,
            int missing_ok, int lifted, int depth, int quiet, struct md_file **out);
/* 1 if including path lifts the embedded restrictions (maildroprcs). */
int md_include_lifts(struct md_ctx *c, const char *path);
void md_files_free(struct md_ctx *c);
const char *md_ntype_name(int type);

/* ---- tokens (maildrop-lex.c) ------------------------------------------------------------ */

enum md_tok {
    T_EOF = 0, T_SEP, T_STR, T_PAT, T_LP, T_RP, T_LB, T_RB, T_COMMA,
    T_PLUS, T_MINUS, T_MUL, T_DIV, T_TILDE, T_NOT, T_NE, T_ASSIGN, T_EQ, T_MATCH,
    T_LT, T_LE, T_GT, T_GE, T_BAND, T_AND, T_BOR, T_OR,
    T_SLT, T_SLE, T_SGT, T_SGE, T_SEQ, T_SNE,
    T_IF, T_ELSIF, T_ELSE, T_WHILE, T_FOREACH, T_EXCEPTION, T_ECHO, T_XFILTER, T_SYSTEM,
    T_DOTLOCK, T_FLOCK, T_LOGFILE, T_LOG, T_INCLUDE, T_EXIT, T_IMPORT, T_UNSET, T_TO, T_CC,
    T_LENGTH, T_SUBSTR, T_GETADDR, T_LOOKUP, T_ESCAPE, T_TOLOWER, T_TOUPPER, T_HASADDR,
    T_GDBMOPEN, T_GDBMCLOSE, T_GDBMFETCH, T_GDBMSTORE, T_TIME
};

struct md_token {
    int type;
    int line;
    char seg;            /* T_STR: 'w', '"', '\'', '`' */
    str text;            /* T_STR text, T_PAT pattern */
    str opts;            /* T_PAT options */
};

struct md_toks {
    struct md_token *v;
    size_t n, cap;
};

/* Tokenizes text; embedded = refuse the statements embedded mode forbids.
 * 0, or -1 with *errline and the message in err. */
int md_lex(const char *text, size_t len, int embedded, struct md_toks *out, int *errline, str *err);
void md_toks_free(struct md_toks *t);
const char *md_tok_name(int type);

/* ---- patterns (maildrop-match.c) ------------------------------------------------------ */

/* Parses the option text into p->flags/w1/w2. */
void md_pat_options(struct md_pat *p);
/* Compiles text as p's regex unless it is what p was compiled for.
 * 0 ok, -1 with the reason in err (p->code NULL). */
int md_pat_compile(struct md_pat *p, const char *text, size_t len, str *err);
/* Matches the compiled p against the message.  *score receives the result;
 * MATCH variables are set on an unweighted match.  MD_OK or MD_ERR. */
int md_pat_msg(struct md_ctx *c, struct md_pat *p, double *score, str *matched);
/* Matches against subject[0..n). */
int md_pat_str(struct md_ctx *c, struct md_pat *p, const char *subject, size_t n, double *score);
/* foreach: calls fn for every match (MATCH, MATCHn set first). */
typedef int (*md_foreach_fn)(struct md_ctx *c, void *arg);
int md_pat_foreach_msg(struct md_ctx *c, struct md_pat *p, md_foreach_fn fn, void *arg);
int md_pat_foreach_str(struct md_ctx *c, struct md_pat *p, const char *subject, size_t n,
                       md_foreach_fn fn, void *arg);
void md_pat_free(struct md_pat *p);
/* lookup(): 1 matched, 0 not, -1 error (reported). */
int md_lookup(struct md_ctx *c, const char *subject, size_t n, const char *file, const char *opts,
              const struct md_node *where);
void md_lookups_free(struct md_ctx *c);

/* ---- children (maildrop-run.c) --------------------------------------------------------- */

enum { MD_IN_NULL = 0, MD_IN_MSG = 1 };
/* Runs $SHELL -c cmd (argv == NULL) or argv (execvp-like through $PATH),
 * stdin from the message or /dev/null; with out != NULL its stdout is read
 * into out (at most outmax bytes kept), else stdout is inherited.
 * *status: the exit status, or 128 + signal.  0 or -1 (reported). */
int md_run(struct md_ctx *c, const char *cmd, char *const *argv, int in, str *out, size_t outmax,
           int *status);
/* xfilter: the command's output becomes the message.  0 or -1. */
int md_run_filter(struct md_ctx *c, const char *cmd, int *status, struct md_store **newst);

/* ---- deliveries (maildrop-deliver.c) ---------------------------------------------------- */

/* Delivers to target (to/cc/default).  is_to: the run ends after it.
 * MD_OK (for is_to: MD_EXIT with ctx->exitcode set), MD_ERR (reported). */
int md_deliver(struct md_ctx *c, const char *target, size_t tlen, int is_to,
               const struct md_node *where);
int md_logfile_open(struct md_ctx *c, const char *path);
void md_log_text(struct md_ctx *c, const char *s, size_t n);
/* Kind of a delivery target: 'p' pipe, 'f' forward, 'm' maildir, 'x' mbox. */
int md_target_kind(const char *t, size_t len);

/* ---- quota warnings (maildrop-quota.c; the quota itself is lib/quota) ------------------ */

/* -w: after a delivery attempt into maildir, maybe drop the warning message. */
void md_quota_warn(struct md_ctx *c, const char *maildir);

/* ---- the run (maildrop.c / maildrop-eval.c) ---------------------------------------------- */

enum { MD_MODE_MANUAL = 0, MD_MODE_DELIVERY = 1 };

struct md_held {           /* a dotlock held by a dotlock statement */
    str name;
    time_t refreshed;
    struct md_held *next;
};

struct md_lookup_cache;

struct md_ctx {
    struct md_vars vars;
    char **origenv;          /* the environment maildrop started with */
    struct md_msg msg;
    int mode;                /* MD_MODE_* */
    int embedded;            /* -m / -M */
    int restricted;          /* embedded restrictions in force now */
    int explain;             /* --explain */
    int quiet_verbose;       /* delivery mode: VERBOSE ignored */
    int exitcode;            /* for MD_EXIT */
    int in_exception;
    int include_depth;
    int logfd;
    unsigned long mdcounter;
    int warn_pct;            /* -w, 0 = off */
    const char *warn_file;   /* -W */
    const char *qmailhome;
    int sandbox;
    uid_t uid;
    gid_t gid;
    struct md_file *files;
    struct md_held *held;
    struct md_lookup_cache *lookups;
    int delivered;           /* explain: deliveries "made" */
    int stdin_used;
    time_t start;
    const char *cur_file;    /* for messages outside a node */
    char *initial[16];       /* initial values for the maildroprcs reset: "NAME=value" */
    str assigned;            /* names assigned anywhere in the parsed files, NUL-separated */
    int assigned_any;        /* an import/unset of a computed name was seen */
    const void *incstack;    /* the files being pre-parsed, for cycles */
    unsigned umask_val;      /* the umask in force ($UMASK) */
};

/* Runs a parsed file.  MD_OK, MD_ERR, MD_EXIT. */
int md_run_file(struct md_ctx *c, struct md_file *f);
/* Evaluates an expression into out (replaced). */
int md_eval(struct md_ctx *c, const struct md_node *n, str *out);
/* Expands $variables in s[0..n) (words, "..." strings, patterns), appending. */
int md_expand(struct md_ctx *c, const char *s, size_t n, const struct md_node *where, str *out);
/* Reports an error at a node ("file(line): text") or globally. */
void md_error(struct md_ctx *c, const struct md_node *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Debug output when VERBOSE >= level (not in delivery mode). */
int md_verbose(struct md_ctx *c);
void md_debug(struct md_ctx *c, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* --explain output (stdout). */
void md_explain(struct md_ctx *c, const struct md_node *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends s as a quoted, printable string for messages. */
void md_quote(str *out, const char *s, size_t n, size_t max);
/* Sets SIZE and LINES from the current message. */
void md_set_size(struct md_ctx *c);
/* Applies $UMASK. */
void md_apply_umask(struct md_ctx *c);
/* Writes all bytes to fd 1 (echo). */
void md_stdout(const char *s, size_t n);
/* The value of a numeric variable, def if unset or empty. */
long md_var_long(struct md_ctx *c, const char *name, long def);

#endif
