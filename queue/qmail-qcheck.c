/*
 * qmail-qcheck: checks the queue for inconsistencies and, with -r, repairs
 * them.
 *
 *   qmail-qcheck [-r] [-a]
 *
 * Checked: the queue directories and split subdirectories (present, modes,
 * and in system mode owners), the files in lock/ (trigger a named pipe,
 * sendmutex a regular file, tcpto 1024 bytes), mess files whose name is not
 * their inode number, files in the wrong split subdirectory, envelopes in
 * todo/ that cannot be parsed or whose commit record shows them torn by a
 * crash (queue/qcommit.h), channel files with bad records, and files
 * that belong to no message: todo, info or intd without mess; local, remote
 * and bounce without info (and without todo); mess without todo or info and
 * pid/ scratch files, both only when last modified more than 36 hours ago
 * (any age with -a).
 *
 * Each problem is one line "<path>: <what>" on stdout; with -r the line goes
 * on with ": <what was done>" or ": not repaired: <why>".  Repairs need
 * qmail-send to be stopped: -r takes lock/sendmutex and gives up if it is
 * held.  Nothing that holds a message is ever deleted except debris named
 * above; corrupt envelopes are only reported.
 *
 * Exit 0 no problem found, 1 problems found (repaired or not), 111 the
 * queue could not be checked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "lock.h"
#include "qcommit.h"
#include "queuefmt.h"
#include "str.h"

#define PROG "qmail-qcheck"
#define OSSIFIED 129600 /* 36 hours */
#define RECORD_MAX 65536

static int repair, all, sysmode, problems;
static time_t now;
static gid_t qmail_gid;

/* ---- output ----------------------------------------------------------------- */

static void out_flush(void)
{
    if (fflush(stdout) == EOF) die_sys(EXIT_TEMP, PROG, "unable to write output");
}

static void fatal_sys(const char *fmt, const char *arg) __attribute__((noreturn));
static void fatal_sys(const char *fmt, const char *arg)
{
    int e = errno;
    fflush(stdout);
    errno = e;
    die_sys(EXIT_TEMP, PROG, fmt, arg);
}

/* A problem; returns 1 when the caller should repair it. */
static int problem(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int problem(const char *path, const char *fmt, ...)
{
    va_list ap;
    problems = 1;
    printf("%s: ", path);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (!repair) printf("\n");
    return repair;
}

/* Ends a problem line after a repair attempt (ok 0 = done, -1 = errno). */
static void fixed(int ok, const char *what)
{
    if (ok == 0) printf(": %s\n", what);
    else printf(": not repaired: %s\n", strerror(errno));
}

static void not_repaired(const char *why)
{
    if (repair) printf(": not repaired: %s\n", why);
}

/* ---- sets of message ids ---------------------------------------------------- */

typedef struct idset {
    unsigned long *id;
    unsigned char *state; /* 0 empty, 1 used, 2 deleted */
    size_t cap, n;
} idset;

static idset mess_ids, todo_ids, info_ids;

static size_t slot_of(const idset *s, unsigned long id)
{
    return (size_t)((id * 11400714819323198485ull) >> 20) & (s->cap - 1);
}

static int idset_has(const idset *s, unsigned long id)
{
    if (!s->cap) return 0;
    for (size_t i = slot_of(s, id);; i = (i + 1) & (s->cap - 1)) {
        if (s->state[i] == 0) return 0;
        if (s->state[i] == 1 && s->id[i] == id) return 1;
    }
}

static void idset_add(idset *s, unsigned long id);

static void idset_grow(idset *s)
{
    idset o = *s;
    s->cap = o.cap ? o.cap * 2 : 1024;
    s->n = 0;
    s->id = calloc(s->cap, sizeof *s->id);
    s->state = calloc(s->cap, 1);
    if (!s->id || !s->state) die_nomem(PROG);
    for (size_t i = 0; i < o.cap; i++)
        if (o.state[i] == 1) idset_add(s, o.id[i]);
    free(o.id);
    free(o.state);
}

static void idset_add(idset *s, unsigned long id)
{
    size_t i;
    if (idset_has(s, id)) return;
    if ((s->n + 1) * 2 > s->cap) idset_grow(s);
    for (i = slot_of(s, id); s->state[i] == 1; i = (i + 1) & (s->cap - 1)) {}
    s->id[i] = id;
    s->state[i] = 1;
    s->n++; /* deleted slots count as used until the next growth */
}

static void idset_del(idset *s, unsigned long id)
{
    if (!s->cap) return;
    for (size_t i = slot_of(s, id);; i = (i + 1) & (s->cap - 1)) {
        if (s->state[i] == 0) return;
        if (s->state[i] == 1 && s->id[i] == id) { s->state[i] = 2; return; }
    }
}

/* ---- small file helpers ------------------------------------------------------ */

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* 0 removed or already gone, -1 failed */
static int remove_path(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) return rmdir(path);
    if (unlink(path) == 0 || errno == ENOENT) return 0;
    return -1;
}

