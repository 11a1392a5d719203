/* Unit tests for lib/netstring: writing, reading from a buf and from
 * memory, and hostile lengths (huge, overflowing, leading zeros, missing
 * ':' or ',', truncation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netstring.h"

#define S(x) x, sizeof(x) - 1

static int pipe_with(const char *data, size_t len)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_true(len < 60000);
    if (len) assert_int_equal(write(p[1], data, len), (ssize_t)len);
    close(p[1]);
    return p[0];
}

static void test_write(void **state)
{
    (void)state;
    str o = STR_INIT;
    assert_int_equal(netstring_cat(&o, S("hello world!")), 0);
    assert_string_equal(o.s, "12:hello world!,");
    assert_int_equal(netstring_cat(&o, "", 0), 0);
    assert_string_equal(o.s, "12:hello world!,0:,");
    str_truncate(&o, 0);
    assert_int_equal(netstring_cat(&o, S("a\0b")), 0);
    assert_int_equal(o.len, 6);
    assert_memory_equal(o.s, "3:a\0b,", 6);
    str_truncate(&o, 0);
    assert_int_equal(netstring_catlen(&o, 1234567890), 0);
    assert_string_equal(o.s, "1234567890:");
    str_truncate(&o, 0);
    assert_int_equal(netstring_catlen(&o, SIZE_MAX), 0);
    char want[40];
    snprintf(want, sizeof want, "%zu:", (size_t)SIZE_MAX);
    assert_string_equal(o.s, want);
    str_free(&o);
}

static void test_read_buf(void **state)
{
    (void)state;
    char space[16]; /* small: the payload spans several refills */
    buf b;
    str s = STR_INIT;
    size_t used, len;
    static const char in[] = "12:hello world!,0:,3:a\0b,5:abcde,";
    int fd = pipe_with(in, sizeof in - 1);
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(netstring_get(&b, &s, 100, &used), NETSTRING_OK);
    assert_int_equal(used, 16);
    assert_string_equal(s.s, "hello world!");
    assert_int_equal(netstring_get(&b, &s, 100, &used), NETSTRING_OK);
    assert_int_equal(used, 3);
    assert_int_equal(s.len, 0);
    assert_int_equal(netstring_get(&b, &s, 100, NULL), NETSTRING_OK);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.s, "a\0b", 3);
    /* getlen + streamed payload + getcomma */
    assert_int_equal(netstring_getlen(&b, 5, &len, &used), NETSTRING_OK);
    assert_int_equal(len, 5);
    assert_int_equal(used, 2);
    char pay[5];
    assert_int_equal(buf_read(&b, pay, 5), 5);
    assert_int_equal(netstring_getcomma(&b), NETSTRING_OK);
    assert_int_equal(netstring_get(&b, &s, 100, &used), NETSTRING_EOF);
    assert_int_equal(used, 0);
    close(fd);
    str_free(&s);
}

static int get_one(const char *in, size_t inlen, size_t max, str *s, size_t *used)
{
    char space[64];
    buf b;
    int fd = pipe_with(in, inlen);
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    int r = netstring_get(&b, s, max, used);
    close(fd);
    return r;
}

