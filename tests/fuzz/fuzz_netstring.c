/* libFuzzer target for lib/netstring: the memory parser and the buf reader
 * agree on every input, never read outside it, and a parsed netstring
 * written back with netstring_cat() gives the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netstring.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t max = size ? (size_t)data[0] * 37 : 0; /* vary the limit */
    size_t pos = 0, n = 0;
    str o = STR_INIT;

    /* walk a sequence of netstrings in memory */
    while (pos < size && n++ < 1000) {
        size_t st, len, next;
        int r = netstring_parse(s + pos, size - pos, max, &st, &len, &next);
        CHECK(r >= NETSTRING_OK && r <= NETSTRING_TOOBIG && r != NETSTRING_EOF);
        if (r != NETSTRING_OK) break;
        CHECK(st > 0 && st + len < next + 1 && next <= size - pos && len <= max);
        str_truncate(&o, 0);
        CHECK(netstring_cat(&o, s + pos + st, len) == 0);
        CHECK(o.len == next && memcmp(o.s, s + pos, next) == 0);
        pos += next;
    }

    /* the buf reader on the same bytes, through a pipe (small inputs only) */
    if (size < 4096) {
        int p[2];
        if (pipe(p) == 0) {
            char space[64];
            buf b;
            if (write(p[1], data, size) == (ssize_t)size) {
                close(p[1]);
                p[1] = -1;
                buf_init(&b, p[0], space, sizeof space);
                size_t used, off = 0, st, len, next;
                int r = netstring_get(&b, &o, max, &used);
                int m = netstring_parse(s, size, max, &st, &len, &next);
                if (m == NETSTRING_OK) {
                    CHECK(r == NETSTRING_OK && used == next && o.len == len);
                    CHECK(memcmp(o.s, s + st, len) == 0);
                } else if (m == NETSTRING_TOOBIG || m == NETSTRING_BAD) {
                    CHECK(r == m);
                }
                (void)off;
            }
            close(p[0]);
            if (p[1] >= 0) close(p[1]);
        }
    }
    str_free(&o);
    return 0;
}