static int set_owner(const char *path, const char *owner)
{
    struct passwd *pw;
    if (!sysmode) return 0;
    pw = getpwnam(owner);
    if (!pw) { errno = ENOENT; return -1; }
    return lchown(path, pw->pw_uid, qmail_gid);
}

/* The owner/mode part of a check, for an existing path. */
static void check_owner_mode(const char *path, const struct stat *st, const char *owner, mode_t mode)
{
    if ((st->st_mode & 07777) != mode) {
        if (problem(path, "mode %04o, should be %04o", (unsigned)(st->st_mode & 07777), (unsigned)mode))
            fixed(chmod(path, mode), "mode changed");
    }
    if (sysmode) {
        struct passwd *pw = getpwnam(owner);
        if (!pw) return;
        if (st->st_uid != pw->pw_uid || st->st_gid != qmail_gid) {
            if (problem(path, "owned by %lu:%lu, should be %s:qmail", (unsigned long)st->st_uid,
                        (unsigned long)st->st_gid, owner)) {
                int r = set_owner(path, owner);
                if (r == 0 && (st->st_mode & 07777) == mode) r = chmod(path, mode); /* chown clears setid */
                fixed(r, "owner changed");
            }
        }
    }
}

/* ---- directories ------------------------------------------------------------- */

static void check_dir(const char *path, const char *owner, mode_t mode)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno != ENOENT) fatal_sys("unable to stat %s", path);
        if (problem(path, "missing directory")) {
            int r = mkdir(path, mode);
            if (r == 0) r = chmod(path, mode);
            if (r == 0) r = set_owner(path, owner);
            fixed(r, "created");
        }
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        problem(path, "not a directory");
        not_repaired("remove or rename it by hand");
        return;
    }
    check_owner_mode(path, &st, owner, mode);
}

struct qdir {
    const char *name;
    const char *owner;
    mode_t mode;
    int split;
};

static const struct qdir qdirs[] = {
    { "pid", "qmailq", 0700, 0 },    { "intd", "qmailq", 0700, 0 },
    { "todo", "qmailq", 0750, 1 },   { "bounce", "qmails", 0700, 0 },
    { "mess", "qmailq", 0750, 1 },   { "info", "qmails", 0700, 1 },
    { "local", "qmails", 0700, 1 },  { "remote", "qmails", 0700, 1 },
    { "lock", "qmailq", 0750, 0 },
};

static void check_dirs(void)
{
    char p[64];
    for (size_t i = 0; i < sizeof qdirs / sizeof qdirs[0]; i++) {
        check_dir(qdirs[i].name, qdirs[i].owner, qdirs[i].mode);
        if (!qdirs[i].split) continue;
        for (unsigned s = 0; s < QF_SPLIT; s++) {
            snprintf(p, sizeof p, "%s/%u", qdirs[i].name, s);
            if (!exists(qdirs[i].name) && !repair) break; /* already reported */
            check_dir(p, qdirs[i].owner, qdirs[i].mode);
        }
    }
}

/* ---- lock/ ---------------------------------------------------------------------- */

static int make_empty(const char *path, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return -1;
    if (fsync(fd) < 0 || close(fd) < 0) return -1;
    return chmod(path, mode);
}

static void check_sendmutex(void)
{
    const char *p = "lock/sendmutex";
    struct stat st;
    if (lstat(p, &st) < 0) {
        if (errno != ENOENT) fatal_sys("unable to stat %s", p);
        if (!exists("lock")) return;
        if (problem(p, "missing")) {
            int r = make_empty(p, 0600);
            if (r == 0) r = set_owner(p, "qmails");
            fixed(r, "created");
        }
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        if (problem(p, "not a regular file")) {
            int r = remove_path(p);
            if (r == 0) r = make_empty(p, 0600);
            if (r == 0) r = set_owner(p, "qmails");
            fixed(r, "replaced by an empty file");
        }
        return;
    }
    check_owner_mode(p, &st, "qmails", 0600);
}

