/*
 * addr: RFC 5321/5322 mail addresses -- splitting, case rules, quoting, the
 * SMTP path parser of qmail-smtpd and the one address-list parser of the
 * suite (header fields such as From, To, Cc, Reply-To).
 *
 * Contract.  Addresses are byte strings with explicit lengths: any byte,
 * NUL included, may appear, and no function reads outside [s, s+len).  An
 * address is split at its LAST '@' (qmail's rule): "a@b@c" has local part
 * "a@b" and domain "c"; without '@' the whole string is the local part.
 * Case rules are ASCII only and locale-independent.  Functions that produce
 * text APPEND it to a str (they never truncate what is there); they return
 * 0, or -1 with errno (ENOMEM) and leave the output as it was.
 *
 * Three textual forms of an address are used throughout:
 *   - "addr": the comparable form, local@domain with the local part unquoted
 *     (quotes and backslash escapes removed, comments and white space
 *     dropped); this is what goes into an envelope and what lists compare;
 *   - "spec": the RFC 5322 form, local part quoted when it is not a dot-atom
 *     (addr_quote), e.g. "\"s p\"@x.org"; this is what is written into a
 *     header, a Return-Path line or an SMTP command;
 *   - the original text as written, available as a span of the input.
 *
 * The list parser is tolerant: it never fails on bad syntax (unbalanced
 * quotes, brackets, comments or groups), it only flags it, and it runs in
 * time linear in the input.  It is bounded: at most ADDR_LIST_MAX_TOKENS
 * lexical tokens are examined and at most ADDR_LIST_MAX_ITEMS items are
 * kept per list; the unparsed remainder then becomes one ADDR_REST item
 * (kept verbatim, so a rewritten field loses nothing) and list->truncated
 * is set.  A caller that needs every address (qmail-inject building an
 * envelope) must treat truncated as an error.
 */
#ifndef SUITE_ADDR_H
#define SUITE_ADDR_H

#include <stddef.h>

#include "str.h"

/* ---- splitting and case rules ------------------------------------------- */

typedef struct addr_parts {
    const char *local;   /* start of the address */
    size_t local_len;    /* bytes before the last '@' (the whole length if none) */
    const char *domain;  /* byte after the last '@' (end of input if none) */
    size_t domain_len;
    int has_at;          /* 1 if there is an '@' */
} addr_parts;

/* Splits s[0..len) at its last '@'.  Never fails. */
void addr_split(const char *s, size_t len, addr_parts *p);
/* Lowercases (ASCII) the bytes after the last '@', in place. */
void addr_domain_lower(char *s, size_t len);
/* 1 if the two addresses are equal ignoring ASCII case everywhere (ezmlm,
 * maildrop hasaddr), else 0. */
int addr_equal(const char *a, size_t alen, const char *b, size_t blen);
/* 1 if the local parts are byte-equal and the domains equal ignoring ASCII
 * case (the case rule of RFC 5321), else 0.  Addresses without '@' compare
 * as local parts. */
int addr_equal_domain(const char *a, size_t alen, const char *b, size_t blen);
/* 1 if domain d[0..dlen) matches a control-file pattern p[0..plen): equal
 * ignoring case, or p starts with '.' and is a case-insensitive proper
 * suffix of d (rcpthosts style: ".example.com" matches "a.example.com"). */
int addr_domain_match(const char *d, size_t dlen, const char *p, size_t plen);

/* ---- quoting -------------------------------------------------------------- */

/* 1 if local[0..len) must be quoted: it is empty, has a byte that is not
 * RFC 5322 atext or '.', or has a leading, trailing or doubled '.'. */
int addr_local_needs_quote(const char *local, size_t len);
/* Appends the local part, quoted if needed: the text goes between '"' and
 * '"', with '"', '\\', CR and LF preceded by a backslash (qmail's rule). */
int addr_quote_local(str *out, const char *local, size_t len);
/* Appends the address (split at its last '@') with its local part quoted if
 * needed and the domain as is: "s p@x.org" -> "\"s p\"@x.org".  The empty
 * address (the null path) appends nothing; "@x" gives "\"\"@x". */
int addr_quote(str *out, const char *addr, size_t len);
/* Appends name as an RFC 5322 phrase: as is when it consists of atext words
 * separated by single spaces (and always_quote is 0), else as one quoted
 * string with '"' and '\\' escaped and CR/LF dropped.  The empty name
 * appends "\"\"". */
int addr_cat_phrase(str *out, const char *name, size_t len, int always_quote);

/* ---- SMTP paths (qmail-smtpd) ---------------------------------------------- */

/* qmail-smtpd refuses addresses of this many bytes or more. */
#define ADDR_PATH_MAX 900

enum addr_path_status {
    ADDR_PATH_ERR = -1,       /* out of memory (errno set); out unchanged */
    ADDR_PATH_OK = 0,
    ADDR_PATH_UNBALANCED = 1, /* '<' without '>', a stray '<' or '>', an open
                                 quote or a trailing backslash */
    ADDR_PATH_BADCHAR = 2,    /* the address contains NUL, CR or LF */
    ADDR_PATH_TOOLONG = 3     /* the address has ADDR_PATH_MAX bytes or more */
};

