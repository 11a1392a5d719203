/* Unit tests for lib/charset: the built-in ISO-8859-1 converter must give
 * exactly glibc's bytes for every byte value, honour iconv's E2BIG
 * contract with a too-small output, and the labels; other charsets go to
 * iconv; unknown ones fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "charset.h"

static size_t run_all(charset_conv *c, const char *in, size_t n, char *out, size_t cap)
{
    char *ip = (char *)in, *op = out;
    size_t il = n, ol = cap;
    assert_int_not_equal(charset_conv_run(c, &ip, &il, &op, &ol), (size_t)-1);
    assert_int_equal(il, 0);
    return cap - ol;
}

static void test_latin1_matches_glibc(void **state)
{
    (void)state;
    char in[256], a[600], b[600];
    charset_conv ours;
    for (int i = 0; i < 256; i++) in[i] = (char)i;
    assert_int_equal(charset_open(&ours, "ISO-8859-1"), 0);
    assert_int_equal(ours.kind, CHARSET_LATIN1);
    size_t na = run_all(&ours, in, sizeof in, a, sizeof a);
    iconv_t cd = iconv_open("UTF-8", "ISO-8859-1");
    assert_true(cd != (iconv_t)-1);
    char *ip = in, *op = b;
    size_t il = sizeof in, ol = sizeof b;
    assert_int_not_equal(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
    iconv_close(cd);
    assert_int_equal(na, sizeof b - ol);
    assert_memory_equal(a, b, na);
    assert_int_equal(na, 128 + 2 * 128);
    charset_close(&ours);
    charset_close(&ours); /* twice is harmless */
}

static void test_latin1_e2big(void **state)
{
    (void)state;
    charset_conv c;
    char in[] = "a\xe9z", out[3];
    char *ip = in, *op = out;
    size_t il = 3, ol = 2;
    assert_int_equal(charset_open(&c, "latin1"), 0);
    /* "a" fits, the two bytes of e-acute do not: stops before it */
    assert_int_equal(charset_conv_run(&c, &ip, &il, &op, &ol), (size_t)-1);
    assert_int_equal(errno, E2BIG);
    assert_int_equal(il, 2);
    assert_int_equal(op - out, 1);
    assert_int_equal(out[0], 'a');
    ol = 2;
    assert_int_equal(charset_conv_run(&c, &ip, &il, &op, &ol), (size_t)-1); /* z no room */
    assert_int_equal(il, 1);
    assert_memory_equal(out, "a\xc3\xa9", 3);
    /* a reset writes nothing */
    ol = 0;
    assert_int_equal(charset_conv_run(&c, NULL, NULL, &op, &ol), 0);
    charset_close(&c);
}

static void test_labels(void **state)
{
    (void)state;
    charset_conv c;
    const char *l1[] = { "iso-8859-1", "ISO8859-1", "iso_8859-1", "Latin1", "l1", "CP819", 0 };
    for (int i = 0; l1[i]; i++) assert_int_equal(charset_is_latin1(l1[i]), 1);
    assert_int_equal(charset_is_latin1("iso-8859-15"), 0);
    assert_int_equal(charset_is_latin1("windows-1252"), 0);
    assert_int_equal(charset_is_latin1(""), 0);
    assert_int_equal(charset_open(&c, "iso-8859-15"), 0);
    assert_int_equal(c.kind, CHARSET_ICONV);
    char out[8];
    size_t n = run_all(&c, "\xa4", 1, out, sizeof out); /* the euro sign */
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\xe2\x82\xac", 3);
    charset_close(&c);
    assert_int_equal(charset_open(&c, "no-such-charset-x"), -1);
    assert_int_equal(c.kind, CHARSET_NONE);
    charset_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latin1_matches_glibc),
        cmocka_unit_test(test_latin1_e2big),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
