/*
 * mysqlsub: the MySQL/MariaDB subscriber store's schema, shared by the store
 * (list/sub/mysql.c, its mktab and rmtab), ezmlm-mktab (which prints or
 * runs the statements) and sql/ezmlm-mysql.sql (the same text for the
 * table root "ezmlm", checked by the tests).  See ezmlm-mysql(5).
 *
 * A list whose table root is T has the tables ezmlm-idx 7.2 creates:
 * T, T_slog, T_cookie, T_mlog, T_allow, T_allow_slog, T_deny, T_deny_slog,
 * T_digest, T_digest_slog, T_digest_cookie, T_digest_mlog, T_mod,
 * T_mod_slog.  Address tables have ezmlm-idx's columns (hash, address),
 * address widened from 255 to 400 bytes (the longest address any store
 * takes), plus a primary key on (hash, address) and a full index on
 * address; log
 * tables have ezmlm-idx's columns plus an id (AUTO_INCREMENT primary key,
 * the order of records within a second), a tai that defaults to the
 * current time, and an etype wide enough for the whole event tag.  Text
 * columns are latin1 with the collation latin1_general_ci: every byte
 * string is stored as is (the store talks latin1 to the server), and
 * comparisons ignore ASCII case, as the std store's do.
 *
 * The only text the store puts into SQL is a table name, and only names of
 * at most MYSQLSUB_NAME_MAX bytes of [A-Za-z0-9_$-] (mysqlsub_name_ok()),
 * always quoted with backquotes.  Functions return 0 or -1 with errno
 * (EINVAL for a bad name, ENOMEM), or the callback's non-zero value.
 */
#ifndef LIST_SUB_MYSQLSUB_H
#define LIST_SUB_MYSQLSUB_H

#include <stddef.h>

#include "str.h"

#define MYSQLSUB_NAME_MAX 64   /* MySQL's longest table name */
#define MYSQLSUB_ROOT_MAX 50   /* leaves room for "_digest_cookie" */

/* 1 if name[0..len) is a usable table name (see above). */
int mysqlsub_name_ok(const char *name, size_t len);

/* The address table (kind 'a'), log table ('s'), cookie table ('c'),
 * message log table ('m'): its CREATE TABLE IF NOT EXISTS statement for
 * table name (already checked) into out (replaced), without ';'. */
int mysqlsub_create(str *out, char kind, const char *name);

/*
 * Calls fn for each statement of the whole schema of table root `root`
 * (without ';'): with drop, DROP TABLE IF EXISTS for every table first
 * (message logs, cookies, logs, then address tables, as ezmlm-rmtab drops
 * them); with create, the CREATE TABLE IF NOT EXISTS statements.  Returns
 * 0, -1 (EINVAL: root unusable; ENOMEM), or fn's non-zero value.
 */
int mysqlsub_schema(const char *root, int drop, int create,
                    int (*fn)(void *ctx, const char *sql, size_t len), void *ctx);

#endif
