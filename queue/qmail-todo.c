/*
 * qmail-todo: preprocesses newly queued messages beside qmail-send.
 *
 * qmail-queue leaves each new message's envelope in todo/<id%23>/<id> (or a
 * flat todo/<id> from an original qmail-queue).  qmail-todo turns it into
 * info/<id%23>/<id> (the sender; its mtime is the message's birth time),
 * local/<id%23>/<id> and remote/<id%23>/<id> (the rewritten recipients),
 * makes them durable, has its own qmail-clean remove the todo entry, and
 * only then tells qmail-send about the message.  It runs as its own process
 * so that classifying a flood of new mail never holds up deliveries.
 *
 * Descriptors (set up by qmail-start):
 *   0  activity log, written: "new msg N", "info msg N: ...", warnings
 *   1  notifications to qmail-send: "N<id>:<flags>\0", flags 'l' and/or 'r'
 *   2  commands from qmail-send: 'S' start, 'H' reread controls, 'A' scan
 *   5  requests to qmail-clean      6  replies from qmail-clean
 * Nothing is done before 'S'.  End of file on fd 2 (or SIGTERM) makes it
 * finish the batch in hand and exit 0.
 *
 * Group commit: up to BATCH_MAX todo entries found by one scan are written
 * out, then every new file and every split directory touched is fsync'd
 * once, then qmail-clean removes the todo entries ("todo/<id>") and makes
 * the removals durable ("fsync/todo"), then qmail-send is told.  A crash at
 * any point leaves either the todo entry (redone from scratch) or finished
 * files; never a message that nobody knows about.
 *
 * Entries from a one-flush qmail-queue (qcommit.h) carry a commit record.
 * One whose mode still says "pending" (its writer died before its flush
 * was over, or is still in it) is flushed here before anything is built on
 * it.  One from an earlier boot is checked against its record first: a
 * power loss may have kept its todo link but not the data it names, and
 * such a torn entry, never committed, is removed (its message file is left
 * for the usual debris cleanup).
 *
 * Recipient rewriting is qmail-send's (qmail-send(8), control files
 * envnoathost, percenthack, locals, virtualdomains).  A corrupt todo file is
 * reported once on the log and left for qmail-qcheck; the rest flows.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "fs.h"
#include "log.h"
#include "pool.h"
#include "qcommit.h"
#include "queuefmt.h"
#include "rcpt.h"
#include "str.h"

#define FD_LOG 0
#define FD_NOTE 1
#define FD_CMD 2
#define FD_CLEANREQ 5
#define FD_CLEANREP 6

#define BATCH_MAX 64
#define SLEEP_TODO 1500         /* scan todo/ at least this often (seconds) */
#define RECORD_MAX 65536        /* longest envelope record accepted */
#define BAD_MAX 65536           /* corrupt entries remembered (warn once) */

enum { CH_LOCAL = RCPT_LOCAL, CH_REMOTE = RCPT_REMOTE };
static const char *const chan_dir[2] = { "local", "remote" };

/* ---- control files ----------------------------------------------------- */

/* envnoathost, locals, percenthack, virtualdomains (lib/rcpt) */
static rcpt_rw cfg;
static char home[PATH_MAX];

static volatile sig_atomic_t flag_term;
static int stopping;       /* finish the batch in hand, then exit 0 */
static int rescan;         /* scan todo/ as soon as possible */
static int want_full_scan = 1; /* ... and read every directory of it */
static int trigfd = -1;
static int trig_warned;

/* ---- the activity log -------------------------------------------------- */

static void log_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_text(const char *fmt, ...)
{
    char line[1024];
    str s;
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
    s.s = line;
    s.len = (size_t)n;
    s.cap = sizeof line;
    log_write_line(FD_LOG, &s);
}

static void die_alert(const char *text) __attribute__((noreturn));
static void die_alert(const char *text)
{
    log_text("alert: %s", text);
    _exit(111);
}

static void nomem(void) { die_alert("out of memory, qmail-todo exiting"); }

/* ---- configuration ----------------------------------------------------- */

