/* Unit tests for lib/arstate: entry names and keys, recording, counting,
 * expiry, the cap (oldest first), forgetting, log.txt, listing, clearing,
 * the lock, and directories that cannot be used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arstate.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/arstate.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void touch(const char *name)
{
    char p[512];
    int fd;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    fd = open(p, O_WRONLY | O_CREAT, 0444);
    assert_true(fd >= 0);
    close(fd);
}

static int exists(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

static size_t count_entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;
    assert_non_null(d);
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void test_names(void **state)
{
    str k = STR_INIT;
    unsigned long t, pid;
    const char *key;
    size_t kl;
    (void)state;
    assert_int_equal(arstate_key(&k, "a/b@x.org"), 0);
    assert_string_equal(k.s, "a:b@x.org");
    k.len = 0;
    char big[400];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = 0;
    big[300] = '@';
    assert_int_equal(arstate_key(&k, big), 0);
    assert_int_equal(k.len, 7 + 64);
    assert_memory_equal(k.s, "sha256=", 7);
    assert_null(memchr(k.s, '@', k.len));
    str k2 = STR_INIT;
    for (size_t i = 0; i < 300; ++i) big[i] = 'a';
    assert_int_equal(arstate_key(&k2, big), 0);
    assert_string_equal(k.s, k2.s); /* hashed keys ignore case */
    str_free(&k);
    str_free(&k2);

    assert_int_equal(arstate_parse("100.42.a@b", 10, &t, &pid, &key, &kl), 1);
    assert_int_equal(t, 100);
    assert_int_equal(pid, 42);
    assert_int_equal(kl, 3);
    assert_memory_equal(key, "a@b", 3);
    assert_int_equal(arstate_parse(".lock", 5, &t, &pid, &key, &kl), 0);
    assert_int_equal(arstate_parse("log.txt", 7, &t, &pid, &key, &kl), 0);
    assert_int_equal(arstate_parse("100.42.", 7, &t, &pid, &key, &kl), 0);
    assert_int_equal(arstate_parse("100..a", 6, &t, &pid, &key, &kl), 0);
    assert_int_equal(arstate_parse("message.txt", 11, &t, &pid, &key, &kl), 0);
}

static void test_record_scan(void **state)
{
    arstate st;
    arstate_counts c;
    str name = STR_INIT;
    (void)state;
    assert_int_equal(arstate_open(&st, dir, 0, 5), 0);
    assert_int_equal(arstate_scan(&st, "a@x.org", 1000, 3600, 0, 0, &c), 0);
    assert_int_equal(c.matches, 0);
    assert_int_equal(arstate_record(&st, "a@x.org", 1000, 7, &name), 0);
    assert_string_equal(name.s, "1000.7.a@x.org");
    assert_true(exists("1000.7.a@x.org"));
    assert_int_equal(arstate_record(&st, "a@x.org", 1000, 7, &name), -1);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(arstate_scan(&st, "A@X.ORG", 1001, 3600, 0, 0, &c), 0);
    assert_int_equal(c.matches, 1);
    assert_int_equal(c.entries, 1);
    assert_int_equal(arstate_scan(&st, "b@x.org", 1001, 3600, 0, 0, &c), 0);
    assert_int_equal(c.matches, 0);
    /* expiry: kept with nodelete, removed otherwise */
    assert_int_equal(arstate_scan(&st, "a@x.org", 4600, 3600, 0, 1, &c), 0);
    assert_int_equal(c.matches, 0);
    assert_true(exists("1000.7.a@x.org"));
    assert_int_equal(arstate_scan(&st, "a@x.org", 4599, 3600, 0, 0, &c), 0);
    assert_int_equal(c.matches, 1);
    assert_int_equal(arstate_scan(&st, "a@x.org", 4600, 3600, 0, 0, &c), 0);
    assert_int_equal(c.matches, 0);
    assert_int_equal(c.expired, 1);
    assert_false(exists("1000.7.a@x.org"));
    /* forever never expires; forget removes */
    assert_int_equal(arstate_record(&st, "a@x.org", 5, 1, &name), 0);
    assert_int_equal(arstate_scan(&st, "a@x.org", 2000000000, ARSTATE_FOREVER, 0, 0, &c), 0);
    assert_int_equal(c.matches, 1);
    assert_int_equal(arstate_forget(&st, name.s), 0);
    assert_int_equal(count_entries(), 0);
    /* other files are left alone */
    touch("message.txt");
    touch("1.2");
    assert_int_equal(arstate_scan(&st, NULL, 2000000000, 1, 0, 0, &c), 0);
    assert_true(exists("message.txt"));
    assert_true(exists("1.2"));
    arstate_close(&st);
    str_free(&name);
}

