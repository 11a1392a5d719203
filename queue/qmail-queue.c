/*
 * qmail-queue: put one message into the queue.
 *
 * Message on fd 0, envelope on fd 1 (F<sender>\0 T<rcpt>\0 ... \0).  The
 * message is stored in mess/<id%23>/<id> (id = the file's inode number) with
 * one Received line in front, the envelope becomes todo/<id%23>/<id> (or a
 * flat todo/<id> in a tree without todo subdirectories); the link into
 * todo/ is the commit point.  Exit codes are those of qmail-queue(8).
 *
 * Stronger than the original: the message file, the envelope file and the
 * directories they are linked into are all fsync'd before the commit is
 * reported, because Linux does not make directory updates synchronous.
 * Where the file system keeps extended attributes, all of that is one
 * disk flush instead of qmail's two in a row: the envelope is linked into
 * todo/ as soon as both files are complete, each file carrying a commit
 * record (qcommit.h: the id, the boot, the sizes and hashes) that lets
 * qmail-todo tell an entry torn by a power loss from a whole one, and the
 * files and both directories are then flushed together (in threads).  The
 * envelope's mode says "pending" until that flush is over.  Elsewhere the
 * original order is kept: message and envelope flushed, then the link,
 * then its directory.  The files are recycled ones from queue/poolq where
 * there are any (see pool.h: a reused inode spares the filesystem an
 * allocation and a free), else nameless ones (O_TMPFILE) where the
 * filesystem allows it, else the original's pid-file and intd/ sequence is
 * used.  A failure before the link removes what was made; only a crash
 * (or SIGKILL) between naming the message file and the link leaves a
 * message file that nothing delivers, as in the original (qmail-qcheck
 * removes it).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "datefmt.h"
#include "fs.h"
#include "pool.h"
#include "qcommit.h"
#include "queuefmt.h"
#include "str.h"

/* qmail-queue(8) exit codes */
enum {
    QQ_ADDR_TOO_LONG = 11,
    QQ_ADDR_BAD = 12,        /* ours: an address with CR or LF in it */
    QQ_NOMEM = 51,
    QQ_TIMEOUT = 52,
    QQ_WRITE = 53,
    QQ_READ = 54,
    QQ_HOME = 61,
    QQ_QUEUEDIR = 62,
    QQ_PID = 63,
    QQ_MESS = 64,
    QQ_INTD = 65,
    QQ_TODO = 66,
    QQ_BUG = 81,
    QQ_FORMAT = 91
};

#define ADDR_MAX 1003 /* bytes of an address including its NUL, as qmail */

static char messpath[64];
static char intdpath[64];
/* set once the name exists, read by the signal handler below */
static volatile sig_atomic_t mess_linked, intd_linked;

/* Remove what was made so far; the id (inode) is then free for reuse. */
static void cleanup_and_exit(int code) __attribute__((noreturn));
static char messscratch_name[64]; /* a pid/ scratch name to remove on failure */

static void cleanup_and_exit(int code)
{
    if (intd_linked) unlink(intdpath);
    if (mess_linked) unlink(messpath);
    if (messscratch_name[0]) unlink(messscratch_name);
    _exit(code);
}

/* A caller that gives up (qmail-qmqpd and qmail-smtpd on bad input) sends
 * TERM: what was written so far is removed, nothing is queued.  These
 * signals are blocked from the commit on, so a committed message is never
 * taken apart. */
static void on_term(int sig)
{
    (void)sig;
    cleanup_and_exit(QQ_READ);
}

static void block_term(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
}

static void on_alarm(int sig)
{
    (void)sig;
    _exit(QQ_TIMEOUT); /* the 24-hour suicide timer; debris is cleaned later */
}

/*
 * How qmail names the invoker in the Received line.  One getpwuid of the
 * caller instead of three getpwnam calls: a name that is not in
 * /etc/passwd would send every injection through the whole NSS chain
 * (the userdb module is loaded and asked each time).
 */
static const char *invoker_role(uid_t uid)
{
    struct passwd *pw = getpwuid(uid);
    if (!pw || !pw->pw_name) return NULL;
    if (strcmp(pw->pw_name, "alias") == 0) return "by alias";
    if (strcmp(pw->pw_name, "qmaild") == 0) return "from network";
    if (strcmp(pw->pw_name, "qmails") == 0) return "for bounce";
    return NULL;
}

static int received_line(str *out, pid_t pid)
{
    uid_t uid = getuid();
    const char *role = invoker_role(uid);
    if (str_copys(out, "Received: (qmail ") < 0) return -1;
    if (str_catulong(out, (unsigned long)pid) < 0) return -1;
    if (str_cats(out, " invoked ") < 0) return -1;
    if (role) { if (str_cats(out, role) < 0) return -1; }
    else if (str_cats(out, "by uid ") < 0 || str_catulong(out, (unsigned long)uid) < 0) return -1;
    if (str_cats(out, "); ") < 0 || datefmt_822(out, time(NULL)) < 0) return -1;
    return str_catc(out, '\n');
}

