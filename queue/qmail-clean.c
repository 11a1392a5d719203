/*
 * qmail-clean: removes queue files on behalf of qmail-send and qmail-todo.
 *
 * Runs in QMAILHOME/queue (as qmailq in system mode, the only user allowed
 * to remove from mess, intd and todo).  Requests arrive on fd 0 as
 * NUL-terminated strings of 7..100 bytes (counting the NUL); each gets a
 * one-byte reply on fd 1: '+' done, '!' an unlink or fsync failed, 'x' a
 * malformed request.
 *
 *   foop/<id>    unlink intd/<id> and mess/<id%23>/<id>
 *   todo/<id>    unlink intd/<id>, todo/<id%23>/<id> and a flat todo/<id>
 *   fsync/todo   fsync the todo directories changed since the last one
 *   fsync/mess   the same for the mess directories
 *
 * Removed mess, intd and todo files are recycled into queue/poolq when it
 * exists (see pool.h).  A file that is already gone is not an error.  The fsync requests are ours
 * (qmail 1.03 has none): qmail-todo removes a batch of todo entries and then
 * makes the removals durable with one request.  At start and with every
 * 31st request, files in pid/ whose access time is more than 36 hours old
 * are removed (debris of qmail-queue runs that died).  End of input on fd 0
 * ends the program with exit 0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "pool.h"
#include "queuefmt.h"
#include "str.h"

#define PROG "qmail-clean"
#define OSSIFIED 129600   /* 36 hours */
#define REQ_MIN 7         /* bytes of a request, its NUL included */
#define REQ_MAX 100
#define SWEEP_EVERY 31

/* directories changed since the last fsync request: 0..22 split, 23 flat */
struct touched {
    unsigned char dir[QF_SPLIT + 1];
};

static void sweep_pid(void)
{
    DIR *d = opendir("pid");
    struct dirent *e;
    time_t now = time(NULL);
    char path[300];

    if (!d) return;
    while ((e = readdir(d))) {
        struct stat st;
        if (e->d_name[0] == '.') continue;
        if (snprintf(path, sizeof path, "pid/%s", e->d_name) >= (int)sizeof path) continue;
        if (lstat(path, &st) < 0) continue;
        if (now > st.st_atime + OSSIFIED) unlink(path);
    }
    closedir(d);
}

static struct pool pool; /* finished mess and todo files go to poolq */

/* 1 removed, 0 absent, -1 failed */
static int remove_file(const char *path)
{
    return pool_put(&pool, path);
}

/* The flat todo/<id>: for ids below 23 that name is a split subdirectory,
   which is not the entry and must stay. */
static int remove_flat(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    return remove_file(path);
}

static int sync_dirs(const char *top, struct touched *t)
{
    char path[32];
    int ok = 0;
    for (unsigned i = 0; i <= QF_SPLIT; i++) {
        if (!t->dir[i]) continue;
        if (i == QF_SPLIT) snprintf(path, sizeof path, "%s", top);
        else snprintf(path, sizeof path, "%s/%u", top, i);
        if (fs_fsync_dir(path) < 0 && errno != ENOENT) ok = -1;
        t->dir[i] = 0;
    }
    return ok;
}

static char handle(const str *req, struct touched *todo, struct touched *mess)
{
    const char *s = req->s;
    size_t len = req->len - 1; /* without the NUL */
    unsigned long id;
    char path[64];
    int r = 0;

    if (len == 10 && !memcmp(s, "fsync/todo", 10)) return sync_dirs("todo", todo) ? '!' : '+';
    if (len == 10 && !memcmp(s, "fsync/mess", 10)) return sync_dirs("mess", mess) ? '!' : '+';
    if (len < 6) return 'x';
    if (memchr(s, 0, len)) return 'x';
    if (scan_ulong(s + 5, len - 5, &id) != len - 5) return 'x';
    if (!memcmp(s, "foop/", 5)) {
        int k;
        qf_path(path, sizeof path, "intd", id, 0);
        if (remove_file(path) < 0) r = -1;
        qf_path(path, sizeof path, "mess", id, 1);
        if ((k = remove_file(path)) < 0) r = -1;
        if (k > 0) mess->dir[id % QF_SPLIT] = 1;
        return r ? '!' : '+';
    }
    if (!memcmp(s, "todo/", 5)) {
        int k;
        qf_path(path, sizeof path, "intd", id, 0);
        if (remove_file(path) < 0) r = -1;
        qf_path(path, sizeof path, "todo", id, 1);
        if ((k = remove_file(path)) < 0) r = -1;
        if (k > 0) todo->dir[id % QF_SPLIT] = 1;
        qf_path(path, sizeof path, "todo", id, 0);
        if ((k = remove_flat(path)) < 0) r = -1;
        if (k > 0) todo->dir[QF_SPLIT] = 1;
        return r ? '!' : '+';
    }
    return 'x';
}

int main(void)
{
    char inspace[1024];
    buf in;
    str req = STR_INIT;
    struct touched todo, mess;
    unsigned count = 0;

    signal(SIGPIPE, SIG_IGN);
    memset(&todo, 0, sizeof todo);
    memset(&mess, 0, sizeof mess);
    if (chdir(ctl_home()) < 0) die_sys(EXIT_TEMP, PROG, "unable to switch to home directory");
    if (chdir("queue") < 0) die_sys(EXIT_TEMP, PROG, "unable to switch to queue directory");
    pool_init(&pool, POOL_Q);
    if (buf_init(&in, 0, inspace, sizeof inspace) < 0) die_nomem(PROG);

    for (;;) {
        char reply;
        int r;
        if (count++ % SWEEP_EVERY == 0) sweep_pid();
        r = buf_getline(&in, &req, '\0', REQ_MAX);
        if (r == BUF_EOF || r == BUF_PARTIAL) break;
        if (r == BUF_ERR) {
            if (errno == ENOMEM) die_nomem(PROG);
            die_sys(EXIT_TEMP, PROG, "unable to read requests");
        }
        if (r == BUF_TOOLONG || req.len < REQ_MIN) reply = 'x';
        else reply = handle(&req, &todo, &mess);
        if (fs_write_all(1, &reply, 1) < 0) _exit(EXIT_TEMP);
    }
    str_free(&req);
    return 0;
}