static void test_hostile_buf(void **state)
{
    (void)state;
    str s = STR_INIT;
    size_t used;
    /* leading zeros */
    assert_int_equal(get_one(S("01:a,"), 100, &s, &used), NETSTRING_BAD);
    assert_int_equal(get_one(S("00:,"), 100, &s, &used), NETSTRING_BAD);
    assert_int_equal(get_one(S("0:,"), 100, &s, &used), NETSTRING_OK);
    /* not digits, no length, blanks, signs */
    assert_int_equal(get_one(S(":a,"), 100, &s, &used), NETSTRING_BAD);
    assert_int_equal(get_one(S("x:a,"), 100, &s, &used), NETSTRING_BAD);
    assert_int_equal(get_one(S(" 1:a,"), 100, &s, &used), NETSTRING_BAD);
    assert_int_equal(get_one(S("-1:a,"), 100, &s, &used), NETSTRING_BAD);
    assert_int_equal(get_one(S("1 :a,"), 100, &s, &used), NETSTRING_BAD);
    /* missing comma / wrong terminator */
    assert_int_equal(get_one(S("1:ab"), 100, &s, &used), NETSTRING_BAD);
    assert_int_equal(get_one(S("1:a;"), 100, &s, &used), NETSTRING_BAD);
    /* truncated everywhere */
    assert_int_equal(get_one(S("12"), 100, &s, &used), NETSTRING_TRUNC);
    assert_int_equal(used, 2);
    assert_int_equal(get_one(S("3:"), 100, &s, &used), NETSTRING_TRUNC);
    assert_int_equal(get_one(S("3:ab"), 100, &s, &used), NETSTRING_TRUNC);
    assert_int_equal(used, 4);
    assert_int_equal(get_one(S("3:abc"), 100, &s, &used), NETSTRING_TRUNC);
    assert_int_equal(get_one("", 0, 100, &s, &used), NETSTRING_EOF);
    /* huge and overflowing lengths stop early */
    assert_int_equal(get_one(S("101:"), 100, &s, &used), NETSTRING_TOOBIG);
    assert_int_equal(used, 3);
    assert_int_equal(get_one(S("100:"), 100, &s, &used), NETSTRING_TRUNC);
    assert_int_equal(get_one(S("99999999999999999999999999999999999999:"), 100, &s, &used),
                     NETSTRING_TOOBIG);
    assert_true(used <= 3);
    assert_int_equal(get_one(S("18446744073709551616:"), SIZE_MAX, &s, &used),
                     NETSTRING_TOOBIG);
    assert_int_equal(get_one(S("184467440737095516150:"), SIZE_MAX, &s, &used),
                     NETSTRING_TOOBIG);
    assert_int_equal(get_one(S("5:"), 0, &s, &used), NETSTRING_TOOBIG);
    assert_int_equal(get_one(S("0:,"), 0, &s, &used), NETSTRING_OK);
    str_free(&s);
}

static void test_getlen_max_edge(void **state)
{
    (void)state;
    char space[64];
    buf b;
    size_t len, used;
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%zu:", (size_t)SIZE_MAX);
    int fd = pipe_with(tmp, (size_t)n);
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(netstring_getlen(&b, SIZE_MAX, &len, &used), NETSTRING_OK);
    assert_true(len == SIZE_MAX);
    assert_int_equal(used, (size_t)n);
    close(fd);
    /* a bad byte is reported and consumed; the next call sees what follows */
    fd = pipe_with(S("1x"));
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(netstring_getlen(&b, 10, &len, &used), NETSTRING_BAD);
    assert_int_equal(used, 2);
    assert_int_equal(netstring_getcomma(&b), NETSTRING_TRUNC);
    close(fd);
}

static void test_parse_mem(void **state)
{
    (void)state;
    size_t st, len, next;
    assert_int_equal(netstring_parse(S("5:hello,rest"), 100, &st, &len, &next), NETSTRING_OK);
    assert_int_equal(st, 2);
    assert_int_equal(len, 5);
    assert_int_equal(next, 8);
    assert_int_equal(netstring_parse(S("0:,"), 100, &st, &len, &next), NETSTRING_OK);
    assert_int_equal(len, 0);
    assert_int_equal(next, 3);
    assert_int_equal(netstring_parse("", 0, 100, &st, &len, &next), NETSTRING_EOF);
    assert_int_equal(netstring_parse(S("5"), 100, &st, &len, &next), NETSTRING_TRUNC);
    assert_int_equal(netstring_parse(S("5:hel"), 100, &st, &len, &next), NETSTRING_TRUNC);
    assert_int_equal(netstring_parse(S("5:hello"), 100, &st, &len, &next), NETSTRING_TRUNC);
    assert_int_equal(netstring_parse(S("5:hello;"), 100, &st, &len, &next), NETSTRING_BAD);
    assert_int_equal(netstring_parse(S("05:hello,"), 100, &st, &len, &next), NETSTRING_BAD);
    assert_int_equal(netstring_parse(S(":,"), 100, &st, &len, &next), NETSTRING_BAD);
    assert_int_equal(netstring_parse(S("6:hello,"), 5, &st, &len, &next), NETSTRING_TOOBIG);
    assert_int_equal(netstring_parse(S("99999999999999999999999999:"), SIZE_MAX, &st, &len, &next),
                     NETSTRING_TOOBIG);
    /* a length that claims more than the buffer never reads past it */
    char *heap = malloc(4);
    memcpy(heap, "9:ab", 4);
    assert_int_equal(netstring_parse(heap, 4, 100, &st, &len, &next), NETSTRING_TRUNC);
    free(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_read_buf),
        cmocka_unit_test(test_hostile_buf),
        cmocka_unit_test(test_getlen_max_edge),
        cmocka_unit_test(test_parse_mem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
