/* libFuzzer target for lib/hdr: the iterator (with its invariants), lookup,
 * unfolding and RFC 2047 decoding of every field and of the raw input, plus
 * the round trip "encode as B and Q words -> decode". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void iterate(const char *s, size_t size)
{
    hdr_iter it;
    hdr_field f;
    size_t prev_end = 0, count = 0;
    int k;
    str v = STR_INIT;

    hdr_iter_init(&it, s, size);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        /* fields are contiguous, inside the buffer, and progress */
        CHECK(f.offset == prev_end && f.raw == s + f.offset);
        CHECK(f.raw_len > 0 && f.raw_len <= size - f.offset);
        CHECK(f.name == f.raw && f.name_len > 0);
        CHECK(f.value >= f.raw && f.value + f.value_len <= f.raw + f.raw_len);
        prev_end = f.offset + f.raw_len;
        CHECK(++count <= size);
        if (k == HDR_FIELD) {
            for (size_t i = 0; i < f.name_len; i++)
                CHECK((unsigned char)f.name[i] > 32 && (unsigned char)f.name[i] < 127 && f.name[i] != ':');
        }
        str_truncate(&v, 0);
        CHECK(hdr_value(&v, &f) == 0);
        CHECK(!memchr(v.s, '\n', v.len));
        CHECK(hdr_unfold(&v, f.value, f.value_len, HDR_UNFOLD_SPACE) == 0);
        str_truncate(&v, 0);
        CHECK(hdr_decode2047(&v, f.value, f.value_len) == 0);
        (void)hdr_is(&f, "subject");
    }
    CHECK(k == HDR_END || k == HDR_BADLINE || k == HDR_EOF);
    CHECK(it.body <= size && it.body >= prev_end);
    if (k == HDR_BADLINE) CHECK(it.body == prev_end && f.offset == it.body);
    if (k == HDR_EOF) CHECK(it.body == size);
    CHECK(hdr_next(&it, &f) == k);
    str_free(&v);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes s as UTF-8-labelled words of at most 30 bytes, alternating B and
 * Q, separated by folding white space; decoding must give s back. */
static void roundtrip(const char *s, size_t size)
{
    str e = STR_INIT, d = STR_INIT;
    size_t i = 0;
    int b = 0;
    CHECK(str_ready(&e, 0) == 0);
    while (i < size) {
        size_t n = size - i < 30 ? size - i : 30;
        const unsigned char *u = (const unsigned char *)s + i;
        CHECK(str_cats(&e, b ? "=?UTF-8?B?" : "=?utf-8*x?q?") == 0);
        if (b) {
            for (size_t j = 0; j < n; j += 3) {
                unsigned long w = (unsigned long)u[j] << 16;
                if (j + 1 < n) w |= (unsigned long)u[j + 1] << 8;
                if (j + 2 < n) w |= u[j + 2];
                CHECK(str_catc(&e, b64[(w >> 18) & 63]) == 0);
                CHECK(str_catc(&e, b64[(w >> 12) & 63]) == 0);
                CHECK(str_catc(&e, j + 1 < n ? b64[(w >> 6) & 63] : '=') == 0);
                CHECK(str_catc(&e, j + 2 < n ? b64[w & 63] : '=') == 0);
            }
        } else {
            for (size_t j = 0; j < n; j++) {
                unsigned char c = u[j];
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) CHECK(str_catc(&e, (char)c) == 0);
                else if (c == ' ') CHECK(str_catc(&e, '_') == 0);
                else CHECK(str_catf(&e, "=%02X", c) == 0);
            }
        }
        CHECK(str_cats(&e, "?=") == 0);
        i += n;
        b = !b;
        if (i < size) CHECK(str_cats(&e, (i / 30) % 2 ? " " : "\r\n\t") == 0);
    }
    CHECK(hdr_decode2047(&d, e.s, e.len) == 0);
    CHECK(d.len == size && (size == 0 || memcmp(d.s, s, size) == 0));
    str_free(&e);
    str_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    str o = STR_INIT;
    const char *t = s;
    size_t n = size;

    iterate(s, size);

    CHECK(hdr_collect(&o, s, size, "To", ", ") >= 0);
    str_truncate(&o, 0);

    CHECK(hdr_unfold(&o, s, size, HDR_UNFOLD_DELETE) == 0);
    CHECK(o.len <= size && !memchr(o.s, '\n', o.len));
    str_truncate(&o, 0);
    CHECK(hdr_unfold(&o, s, size, HDR_UNFOLD_SPACE) == 0);
    CHECK(o.len <= size);
    str_truncate(&o, 0);
    hdr_trim(&t, &n);
    CHECK(t >= s && t + n <= s + size);

    /* decoding: identity when there is no "=?" */
    CHECK(hdr_decode2047(&o, s, size) == 0);
    if (!memmem(s, size, "=?", 2)) CHECK(o.len == size && (size == 0 || memcmp(o.s, s, size) == 0));
    str_free(&o);

    roundtrip(s, size < 4096 ? size : 4096);
    return 0;
}
