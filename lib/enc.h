/*
 * enc: the MIME transfer encodings, both ways, for every program that
 * writes or reads them: quoted-printable and base64 bodies (list texts sent
 * with a "charset:Q" / "charset:B" list charset, trailers appended to
 * encoded posts, autoresponder texts), RFC 2047 "=?charset?Q?...?=" words
 * for header text that is not plain ASCII (list subjects, the rewritten
 * From: of a DMARC-protected post, autoresponder headers), the lenient body
 * decoders (edited text files sent back encoded) and the strict decoders of
 * encoded-word text behind lib/hdr's RFC 2047 decoder.  Also the UTF-8
 * sequence check the encoders use to keep a character in one word.
 *
 * Output is appended to a str; output lines end in LF.  Encoders and the
 * lenient decoders return 0, or -1 (ENOMEM, or EINVAL where noted) with
 * out as it was.  Input may hold any byte; nothing is read past len.
 */
#ifndef SUITE_ENC_H
#define SUITE_ENC_H

#include <stddef.h>

#include "str.h"

/* Longest charset label enc_2047 writes. */
#define ENC_CHARSET_MAX 64

/* ---- UTF-8 ------------------------------------------------------------------ */

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), or 0 when n is 0 or
 * the bytes there are not one (overlong forms, surrogates and code points
 * above U+10FFFF are not). */
size_t enc_utf8_len(const char *s, size_t n);
/* 1 if s[0..len) is valid UTF-8, else 0. */
int enc_utf8_valid(const char *s, size_t len);

/* ---- encoders --------------------------------------------------------------- */

/* 1 if s[0..len) has a byte outside 32..126 other than tab, CR and LF (so
 * it needs an encoding), else 0. */
int enc_needs(const char *s, size_t len);

/* Quoted-printable (RFC 2045) for text whose lines end in LF or CR LF
 * (written as LF): '=', control bytes other than tab and bytes above 126
 * as =XX; a space or tab that ends a line as =XX; a line that begins with
 * "From " or is a lone "." starts with =46 or =2E (mbox and SMTP safe);
 * soft line breaks ("=" LF) keep every output line at most 76 bytes. */
int enc_qp(str *out, const char *s, size_t len);

/* Base64 in lines of 76 characters, the last line ended too (empty input:
 * nothing). */
int enc_b64(str *out, const char *s, size_t len);

/*
 * RFC 2047 Q-encoded words "=?charset?Q?...?=" for header text s[0..len)
 * (labelled charset: 1 to ENC_CHARSET_MAX letters, digits and "-_.:+",
 * else EINVAL).  Each word is at most 75 characters; words are separated
 * by a fold ("\n "); the first word is made short enough to end by column
 * 76 when the text starts at column col (the length of "Subject: " for
 * example), as long as that leaves room for 16 encoded bytes.  A space is
 * written as '_'; letters, digits and "!*+-/" as they are; anything else as
 * =XX.  A valid UTF-8 sequence is never split between words (other bytes
 * count singly).  Empty text appends nothing.
 */
int enc_2047(str *out, const char *s, size_t len, const char *charset, size_t col);

/* ---- decoders --------------------------------------------------------------- */

/* Lenient body decoders: bad input is skipped, never an error.  Base64:
 * characters outside the alphabet are ignored, decoding stops at the first
 * '='.  Quoted-printable: "=" LF and "=" CR LF vanish (soft breaks), =XX
 * becomes its byte, any other '=' is kept as it is. */
int enc_unb64(str *out, const char *s, size_t len);
int enc_unqp(str *out, const char *s, size_t len);

/* Strict decoders of encoded-word text (the part between "?B?" or "?Q?"
 * and "?="): 1 decoded and appended, 0 malformed (out unchanged), -1
 * ENOMEM.  B: base64 with optional padding; a character outside the
 * alphabet, data after '=', a lone 6-bit group or wrong padding is
 * malformed.  Q: '_' is a space, =XX a byte, other bytes themselves; '='
 * without two hex digits is malformed. */
int enc_word_unb64(str *out, const char *s, size_t len);
int enc_word_unq(str *out, const char *s, size_t len);

#endif
