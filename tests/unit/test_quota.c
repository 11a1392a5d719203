/* Unit tests for lib/quota: definitions, file-name sizes, hostile
 * maildirsize files (junk lines, huge and negative numbers, NUL bytes,
 * missing newline, oversized files), the recalculation rules, folders and
 * the delivery protocol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "quota.h"

#define S(x) x, sizeof(x) - 1

static char root[] = "/tmp/test_quota.XXXXXX";

static char *path(const char *rel)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static void put(const char *rel, const char *data, size_t len)
{
    int fd = open(path(rel), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(fs_write_all(fd, data, len), 0);
    close(fd);
}

static char *get(const char *rel)
{
    str s = STR_INIT;
    if (fs_read_file(path(rel), &s, 1 << 20) < 0) return NULL;
    if (!s.s) str_copys(&s, "");
    return s.s;
}

static void mkmaildir(const char *rel)
{
    char b[200];
    assert_int_equal(fs_mkdir_p(path(rel), 0700), 0);
    snprintf(b, sizeof b, "%s/new", rel);
    assert_int_equal(fs_mkdir_p(path(b), 0700), 0);
    snprintf(b, sizeof b, "%s/cur", rel);
    assert_int_equal(fs_mkdir_p(path(b), 0700), 0);
    snprintf(b, sizeof b, "%s/tmp", rel);
    assert_int_equal(fs_mkdir_p(path(b), 0700), 0);
}

static int setup(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s/*", root);
    if (system(cmd) != 0) return -1;
    mkmaildir("md");
    return 0;
}

static void age(const char *rel, time_t secs)
{
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = time(NULL) - secs;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    assert_int_equal(utimensat(AT_FDCWD, path(rel), ts, 0), 0);
}

/* ---- definitions ------------------------------------------------------------------------ */

static void test_parse_limit(void **state)
{
    (void)state;
    quota_limit q;
    quota_parse_limit(S("10000000S,1000C"), &q);
    assert_int_equal(q.bytes, 10000000);
    assert_int_equal(q.count, 1000);
    quota_parse_limit(S("1000C,5S"), &q);
    assert_int_equal(q.bytes, 5);
    assert_int_equal(q.count, 1000);
    quota_parse_limit(S(""), &q);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.count, 0);
    quota_parse_limit(S("xyz"), &q);
    assert_int_equal(q.bytes + q.count, 0);
    quota_parse_limit(S("-5S"), &q);
    assert_int_equal(q.bytes, 5);
    quota_parse_limit(S("99999999999999999999999999S,3C"), &q);
    assert_true(q.bytes == INT64_MAX);
    assert_int_equal(q.count, 3);
    quota_parse_limit(S("5X,3C,7"), &q);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.count, 3);
    quota_parse_limit(S("1\0002S"), &q); /* NUL is junk */
    assert_int_equal(q.bytes, 2);
}

static void test_format(void **state)
{
    (void)state;
    str o = STR_INIT;
    quota_limit q = { 10000000, 1000 };
    assert_int_equal(quota_format_limit(&o, &q), 0);
    assert_string_equal(o.s, "10000000S,1000C");
    q.bytes = 0;
    str_copys(&o, "");
    assert_int_equal(quota_format_limit(&o, &q), 0);
    assert_string_equal(o.s, "1000C");
    q.count = 0;
    str_copys(&o, "x");
    assert_int_equal(quota_format_limit(&o, &q), 0);
    assert_string_equal(o.s, "x");
    str_copys(&o, "");
    assert_int_equal(quota_format_line(&o, 1234, 1), 0);
    assert_int_equal(o.len, 26);
    assert_string_equal(o.s, "        1234            1\n");
    str_copys(&o, "");
    assert_int_equal(quota_format_line(&o, -1234, -1), 0);
    assert_string_equal(o.s, "       -1234           -1\n");
    str_free(&o);
}