/* A junk line of virtualdomains: skipped with a warning. */
static void vdom_junk(void *ctx, int kind, const char *line, size_t len)
{
    str w = STR_INIT;
    (void)ctx;
    if (str_cats(&w, kind == RCPT_JUNK_NOCOLON
                         ? "warning: ignoring virtualdomains line without a colon: "
                         : "warning: ignoring virtualdomains line with an empty domain: ") == 0 &&
        log_safe_cat(&w, line, len) == 0)
        log_write_line(FD_LOG, &w);
    str_free(&w);
}

/* Fills c from the control files; -1 with a reason in *why. */
static int config_read(rcpt_rw *c, const char **why)
{
    return rcpt_rw_read(c, home, vdom_junk, NULL, why);
}

static void config_reread(void)
{
    rcpt_rw n;
    const char *why = "";
    if (config_read(&n, &why) < 0) {
        log_text("alert: unable to reread controls: %s", why);
        return;
    }
    rcpt_rw_free(&cfg);
    cfg = n;
}

/* ---- recipient rewriting (qmail-send(8)) --------------------------------- */

/*
 * Rewrites rcpt[0..n) into out ("prepend-" added for a virtual domain).
 * Returns CH_LOCAL or CH_REMOTE, -1 out of memory.
 */
static int rewrite(const char *rcpt, size_t n, str *out, str *tmp)
{
    return rcpt_rewrite(&cfg, rcpt, n, out, tmp);
}

/* ---- corrupt entries: warn once per version of the file -------------------- */

struct bad {
    unsigned long id;
    unsigned long ino;
    long long ctime_s;
    long ctime_ns;
    int used;
};
static struct bad *bad;
static size_t bad_cap, bad_n;

static size_t bad_slot(unsigned long id) { return (size_t)(id * 2654435761u) & (bad_cap - 1); }

static void bad_insert(const struct bad *b)
{
    size_t i = bad_slot(b->id);
    while (bad[i].used) i = (i + 1) & (bad_cap - 1);
    bad[i] = *b;
    bad_n++;
}

/* Makes room for one more entry (forgets everything past BAD_MAX). */
static void bad_room(void)
{
    struct bad *old = bad;
    size_t ocap = bad_cap;
    if (bad_n >= BAD_MAX) {
        free(bad);
        bad = old = 0;
        bad_cap = ocap = bad_n = 0;
    }
    if (bad && (bad_n + 1) * 2 <= bad_cap) return;
    bad_cap = bad_cap ? bad_cap * 2 : 64;
    bad = calloc(bad_cap, sizeof *bad);
    if (!bad) nomem();
    bad_n = 0;
    for (size_t k = 0; k < ocap; k++)
        if (old[k].used) bad_insert(&old[k]);
    free(old);
}

/* 1 if this version of the entry was reported before; otherwise records it. */
static int bad_seen(unsigned long id, const struct stat *st)
{
    struct bad b;
    size_t i;
    memset(&b, 0, sizeof b);
    b.used = 1;
    b.id = id;
    b.ino = (unsigned long)st->st_ino;
    b.ctime_s = (long long)st->st_ctim.tv_sec;
    b.ctime_ns = st->st_ctim.tv_nsec;
    bad_room();
    for (i = bad_slot(id); bad[i].used; i = (i + 1) & (bad_cap - 1)) {
        if (bad[i].id != id) continue;
        if (bad[i].ino == b.ino && bad[i].ctime_s == b.ctime_s && bad[i].ctime_ns == b.ctime_ns)
            return 1;
        bad[i] = b; /* a new version of the same entry: report it again */
        return 0;
    }
    bad_insert(&b);
    return 0;
}

/* ---- one message: phase 1, writing info/local/remote ----------------------- */

struct job {
    unsigned long id;
    int fdinfo;
    int fdchan[2];
    int ok;
    int pending; /* its writer's flush is not known to be done: ours first */
    int torn;    /* a crash tore it before its commit: to be removed */
    char todo[64];
};

/* the kernel's boot id (qcommit.h), to know which entries need checking */
static uint64_t boot;
static int boot_known;

/* info, local and remote files come from queue/pools when it has any
 * (pool.h), and go back there when a job is discarded */
static struct pool pool;
static char inspace[8192];
static char chanspace[2][65536];

