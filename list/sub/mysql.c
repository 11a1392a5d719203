/*
 * mysql: the MySQL/MariaDB subscriber store (digest 4.3; ezmlm-mysql(5)).
 *
 * Selected by DIR/subdb "mysql:host:port:user:password:db:table" or the
 * legacy DIR/sql "host:port:user:password:db:table" (sub.c hands both over
 * as "plugin:..." in db->spec).  Empty host = the client library's default
 * (localhost over its default socket); a host starting with '/' is a unix
 * socket path; empty port = 3306; empty user/password = none; a missing
 * db field is "ezmlm", an empty one means "no default database"; a missing
 * or empty table is "ezmlm".  The main list uses table T, a sub-db S uses
 * T_S; their logs are T_slog and T_S_slog (see mysqlsub.h for the schema).
 *
 * Every statement that carries data is a prepared statement with bound
 * parameters; only table names are put into the SQL text, and only names
 * mysqlsub_name_ok() accepts, in backquotes.  The connection speaks latin1,
 * so addresses are byte strings to the server (any byte in, the same byte
 * out, whatever the column's character set), and the session time zone is
 * UTC, so FROM_UNIXTIME()/UNIX_TIMESTAMP() round-trip.
 *
 * Matching: addresses are compared with "=" on the address column (no
 * LIKE anywhere, so '%' and '_' are ordinary bytes); the domain is
 * lowercased before storage and lookup (sub.c), and the column's
 * collation (latin1_general_ci in our schema) makes the comparison ignore
 * case.  For ASCII, and for addresses in UTF-8, that is exactly "ignore
 * ASCII case" as the std store does; under PAD SPACE collations trailing
 * spaces do not count.  An address longer than the column (400 bytes in
 * our schema, 255 in ezmlm-idx's) is refused with ENAMETOOLONG.
 *
 * Changes: a subscription or removal and its log record (T_slog, with the
 * time inserted explicitly) are one InnoDB transaction; a deadlock is
 * retried, every other failure rolls back and reports.  After the commit
 * the std Log line is appended to the sub-db's directory as ezmlm-idx does
 * (a failure there does not undo the change).  Failures set a message that
 * names the server (sub_store_error()) and are temporary.
 *
 * Round trips: a statement is prepared on first use together with its
 * first execution (mariadb_stmt_execute_direct()) and kept for the
 * connection; the session settings go with the first START TRANSACTION.
 * A lookup is one round trip after the connection, a change five.  Bulk
 * imports (sub_bulk_add()) insert a thousand rows per statement into a
 * temporary table and move the new ones with one INSERT ... SELECT,
 * committing every ten thousand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "mysqlsub.h"
#include "str.h"
#include "sub.h"

#define MY_CONNECT_TIMEOUT 30u     /* seconds to reach the server */
#define MY_IO_TIMEOUT 600u         /* seconds a read or write may take */
#define MY_RETRIES 3               /* attempts of a transaction that deadlocked */
#define MY_ADDR_COL SUB_ADDR_MAX   /* VARCHAR(400); ezmlm-idx tables: 255 */
#define MY_FROM_COL 255
#define MY_ETYPE_COL 64
#define MY_BATCH 1000              /* rows per bulk insert */
#define MY_BATCHES_PER_COMMIT 10

enum { MYQ_LOOKUP, MYQ_INSERT, MYQ_DELETE, MYQ_DELETE_H, MYQ_SLOG, MYQ_ITER, MYQ_SEARCH, MYQ_SEARCH_OLD,
       MYQ_BULK_FULL, MYQ_BULK_MERGE, MYQ_N };

struct my {
    MYSQL *c;
    str server;          /* what messages call the server */
    str root;            /* table root T */
    str taddr;           /* T or T_sub */
    str tslog;           /* its log */
    str sql;             /* scratch */
    MYSQL_STMT *ps[MYQ_N];  /* prepared once per connection */
    unsigned err;        /* server error code of the last failure */
    int session;         /* MY_SESSION sent */
};

static int my_fail(struct my *m, const char *what, unsigned code, const char *msg)
{
    m->err = code;
    sub_store_error("MySQL server %s: %s: %s", m->server.s ? m->server.s : "?", what,
                    msg && *msg ? msg : "unknown error");
    return -1;
}

static int my_fail_c(struct my *m, const char *what)
{
    return my_fail(m, what, mysql_errno(m->c), mysql_error(m->c));
}

static int my_fail_s(struct my *m, MYSQL_STMT *st, const char *what)
{
    return my_fail(m, what, mysql_stmt_errno(st), mysql_stmt_error(st));
}

