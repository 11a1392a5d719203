/* Unit tests for lib/cookie: HMAC vectors, token encoding, verification, random. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cookie.h"

static void hex(char *out, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

static void test_hmac_vectors(void **state)
{
    (void)state;
    unsigned char mac[COOKIE_HMACLEN], key[20];
    char h[2 * COOKIE_HMACLEN + 1];

    /* RFC 4231 test cases 1 and 2 */
    memset(key, 0x0b, sizeof key);
    assert_int_equal(cookie_hmac(mac, key, sizeof key, "Hi There", 8), 0);
    hex(h, mac, sizeof mac);
    assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    assert_int_equal(cookie_hmac(mac, "Jefe", 4, "what do ya want for nothing?", 28), 0);
    hex(h, mac, sizeof mac);
    assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* empty key and data */
    assert_int_equal(cookie_hmac(mac, NULL, 0, NULL, 0), 0);
    hex(h, mac, sizeof mac);
    assert_string_equal(h, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    assert_int_equal(cookie_hmac(mac, "", 0, "", 0), 0);
    hex(h, mac, sizeof mac);
    assert_string_equal(h, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    /* a key longer than the block size, data with NUL bytes */
    {
        unsigned char longkey[200], mac2[COOKIE_HMACLEN];
        memset(longkey, 0xaa, sizeof longkey);
        assert_int_equal(cookie_hmac(mac, longkey, sizeof longkey, "a\0b", 3), 0);
        assert_int_equal(cookie_hmac(mac2, longkey, sizeof longkey, "a\0c", 3), 0);
        assert_memory_not_equal(mac, mac2, sizeof mac);
    }
    errno = 0;
    assert_int_equal(cookie_hmac(mac, NULL, 5, "x", 1), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(cookie_hmac(mac, "k", 1, NULL, 5), -1);
}

static void test_make(void **state)
{
    (void)state;
    char tok[COOKIE_MAXLEN + 1];
    const struct cookie_part p[] = {
        { "1234567890", 10 }, { "user@example.com", 16 }, { "s", 1 },
    };
    /* cross-checked with Python: base32(hmac(key, ∑ be64(len) || part)).lower() */
    assert_int_equal(cookie_make(tok, 20, "secretkey", 9, p, 3), 0);
    assert_string_equal(tok, "fijcxweddfacah77ddai");
    assert_int_equal(cookie_make(tok, COOKIE_MAXLEN, "secretkey", 9, p, 3), 0);
    assert_string_equal(tok, "fijcxweddfacah77ddaivb2bysuini45aiqj676rts6wyjzfx54");
    assert_int_equal(cookie_make(tok, 1, "secretkey", 9, p, 3), 0);
    assert_string_equal(tok, "f");
    assert_int_equal(cookie_make(tok, 20, NULL, 0, NULL, 0), 0);
    assert_string_equal(tok, "wyjwpgqictm6y5zpsxlx");
    {
        const struct cookie_part q[] = { { "a\0b", 3 }, { NULL, 0 } };
        assert_int_equal(cookie_make(tok, 51, "k", 1, q, 2), 0);
        assert_string_equal(tok, "xos2ch62u4vrr2h6e7e6vgroa5sd3rcolukxdshuor222wh5uos");
    }
    for (size_t i = 0; i < strlen(tok); i++)
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", tok[i]));
    errno = 0;
    assert_int_equal(cookie_make(tok, 0, "k", 1, p, 3), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(cookie_make(tok, COOKIE_MAXLEN + 1, "k", 1, p, 3), -1);
    assert_int_equal(cookie_make(tok, (size_t)-1, "k", 1, p, 3), -1);
    assert_int_equal(cookie_make(tok, 20, "k", 1, NULL, 2), -1);
}

/* Length prefixes keep part boundaries apart. */
static void test_parts_distinct(void **state)
{
    (void)state;
    char a[21], b[21], c[21], d[21], e[21];
    const struct cookie_part p1[] = { { "ab", 2 }, { "c", 1 } };
    const struct cookie_part p2[] = { { "a", 1 }, { "bc", 2 } };
    const struct cookie_part p3[] = { { "abc", 3 } };
    const struct cookie_part p4[] = { { "abc", 3 }, { "", 0 } };
    const struct cookie_part p5[] = { { "\0\0\0\0\0\0\0\3abc", 11 } };
    assert_int_equal(cookie_make(a, 20, "k", 1, p1, 2), 0);
    assert_int_equal(cookie_make(b, 20, "k", 1, p2, 2), 0);
    assert_int_equal(cookie_make(c, 20, "k", 1, p3, 1), 0);
    assert_int_equal(cookie_make(d, 20, "k", 1, p4, 2), 0);
    assert_int_equal(cookie_make(e, 20, "k", 1, p5, 1), 0);
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(b, c);
    assert_string_not_equal(c, d);
    assert_string_not_equal(c, e);
    assert_string_not_equal(d, e);
    /* key matters, including a key that is a prefix of another */
    assert_int_equal(cookie_make(d, 20, "kk", 2, p3, 1), 0);
    assert_string_not_equal(c, d);
    /* an HMAC property, documented in cookie.h: trailing NULs of a key do not count */
    assert_int_equal(cookie_make(d, 20, "k\0", 2, p3, 1), 0);
    assert_string_equal(c, d);
}

static void test_verify(void **state)
{
    (void)state;
    char tok[21], bad[21];
    const struct cookie_part p[] = { { "1234567890.4321", 15 }, { "", 0 }, { "a", 1 } };
    assert_int_equal(cookie_make(tok, 20, "listkey", 7, p, 3), 0);
    assert_int_equal(cookie_verify(tok, 20, 20, "listkey", 7, p, 3), 1);
    /* upper-cased by some MTA: still valid */
    memcpy(bad, tok, sizeof tok);
    for (int i = 0; i < 20; i++) if (bad[i] >= 'a' && bad[i] <= 'z') bad[i] = (char)(bad[i] - 32);
    assert_int_equal(cookie_verify(bad, 20, 20, "listkey", 7, p, 3), 1);
    /* every single-character change is rejected */
    for (int i = 0; i < 20; i++) {
        memcpy(bad, tok, sizeof tok);
        bad[i] = bad[i] == 'a' ? 'b' : 'a';
        assert_int_equal(cookie_verify(bad, 20, 20, "listkey", 7, p, 3), 0);
    }
    /* bytes that fold onto letters only by accident are not letters */
    memcpy(bad, tok, sizeof tok);
    bad[0] = (char)(tok[0] ^ 0x20);   /* upper-case letter or a non-letter */
    if (tok[0] >= 'a' && tok[0] <= 'z')
        assert_int_equal(cookie_verify(bad, 20, 20, "listkey", 7, p, 3), 1);
    else
        assert_int_equal(cookie_verify(bad, 20, 20, "listkey", 7, p, 3), 0);
    /* wrong lengths, wrong key, wrong data, hostile bytes */
    assert_int_equal(cookie_verify(tok, 19, 20, "listkey", 7, p, 3), 0);
    assert_int_equal(cookie_verify(tok, 19, 19, "listkey", 7, p, 3), 1);
    assert_int_equal(cookie_verify(tok, 0, 20, "listkey", 7, p, 3), 0);
    assert_int_equal(cookie_verify(NULL, 0, 20, "listkey", 7, p, 3), 0);
    assert_int_equal(cookie_verify(tok, 20, 20, "listke", 6, p, 3), 0);
    assert_int_equal(cookie_verify(tok, 20, 20, "listkey", 7, p, 2), 0);
    assert_int_equal(cookie_verify("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20, 20, "listkey", 7, p, 3), 0);
    assert_int_equal(cookie_verify("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
                                   20, 20, "listkey", 7, p, 3), 0);
    errno = 0;
    assert_int_equal(cookie_verify(tok, 20, 0, "listkey", 7, p, 3), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(cookie_verify(tok, 20, 52, "listkey", 7, p, 3), -1);
}

static void test_random(void **state)
{
    (void)state;
    unsigned char a[64], b[64], zero[64] = { 0 };
    assert_int_equal(cookie_random(a, sizeof a), 0);
    assert_int_equal(cookie_random(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a, zero, sizeof a);
    assert_int_equal(cookie_random(a, 0), 0);
    assert_int_equal(cookie_random(NULL, 0), 0);
    assert_int_equal(cookie_random(NULL, 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_make),
        cmocka_unit_test(test_parts_distinct),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