static void path_of(char *out, const char *dir, unsigned long id)
{
    qf_path(out, 64, dir, id, 1);
}

static void job_close(struct job *j)
{
    if (j->fdinfo >= 0) close(j->fdinfo);
    for (int c = 0; c < 2; c++)
        if (j->fdchan[c] >= 0) close(j->fdchan[c]);
    j->fdinfo = j->fdchan[0] = j->fdchan[1] = -1;
}

/* Removes whatever phase 1 created for j (the next attempt starts afresh). */
static void job_discard(struct job *j)
{
    char p[64];
    if (j->fdinfo >= 0) { path_of(p, "info", j->id); pool_put(&pool, p); }
    for (int c = 0; c < 2; c++)
        if (j->fdchan[c] >= 0) { path_of(p, chan_dir[c], j->id); pool_put(&pool, p); }
    job_close(j);
    j->ok = 0;
}

static int open_todo(unsigned long id, char *path)
{
    int fd;
    qf_path(path, 64, "todo", id, 1);
    fd = fs_open_nofollow(path, O_RDONLY, 0);
    if (fd >= 0 || errno != ENOENT) return fd;
    qf_path(path, 64, "todo", id, 0);
    return fs_open_nofollow(path, O_RDONLY, 0);
}

/* A recycled file keeps its old contents until cut_to_written (it is
 * rewritten in place: cheaper than freeing and allocating its blocks). */
