/*
 * users-lookup: look a local part up in a users/cdb the way qmail 1.03's
 * qmail-lspawn does, for tests of qmail-newu.
 *
 *   users-lookup cdbfile local
 *
 * Tries the exact key "!" lowercase(local) NUL, then the wildcard keys
 * "!" lowercase(prefix) for ever shorter prefixes of local that end in one
 * of the characters of the empty key's record (the empty prefix always).
 * Prints the value found with NUL bytes shown as ':' and, for a wildcard
 * match, the rest of the address appended (as qmail-lspawn appends it to
 * the ext field), e.g. "joe:503:100:/home/joe:-:lists"; prints "none" when
 * nothing matches.  Exit 0, or 111 when the cdb cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "cdbx.h"
#include "str.h"

static void show(const str *v, const char *ext)
{
    for (size_t i = 0; i < v->len; i++) putchar(v->s[i] ? v->s[i] : ':');
    if (ext) fputs(ext, stdout);
    putchar('\n');
}

static str key, val, wild;

static int done(cdbx *db, int code)
{
    cdbx_close(db);
    str_free(&key);
    str_free(&val);
    str_free(&wild);
    return code;
}

int main(int argc, char **argv)
{
    const char *local;
    size_t len;
    cdbx db;
    int r;

    if (argc != 3) { fprintf(stderr, "usage: users-lookup cdbfile local\n"); return 100; }
    local = argv[2];
    len = strlen(local);
    if (cdbx_open(&db, argv[1]) < 0) { perror("users-lookup: open"); return 111; }
    if (str_copys(&key, "!") < 0 || str_cats(&key, local) < 0 || str_catc(&key, 0) < 0)
        return done(&db, 111);
    str_lower(&key);
    r = cdbx_find(&db, key.s, key.len, &val);
    if (r < 0) return done(&db, 111);
    if (r == 1) { show(&val, NULL); return done(&db, 0); }
    if (cdbx_find(&db, "", 0, &wild) < 0) return done(&db, 111);
    /* key.s[0..1+i) = "!" + first i bytes of local */
    for (size_t i = len + 1; i-- > 0;) {
        if (i > 0 && !memchr(wild.s ? wild.s : "", key.s[i], wild.len)) continue;
        r = cdbx_find(&db, key.s, 1 + i, &val);
        if (r < 0) return done(&db, 111);
        if (r == 1) { show(&val, local + i); return done(&db, 0); }
    }
    puts("none");
    return done(&db, 0);
}
