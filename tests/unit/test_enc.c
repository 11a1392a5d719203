/* Unit tests for lib/enc: quoted-printable, base64 and RFC 2047 encoders
 * (exact bytes where tests of the list tools and the autoresponder depend
 * on them), the lenient and strict decoders and the UTF-8 check, with
 * hostile input: every byte value, very long words, empty input, bad
 * charsets, invalid base64 and quoted-printable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "hdr.h"

static void all_bytes(char *b)
{
    for (int i = 0; i < 256; i++) b[i] = (char)i;
}

/* every output line at most max bytes (the first counted from col), only
 * printable ASCII and LF */
static void check_lines(const str *o, size_t col, size_t max)
{
    size_t start = 0;
    for (size_t i = 0; i <= o->len; ++i) {
        if (i == o->len || o->s[i] == '\n') {
            assert_true(i - start + (start ? 0 : col) <= max);
            start = i + 1;
        } else {
            unsigned char c = (unsigned char)o->s[i];
            assert_true(c >= 32 && c < 127);
        }
    }
}

/* ---- UTF-8 ---------------------------------------------------------------------- */

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(enc_utf8_len("a", 1), 1);
    assert_int_equal(enc_utf8_len("", 0), 0);
    assert_int_equal(enc_utf8_len("\xc3\xa9", 2), 2);
    assert_int_equal(enc_utf8_len("\xc3\xa9", 1), 0);           /* cut short */
    assert_int_equal(enc_utf8_len("\xe2\x80\x94", 3), 3);
    assert_int_equal(enc_utf8_len("\xf0\x9f\x98\x80", 4), 4);
    assert_int_equal(enc_utf8_len("\xc0\x80", 2), 0);           /* overlong */
    assert_int_equal(enc_utf8_len("\xe0\x80\x80", 3), 0);       /* overlong */
    assert_int_equal(enc_utf8_len("\xed\xa0\x80", 3), 0);       /* surrogate */
    assert_int_equal(enc_utf8_len("\xf4\x90\x80\x80", 4), 0);   /* above U+10FFFF */
    assert_int_equal(enc_utf8_len("\x80", 1), 0);
    assert_int_equal(enc_utf8_len("\xc3\x41", 2), 0);
    assert_true(enc_utf8_valid("", 0));
    assert_true(enc_utf8_valid("caf\xc3\xa9", 5));
    assert_false(enc_utf8_valid("caf\xe9", 4));
    assert_false(enc_utf8_valid("a\xc3", 2));
}

static void test_needs(void **state)
{
    char b[256];
    (void)state;
    assert_false(enc_needs("", 0));
    assert_false(enc_needs("plain text\twith tab\r\n", 21));
    assert_true(enc_needs("caf\xc3\xa9", 5));
    assert_true(enc_needs("a\x01", 2));
    assert_true(enc_needs("a\x7f", 2));
    assert_true(enc_needs("a\0b", 3));
    all_bytes(b);
    assert_true(enc_needs(b, sizeof b));
}

/* ---- quoted-printable ------------------------------------------------------------ */

static void check_qp(const char *in, const char *want)
{
    str o = STR_INIT;
    assert_int_equal(enc_qp(&o, in, strlen(in)), 0);
    assert_string_equal(o.s ? o.s : "", want);
    str_free(&o);
}

static void test_qp_bytes(void **state)
{
    (void)state;
    /* the autoresponder's checked output */
    check_qp("caf\xc3\xa9 = ok \nFrom here\ntrailing \n.\n",
             "caf=C3=A9 =3D ok=20\n=46rom here\ntrailing=20\n=2E\n");
    /* the list trailer's checked output */
    check_qp("A=b\ncaf\xc3\xa9 = 16", "A=3Db\ncaf=C3=A9 =3D 16");
    check_qp("Caf\xe9 = list\n", "Caf=E9 =3D list\n");
    /* CR LF lines become LF lines; white space before CR LF is protected */
    check_qp("a \r\nb\t\r\nc\r\n", "a=20\nb=09\nc\n");
    /* a lone CR is a control byte; tab inside a line stays */
    check_qp("a\rb\tc", "a=0Db\tc");
    check_qp("trailing space ", "trailing space=20");
    check_qp("..\n.x\nFrom\nFrom:\n", "..\n.x\nFrom\nFrom:\n");
    check_qp("", "");
    check_qp("\n\n", "\n\n");
}

