/* Unit tests for lib/hdr: the header iterator, unfolding, field lookup and
 * RFC 2047 decoding, with hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"

#define S(x) x, sizeof(x) - 1

static int field_is(const hdr_field *f, const char *name, const char *value)
{
    return f->name_len == strlen(name) && memcmp(f->name, name, f->name_len) == 0 &&
           f->value_len == strlen(value) && memcmp(f->value, value, f->value_len) == 0;
}

static char *decode(const char *s, size_t len)
{
    str o = STR_INIT;
    assert_int_equal(hdr_decode2047(&o, s, len), 0);
    assert_non_null(o.s);
    return o.s;
}

static void check_dec(const char *in, const char *want)
{
    char *got = decode(in, strlen(in));
    assert_string_equal(got, want);
    free(got);
}

/* ---- iterator -------------------------------------------------------------------- */

static void test_iter_basic(void **state)
{
    (void)state;
    const char m[] = "From: a@b\nSubject: hi\n there\r\nX-Empty:\nTo :x\n\nbody\n";
    hdr_iter it;
    hdr_field f;
    hdr_iter_init(&it, m, sizeof m - 1);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "From", " a@b"));
    assert_int_equal(f.offset, 0);
    assert_int_equal(f.raw_len, 10);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "Subject", " hi\n there"));
    assert_int_equal(f.raw_len, strlen("Subject: hi\n there\r\n"));
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "X-Empty", ""));
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "To", "x"));
    assert_int_equal(hdr_next(&it, &f), HDR_END);
    assert_int_equal(it.body, sizeof m - 1 - 5);
    assert_memory_equal(m + it.body, "body\n", 5);
    /* sticky */
    assert_int_equal(hdr_next(&it, &f), HDR_END);
    assert_int_equal(f.raw_len, 0);
}

static void test_iter_crlf(void **state)
{
    (void)state;
    const char m[] = "A: 1\r\nB: 2\r\n\t3\r\n\r\nbody";
    hdr_iter it;
    hdr_field f;
    hdr_iter_init(&it, m, sizeof m - 1);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "A", " 1"));
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "B", " 2\r\n\t3"));
    assert_int_equal(hdr_next(&it, &f), HDR_END);
    assert_string_equal(m + it.body, "body");
}

static void test_iter_ends(void **state)
{
    (void)state;
    hdr_iter it;
    hdr_field f;

    /* empty buffer, NULL buffer */
    hdr_iter_init(&it, "", 0);
    assert_int_equal(hdr_next(&it, &f), HDR_EOF);
    assert_int_equal(it.body, 0);
    hdr_iter_init(&it, NULL, 5);
    assert_int_equal(hdr_next(&it, &f), HDR_EOF);

    /* body starts right away */
    hdr_iter_init(&it, S("\nbody"));
    assert_int_equal(hdr_next(&it, &f), HDR_END);
    assert_int_equal(it.body, 1);
    hdr_iter_init(&it, S("\r\nbody"));
    assert_int_equal(hdr_next(&it, &f), HDR_END);
    assert_int_equal(it.body, 2);

    /* folded field at end of buffer without a final newline */
    const char m1[] = "A: x\nSubject: one\n\ttwo\n three";
    hdr_iter_init(&it, m1, sizeof m1 - 1);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "Subject", " one\n\ttwo\n three"));
    assert_int_equal(f.raw_len, sizeof m1 - 1 - 5);
    assert_int_equal(hdr_next(&it, &f), HDR_EOF);
    assert_int_equal(it.body, sizeof m1 - 1);

    /* a lone CR at the end */
    hdr_iter_init(&it, S("A: x\n\r"));
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_int_equal(hdr_next(&it, &f), HDR_EOF);
    assert_int_equal(it.body, 6);
    /* a field ending in CR at EOF: the CR is not part of the value */
    hdr_iter_init(&it, S("A: x\r"));
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "A", " x"));
    assert_int_equal(f.raw_len, 5);
}