/*
 * A new, not yet named file in dir.  With O_TMPFILE the file has no name
 * until linked; otherwise a pid-style scratch name is created and
 * *scratch holds it (to be unlinked once the real name exists).
 */
static int new_file(const char *dir, char *scratch, size_t n)
{
    int fd = fs_open_tmpfile(dir, O_RDWR, 0644);
    scratch[0] = 0;
    if (fd >= 0) return fd;
    if (errno != EOPNOTSUPP) return -1;
    for (int seq = 1; seq <= 9; seq++) {
        snprintf(scratch, n, "%s/%ld.%ld.%d", dir, (long)getpid(), (long)time(NULL), seq);
        fd = open(scratch, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) return fd;
        if (errno != EEXIST) break;
    }
    scratch[0] = 0;
    return -1;
}

/* Gives the file fd (made by new_file or taken from the pool under the
 * name scratch) the name path. */
static int name_file(int fd, const char *scratch, const char *path)
{
    if (scratch[0]) return rename(scratch, path);
    return fs_link_tmpfile(fd, path);
}

/* Writes the Received line and the message from fd 0 to out, then cuts
 * out at that length (a recycled file may hold a longer old message);
 * *hash and *size describe what was written. */
static void copy_message(int out, const str *received, uint64_t *hash, uint64_t *size)
{
    qhash q;
    char buf[65536];
    ssize_t r;
    off_t len = (off_t)received->len;
    qhash_init(&q);
    qhash_add(&q, received->s, received->len);
    if (fs_write_all(out, received->s, received->len) < 0) cleanup_and_exit(QQ_WRITE);
    for (;;) {
        r = read(0, buf, sizeof buf);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            cleanup_and_exit(QQ_READ);
        }
        if (fs_write_all(out, buf, (size_t)r) < 0) cleanup_and_exit(QQ_WRITE);
        qhash_add(&q, buf, (size_t)r);
        len += r;
    }
    if (ftruncate(out, len) < 0) cleanup_and_exit(QQ_WRITE);
    *hash = qhash_end(&q);
    *size = (uint64_t)len;
}

/*
 * An fsync run beside the main thread: the message file and its directory
 * are synced while the envelope is read, written and synced, so an
 * injection waits for one disk flush where it would wait for three.
 * Without a thread it runs inline.  A directory that cannot be synced
 * (EINVAL) counts as synced, as in fs_fsync_dir.
 */
struct bg_sync {
    int fd, err, started, is_dir;
    pthread_t thread;
};

/* The threads' stacks are static: a mapped stack costs an mmap, and its
 * munmap at thread exit a TLB flush on every CPU the process runs on. */
#define BG_THREADS 3
#define BG_STACK 16384
static char bg_stacks[BG_THREADS][BG_STACK] __attribute__((aligned(64)));
static int bg_used;

static void *bg_sync_run(void *arg)
{
    struct bg_sync *b = arg;
    b->err = fsync(b->fd) < 0 && !(b->is_dir && errno == EINVAL) ? errno : 0;
    return NULL;
}

static void bg_sync_start(struct bg_sync *b, int fd, int is_dir)
{
    b->fd = fd;
    b->is_dir = is_dir;
    b->err = 0;
    pthread_attr_t attr;
    b->started = 0;
    if (bg_used < BG_THREADS && pthread_attr_init(&attr) == 0) {
        if (pthread_attr_setstack(&attr, bg_stacks[bg_used], BG_STACK) == 0 &&
            pthread_create(&b->thread, &attr, bg_sync_run, b) == 0) {
            b->started = 1;
            bg_used++;
        }
        pthread_attr_destroy(&attr);
    }
    if (!b->started) bg_sync_run(b);
}

static int bg_sync_wait(struct bg_sync *b)
{
    if (b->started) pthread_join(b->thread, NULL);
    b->started = 0;
    if (b->err) errno = b->err;
    return b->err ? -1 : 0;
}

/*
 * Reads the envelope from fd 1 and appends its records to env, checking the
 * format: one F record, T records, a final empty record.  EOF before the
 * final NUL is a read error: nothing is queued.
 */
