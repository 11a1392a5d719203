/* Unit tests for lib/rcpt: rewriting, users/cdb, the .qmail search, the check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdbx.h"
#include "rcpt.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_rcpt.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void rw_make(rcpt_rw *rw)
{
    memset(rw, 0, sizeof *rw);
    assert_int_equal(str_copys(&rw->envnoathost, "me.example"), 0);
    assert_int_equal(ctl_set_add(&rw->locals, "me.example", 10), 0);
    assert_int_equal(ctl_set_add(&rw->percenthack, "ph.example", 10), 0);
    assert_int_equal(ctl_map_put(&rw->vdoms, "virt.example", 12, "joe-v", 5), 0);
    assert_int_equal(ctl_map_put(&rw->vdoms, "sales@virt.example", 18, "bob", 3), 0);
    assert_int_equal(ctl_map_put(&rw->vdoms, ".wild.example", 13, "w", 1), 0);
    assert_int_equal(ctl_map_put(&rw->vdoms, "not.wild.example", 16, "", 0), 0);
}

static void expect_rw(const rcpt_rw *rw, const char *in, int cls, const char *out)
{
    str o = STR_INIT, t = STR_INIT;
    assert_int_equal(rcpt_rewrite(rw, in, strlen(in), &o, &t), cls);
    assert_int_equal(o.len, strlen(out));
    assert_memory_equal(o.s, out, o.len);
    str_free(&o);
    str_free(&t);
}

static void test_rewrite(void **state)
{
    rcpt_rw rw;
    (void)state;
    rw_make(&rw);
    expect_rw(&rw, "a@me.example", RCPT_LOCAL, "a@me.example");
    expect_rw(&rw, "a@ME.Example", RCPT_LOCAL, "a@ME.Example");
    expect_rw(&rw, "NOAT", RCPT_LOCAL, "NOAT@me.example");
    expect_rw(&rw, "x@virt.example", RCPT_LOCAL, "joe-v-x@virt.example");
    expect_rw(&rw, "sales@virt.example", RCPT_LOCAL, "bob-sales@virt.example");
    expect_rw(&rw, "y@a.b.wild.example", RCPT_LOCAL, "w-y@a.b.wild.example");
    expect_rw(&rw, "y@not.wild.example", RCPT_REMOTE, "y@not.wild.example");
    expect_rw(&rw, "a%virt.example@ph.example", RCPT_LOCAL, "joe-v-a@virt.example");
    expect_rw(&rw, "a@remote.example", RCPT_REMOTE, "a@remote.example");
    expect_rw(&rw, "a@b@me.example", RCPT_LOCAL, "a@b@me.example");
    rcpt_rw_free(&rw);
}

static void test_rw_read(void **state)
{
    char p[512];
    rcpt_rw rw;
    const char *why = NULL;
    FILE *f;
    (void)state;
    snprintf(p, sizeof p, "%s/control", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    /* neither locals nor me: an error */
    assert_int_equal(rcpt_rw_read(&rw, dir, NULL, NULL, &why), -1);
    assert_non_null(why);
    snprintf(p, sizeof p, "%s/control/me", dir);
    f = fopen(p, "w");
    fputs("me.example\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/control/virtualdomains", dir);
    f = fopen(p, "w");
    fputs("virt.example:joe-v\njunk line\nx@:y\n", f);
    fclose(f);
    assert_int_equal(rcpt_rw_read(&rw, dir, NULL, NULL, &why), 0);
    expect_rw(&rw, "a@me.example", RCPT_LOCAL, "a@me.example");
    expect_rw(&rw, "a", RCPT_LOCAL, "a@me.example");
    expect_rw(&rw, "x@virt.example", RCPT_LOCAL, "joe-v-x@virt.example");
    rcpt_rw_free(&rw);
}