static void test_iter_badline(void **state)
{
    (void)state;
    hdr_iter it;
    hdr_field f;
    const char m[] = "A: 1\nthis is not a header\nB: 2\n\nbody";
    hdr_iter_init(&it, m, sizeof m - 1);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_int_equal(hdr_next(&it, &f), HDR_BADLINE);
    assert_int_equal(it.body, 5);
    assert_int_equal(f.offset, 5);
    assert_int_equal(f.value_len, strlen("this is not a header"));
    assert_int_equal(f.raw_len, strlen("this is not a header\n"));
    assert_int_equal(f.name_len, 0);
    assert_int_equal(hdr_next(&it, &f), HDR_BADLINE); /* sticky, same line */
    assert_int_equal(f.offset, 5);

    /* leading continuation line, empty name, bad bytes in the name */
    const char *bad[] = { " x: y\n", ": y\n", "A\x01: y\n", "\xc3\xa9: y\n", "A B: y\n", "noColon\n",
                          "\tx\n" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hdr_iter_init(&it, bad[i], strlen(bad[i]));
        assert_int_equal(hdr_next(&it, &f), HDR_BADLINE);
        assert_int_equal(it.body, 0);
    }
    /* NUL in the name is a bad line; NUL in the value is fine */
    hdr_iter_init(&it, S("A\0B: y\n"));
    assert_int_equal(hdr_next(&it, &f), HDR_BADLINE);
    hdr_iter_init(&it, S("AB: y\0z\n\n"));
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_int_equal(f.value_len, 4);
    assert_memory_equal(f.value, " y\0z", 4);
    /* name then blanks then colon is a field */
    hdr_iter_init(&it, S("Subject \t: x\n"));
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "Subject", " x"));
}

static void test_iter_mbox(void **state)
{
    (void)state;
    hdr_iter it;
    hdr_field f;
    const char m[] = "From joe@x Mon Jan  1 00:00:00 2024\nFrom: joe@x\nFrom x\n y\n\n";
    hdr_iter_init(&it, m, sizeof m - 1);
    assert_int_equal(hdr_next(&it, &f), HDR_MBOX);
    assert_true(field_is(&f, "From", "joe@x Mon Jan  1 00:00:00 2024"));
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "From", " joe@x"));
    assert_int_equal(hdr_next(&it, &f), HDR_MBOX);
    assert_true(field_is(&f, "From", "x\n y"));
    assert_int_equal(hdr_next(&it, &f), HDR_END);
    hdr_iter_init(&it, S(">From x\n"));
    assert_int_equal(hdr_next(&it, &f), HDR_BADLINE);
    hdr_iter_init(&it, S("From \n"));
    assert_int_equal(hdr_next(&it, &f), HDR_MBOX);
    assert_int_equal(f.value_len, 0);
}

static void test_iter_big(void **state)
{
    (void)state;
    /* a 1 MB field folded every 70 bytes, and one 1 MB line */
    size_t n = 1 << 20, len = 0;
    char *m = malloc(n + 64);
    assert_non_null(m);
    memcpy(m, "X-Big:", 6);
    len = 6;
    for (; len < n; len++) m[len] = (len % 72 == 0) ? '\n' : (len % 72 == 1 ? '\t' : 'a');
    memcpy(m + len, "\nB: c\n\n", 7);
    len += 7;
    hdr_iter it;
    hdr_field f;
    hdr_iter_init(&it, m, len);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(hdr_is(&f, "x-big"));
    assert_int_equal(f.value_len, n - 6);
    str v = STR_INIT;
    assert_int_equal(hdr_value(&v, &f), 0);
    assert_true(v.len < n - 6);
    assert_null(memchr(v.s, '\n', v.len));
    str_free(&v);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_true(field_is(&f, "B", " c"));
    assert_int_equal(hdr_next(&it, &f), HDR_END);

    memset(m + 6, 'z', n - 6);
    hdr_iter_init(&it, m, n);
    assert_int_equal(hdr_next(&it, &f), HDR_FIELD);
    assert_int_equal(f.value_len, n - 6);
    assert_int_equal(hdr_next(&it, &f), HDR_EOF);
    free(m);
}

/* ---- lookup ------------------------------------------------------------------------------ */