static void test_cap(void **state)
{
    arstate st;
    arstate_counts c;
    (void)state;
    touch("105.1.s5@x");
    touch("101.1.s1@x");
    touch("103.1.s3@x");
    touch("100.1.s0@x");
    touch("104.1.s4@x");
    touch("102.1.s2@x");
    assert_int_equal(arstate_open(&st, dir, 0, 5), 0);
    assert_int_equal(arstate_scan(&st, "s1@x", 200, ARSTATE_FOREVER, 5, 0, &c), 0);
    /* 6 live entries, cap 5: keep 4 so that the new one fits; the oldest go */
    assert_int_equal(c.evicted, 2);
    assert_int_equal(c.entries, 4);
    assert_int_equal(c.matches, 0);
    assert_false(exists("100.1.s0@x"));
    assert_false(exists("101.1.s1@x"));
    assert_true(exists("102.1.s2@x"));
    assert_true(exists("105.1.s5@x"));
    assert_int_equal(arstate_scan(&st, "s5@x", 200, ARSTATE_FOREVER, 0, 0, &c), 0);
    assert_int_equal(c.matches, 1);
    arstate_close(&st);
}

static void test_log_list_clear(void **state)
{
    arstate st;
    str name = STR_INIT;
    arstate_entry *v;
    size_t n;
    char buf[600];
    FILE *f;
    (void)state;
    assert_int_equal(arstate_open(&st, dir, 0, 5), 0);
    assert_int_equal(arstate_log(&st, 5, 1, "a@x"), 0); /* no log.txt: nothing */
    assert_false(exists("log.txt"));
    touch("log.txt");
    snprintf(buf, sizeof buf, "%s/log.txt", dir);
    chmod(buf, 0644);
    assert_int_equal(arstate_log(&st, 5, 1, "a@x"), 0);
    assert_int_equal(arstate_log(&st, 6, 0, "b c\n@x"), 0);
    f = fopen(buf, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    buf[got] = 0;
    fclose(f);
    assert_string_equal(buf, "5 +a@x\n6 -b_c/@x\n");

    assert_int_equal(arstate_record(&st, "z@x", 300, 1, &name), 0);
    assert_int_equal(arstate_record(&st, "y@x", 200, 1, &name), 0);
    assert_int_equal(arstate_list(&st, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].t, 200);
    assert_string_equal(v[0].key.s, "y@x");
    assert_string_equal(v[1].key.s, "z@x");
    arstate_entries_free(v, n);
    /* two entries of one second are listed by key, not by the pid in
     * their names (pids wrap: "5" may come after "99") */
    touch("400.99.a@x");
    touch("400.5.b@x");
    assert_int_equal(arstate_list(&st, &v, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(v[2].key.s, "a@x");
    assert_string_equal(v[3].key.s, "b@x");
    arstate_entries_free(v, n);
    assert_int_equal(arstate_clear(&st), 0);
    assert_int_equal(count_entries(), 1); /* log.txt */
    arstate_close(&st);
    str_free(&name);
}

static void test_lock(void **state)
{
    arstate a, b;
    char sub[512];
    (void)state;
    assert_int_equal(arstate_open(&a, dir, 0, 5), 0);
    assert_int_equal(arstate_open(&b, dir, 0, 0), -1);
    assert_int_equal(errno, ETIMEDOUT);
    arstate_close(&a);
    assert_int_equal(arstate_open(&b, dir, 0, 0), 0);
    arstate_close(&b);
    arstate_close(&b); /* twice is harmless */

    snprintf(sub, sizeof sub, "%s/new", dir);
    assert_int_equal(arstate_open(&a, sub, 0, 0), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(arstate_open(&a, sub, 1, 0), 0);
    arstate_close(&a);
    snprintf(sub, sizeof sub, "%s/file", dir);
    touch("file");
    assert_int_equal(arstate_open(&a, sub, 1, 0), -1);
    assert_int_equal(errno, ENOTDIR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_record_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_list_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