static int create_file(const char *path)
{
    int fd = pool_take_keep(&pool, path, 0600);
    if (fd >= 0 || errno != ENOENT) return fd;
    return fs_open_nofollow(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
}

/* Cuts fd off where writing stopped: a recycled file may be longer. */
static int cut_to_written(int fd)
{
    off_t at = lseek(fd, 0, SEEK_CUR);
    return at < 0 ? -1 : ftruncate(fd, at);
}

/* Preprocesses one todo entry up to (not including) the fsyncs. */
static void job_prepare(struct job *j)
{
    char todo[64], mess[64], p[64];
    struct stat st, tst;
    buf in, out[2];
    str rec = STR_INIT, uid = STR_INIT, qp = STR_INIT, sender = STR_INIT;
    str addr = STR_INIT, tmp = STR_INIT, line = STR_INIT;
    int fd, have_sender = 0;
    const char *corrupt = 0;

    j->fdinfo = j->fdchan[0] = j->fdchan[1] = -1;
    j->ok = j->pending = j->torn = 0;
    fd = open_todo(j->id, todo);
    if (fd < 0) {
        if (errno != ENOENT) log_text("warning: unable to open %s", todo);
        return; /* ENOENT: already done */
    }
    if (fstat(fd, &tst) < 0) {
        log_text("warning: unable to stat %s", todo);
        close(fd);
        return;
    }
    path_of(mess, "mess", j->id);
    if (stat(mess, &st) < 0) {
        if (!bad_seen(j->id, &tst)) log_text("warning: unable to stat %s", mess);
        close(fd);
        return;
    }
    memcpy(j->todo, todo, sizeof j->todo);
    switch (qcommit_torn(fd, j->id, mess, boot_known ? &boot : NULL)) {
    case 0: break;
    case 1:
        log_text("warning: %s was torn by a crash before its commit; removing it", todo);
        j->torn = 1;
        close(fd);
        return;
    default:
        log_text("warning: unable to check the commit record of %s", todo);
        close(fd);
        return;
    }
    j->pending = (tst.st_mode & 07777) == QCOMMIT_MODE_PENDING;
    /* a previous attempt may have died half-way */
    path_of(p, "info", j->id);
    if (pool_put(&pool, p) < 0) goto unlink_fail;
    for (int c = 0; c < 2; c++) {
        path_of(p, chan_dir[c], j->id);
        if (pool_put(&pool, p) < 0) goto unlink_fail;
    }
    path_of(p, "info", j->id);
    j->fdinfo = create_file(p);
    if (j->fdinfo < 0) {
        log_text("warning: unable to create %s", p);
        close(fd);
        return;
    }

    buf_init(&in, fd, inspace, sizeof inspace);
    for (;;) {
        int r = buf_getline(&in, &rec, '\0', RECORD_MAX);
        if (r == BUF_EOF) break;
        if (r == BUF_ERR) {
            if (errno == ENOMEM) nomem();
            log_text("warning: trouble reading %s", todo);
            goto fail;
        }
        if (r == BUF_PARTIAL) { corrupt = "truncated record in"; break; }
        if (r == BUF_TOOLONG) { corrupt = "overlong record in"; break; }
        switch (rec.s[0]) {
        case 'u':
            if (str_copyb(&uid, rec.s + 1, rec.len - 2) < 0) nomem();
            continue;
        case 'p':
            if (str_copyb(&qp, rec.s + 1, rec.len - 2) < 0) nomem();
            continue;
        case 'F':
            if (have_sender) { corrupt = "second sender record in"; break; }
            have_sender = 1;
            if (str_copyb(&sender, rec.s + 1, rec.len - 2) < 0) nomem();
            if (fs_write_all(j->fdinfo, rec.s, rec.len) < 0) {
                path_of(p, "info", j->id);
                log_text("warning: trouble writing to %s", p);
                goto fail;
            }
            continue;
        case 'T': {
            int c;
            if (!have_sender) { corrupt = "recipient before sender in"; break; }
            c = rewrite(rec.s + 1, rec.len - 2, &addr, &tmp);
            if (c < 0) nomem();
            if (j->fdchan[c] < 0) {
                path_of(p, chan_dir[c], j->id);
                j->fdchan[c] = create_file(p);
                if (j->fdchan[c] < 0) {
                    log_text("warning: unable to create %s", p);
                    goto fail;
                }
                buf_init(&out[c], j->fdchan[c], chanspace[c], sizeof chanspace[c]);
            }
            buf_putc(&out[c], 'T');
            buf_put(&out[c], addr.s, addr.len);
            buf_putc(&out[c], '\0');
            continue;
        }
        default:
            corrupt = "unknown record type in";
            break;
        }
        break; /* corrupt */
    }
    if (!corrupt && !have_sender) corrupt = "no sender record in";
    if (corrupt) {
        if (!bad_seen(j->id, &tst)) log_text("warning: %s %s!", corrupt, todo);
        goto fail;
    }
    for (int c = 0; c < 2; c++) {
        if (j->fdchan[c] < 0) continue;
        if (buf_flush(&out[c]) < 0 || cut_to_written(j->fdchan[c]) < 0) {
            path_of(p, chan_dir[c], j->id);
            log_text("warning: trouble writing to %s", p);
            goto fail;
        }
    }
    if (cut_to_written(j->fdinfo) < 0) {
        path_of(p, "info", j->id);
        log_text("warning: trouble writing to %s", p);
        goto fail;
    }
    close(fd);

    log_text("new msg %lu", j->id);
    if (str_catf(&line, "info msg %lu: bytes %llu from <", j->id, (unsigned long long)st.st_size) < 0 ||
        log_safe_cat(&line, sender.s, sender.len) < 0 || str_cats(&line, "> qp ") < 0 ||
        log_safe_cat(&line, qp.s, qp.len) < 0 || str_cats(&line, " uid ") < 0 ||
        log_safe_cat(&line, uid.s, uid.len) < 0)
        nomem();
    log_write_line(FD_LOG, &line);
    j->ok = 1;
    goto done;

unlink_fail:
    log_text("warning: unable to unlink %s", p);
    close(fd);
    goto done;
fail:
    close(fd);
    job_discard(j);
done:
    str_free(&rec); str_free(&uid); str_free(&qp); str_free(&sender);
    str_free(&addr); str_free(&tmp); str_free(&line);
}

/* ---- phase 2: fsync, clean, notify --------------------------------------- */

static void clean_lost(void) __attribute__((noreturn));
static void clean_lost(void) { die_alert("oh no! lost qmail-clean connection! dying..."); }

static char clean_reply(void)
{
    char c;
    for (;;) {
        ssize_t r = read(FD_CLEANREP, &c, 1);
        if (r == 1) return c;
        if (r < 0 && errno == EINTR) continue;
        clean_lost();
    }
}

/* fsync of the file at path. */
static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), r;
    if (fd < 0) return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

