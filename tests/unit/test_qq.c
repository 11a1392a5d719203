/* Unit tests for lib/qq: qq_start and qq_start_argv against recording
 * queue programs (message on fd 0, envelope on fd 1, error text on fd 6):
 * what reaches the program, its arguments, the verdicts of its exit codes,
 * notqmail's fd-6 text, a program that cannot be run, and QMAILQUEUE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "qq.h"

static char home[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb; (void)flag; (void)f;
    return remove(p);
}

static void put_file(const char *name, const char *text, mode_t mode)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", home, name);
    assert_int_equal(fs_write_atomic(p, text, strlen(text), mode), 0);
}

static char *get_file(const char *name)
{
    char p[256];
    str s = STR_INIT;
    snprintf(p, sizeof p, "%s/%s", home, name);
    if (fs_read_file(p, &s, 1 << 20) < 0) return NULL;
    if (str_catc(&s, 0) < 0) return NULL;
    for (size_t i = 0; i + 1 < s.len; ++i) if (!s.s[i]) s.s[i] = '|';  /* NULs shown */
    return s.s;
}

static int setup(void **state)
{
    (void)state;
    strcpy(home, "/tmp/test_qq.XXXXXX");
    if (!mkdtemp(home)) return -1;
    signal(SIGPIPE, SIG_IGN);
    char p[128];
    snprintf(p, sizeof p, "%s/bin", home);
    if (mkdir(p, 0755) < 0) return -1;
    /* records arguments, message and envelope; "exit=N" exits N */
    put_file("bin/rec",
             "#!/bin/sh\n"
             "for a; do printf '%s\\n' \"$a\"; done >args\n"
             "cat >msg\n"
             "cat <&1 >env\n"
             "case \"$1\" in exit=*) exit \"${1#exit=}\";; esac\n"
             "exit 0\n", 0755);
    put_file("bin/says",
             "#!/bin/sh\ncat >/dev/null; cat <&1 >/dev/null\nprintf 'Dno thanks, said the server' >&6\nexit 82\n",
             0755);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("QMAILQUEUE");
    return nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int run(char *const *argv, str *why, unsigned long *qp)
{
    qq q;
    if (qq_start_argv(&q, home, argv) < 0) return -1;
    qq_puts(&q, "Subject: x\n\nbody\n");
    qq_from(&q, "a@b.example");
    qq_to(&q, "c@d.example");
    qq_to(&q, "e@f.example");
    if (qp) *qp = q.qp;
    return qq_finish(&q, why);
}

static void test_argv(void **state)
{
    str why = STR_INIT;
    unsigned long qp = 0;
    char *s;
    (void)state;

    char *a1[] = { "bin/rec", "192.0.2.1", "a b", "", NULL };
    assert_int_equal(run(a1, &why, &qp), 0);
    assert_true(qp > 0);
    s = get_file("args");
    assert_string_equal(s, "192.0.2.1\na b\n\n");
    free(s);
    s = get_file("msg");
    assert_string_equal(s, "Subject: x\n\nbody\n");
    free(s);
    s = get_file("env");
    assert_string_equal(s, "Fa@b.example|Tc@d.example|Te@f.example||");
    free(s);

    /* an absolute path works as well */
    char abs[128];
    snprintf(abs, sizeof abs, "%s/bin/rec", home);
    char *a2[] = { abs, "x", NULL };
    assert_int_equal(run(a2, &why, NULL), 0);
    s = get_file("args");
    assert_string_equal(s, "x\n");
    free(s);
    str_free(&why);
}

static void test_verdicts(void **state)
{
    str why = STR_INIT;
    (void)state;
    char *perm[] = { "bin/rec", "exit=31", NULL };
    assert_int_equal(run(perm, &why, NULL), 'D');
    assert_memory_equal(why.s, "mail server permanently rejected message (#5.3.0)", why.len);
    char *temp[] = { "bin/rec", "exit=71", NULL };
    assert_int_equal(run(temp, &why, NULL), 'Z');
    assert_memory_equal(why.s, "mail server temporarily rejected message (#4.3.0)", why.len);
    char *says[] = { "bin/says", NULL };
    assert_int_equal(run(says, &why, NULL), 'D');
    assert_int_equal(why.len, strlen("no thanks, said the server"));
    assert_memory_equal(why.s, "no thanks, said the server", why.len);
    char *none[] = { "bin/no-such-program", "x", NULL };
    assert_int_equal(run(none, &why, NULL), 'Z');
    assert_memory_equal(why.s, "unable to exec qq (#4.3.0)", why.len);
    str_free(&why);
}

/* argv NULL or empty: $QMAILQUEUE (or bin/qmail-queue), as qq_start */
static void test_default(void **state)
{
    str why = STR_INIT;
    char *s;
    qq q;
    (void)state;
    assert_int_equal(setenv("QMAILQUEUE", "bin/rec", 1), 0);
    assert_int_equal(run(NULL, &why, NULL), 0);
    s = get_file("args");
    assert_string_equal(s, "");
    free(s);
    char *empty[] = { "", "ignored", NULL };
    put_file("args", "stale", 0644);
    assert_int_equal(run(empty, &why, NULL), 0);
    s = get_file("args");
    assert_string_equal(s, "");
    free(s);
    /* qq_start itself */
    put_file("args", "stale", 0644);
    assert_int_equal(qq_start(&q, home), 0);
    qq_from(&q, "");
    qq_to(&q, "x@y.example");
    assert_int_equal(qq_finish(&q, &why), 0);
    s = get_file("env");
    assert_string_equal(s, "F|Tx@y.example||");
    free(s);
    unsetenv("QMAILQUEUE");
    /* without QMAILQUEUE: bin/qmail-queue, missing here */
    assert_int_equal(run(NULL, &why, NULL), 'Z');
    assert_memory_equal(why.s, "unable to exec qq (#4.3.0)", why.len);
    str_free(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_default),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
