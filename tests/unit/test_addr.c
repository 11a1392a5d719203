/* Unit tests for lib/addr: splitting, case rules, quoting, SMTP paths,
 * address lists (parse, rewrite, emit) and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define S(x) x, sizeof(x) - 1

/* ---- helpers ---------------------------------------------------------------- */

static const char *quoted(const char *a)
{
    static str out; /* test-only scratch */
    str_free(&out);
    assert_int_equal(addr_quote(&out, a, strlen(a)), 0);
    assert_int_equal(str_catb(&out, "", 0), 0);
    return out.s;
}

static int path(const char *arg, size_t len, str *out)
{
    str_free(out);
    return addr_smtp_path(out, arg, len);
}

/* Parses s and renders the mailboxes as "addr|spec|name" joined by "\n";
 * groups as "G:name" and group ends as ";". */
static char *render(const char *s, size_t len, addr_list *l)
{
    str r = STR_INIT;
    addr_list_free(l);
    assert_int_equal(addr_list_parse(l, s, len), 0);
    assert_int_equal(str_copys(&r, ""), 0);
    for (size_t i = 0; i < l->n; i++) {
        const addr_item *it = &l->v[i];
        if (i) assert_int_equal(str_catc(&r, '\n'), 0);
        switch (it->kind) {
        case ADDR_MAILBOX:
            assert_int_equal(str_cat(&r, &it->addr), 0);
            assert_int_equal(str_catc(&r, '|'), 0);
            assert_int_equal(str_cat(&r, &it->spec), 0);
            assert_int_equal(str_catc(&r, '|'), 0);
            assert_int_equal(str_cat(&r, &it->name), 0);
            break;
        case ADDR_GROUP:
            assert_int_equal(str_cats(&r, "G:"), 0);
            assert_int_equal(str_cat(&r, &it->name), 0);
            break;
        case ADDR_GROUP_END:
            assert_int_equal(str_cats(&r, ";"), 0);
            break;
        case ADDR_REST:
            assert_int_equal(str_cats(&r, "REST:"), 0);
            assert_int_equal(str_cat(&r, &it->text), 0);
            break;
        default:
            fail();
        }
    }
    return r.s;
}

static void check_list(const char *in, const char *want)
{
    addr_list l = ADDR_LIST_INIT;
    char *got = render(in, strlen(in), &l);
    assert_string_equal(got, want);
    free(got);
    addr_list_free(&l);
}

static char *emit(const char *in, size_t col, size_t width)
{
    addr_list l = ADDR_LIST_INIT;
    str out = STR_INIT;
    assert_int_equal(addr_list_parse(&l, in, strlen(in)), 0);
    assert_int_equal(addr_list_emit(&out, &l, col, width), 0);
    assert_non_null(out.s);
    addr_list_free(&l);
    return out.s;
}

static void check_emit(const char *in, const char *want)
{
    char *got = emit(in, 4, 0);
    assert_string_equal(got, want);
    free(got);
}

/* ---- splitting and case ---------------------------------------------------------- */

static void test_split(void **state)
{
    (void)state;
    addr_parts p;
    addr_split(S("a@b@c.org"), &p);
    assert_true(p.has_at);
    assert_int_equal(p.local_len, 3);
    assert_memory_equal(p.domain, "c.org", 5);
    assert_int_equal(p.domain_len, 5);
    addr_split(S("joe"), &p);
    assert_false(p.has_at);
    assert_int_equal(p.local_len, 3);
    assert_int_equal(p.domain_len, 0);
    addr_split(S("x@"), &p);
    assert_true(p.has_at);
    assert_int_equal(p.local_len, 1);
    assert_int_equal(p.domain_len, 0);
    addr_split("", 0, &p);
    assert_false(p.has_at);
    assert_int_equal(p.local_len, 0);
    addr_split(S("a\0b@c\0d"), &p); /* NUL is an ordinary byte */
    assert_int_equal(p.local_len, 3);
    assert_int_equal(p.domain_len, 3);
}