static void check_trigger(void)
{
    const char *p = "lock/trigger";
    struct stat st;
    int r;
    if (!exists("lock")) return;
    r = lstat(p, &st);
    if (r == 0 && S_ISFIFO(st.st_mode)) {
        check_owner_mode(p, &st, "qmails", 0622);
        return;
    }
    if (r < 0 && errno != ENOENT) fatal_sys("unable to stat %s", p);
    if (problem(p, r < 0 ? "missing named pipe" : "not a named pipe")) {
        r = remove_path(p);
        if (r == 0) r = mkfifo(p, 0622);
        if (r == 0) r = chmod(p, 0622);
        if (r == 0) r = set_owner(p, "qmails");
        fixed(r, "named pipe created");
    }
}

static void check_tcpto(void)
{
    const char *p = "lock/tcpto";
    struct stat st;
    char zero[1024];
    const char *what = 0;
    if (!exists("lock")) return;
    if (lstat(p, &st) < 0) {
        if (errno != ENOENT) fatal_sys("unable to stat %s", p);
        what = "missing";
    } else if (!S_ISREG(st.st_mode)) {
        what = "not a regular file";
    } else if (st.st_size != 1024) {
        what = "not 1024 bytes long";
    }
    if (!what) {
        check_owner_mode(p, &st, "qmailr", 0644);
        return;
    }
    if (problem(p, "%s", what)) {
        int r = 0;
        memset(zero, 0, sizeof zero);
        if (exists(p) && !S_ISREG(st.st_mode)) r = remove_path(p);
        if (r == 0) r = fs_write_atomic(p, zero, sizeof zero, 0644);
        if (r == 0) r = set_owner(p, "qmailr");
        fixed(r, "replaced by an empty table");
    }
}

/* ---- walking the split directories ------------------------------------------ */

static int quiet_unexpected; /* a second walk of the same directories */

static int has_split(const char *kind) { return qf_is_split(kind) || !strcmp(kind, "todo"); }

/* 1 if name is "0".."22" exactly */
static int is_subdir_name(const char *name)
{
    unsigned long n;
    char canon[8];
    if (!qf_parse_id(name, &n) || n >= QF_SPLIT) return 0;
    snprintf(canon, sizeof canon, "%lu", n);
    return !strcmp(canon, name);
}

/* fn(path, sub, id, st): sub is the subdirectory (-1 for the top level). */
typedef void (*entry_fn)(const char *path, int sub, unsigned long id, const struct stat *st);

static void walk_dir(const char *dir, int sub, const char *kind, entry_fn fn)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];
    if (!d) {
        if (errno == ENOENT) return; /* reported by check_dirs */
        fatal_sys("unable to opendir %s", dir);
    }
    for (;;) {
        struct stat st;
        unsigned long id;
        errno = 0;
        if (!(e = readdir(d))) break;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) < 0) {
            if (errno == ENOENT) continue; /* removed meanwhile */
            fatal_sys("unable to stat %s", p);
        }
        if (sub < 0 && has_split(kind) && S_ISDIR(st.st_mode) && is_subdir_name(e->d_name))
            continue; /* one of the split subdirectories */
        if (!qf_parse_id(e->d_name, &id) || !S_ISREG(st.st_mode)) {
            if (quiet_unexpected) continue; /* reported by an earlier walk */
            problem(p, "unexpected %s", S_ISREG(st.st_mode) ? "file" : "non-file");
            not_repaired("not a queue file; remove it by hand");
            continue;
        }
        fn(p, sub, id, &st);
    }
    if (errno) fatal_sys("unable to read %s", dir);
    closedir(d);
}

static void walk(const char *kind, entry_fn fn)
{
    char dir[32];
    if (has_split(kind))
        for (int s = 0; s < QF_SPLIT; s++) {
            snprintf(dir, sizeof dir, "%s/%d", kind, s);
            walk_dir(dir, s, kind, fn);
        }
    walk_dir(kind, -1, kind, fn);
}

