/* Unit tests for lib/received: qmail's Received line, safe quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "received.h"

static void test_forms(void **state)
{
    (void)state;
    str o = STR_INIT;
    time_t t = 1795214343; /* 20 Nov 2026 22:39:03 GMT */
    assert_int_equal(received_fmt(&o, "SMTP", "bench.example", "192.0.2.7", "client.example",
                                  NULL, NULL, t), 0);
    assert_string_equal(o.s, "Received: from client.example (192.0.2.7)\n"
                             "  by bench.example with SMTP; 20 Nov 2026 22:39:03 -0000\n");
    str_truncate(&o, 0);
    assert_int_equal(received_fmt(&o, "SMTP", "bench.example", "192.0.2.7", "relay.example",
                                  "7", "mx.example", t), 0);
    assert_string_equal(o.s, "Received: from relay.example (HELO mx.example) (7@192.0.2.7)\n"
                             "  by bench.example with SMTP; 20 Nov 2026 22:39:03 -0000\n");
    str_truncate(&o, 0);
    assert_int_equal(received_fmt(&o, "QMQP", NULL, NULL, NULL, NULL, NULL, t), 0);
    assert_string_equal(o.s, "Received: from unknown (unknown)\n"
                             "  by unknown with QMQP; 20 Nov 2026 22:39:03 -0000\n");
    str_free(&o);
}

static void test_unsafe(void **state)
{
    (void)state;
    str o = STR_INIT;
    assert_int_equal(str_copys(&o, "X: y\n"), 0); /* appends */
    assert_int_equal(received_fmt(&o, "QMTP", "l o\ncal", "[::1]", "h\r\n\xff(x)",
                                  "a b", "e%h+l/o=:-", 0), 0);
    assert_string_equal(o.s, "X: y\nReceived: from h????x? (HELO e%h+l/o=:-) (a?b@[::1])\n"
                             "  by l?o?cal with QMTP; 1 Jan 1970 00:00:00 -0000\n");
    str_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_unsafe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