static void test_find(void **state)
{
    (void)state;
    const char m[] = "To: a@b\nCC: c@d\nSubject: x\nto: e@f,\n g@h\nX: y\n\nTo: body@x\n";
    hdr_iter it;
    hdr_field f;
    hdr_iter_init(&it, m, sizeof m - 1);
    assert_int_equal(hdr_find(&it, "TO", &f), 1);
    assert_true(field_is(&f, "To", " a@b"));
    assert_int_equal(hdr_find(&it, "to", &f), 1);
    assert_true(field_is(&f, "to", " e@f,\n g@h"));
    assert_int_equal(hdr_find(&it, "To", &f), 0); /* the body's To: is not a field */
    assert_int_equal(hdr_find(&it, "To", &f), 0);

    assert_true(hdr_name_eq("Content-TYPE", 12, "content-type"));
    assert_false(hdr_name_eq("Content-TYPE", 11, "content-type"));
    assert_false(hdr_name_eq("Content", 7, "content-type"));

    str o = STR_INIT;
    assert_int_equal(hdr_collect(&o, m, sizeof m - 1, "to", ", "), 2);
    assert_string_equal(o.s, "a@b, e@f, g@h");
    assert_int_equal(hdr_collect(&o, m, sizeof m - 1, "Nope", ", "), 0);
    assert_string_equal(o.s, "a@b, e@f, g@h");
    assert_int_equal(hdr_collect(&o, m, sizeof m - 1, "cc", ", "), 1);
    assert_string_equal(o.s, "a@b, e@f, g@hc@d");
    str_free(&o);
}

/* ---- unfold, trim ------------------------------------------------------------------------------ */

static void test_unfold(void **state)
{
    (void)state;
    str o = STR_INIT;
    assert_int_equal(hdr_unfold(&o, S(" Hello\n folded\r\n\tagain\rx"), HDR_UNFOLD_DELETE), 0);
    assert_string_equal(o.s, " Hello folded\tagain\rx");
    str_truncate(&o, 0);
    assert_int_equal(hdr_unfold(&o, S("Hello\n folded"), HDR_UNFOLD_SPACE), 0);
    assert_string_equal(o.s, "Hello  folded");
    str_truncate(&o, 0);
    assert_int_equal(hdr_unfold(&o, S("\r\n\n\r"), HDR_UNFOLD_SPACE), 0);
    assert_string_equal(o.s, "  \r");
    str_truncate(&o, 0);
    /* reformail -c: the break and the white space after it become one space */
    assert_int_equal(hdr_unfold(&o, S("Subject: a  \n   b\r\n\t \n\v\fc\n"), HDR_UNFOLD_COLLAPSE), 0);
    assert_string_equal(o.s, "Subject: a   b\r c");
    str_truncate(&o, 0);
    assert_int_equal(hdr_unfold(&o, S("x\n \t\r\n"), HDR_UNFOLD_COLLAPSE), 0);
    assert_string_equal(o.s, "x");
    str_truncate(&o, 0);
    assert_int_equal(hdr_unfold(&o, S("\n\ny\rz"), HDR_UNFOLD_COLLAPSE), 0);
    assert_string_equal(o.s, " y\rz");
    str_truncate(&o, 0);
    assert_int_equal(hdr_unfold(&o, "", 0, HDR_UNFOLD_DELETE), 0);
    assert_non_null(o.s);
    assert_int_equal(o.len, 0);
    /* overflow: refused before anything is read */
    assert_int_equal(str_copys(&o, "keep"), 0);
    errno = 0;
    assert_int_equal(hdr_unfold(&o, "x", SIZE_MAX, HDR_UNFOLD_DELETE), -1);
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(hdr_unfold(&o, "x", SIZE_MAX - 4, HDR_UNFOLD_DELETE), -1);
    assert_string_equal(o.s, "keep");
    str_free(&o);

    const char *s = " \t\r\n value \r\n\t";
    size_t n = strlen(s);
    hdr_trim(&s, &n);
    assert_int_equal(n, 5);
    assert_memory_equal(s, "value", 5);
    s = " \t ";
    n = 3;
    hdr_trim(&s, &n);
    assert_int_equal(n, 0);
    n = 0;
    hdr_trim(&s, &n);
    assert_int_equal(n, 0);
}

/* ---- RFC 2047 ------------------------------------------------------------------------------------- */

