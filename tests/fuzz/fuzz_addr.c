/* libFuzzer target for lib/addr: every entry point on the input, plus the
 * round trips quote -> SMTP path, quote -> list parse, and
 * parse -> emit -> parse (same addresses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

/* addresses of the mailboxes of l, in order, one str with NUL separators */
static void mailboxes(const addr_list *l, str *out)
{
    str_truncate(out, 0);
    CHECK(str_ready(out, 0) == 0);
    for (size_t i = 0; i < l->n; i++) {
        const addr_item *it = &l->v[i];
        if (it->kind != ADDR_MAILBOX) continue;
        CHECK(it->local_len <= it->addr.len);
        CHECK(it->spec_off <= it->text.len && it->spec_len <= it->text.len - it->spec_off);
        CHECK(str_cat(out, &it->addr) == 0);
        CHECK(str_catc(out, 0) == 0);
    }
}

static int has_bytes(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] && strchr(set, s[i])) return 1;
    return 0;
}

static int domain_is_dotatom(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c && strchr("!#$%&'*+-/=?^_`{|}~", c)))
            continue;
        return 0;
    }
    return 1;
}

static void list_roundtrip(const char *s, size_t n)
{
    addr_list l1 = ADDR_LIST_INIT, l2 = ADDR_LIST_INIT;
    str o = STR_INIT, m1 = STR_INIT, m2 = STR_INIT, of = STR_INIT;

    if (addr_list_parse(&l1, s, n) != 0) abort();
    CHECK(l1.n <= ADDR_LIST_MAX_ITEMS + 2);
    CHECK(addr_list_emit(&o, &l1, 0, 0) == 0);
    CHECK(addr_list_emit(&of, &l1, 10, 40) == 0);
    if (!l1.truncated) {
        mailboxes(&l1, &m1);
        CHECK(addr_list_parse(&l2, o.s, o.len) == 0);
        mailboxes(&l2, &m2);
        CHECK(m1.len == m2.len && memcmp(m1.s, m2.s, m1.len) == 0);
        addr_list_free(&l2);
        /* folding only adds white space at separators */
        CHECK(addr_list_parse(&l2, of.s, of.len) == 0);
        mailboxes(&l2, &m2);
        CHECK(m1.len == m2.len && memcmp(m1.s, m2.s, m1.len) == 0);
        addr_list_free(&l2);
        /* rewriting every mailbox to its own address keeps the addresses */
        for (size_t i = 0; i < l1.n; i++)
            if (l1.v[i].kind == ADDR_MAILBOX) {
                /* (set() splits at the last '@'; "\"a@b\"" has no domain) */
                str a = STR_INIT;
                addr_parts ap;
                addr_split(l1.v[i].addr.s, l1.v[i].addr.len, &ap);
                if (ap.local_len != l1.v[i].local_len) continue;
                CHECK(str_copy(&a, &l1.v[i].addr) == 0);
                CHECK(addr_item_set(&l1.v[i], a.s, a.len) == 0);
                str_free(&a);
            }
        str_truncate(&of, 0);
        CHECK(addr_list_emit(&of, &l1, 0, 0) == 0);
        CHECK(addr_list_parse(&l2, of.s, of.len) == 0);
        mailboxes(&l2, &m2);
        CHECK(m1.len == m2.len && memcmp(m1.s, m2.s, m1.len) == 0);
        addr_list_free(&l2);
    }
    addr_list_free(&l1);
    str_free(&o);
    str_free(&of);
    str_free(&m1);
    str_free(&m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    str o = STR_INIT, q = STR_INIT;
    addr_parts p;
    size_t half = size / 2;

    /* splitting and case rules */
    addr_split(s, size, &p);
    CHECK(p.local_len + (size_t)p.has_at + p.domain_len == size);
    {
        char *c = malloc(size ? size : 1);
        CHECK(c);
        if (size) memcpy(c, s, size);
        addr_domain_lower(c, size);
        CHECK(addr_equal(c, size, s, size));
        (void)addr_equal_domain(c, size, s, size);
        free(c);
    }
    (void)addr_equal(s, half, s + half, size - half);
    (void)addr_equal_domain(s, half, s + half, size - half);
    (void)addr_domain_match(s, half, s + half, size - half);

    /* quoting */
    (void)addr_local_needs_quote(s, size);
    CHECK(addr_quote_local(&o, s, size) == 0);
    str_truncate(&o, 0);
    CHECK(addr_cat_phrase(&o, s, size, 0) == 0);
    CHECK(addr_cat_phrase(&o, s, size, 1) == 0);
    str_truncate(&o, 0);

    /* SMTP path parser on the raw input */
    {
        int rc = addr_smtp_path(&o, s, size);
        CHECK(rc >= ADDR_PATH_OK && rc <= ADDR_PATH_TOOLONG);
        CHECK(o.len <= size);
        str_truncate(&o, 0);
    }

    /* quote -> SMTP path gives the address back */
    CHECK(addr_quote(&q, s, size) == 0);
    if (size < ADDR_PATH_MAX && !has_bytes(s, size, "\r\n") && !memchr(s, 0, size) &&
        !has_bytes(p.domain, p.domain_len, "<>\"\\")) {
        str cmd = STR_INIT;
        CHECK(str_copys(&cmd, "FROM:<") == 0 && str_cat(&cmd, &q) == 0 && str_cats(&cmd, "> X") == 0);
        CHECK(addr_smtp_path(&o, cmd.s, cmd.len) == ADDR_PATH_OK);
        CHECK(o.len == size && (size == 0 || memcmp(o.s, s, size) == 0));
        str_truncate(&o, 0);
        str_free(&cmd);
    }

    /* quote -> list parse gives the address back (dot-atom domains) */
    if (size && domain_is_dotatom(p.domain, p.domain_len)) {
        addr_list l = ADDR_LIST_INIT;
        CHECK(addr_list_parse(&l, q.s, q.len) == 0);
        CHECK(l.n == 1 && l.v[0].kind == ADDR_MAILBOX);
        CHECK(l.v[0].addr.len == size && memcmp(l.v[0].addr.s, s, size) == 0);
        CHECK(l.v[0].spec.len == q.len && memcmp(l.v[0].spec.s, q.s, q.len) == 0);
        addr_list_free(&l);
    }

    /* address lists */
    list_roundtrip(s, size);

    str_free(&o);
    str_free(&q);
    return 0;
}