/* Parses the argument of MAIL or RCPT as qmail-smtpd does ("FROM:<a@b>
 * SIZE=9", "TO: a@b"): the text after the first '<' up to the first
 * unquoted '>' if there is a '<'; otherwise the text after the first ':'
 * and any spaces, up to the next unquoted space.  Double quotes are removed
 * and a backslash takes the next byte literally.  A leading source route
 * ("@a,@b:") is dropped.  The address is appended to out in every case
 * except ADDR_PATH_ERR (so a caller may keep qmail's lenient reading of an
 * unbalanced path); the return value says what was wrong, in the order
 * TOOLONG, BADCHAR, UNBALANCED.  An empty result is the null path "<>".
 * Replacing a "[ip]" domain by localiphost is the caller's job. */
int addr_smtp_path(str *out, const char *arg, size_t len);

/* ---- address lists (header field values) ---------------------------------- */

#define ADDR_LIST_MAX_TOKENS 100000
#define ADDR_LIST_MAX_ITEMS  10000

enum addr_kind {
    ADDR_MAILBOX = 1,   /* one address */
    ADDR_GROUP = 2,     /* start of a group "name:"; name = the display name */
    ADDR_GROUP_END = 3, /* the ';' closing a group */
    ADDR_REST = 4       /* unparsed tail after a cap was reached; text only */
};

/* item flags */
#define ADDR_F_ANGLE     0x001u /* written as <...> */
#define ADDR_F_UNCLOSED  0x002u /* '<' without '>' / group without ';' */
#define ADDR_F_NOAT      0x004u /* no '@': an unqualified local part */
#define ADDR_F_ROUTE     0x008u /* a source route "@a,@b:" was dropped */
#define ADDR_F_NOCOMMA   0x010u /* only white space separated it from the
                                   previous address (an "illegal space") */
#define ADDR_F_BADCHAR   0x020u /* addr holds a control byte (NUL, CR, LF,
                                   other bytes < 32, or 127) */
#define ADDR_F_UNTERM    0x040u /* a quoted string, comment or domain literal
                                   ran to the end of the input */
#define ADDR_F_NAMECOMMENT 0x080u /* name was taken from a comment */
#define ADDR_F_INGROUP   0x100u /* mailbox inside a group */

typedef struct addr_item {
    int kind;           /* enum addr_kind */
    unsigned flags;     /* ADDR_F_* */
    str addr;           /* MAILBOX: the comparable form (see above); "" for <> */
    size_t local_len;   /* MAILBOX: bytes of addr before the separating '@'
                           (== addr.len when ADDR_F_NOAT) */
    str spec;           /* MAILBOX: the RFC 5322 form; written by the emitter */
    str name;           /* MAILBOX: display name (phrase words joined by single
                           spaces, quotes removed; RFC 2047 words NOT decoded),
                           else the first comment's text, else "";
                           GROUP: the group's display name */
    str text;           /* the item's source text: MAILBOX from its first to its
                           last token (phrase, angle, comments); GROUP the
                           display name as written; REST the unparsed tail */
    size_t spec_off;    /* MAILBOX: where the addr-spec (route included) is in */
    size_t spec_len;    /*   text; the emitter replaces that span by spec */
} addr_item;

typedef struct addr_list {
    addr_item *v;
    size_t n;           /* items in use */
    size_t cap;
    int truncated;      /* a cap was reached; an ADDR_REST item ends the list */
} addr_list;

#define ADDR_LIST_INIT { 0, 0, 0, 0 }

/* Parses the header field value s[0..len) (raw or unfolded: CR and LF count
 * as white space, and are removed inside quoted strings, comments and
 * literals) and APPENDS its items to l.  Grammar accepted: mailboxes
 * (addr-spec, "phrase <addr-spec>", "<@route:addr-spec>", "<>"), groups
 * "name: a, b;", comments (nested), quoted strings, domain literals, obsolete
 * white space and comments around '.' and '@'.  Tolerances: words not
 * separated by a comma start a new address (ADDR_F_NOCOMMA; "a@b c@d" and
 * "john smith@x" are two addresses each, as qmail-inject reads them, and in
 * "a@b Joe <j@x>" or "a@b Team: x;" the words after the last address with
 * an '@' are the display name); a ':' starts a group only outside a group
 * and before any '@' of the current address ("x@y:z" is one address); a
 * missing '>' ends at the next ',' or ';'; a missing ';' closes the group at
 * the end; an unterminated quoted string, comment or literal runs to the end
 * of input; stray specials become part of the address; a quoted string in a
 * domain is kept with its quotes.  Comments that belong to no address and
 * empty elements are not items.  Returns 0, or -1 (ENOMEM) with l as it was
 * before the call. */
int addr_list_parse(addr_list *l, const char *s, size_t len);
/* Rewrites a mailbox: sets addr to a[0..len), recomputes local_len, spec and
 * ADDR_F_NOAT/ADDR_F_BADCHAR.  Returns 0 or -1 (ENOMEM; item unchanged). */
int addr_item_set(addr_item *it, const char *a, size_t len);
/* Appends the list as header text: each mailbox is its source text with the
 * addr-spec replaced by its spec (so a route and comments inside the
 * addr-spec go; '>' supplied if it was missing), groups as "name: a, b;"
 * (';' supplied if missing), items separated by ", " (so illegal spaces
 * become commas; white space, empty elements and lone comments between items
 * are not kept), a REST item verbatim.  Parsing the output again gives the
 * same addresses.  If width > 0, a line break "\n  " is put at a
 * separator when the line would pass width columns; col is the column the
 * text starts at (e.g. 4 after "To: ").  Returns 0 or -1 (ENOMEM). */
int addr_list_emit(str *out, const addr_list *l, size_t col, size_t width);
/* Empties the list, keeping nothing. */
void addr_list_free(addr_list *l);

#endif