/* A statement without data (transaction control, DDL). */
static int my_query(struct my *m, const char *sql, size_t len, const char *what)
{
    if (mysql_real_query(m->c, sql, len) != 0) return my_fail_c(m, what);
    return 0;
}

static void my_rollback(struct my *m)
{
    int e = errno;
    (void)mysql_real_query(m->c, "ROLLBACK", 8);
    errno = e;
}

/* ---- statements --------------------------------------------------------------------- */

static int my_sqltext(struct my *m, int k, str *s)
{
    const char *a = m->taddr.s, *l = m->tslog.s;
    int r;
    switch (k) {
    case MYQ_LOOKUP: r = str_catf(s, "SELECT address FROM `%s` WHERE address = ? LIMIT 1", a); break;
    case MYQ_INSERT: r = str_catf(s, "INSERT INTO `%s` (hash, address) VALUES (?, ?)", a); break;
    case MYQ_DELETE:
        r = str_catf(s, "DELETE FROM `%s` WHERE address = ? AND hash BETWEEN 0 AND 52", a);
        break;
    case MYQ_DELETE_H: r = str_catf(s, "DELETE FROM `%s` WHERE address = ? AND hash = ?", a); break;
    case MYQ_SLOG:
        r = str_catf(s, "INSERT INTO `%s` (tai, address, fromline, edir, etype) "
                        "VALUES (FROM_UNIXTIME(?), ?, ?, ?, ?)", l);
        break;
    case MYQ_ITER:
        r = str_catf(s, "SELECT address FROM `%s` WHERE hash BETWEEN ? AND ? ORDER BY hash, address", a);
        break;
    case MYQ_SEARCH:
        r = str_catf(s, "SELECT UNIX_TIMESTAMP(tai), edir, etype, address, fromline FROM `%s` "
                        "ORDER BY tai, id", l);
        break;
    case MYQ_SEARCH_OLD:
        r = str_catf(s, "SELECT UNIX_TIMESTAMP(tai), edir, etype, address, fromline FROM `%s` "
                        "ORDER BY tai", l);
        break;
    case MYQ_BULK_MERGE:
        r = str_catf(s, "INSERT INTO `%s` (hash, address) SELECT DISTINCT t.hash, t.address "
                        "FROM ezmlm_bulk t WHERE NOT EXISTS "
                        "(SELECT 1 FROM `%s` x WHERE x.address = t.address)", a, a);
        break;
    default: errno = EINVAL; return -1;
    }
    return r;
}

/* The statement text for a bulk insert of n rows into the scratch table. */
static int my_bulktext(str *s, size_t n)
{
    size_t i;
    if (str_cats(s, "INSERT IGNORE INTO ezmlm_bulk (hash, address) VALUES ") == -1) return -1;
    for (i = 0; i < n; i++)
        if (str_cats(s, i ? ",(?,?)" : "(?,?)") == -1) return -1;
    return 0;
}

static MYSQL_STMT *my_prepare(struct my *m, int k, const char *what)
{
    MYSQL_STMT *st;
    if (k >= 0 && m->ps[k]) return m->ps[k];
    str_truncate(&m->sql, 0);
    if (k == MYQ_BULK_FULL ? my_bulktext(&m->sql, MY_BATCH) : my_sqltext(m, k, &m->sql)) return 0;
    st = mysql_stmt_init(m->c);
    if (!st) {
        my_fail_c(m, what);
        return 0;
    }
    if (mysql_stmt_prepare(st, m->sql.s, m->sql.len) != 0) {
        my_fail_s(m, st, what);
        mysql_stmt_close(st);
        return 0;
    }
    m->ps[k] = st;
    return st;
}

static void my_bind_str(MYSQL_BIND *b, unsigned long *lenp, const char *s, size_t n)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = (void *)s;
    b->buffer_length = (unsigned long)n;
    *lenp = (unsigned long)n;
    b->length = lenp;
}

static void my_bind_u64(MYSQL_BIND *b, unsigned long long *v)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = v;
    b->is_unsigned = 1;
}

static int my_execute(struct my *m, MYSQL_STMT *st, MYSQL_BIND *b, const char *what)
{
    if (b && mysql_stmt_bind_param(st, b) != 0) return my_fail_s(m, st, what);
    if (mysql_stmt_execute(st) != 0) return my_fail_s(m, st, what);
    return 0;
}

/*
 * Statement k with the n parameters b: prepared on first use (MariaDB
 * sends the prepare and the first execution in one round trip), executed.
 * Returns the statement (its results are waiting) or NULL after a failure,
 * which also forgets the statement.
 */
