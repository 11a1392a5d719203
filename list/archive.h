/*
 * archive: reading a list's message archive as ezmlm-send writes it
 * (ezmlm(5)): message N is DIR/archive/<N/100>/<N%100, two digits>, complete
 * only once its owner-execute bit is set (mode 0744; a file without it is
 * a writer that has not finished and is never read); DIR/archive/<N/100>/index
 * holds two lines per message,
 *
 *     N: SUBJHASH SUBJECT
 *     <TAB>DATE;AUTHHASH AUTHOR
 *
 * (older lists: "N: SUBJHASH SUBJECT" alone, or without the ':').  A line
 * that does not parse is skipped, so a damaged index costs its own entries
 * only.  Used by ezmlm-get (digests, get, index, thread), ezmlm-archive
 * (web indexes) and ezmlm-idx (dates).
 *
 * Functions return 0 / -1 with errno unless documented otherwise.
 */
#ifndef LIST_ARCHIVE_H
#define LIST_ARCHIVE_H

#include <stddef.h>

#include "listdir.h"
#include "str.h"
#include "surf.h"

typedef struct archive_entry {
    unsigned long n;
    char hash[SURF_HASHLEN + 1];  /* subject hash ("" when unknown) */
    str subject;                  /* cleaned subject, "Re: " when a reply */
    str date;                     /* DATE of the index ("" if none) */
    str author;                   /* AUTHOR ("" if none) */
    char authhash[SURF_HASHLEN + 1]; /* AUTHHASH ("" when the index has none) */
} archive_entry;

#define ARCHIVE_ENTRY_INIT { 0, { 0 }, STR_INIT, STR_INIT, STR_INIT, { 0 } }

/* One index section in memory. */
typedef struct archive_index {
    unsigned long section;  /* N/100 */
    int loaded;             /* data holds that section */
    int present;            /* the index file exists */
    str data;
} archive_index;

#define ARCHIVE_INDEX_INIT { 0, 0, 0, STR_INIT }

/* out = DIR/archive/<n/100>/<n%100> (replaced). */
int archive_path(const listdir *ld, unsigned long n, str *out);
/* Creates (or empties) message n's file for writing, mode 0644 (not yet
 * complete), making its section directory when needed: the descriptor, or
 * -1 with errno.  path receives the file's path, or after a failure the
 * path that failed.  The writer (ezmlm-send, ezmlm-import) syncs it and
 * sets mode 0744 when it is whole. */
int archive_create(const listdir *ld, unsigned long n, str *path);
/* Opens complete message n read-only: the descriptor, or -1 (ENOENT also
 * for an incomplete file). */
int archive_open(const listdir *ld, unsigned long n);
/* Loads index section sec into ix unless it is already there: 1 present,
 * 0 no index file, -1 error. */
int archive_index_load(const listdir *ld, unsigned long sec, archive_index *ix);
/* The next entry of a loaded section from *pos on (set *pos = 0 to
 * start): 1 and *e filled, 0 at the end. */
int archive_index_next(const archive_index *ix, size_t *pos, archive_entry *e);
/* The entry of message n: from its index section (cached in ix) when the
 * list has one, else from the message's own Subject and From.  1 found, 0
 * no complete message n (and no index line), -1 error. */
int archive_entry_get(const listdir *ld, unsigned long n, archive_index *ix, archive_entry *e);
void archive_entry_free(archive_entry *e);
void archive_index_free(archive_index *ix);

/* The numbers "A:B:C" of state file DIR/name (num, dignum, digissue;
 * missing fields are 0) into v; old, when not NULL, receives the file as
 * it was (empty when missing), for a restore.  1 read, 0 no such file, -1
 * error. */
int archive_state(const listdir *ld, const char *name, unsigned long v[3], str *old);

/* A date as mail carries it: "[Wdy,] D Mon YY[YY] [HH:MM[:SS]] [ZONE]"
 * (two-digit years 70-99 are 19xx, the others 20xx; three digits +1900). */
typedef struct archive_date {
    unsigned long day, mon, year, hh, mm, ss;  /* mon 1..12 */
    const char *zone;                          /* points into the input */
    size_t zonelen;                            /* 0: no zone */
} archive_date;
/* 1 and *d filled, or 0 when s is not such a date. */
int archive_date_parse(const char *s, size_t len, archive_date *d);

/* Parses a decimal number: digits used, saturating at ULONG_MAX instead of
 * failing on overflow (requests may carry any number). */
size_t archive_scan_num(const char *s, size_t len, unsigned long *u);

#endif