/* ---- pass 1: mess names ------------------------------------------------------- */

static void split_path(char *out, const char *kind, unsigned long id)
{
    qf_path(out, 64, kind, id, has_split(kind));
}

/* Gives message old the id new (its inode number): every file moves. */
static int renumber(unsigned long old, unsigned long new, const char *messpath)
{
    static const char *const kinds[] = { "intd", "info", "local", "remote", "bounce" };
    char from[64], to[64];
    struct stat a, b;

    /* conflicts first, so that nothing moves when something is in the way */
    split_path(to, "mess", new);
    if (lstat(to, &b) == 0 && (lstat(messpath, &a) < 0 || a.st_ino != b.st_ino)) goto busy;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        split_path(from, kinds[k], old);
        split_path(to, kinds[k], new);
        if (exists(from) && exists(to)) goto busy;
    }
    for (int split = 1; split >= 0; split--) {
        qf_path(from, sizeof from, "todo", old, split);
        qf_path(to, sizeof to, "todo", new, split);
        if (exists(from) && exists(to)) goto busy;
    }

    split_path(to, "mess", new);
    if (!exists(to) && link(messpath, to) < 0) return -1;
    if (fs_fsync_parent(to) < 0) return -1;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        split_path(from, kinds[k], old);
        split_path(to, kinds[k], new);
        if (rename(from, to) < 0) {
            if (errno == ENOENT) continue;
            return -1;
        }
        if (fs_fsync_parent(to) < 0) return -1;
    }
    for (int split = 1; split >= 0; split--) {
        qf_path(from, sizeof from, "todo", old, split);
        qf_path(to, sizeof to, "todo", new, split);
        if (rename(from, to) < 0) {
            if (errno == ENOENT) continue;
            return -1;
        }
        if (fs_fsync_parent(to) < 0) return -1;
    }
    if (unlink(messpath) < 0) return -1;
    return fs_fsync_parent(messpath);
busy:
    errno = EEXIST;
    return -1;
}

/* Moves a file to where its id says it belongs. */
static int move_to(const char *from, const char *to)
{
    if (exists(to)) {
        errno = EEXIST;
        return -1;
    }
    if (rename(from, to) < 0) return -1;
    fs_fsync_parent(from);
    return fs_fsync_parent(to);
}

static void mess_names(const char *path, int sub, unsigned long id, const struct stat *st)
{
    char want[64];
    if ((unsigned long)st->st_ino != id) {
        unsigned long ino = (unsigned long)st->st_ino;
        if (problem(path, "name is not the inode number %lu", ino)) {
            int r = renumber(id, ino, path);
            if (r == 0) {
                split_path(want, "mess", ino);
                printf(": renamed to %s with its other files\n", want);
                idset_add(&mess_ids, ino);
                return;
            }
            if (errno == EEXIST) printf(": not repaired: files of message %lu exist already\n", ino);
            else fixed(-1, "");
        }
        idset_add(&mess_ids, id);
        return;
    }
    idset_add(&mess_ids, id);
    if (sub != (int)(id % QF_SPLIT)) {
        split_path(want, "mess", id);
        if (problem(path, "in the wrong subdirectory")) {
            if (move_to(path, want) == 0) printf(": moved to %s\n", want);
            else fixed(-1, "");
        }
    }
}

/* ---- pass 2: placement of todo, info, local, remote ----------------------------- */

static const char *walk_kind;

static void placement(const char *path, int sub, unsigned long id, const struct stat *st)
{
    char want[64];
    (void)st;
    if (!strcmp(walk_kind, "todo")) idset_add(&todo_ids, id);
    if (!strcmp(walk_kind, "info")) idset_add(&info_ids, id);
    if (sub < 0 && !strcmp(walk_kind, "todo")) return; /* a flat todo entry is fine */
    if (sub == (int)(id % QF_SPLIT)) return;
    split_path(want, walk_kind, id);
    if (problem(path, "in the wrong subdirectory")) {
        if (move_to(path, want) == 0) printf(": moved to %s\n", want);
        else fixed(-1, "");
    }
}

/* ---- pass 3: files that belong to no message, bad contents --------------------- */

static int mess_missing(unsigned long id)
{
    char p[64];
    if (idset_has(&mess_ids, id)) return 0;
    split_path(p, "mess", id);
    return !exists(p);
}