static MYSQL_STMT *my_run(struct my *m, int k, MYSQL_BIND *b, unsigned n, const char *what)
{
    MYSQL_STMT *st = m->ps[k];
    if (st) {
        if (my_execute(m, st, n ? b : 0, what) == 0) return st;
        mysql_stmt_close(st);
        m->ps[k] = 0;
        return 0;
    }
    str_truncate(&m->sql, 0);
    if (my_sqltext(m, k, &m->sql) == -1) return 0;
    st = mysql_stmt_init(m->c);
    if (!st) {
        my_fail_c(m, what);
        return 0;
    }
#ifdef MARIADB_PACKAGE_VERSION_ID
    if (mysql_stmt_attr_set(st, STMT_ATTR_PREBIND_PARAMS, &n) != 0 ||
        (n && mysql_stmt_bind_param(st, b) != 0) ||
        mariadb_stmt_execute_direct(st, m->sql.s, m->sql.len) != 0) {
        my_fail_s(m, st, what);
        mysql_stmt_close(st);
        return 0;
    }
#else
    if (mysql_stmt_prepare(st, m->sql.s, m->sql.len) != 0) {
        my_fail_s(m, st, what);
        mysql_stmt_close(st);
        return 0;
    }
    if (my_execute(m, st, n ? b : 0, what) != 0) {
        mysql_stmt_close(st);
        return 0;
    }
#endif
    m->ps[k] = st;
    return st;
}

/* The session settings: UTC for FROM_UNIXTIME() and UNIX_TIMESTAMP(),
 * strict, so that nothing is silently cut.  Sent before the first change
 * (with its START TRANSACTION: one round trip) or log search; lookups and
 * listings do not need them. */
#define MY_SESSION "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"

static int my_multi(struct my *m, const char *sql, const char *what)
{
    int r;
    if (mysql_real_query(m->c, sql, strlen(sql)) != 0) return my_fail_c(m, what);
    do {
        MYSQL_RES *res = mysql_store_result(m->c);
        if (res) mysql_free_result(res);
    } while ((r = mysql_next_result(m->c)) == 0);
    if (r > 0) return my_fail_c(m, what);
    return 0;
}

static int my_session(struct my *m)
{
    if (m->session) return 0;
    if (my_query(m, MY_SESSION, sizeof MY_SESSION - 1, "cannot set up the session") == -1) return -1;
    m->session = 1;
    return 0;
}

static int my_begin(struct my *m)
{
    if (m->session) return my_query(m, "START TRANSACTION", 17, "cannot start a transaction");
    if (my_multi(m, MY_SESSION "; START TRANSACTION", "cannot start a transaction") == -1) return -1;
    m->session = 1;
    return 0;
}

/* ---- opening ----------------------------------------------------------------------------- */

/* The next ':'-separated field of the store line: 1 and *f, *n, or 0 when
 * there are no more fields. */
static int my_next_field(const char **pos, const char *end, const char **f, size_t *n)
{
    const char *q;
    if (!*pos) return 0;
    q = memchr(*pos, ':', (size_t)(end - *pos));
    *f = *pos;
    *n = q ? (size_t)(q - *pos) : (size_t)(end - *pos);
    *pos = q ? q + 1 : 0;
    return 1;
}

static char *my_dupz(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) return 0;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void my_close(sub_db *db);

