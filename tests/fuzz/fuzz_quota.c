/* libFuzzer target for lib/quota: the quota definition parser, the
 * file-name size and deleted-flag parsers, and whole maildirsize files
 * read by quota_open() and checked by quota_check() (in a scratch Maildir
 * with one message, so a forced recount has something to count).  Also
 * hdr_unfold's COLLAPSE mode (reformail -c), whose output never holds a
 * line feed. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "hdr.h"
#include "quota.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static char dir[] = "/tmp/fuzz_quota.XXXXXX";
static char file[sizeof dir + 32];

static void cleanup(void)
{
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return;
}

static void setup(void)
{
    char p[sizeof dir + 64];
    if (!mkdtemp(dir)) abort();
    const char *sub[] = { "tmp", "new", "cur" };
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, sub[i]);
        if (mkdir(p, 0700) < 0) abort();
    }
    snprintf(p, sizeof p, "%s/cur/1.a.host,S=100:2,S", dir);
    int fd = open(p, O_WRONLY | O_CREAT, 0600);
    if (fd < 0) abort();
    close(fd);
    snprintf(file, sizeof file, "%s/maildirsize", dir);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    const char *s = (const char *)data;
    quota_limit l;
    uint64_t sz;
    str o = STR_INIT;

    if (!ready) {
        setup();
        ready = 1;
    }
    quota_parse_limit(s, size, &l);
    CHECK(l.bytes >= 0 && l.count >= 0);
    CHECK(quota_format_limit(&o, &l) == 0);
    quota_limit back;
    quota_parse_limit(o.s ? o.s : "", o.len, &back);
    CHECK(back.bytes == l.bytes && back.count == l.count);
    (void)quota_name_size(s, size, &sz);
    (void)quota_name_counts(s, size);
    str_truncate(&o, 0);
    CHECK(hdr_unfold(&o, s, size, HDR_UNFOLD_COLLAPSE) == 0);
    CHECK(o.len <= size && !memchr(o.s, '\n', o.len));
    str_free(&o);

    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || fs_write_all(fd, data, size) < 0) abort();
    close(fd);
    quota q = QUOTA_INIT;
    CHECK(quota_open(&q, dir, NULL) == 0);
    int pct = -1;
    int r = quota_check(&q, 50, 1, time(NULL), &pct);
    CHECK(r == QUOTA_OK || r == QUOTA_OVER || r == QUOTA_ERR);
    CHECK(pct >= 0 && pct <= 100);
    if (r != QUOTA_ERR) CHECK(q.bytes >= 0 && q.count >= 0);
    quota_close(&q);
    return 0;
}