static int todo_present(unsigned long id)
{
    char p[64];
    if (idset_has(&todo_ids, id)) return 1;
    qf_path(p, sizeof p, "todo", id, 1);
    if (exists(p)) return 1;
    qf_path(p, sizeof p, "todo", id, 0);
    return exists(p);
}

static int info_present(unsigned long id)
{
    char p[64];
    if (idset_has(&info_ids, id)) return 1;
    split_path(p, "info", id);
    return exists(p);
}

static char inspace[8192];

/* NULL if the envelope (todo) or channel file parses; else what is wrong.
 * An unreadable file gives "unreadable" with errno kept. */
static const char *parse_records(const char *path, int envelope)
{
    buf in;
    str rec = STR_INIT;
    const char *bad = 0;
    int fd = fs_open_nofollow(path, O_RDONLY, 0), sender = 0;
    if (fd < 0) return errno == ENOENT ? 0 : "unreadable";
    buf_init(&in, fd, inspace, sizeof inspace);
    while (!bad) {
        int r = buf_getline(&in, &rec, '\0', RECORD_MAX);
        if (r == BUF_EOF) break;
        if (r == BUF_ERR) { bad = "unreadable"; break; }
        if (r == BUF_PARTIAL) { bad = "truncated record"; break; }
        if (r == BUF_TOOLONG) { bad = "overlong record"; break; }
        char c = rec.s[0];
        if (!envelope) {
            if (c != 'T' && c != 'D') bad = "unknown record type";
            continue;
        }
        if (c == 'u' || c == 'p') continue;
        if (c == 'F') {
            if (sender) bad = "second sender record";
            sender = 1;
        } else if (c == 'T') {
            if (!sender) bad = "recipient before sender";
        } else {
            bad = "unknown record type";
        }
    }
    if (!bad && envelope && !sender) bad = "no sender record";
    close(fd);
    str_free(&rec);
    return bad;
}

/* Removes a todo entry that holds no message, and its intd name. */
static void remove_entry(const char *path, unsigned long id)
{
    char p[64];
    int r = remove_path(path);
    qf_path(p, sizeof p, "intd", id, 0);
    if (r == 0) r = remove_path(p);
    if (r == 0) fs_fsync_parent(path);
    fixed(r, "removed");
}

/* 1 if the entry's commit record (qcommit.h) shows it torn by a crash. */
static int entry_torn(const char *path, unsigned long id)
{
    static uint64_t boot;
    static int boot_known = -1;
    char mess[64];
    int fd = fs_open_nofollow(path, O_RDONLY, 0), r;
    if (fd < 0) return 0;
    if (boot_known < 0) boot_known = qcommit_boot(&boot) == 0;
    qf_path(mess, sizeof mess, "mess", id, 1);
    r = qcommit_torn(fd, id, mess, boot_known ? &boot : NULL);
    close(fd);
    return r == 1;
}

static void todo_check(const char *path, int sub, unsigned long id, const struct stat *st)
{
    const char *bad;
    (void)sub;
    (void)st;
    if (mess_missing(id) && exists(path)) {
        if (problem(path, "message file missing")) remove_entry(path, id);
        return;
    }
    if (entry_torn(path, id)) {
        if (problem(path, "torn by a crash before its commit (never queued)")) remove_entry(path, id);
        return;
    }
    bad = parse_records(path, 1);
    if (bad) {
        problem(path, "corrupt envelope: %s", bad);
        not_repaired("inspect it by hand");
    }
}

static void info_check(const char *path, int sub, unsigned long id, const struct stat *st)
{
    static const char *const kinds[] = { "local", "remote", "bounce" };
    char p[64];
    (void)sub;
    (void)st;
    if (!mess_missing(id) || !exists(path)) return;
    if (problem(path, "message file missing")) {
        int r = remove_path(path);
        for (size_t k = 0; r == 0 && k < sizeof kinds / sizeof kinds[0]; k++) {
            split_path(p, kinds[k], id);
            r = remove_path(p);
        }
        fixed(r, "removed with the message's local, remote and bounce files");
    }
    idset_del(&info_ids, id);
}

static void chan_check(const char *path, int sub, unsigned long id, const struct stat *st)
{
    const char *bad;
    (void)sub;
    (void)st;
    if (!info_present(id) && !todo_present(id) && exists(path)) {
        if (problem(path, "no info or todo entry")) fixed(remove_path(path), "removed");
        return;
    }
    bad = parse_records(path, 0);
    if (bad) {
        problem(path, "corrupt recipient list: %s", bad);
        not_repaired("inspect it by hand");
    }
}