static int my_open(sub_db *db)
{
    struct my *m;
    const char *end = db->spec.s + db->spec.len, *pos, *f[6];
    size_t n[6], i;
    int have[6];
    char *host = 0, *user = 0, *pw = 0, *dbname = 0, *sock = 0;
    unsigned long port = 0;
    unsigned int to;
    int r = -1, e, held[3], connected;

    m = calloc(1, sizeof *m);
    if (!m) return -1;
    db->priv = m;
    if (str_copys(&m->server, "localhost") == -1) goto out;

    /* plugin:host:port:user:password:db:table */
    pos = db->spec.len ? db->spec.s : 0;
    if (pos) {
        pos = memchr(db->spec.s, ':', db->spec.len);
        if (pos) pos++;
    }
    for (i = 0; i < 6; i++) have[i] = my_next_field(&pos, end, &f[i], &n[i]);
    if (have[0] && n[0]) {
        if (f[0][0] == '/') sock = my_dupz(f[0], n[0]);
        else host = my_dupz(f[0], n[0]);
        if (!sock && !host) goto out;
    }
    if (have[1] && n[1]) {
        if (scan_ulong(f[1], n[1], &port) != n[1] || port == 0 || port > 65535) {
            sub_store_error("MySQL store: bad port \"%.*s\" in the subscriber store line", (int)n[1], f[1]);
            goto out;
        }
    }
    if (have[2] && n[2] && !(user = my_dupz(f[2], n[2]))) goto out;
    if (have[3] && n[3] && !(pw = my_dupz(f[3], n[3]))) goto out;
    if (!have[4]) dbname = my_dupz("ezmlm", 5);
    else if (n[4]) dbname = my_dupz(f[4], n[4]);
    if ((!have[4] || n[4]) && !dbname) goto out;
    if (have[5] && n[5]) {
        if (str_copyb(&m->root, f[5], n[5]) == -1) goto out;
    } else if (str_copys(&m->root, "ezmlm") == -1)
        goto out;

    if (sock) {
        if (str_copys(&m->server, "socket ") == -1 || str_cats(&m->server, sock) == -1) goto out;
    } else if (host && strcmp(host, "localhost") != 0) {
        if (str_copys(&m->server, host) == -1 || str_catc(&m->server, ':') == -1 ||
            str_catulong(&m->server, port ? port : 3306) == -1)
            goto out;
    } else if (str_copys(&m->server, "localhost (default socket)") == -1)
        goto out;

    /* table names */
    if (str_copy(&m->taddr, &m->root) == -1) goto out;
    if (db->subdb.len && (str_catc(&m->taddr, '_') == -1 || str_cat(&m->taddr, &db->subdb) == -1)) goto out;
    if (str_copy(&m->tslog, &m->taddr) == -1 || str_cats(&m->tslog, "_slog") == -1) goto out;
    if (m->root.len > MYSQLSUB_ROOT_MAX || !mysqlsub_name_ok(m->root.s, m->root.len) ||
        !mysqlsub_name_ok(m->tslog.s, m->tslog.len)) {
        sub_store_error("MySQL store: \"%s\" cannot be a table name (at most %d bytes of A-Z a-z 0-9 _ $ -; "
                        "the list's table root at most %d)", m->tslog.s, MYSQLSUB_NAME_MAX, MYSQLSUB_ROOT_MAX);
        goto out;
    }

    m->c = mysql_init(0);
    if (!m->c) {
        errno = ENOMEM;
        goto out;
    }
    to = MY_CONNECT_TIMEOUT;
    mysql_options(m->c, MYSQL_OPT_CONNECT_TIMEOUT, &to);
    to = MY_IO_TIMEOUT;
    mysql_options(m->c, MYSQL_OPT_READ_TIMEOUT, &to);
    mysql_options(m->c, MYSQL_OPT_WRITE_TIMEOUT, &to);
    mysql_options(m->c, MYSQL_SET_CHARSET_NAME, "latin1");
    if (sock || (host && strcmp(host, "localhost") != 0)) {
        unsigned int proto = sock ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
        mysql_options(m->c, MYSQL_OPT_PROTOCOL, &proto);
    }
    /* the connection must not become the caller's stdin, stdout or stderr */
    for (i = 0; i < 3; i++) {
        held[i] = -1;
        if (fcntl((int)i, F_GETFD) == -1 && errno == EBADF) {
            held[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (held[i] != (int)i && held[i] != -1) {
                close(held[i]);
                held[i] = -1;
            }
        }
    }
    connected = mysql_real_connect(m->c, host, user, pw, dbname, (unsigned int)port, sock,
                                   CLIENT_MULTI_STATEMENTS) != 0;
    for (i = 0; i < 3; i++)
        if (held[i] != -1) close(held[i]);
    if (!connected) {
        my_fail_c(m, "cannot connect");
        goto out;
    }
    r = 0;
out:
    e = errno;
    if (pw) memset(pw, 0, strlen(pw));
    free(host);
    free(user);
    free(pw);
    free(dbname);
    free(sock);
    if (r == -1) my_close(db);
    errno = e;
    return r;
}

static void my_close(sub_db *db)
{
    struct my *m = db->priv;
    int i;
    if (!m) return;
    for (i = 0; i < MYQ_N; i++)
        if (m->ps[i]) mysql_stmt_close(m->ps[i]);
    if (m->c) mysql_close(m->c);
    str_free(&m->server);
    str_free(&m->root);
    str_free(&m->taddr);
    str_free(&m->tslog);
    str_free(&m->sql);
    free(m);
    db->priv = 0;
}

/* ---- lookups ------------------------------------------------------------------------------- */

static int my_lookup(struct my *m, const char *addr, size_t len, str *stored)
{
    MYSQL_STMT *st;
    MYSQL_BIND p[1], res[1];
    unsigned long plen, rlen = 0;
    char out[MY_ADDR_COL * 4 + 1];
    int rc, r;

    my_bind_str(&p[0], &plen, addr, len);
    st = my_run(m, MYQ_LOOKUP, p, 1, "cannot look up an address");
    if (!st) return -1;
    memset(res, 0, sizeof res);
    res[0].buffer_type = MYSQL_TYPE_STRING;
    res[0].buffer = out;
    res[0].buffer_length = sizeof out - 1;
    res[0].length = &rlen;
    if (mysql_stmt_bind_result(st, res) != 0 || mysql_stmt_store_result(st) != 0) {
        my_fail_s(m, st, "cannot look up an address");
        mysql_stmt_free_result(st);
        return -1;
    }
    rc = mysql_stmt_fetch(st);
    if (rc == 0 || rc == MYSQL_DATA_TRUNCATED) {
        r = 1;
        if (rlen > sizeof out - 1) rlen = sizeof out - 1;
        if (stored && str_copyb(stored, out, rlen) == -1) r = -1;
    } else if (rc == MYSQL_NO_DATA)
        r = 0;
    else
        r = my_fail_s(m, st, "cannot look up an address");
    mysql_stmt_free_result(st);
    return r;
}

static int my_issub(sub_db *db, const char *addr, size_t len, str *stored)
{
    return my_lookup(db->priv, addr, len, stored);
}

/* ---- changes ----------------------------------------------------------------------------------- */

/* The slog record; inside the caller's transaction (or autocommit). */
static int my_slog(struct my *m, time_t now, const char *event, const char *addr, size_t len,
                const char *comment, size_t clen)
{
    MYSQL_BIND p[5];
    unsigned long l[4];
    unsigned long long t = (unsigned long long)now;
    size_t el = strlen(event);
    const char *etype = el ? event + 1 : "";
    size_t tl = el ? el - 1 : 0;

    if (tl > MY_ETYPE_COL) tl = MY_ETYPE_COL;
    if (clen > MY_FROM_COL) clen = MY_FROM_COL;
    if (!comment) clen = 0;
    my_bind_u64(&p[0], &t);
    my_bind_str(&p[1], &l[0], addr, len);
    my_bind_str(&p[2], &l[1], comment ? comment : "", clen);
    my_bind_str(&p[3], &l[2], el ? event : "+", 1);
    my_bind_str(&p[4], &l[3], etype, tl);
    if (my_run(m, MYQ_SLOG, p, 5, "cannot write the subscription log")) return 0;
    if (m->err != ER_DATA_TOO_LONG || tl <= 1) return -1;
    /* an ezmlm-idx table: etype is CHAR(1), as ezmlm-idx records it */
    my_bind_str(&p[4], &l[3], etype, 1);
    return my_run(m, MYQ_SLOG, p, 5, "cannot write the subscription log") ? 0 : -1;
}

static int my_change_once(struct my *m, int add, const char *addr, size_t len, int forcehash,
                       const char *event, const char *comment, size_t clen, time_t now)
{
    MYSQL_STMT *st;
    MYSQL_BIND p[2];
    unsigned long l;
    unsigned long long h;
    int r;

    if (my_begin(m) == -1) return -1;
    if (add) {
        r = my_lookup(m, addr, len, 0);
        if (r == -1) goto abort;
        if (r == 1) {
            my_rollback(m);
            return SUB_UNCHANGED;
        }
        h = forcehash >= 0 ? (unsigned long long)forcehash : sub_hash_addr(addr, len);
        my_bind_u64(&p[0], &h);
        my_bind_str(&p[1], &l, addr, len);
        if (!my_run(m, MYQ_INSERT, p, 2, "cannot subscribe")) {
            if (m->err == ER_DUP_ENTRY) {
                my_rollback(m);
                return SUB_UNCHANGED;
            }
            if (m->err == ER_DATA_TOO_LONG) {
                /* wider than the column (255 in ezmlm-idx's tables) */
                my_rollback(m);
                errno = ENAMETOOLONG;
                return -1;
            }
            goto abort;
        }
    } else {
        my_bind_str(&p[0], &l, addr, len);
        h = (unsigned long long)(forcehash >= 0 ? forcehash : 0);
        if (forcehash >= 0) my_bind_u64(&p[1], &h);
        st = my_run(m, forcehash >= 0 ? MYQ_DELETE_H : MYQ_DELETE, p, forcehash >= 0 ? 2 : 1, "cannot unsubscribe");
        if (!st) goto abort;
        if (mysql_stmt_affected_rows(st) == 0) {
            my_rollback(m);
            return SUB_UNCHANGED;
        }
    }
    if (event && my_slog(m, now, event, addr, len, comment, clen) == -1) goto abort;
    if (my_query(m, "COMMIT", 6, "cannot commit") == -1) goto abort;
    return SUB_CHANGED;
abort:
    my_rollback(m);
    errno = SUB_ESTORE;
    return -1;
}

static int my_change(sub_db *db, int add, const char *addr, size_t len, int forcehash,
                     const char *event, const char *comment, size_t clen)
{
    struct my *m = db->priv;
    time_t now = time(0);
    int r, i, e;

    for (i = 0;; i++) {
        m->err = 0;
        r = my_change_once(m, add, addr, len, forcehash, event, comment, clen, now);
        if (r != -1 || m->err != ER_LOCK_DEADLOCK || i + 1 >= MY_RETRIES) break;
    }
    if (r == SUB_CHANGED && event) {
        e = errno;
        (void)sub_log_std(db->subdir.s, now, event, addr, len, comment, clen);
        errno = e;
    }
    return r;
}

static int my_add(sub_db *db, const char *addr, size_t len, int forcehash)
{
    return my_change(db, 1, addr, len, forcehash, 0, 0, 0);
}

static int my_remove(sub_db *db, const char *addr, size_t len, int forcehash)
{
    return my_change(db, 0, addr, len, forcehash, 0, 0, 0);
}

static int my_log(sub_db *db, const char *event, const char *addr, size_t len, const char *comment,
                  size_t clen)
{
    struct my *m = db->priv;
    time_t now = time(0);
    if (my_session(m) == -1) return -1;
    if (my_slog(m, now, event, addr, len, comment, clen) == -1) return -1;
    return sub_log_std(db->subdir.s, now, event, addr, len, comment, clen);
}

/* ---- listing --------------------------------------------------------------------------------- */

static int my_iterate(sub_db *db, unsigned lo, unsigned hi, sub_each_fn fn, void *ctx)
{
    struct my *m = db->priv;
    MYSQL_STMT *st;
    MYSQL_BIND p[2], res[1];
    unsigned long long l = lo, h = hi;
    unsigned long rlen = 0;
    char out[MY_ADDR_COL * 4 + 1];
    int rc, ret = 0, e;

    my_bind_u64(&p[0], &l);
    my_bind_u64(&p[1], &h);
    st = my_run(m, MYQ_ITER, p, 2, "cannot list the subscribers");
    if (!st) return -1;
    memset(res, 0, sizeof res);
    res[0].buffer_type = MYSQL_TYPE_STRING;
    res[0].buffer = out;
    res[0].buffer_length = sizeof out - 1;
    res[0].length = &rlen;
    if (mysql_stmt_bind_result(st, res) != 0) {
        ret = my_fail_s(m, st, "cannot list the subscribers");
        goto out;
    }
    /* streamed row by row: memory stays small whatever the list size */
    for (;;) {
        rc = mysql_stmt_fetch(st);
        if (rc == MYSQL_NO_DATA) break;
        if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
            ret = my_fail_s(m, st, "cannot list the subscribers");
            break;
        }
        if (rlen > sizeof out - 1) continue; /* longer than any address */
        out[rlen] = 0;
        ret = fn(ctx, out, rlen);
        if (ret != 0) break;
    }
out:
    e = errno;
    mysql_stmt_free_result(st);
    errno = e;
    return ret;
}