static void test_case_rules(void **state)
{
    (void)state;
    char a[] = "Joe.User@Mail.EXAMPLE.Org";
    addr_domain_lower(a, strlen(a));
    assert_string_equal(a, "Joe.User@mail.example.org");
    char b[] = "NoDomain";
    addr_domain_lower(b, strlen(b));
    assert_string_equal(b, "NoDomain");

    assert_true(addr_equal(S("Joe@X.org"), S("joe@x.ORG")));
    assert_false(addr_equal(S("joe@x.org"), S("joe@x.org.")));
    assert_true(addr_equal_domain(S("Joe@X.org"), S("Joe@x.ORG")));
    assert_false(addr_equal_domain(S("Joe@x.org"), S("joe@x.org")));
    assert_false(addr_equal_domain(S("joe"), S("joe@")));
    assert_true(addr_equal_domain(S("joe"), S("joe")));
    assert_true(addr_equal_domain(S("a@b@C"), S("a@b@c")));
    assert_false(addr_equal_domain(S("a@B@c"), S("a@b@c")));

    assert_true(addr_domain_match(S("Example.COM"), S("example.com")));
    assert_true(addr_domain_match(S("a.Example.com"), S(".example.COM")));
    assert_false(addr_domain_match(S("example.com"), S(".example.com")));
    assert_false(addr_domain_match(S("badexample.com"), S(".example.com")));
    assert_false(addr_domain_match(S("x"), "", 0));
    assert_true(addr_domain_match("", 0, "", 0));
}

/* ---- quoting ------------------------------------------------------------------------ */

static void test_quote(void **state)
{
    (void)state;
    assert_string_equal(quoted("s p@x.org"), "\"s p\"@x.org");
    assert_string_equal(quoted("joe.user@x.org"), "joe.user@x.org");
    assert_string_equal(quoted("a!#$%&'*+-/=?^_`{|}~z@x"), "a!#$%&'*+-/=?^_`{|}~z@x");
    assert_string_equal(quoted(".a@x"), "\".a\"@x");
    assert_string_equal(quoted("a.@x"), "\"a.\"@x");
    assert_string_equal(quoted("a..b@x"), "\"a..b\"@x");
    assert_string_equal(quoted("a\"b\\c@x"), "\"a\\\"b\\\\c\"@x");
    assert_string_equal(quoted("a\r\nb@x"), "\"a\\\r\\\nb\"@x");
    assert_string_equal(quoted("a@b@c"), "\"a@b\"@c");
    assert_string_equal(quoted("caf\xc3\xa9@x"), "\"caf\xc3\xa9\"@x");
    assert_string_equal(quoted("@x"), "\"\"@x");
    assert_string_equal(quoted(""), "");
    assert_string_equal(quoted("nobody"), "nobody");
    assert_string_equal(quoted("no body"), "\"no body\"");
    assert_string_equal(quoted("a(b)@[1.2.3.4]"), "\"a(b)\"@[1.2.3.4]");
    assert_string_equal(quoted("user-@host-@[]"), "\"user-@host-\"@[]"); /* last '@' splits */
    assert_string_equal(quoted("#@[]"), "#@[]");

    assert_true(addr_local_needs_quote("", 0));
    assert_false(addr_local_needs_quote(S("a.b")));
    assert_true(addr_local_needs_quote(S("a\0b")));

    /* appending, binary safe */
    str o = STR_INIT;
    assert_int_equal(str_copys(&o, "<"), 0);
    assert_int_equal(addr_quote(&o, S("a\0b@c")), 0);
    assert_int_equal(o.len, 1 + 5 + 2);
    assert_memory_equal(o.s, "<\"a\0b\"@c", 8);
    str_free(&o);
}

static void test_phrase(void **state)
{
    (void)state;
    str o = STR_INIT;
    assert_int_equal(addr_cat_phrase(&o, S("Joe User"), 0), 0);
    assert_int_equal(str_cats(&o, "|"), 0);
    assert_int_equal(addr_cat_phrase(&o, S("Joe User"), 1), 0);
    assert_int_equal(str_cats(&o, "|"), 0);
    assert_int_equal(addr_cat_phrase(&o, S("Joe Q. User"), 0), 0);
    assert_int_equal(str_cats(&o, "|"), 0);
    assert_int_equal(addr_cat_phrase(&o, S("a\"b\\c\r\nd"), 0), 0);
    assert_int_equal(str_cats(&o, "|"), 0);
    assert_int_equal(addr_cat_phrase(&o, "", 0, 0), 0);
    assert_int_equal(str_cats(&o, "|"), 0);
    assert_int_equal(addr_cat_phrase(&o, S(" lead"), 0), 0);
    assert_int_equal(str_cats(&o, "|"), 0);
    assert_int_equal(addr_cat_phrase(&o, S("two  spaces"), 0), 0);
    assert_string_equal(o.s, "Joe User|\"Joe User\"|\"Joe Q. User\"|\"a\\\"b\\\\cd\"|\"\"|\" lead\"|\"two  spaces\"");
    str_free(&o);
}