static void test_qp_hostile(void **state)
{
    char b[256], line[300];
    str o = STR_INIT, d = STR_INIT;
    (void)state;

    /* every byte value: printable output, short lines, decodes back */
    all_bytes(b);
    assert_int_equal(enc_qp(&o, b, sizeof b), 0);
    check_lines(&o, 0, 76);
    assert_int_equal(enc_unqp(&d, o.s, o.len), 0);
    assert_int_equal(d.len, sizeof b);
    assert_memory_equal(d.s, b, sizeof b);

    /* one very long line: soft breaks, lines of at most 76 */
    memset(line, 'x', sizeof line);
    o.len = d.len = 0;
    assert_int_equal(enc_qp(&o, line, sizeof line), 0);
    check_lines(&o, 0, 76);
    assert_int_equal(enc_unqp(&d, o.s, o.len), 0);
    assert_int_equal(d.len, sizeof line);
    assert_memory_equal(d.s, line, sizeof line);

    /* a soft break never leaves "From " or a lone "." at the start of a line */
    for (size_t k = 60; k < 80; ++k) {
        char t[100];
        memset(t, 'y', k);
        memcpy(t + k, "From x\n", 7);
        o.len = d.len = 0;
        assert_int_equal(enc_qp(&o, t, k + 7), 0);
        check_lines(&o, 0, 76);
        for (size_t i = 0; i < o.len; ++i)
            if (i == 0 || o.s[i - 1] == '\n') assert_false(o.len - i >= 5 && memcmp(o.s + i, "From ", 5) == 0);
        assert_int_equal(enc_unqp(&d, o.s, o.len), 0);
        assert_int_equal(d.len, k + 7);
        assert_memory_equal(d.s, t, k + 7);

        memset(t, 'y', k);
        memcpy(t + k, ".\n", 2);
        o.len = d.len = 0;
        assert_int_equal(enc_qp(&o, t, k + 2), 0);
        check_lines(&o, 0, 76);
        assert_null(strstr(o.s, "\n.\n"));
        assert_int_equal(enc_unqp(&d, o.s, o.len), 0);
        assert_memory_equal(d.s, t, k + 2);
    }

    /* appends after what is there */
    str_copys(&o, "keep:");
    assert_int_equal(enc_qp(&o, "=", 1), 0);
    assert_string_equal(o.s, "keep:=3D");
    str_free(&o);
    str_free(&d);
}

static void test_unqp(void **state)
{
    str d = STR_INIT;
    (void)state;
    assert_int_equal(enc_unqp(&d, "a=3Db=\nc=\r\nd", 12), 0);
    assert_string_equal(d.s, "a=bcd");
    /* bad escapes are kept as they are */
    d.len = 0;
    assert_int_equal(enc_unqp(&d, "=ZZ =4 =", 8), 0);
    assert_string_equal(d.s, "=ZZ =4 =");
    d.len = 0;
    assert_int_equal(enc_unqp(&d, "=c3=A9=\r", 8), 0);
    assert_string_equal(d.s, "\xc3\xa9=\r");
    d.len = 0;
    assert_int_equal(enc_unqp(&d, "", 0), 0);
    assert_int_equal(d.len, 0);
    str_free(&d);
}

/* ---- base64 ------------------------------------------------------------------------ */

static void check_b64(const char *in, size_t n, const char *want)
{
    str o = STR_INIT, d = STR_INIT;
    assert_int_equal(enc_b64(&o, in, n), 0);
    assert_string_equal(o.s ? o.s : "", want);
    assert_int_equal(enc_unb64(&d, o.s ? o.s : "", o.len), 0);
    assert_int_equal(d.len, n);
    if (n) assert_memory_equal(d.s, in, n);
    str_free(&o);
    str_free(&d);
}

