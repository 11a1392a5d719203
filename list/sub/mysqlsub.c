/* mysqlsub: the MySQL store's schema (see mysqlsub.h). */
#include <errno.h>
#include <string.h>

#include "mysqlsub.h"
#include "str.h"

int mysqlsub_name_ok(const char *name, size_t len)
{
    size_t i;
    if (len == 0 || len > MYSQLSUB_NAME_MAX) return 0;
    for (i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '$' || c == '-'))
            return 0;
    }
    return 1;
}

#define TEXTCOL "CHARACTER SET latin1 COLLATE latin1_general_ci"
#define TAIL ") ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci"

int mysqlsub_create(str *out, char kind, const char *name)
{
    const char *body;
    switch (kind) {
    case 'a':
        body = " (\n"
               "  hash TINYINT UNSIGNED NOT NULL,\n"
               "  address VARCHAR(400) " TEXTCOL " NOT NULL,\n"
               "  PRIMARY KEY (hash, address),\n"
               "  INDEX a (address)\n" TAIL;
        break;
    case 's':
        body = " (\n"
               "  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n"
               "  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
               "  address VARCHAR(400) " TEXTCOL " NOT NULL,\n"
               "  fromline VARCHAR(255) " TEXTCOL " NOT NULL,\n"
               "  edir CHAR(1) " TEXTCOL " NOT NULL,\n"
               "  etype VARCHAR(64) " TEXTCOL " NOT NULL,\n"
               "  PRIMARY KEY (id),\n"
               "  INDEX tai (tai)\n" TAIL;
        break;
    case 'c':
        body = " (\n"
               "  msgnum INTEGER UNSIGNED NOT NULL,\n"
               "  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
               "  cookie CHAR(20) " TEXTCOL " NOT NULL,\n"
               "  chunk TINYINT UNSIGNED NOT NULL DEFAULT 0,\n"
               "  bodysize INTEGER UNSIGNED NOT NULL DEFAULT 0,\n"
               "  PRIMARY KEY (msgnum)\n" TAIL;
        break;
    case 'm':
        body = " (\n"
               "  msgnum INTEGER UNSIGNED NOT NULL,\n"
               "  listno INTEGER UNSIGNED NOT NULL,\n"
               "  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
               "  subs INTEGER UNSIGNED NOT NULL DEFAULT 0,\n"
               "  done TINYINT NOT NULL DEFAULT 0,\n"
               "  PRIMARY KEY (listno, msgnum, done)\n" TAIL;
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    if (str_copys(out, "CREATE TABLE IF NOT EXISTS `") == -1 || str_cats(out, name) == -1 ||
        str_catc(out, '`') == -1 || str_cats(out, body) == -1)
        return -1;
    return 0;
}

/* The tables of a list, in ezmlm-idx's creation order. */
static const struct {
    const char *suffix;
    char kind;
} tables[] = {
    { "", 'a' },        { "_slog", 's' },        { "_cookie", 'c' },        { "_mlog", 'm' },
    { "_allow", 'a' },  { "_allow_slog", 's' },  { "_deny", 'a' },          { "_deny_slog", 's' },
    { "_digest", 'a' }, { "_digest_slog", 's' }, { "_digest_cookie", 'c' }, { "_digest_mlog", 'm' },
    { "_mod", 'a' },    { "_mod_slog", 's' },
};
#define NTABLES (sizeof tables / sizeof tables[0])

int mysqlsub_schema(const char *root, int drop, int create,
                    int (*fn)(void *ctx, const char *sql, size_t len), void *ctx)
{
    static const char order[] = "mcsa"; /* drop order: mlog, cookie, slog, address */
    str name = STR_INIT, sql = STR_INIT;
    size_t rl = strlen(root), i, k;
    int r = 0;

    if (rl > MYSQLSUB_ROOT_MAX || !mysqlsub_name_ok(root, rl)) {
        errno = EINVAL;
        return -1;
    }
    for (k = 0; drop && k < sizeof order - 1 && r == 0; k++)
        for (i = 0; i < NTABLES && r == 0; i++) {
            if (tables[i].kind != order[k]) continue;
            if (str_copys(&sql, "DROP TABLE IF EXISTS `") == -1 || str_cats(&sql, root) == -1 ||
                str_cats(&sql, tables[i].suffix) == -1 || str_catc(&sql, '`') == -1) {
                r = -1;
                break;
            }
            r = fn(ctx, sql.s, sql.len);
        }
    for (i = 0; create && i < NTABLES && r == 0; i++) {
        if (str_copys(&name, root) == -1 || str_cats(&name, tables[i].suffix) == -1 ||
            mysqlsub_create(&sql, tables[i].kind, name.s) == -1) {
            r = -1;
            break;
        }
        r = fn(ctx, sql.s, sql.len);
    }
    str_free(&name);
    str_free(&sql);
    return r;
}