static void read_envelope(str *env)
{
    char buf[4096];
    size_t start = env->len; /* where the current record begins */
    int records = 0, done = 0;
    for (;;) {
        ssize_t r = read(1, buf, sizeof buf);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            cleanup_and_exit(QQ_READ);
        }
        for (ssize_t i = 0; i < r; i++) {
            char c = buf[i];
            if (done) continue; /* bytes after the final NUL are ignored */
            if (env->len == start) {
                /* first byte of a record */
                if (c == 0) {
                    if (records == 0) cleanup_and_exit(QQ_FORMAT);
                    done = 1;
                    continue;
                }
                if (records == 0 ? c != 'F' : c != 'T') cleanup_and_exit(QQ_FORMAT);
            }
            if (c == '\n' || c == '\r') cleanup_and_exit(QQ_ADDR_BAD);
            /* the record is its type letter, the address and a NUL */
            if (env->len - start > ADDR_MAX) cleanup_and_exit(QQ_ADDR_TOO_LONG);
            if (str_catc(env, c) < 0) cleanup_and_exit(QQ_NOMEM);
            if (c == 0) { records++; start = env->len; }
        }
        if (done) break;
    }
    if (!done) cleanup_and_exit(QQ_READ);
}

/* Names the envelope file todo/<split>/<id> (or the flat todo/<id> of a
 * tree without todo subdirectories): the commit.  scratch is the name it
 * has now, if any (intd/<id> when intd_linked).  Returns 0 or an exit
 * code. */
static int link_todo(int envfd, const char *scratch, unsigned long id, char *todopath)
{
    qf_path(todopath, 64, "todo", id, 1);
    if (scratch[0] && !intd_linked) {
        /* the original sequence: intd/<id>, then the todo link */
        if (link(scratch, intdpath) < 0) { unlink(scratch); return QQ_INTD; }
        unlink(scratch);
        intd_linked = 1;
        if (link(intdpath, todopath) == 0) return 0;
        qf_path(todopath, 64, "todo", id, 0);
        if (errno != ENOENT || link(intdpath, todopath) < 0) return QQ_TODO;
        return 0;
    }
    if (name_file(envfd, scratch, todopath) == 0) return 0;
    qf_path(todopath, 64, "todo", id, 0);
    if (errno != ENOENT || name_file(envfd, scratch, todopath) < 0) return QQ_TODO;
    return 0;
}

/* Pulls the trigger; nobody listening is fine. */
static void pull_trigger(void)
{
    int trig = open("lock/trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (trig >= 0) {
        ssize_t w = write(trig, "", 1);
        (void)w;
        close(trig);
    }
}

/* A recycled envelope file may carry the commit record of its previous
 * message; an envelope committed the old way must carry none. */
static int drop_record(int fd)
{
    if (fremovexattr(fd, QCOMMIT_XATTR) == 0 || errno == ENODATA || errno == EOPNOTSUPP) return 0;
    return -1;
}

/*
 * The commit with one wait for the disk: the envelope, complete and marked
 * pending, is linked into todo/ at once; then both files (the message
 * file's syncs already run) and both directories are synced together, and
 * the mark is cleared.  Never returns.
 */
static void commit_one_flush(int envfd, const char *scratch, unsigned long id, struct bg_sync *messsync,
                             struct bg_sync *dirsync) __attribute__((noreturn));
static void commit_one_flush(int envfd, const char *scratch, unsigned long id, struct bg_sync *messsync,
                             struct bg_sync *dirsync)
{
    char todopath[64];
    struct bg_sync todosync;
    int code, tododirfd;
    block_term();
    code = link_todo(envfd, scratch, id, todopath);
    if (code) cleanup_and_exit(code);
    mess_linked = intd_linked = 0; /* queued: never unlink it from here on */
    tododirfd = fs_open_parent(todopath);
    if (tododirfd < 0) _exit(QQ_WRITE);
    bg_sync_start(&todosync, tododirfd, 1);
    if (fsync(envfd) < 0 || bg_sync_wait(&todosync) < 0 || bg_sync_wait(messsync) < 0 || bg_sync_wait(dirsync) < 0)
        _exit(QQ_WRITE); /* queued but durability unknown; qmail-todo syncs it */
    (void)fchmod(envfd, QCOMMIT_MODE_DONE);
    pull_trigger();
    _exit(0);
}

/*
 * The commit in qmail's order: both files durable (the envelope loses any
 * record a recycled file carried), then the todo link, then its directory.
 * Never returns.
 */
static void commit_two_flush(int envfd, int messfd, int messdirfd, const char *scratch, unsigned long id,
                             struct bg_sync *messsync, struct bg_sync *dirsync) __attribute__((noreturn));
static void commit_two_flush(int envfd, int messfd, int messdirfd, const char *scratch, unsigned long id,
                             struct bg_sync *messsync, struct bg_sync *dirsync)
{
    char todopath[64];
    int code;
    if (drop_record(envfd) < 0 || fchmod(envfd, QCOMMIT_MODE_DONE) < 0 || fsync(envfd) < 0 ||
        bg_sync_wait(messsync) < 0 || bg_sync_wait(dirsync) < 0 || close(messfd) < 0) {
        if (scratch[0]) unlink(scratch);
        cleanup_and_exit(QQ_WRITE);
    }
    close(messdirfd);
    block_term();
    code = link_todo(envfd, scratch, id, todopath);
    if (code) cleanup_and_exit(code);
    /* committed: from here on the message is queued, so never unlink it */
    mess_linked = intd_linked = 0;
    if (fs_fsync_parent(todopath) < 0) _exit(QQ_WRITE); /* queued but durability unknown */
    pull_trigger();
    _exit(0);
}