static void test_overflow(void **state)
{
    (void)state;
    str o = STR_INIT;
    const char *sp = " "; /* first byte forces quoting: nothing past it is read */
    assert_int_equal(str_copys(&o, "keep"), 0);
    errno = 0;
    assert_int_equal(addr_quote_local(&o, sp, SIZE_MAX / 2 + 1), -1);
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(addr_quote_local(&o, sp, SIZE_MAX / 2 - 1), -1);
    assert_int_equal(addr_quote_local(&o, sp, SIZE_MAX), -1);
    assert_int_equal(addr_cat_phrase(&o, sp, SIZE_MAX / 2 + 1, 1), -1);
    assert_int_equal(addr_cat_phrase(&o, sp, SIZE_MAX / 2 - 2, 1), -1);
    assert_string_equal(o.s, "keep");
    assert_int_equal(o.len, 4);
    str_free(&o);
}

/* ---- SMTP paths -------------------------------------------------------------------------- */

static void test_smtp_path(void **state)
{
    (void)state;
    str o = STR_INIT;
    assert_int_equal(path(S("FROM:<a@b.c>"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "a@b.c");
    assert_int_equal(path(S("FROM: <a@b.c> SIZE=1000 BODY=8BITMIME"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "a@b.c");
    assert_int_equal(path(S("FROM:<>"), &o), ADDR_PATH_OK);
    assert_int_equal(o.len, 0);
    assert_non_null(o.s);
    assert_int_equal(path(S("TO:a@b.c"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "a@b.c");
    assert_int_equal(path(S("TO:   a@b.c junk"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "a@b.c");
    assert_int_equal(path(S("TO:<@r1.x,@r2.y:u@d.e>"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "u@d.e");
    assert_int_equal(path(S("TO:@r1:u@d.e"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "u@d.e");
    assert_int_equal(path(S("TO:<@nocolon>"), &o), ADDR_PATH_UNBALANCED); /* route ate the '>' */
    assert_string_equal(o.s, "");
    assert_int_equal(path(S("FROM:<\"s p\"@x.org>"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "s p@x.org");
    assert_int_equal(path(S("FROM:<\"a>b\"@x>"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "a>b@x");
    assert_int_equal(path(S("FROM:<a\\>b@x>"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "a>b@x");
    assert_int_equal(path(S("TO:\"a b\"@x"), &o), ADDR_PATH_OK);
    assert_string_equal(o.s, "a b@x");
    assert_int_equal(path(S("MAIL"), &o), ADDR_PATH_OK); /* no ':' nor '<': null path */
    assert_string_equal(o.s, "");
    assert_int_equal(path("", 0, &o), ADDR_PATH_OK);
    assert_int_equal(path(S("FROM:<a@b"), &o), ADDR_PATH_UNBALANCED);
    assert_string_equal(o.s, "a@b"); /* qmail's lenient reading is still there */
    assert_int_equal(path(S("FROM:<<a@b>"), &o), ADDR_PATH_UNBALANCED);
    assert_string_equal(o.s, "<a@b");
    assert_int_equal(path(S("FROM:a@b>"), &o), ADDR_PATH_UNBALANCED);
    assert_int_equal(path(S("FROM:<\"a@b>"), &o), ADDR_PATH_UNBALANCED);
    assert_int_equal(path(S("FROM:<a@b\\"), &o), ADDR_PATH_UNBALANCED);
    assert_int_equal(path(S("FROM:<a\0b@c>"), &o), ADDR_PATH_BADCHAR);
    assert_int_equal(o.len, 5);
    assert_int_equal(path(S("FROM:<a\rb@c>"), &o), ADDR_PATH_BADCHAR);
    assert_int_equal(path(S("FROM:<a\\\nb@c>"), &o), ADDR_PATH_BADCHAR);

    /* length limit: 899 bytes pass, 900 do not */
    char buf[1000];
    memcpy(buf, "TO:<", 4);
    memset(buf + 4, 'x', 899);
    buf[4 + 899] = '>';
    assert_int_equal(path(buf, 4 + 899 + 1, &o), ADDR_PATH_OK);
    assert_int_equal(o.len, 899);
    memset(buf + 4, 'x', 900);
    buf[4 + 900] = '>';
    assert_int_equal(path(buf, 4 + 900 + 1, &o), ADDR_PATH_TOOLONG);
    assert_int_equal(o.len, 900);

    /* appends */
    assert_int_equal(str_copys(&o, "T"), 0);
    assert_int_equal(addr_smtp_path(&o, S("TO:<u@d>")), ADDR_PATH_OK);
    assert_string_equal(o.s, "Tu@d");
    str_free(&o);
}

static void test_smtp_path_roundtrip(void **state)
{
    (void)state;
    const char *v[] = { "s p@x.org", "a\"b\\c@x", "a>b<c@x", "\"\"@x", "plain@x.y", "x", "@y",
                        "a b c" };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        str q = STR_INIT, o = STR_INIT;
        assert_int_equal(str_copys(&q, "FROM:<"), 0);
        assert_int_equal(addr_quote(&q, v[i], strlen(v[i])), 0);
        assert_int_equal(str_cats(&q, "> SIZE=1"), 0);
        assert_int_equal(addr_smtp_path(&o, q.s, q.len), ADDR_PATH_OK);
        assert_int_equal(str_catb(&o, "", 0), 0);
        assert_string_equal(o.s, v[i]);
        str_free(&q);
        str_free(&o);
    }
}

/* ---- address lists ------------------------------------------------------------------------------ */

static void test_list_basic(void **state)
{
    (void)state;
    check_list("a@b.c", "a@b.c|a@b.c|");
    check_list("a@b.c, Foo <d@e.f>", "a@b.c|a@b.c|\nd@e.f|d@e.f|Foo");
    check_list("\"Alice A\" <a@x>", "a@x|a@x|Alice A");
    check_list("John Q. Public <jqp@x.org>", "jqp@x.org|jqp@x.org|John Q. Public");
    check_list("\"s p\"@x.org", "s p@x.org|\"s p\"@x.org|");
    check_list("\"a\\\"b\"@x", "a\"b@x|\"a\\\"b\"@x|");
    check_list("(c) g@h (Name)", "g@h|g@h|c");
    check_list("g@h (Full (nested) Name)", "g@h|g@h|Full (nested) Name");
    check_list("u@[1.2.3.4]", "u@[1.2.3.4]|u@[1.2.3.4]|");
    check_list("<>", "||");
    check_list("joe", "joe|joe|");
    check_list("Joe <joe>", "joe|joe|Joe");
    check_list("b@", "b@|b@|");
    check_list("a@host.", "a@host.|a@host.|");
    check_list("x@[]", "x@[]|x@[]|");
    check_list("", "");
    check_list("  ,, ,", "");
    check_list("(only a comment)", "");
    /* obsolete forms: CFWS around '.' and '@', routes */
    check_list("a . b @ c . d", "a.b@c.d|a.b@c.d|");
    check_list("a(x)@(y)b", "a@b|a@b|x");
    check_list("<@r1,@r2:c@d.e>", "c@d.e|c@d.e|");
    check_list("Joe <@r1, @r2 : c@d.e>", "c@d.e|c@d.e|Joe");
    /* folds anywhere */
    check_list("\"Joe\r\n User\" <j@x>,\r\n\tk@y", "j@x|j@x|Joe User\nk@y|k@y|");
    check_list("=?utf-8?q?J=C3=B6?= <j@x>", "j@x|j@x|=?utf-8?q?J=C3=B6?=");
    /* multiple '@': the last one splits */
    check_list("<a@b@c>", "a@b@c|\"a@b\"@c|");
    check_list("\"a@b\"@c", "a@b@c|\"a@b\"@c|");
    check_list("\"x@y\"", "x@y|\"x@y\"|");
    check_list("a@\"b c\"", "a@\"b c\"|a@\"b c\"|"); /* domains keep their quotes */
}

static void test_list_flags(void **state)
{
    (void)state;
    addr_list l = ADDR_LIST_INIT;
    assert_int_equal(addr_list_parse(&l, S("Joe <@r:j@x>, k, <>")), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[0].flags & (ADDR_F_ANGLE | ADDR_F_ROUTE), ADDR_F_ANGLE | ADDR_F_ROUTE);
    assert_int_equal(l.v[0].local_len, 1);
    assert_true(l.v[1].flags & ADDR_F_NOAT);
    assert_int_equal(l.v[1].local_len, 1);
    assert_true(l.v[2].flags & ADDR_F_ANGLE);
    assert_int_equal(l.v[2].addr.len, 0);
    assert_false(l.truncated);
    /* parse appends */
    assert_int_equal(addr_list_parse(&l, S("m@n")), 0);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[3].addr.s, "m@n");
    addr_list_free(&l);
    assert_int_equal(l.n, 0);
    assert_null(l.v);
}

static void test_list_groups(void **state)
{
    (void)state;
    check_list("grp: i@j, k@l;, m@n", "G:grp\ni@j|i@j|\nk@l|k@l|\n;\nm@n|m@n|");
    check_list("undisclosed-recipients:;", "G:undisclosed-recipients\n;");
    check_list("recipient list not shown: ;", "G:recipient list not shown\n;");
    check_list("A Group: x@y", "G:A Group\nx@y|x@y|\n;"); /* unclosed */
    check_list("a: b: c@d;", "G:a\nb:c@d|\"b:c\"@d|\n;"); /* no nested groups */
    check_list("x@y: z", "x@y:z|x@y:z|"); /* ':' after '@' is not a group */
    check_list("; ; a@b ;", "a@b|a@b|");
    /* a group after an address lacking its comma: read as if the comma were there */
    check_list("a@b x y: z;", "a@b|a@b|\nG:x y\nz|z|\n;");
    check_list("a@b: z;", "a@b:z|a@b:z|");
    addr_list l = ADDR_LIST_INIT;
    assert_int_equal(addr_list_parse(&l, S("g: a@b; c@d")), 0);
    assert_int_equal(l.n, 4);
    assert_true(l.v[1].flags & ADDR_F_INGROUP);
    assert_false(l.v[3].flags & ADDR_F_INGROUP);
    addr_list_free(&l);
    assert_int_equal(addr_list_parse(&l, S("g: a@b")), 0);
    assert_int_equal(l.v[2].kind, ADDR_GROUP_END);
    assert_true(l.v[2].flags & ADDR_F_UNCLOSED);
    addr_list_free(&l);
}

static void test_list_illegal_spaces(void **state)
{
    (void)state;
    check_list("a@b c@d", "a@b|a@b|\nc@d|c@d|");
    check_list("john smith@x", "john|john|\nsmith@x|smith@x|");
    check_list("a@b.c (A) d.e@f (F)", "a@b.c|a@b.c|A\nd.e@f|d.e@f|F");
    check_list("<a@b> c@d", "a@b|a@b|\nc@d|c@d|");
    check_list("<a@b> <c@d>", "a@b|a@b|\nc@d|c@d|");
    check_list("a@b Joe <c@d>", "a@b|a@b|\nc@d|c@d|Joe");
    check_list("x y@z \"Joe\" <c@d>", "x|x|\ny@z|y@z|\nc@d|c@d|Joe");
    addr_list l = ADDR_LIST_INIT;
    assert_int_equal(addr_list_parse(&l, S("a@b c@d, e@f")), 0);
    assert_int_equal(l.n, 3);
    assert_false(l.v[0].flags & ADDR_F_NOCOMMA);
    assert_true(l.v[1].flags & ADDR_F_NOCOMMA);
    assert_false(l.v[2].flags & ADDR_F_NOCOMMA);
    addr_list_free(&l);
}

static void test_list_hostile(void **state)
{
    (void)state;
    /* unbalanced everything: tolerated, flagged */
    check_list("\"unterminated@x", "unterminated@x|\"unterminated@x\"|");
    check_list("a@b (open comment", "a@b|a@b|open comment");
    check_list("a@b ((((", "a@b|a@b|(((");
    check_list("a@b )))", "a@b)))|a@b)))|"); /* stray ')' joins the domain */
    check_list("u@[1.2.3.4", "u@[1.2.3.4]|u@[1.2.3.4]|");
    check_list("Joe <j@x", "j@x|j@x|Joe");
    check_list("Joe <j@x, k@y", "j@x|j@x|Joe\nk@y|k@y|");
    check_list("<<a@b>>", "<a@b|\"<a\"@b|\n>|\">\"|");
    check_list(">", ">|\">\"|");
    check_list("<", "||");
    check_list("\\", "\\|\"\\\\\"|");
    check_list("\"a\\", "a|a|");
    check_list("a@b\"", "a@b|a@b|\n|\"\"|");
    addr_list l = ADDR_LIST_INIT;
    assert_int_equal(addr_list_parse(&l, S("Joe <j@x")), 0);
    assert_true(l.v[0].flags & ADDR_F_UNCLOSED);
    addr_list_free(&l);
    assert_int_equal(addr_list_parse(&l, S("a@b (x")), 0);
    assert_true(l.v[0].flags & ADDR_F_UNTERM);
    assert_true(l.v[0].flags & ADDR_F_NAMECOMMENT);
    addr_list_free(&l);
    /* NUL and control bytes */
    assert_int_equal(addr_list_parse(&l, S("a\0b@c, \"x\0y\"@z, d\x01@e, ok@f")), 0);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.v[0].addr.len, 5);
    assert_memory_equal(l.v[0].addr.s, "a\0b@c", 5);
    assert_true(l.v[0].flags & ADDR_F_BADCHAR);
    assert_true(l.v[1].flags & ADDR_F_BADCHAR);
    assert_true(l.v[2].flags & ADDR_F_BADCHAR);
    assert_false(l.v[3].flags & ADDR_F_BADCHAR);
    addr_list_free(&l);
    /* escaped CR/LF inside quotes survive, raw folds do not */
    assert_int_equal(addr_list_parse(&l, S("\"a\\\nb\r\n c\"@x")), 0);
    assert_string_equal(l.v[0].addr.s, "a\nb c@x");
    assert_true(l.v[0].flags & ADDR_F_BADCHAR);
    addr_list_free(&l);
}

static void test_list_deep_nesting(void **state)
{
    (void)state;
    size_t n = 200000;
    char *b = malloc(n * 2 + 8);
    assert_non_null(b);
    memcpy(b, "a@b ", 4);
    memset(b + 4, '(', n);
    memset(b + 4 + n, ')', n);
    addr_list l = ADDR_LIST_INIT;
    assert_int_equal(addr_list_parse(&l, b, 4 + 2 * n), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].addr.s, "a@b");
    assert_false(l.v[0].flags & ADDR_F_UNTERM);
    addr_list_free(&l);
    /* only openers: one unterminated comment */
    assert_int_equal(addr_list_parse(&l, b, 4 + n), 0);
    assert_int_equal(l.n, 1);
    assert_true(l.v[0].flags & ADDR_F_UNTERM);
    addr_list_free(&l);
    free(b);
}

static void test_list_caps(void **state)
{
    (void)state;
    addr_list l = ADDR_LIST_INIT;
    str in = STR_INIT, out = STR_INIT;

    /* item cap: the tail is kept verbatim as REST and emitted */
    for (size_t i = 0; i < ADDR_LIST_MAX_ITEMS + 5; i++)
        assert_int_equal(str_catf(&in, "%su%zu@x", i ? ", " : "", i), 0);
    assert_int_equal(addr_list_parse(&l, in.s, in.len), 0);
    assert_true(l.truncated);
    assert_int_equal(l.n, ADDR_LIST_MAX_ITEMS + 1);
    assert_int_equal(l.v[l.n - 1].kind, ADDR_REST);
    assert_string_equal(l.v[l.n - 1].text.s, "u10000@x, u10001@x, u10002@x, u10003@x, u10004@x");
    assert_int_equal(addr_list_emit(&out, &l, 0, 0), 0);
    assert_int_equal(out.len, in.len);
    assert_memory_equal(out.s, in.s, in.len);
    /* a later parse into a truncated list is all rest */
    assert_int_equal(addr_list_parse(&l, S("z@z")), 0);
    assert_int_equal(l.v[l.n - 1].kind, ADDR_REST);
    addr_list_free(&l);

    /* token cap: a cut unit is not half-parsed */
    str_truncate(&in, 0);
    assert_int_equal(str_cats(&in, "a@b, Joe "), 0);
    for (size_t i = 0; i < ADDR_LIST_MAX_TOKENS; i++) assert_int_equal(str_cats(&in, "(c)"), 0);
    assert_int_equal(str_cats(&in, " <j@x>, k@y"), 0);
    assert_int_equal(addr_list_parse(&l, in.s, in.len), 0);
    assert_true(l.truncated);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].addr.s, "a@b");
    assert_int_equal(l.v[1].kind, ADDR_REST);
    assert_true(str_starts(&l.v[1].text, "Joe (c)(c)"));
    str_truncate(&out, 0);
    assert_int_equal(addr_list_emit(&out, &l, 0, 0), 0);
    assert_int_equal(out.len, in.len);
    assert_memory_equal(out.s, in.s, in.len);
    addr_list_free(&l);

    /* token cap hit exactly at a separator */
    str_truncate(&in, 0);
    for (size_t i = 0; i < ADDR_LIST_MAX_TOKENS / 2; i++) assert_int_equal(str_cats(&in, "(c),"), 0);
    assert_int_equal(str_cats(&in, "last@x"), 0);
    assert_int_equal(addr_list_parse(&l, in.s, in.len), 0);
    assert_true(l.truncated);
    assert_string_equal(l.v[l.n - 1].text.s, "last@x");
    addr_list_free(&l);
    str_free(&in);
    str_free(&out);
}

static void test_list_big(void **state)
{
    (void)state;
    /* a 1 MB field: one enormous address and one enormous name */
    size_t n = 1 << 20;
    char *b = malloc(n + 64);
    assert_non_null(b);
    b[0] = '"';
    memset(b + 1, 'n', n);
    memcpy(b + 1 + n, "\" <", 3);
    memcpy(b + 4 + n, "big@x>", 6);
    addr_list l = ADDR_LIST_INIT;
    assert_int_equal(addr_list_parse(&l, b, n + 10), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].name.len, n);
    assert_string_equal(l.v[0].addr.s, "big@x");
    addr_list_free(&l);
    memset(b, 'l', n);
    memcpy(b + n, "@x", 2);
    assert_int_equal(addr_list_parse(&l, b, n + 2), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].addr.len, n + 2);
    addr_list_free(&l);
    free(b);
}

/* ---- rewriting and emitting ---------------------------------------------------------------------- */

static void test_emit(void **state)
{
    (void)state;
    check_emit("a@b, Foo <d@e.f>", "a@b, Foo <d@e.f>");
    check_emit("a@b c@d", "a@b, c@d");
    check_emit("  a@b  ,,  c@d  ", "a@b, c@d");
    check_emit("Joe (x) <j@x> (trailing)", "Joe (x) <j@x> (trailing)");
    check_emit("<@r1,@r2:c@d.e>", "<c@d.e>");
    check_emit("Joe <j@x", "Joe <j@x>");
    check_emit("Joe <@r1:", "Joe <>");
    check_emit("Joe <@r1:j@x", "Joe <j@x>");
    check_emit("g: a@b, c@d; e@f", "g: a@b, c@d;, e@f");
    check_emit("g:;", "g:;");
    check_emit("g: a@b", "g: a@b;");
    check_emit("a . b @ c", "a.b@c");
    check_emit("\"a\"@x", "a@x");
    check_emit("\"a b\" @ x (c)", "\"a b\"@x (c)");
    check_emit("<>", "<>");
    check_emit("Joe\r\n <j@x>", "Joe\r\n <j@x>");
}

static void test_rewrite(void **state)
{
    (void)state;
    addr_list l = ADDR_LIST_INIT;
    str out = STR_INIT;
    const char *in = "someone, \"Joe User\" <joe@host>, b@, x@[], <>, grp: c@d.e;";
    assert_int_equal(addr_list_parse(&l, in, strlen(in)), 0);
    /* qmail-inject style: qualify what needs it, keep <> and x@[] */
    for (size_t i = 0; i < l.n; i++) {
        addr_item *it = &l.v[i];
        str a = STR_INIT;
        if (it->kind != ADDR_MAILBOX || it->addr.len == 0) continue;
        if (str_equals(&it->addr, "x@[]")) continue;
        assert_int_equal(str_copy(&a, &it->addr), 0);
        if (a.len && a.s[a.len - 1] == '@') str_truncate(&a, a.len - 1);
        if (str_chr(&a, '@') < 0) assert_int_equal(str_cats(&a, "@bench.example"), 0);
        else if (str_rchr(&a, '.') < str_rchr(&a, '@'))
            assert_int_equal(str_cats(&a, ".bench.example"), 0);
        assert_int_equal(addr_item_set(it, a.s, a.len), 0);
        str_free(&a);
    }
    assert_int_equal(addr_list_emit(&out, &l, 4, 0), 0);
    assert_string_equal(out.s, "someone@bench.example, \"Joe User\" <joe@host.bench.example>, "
                               "b@bench.example, x@[], <>, grp: c@d.e;");
    /* set() quotes as needed and recomputes flags */
    assert_int_equal(addr_item_set(&l.v[0], S("s p@x")), 0);
    assert_string_equal(l.v[0].spec.s, "\"s p\"@x");
    assert_false(l.v[0].flags & ADDR_F_NOAT);
    assert_int_equal(addr_item_set(&l.v[0], S("nobody")), 0);
    assert_true(l.v[0].flags & ADDR_F_NOAT);
    assert_int_equal(addr_item_set(&l.v[0], S("a\nb@c")), 0);
    assert_true(l.v[0].flags & ADDR_F_BADCHAR);
    addr_list_free(&l);
    str_free(&out);
}

static void test_emit_fold(void **state)
{
    (void)state;
    char *o = emit("aaaaaaaaaa@example.com, bbbbbbbbbb@example.com, cccccccccc@example.com, "
                   "dddddddddd@example.com", 4, 78);
    assert_string_equal(o, "aaaaaaaaaa@example.com, bbbbbbbbbb@example.com, cccccccccc@example.com,\n"
                           "  dddddddddd@example.com");
    for (char *p = o, *nl; (nl = strchr(p, '\n')); p = nl + 1) assert_true(nl - p <= 78);
    free(o);
    o = emit("g: aaaaaaaaaaaaaaaaaaaa@example.com;", 70, 78);
    assert_string_equal(o, "g:\n  aaaaaaaaaaaaaaaaaaaa@example.com;");
    free(o);
    o = emit("x@y", 100, 10); /* nothing to fold at */
    assert_string_equal(o, "x@y");
    free(o);
}

static void test_emit_roundtrip(void **state)
{
    (void)state;
    const char *v[] = {
        "a@b c@d", "Joe <j@x", "g: a@b", "\"unterminated", "u@[1.2", "a (b", "<<a>>",
        "x: y: z;", "\"a\\", "Joe <@r1,@r2:c@d>", "a@b (c) d@e", ";;,,", "(c) <a@b> (d)",
        "\"\\\"\" <q@x>", "<a@[x>", "g: a <b@c; d@e",
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        addr_list l1 = ADDR_LIST_INIT, l2 = ADDR_LIST_INIT;
        str o = STR_INIT;
        assert_int_equal(addr_list_parse(&l1, v[i], strlen(v[i])), 0);
        assert_int_equal(addr_list_emit(&o, &l1, 0, 0), 0);
        assert_int_equal(addr_list_parse(&l2, o.s, o.len), 0);
        size_t m1 = 0, m2 = 0;
        for (;;) {
            while (m1 < l1.n && l1.v[m1].kind != ADDR_MAILBOX) m1++;
            while (m2 < l2.n && l2.v[m2].kind != ADDR_MAILBOX) m2++;
            if (m1 == l1.n || m2 == l2.n) break;
            assert_int_equal(l1.v[m1].addr.len, l2.v[m2].addr.len);
            assert_memory_equal(l1.v[m1].addr.s, l2.v[m2].addr.s, l1.v[m1].addr.len);
            m1++;
            m2++;
        }
        assert_int_equal(m1, l1.n);
        assert_int_equal(m2, l2.n);
        addr_list_free(&l1);
        addr_list_free(&l2);
        str_free(&o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_case_rules),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_phrase),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_smtp_path),
        cmocka_unit_test(test_smtp_path_roundtrip),
        cmocka_unit_test(test_list_basic),
        cmocka_unit_test(test_list_flags),
        cmocka_unit_test(test_list_groups),
        cmocka_unit_test(test_list_illegal_spaces),
        cmocka_unit_test(test_list_hostile),
        cmocka_unit_test(test_list_deep_nesting),
        cmocka_unit_test(test_list_caps),
        cmocka_unit_test(test_list_big),
        cmocka_unit_test(test_emit),
        cmocka_unit_test(test_rewrite),
        cmocka_unit_test(test_emit_fold),
        cmocka_unit_test(test_emit_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
