/*
 * ctl: the qmail home directory and the control files under it.
 *
 * ctl_home() names the home: $QMAILHOME when set and non-empty, unless the
 * process runs with raised privileges (real and effective uid or gid differ,
 * or the kernel marks it AT_SECURE), in which case, as when the variable is
 * unset, the compiled-in QMAILHOME_DEFAULT is used.  A relative $QMAILHOME is
 * relative to the working directory at the time of use; programs that chdir
 * should resolve it first and pass the result as `home`.  Every reader takes
 * an explicit `home` (NULL = ctl_home()) and a file `name`, read from
 * home/control/name; names must be non-empty and contain no '/'.  The *_path
 * variants read any file by path (list directories, users/ files).
 *
 * File format, as qmail's readers see it: lines end at '\n' (an unterminated
 * last line counts); trailing spaces, tabs and CRs are stripped from every
 * line.  A single-value file is its first line (possibly empty).  An integer
 * file is the leading decimal digits of its first line; no digits means the
 * default.  List, set and map files skip blank lines and lines starting with
 * '#'.  Map lines are "key:value" split at the first ':' (the value may hold
 * more ':'); lines without ':' are skipped; keys compare ASCII
 * case-insensitively and the LAST line with a given key wins.  Sets compare
 * ASCII case-insensitively.  Sets and maps are hash tables, so lookups stay
 * fast for files with very many lines.
 *
 * Hostile input is refused, never truncated: a NUL byte in a line that is
 * read makes the read fail with EINVAL, a line longer than CTL_LINE_MAX bytes
 * fails with E2BIG, a file larger than CTL_FILE_MAX bytes fails with EFBIG,
 * an integer too large for unsigned long fails with ERANGE.
 *
 * Readers return enum ctl_result: CTL_FOUND (the file exists and was read),
 * CTL_MISSING (it does not exist: ENOENT; outputs hold the default or are
 * empty) or CTL_ERR (-1, errno set; outputs are unspecified but still safe
 * to free).  Other functions return 0 / -1 with errno.  Lookup results point
 * into the set or map and stay valid until it is changed or freed.
 */
#ifndef SUITE_CTL_H
#define SUITE_CTL_H

#include <stddef.h>

#include "str.h"

#define CTL_LINE_MAX 65536u              /* longest accepted line, in bytes */
#define CTL_FILE_MAX (64u * 1024 * 1024) /* largest accepted control file */

enum ctl_result { CTL_ERR = -1, CTL_MISSING = 0, CTL_FOUND = 1 };

/* The qmail home (see above).  The result is never NULL and must not be freed. */
const char *ctl_home(void);
/* 1 in sandbox mode, 0 in system mode.  Sandbox mode: QMAILHOME names a
 * home other than the compiled-in one (and is honoured: the process is not
 * setuid).  In sandbox mode nothing changes uid or gid and deliveries run
 * as the invoking user; in system mode privileges are separated as in
 * qmail.  A process that is not root cannot change uid either way: callers
 * check geteuid() before switching users. */
int ctl_sandbox(void);
/* out = home "/control/" name; home NULL = ctl_home(). EINVAL for a bad name. */
int ctl_path(str *out, const char *home, const char *name);

/* First line of a file, stripped.  MISSING leaves out empty. */
int ctl_readline(const char *home, const char *name, str *out);
int ctl_readline_path(const char *path, str *out);
/* As ctl_readline; when missing, out = def (def NULL: empty). */
int ctl_readline_def(const char *home, const char *name, const char *def, str *out);
/* The "me" rule: name, else control/me, else the literal def.  Returns FOUND
   only when name itself exists (out then holds its value). */
int ctl_readline_me(const char *home, const char *name, const char *def, str *out);

/* Integer file: FOUND when digits were read into *out; MISSING (file absent
   or first line without leading digits) sets *out = def. */
int ctl_readulong(const char *home, const char *name, unsigned long def, unsigned long *out);
int ctl_readulong_path(const char *path, unsigned long def, unsigned long *out);

/* A list: n entries, entry i at item[i] (NUL-terminated, itemlen[i] bytes). */
typedef struct ctl_list {
    str buf;          /* entries, each followed by a NUL */
    char **item;
    size_t *itemlen;
    size_t n;
} ctl_list;
#define CTL_LIST_INIT { STR_INIT, 0, 0, 0 }
int ctl_readlist(const char *home, const char *name, ctl_list *out);
int ctl_readlist_path(const char *path, ctl_list *out);
void ctl_list_free(ctl_list *l);

/* A case-insensitive map of byte-string keys to byte-string values. */
struct ctl_slot;
typedef struct ctl_map {
    str pool;               /* keys and values, each followed by a NUL */
    struct ctl_slot *slot;  /* open-addressing table, cap slots */
    size_t cap;
    size_t n;
} ctl_map;
#define CTL_MAP_INIT { STR_INIT, 0, 0, 0 }
/* Adds or replaces (a later put of the same key wins). */
int ctl_map_put(ctl_map *m, const char *key, size_t klen, const char *val, size_t vlen);
/* 1 and *val, *vlen (val NUL-terminated) when key is present, else 0. */
int ctl_map_find(const ctl_map *m, const char *key, size_t klen, const char **val, size_t *vlen);
/* Reads a "key:value" file into m (which is emptied first). */
int ctl_readmap(const char *home, const char *name, ctl_map *m);
int ctl_readmap_path(const char *path, ctl_map *m);
void ctl_map_free(ctl_map *m);

/* A case-insensitive set of byte strings. */
typedef struct ctl_set {
    ctl_map m;
} ctl_set;
#define CTL_SET_INIT { CTL_MAP_INIT }
int ctl_set_add(ctl_set *s, const char *e, size_t len);
int ctl_set_has(const ctl_set *s, const char *e, size_t len);     /* 1 or 0 */
/* rcpthosts matching: 1 if domain, or any of its dot-suffixes (".b.c", ".c"
   for "a.b.c"), is in the set. */
int ctl_set_has_domain(const ctl_set *s, const char *domain, size_t len);
size_t ctl_set_count(const ctl_set *s);
/* Reads a list file into s (which is emptied first). */
int ctl_readset(const char *home, const char *name, ctl_set *s);
int ctl_readset_path(const char *path, ctl_set *s);
void ctl_set_free(ctl_set *s);

#endif
