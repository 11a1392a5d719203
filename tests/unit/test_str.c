/* Unit tests for lib/str: growth, binary safety, overflow refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "str.h"

static void test_copy_cat(void **state)
{
    (void)state;
    str s = STR_INIT;
    assert_int_equal(str_copys(&s, "abc"), 0);
    assert_int_equal(str_cats(&s, "def"), 0);
    assert_int_equal(str_catc(&s, 0), 0);
    assert_int_equal(str_catb(&s, "x\0y", 3), 0);
    assert_int_equal(s.len, 10);
    assert_memory_equal(s.s, "abcdef\0x\0y", 10);
    assert_int_equal(s.s[s.len], 0);
    str_free(&s);
}

static void test_numbers(void **state)
{
    (void)state;
    str s = STR_INIT;
    assert_int_equal(str_catulong(&s, 0), 0);
    assert_int_equal(str_catc(&s, ' '), 0);
    assert_int_equal(str_catulong(&s, 18446744073709551615UL), 0);
    assert_int_equal(str_catc(&s, ' '), 0);
    assert_int_equal(str_catlong(&s, -9223372036854775807L - 1), 0);
    assert_string_equal(s.s, "0 18446744073709551615 -9223372036854775808");
    unsigned long u = 7;
    assert_int_equal(scan_ulong("123x", 4, &u), 3);
    assert_int_equal(u, 123);
    assert_int_equal(scan_ulong("99999999999999999999999", 23, &u), 0); /* overflow */
    assert_int_equal(scan_ulong("", 0, &u), 0);
    str_free(&s);
}

static void test_self_append(void **state)
{
    (void)state;
    str s = STR_INIT;
    assert_int_equal(str_copys(&s, "0123456789"), 0);
    for (int i = 0; i < 12; i++) assert_int_equal(str_catb(&s, s.s, s.len), 0);
    assert_int_equal(s.len, 10u << 12);
    assert_memory_equal(s.s + s.len - 10, "0123456789", 10);
    str_free(&s);
}

static void test_overflow_refused(void **state)
{
    (void)state;
    str s = STR_INIT;
    size_t out = 0;
    assert_int_equal(size_add(SIZE_MAX, 1, &out), -1);
    assert_int_equal(size_add(SIZE_MAX - 1, 1, &out), 0);
    assert_int_equal(out, SIZE_MAX);
    assert_int_equal(size_mul(SIZE_MAX / 2 + 1, 2, &out), -1);
    assert_int_equal(str_copys(&s, "keep"), 0);
    errno = 0;
    assert_int_equal(str_ready(&s, SIZE_MAX), -1);
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(str_readyplus(&s, SIZE_MAX - 2), -1);
    assert_string_equal(s.s, "keep"); /* unchanged after refusal */
    str_free(&s);
}

static void test_queries(void **state)
{
    (void)state;
    str s = STR_INIT;
    assert_int_equal(str_chr(&s, 'a'), -1); /* empty, NULL buffer */
    assert_int_equal(str_copys(&s, "User@Example.COM"), 0);
    assert_int_equal(str_chr(&s, '@'), 4);
    assert_int_equal(str_rchr(&s, '.'), 12);
    assert_true(str_starts(&s, "User"));
    assert_false(str_starts(&s, "User@Example.COM+"));
    str_lower(&s);
    assert_true(str_equals(&s, "user@example.com"));
    assert_true(case_equals("ABC\xff", "abc\xff"));
    assert_false(case_equals("abc", "abcd"));
    assert_true(case_starts("Received: x", 11, "received:"));
    assert_int_equal(str_catf(&s, "%0300d", 5), 0);
    assert_int_equal(s.len, 16 + 300);
    str_truncate(&s, 4);
    assert_string_equal(s.s, "user");
    str_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_cat),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_self_append),
        cmocka_unit_test(test_overflow_refused),
        cmocka_unit_test(test_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