static void test_b64(void **state)
{
    char b[256], big[57 * 3 + 1];
    str o = STR_INIT, d = STR_INIT;
    (void)state;
    check_b64("", 0, "");
    check_b64("a", 1, "YQ==\n");
    check_b64("ab", 2, "YWI=\n");
    check_b64("abc", 3, "YWJj\n");
    check_b64("hello", 5, "aGVsbG8=\n");
    check_b64("\0\xff\x80", 3, "AP+A\n");

    /* 57 bytes make exactly one line of 76 */
    memset(big, 'z', sizeof big);
    assert_int_equal(enc_b64(&o, big, 57), 0);
    assert_int_equal(o.len, 77);
    assert_int_equal(o.s[76], '\n');
    o.len = 0;
    assert_int_equal(enc_b64(&o, big, sizeof big), 0);
    check_lines(&o, 0, 76);
    assert_int_equal(enc_unb64(&d, o.s, o.len), 0);
    assert_int_equal(d.len, sizeof big);

    all_bytes(b);
    o.len = d.len = 0;
    assert_int_equal(enc_b64(&o, b, sizeof b), 0);
    check_lines(&o, 0, 76);
    assert_int_equal(enc_unb64(&d, o.s, o.len), 0);
    assert_int_equal(d.len, sizeof b);
    assert_memory_equal(d.s, b, sizeof b);
    str_free(&o);
    str_free(&d);
}

static void test_unb64_lenient(void **state)
{
    str d = STR_INIT;
    char b[256];
    (void)state;
    assert_int_equal(enc_unb64(&d, "aGVs\nbG8=", 9), 0);
    assert_string_equal(d.s, "hello");
    d.len = 0;
    assert_int_equal(enc_unb64(&d, "!!aG*V\r\nsbG8", 12), 0);
    assert_string_equal(d.s, "hello");
    d.len = 0;
    assert_int_equal(enc_unb64(&d, "aGk=aGk=", 8), 0); /* stops at the padding */
    assert_string_equal(d.s, "hi");
    d.len = 0;
    assert_int_equal(enc_unb64(&d, "a", 1), 0);        /* a lone group: nothing */
    assert_int_equal(d.len, 0);
    /* any byte at all: never more out than in */
    all_bytes(b);
    d.len = 0;
    assert_int_equal(enc_unb64(&d, b, sizeof b), 0);
    assert_true(d.len <= sizeof b);
    str_free(&d);
}

/* ---- strict encoded-word decoders ----------------------------------------------------- */

static void check_word(int (*f)(str *, const char *, size_t), const char *in, int want, const char *out)
{
    str d = STR_INIT;
    str_copys(&d, "pre:");
    assert_int_equal(f(&d, in, strlen(in)), want);
    assert_string_equal(d.s, out);
    assert_int_equal(d.len, strlen(out));
    str_free(&d);
}

static void test_word_decoders(void **state)
{
    char b[256];
    str d = STR_INIT;
    (void)state;
    check_word(enc_word_unb64, "aGk=", 1, "pre:hi");
    check_word(enc_word_unb64, "aGk", 1, "pre:hi");        /* padding may be missing */
    check_word(enc_word_unb64, "", 1, "pre:");
    check_word(enc_word_unb64, "aGk==", 0, "pre:");        /* too much padding */
    check_word(enc_word_unb64, "a", 0, "pre:");            /* a lone 6-bit group */
    check_word(enc_word_unb64, "aG=k", 0, "pre:");         /* data after padding */
    check_word(enc_word_unb64, "aG!k", 0, "pre:");         /* not the alphabet */
    check_word(enc_word_unb64, "aGVs bG8=", 0, "pre:");
    check_word(enc_word_unb64, "===", 0, "pre:");

    check_word(enc_word_unq, "a_b=3D=c3=A9", 1, "pre:a b=\xc3\xa9");
    check_word(enc_word_unq, "", 1, "pre:");
    check_word(enc_word_unq, "=4", 0, "pre:");
    check_word(enc_word_unq, "ab=", 0, "pre:");
    check_word(enc_word_unq, "=G0", 0, "pre:");

    /* every byte value: a verdict, never more out than in */
    all_bytes(b);
    assert_true(enc_word_unq(&d, b, sizeof b) >= 0);
    assert_true(d.len <= sizeof b);
    d.len = 0;
    assert_int_equal(enc_word_unb64(&d, b, sizeof b), 0);
    assert_int_equal(d.len, 0);
    str_free(&d);
}

/* ---- RFC 2047 words ----------------------------------------------------------------- */