static void test_2047_basic(void **state)
{
    (void)state;
    check_dec("plain text", "plain text");
    check_dec("", "");
    check_dec("=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9");
    check_dec("=?UTF-8?Q?a_b?=", "a b");
    check_dec("=?utf-8?b?Y2Fmw6k=?=", "caf\xc3\xa9");
    check_dec("=?utf-8?B?Y2Fmw6k?=", "caf\xc3\xa9"); /* missing padding tolerated */
    check_dec("=?iso-8859-1?q?caf=E9?=", "caf\xc3\xa9");
    check_dec("=?ISO-8859-15?Q?=A4?=", "\xe2\x82\xac");
    check_dec("=?windows-1252?q?=80?=", "\xe2\x82\xac");
    check_dec("=?us-ascii?q?x?=", "x");
    check_dec("=?utf-8*en?q?lang?=", "lang");
    check_dec("=?utf-8?q?\?=", ""); /* "?\?=": no trigraph */
    check_dec("Re: =?utf-8?q?x?= and =?utf-8?q?y?= end", "Re: x and y end");
    /* adjacent words: white space between them disappears (folds too) */
    check_dec("=?utf-8?q?a?= =?utf-8?q?b?=", "ab");
    check_dec("=?utf-8?q?a?=\r\n\t =?iso-8859-1?q?b?=", "ab");
    check_dec("=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b");
    check_dec("=?utf-8?q?a_?= =?utf-8?q?_b?=", "a  b");
    /* words next to text (not RFC, but common) */
    check_dec("x=?utf-8?q?a?=y", "xay");
    /* a UTF-8 character split across two words */
    check_dec("=?utf-8?b?w6g=?= =?utf-8?q?=C3?= =?utf-8?q?=A9?=", "\xc3\xa8\xc3\xa9");
    /* ISO-2022-JP (stateful): escape sequences inside the word */
    check_dec("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88");
    /* the maildrop example */
    check_dec("=?utf-8?q?caf=C3=A9?= =?iso-8859-1?q?_caf=E9?=", "caf\xc3\xa9 caf\xc3\xa9");
}

static void test_2047_malformed(void **state)
{
    (void)state;
    const char *lit[] = {
        "=?", "=?=", "=?utf-8", "=?utf-8?", "=?utf-8?q", "=?utf-8?q?", "=?utf-8?q?abc",
        "=?utf-8?q?abc?", "=?utf-8?q?abc?x", "=??q?abc?=", "=?utf-8?x?abc?=",
        "=?utf-8?qq?abc?=", "=?utf-8?q?a b?=", "=?utf 8?q?a?=", "=?*en?q?a?=",
        "=?utf-8?q?=4?=", "=?utf-8?q?=G1?=", "=?utf-8?q?=?=", "=?utf-8?q?a=?=",
        "=?utf-8?b?Y?=", "=?utf-8?b?Y2F*?=", "=?utf-8?b?Y2Fm=w6k?=", "=?utf-8?b?Y2===?=",
        "=?utf-8?b?Y2Fm====?=", "=?utf-8?b?Y2E=x?=", "=?ut\xff-8?q?a?=", "?=", "=?\n?q?a?=",
    };
    for (size_t i = 0; i < sizeof lit / sizeof *lit; i++) check_dec(lit[i], lit[i]);

    /* a bad word between good ones stays, and breaks adjacency */
    check_dec("=?utf-8?q?a?= =?utf-8?q?=ZZ?= =?utf-8?q?b?=", "a =?utf-8?q?=ZZ?= b");
    check_dec("=?utf-8?q?a?= =?bad", "a =?bad");
    check_dec("==?utf-8?q?a?=", "=a");
    check_dec("=?=?utf-8?q?a?=", "=?a");
    check_dec("=?utf-8?q?=?utf-8?q?a?=", "=?utf-8?q?a");

    /* charset label too long */
    char cs[HDR_CHARSET_MAX + 32];
    memset(cs, 'a', sizeof cs);
    str in = STR_INIT;
    assert_int_equal(str_cats(&in, "=?"), 0);
    assert_int_equal(str_catb(&in, cs, HDR_CHARSET_MAX + 1), 0);
    assert_int_equal(str_cats(&in, "?q?x?="), 0);
    check_dec(in.s, in.s);
    str_truncate(&in, 0);
    assert_int_equal(str_cats(&in, "=?utf-8*"), 0);
    assert_int_equal(str_catb(&in, cs, HDR_CHARSET_MAX - 6), 0);
    assert_int_equal(str_cats(&in, "?q?x?="), 0);
    check_dec(in.s, "x");
    str_free(&in);
}

