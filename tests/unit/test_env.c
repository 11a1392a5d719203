/* Unit tests for lib/env: building, replacing, removing, duplicates in
 * envp, bad names, a real execve, a large environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.h"

static size_t count(char **v)
{
    size_t n = 0;
    while (v[n]) n++;
    return n;
}

static void test_empty(void **state)
{
    (void)state;
    env e = ENV_INIT;
    char **v = env_array(&e);
    assert_non_null(v);
    assert_null(v[0]);
    assert_null(env_get(&e, "HOME"));
    assert_int_equal(env_unset(&e, "HOME"), 0);
    env_free(&e);
    assert_int_equal(env_init(&e, NULL), 0);
    assert_int_equal(count(env_array(&e)), 0);
    env_free(&e);
    env_free(&e);                                  /* twice is harmless */
}

static void test_put_get_unset(void **state)
{
    (void)state;
    env e = ENV_INIT;
    assert_int_equal(env_put(&e, "RECIPIENT", "joe-list@example.com"), 0);
    assert_int_equal(env_put(&e, "SENDER", ""), 0);
    assert_int_equal(env_put(&e, "DTLINE", "Delivered-To: joe@example.com\n"), 0);
    assert_string_equal(env_get(&e, "SENDER"), "");
    assert_int_equal(env_put(&e, "SENDER", "a=b@c"), 0);       /* '=' in a value is fine */
    assert_string_equal(env_get(&e, "SENDER"), "a=b@c");
    char **v = env_array(&e);
    assert_int_equal(count(v), 3);
    assert_string_equal(v[0], "RECIPIENT=joe-list@example.com");
    assert_string_equal(v[1], "SENDER=a=b@c");
    /* prefixes of names are different names */
    assert_null(env_get(&e, "SEND"));
    assert_null(env_get(&e, "SENDERX"));
    assert_int_equal(env_put(&e, "SEND", "x"), 0);
    assert_string_equal(env_get(&e, "SENDER"), "a=b@c");
    assert_string_equal(env_get(&e, "SEND"), "x");
    assert_int_equal(env_unset(&e, "SENDER"), 0);
    assert_null(env_get(&e, "SENDER"));
    v = env_array(&e);
    assert_int_equal(count(v), 3);
    assert_string_equal(v[0], "RECIPIENT=joe-list@example.com");
    assert_string_equal(v[1], "DTLINE=Delivered-To: joe@example.com\n");
    assert_string_equal(v[2], "SEND=x");
    assert_int_equal(env_unset(&e, "SEND"), 0);              /* the last one */
    assert_int_equal(env_unset(&e, "RECIPIENT"), 0);         /* the first one */
    v = env_array(&e);
    assert_int_equal(count(v), 1);
    assert_string_equal(v[0], "DTLINE=Delivered-To: joe@example.com\n");
    env_free(&e);
}

static void test_bad_names(void **state)
{
    (void)state;
    env e = ENV_INIT;
    errno = 0;
    assert_int_equal(env_put(&e, "A=B", "c"), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(env_put(&e, "=", "c"), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(env_put(&e, "", "c"), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(env_put(&e, NULL, "c"), -1);
    assert_int_equal(env_put(&e, "X", NULL), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(env_unset(&e, "A=B"), -1);
    assert_int_equal(errno, EINVAL);
    assert_null(env_get(&e, "A=B"));
    assert_null(env_get(&e, ""));
    /* "A=B" must not be findable as a trick to read A */
    assert_int_equal(env_put(&e, "A", "B=C"), 0);
    assert_null(env_get(&e, "A=B"));
    assert_int_equal(count(env_array(&e)), 1);
    /* odd bytes in names are the caller's business, but stay intact */
    assert_int_equal(env_put(&e, "\xff\x01", "v"), 0);
    assert_string_equal(env_get(&e, "\xff\x01"), "v");
    env_free(&e);
}

static void test_from_envp(void **state)
{
    (void)state;
    char *envp[] = {
        "PATH=/bin", "noequals", "=novalue", "HOME=/home/a", "PATH=/evil",
        "EMPTY=", "HOME=/home/b", "PATH=/worse", NULL
    };
    env e;
    assert_int_equal(env_init(&e, envp), 0);
    char **v = env_array(&e);
    assert_int_equal(count(v), 3);
    assert_string_equal(v[0], "PATH=/bin");          /* first wins, order kept */
    assert_string_equal(v[1], "HOME=/home/a");
    assert_string_equal(v[2], "EMPTY=");
    assert_string_equal(env_get(&e, "EMPTY"), "");
    /* a copy: changing it does not touch envp */
    assert_int_equal(env_put(&e, "PATH", "/usr/bin"), 0);
    assert_string_equal(envp[0], "PATH=/bin");
    assert_string_equal(env_get(&e, "PATH"), "/usr/bin");
    env_free(&e);
}

static void test_execve(void **state)
{
    (void)state;
    env e = ENV_INIT;
    assert_int_equal(env_put(&e, "LOCAL", "joe"), 0);
    assert_int_equal(env_put(&e, "HOST", "example.com"), 0);
    assert_int_equal(env_put(&e, "LOCAL", "jane"), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 1);
        char *argv[] = { "env", NULL };
        execve("/usr/bin/env", argv, env_array(&e));
        _exit(127);
    }
    close(p[1]);
    char out[256];
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], out + n, sizeof out - 1 - n)) > 0) n += (size_t)r;
    out[n] = 0;
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_string_equal(out, "LOCAL=jane\nHOST=example.com\n");
    env_free(&e);
}

static void test_large(void **state)
{
    (void)state;
    /* 50000 entries, every name twice: duplicates removed without quadratic time */
    size_t n = 100000;
    char **envp = calloc(n + 1, sizeof *envp);
    assert_non_null(envp);
    for (size_t i = 0; i < n; i++) {
        envp[i] = malloc(32);
        assert_non_null(envp[i]);
        snprintf(envp[i], 32, "V%zu=%zu", i % 50000, i);
    }
    env e;
    assert_int_equal(env_init(&e, envp), 0);
    assert_int_equal(count(env_array(&e)), 50000);
    assert_string_equal(env_get(&e, "V49999"), "49999");
    assert_string_equal(env_get(&e, "V0"), "0");
    for (size_t i = 0; i < n; i++) free(envp[i]);
    free(envp);
    /* a long value */
    size_t big = 1 << 20;
    char *val = malloc(big + 1);
    assert_non_null(val);
    memset(val, 'x', big);
    val[big] = 0;
    assert_int_equal(env_put(&e, "BIG", val), 0);
    assert_int_equal(strlen(env_get(&e, "BIG")), big);
    free(val);
    env_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_put_get_unset),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_from_envp),
        cmocka_unit_test(test_execve),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
