/*
 * enc: the transfer encodings the list tools write -- quoted-printable and
 * base64 bodies (text files sent with a "charset:Q" / "charset:B" list
 * charset, trailers appended to encoded posts) and RFC 2047 encoded-words
 * for header phrases that are not plain ASCII (the rewritten From: of a
 * DMARC-protected post).  Output is appended; lines end in '\n'.
 * Functions return 0 or -1 (ENOMEM).
 */
#ifndef LIST_ENC_H
#define LIST_ENC_H

#include <stddef.h>

#include "str.h"

/* Quoted-printable (RFC 2045): '=' and bytes outside 32..126 (except tab
 * and space before text) as =XX, lines kept, soft breaks at 76 columns,
 * trailing white space protected. */
int enc_qp(str *out, const char *s, size_t len);
/* Base64 in lines of 76 characters, the last line ended too. */
int enc_b64(str *out, const char *s, size_t len);
/* 1 if s[0..len) has a byte outside 32..126 other than tab, CR and LF. */
int enc_needs(const char *s, size_t len);
/* An RFC 2047 phrase for text (UTF-8 or other 8-bit bytes, labelled
 * charset): one or more "=?charset?Q?...?=" words separated by spaces, each
 * at most 75 characters. */
int enc_2047(str *out, const char *s, size_t len, const char *charset);

/* Decoders (for edited text files sent back encoded): bad input is
 * skipped, never an error. */
int enc_unb64(str *out, const char *s, size_t len);
int enc_unqp(str *out, const char *s, size_t len);

#endif
