/*
 * hdr: header fields of a message held in memory -- iterate, find, unfold,
 * trim, and decode RFC 2047 encoded-words to UTF-8.
 *
 * Contract.  The caller reads the header block (or the whole message) into
 * a buffer with a size cap of its choosing and iterates over it; nothing is
 * copied and hdr_field points into that buffer.  Any byte may occur (NUL,
 * bare CR, 8-bit); no function reads outside [buf, buf+len) and none loops
 * or crashes on malformed input.  Lines end with LF or CRLF; a line's CR
 * before its LF is not part of its content; a last line without a newline
 * is still a line.  A field is a line whose name is one or more bytes
 * 33..126 other than ':', followed by optional spaces/tabs and ':', plus
 * every following line that starts with a space or tab (continuation).
 * The header ends at the first empty line (HDR_END), at the first line that
 * is neither a field nor a continuation (HDR_BADLINE: qmail-inject inserts
 * a blank line there; the body starts AT that line), or at the end of the
 * buffer (HDR_EOF).  A line "From ..." that is not a field is an mbox
 * separator and is reported as HDR_MBOX wherever it occurs in the header
 * (callers decide: qmail-inject turns it into "MBOX-Line:", reformail -f0
 * only looks at the first line); continuation lines after it belong to it.
 *
 * Functions that produce text APPEND it to a str; they return 0 (or a
 * documented count), or -1 with errno (ENOMEM) leaving the str as it was.
 * Decoded text may contain any byte, CR, LF and NUL included: a caller that
 * writes it into a header or a log line must sanitize it.
 */
#ifndef SUITE_HDR_H
#define SUITE_HDR_H

#include <stddef.h>

#include "str.h"

enum hdr_kind {
    HDR_FIELD = 1,   /* a header field */
    HDR_MBOX = 2,    /* an mbox "From " line: name "From", value after "From " */
    HDR_END = 3,     /* the empty line; the body starts after it */
    HDR_BADLINE = 4, /* not a field: the header ends, the body starts at this
                        line; the field describes the line (name empty) */
    HDR_EOF = 5      /* the buffer ended in the header; body offset = len */
};

typedef struct hdr_field {
    const char *name;   /* field name (no trailing blanks, no ':') */
    size_t name_len;
    const char *value;  /* after the ':' up to the end of the field, folds and
                           leading blanks included, final line ending excluded */
    size_t value_len;
    const char *raw;    /* the whole field, final line ending included */
    size_t raw_len;
    size_t offset;      /* raw - buf */
} hdr_field;

typedef struct hdr_iter {
    const char *buf;
    size_t len;
    size_t pos;         /* next line to read */
    int end;            /* 0 while in the header, else HDR_END/HDR_BADLINE/HDR_EOF */
    size_t body;        /* once end != 0: offset where the body starts */
} hdr_iter;

void hdr_iter_init(hdr_iter *it, const char *buf, size_t len);
/* Reads the next item into *f and returns its kind (enum hdr_kind).  Once the
 * header has ended every further call returns the same end kind (with *f
 * describing the bad line for HDR_BADLINE, else empty); it->body is then
 * valid. */
int hdr_next(hdr_iter *it, hdr_field *f);
/* Advances to the next HDR_FIELD whose name equals name (ASCII case
 * ignored, no colon); returns 1 and fills *f, or 0 when the header ended. */
int hdr_find(hdr_iter *it, const char *name, hdr_field *f);
/* 1 if f's name equals name (ASCII case ignored, no colon), else 0. */
int hdr_is(const hdr_field *f, const char *name);
/* 1 if name[0..len) equals want ignoring ASCII case, else 0. */
int hdr_name_eq(const char *name, size_t len, const char *want);

/* Removes white space (space, tab, CR, LF) at both ends of s[0..*len). */
void hdr_trim(const char **s, size_t *len);

enum hdr_unfold_mode {
    HDR_UNFOLD_DELETE = 0, /* RFC 5322: delete each line break (CRLF or LF) */
    HDR_UNFOLD_SPACE = 1,  /* maildrop: replace each line break by one space */
    HDR_UNFOLD_COLLAPSE = 2 /* reformail -c: replace each LF and all the white
                              space (space, tab, CR, LF, VT, FF) after it by one
                              space, or by nothing at the end of s; only LF is
                              a line break here (a CR before it is kept): for
                              text whose line ends were already normalised */
};
/* Appends s[0..len) with its line breaks deleted or replaced (mode); except
 * with HDR_UNFOLD_COLLAPSE the continuation's own leading white space is
 * kept; a bare CR stays (unless COLLAPSE swallows it after a break). */
int hdr_unfold(str *out, const char *s, size_t len, int mode);
/* Appends f's value trimmed and unfolded (HDR_UNFOLD_DELETE). */
int hdr_value(str *out, const hdr_field *f);
/* Appends, separated by sep, the trimmed unfolded values of every field
 * named name in the header of buf[0..len).  Returns how many fields were
 * found (0 appends nothing), or -1 (ENOMEM; out unchanged).  Useful for
 * "all To: and Cc:" style scans with an address-list separator ", ". */
int hdr_collect(str *out, const char *buf, size_t len, const char *name, const char *sep);

/* Longest charset label honoured in an encoded-word. */
#define HDR_CHARSET_MAX 64

/* Appends s[0..len) with RFC 2047 encoded-words "=?charset?B|Q?text?="
 * decoded (found anywhere, not only between blanks; "charset*lang" accepted)
 * and converted to UTF-8 with iconv.  White space between two adjacent
 * encoded-words is dropped, and adjacent words in the same charset are
 * converted together (a character split across words survives).  When the
 * charset is unknown or the bytes are invalid in it, the decoded bytes are
 * kept unconverted.  A malformed encoded-word (bad base64, '=' not followed
 * by two hex digits in Q, missing "?=", bad charset label, white space
 * inside) is kept as literal text.  Everything else is copied unchanged:
 * call it on an unfolded value, and for address fields on the display names
 * given by addr_list_parse, never on the raw field. */
int hdr_decode2047(str *out, const char *s, size_t len);

#endif