static void test_users_cdb(void **state)
{
    char p[512];
    cdbx_make mk;
    cdbx db;
    str v = STR_INIT;
    static const char joe[] = "joe\0" "1000\0" "1000\0/home/joe\0\0";
    static const char joew[] = "joe\0" "1000\0" "1000\0/home/joe\0-\0";
    static const char alias[] = "alias\0" "7\0" "7\0/var/alias\0-\0";
    (void)state;
    snprintf(p, sizeof p, "%s/cdb", dir);
    assert_int_equal(cdbx_make_start(&mk, p, 0644), 0);
    assert_int_equal(cdbx_make_add(&mk, "!joe", 5, joe, sizeof joe - 1), 0);
    assert_int_equal(cdbx_make_add(&mk, "!joe-", 5, joew, sizeof joew - 1), 0);
    assert_int_equal(cdbx_make_add(&mk, "!", 1, alias, sizeof alias - 1), 0);
    assert_int_equal(cdbx_make_add(&mk, "", 0, "-", 1), 0);
    assert_int_equal(cdbx_make_finish(&mk), 0);
    assert_int_equal(cdbx_open(&db, p), 0);

    assert_int_equal(rcpt_users_cdb(&db, "JOE", &v), 1);
    assert_int_equal(v.len, sizeof joe);
    assert_memory_equal(v.s, joe, v.len);
    assert_int_equal(rcpt_users_cdb(&db, "joe-Ext-x", &v), 1);
    assert_int_equal(v.len, sizeof joew - 1 + 6);
    assert_memory_equal(v.s + sizeof joew - 1, "Ext-x", 6);
    assert_int_equal(rcpt_users_cdb(&db, "other", &v), 1);   /* the catch-all "!" */
    assert_memory_equal(v.s, "alias", 6);
    assert_memory_equal(v.s + sizeof alias - 1, "other", 6);
    cdbx_close(&db);

    /* a cdb without the wildchars record is corrupt */
    assert_int_equal(cdbx_make_start(&mk, p, 0644), 0);
    assert_int_equal(cdbx_make_add(&mk, "!joe", 5, joe, sizeof joe - 1), 0);
    assert_int_equal(cdbx_make_finish(&mk), 0);
    assert_int_equal(cdbx_open(&db, p), 0);
    errno = 0;
    assert_int_equal(rcpt_users_cdb(&db, "x", &v), -1);
    assert_int_equal(errno, EPROTO);
    cdbx_close(&db);
    str_free(&v);
}

static void test_names(void **state)
{
    str s = STR_INIT;
    (void)state;
    assert_int_equal(rcpt_safeext(&s, "Foo.Bar-X"), 0);
    assert_string_equal(s.s, "foo:bar-x");
    assert_int_equal(rcpt_qmail_name(&s, "-", "ext", 3, ""), 1);
    assert_string_equal(s.s, ".qmail-ext");
    assert_int_equal(rcpt_qmail_name(&s, "-", "a-", 2, "default"), 1);
    assert_string_equal(s.s, ".qmail-a-default");
    assert_int_equal(rcpt_qmail_name(&s, "", "", 0, ""), 1);
    assert_string_equal(s.s, ".qmail");
    assert_int_equal(rcpt_qmail_name(&s, "-", "../x", 4, ""), 0);
    assert_int_equal(rcpt_qmail_name(&s, "-/", "a/b", 3, ""), 0);
    assert_int_equal(rcpt_qmail_name(&s, "-/", "ab", 2, ""), 1);
    assert_string_equal(s.s, ".qmail-/ab");
    str_free(&s);
}

/* a probe that finds the names in a NUL-separated list */
static const char *present;
static int probes;
static int probe(void *ctx, const char *name)
{
    (void)ctx;
    probes++;
    for (const char *p = present; *p; p += strlen(p) + 1)
        if (!strcmp(p, name)) return 1;
    if (!strcmp(name, ".qmail-fail")) return -1;
    return 0;
}

