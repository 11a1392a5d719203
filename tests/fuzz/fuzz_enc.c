/* libFuzzer target for lib/enc: every encoder's output has short 7-bit
 * lines and decodes back to the input (quoted-printable and base64 with the
 * lenient decoders, RFC 2047 words with lib/hdr); the decoders take any
 * bytes, never write more than they read, and the strict ones leave their
 * output alone when they refuse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "hdr.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void check_lines(const str *o, size_t first, size_t max, int tab)
{
    size_t col = first;
    for (size_t i = 0; i < o->len; ++i) {
        unsigned char c = (unsigned char)o->s[i];
        if (c == '\n') { col = 0; continue; }
        CHECK((c >= 32 && c < 127) || (tab && c == '\t'));
        CHECK(++col <= max);
    }
}

static int has_crlf(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; ++i)
        if (s[i] == '\r' && s[i + 1] == '\n') return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    str e = STR_INIT, x = STR_INIT, u = STR_INIT;

    CHECK(enc_qp(&e, d, size) == 0);
    check_lines(&e, 0, 76, 1);
    CHECK(enc_unqp(&x, e.s ? e.s : "", e.len) == 0);
    if (!has_crlf(d, size)) CHECK(x.len == size && (!size || memcmp(x.s, d, size) == 0));

    e.len = x.len = 0;
    CHECK(enc_b64(&e, d, size) == 0);
    check_lines(&e, 0, 76, 0);
    CHECK(enc_unb64(&x, e.s ? e.s : "", e.len) == 0);
    CHECK(x.len == size && (!size || memcmp(x.s, d, size) == 0));

    e.len = x.len = 0;
    CHECK(enc_2047(&e, d, size, "UTF-8", 9) == 0);
    check_lines(&e, 9, 76, 0);
    CHECK(hdr_unfold(&u, e.s ? e.s : "", e.len, HDR_UNFOLD_DELETE) == 0);
    CHECK(hdr_decode2047(&x, u.s ? u.s : "", u.len) == 0);
    CHECK(x.len == size && (!size || memcmp(x.s, d, size) == 0));

    /* the decoders on raw input */
    x.len = 0;
    CHECK(enc_unqp(&x, d, size) == 0 && x.len <= size);
    x.len = 0;
    CHECK(enc_unb64(&x, d, size) == 0 && x.len <= size);
    str_copys(&x, "k");
    int r = enc_word_unq(&x, d, size);
    CHECK(r >= 0 && (r == 1 ? x.len <= size + 1 : x.len == 1));
    str_copys(&x, "k");
    r = enc_word_unb64(&x, d, size);
    CHECK(r >= 0 && (r == 1 ? x.len <= size + 1 : x.len == 1));
    CHECK(enc_utf8_valid(d, size) == 0 || enc_utf8_valid(d, size) == 1);

    str_free(&e);
    str_free(&x);
    str_free(&u);
    return 0;
}