static void test_2047_charsets(void **state)
{
    (void)state;
    /* unknown charset: decoded bytes kept as they are */
    check_dec("=?x-no-such-charset?q?caf=E9?=", "caf\xe9");
    check_dec("=?x-no-such-charset?b?/w==?=", "\xff");
    /* bytes invalid in their charset: kept unconverted */
    check_dec("=?shift_jis?q?=81?=", "\x81");
    check_dec("=?utf-8?q?=FF?=", "\xff"); /* UTF-8 is copied, not validated */
    /* charset names with odd bytes are not passed to iconv */
    check_dec("=?utf-8//translit?q?a?=", "=?utf-8//translit?q?a?=");
    /* different charsets in a row */
    check_dec("=?iso-8859-1?q?=E9?==?x-nope?q?=E9?==?koi8-r?q?=C1?=", "\xc3\xa9\xe9\xd0\xb0");
}

static void test_2047_binary(void **state)
{
    (void)state;
    /* NUL and CR/LF come out of decoding as bytes: the caller sanitizes */
    char *o;
    str in = STR_INIT;
    assert_int_equal(str_catb(&in, S("a\0=?utf-8?q?x=00y=0Az?=\0b")), 0);
    str out = STR_INIT;
    assert_int_equal(hdr_decode2047(&out, in.s, in.len), 0);
    assert_int_equal(out.len, 9);
    assert_memory_equal(out.s, "a\0x\0y\nz\0b", 9);
    str_free(&out);
    str_free(&in);

    /* appends */
    assert_int_equal(str_copys(&out, "Subject: "), 0);
    assert_int_equal(hdr_decode2047(&out, S("=?utf-8?q?hi?=")), 0);
    assert_string_equal(out.s, "Subject: hi");
    str_free(&out);

    /* many words and a long run: linear, no crash */
    size_t n = 200000;
    assert_int_equal(str_ready(&in, 0), 0);
    for (size_t i = 0; i < n / 16; i++) assert_int_equal(str_cats(&in, "=?utf-8?q?=C3=A9?= "), 0);
    o = decode(in.s, in.len);
    assert_int_equal(strlen(o), 2 * (n / 16) + 1); /* the final blank is text */
    free(o);
    str_truncate(&in, 0);
    for (size_t i = 0; i < n; i++) assert_int_equal(str_cats(&in, "=?"), 0);
    o = decode(in.s, in.len);
    assert_int_equal(strlen(o), in.len);
    free(o);
    str_truncate(&in, 0);
    for (size_t i = 0; i < n; i++) assert_int_equal(str_cats(&in, "=?a?q?"), 0);
    o = decode(in.s, in.len);
    assert_int_equal(strlen(o), in.len);
    free(o);
    str_free(&in);
}

static void test_2047_big(void **state)
{
    (void)state;
    /* one 1 MB encoded-word, base64 of 'A' bytes */
    size_t n = 1 << 20;
    str in = STR_INIT;
    assert_int_equal(str_cats(&in, "=?iso-8859-1?b?"), 0);
    for (size_t i = 0; i < n / 4; i++) assert_int_equal(str_cats(&in, "QUFB"), 0);
    assert_int_equal(str_cats(&in, "?="), 0);
    str out = STR_INIT;
    assert_int_equal(hdr_decode2047(&out, in.s, in.len), 0);
    assert_int_equal(out.len, n / 4 * 3);
    assert_int_equal(out.s[0], 'A');
    assert_int_equal(out.s[out.len - 1], 'A');
    str_free(&out);
    /* the same, truncated: literal */
    in.len -= 2;
    assert_int_equal(hdr_decode2047(&out, in.s, in.len), 0);
    assert_int_equal(out.len, in.len);
    str_free(&out);
    str_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iter_basic),
        cmocka_unit_test(test_iter_crlf),
        cmocka_unit_test(test_iter_ends),
        cmocka_unit_test(test_iter_badline),
        cmocka_unit_test(test_iter_mbox),
        cmocka_unit_test(test_iter_big),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_unfold),
        cmocka_unit_test(test_2047_basic),
        cmocka_unit_test(test_2047_malformed),
        cmocka_unit_test(test_2047_charsets),
        cmocka_unit_test(test_2047_binary),
        cmocka_unit_test(test_2047_big),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