static void test_names(void **state)
{
    (void)state;
    uint64_t sz = 99;
    assert_int_equal(quota_name_size(S("1.M1P2.host,S=1234"), &sz), 1);
    assert_int_equal(sz, 1234);
    assert_int_equal(quota_name_size(S("1.M1P2.host,S=12:2,S"), &sz), 1);
    assert_int_equal(sz, 12);
    assert_int_equal(quota_name_size(S("a,S=5,W=9,S=6:2,"), &sz), 1);
    assert_int_equal(sz, 6);
    assert_int_equal(quota_name_size(S("1.M1P2.host:2,S=5"), &sz), 0);
    assert_int_equal(quota_name_size(S("new/1.x,S=7"), &sz), 1);
    assert_int_equal(sz, 7);
    assert_int_equal(quota_name_size(S("a,S=3/b"), &sz), 0);
    assert_int_equal(quota_name_size(S("a,S=99999999999999999999999"), &sz), 0);
    assert_int_equal(quota_name_size(S("a,S="), &sz), 1);
    assert_int_equal(sz, 0);
    assert_int_equal(quota_name_size(S(",S"), &sz), 0);
    assert_int_equal(quota_name_size("", 0, &sz), 0);
    assert_int_equal(quota_name_counts(S("x:2,ST")), 0);
    assert_int_equal(quota_name_counts(S("x:2,T")), 0);
    assert_int_equal(quota_name_counts(S("x:2,S")), 1);
    assert_int_equal(quota_name_counts(S("x:2,aT")), 1);
    assert_int_equal(quota_name_counts(S("x")), 1);
    assert_int_equal(quota_name_counts(S("x:2,")), 1);
}

/* ---- hostile maildirsize files --------------------------------------------------------------- */

static void open_file(quota *q, const char *data, size_t len)
{
    put("md/maildirsize", data, len);
    assert_int_equal(quota_open(q, path("md"), NULL), 0);
    assert_true(q->active);
}

static void test_read_normal(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    open_file(&q, S("1000S,10C\n         100            1\n         200            2\n"));
    assert_int_equal(q.limit.bytes, 1000);
    assert_int_equal(q.limit.count, 10);
    assert_int_equal(q.bytes, 300);
    assert_int_equal(q.count, 3);
    assert_int_equal(q.lines, 2);
    assert_int_equal(q.recalc, 0);
    quota_close(&q);
}

static void test_read_junk(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    open_file(&q, S("1000S\nhello world\n\n12 x\n-\n 5 1 trailing junk\n\t7\t2\n"));
    assert_int_equal(q.bytes, 12);
    assert_int_equal(q.count, 3);
    assert_int_equal(q.lines, 6);
    assert_int_equal(q.recalc, 0);
    quota_close(&q);
}

static void test_read_huge(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    open_file(&q, S("1000S\n99999999999999999999999 1\n"));
    assert_int_equal(q.recalc, 1);
    quota_close(&q);
    open_file(&q, S("1000S\n1 99999999999999999999999\n"));
    assert_int_equal(q.recalc, 1);
    quota_close(&q);
    open_file(&q, S("1000S\n9223372036854775807 1\n1 1\n"));
    assert_int_equal(q.recalc, 1);
    quota_close(&q);
    /* a huge limit saturates: effectively unlimited */
    open_file(&q, S("999999999999999999999999999S\n5 1\n"));
    assert_int_equal(q.recalc, 0);
    assert_true(q.limit.bytes == INT64_MAX);
    assert_int_equal(quota_check(&q, 1000000000, 1, time(NULL), NULL), QUOTA_OK);
    quota_close(&q);
}

static void test_read_negative(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    int pct;
    open_file(&q, S("1000S\n-500 -1\n"));
    assert_int_equal(q.recalc, 1);
    /* the check recalculates from the (empty) maildir */
    assert_int_equal(quota_check(&q, 10, 1, time(NULL), &pct), QUOTA_OK);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.count, 0);
    assert_int_equal(pct, 1);
    quota_close(&q);
    char *s = get("md/maildirsize");
    assert_string_equal(s, "1000S\n           0            0\n");
    free(s);
    /* a negative line within a positive total is a normal deletion */
    open_file(&q, S("1000S\n500 2\n-200 -1\n"));
    assert_int_equal(q.recalc, 0);
    assert_int_equal(q.bytes, 300);
    assert_int_equal(q.count, 1);
    quota_close(&q);
}

static void test_read_nonewline_nul(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    open_file(&q, S("1000S\n  10 1"));
    assert_int_equal(q.bytes, 10);
    assert_int_equal(q.count, 1);
    assert_int_equal(q.lines, 1);
    assert_int_equal(q.recalc, 0);
    quota_close(&q);
    open_file(&q, S("1000S"));
    assert_int_equal(q.limit.bytes, 1000);
    assert_int_equal(q.lines, 0);
    quota_close(&q);
    open_file(&q, S("1000S\n10\0 1\n"));
    assert_int_equal(q.recalc, 1);
    quota_close(&q);
    open_file(&q, "", 0);
    assert_int_equal(q.limit.bytes + q.limit.count, 0);
    assert_int_equal(quota_check(&q, 1000000, 1, time(NULL), NULL), QUOTA_OK);
    quota_close(&q);
}