int main(void)
{
    str received = STR_INIT, env = STR_INIT;
    char scratch[64], messscratch[64];
    struct stat st;
    struct pool pool;
    struct bg_sync messsync, dirsync;
    struct qcommit rec;
    pid_t pid = getpid();
    int messfd, envfd, messdirfd, one_flush;

    signal(SIGALRM, on_alarm);
    alarm(86400);
    signal(SIGTERM, on_term);
    signal(SIGHUP, on_term);
    signal(SIGINT, on_term);
    signal(SIGPIPE, SIG_IGN);
    umask(033);
    /* a closed fd 0 or 1 would be taken by a queue file and read back */
    if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0) _exit(QQ_READ);
    if (chdir(ctl_home()) < 0) _exit(QQ_HOME);
    if (chdir("queue") < 0) _exit(QQ_QUEUEDIR);
    memset(&rec, 0, sizeof rec);
    one_flush = qcommit_boot(&rec.boot) == 0;

    /* the message file; its inode number becomes the message id.  It gets
     * its name only once everything is written, so an interrupted run
     * leaves nothing behind in mess/ */
    pool_init(&pool, POOL_Q);
    snprintf(messscratch, sizeof messscratch, "pid/%ld", (long)pid);
    messfd = pool_take_keep(&pool, messscratch, 0644);
    if (messfd < 0) messfd = new_file("pid", messscratch, sizeof messscratch);
    if (messfd < 0) _exit(QQ_PID);
    if (fstat(messfd, &st) < 0) _exit(QQ_PID);
    memcpy(messscratch_name, messscratch, sizeof messscratch_name);
    qf_path(messpath, sizeof messpath, "mess", (unsigned long)st.st_ino, 1);

    if (received_line(&received, pid) < 0) cleanup_and_exit(QQ_NOMEM);
    copy_message(messfd, &received, &rec.hmess, &rec.size);
    rec.id = (uint64_t)st.st_ino;
    /* the message file carries a record too, so that a recycled one that
     * becomes an envelope never looks like an old-style entry */
    if (one_flush && qcommit_set(messfd, &rec) < 0) one_flush = 0;
    /* named now, synced beside the envelope work; until the todo entry
     * exists nothing delivers it, and a crash in between leaves a message
     * file that qmail-qcheck removes (as qmail 1.03 leaves one) */
    if (name_file(messfd, messscratch, messpath) < 0) cleanup_and_exit(QQ_MESS);
    messscratch_name[0] = 0;
    mess_linked = 1;
    messdirfd = fs_open_parent(messpath);
    if (messdirfd < 0) cleanup_and_exit(QQ_WRITE);
    bg_sync_start(&messsync, messfd, 0);
    bg_sync_start(&dirsync, messdirfd, 1);

    /* the envelope: u<uid> p<pid> then the records as given */
    if (str_copys(&env, "u") < 0 || str_catulong(&env, (unsigned long)getuid()) < 0 ||
        str_catc(&env, 0) < 0 || str_catc(&env, 'p') < 0 ||
        str_catulong(&env, (unsigned long)pid) < 0 || str_catc(&env, 0) < 0)
        cleanup_and_exit(QQ_NOMEM);
    read_envelope(&env);

    qf_path(intdpath, sizeof intdpath, "intd", (unsigned long)st.st_ino, 0);
    envfd = pool_take_keep(&pool, intdpath, 0644);
    if (envfd >= 0) {
        snprintf(scratch, sizeof scratch, "%s", intdpath);
        intd_linked = 1;
    } else {
        envfd = new_file("intd", scratch, sizeof scratch);
    }
    if (envfd < 0) cleanup_and_exit(QQ_INTD);
    if (fs_write_all(envfd, env.s, env.len) < 0 || ftruncate(envfd, (off_t)env.len) < 0) {
        if (scratch[0]) unlink(scratch);
        cleanup_and_exit(QQ_WRITE);
    }
    rec.henv = qhash_mem(env.s, env.len);
    if (one_flush && (qcommit_set(envfd, &rec) < 0 || fchmod(envfd, QCOMMIT_MODE_PENDING) < 0))
        one_flush = 0;

    if (one_flush) commit_one_flush(envfd, scratch, (unsigned long)st.st_ino, &messsync, &dirsync);
    commit_two_flush(envfd, messfd, messdirfd, scratch, (unsigned long)st.st_ino, &messsync, &dirsync);
}
