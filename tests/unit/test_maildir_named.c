/* Unit tests for lib/maildir on a filesystem without nameless files
 * (O_TMPFILE): lib/maildir.c is compiled in with fs_open_tmpfile always
 * refusing, so deliveries take the Maildir protocol's own path -- a file
 * tmp/<name> while the message is written, linked into new/ (or cur/) and
 * unlinked from tmp/ when complete, and removed when abandoned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
static int refuse_tmpfile(void) { errno = EOPNOTSUPP; return -1; }
#define fs_open_tmpfile(dir, flags, mode) ((void)(dir), (void)(flags), (void)(mode), refuse_tmpfile())
#include "../../lib/maildir.c"
#undef fs_open_tmpfile

static char base[256];

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "/tmp/test_maildir_named.XXXXXX");
    return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

/* Entries (other than . and ..) in dir/sub. */
static int count(const char *dir, const char *sub)
{
    char p[600];
    DIR *d;
    struct dirent *e;
    int n = 0;
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    if (!(d = opendir(p))) return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void test_named_steps(void **state)
{
    (void)state;
    char p[512];
    maildir_tmp t = MAILDIR_TMP_INIT;
    unsigned long counter = 0;
    str final = STR_INIT;

    snprintf(p, sizeof p, "%s/Named", base);
    assert_int_equal(maildir_create(p), 0);
    /* open, write, abort: the tmp/ file is there, then gone */
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(t.anon, 0);
    assert_int_equal(count(p, "tmp"), 1);
    assert_int_equal(maildir_tmp_write(&t, "abc", 3), MAILDIR_OK);
    maildir_tmp_abort(&t);
    assert_int_equal(count(p, "tmp"), 0);
    assert_int_equal(count(p, "new"), 0);
    /* open, write, commit: into new/, nothing left in tmp/ */
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(maildir_tmp_write(&t, "hello\n", 6), MAILDIR_OK);
    assert_int_equal(maildir_tmp_commit(&t, MAILDIR_SIZE, &final), MAILDIR_OK);
    assert_string_equal(final.s + strlen(final.s) - 4, ",S=6");
    struct stat st;
    assert_int_equal(stat(final.s, &st), 0);
    assert_int_equal(st.st_size, 6);
    assert_int_equal(count(p, "tmp"), 0);
    assert_int_equal(count(p, "new"), 1);
    /* with info: into cur/ */
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(maildir_tmp_write(&t, "seen\n", 5), MAILDIR_OK);
    assert_int_equal(maildir_tmp_commit_info(&t, 0, "S", &final), MAILDIR_OK);
    assert_non_null(strstr(final.s, "/cur/"));
    assert_int_equal(count(p, "cur"), 1);
    assert_int_equal(count(p, "tmp"), 0);
    str_free(&final);
}

/* A commit that cannot name the file (new/ is gone) removes tmp/<name>. */
static void test_named_commit_fails(void **state)
{
    (void)state;
    char p[512], n[600];
    maildir_tmp t = MAILDIR_TMP_INIT;
    unsigned long counter = 0;

    snprintf(p, sizeof p, "%s/Broken", base);
    assert_int_equal(maildir_create(p), 0);
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(maildir_tmp_write(&t, "x\n", 2), MAILDIR_OK);
    snprintf(n, sizeof n, "%s/new", p);
    assert_int_equal(rmdir(n), 0);
    assert_int_not_equal(maildir_tmp_commit(&t, 0, NULL), MAILDIR_OK);
    assert_int_equal(count(p, "tmp"), 0);
    assert_int_equal(t.fd, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_named_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_named_commit_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
