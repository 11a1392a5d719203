/*
 * listdir: reading an ezmlm-idx list directory the way the list programs
 * need it (digest sections 1 and 3).
 *
 * listdir_open() reads what every program needs: outlocal and outhost (the
 * list's LIST and HOST; inlocal/inhost are obsolete and default to them),
 * the alternate configuration directory (first line of DIR/ezmlmrc: the
 * -C argument given to ezmlm-make, e.g. a language directory), the legacy
 * option letters (DIR/flags, or the "F:" line of DIR/config) and the
 * charset.  It also resolves the install paths from the environment:
 * EZMLM_ETC (default /etc/ezmlm; the system defaults are EZMLM_ETC/default,
 * normally a link to a language directory) and EZMLM_BIN (default: the
 * qmail home's bin directory, ctl_home() "/bin", where the suite installs
 * its programs).  QMAILHOME is honoured through lib/ctl and lib/qq.
 *
 * Control files ("getconf"): DIR/name, else ALT/name (ALT = the alternate
 * directory, when set), else EZMLM_ETC/default/name.  listdir_conf()
 * applies ezmlm's line rules: lines starting with '#' are dropped, trailing
 * spaces and tabs stripped, empty lines dropped; each remaining line is
 * followed by a NUL in the output.  Tag substitution (header mode) is done
 * by text_conf() in text.h, which builds on listdir_conf_raw().
 *
 * Flag files: listdir_isset() is the existence of DIR/name only, except
 * that when the legacy option letters exist the letter-named flags (table
 * listdir_flag_file()) are answered from them.  listdir_flag() answers a
 * letter or digit of a text file's <=FLAGS=> section (digest 7.4; 'd' means
 * "digested", see the README's Differences).
 *
 * Text files: DIR/text/F, else ALT/text/F, else EZMLM_ETC/default/text/F.
 *
 * Files are read whole but bounded (LISTDIR_FILE_MAX: EFBIG beyond it); a
 * missing file is CTL_MISSING, other failures CTL_ERR (-1 with errno).
 * Functions return enum ctl_result (lib/ctl.h) where they look a file up,
 * else 0 / -1 with errno.  No function exits or prints.
 */
#ifndef LIST_LISTDIR_H
#define LIST_LISTDIR_H

#include <stddef.h>

#include "ctl.h"
#include "str.h"

#define LISTDIR_FILE_MAX (4u * 1024 * 1024)
/* What -v/-V print after "<prog> version: " (the 3rd word of ezmlm-make -V
 * is compared by ezmlm-idx's test suite with its own version). */
#define LISTDIR_VERSION "ezmlm-idx-7.2.2"
/* The version the first line of an ezmlmrc template should start with. */
#define LISTDIR_TEMPLATE_VERSION "7.2.2"
#define LISTDIR_ETC_DEFAULT "/etc/ezmlm"

/* listdir_open() flags */
#define LISTDIR_NEED_NAMES 1u   /* outlocal and outhost must exist (ENOENT) */

typedef struct listdir {
    str dir;        /* the directory as given, without trailing '/' */
    str outlocal;   /* LIST: first line of DIR/outlocal ("" if absent) */
    str outhost;    /* HOST: first line of DIR/outhost ("" if absent) */
    str inlocal;    /* obsolete DIR/inlocal, else outlocal */
    str inhost;     /* obsolete DIR/inhost, else outhost */
    str altdir;     /* first line of DIR/ezmlmrc ("" if none) */
    str etc;        /* $EZMLM_ETC or LISTDIR_ETC_DEFAULT */
    str bin;        /* $EZMLM_BIN or ctl_home() "/bin" */
    str charset;    /* charset name (default "us-ascii"), without ":Q"/":B" */
    char encoding;  /* 0, 'Q' or 'B' (the charset file's suffix) */
    int haveflags;  /* 1 when legacy option letters exist */
    str flags;      /* those letters (lower case = on, upper case = off) */
    str errfile;    /* after a failure: the file that could not be read */
} listdir;

#define LISTDIR_INIT { STR_INIT, STR_INIT, STR_INIT, STR_INIT, STR_INIT, STR_INIT, \
                       STR_INIT, STR_INIT, STR_INIT, 0, 0, STR_INIT, STR_INIT }

/* Reads the list directory dir (see above).  0, or -1 with errno and
 * ld->errfile naming the file. */
int listdir_open(listdir *ld, const char *dir, unsigned flags);
void listdir_free(listdir *ld);

/* out = DIR "/" name. */
int listdir_path(const listdir *ld, const char *name, str *out);

/* ---- control files ------------------------------------------------------- */

/* The whole first file found for name (DIR, ALT, ETC/default), unprocessed;
 * path (may be NULL) receives its path. */
int listdir_conf_raw(const listdir *ld, const char *name, str *out, str *path);
/* Applies the getconf line rules to in[0..len) and APPENDS the surviving
 * lines to out, each followed by a NUL.  0 or -1 (ENOMEM). */
int listdir_conf_lines(const char *in, size_t len, str *out);
/* raw + line rules: out holds the lines, each followed by a NUL. */
int listdir_conf(const listdir *ld, const char *name, str *out);
/* 1 if lines (as listdir_conf leaves them: each followed by a NUL; NULL
 * is empty) include s[0..len), ASCII case ignored; else 0. */
int listdir_conf_has(const str *lines, const char *s, size_t len);
/* The first surviving line (NUL-terminated, no NUL inside out->len). */
int listdir_conf_line(const listdir *ld, const char *name, str *out);
/* The leading decimal number of the first line; def when missing or no
 * digits. */
int listdir_conf_ulong(const listdir *ld, const char *name, unsigned long def,
                       unsigned long *out);

/* ---- flags ------------------------------------------------------------------ */

/* The flag file of an option letter a..z (archived, modgetonly, ...), or
 * NULL for letters without one. */
const char *listdir_flag_file(char letter);
/* 1 if flag file name is set (see above), 0 if not, -1 on error (a stat()
 * failure other than ENOENT/ENOTDIR). */
int listdir_isset(const listdir *ld, const char *name);
/* 1/0: a flag letter or digit as <=FLAGS=> sections use it.  Upper-case
 * letters mean "off" (the negation of the lower-case flag). */
int listdir_flag(const listdir *ld, char c);

/* ---- other files ------------------------------------------------------------ */

/* The list's secret DIR/key (binary, whole file). */
int listdir_key(const listdir *ld, str *key);
/* The path of text file name (DIR/text, ALT/text, ETC/default/text). */
int listdir_text_find(const listdir *ld, const char *name, str *path);

/* ---- environment -------------------------------------------------------------- */

/* $EZMLM_ETC or LISTDIR_ETC_DEFAULT into out. */
int listdir_etc(str *out);
/* $EZMLM_BIN or ctl_home() "/bin" into out. */
int listdir_bin(str *out);
/*
 * The SENDER normalisation of ezmlm-idx (digest 1.1) into out: SRS0/SRS1
 * addresses are decoded to USER@DOMAIN (the last two '='-separated fields
 * before the '@'), "prvs=TAG=user@dom", "prvs=user=TAG@dom" (TAG: 9 or more
 * hex digits) and "btv1==TAG==user@dom" become user@dom; anything else is
 * copied.  0 or -1 (ENOMEM).
 */
int listdir_sender_normalise(const char *sender, str *out);

#endif