static void test_dotqmail(void **state)
{
    str q = STR_INIT;
    size_t d;
    (void)state;
    present = ".qmail-a-b\0.qmail-x-default\0.qmail-default\0";
    assert_int_equal(rcpt_dotqmail("-", "A-B", probe, NULL, &q, &d), 1);
    assert_string_equal(q.s, ".qmail-a-b");
    assert_int_equal(d, RCPT_NODEFAULT);
    assert_int_equal(rcpt_dotqmail("-", "x-y-Z", probe, NULL, &q, &d), 1);
    assert_string_equal(q.s, ".qmail-x-default");
    assert_int_equal(d, 2);                 /* DEFAULT = "y-Z" */
    assert_int_equal(rcpt_dotqmail("-", "other", probe, NULL, &q, &d), 1);
    assert_string_equal(q.s, ".qmail-default");
    assert_int_equal(d, 0);
    present = ".qmail-x-default\0";
    assert_int_equal(rcpt_dotqmail("-", "x", probe, NULL, &q, &d), 0);
    assert_int_equal(rcpt_dotqmail("-", "y", probe, NULL, &q, &d), 0);
    present = "\0";
    assert_int_equal(rcpt_dotqmail("-", "fail", probe, NULL, &q, &d), -1);
    /* a long extension made of '-' costs linear time, not quadratic */
    char *many = malloc(100001);
    memset(many, '-', 100000);
    many[100000] = 0;
    probes = 0;
    assert_int_equal(rcpt_dotqmail("-", many, probe, NULL, &q, &d), 0);
    assert_true(probes < 1000);
    free(many);
    str_free(&q);
}

static void writefile(const char *rel, const char *text)
{
    char p[512];
    FILE *f;
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_check(void **state)
{
    char p[512], home[512];
    cdbx_make mk;
    rcpt_rw rw;
    char val[600];
    int n;
    (void)state;
    snprintf(p, sizeof p, "%s/control", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/users", dir);
    mkdir(p, 0755);
    snprintf(home, sizeof home, "%s/joe", dir);
    mkdir(home, 0755);
    writefile("control/me", "me.example\n");
    writefile("control/virtualdomains", "virt.example:joe-v\n");
    writefile("joe/.qmail-list", "./Maildir/\n");
    writefile("joe/.qmail-v-default", "./Maildir/\n");
    /* users/cdb: =joe and +joe- */
    snprintf(p, sizeof p, "%s/users/cdb", dir);
    assert_int_equal(cdbx_make_start(&mk, p, 0644), 0);
    n = snprintf(val, sizeof val, "joe%c1%c1%c%s%c%c", 0, 0, 0, home, 0, 0);
    assert_int_equal(cdbx_make_add(&mk, "!joe", 5, val, (size_t)n), 0);
    n = snprintf(val, sizeof val, "joe%c1%c1%c%s%c-%c", 0, 0, 0, home, 0, 0);
    assert_int_equal(cdbx_make_add(&mk, "!joe-", 5, val, (size_t)n), 0);
    assert_int_equal(cdbx_make_add(&mk, "", 0, "-", 1), 0);
    assert_int_equal(cdbx_make_finish(&mk), 0);
    assert_int_equal(rcpt_rw_read(&rw, dir, NULL, NULL, NULL), 0);

    assert_int_equal(rcpt_check(dir, &rw, "joe@me.example", 14), RCPT_CHECK_OK);
    assert_int_equal(rcpt_check(dir, &rw, "joe-list@me.example", 19), RCPT_CHECK_OK);
    assert_int_equal(rcpt_check(dir, &rw, "joe-nope@me.example", 19), RCPT_CHECK_UNKNOWN);
    assert_int_equal(rcpt_check(dir, &rw, "a@virt.example", 14), RCPT_CHECK_OK);
    assert_int_equal(rcpt_check(dir, &rw, "x@remote.example", 16), RCPT_CHECK_OK);
    assert_int_equal(rcpt_check(dir, &rw, "@me.example", 11), RCPT_CHECK_OK);
    /* not in users/cdb: qmail-getpw is run, and it is missing here */
    assert_int_equal(rcpt_check(dir, &rw, "nobody@me.example", 17), RCPT_CHECK_TEMP);
    rcpt_rw_free(&rw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrite),
        cmocka_unit_test_setup_teardown(test_rw_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users_cdb, setup, teardown),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_dotqmail),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