/* Makes a pending entry's files and names durable, as its writer would
 * have done had it lived: nothing may be built on them before. */
static void flush_pending(struct job *j)
{
    char mess[64];
    path_of(mess, "mess", j->id);
    if (fsync_path(mess) < 0 || fsync_path(j->todo) < 0 || fs_fsync_parent(mess) < 0 ||
        fs_fsync_parent(j->todo) < 0) {
        log_text("warning: trouble fsyncing %s", j->todo);
        j->ok = 0;
    }
}

static void commit(struct job *jobs, int n)
{
    /* touched[kind][subdir]: kind 0 info, 1 local, 2 remote */
    unsigned char touched[3][QF_SPLIT];
    static const char *const kind_dir[3] = { "info", "local", "remote" };
    char p[64];
    str req = STR_INIT, note = STR_INIT;
    int any = 0;

    memset(touched, 0, sizeof touched);
    for (int i = 0; i < n; i++)
        if (jobs[i].ok && jobs[i].pending) flush_pending(&jobs[i]);
    for (int i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        if (!j->ok) continue;
        int fds[3] = { j->fdinfo, j->fdchan[0], j->fdchan[1] };
        for (int k = 0; k < 3; k++) {
            if (fds[k] < 0) continue;
            if (fsync(fds[k]) < 0) {
                path_of(p, kind_dir[k], j->id);
                log_text("warning: trouble fsyncing %s", p);
                j->ok = 0;
            }
            touched[k][j->id % QF_SPLIT] = 1;
        }
    }
    for (int k = 0; k < 3; k++)
        for (unsigned s = 0; s < QF_SPLIT; s++) {
            if (!touched[k][s]) continue;
            snprintf(p, sizeof p, "%s/%u", kind_dir[k], s);
            if (fs_fsync_dir(p) == 0) continue;
            log_text("warning: trouble fsyncing %s", p);
            for (int i = 0; i < n; i++) {
                struct job *j = &jobs[i];
                int has = k == 0 ? j->fdinfo >= 0 : j->fdchan[k - 1] >= 0;
                if (has && j->id % QF_SPLIT == s) j->ok = 0;
            }
        }

    /* the todo entries go, durably, before qmail-send hears of the messages */
    /* (and torn ones, which were never committed, go without more ado) */
    for (int i = 0; i < n; i++) {
        if (!jobs[i].ok && !jobs[i].torn) continue;
        if (str_catf(&req, "todo/%lu", jobs[i].id) < 0 || str_catc(&req, '\0') < 0) nomem();
        any = 1;
    }
    if (any) {
        if (fs_write_all(FD_CLEANREQ, req.s, req.len) < 0) clean_lost();
        for (int i = 0; i < n; i++) {
            if (!jobs[i].ok && !jobs[i].torn) continue;
            if (clean_reply() != '+') {
                path_of(p, "todo", jobs[i].id);
                log_text("warning: qmail-clean unable to clean up %s", p);
                jobs[i].ok = 0;
            }
        }
        if (fs_write_all(FD_CLEANREQ, "fsync/todo", 11) < 0) clean_lost();
        if (clean_reply() != '+') log_text("warning: qmail-clean unable to fsync todo");
    }

    for (int i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        if (j->ok) {
            if (str_catf(&note, "N%lu:%s%s", j->id, j->fdchan[0] >= 0 ? "l" : "",
                         j->fdchan[1] >= 0 ? "r" : "") < 0 ||
                str_catc(&note, '\0') < 0)
                nomem();
        }
        job_close(j);
    }
    if (note.len && fs_write_all(FD_NOTE, note.s, note.len) < 0)
        die_alert("oh no! lost qmail-send connection! dying...");
    str_free(&req);
    str_free(&note);
}

/* ---- commands and the trigger ------------------------------------------ */

static void command(char c)
{
    switch (c) {
    case 'S': break; /* already started */
    case 'H': config_reread(); break;
    case 'A': rescan = want_full_scan = 1; break;
    default: log_text("warning: unknown command from qmail-send"); break;
    }
}