static void bounce_check(const char *path, int sub, unsigned long id, const struct stat *st)
{
    (void)sub;
    (void)st;
    if (info_present(id) || !exists(path)) return;
    if (problem(path, "no info entry")) fixed(remove_path(path), "removed");
}

static void intd_check(const char *path, int sub, unsigned long id, const struct stat *st)
{
    (void)sub;
    (void)st;
    if (!mess_missing(id) || !exists(path)) return;
    if (problem(path, "message file missing")) fixed(remove_path(path), "removed");
}

static int old_enough(const struct stat *st)
{
    return all || now > st->st_mtime + OSSIFIED;
}

static void mess_orphan(const char *path, int sub, unsigned long id, const struct stat *st)
{
    char p[64];
    (void)sub;
    if ((unsigned long)st->st_ino != id) return; /* reported in pass 1 */
    if (todo_present(id) || info_present(id) || !old_enough(st)) return;
    if (problem(path, "no todo or info entry%s", all ? "" : " for more than 36 hours")) {
        qf_path(p, sizeof p, "intd", id, 0);
        int r = remove_path(p);
        if (r == 0) r = remove_path(path);
        if (r == 0) fs_fsync_parent(path);
        fixed(r, "removed");
    }
}

static void pid_check(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];
    if (!d) {
        if (errno == ENOENT) return;
        fatal_sys("unable to opendir %s", dir);
    }
    while ((e = readdir(d))) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) < 0 || !old_enough(&st)) continue;
        if (problem(p, "stale scratch file")) fixed(remove_path(p), "removed");
    }
    closedir(d);
}

/* ---- main --------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    int opt, lockfd = -1;
    struct stat st;

    while ((opt = getopt(argc, argv, "ra")) != -1) {
        switch (opt) {
        case 'r': repair = 1; break;
        case 'a': all = 1; break;
        default: die_usage(PROG, "qmail-qcheck [-r] [-a]");
        }
    }
    if (optind != argc) die_usage(PROG, "qmail-qcheck [-r] [-a]");
    now = time(NULL);
    umask(077);
    sysmode = !ctl_sandbox();
    if (sysmode) {
        struct group *gr = getgrnam("qmail");
        if (!gr) die(EXIT_TEMP, PROG, "group qmail does not exist");
        qmail_gid = gr->gr_gid;
    }

    if (chdir(ctl_home()) < 0) fatal_sys("unable to chdir to %s", ctl_home());
    if (lstat("queue", &st) < 0 && errno != ENOENT) fatal_sys("unable to stat %s", "queue");
    check_dir("queue", "qmailq", 0750);
    if (chdir("queue") < 0) {
        out_flush();
        fatal_sys("unable to chdir to %s", "queue");
    }
    check_dirs();
    check_sendmutex();
    if (repair && exists("lock/sendmutex")) {
        out_flush();
        lockfd = open("lock/sendmutex", O_RDWR | O_CLOEXEC);
        if (lockfd < 0) fatal_sys("unable to open %s", "lock/sendmutex");
        if (lock_exnb(lockfd) < 0) {
            if (errno == EWOULDBLOCK)
                die(EXIT_TEMP, PROG, "qmail-send is running (lock/sendmutex is locked); stop it before repairing");
            fatal_sys("unable to lock %s", "lock/sendmutex");
        }
    }
    check_trigger();
    check_tcpto();

    walk("mess", mess_names);
    walk_kind = "todo";
    walk("todo", placement);
    walk_kind = "info";
    walk("info", placement);
    walk_kind = "local";
    walk("local", placement);
    walk_kind = "remote";
    walk("remote", placement);

    quiet_unexpected = 1;
    walk("todo", todo_check);
    walk("info", info_check);
    walk("local", chan_check);
    walk("remote", chan_check);
    quiet_unexpected = 0;
    walk("bounce", bounce_check);
    walk("intd", intd_check);
    quiet_unexpected = 1;
    walk("mess", mess_orphan);
    pid_check("pid");

    out_flush();
    if (lockfd >= 0) close(lockfd);
    return problems ? 1 : 0;
}