static void test_read_toobig(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    str s = STR_INIT;
    str_copys(&s, "7000S,20C\n");
    while (s.len < QUOTA_FILE_MAX + 100) quota_format_line(&s, 10, 1);
    open_file(&q, s.s, s.len);
    assert_int_equal(q.limit.bytes, 7000);
    assert_int_equal(q.limit.count, 20);
    assert_int_equal(q.recalc, 1);
    assert_int_equal(quota_check(&q, 1, 1, time(NULL), NULL), QUOTA_OK);
    quota_close(&q);
    char *f = get("md/maildirsize");
    assert_string_equal(f, "7000S,20C\n           0            0\n");
    free(f);
    /* a first line longer than the whole buffer */
    str_copys(&s, "");
    while (s.len < QUOTA_FILE_MAX * 2) str_cats(&s, "123456789,");
    open_file(&q, s.s, s.len);
    assert_int_equal(q.recalc, 1);
    quota_close(&q);
    str_free(&s);
}

static void test_not_regular(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    put("real", S("1S\n"));
    assert_int_equal(symlink(path("real"), path("md/maildirsize")), 0);
    assert_int_equal(quota_open(&q, path("md"), NULL), 0);
    assert_false(q.active);
    quota_close(&q);
    unlink(path("md/maildirsize"));
    assert_int_equal(mkdir(path("md/maildirsize"), 0700), 0);
    assert_int_equal(quota_open(&q, path("md"), NULL), 0);
    assert_false(q.active);
    assert_int_equal(quota_check(&q, 1000, 1, time(NULL), NULL), QUOTA_OK);
    quota_close(&q);
    /* no file, nothing imposed: no quota */
    rmdir(path("md/maildirsize"));
    assert_int_equal(quota_open(&q, path("md"), NULL), 0);
    assert_false(q.active);
    assert_int_equal(quota_add(&q, 5, 1), 0);
    quota_close(&q);
    assert_int_equal(access(path("md/maildirsize"), F_OK), -1);
}

/* ---- recalculation rules ----------------------------------------------------------------------- */

static void test_over_rules(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    time_t now = time(NULL);
    /* one size line, fresh: trusted, no recount (the maildir is empty) */
    open_file(&q, S("100S\n        1000            1\n"));
    assert_int_equal(quota_check(&q, 1, 1, now, NULL), QUOTA_OVER);
    assert_int_equal(q.bytes, 1000);
    quota_close(&q);
    /* the same, 15 minutes old: recounted */
    age("md/maildirsize", QUOTA_RECALC_AGE + 5);
    assert_int_equal(quota_open(&q, path("md"), NULL), 0);
    assert_int_equal(quota_check(&q, 1, 1, now, NULL), QUOTA_OK);
    assert_int_equal(q.bytes, 0);
    quota_close(&q);
    /* two lines: recounted at once */
    open_file(&q, S("100S\n        50            1\n        60            1\n"));
    assert_int_equal(quota_check(&q, 1, 1, now, NULL), QUOTA_OK);
    quota_close(&q);
    /* under quota: never recounted */
    open_file(&q, S("100S\n        50            1\n        10            1\n"));
    assert_int_equal(quota_check(&q, 1, 1, now, NULL), QUOTA_OK);
    assert_int_equal(q.bytes, 60);
    quota_close(&q);
    char *s = get("md/maildirsize");
    assert_string_equal(s, "100S\n        50            1\n        10            1\n");
    free(s);
    /* strictly greater: 1C allows one message */
    open_file(&q, S("1C\n"));
    assert_int_equal(quota_check(&q, 10, 1, now, NULL), QUOTA_OK);
    assert_int_equal(quota_check(&q, 10, 2, now, NULL), QUOTA_OVER);
    quota_close(&q);
}