/* encodes, checks the shape, and decodes back with lib/hdr */
static void roundtrip_2047(const char *s, size_t n, const char *cs, size_t col)
{
    str o = STR_INIT, u = STR_INIT, d = STR_INIT;
    size_t start = 0;
    assert_int_equal(enc_2047(&o, s, n, cs, col), 0);
    check_lines(&o, col < 76 - strlen(cs) - 7 - 16 ? col : 0, 76);
    /* every word at most 75 characters */
    for (size_t i = 0; i <= o.len; ++i)
        if (i == o.len || o.s[i] == ' ' || o.s[i] == '\n') {
            assert_true(i - start <= 75);
            start = i + 1;
        }
    assert_int_equal(hdr_unfold(&u, o.s ? o.s : "", o.len, HDR_UNFOLD_DELETE), 0);
    assert_int_equal(hdr_decode2047(&d, u.s ? u.s : "", u.len), 0);
    assert_int_equal(d.len, n);
    if (n) assert_memory_equal(d.s, s, n);
    str_free(&o);
    str_free(&u);
    str_free(&d);
}

static void check_2047(const char *in, const char *cs, size_t col, const char *want)
{
    str o = STR_INIT;
    assert_int_equal(enc_2047(&o, in, strlen(in), cs, col), 0);
    assert_string_equal(o.s ? o.s : "", want);
    str_free(&o);
}

static void test_2047_bytes(void **state)
{
    (void)state;
    /* what tests/autorespond/reply.t checks */
    check_2047("J\xc3\xb6rg M\xc3\xbcller", "UTF-8", 6, "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?=");
    check_2047("Abwesend: K\xc3\xb6ln und M\xc3\xbcnchen", "UTF-8", 9,
               "=?UTF-8?Q?Abwesend=3A_K=C3=B6ln_und_M=C3=BCnchen?=");
    check_2047("a_b?=c\t", "iso-8859-1", 9, "=?iso-8859-1?Q?a=5Fb=3F=3Dc=09?=");
    check_2047("", "UTF-8", 9, "");
    /* the first word ends by column 76, the next ones are folded */
    check_2047("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "UTF-8", 40,
               "=?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9?=\n =?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9?=");
}

static void test_2047_hostile(void **state)
{
    char b[256];
    const char *s = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x80\x94 \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 everywhere, "
                    "a long subject that needs several words";
    str o = STR_INIT;
    (void)state;

    roundtrip_2047(s, strlen(s), "UTF-8", 9);
    roundtrip_2047(s, strlen(s), "UTF-8", 0);
    roundtrip_2047(s, strlen(s), "UTF-8", 70);   /* no room on the first line */
    roundtrip_2047(s, strlen(s), "UTF-8", 500);
    roundtrip_2047(s, strlen(s), "X-UNKNOWN", 9); /* hdr keeps its bytes */

    /* every byte value */
    all_bytes(b);
    roundtrip_2047(b, sizeof b, "UTF-8", 9);
    roundtrip_2047(b, sizeof b, "x", 0);

    /* a very long word of 4-byte characters: never split */
    {
        size_t n = 40000;
        char *big = malloc(n);
        assert_non_null(big);
        for (size_t i = 0; i < n; i += 4) memcpy(big + i, "\xf0\x9f\x98\x80", 4);
        roundtrip_2047(big, n, "UTF-8", 9);
        assert_int_equal(enc_2047(&o, big, n, "UTF-8", 9), 0);
        for (size_t i = 0; i + 10 < o.len; ++i)
            if (memcmp(o.s + i, "=?UTF-8?Q?", 10) == 0) assert_memory_equal(o.s + i + 10, "=F0", 3);
        free(big);
    }

    /* bad charsets: EINVAL, nothing appended */
    {
        static const char *const bad[] = {
            "", "UTF-8\n", "UTF 8", "a?b", "a*lang",
            "0123456789012345678901234567890123456789012345678901234567890123456789", NULL
        };
        for (size_t i = 0; bad[i]; ++i) {
            str_copys(&o, "keep");
            errno = 0;
            assert_int_equal(enc_2047(&o, "\xc3\xa9", 2, bad[i], 0), -1);
            assert_int_equal(errno, EINVAL);
            assert_string_equal(o.s, "keep");
        }
    }
    str_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_needs),
        cmocka_unit_test(test_qp_bytes),
        cmocka_unit_test(test_qp_hostile),
        cmocka_unit_test(test_unqp),
        cmocka_unit_test(test_b64),
        cmocka_unit_test(test_unb64_lenient),
        cmocka_unit_test(test_word_decoders),
        cmocka_unit_test(test_2047_bytes),
        cmocka_unit_test(test_2047_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