/* Reads what qmail-send sent (fd 2 is known to be readable). */
static void read_commands(void)
{
    char b[64];
    ssize_t r = read(FD_CMD, b, sizeof b);
    if (r == 0) { stopping = 1; return; }
    if (r < 0) {
        if (errno == EINTR || errno == EAGAIN) return;
        stopping = 1;
        return;
    }
    for (ssize_t i = 0; i < r; i++) command(b[i]);
}

static void trigger_open(void)
{
    if (trigfd >= 0) close(trigfd);
    trigfd = open("lock/trigger", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (trigfd >= 0) {
        struct stat st;
        /* anything but a FIFO would poll readable for ever */
        if (fstat(trigfd, &st) == 0 && S_ISFIFO(st.st_mode)) {
            trig_warned = 0;
            return;
        }
        close(trigfd);
        trigfd = -1;
        if (!trig_warned) log_text("warning: lock/trigger is not a named pipe");
    } else if (!trig_warned) {
        log_text("warning: unable to open lock/trigger");
    }
    trig_warned = 1;
}

/* Empties the FIFO (it is reopened before the scan that follows). */
static void trigger_drain(void)
{
    char b[256];
    if (trigfd < 0) return;
    while (read(trigfd, b, sizeof b) > 0) {}
}

/* Between batches: takes commands and notes a trigger, without waiting. */
static void poll_now(void)
{
    struct pollfd pf[2];
    int n = 0;
    pf[n].fd = FD_CMD; pf[n].events = POLLIN; pf[n].revents = 0; n++;
    if (trigfd >= 0) { pf[n].fd = trigfd; pf[n].events = POLLIN; pf[n].revents = 0; n++; }
    if (poll(pf, (nfds_t)n, 0) <= 0) return;
    if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) read_commands();
    if (n > 1 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) rescan = 1;
}

/* ---- scanning todo/ -------------------------------------------------------- */

static struct job batch[BATCH_MAX];
static int nbatch;

/*
 * Which todo directories a scan reads.  A scan that a trigger asked for
 * reads only the directories whose mtime moved since they were last read
 * (a stat each instead of an opendir and a readdir: all 24 directories
 * were read for every injected message).  The kernel stamps directories
 * from a coarse clock, so a change within the same tick could leave the
 * mtime as it was: a stamp counts only when it is older than the coarse
 * clock read before the stat.  A directory holding an entry that could not
 * be handled is read again at the next scan; the periodic scan and
 * qmail-send's 'A' read them all.
 */
static struct timespec dir_seen[QF_SPLIT + 1];
static unsigned char dir_trusted[QF_SPLIT + 1];