static void test_count(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    mkmaildir("md/.Work");
    mkmaildir("md/.Trash");
    mkmaildir("elsewhere");
    put("md/new/1.a.host,S=100", S("x"));
    put("md/cur/2.a.host,S=200:2,S", S("x"));
    put("md/cur/3.a.host,S=400:2,ST", S("x"));   /* deleted */
    put("md/new/4.a.host", S("0123456789"));      /* no size: stat */
    put("md/new/.hidden,S=1000", S("x"));
    put("md/.Work/new/5.a.host,S=1000", S("x"));
    put("md/.Trash/cur/6.a.host,S=5000:2,S", S("x"));
    put("elsewhere/new/7.a.host,S=3000", S("x"));
    assert_int_equal(symlink(path("elsewhere"), path("md/.Linked")), 0);
    put("md/tmp/8.a.host,S=7000", S("x"));
    assert_int_equal(quota_set(path("md"), "100000S,50C", time(NULL)), 0);
    char *s = get("md/maildirsize");
    assert_string_equal(s, "100000S,50C\n        1310            4\n");
    free(s);
    int pct;
    assert_int_equal(quota_percent(path("md"), time(NULL), &pct), 0);
    assert_int_equal(pct, 8); /* 4 of 50 messages */
    /* a folder is charged to its parent */
    put("md/.Work/maildirfolder", "", 0);
    assert_int_equal(quota_start(&q, path("md/.Work"), NULL, 90, time(NULL)), QUOTA_OK);
    assert_true(q.active);
    assert_int_equal(quota_end(&q, 90), 0);
    s = get("md/maildirsize");
    assert_string_equal(s, "100000S,50C\n        1310            4\n          90            1\n");
    free(s);
    assert_int_equal(access(path("md/.Work/maildirsize"), F_OK), -1);
    str top = STR_INIT;
    assert_int_equal(quota_topdir(&top, path("md/.Work")), 0);
    assert_string_equal(top.s, path("md/.Work/.."));
    str_free(&top);
    assert_int_equal(quota_set(path("md"), "junk", time(NULL)), -1);
    assert_int_equal(errno, EINVAL);
}

static void test_impose(void **state)
{
    (void)state;
    quota q = QUOTA_INIT;
    time_t now = time(NULL);
    put("md/new/1.a.host,S=100", S("x"));
    /* imposed, no file: created */
    assert_int_equal(quota_start(&q, path("md"), "500S", 100, now), QUOTA_OK);
    assert_int_equal(quota_end(&q, 100), 0);
    char *s = get("md/maildirsize");
    assert_string_equal(s, "500S\n         100            1\n         100            1\n");
    free(s);
    /* over the imposed quota */
    assert_int_equal(quota_start(&q, path("md"), "500S", 401, now), QUOTA_OVER);
    assert_int_equal(q.fd, -1);
    /* a different imposed definition rewrites the file */
    assert_int_equal(quota_start(&q, path("md"), "1000S,10C", 400, now), QUOTA_OK);
    quota_close(&q);
    s = get("md/maildirsize");
    assert_string_equal(s, "1000S,10C\n         100            1\n");
    free(s);
    /* an imposed definition without limits is ignored */
    assert_int_equal(quota_start(&q, path("md"), "garbage", 400, now), QUOTA_OK);
    assert_int_equal(q.limit.bytes, 1000);
    quota_close(&q);
    /* charging a warning even when over */
    assert_int_equal(quota_charge(path("md"), 5000, 1, now), 0);
    s = get("md/maildirsize");
    assert_string_equal(s, "1000S,10C\n         100            1\n        5000            1\n");
    free(s);
    assert_int_equal(quota_recalculate(path("md"), now), 0);
    s = get("md/maildirsize");
    assert_string_equal(s, "1000S,10C\n         100            1\n");
    free(s);
}

static void test_warn(void **state)
{
    (void)state;
    time_t now = time(NULL);
    mkmaildir("md/.F");
    put("md/.F/maildirfolder", "", 0);
    assert_int_equal(quota_warn_due(path("md/.F"), now), 1);
    assert_int_equal(access(path("md/quotawarn"), F_OK), 0);
    assert_int_equal(quota_warn_due(path("md"), now + 10), 0);
    assert_int_equal(quota_warn_due(path("md"), now + QUOTA_WARN_INTERVAL + 1), 1);
    assert_int_equal(quota_warn_due(path("md"), now + QUOTA_WARN_INTERVAL + 2), 0);
}

int main(void)
{
    if (!mkdtemp(root)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_limit),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup(test_read_normal, setup),
        cmocka_unit_test_setup(test_read_junk, setup),
        cmocka_unit_test_setup(test_read_huge, setup),
        cmocka_unit_test_setup(test_read_negative, setup),
        cmocka_unit_test_setup(test_read_nonewline_nul, setup),
        cmocka_unit_test_setup(test_read_toobig, setup),
        cmocka_unit_test_setup(test_not_regular, setup),
        cmocka_unit_test_setup(test_over_rules, setup),
        cmocka_unit_test_setup(test_count, setup),
        cmocka_unit_test_setup(test_impose, setup),
        cmocka_unit_test_setup(test_warn, setup),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0) r = 1;
    return r;
}
