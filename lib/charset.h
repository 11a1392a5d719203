/*
 * charset: conversion of text in a named charset to UTF-8, for the header
 * decoder (lib/hdr) and maildrop's body canonicaliser.
 *
 * A thin layer over iconv(3) with the same calling convention, and one
 * built-in converter: ISO-8859-1 (and its aliases), the most common
 * non-UTF-8 label in mail, maps byte b to U+00b exactly as glibc's module
 * does, so it is done here without glibc loading its ISO8859-1 module with
 * dlopen, which costs a filter run more than the conversion itself.
 */
#ifndef SUITE_CHARSET_H
#define SUITE_CHARSET_H

#include <iconv.h>
#include <stddef.h>

typedef struct {
    int kind;      /* CHARSET_NONE, CHARSET_LATIN1 or CHARSET_ICONV */
    iconv_t cd;
} charset_conv;

enum { CHARSET_NONE, CHARSET_LATIN1, CHARSET_ICONV };

/* 1 if label names ISO-8859-1 (case ignored). */
int charset_is_latin1(const char *label);

/* Opens a converter from label to UTF-8: 0, or -1 (errno from iconv_open,
 * EINVAL for an unknown charset) leaving c closed. */
int charset_open(charset_conv *c, const char *label);

/* iconv(3) semantics: converts from *in, advancing the pointers; returns
 * (size_t)-1 with errno E2BIG when out is full, EILSEQ/EINVAL as iconv.
 * in == NULL resets the shift state (writing nothing for ISO-8859-1). */
size_t charset_conv_run(charset_conv *c, char **in, size_t *inleft, char **out, size_t *outleft);

/* Closes c (closing a closed converter is harmless). */
void charset_close(charset_conv *c);

#endif