/* ---- the log ------------------------------------------------------------------------------------ */

static int my_cat_clean(str *s, const char *p, size_t n, unsigned char lo)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (lo == 32 && c == '\t') c = ' ';
        if (c < lo || c > 126) c = '?';
        if (str_catc(s, (char)c) == -1) return -1;
    }
    return 0;
}

static int my_searchlog(sub_db *db, const char *search, sub_logline_fn fn, void *ctx)
{
    struct my *m = db->priv;
    MYSQL_STMT *st;
    MYSQL_BIND res[5];
    long long when = 0;
    my_bool wnull = 0;
    char edir[8], etype[MY_ETYPE_COL * 4 + 1], addr[MY_ADDR_COL * 4 + 1], from[MY_FROM_COL * 4 + 1];
    unsigned long len[5];
    str line = STR_INIT;
    int rc, ret = 0, e;

    if (my_session(m) == -1) return -1;
    st = my_run(m, MYQ_SEARCH, 0, 0, "cannot read the subscription log");
    if (!st && m->err == ER_BAD_FIELD_ERROR) /* an ezmlm-idx table: no id */
        st = my_run(m, MYQ_SEARCH_OLD, 0, 0, "cannot read the subscription log");
    if (!st) return -1;
    memset(res, 0, sizeof res);
    memset(len, 0, sizeof len);
    res[0].buffer_type = MYSQL_TYPE_LONGLONG;
    res[0].buffer = &when;
    res[0].is_null = &wnull;
    res[1].buffer_type = MYSQL_TYPE_STRING;
    res[1].buffer = edir;
    res[1].buffer_length = sizeof edir;
    res[1].length = &len[1];
    res[2].buffer_type = MYSQL_TYPE_STRING;
    res[2].buffer = etype;
    res[2].buffer_length = sizeof etype;
    res[2].length = &len[2];
    res[3].buffer_type = MYSQL_TYPE_STRING;
    res[3].buffer = addr;
    res[3].buffer_length = sizeof addr;
    res[3].length = &len[3];
    res[4].buffer_type = MYSQL_TYPE_STRING;
    res[4].buffer = from;
    res[4].buffer_length = sizeof from;
    res[4].length = &len[4];
    if (mysql_stmt_bind_result(st, res) != 0) {
        ret = my_fail_s(m, st, "cannot read the subscription log");
        goto out;
    }
    for (;;) {
        size_t i;
        rc = mysql_stmt_fetch(st);
        if (rc == MYSQL_NO_DATA) break;
        if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
            ret = my_fail_s(m, st, "cannot read the subscription log");
            break;
        }
        for (i = 1; i < 5; i++)
            if (len[i] > res[i].buffer_length) len[i] = res[i].buffer_length;
        if (wnull || when < 0) when = 0;
        /* the std Log line: "UNIXTIME EVENT ADDRESS[ COMMENT]" */
        str_truncate(&line, 0);
        if (str_catulong(&line, (unsigned long)when) == -1 || str_catc(&line, ' ') == -1 ||
            my_cat_clean(&line, edir, len[1], 33) == -1 || my_cat_clean(&line, etype, len[2], 33) == -1 ||
            str_catc(&line, ' ') == -1 || my_cat_clean(&line, addr, len[3], 33) == -1 ||
            (len[4] && (str_catc(&line, ' ') == -1 || my_cat_clean(&line, from, len[4], 32) == -1))) {
            ret = -1;
            break;
        }
        if (!sub_log_matches(line.s, line.len, search)) continue;
        ret = fn(ctx, (time_t)when, line.s, line.len);
        if (ret != 0) break;
    }
