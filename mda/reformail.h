/*
 * reformail: the parts of mda/reformail.c (one program, three files):
 *
 *   reformail.c        options, the header pipeline (what -a -A -i -I -u -U
 *                      -R -f0 -f1 -c -x -X do to header fields), main
 *   reformail-io.c     reading lines, streaming the body (CR stripping,
 *                      From_ quoting), the output sinks: standard output or
 *                      the -s splitter that runs a program per message
 *   reformail-cache.c  the -D duplicate Message-ID cache
 *
 * Everything is called with the one rf context of the run; errors end the
 * program through lib/die (exit 1, or 75 for the cache file, as the
 * original).  Names start with rf_ (the mda part library is shared with
 * maildrop).
 */
#ifndef MDA_REFORMAIL_H
#define MDA_REFORMAIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "str.h"

#define RF_PROG "reformail"
#define RF_FIELD_MAX (4u << 20)  /* longest header field (lines + continuations) */
#define RF_SAVED_MAX (4u << 20)  /* header bytes held for later (-U, -f1) */
#define RF_CACHE_MAX (256u << 20) /* largest -D cache read */

/* A list of byte strings (option values, kept header fields). */
typedef struct rf_list {
    str *v;
    size_t n, cap;
} rf_list;

enum rf_mode { RF_COPY = 0, RF_EXTRACT, RF_CACHE, RF_SPLIT };
enum rf_quote { RF_Q_NONE = 0, RF_Q_ADD, RF_Q_REM };

typedef struct rf_split {
    char **argv;             /* program and arguments */
    pid_t pid;               /* running child, 0 if none */
    int fd;                  /* its standard input */
    buf w;
    char space[8192];
    int broken;              /* it stopped reading: the rest is dropped */
    int at_start;            /* output is at the start of a line */
    char pre[5];             /* start of the line, held to look for "From " */
    size_t npre;
    int pend_eol;            /* end of the previous line, held back */
    int do_fileno;           /* FILENO is managed */
    unsigned long fileno;    /* value for the next child */
    size_t width;            /* digits at least */
    unsigned long messages;  /* children started */
} rf_split;

typedef struct rf {
    /* options */
    int crlf;                /* -d1 */
    int catenate;            /* -c */
    int from;                /* 0, '0' (-f0) or '1' (-f1) */
    enum rf_mode mode;
    rf_list a, A, i, I, u, U, x, X, R;
    const char *cache_len, *cache_file;

    /* input */
    buf in;
    str look;                /* lookahead line (without its line end) */
    int have_look;
    int eof;

    /* output */
    buf out;
    rf_split sp;

    /* header state */
    rf_list ukept;           /* -u: first lines of the fields kept */
    rf_list Ukept;           /* -U: the last field of each name, for the end */
    size_t saved;            /* bytes held in Ukept and the -f1 header */
    int done;                /* -x/-D: nothing more to look at */

    /* body: start-of-line state for From_ quoting */
    enum rf_quote quote;
    int bl_decided;
    unsigned long long bl_gt;
    size_t bl_nfrom;

    /* -D */
    int cache_found;
} rf;

/* reformail-io.c */
/* Reads one line into line (replaced): its line end and one CR before it
 * removed.  1, or 0 at end of input.  Dies on errors and overlong lines. */
int rf_read_line(rf *r, str *line);
/* Streams the rest of the input as body lines through the quoting filter
 * to the sink. */
void rf_body(rf *r);
/* Reads and drops the rest of the input (seeks to its end if it can). */
void rf_drain(rf *r);
/* The sink: line content, then the end of the line (LF, or CRLF with -d1). */
void rf_put(rf *r, const char *p, size_t n);
void rf_eol(rf *r);
/* Flushes standard output, or ends the last -s message; dies on errors. */
void rf_finish(rf *r);

/* reformail-cache.c: looks id up in the -D cache file and records it.
 * Returns 1 if it was there (a duplicate), 0 if not. */
int rf_cache(const char *file, const char *maxlen, const char *id, size_t idlen);

#endif
