/* Unit tests for lib/pwfile: lookups by name and by uid in a passwd-format
 * file, the first match winning, a missing user (errno 0), a missing file
 * (errno ENOENT), and junk lines around the entries. */
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

#include "pwfile.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    strcpy(path, "/tmp/test_pwfile.XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    FILE *f = fdopen(fd, "w");
    fputs("this line is junk\n", f);
    fputs("alice:x:1001:100:Alice:/home/alice:/bin/sh\n", f);
    fputs(":x:5:5::/nowhere:/bin/false\n", f);
    fputs("bob:x:1002:100::/home/bob:\n", f);
    fputs("alice:x:2001:200::/home/alice2:/bin/zsh\n", f);
    for (int i = 0; i < 5000; i++) fputc('z', f); /* a long unterminated tail */
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void test_by_name(void **state)
{
    (void)state;
    struct passwd *pw = pwfile_lookup(path, "alice", 0);
    assert_non_null(pw);
    assert_string_equal(pw->pw_name, "alice");
    assert_int_equal(pw->pw_uid, 1001);   /* the first of two */
    assert_int_equal(pw->pw_gid, 100);
    assert_string_equal(pw->pw_dir, "/home/alice");
    assert_string_equal(pw->pw_shell, "/bin/sh");
    pw = pwfile_lookup(path, "bob", 0);
    assert_non_null(pw);
    assert_string_equal(pw->pw_shell, "");
}

static void test_by_uid(void **state)
{
    (void)state;
    struct passwd *pw = pwfile_lookup(path, NULL, 2001);
    assert_non_null(pw);
    assert_string_equal(pw->pw_dir, "/home/alice2");
}

static void test_missing(void **state)
{
    (void)state;
    errno = EINVAL;
    assert_null(pwfile_lookup(path, "carol", 0));
    assert_int_equal(errno, 0);
    assert_null(pwfile_lookup(path, NULL, 4242));
    assert_int_equal(errno, 0);
    assert_null(pwfile_lookup("/nonexistent/passwd", "alice", 0));
    assert_int_equal(errno, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_name),
        cmocka_unit_test(test_by_uid),
        cmocka_unit_test(test_missing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
