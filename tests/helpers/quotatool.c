/*
 * quotatool: drives lib/quota from the shell, for tests/mda/quota-*.t.
 *
 *   quotatool deliver MAILDIR [QUOTA] < msg
 *       delivers like deliverquota: quota_start, a Maildir delivery with
 *       ",S=<size>" in the name, quota_end.  Exit 0, 77 over quota (as
 *       deliverquota), 75 on errors.
 *   quotatool check MAILDIR BYTES [QUOTA]   prints "ok P" or "over P"
 *   quotatool percent MAILDIR               prints the usage in percent
 *   quotatool set MAILDIR DEFINITION        maildirmake -q
 *   quotatool recalc MAILDIR
 *   quotatool charge MAILDIR BYTES COUNT
 *   quotatool warn MAILDIR [SECONDS-FROM-NOW]   prints 1 (due) or 0
 *   quotatool size NAME                     prints the ,S= size or "none"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs.h"
#include "maildir.h"
#include "quota.h"
#include "str.h"

static int usage(void)
{
    fprintf(stderr, "quotatool: bad usage\n");
    return 100;
}

static int deliver_msg(const char *dir, const char *impose, const str *msg, str *final)
{
    quota q = QUOTA_INIT;
    maildir_tmp t = MAILDIR_TMP_INIT;
    unsigned long counter = 0;
    switch (quota_start(&q, dir, impose, (int64_t)msg->len, time(NULL))) {
    case QUOTA_OVER:
        fprintf(stderr, "quotatool: over quota\n");
        return 77;
    case QUOTA_ERR:
        perror("quotatool: quota");
        return 75;
    }
    if (maildir_tmp_open(&t, dir, &counter) != 0 ||
        (msg->len && maildir_tmp_write(&t, msg->s, msg->len) != 0)) {
        perror("quotatool: write");
        maildir_tmp_abort(&t);
        quota_close(&q);
        return 75;
    }
    if (maildir_tmp_commit(&t, MAILDIR_SIZE, final) != 0) {
        perror("quotatool: commit");
        quota_close(&q);
        return 75;
    }
    if (quota_end(&q, (int64_t)msg->len) < 0) {
        perror("quotatool: quota update");
        return 75;
    }
    return 0;
}

static int deliver(const char *dir, const char *impose)
{
    str msg = STR_INIT, final = STR_INIT;
    int r = 75;
    if (fs_read_fd(0, &msg, 64u << 20) < 0) perror("quotatool: read");
    else r = deliver_msg(dir, impose, &msg, &final);
    str_free(&msg);
    str_free(&final);
    return r;
}

int main(int argc, char **argv)
{
    time_t now = time(NULL);
    if (argc < 3) return usage();
    const char *cmd = argv[1], *dir = argv[2];
    if (strcmp(cmd, "deliver") == 0) return deliver(dir, argc > 3 ? argv[3] : NULL);
    if (strcmp(cmd, "check") == 0 && argc >= 4) {
        quota q = QUOTA_INIT;
        int pct = 0, r;
        if (quota_open(&q, dir, argc > 4 ? argv[4] : NULL) < 0) return 75;
        r = quota_check(&q, atoll(argv[3]), 1, now, &pct);
        quota_close(&q);
        if (r == QUOTA_ERR) return 75;
        printf("%s %d\n", r == QUOTA_OVER ? "over" : "ok", pct);
        return 0;
    }
    if (strcmp(cmd, "percent") == 0) {
        int pct;
        if (quota_percent(dir, now, &pct) < 0) return 75;
        printf("%d\n", pct);
        return 0;
    }
    if (strcmp(cmd, "set") == 0 && argc == 4) return quota_set(dir, argv[3], now) < 0 ? 75 : 0;
    if (strcmp(cmd, "recalc") == 0) return quota_recalculate(dir, now) < 0 ? 75 : 0;
    if (strcmp(cmd, "charge") == 0 && argc == 5)
        return quota_charge(dir, atoll(argv[3]), atoll(argv[4]), now) < 0 ? 75 : 0;
    if (strcmp(cmd, "warn") == 0) {
        int r = quota_warn_due(dir, now + (argc > 3 ? atol(argv[3]) : 0));
        if (r < 0) return 75;
        printf("%d\n", r);
        return 0;
    }
    if (strcmp(cmd, "size") == 0) {
        uint64_t sz;
        if (quota_name_size(dir, strlen(dir), &sz)) printf("%llu\n", (unsigned long long)sz);
        else printf("none\n");
        return 0;
    }
    return usage();
}