static int ts_equal(struct timespec a, struct timespec b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }
static int ts_before(struct timespec a, struct timespec b)
{
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

static void run_batch(void)
{
    for (int i = 0; i < nbatch; i++) job_prepare(&batch[i]);
    commit(batch, nbatch);
    for (int i = 0; i < nbatch; i++)
        if (!batch[i].ok) dir_trusted[batch[i].id % QF_SPLIT] = dir_trusted[QF_SPLIT] = 0;
    nbatch = 0;
    if (flag_term) stopping = 1;
    if (!stopping) poll_now();
}

static void add_to_batch(unsigned long id)
{
    for (int i = 0; i < nbatch; i++)
        if (batch[i].id == id) return;
    batch[nbatch].id = id;
    batch[nbatch].fdinfo = batch[nbatch].fdchan[0] = batch[nbatch].fdchan[1] = -1;
    batch[nbatch].ok = 0;
    nbatch++;
    if (nbatch == BATCH_MAX) run_batch();
}

static void scan_todo(int full)
{
    nbatch = 0;
    for (unsigned s = 0; s <= QF_SPLIT && !stopping; s++) {
        char dir[32];
        DIR *d;
        struct dirent *e;
        struct stat dst;
        struct timespec before;
        if (s < QF_SPLIT) snprintf(dir, sizeof dir, "todo/%u", s);
        else snprintf(dir, sizeof dir, "todo");
        clock_gettime(CLOCK_REALTIME_COARSE, &before);
        if (stat(dir, &dst) < 0) {
            dir_trusted[s] = 0;
            if (errno != ENOENT || s == QF_SPLIT) log_text("warning: unable to opendir %s", dir);
            continue;
        }
        if (!full && dir_trusted[s] && ts_equal(dst.st_mtim, dir_seen[s])) continue;
        dir_seen[s] = dst.st_mtim;
        dir_trusted[s] = ts_before(dst.st_mtim, before);
        d = opendir(dir);
        if (!d) {
            dir_trusted[s] = 0;
            if (errno != ENOENT || s == QF_SPLIT) log_text("warning: unable to opendir %s", dir);
            continue;
        }
        while (!stopping && (e = readdir(d))) {
            unsigned long id;
            if (!qf_parse_id(e->d_name, &id)) continue;
            if (s == QF_SPLIT) {
                /* the flat todo/ also holds the subdirectories 0..22 */
                if (e->d_type == DT_DIR) continue;
                if (e->d_type == DT_UNKNOWN) {
                    char p[64];
                    struct stat st;
                    snprintf(p, sizeof p, "todo/%lu", id);
                    if (lstat(p, &st) < 0 || S_ISDIR(st.st_mode)) continue;
                }
            } else if (id % QF_SPLIT != s) {
                /* not where qmail-clean would remove it: leave it to qmail-qcheck */
                char p[64];
                struct stat st;
                snprintf(p, sizeof p, "todo/%u/%lu", s, id);
                if (lstat(p, &st) == 0 && !bad_seen(id, &st))
                    log_text("warning: %s is in the wrong subdirectory", p);
                continue;
            }
            add_to_batch(id);
        }
        closedir(d);
    }
    if (nbatch) run_batch();
}

/* ---- main ------------------------------------------------------------------ */

static void on_term(int sig)
{
    (void)sig;
    flag_term = 1;
}

static void wait_for_start(void)
{
    for (;;) {
        char c;
        ssize_t r = read(FD_CMD, &c, 1);
        if (r == 0) _exit(0);
        if (r < 0) {
            if (errno == EINTR) {
                if (flag_term) _exit(0);
                continue;
            }
            die_alert("cannot start: unable to read commands from qmail-send");
        }
        if (c == 'S') return;
        if (c == 'A') continue; /* the first scan comes anyway */
        command(c);
    }
}

int main(void)
{
    struct sigaction sa;
    const char *why = "";
    time_t next_scan;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, 0);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, 0); /* no SA_RESTART: poll() returns */

    if (chdir(ctl_home()) < 0 || !getcwd(home, sizeof home))
        die_alert("cannot start: unable to switch to home directory");
    if (config_read(&cfg, &why) < 0) {
        log_text("alert: cannot start: unable to read controls: %s", why);
        _exit(111);
    }
    if (chdir("queue") < 0) die_alert("cannot start: unable to switch to queue directory");
    pool_init(&pool, POOL_S);
    boot_known = qcommit_boot(&boot) == 0;
    umask(077);

    wait_for_start();
    trigger_open();
    scan_todo(1);
    want_full_scan = 0;
    next_scan = time(NULL) + SLEEP_TODO;

    for (;;) {
        struct pollfd pf[2];
        int n = 0, r;
        time_t now;
        long wait;

        if (flag_term) stopping = 1;
        if (stopping) break;
        now = time(NULL);
        if (rescan || now >= next_scan) {
            int full = want_full_scan || now >= next_scan;
            rescan = want_full_scan = 0;
            trigger_open(); /* before the scan: a later pull is seen */
            scan_todo(full);
            next_scan = time(NULL) + SLEEP_TODO;
            continue;
        }
        wait = (long)(next_scan - now);
        pf[n].fd = FD_CMD; pf[n].events = POLLIN; pf[n].revents = 0; n++;
        if (trigfd >= 0) { pf[n].fd = trigfd; pf[n].events = POLLIN; pf[n].revents = 0; n++; }
        r = poll(pf, (nfds_t)n, (int)(wait > 86400 ? 86400000 : wait * 1000));
        if (r < 0) {
            if (errno != EINTR) { log_text("warning: trouble in select"); sleep(1); }
            continue;
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) read_commands();
        if (n > 1 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            trigger_drain();
            rescan = 1;
        }
    }
    return 0;
}