out:
    e = errno;
    mysql_stmt_free_result(st);
    str_free(&line);
    errno = e;
    return ret;
}

/* ---- tables -------------------------------------------------------------------------------------- */

static int my_ddl(void *ctx, const char *sql, size_t len)
{
    return my_query(ctx, sql, len, "cannot create or drop the list's tables");
}

static int my_mktab(sub_db *db)
{
    struct my *m = db->priv;
    return mysqlsub_schema(m->root.s, 0, 1, my_ddl, m) == 0 ? 0 : -1;
}

static int my_rmtab(sub_db *db)
{
    struct my *m = db->priv;
    return mysqlsub_schema(m->root.s, 1, 0, my_ddl, m) == 0 ? 0 : -1;
}

/* ---- bulk import ------------------------------------------------------------------------------------ */

struct my_batch {
    str arena;                      /* the addresses, back to back */
    size_t off[MY_BATCH], len[MY_BATCH];
    unsigned long long hash[MY_BATCH];
    unsigned long blen[MY_BATCH];
    MYSQL_BIND p[2 * MY_BATCH];
    size_t n;
};

/* Moves the batch into the address table; adds to *added. */
static int my_flush_batch(struct my *m, struct my_batch *b, unsigned long *added)
{
    MYSQL_STMT *st, *one = 0;
    size_t i;
    int r = -1;

    if (b->n == 0) return 0;
    for (i = 0; i < b->n; i++) {
        my_bind_u64(&b->p[2 * i], &b->hash[i]);
        my_bind_str(&b->p[2 * i + 1], &b->blen[i], b->arena.s + b->off[i], b->len[i]);
    }
    if (b->n == MY_BATCH) {
        st = my_prepare(m, MYQ_BULK_FULL, "cannot import");
        if (!st) return -1;
    } else {
        /* the last, partial batch: a statement of its own size */
        str_truncate(&m->sql, 0);
        if (my_bulktext(&m->sql, b->n) == -1) return -1;
        one = st = mysql_stmt_init(m->c);
        if (!st) return my_fail_c(m, "cannot import");
        if (mysql_stmt_prepare(st, m->sql.s, m->sql.len) != 0) {
            my_fail_s(m, st, "cannot import");
            goto out;
        }
    }
    if (my_execute(m, st, b->p, "cannot import") == -1) goto out;
    st = my_prepare(m, MYQ_BULK_MERGE, "cannot import");
    if (!st || my_execute(m, st, 0, "cannot import") == -1) goto out;
    *added += (unsigned long)mysql_stmt_affected_rows(st);
    if (my_query(m, "DELETE FROM ezmlm_bulk", 22, "cannot import") == -1) goto out;
    b->n = 0;
    str_truncate(&b->arena, 0);
    r = 0;
out:
    if (one) mysql_stmt_close(one);
    return r;
}

/* The width of the address column (255 in ezmlm-idx's tables, 400 in ours). */
static int my_width(struct my *m, size_t *width)
{
    static const char sql[] = "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS "
                              "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'address'";
    MYSQL_STMT *st = mysql_stmt_init(m->c);
    MYSQL_BIND p[1], res[1];
    unsigned long l;
    unsigned long long w = 0;
    my_bool wnull = 0;
    int r = -1, rc;

    if (!st) return my_fail_c(m, "cannot import");
    if (mysql_stmt_prepare(st, sql, sizeof sql - 1) != 0) {
        my_fail_s(m, st, "cannot import");
        goto out;
    }
    my_bind_str(&p[0], &l, m->taddr.s, m->taddr.len);
    if (my_execute(m, st, p, "cannot import") == -1) goto out;
    my_bind_u64(&res[0], &w);
    res[0].is_null = &wnull;
    if (mysql_stmt_bind_result(st, res) != 0 || mysql_stmt_store_result(st) != 0) {
        my_fail_s(m, st, "cannot import");
        goto out;
    }
    rc = mysql_stmt_fetch(st);
    if (rc == 0 && !wnull && w > 0) *width = w < SUB_ADDR_MAX ? (size_t)w : SUB_ADDR_MAX;
    else if (rc == 1) {
        my_fail_s(m, st, "cannot import");
        goto out;
    }
    r = 0;
out:
    mysql_stmt_close(st);
    return r;
}

static int my_bulk_add(sub_db *db, struct sub_bulk *bk)
{
    struct my *m = db->priv;
    struct my_batch *b;
    str sql = STR_INIT;
    const char *a;
    size_t n;
    int g, r = -1, e, intx = 0;
    unsigned nb = 0;
    unsigned long pending = 0; /* added, not yet committed */
    size_t width = 255;

    b = calloc(1, sizeof *b);
    if (!b) return -1;
    if (str_catf(&sql, "CREATE TEMPORARY TABLE IF NOT EXISTS ezmlm_bulk LIKE `%s`", m->taddr.s) == -1)
        goto out;
    if (my_query(m, sql.s, sql.len, "cannot import") == -1) goto out;
    if (my_query(m, "DELETE FROM ezmlm_bulk", 22, "cannot import") == -1) goto out;
    if (my_width(m, &width) == -1) goto out;
    while ((g = bk->next(bk->ctx, &a, &n)) == 1) {
        if (n > width) {
            sub_bulk_reject(bk, a, n, ENAMETOOLONG);
            continue;
        }
        if (!intx) {
            if (my_begin(m) == -1) goto out;
            intx = 1;
        }
        b->off[b->n] = b->arena.len;
        b->len[b->n] = n;
        b->hash[b->n] = sub_hash_addr(a, n);
        if (str_catb(&b->arena, a, n) == -1) goto out;
        if (++b->n == MY_BATCH) {
            if (my_flush_batch(m, b, &pending) == -1) goto out;
            if (++nb == MY_BATCHES_PER_COMMIT) {
                if (my_query(m, "COMMIT", 6, "cannot commit") == -1) goto out;
                intx = 0;
                nb = 0;
                bk->added += pending;
                pending = 0;
            }
        }
    }
    if (g == -1) goto out;
    if (my_flush_batch(m, b, &pending) == -1) goto out;
    if (intx && my_query(m, "COMMIT", 6, "cannot commit") == -1) goto out;
    intx = 0;
    bk->added += pending;
    r = 0;
out:
    e = errno;
    if (intx) my_rollback(m);
    str_free(&sql);
    str_free(&b->arena);
    free(b);
    errno = e;
    return r;
}

const struct sub_ops sub_mysql_ops = {
    "mysql",
    my_open,
    my_issub,
    my_add,
    my_remove,
    my_iterate,
    my_log,
    my_searchlog,
    my_mktab,
    my_rmtab,
    my_close,
    my_change,
    my_bulk_add,
};
