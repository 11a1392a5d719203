/*
 * qmail-send: schedules deliveries of queued messages, retries, bounces.
 *
 * Started by qmail-start with these descriptors:
 *   0 activity log (written)      1/2 qmail-lspawn commands/replies
 *   3/4 qmail-rspawn              5/6 qmail-clean requests/replies
 *   7/8 qmail-todo commands/notifications
 * New messages are preprocessed by qmail-todo, a separate process, which
 * reports each one as "N<id>:<flags>\0" once its info/local/remote files
 * are durable; qmail-send only delivers, so a flood of injections never
 * starves deliveries.  The retry schedule, queuelifetime, bounce format,
 * log lines and signals are those of qmail 1.03 (see qmail-send(8)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "fs.h"
#include "log.h"
#include "qmail-send.h"
#include "queuefmt.h"
#include "str.h"

/* the shared state declared in qmail-send.h */
struct send_ctl ctl;
struct pool send_pool;
ctl_map vdoms;
struct msg **hash;
size_t hash_size = 65536;
struct msg **heap[2];
size_t heap_len[2], heap_cap[2];
struct msg *done_head;
struct job *jobs[2];
size_t njobs[2];
struct slot slots[2][256];
unsigned long conc[2], busy[2];
str cmdbuf[2];
str replybuf[2];
str notebuf;
unsigned long delivery_counter;
int spawner_alive[2] = { 1, 1 };
int todo_alive = 1;
volatile sig_atomic_t flag_term, flag_alarm, flag_hup;
const char *const chan_name[2] = { "local", "remote" };
const int chan_cmd_fd[2] = { 1, 3 };
const int chan_reply_fd[2] = { 2, 4 };

/* ---- logging ------------------------------------------------------------- */

void send_log(const char *text)
{
    str line = STR_INIT;
    if (str_copys(&line, text) < 0 || str_catc(&line, '\n') < 0) return;
    log_write_line(FD_LOG, &line);
    str_free(&line);
}

void log_status(void)
{
    str line = STR_INIT;
    str_catf(&line, "status: local %lu/%lu remote %lu/%lu%s", busy[0], conc[0], busy[1], conc[1],
             flag_term ? " exitasap" : "");
    send_log(line.s);
    str_free(&line);
}

void nomem(void)
{
    send_log("alert: out of memory, sleeping...");
    sleep(10);
}

/* ---- messages and the schedule ------------------------------------------- */

struct msg *msg_find(unsigned long id)
{
    for (struct msg *m = hash[id % hash_size]; m; m = m->hash_next)
        if (m->id == id) return m;
    return NULL;
}

static struct msg *msg_new(unsigned long id, time_t birth)
{
    struct msg *m;
    while (!(m = calloc(1, sizeof *m))) nomem();
    m->id = id;
    m->birth = birth;
    m->hash_next = hash[id % hash_size];
    hash[id % hash_size] = m;
    return m;
}

static void msg_free(struct msg *m)
{
    struct msg **pp = &hash[m->id % hash_size];
    while (*pp != m) pp = &(*pp)->hash_next;
    *pp = m->hash_next;
    free(m);
}

static void heap_swap(int c, size_t a, size_t b)
{
    struct msg *t = heap[c][a];
    heap[c][a] = heap[c][b];
    heap[c][b] = t;
    heap[c][a]->heap_pos[c] = a;
    heap[c][b]->heap_pos[c] = b;
}

static void heap_up(int c, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (heap[c][p]->next[c] <= heap[c][i]->next[c]) break;
        heap_swap(c, i, p);
        i = p;
    }
}

static void heap_down(int c, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < heap_len[c] && heap[c][l]->next[c] < heap[c][s]->next[c]) s = l;
        if (r < heap_len[c] && heap[c][r]->next[c] < heap[c][s]->next[c]) s = r;
        if (s == i) return;
        heap_swap(c, i, s);
        i = s;
    }
}

void schedule(struct msg *m, int c, time_t when)
{
    if (heap_len[c] == heap_cap[c]) {
        size_t ncap = heap_cap[c] ? heap_cap[c] * 2 : 1024;
        struct msg **n;
        while (!(n = realloc(heap[c], ncap * sizeof *n))) nomem();
        heap[c] = n;
        heap_cap[c] = ncap;
    }
    m->state[c] = CH_WAIT;
    m->next[c] = when;
    m->heap_pos[c] = heap_len[c];
    heap[c][heap_len[c]++] = m;
    heap_up(c, heap_len[c] - 1);
}

struct msg *heap_pop(int c)
{
    struct msg *m = heap[c][0];
    heap_len[c]--;
    if (heap_len[c]) {
        heap[c][0] = heap[c][heap_len[c]];
        heap[c][0]->heap_pos[c] = 0;
        heap_down(c, 0);
    }
    return m;
}

/* A message whose channels are all finished waits here for its bounce and
 * its removal from the queue. */
static void to_done(struct msg *m)
{
    if (m->in_done) return;
    m->in_done = 1;
    m->done_retry = 0;
    m->done_next = done_head;
    done_head = m;
}

void channel_finished(struct msg *m, int c)
{
    m->state[c] = CH_DONE;
    if (m->state[0] != CH_WAIT && m->state[0] != CH_PASS && m->state[1] != CH_WAIT &&
        m->state[1] != CH_PASS)
        to_done(m);
}

int chan_path(char *out, size_t n, int c, unsigned long id)
{
    return qf_path(out, n, chan_name[c], id, 1);
}

int todo_exists(unsigned long id)
{
    char p[64];
    struct stat st;
    qf_path(p, sizeof p, "todo", id, 1);
    if (stat(p, &st) == 0) return 1;
    qf_path(p, sizeof p, "todo", id, 0);
    return stat(p, &st) == 0;
}

/*
 * Adds message id found in info/ (at start) or announced by qmail-todo.
 * from_todo: the channel files were just written, so they are due now.
 */
static void msg_add(unsigned long id, int from_todo, const char *flags)
{
    char p[64];
    struct stat st;
    struct msg *m;

    if (msg_find(id)) return;
    qf_path(p, sizeof p, "info", id, 1);
    if (stat(p, &st) < 0) {
        str w = STR_INIT;
        str_catf(&w, "warning: unable to stat %s", p);
        send_log(w.s);
        str_free(&w);
        return;
    }
    m = msg_new(id, st.st_mtime);
    for (int c = 0; c < 2; c++) {
        struct stat cs;
        int has;
        chan_path(p, sizeof p, c, id);
        if (from_todo) has = strchr(flags, c == 0 ? 'l' : 'r') != NULL;
        else has = stat(p, &cs) == 0;
        if (has) schedule(m, c, from_todo ? time(NULL) : cs.st_mtime);
        else m->state[c] = CH_NONE;
    }
    if (m->state[0] != CH_WAIT && m->state[1] != CH_WAIT) to_done(m);
}

static void scan_info(void)
{
    for (unsigned s = 0; s < QF_SPLIT; s++) {
        char dir[32];
        DIR *d;
        struct dirent *e;
        snprintf(dir, sizeof dir, "info/%u", s);
        while (!(d = opendir(dir))) {
            str w = STR_INIT;
            str_catf(&w, "alert: unable to opendir %s, sleeping...", dir);
            send_log(w.s);
            str_free(&w);
            sleep(10);
        }
        while ((e = readdir(d))) {
            unsigned long id;
            if (!qf_parse_id(e->d_name, &id)) continue;
            if (todo_exists(id)) continue; /* qmail-todo will (re)do it */
            msg_add(id, 0, "");
        }
        closedir(d);
    }
}

/* ---- completion: bounce, then remove the message -------------------------- */

static int clean_request(const char *req)
{
    char reply;
    if (fs_write_all(5, req, strlen(req) + 1) < 0) goto lost;
    for (;;) {
        ssize_t r = read(6, &reply, 1);
        if (r == 1) break;
        if (r < 0 && errno == EINTR) continue;
        goto lost;
    }
    return reply == '+' ? 0 : -1;
lost:
    send_log("alert: oh no! lost qmail-clean connection! dying...");
    _exit(111);
}

static void complete(struct msg *m, time_t now)
{
    char p[64], req[64];
    struct stat st;
    str line = STR_INIT, sender = STR_INIT;

    qf_path(p, sizeof p, "bounce", m->id, 0);
    if (stat(p, &st) == 0) {
        if (read_sender(m->id, &sender) < 0 || send_bounce(&ctl, m->id, sender.s ? sender.s : "") < 0) {
            m->done_retry = now + SLEEP_SYSFAIL;
            str_free(&sender);
            return;
        }
        if (unlink(p) < 0 && errno != ENOENT) {
            m->done_retry = now + SLEEP_SYSFAIL;
            str_free(&sender);
            return;
        }
    }
    str_free(&sender);
    if (!m->ended) {
        str_catf(&line, "end msg %lu", m->id);
        send_log(line.s);
        str_free(&line);
        m->ended = 1;
    }
    /* info goes first.  The message id is the mess file's inode number,
     * which is free for a new message the moment qmail-clean recycles the
     * mess file (at once, through queue/poolq): a new message with this id
     * must not find this one's info file, which qmail-todo would take for
     * debris of its own and which this code would then remove from under
     * it.  A crash in between leaves a delivered message's mess file with
     * no info: debris that is never delivered again, removed after 36
     * hours (and by qmail-qcheck). */
    qf_path(p, sizeof p, "info", m->id, 1);
    if (pool_put(&send_pool, p) < 0) {
        str w = STR_INIT;
        str_catf(&w, "warning: unable to unlink %s; will try again later", p);
        send_log(w.s);
        str_free(&w);
        m->done_retry = now + SLEEP_SYSFAIL;
        return;
    }
    snprintf(req, sizeof req, "foop/%lu", m->id);
    if (clean_request(req) < 0) {
        str w = STR_INIT;
        str_catf(&w, "warning: qmail-clean unable to clean up mess/%lu/%lu", m->id % QF_SPLIT, m->id);
        send_log(w.s);
        str_free(&w);
        m->done_retry = now + SLEEP_SYSFAIL;
        return;
    }
    m->in_done = 2; /* removed below */
}

static time_t process_done(time_t now)
{
    struct msg **pp = &done_head;
    time_t wake = 0;
    while (*pp) {
        struct msg *m = *pp;
        if (m->done_retry <= now) complete(m, now);
        if (m->in_done == 2) {
            *pp = m->done_next;
            msg_free(m);
            continue;
        }
        if (!wake || m->done_retry < wake) wake = m->done_retry;
        pp = &m->done_next;
    }
    return wake;
}

/*
 * Debris: a mess file with neither info nor todo whose last access is more
 * than 36 hours old was left by an interrupted qmail-queue (which gives up
 * after 24 hours) and is removed through qmail-clean.
 */
static void cleanup_debris(time_t now)
{
    for (unsigned sub = 0; sub < QF_SPLIT; sub++) {
        char dir[32], p[64], req[64];
        DIR *d;
        struct dirent *e;
        snprintf(dir, sizeof dir, "mess/%u", sub);
        if (!(d = opendir(dir))) continue;
        while ((e = readdir(d))) {
            unsigned long id;
            struct stat st;
            if (!qf_parse_id(e->d_name, &id) || msg_find(id) || todo_exists(id)) continue;
            qf_path(p, sizeof p, "info", id, 1);
            if (stat(p, &st) == 0) continue;
            qf_path(p, sizeof p, "mess", id, 1);
            if (stat(p, &st) < 0 || now - st.st_atime <= OSSIFIED) continue;
            snprintf(req, sizeof req, "foop/%lu", id);
            if (clean_request(req) < 0) {
                str w = STR_INIT;
                str_catf(&w, "warning: qmail-clean unable to clean up %s", p);
                send_log(w.s);
                str_free(&w);
            }
        }
        closedir(d);
    }
}

/* ---- notifications from qmail-todo ---------------------------------------- */

static void parse_notes(void)
{
    size_t i = 0;
    while (i < notebuf.len) {
        const char *z = memchr(notebuf.s + i, 0, notebuf.len - i);
        if (!z) break;
        const char *rec = notebuf.s + i;
        if (rec[0] == 'N') {
            unsigned long id;
            size_t n = scan_ulong(rec + 1, (size_t)(z - rec - 1), &id);
            if (n && rec[1 + n] == ':') msg_add(id, 1, rec + 2 + n);
        }
        i = (size_t)(z - notebuf.s) + 1;
    }
    if (i) {
        memmove(notebuf.s, notebuf.s + i, notebuf.len - i);
        str_truncate(&notebuf, notebuf.len - i);
    }
}

static void todo_command(char c)
{
    if (!todo_alive) return;
    if (write(FD_TODO_CMD, &c, 1) != 1) {
        send_log("alert: oh no! lost qmail-todo connection! dying...");
        _exit(111);
    }
}

/* ---- start and stop --------------------------------------------------------- */

static void on_signal(int sig)
{
    if (sig == SIGTERM) flag_term = 1;
    else if (sig == SIGALRM) flag_alarm = 1;
    else if (sig == SIGHUP) flag_hup = 1;
}

static int read_controls(void)
{
    const char *home = ".";
    if (ctl_readline(home, "me", &ctl.me) < 0) return -1;
    if (ctl_readline_def(home, "bouncefrom", "MAILER-DAEMON", &ctl.bouncefrom) < 0) return -1;
    if (ctl_readline_me(home, "bouncehost", "bouncehost", &ctl.bouncehost) < 0) return -1;
    if (ctl_readline_def(home, "doublebounceto", "postmaster", &ctl.doublebounceto) < 0) return -1;
    if (ctl_readline_me(home, "doublebouncehost", "doublebouncehost", &ctl.doublebouncehost) < 0)
        return -1;
    if (ctl_readulong(home, "concurrencylocal", 10, &ctl.conc[0]) < 0) return -1;
    if (ctl_readulong(home, "concurrencyremote", 20, &ctl.conc[1]) < 0) return -1;
    if (ctl_readulong(home, "queuelifetime", 604800, &ctl.lifetime) < 0) return -1;
    if (ctl_readmap(home, "virtualdomains", &vdoms) < 0) return -1;
    return 0;
}

/* At exit, the next attempt times go into the channel files' mtimes. */
static void save_schedule(void)
{
    for (int c = 0; c < 2; c++)
        for (size_t i = 0; i < heap_len[c]; i++) {
            struct msg *m = heap[c][i];
            char p[64];
            struct timeval tv[2];
            chan_path(p, sizeof p, c, m->id);
            tv[0].tv_sec = tv[1].tv_sec = m->next[c];
            tv[0].tv_usec = tv[1].tv_usec = 0;
            if (utimes(p, tv) < 0 && errno != ENOENT) {
                str w = STR_INIT;
                str_catf(&w, "warning: unable to utime %s; rescheduling", p);
                send_log(w.s);
                str_free(&w);
            }
        }
}

static void flush_commands(int c)
{
    while (cmdbuf[c].len) {
        ssize_t w = write(chan_cmd_fd[c], cmdbuf[c].s, cmdbuf[c].len);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            send_log("alert: oh no! lost spawn connection! dying...");
            _exit(111);
        }
        memmove(cmdbuf[c].s, cmdbuf[c].s + w, cmdbuf[c].len - (size_t)w);
        str_truncate(&cmdbuf[c], cmdbuf[c].len - (size_t)w);
    }
}

static int read_into(int fd, str *b)
{
    char tmp[8192];
    ssize_t r = read(fd, tmp, sizeof tmp);
    if (r < 0) return (errno == EINTR || errno == EAGAIN) ? 1 : -1;
    if (r == 0) return 0;
    if (str_catb(b, tmp, (size_t)r) < 0) nomem();
    return 1;
}

int main(void)
{
    struct sigaction sa;
    sigset_t block, orig;
    int mutex;
    time_t last_cleanup;

    if (chdir(ctl_home()) < 0 || read_controls() < 0) {
        send_log("alert: cannot start: unable to read controls");
        return 111;
    }
    if (chdir("queue") < 0) {
        send_log("alert: cannot start: unable to switch to queue directory");
        return 111;
    }
    pool_init(&send_pool, POOL_S);
    umask(077);
    mutex = open("lock/sendmutex", O_RDWR | O_CLOEXEC);
    if (mutex < 0 || flock(mutex, LOCK_EX | LOCK_NB) < 0) {
        send_log("alert: cannot start: qmail-send is already running");
        return 111;
    }
    for (int c = 0; c < 2; c++) {
        unsigned char b;
        if (read(chan_reply_fd[c], &b, 1) != 1) {
            send_log("alert: cannot start: hath the daemon spawn no fire?");
            return 111;
        }
        conc[c] = ctl.conc[c] < b ? ctl.conc[c] : b;
        if (conc[c] > 255) conc[c] = 255;
        fcntl(chan_cmd_fd[c], F_SETFL, fcntl(chan_cmd_fd[c], F_GETFL) | O_NONBLOCK);
    }
    signal(SIGPIPE, SIG_IGN);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &orig);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    while (!(hash = calloc(hash_size, sizeof *hash))) nomem();
    scan_info();
    todo_command('S');
    log_status();
    last_cleanup = time(NULL);
    cleanup_debris(last_cleanup);

    for (;;) {
        time_t now = time(NULL), wake;
        struct pollfd pf[5];
        int np = 0, idx_reply[2] = { -1, -1 }, idx_cmd[2] = { -1, -1 }, idx_note = -1;

        if (flag_alarm) {
            flag_alarm = 0;
            for (int c = 0; c < 2; c++) {
                for (size_t i = 0; i < heap_len[c]; i++) heap[c][i]->next[c] = now;
            }
            for (struct msg *m = done_head; m; m = m->done_next) m->done_retry = 0;
            todo_command('A');
        }
        if (flag_hup) {
            flag_hup = 0;
            if (ctl_readmap("..", "virtualdomains", &vdoms) < 0)
                send_log("alert: unable to reread controls");
            todo_command('H');
        }
        if (flag_term && busy[0] == 0 && busy[1] == 0) break;
        if (!flag_term) {
            /* ended passes may finish messages, which process_done completes */
            for (int c = 0; c < 2; c++) reap_jobs(c);
            for (int c = 0; c < 2; c++) fill_slots(c, now);
            wake = process_done(now);
        } else {
            wake = 0;
        }
        if (!flag_term && now - last_cleanup >= SLEEP_CLEANUP) {
            last_cleanup = now;
            cleanup_debris(now);
        }

        /* how long may we sleep? */
        long timeout = SLEEP_FOREVER;
        if (wake && wake - now < timeout) timeout = wake - now;
        for (int c = 0; c < 2; c++)
            if (!flag_term && heap_len[c] && busy[c] < conc[c] && njobs[c] < conc[c] &&
                heap[c][0]->next[c] - now < timeout)
                timeout = heap[c][0]->next[c] - now;
        if (timeout < 0) timeout = 0;

        for (int c = 0; c < 2; c++) {
            if (!spawner_alive[c]) continue;
            idx_reply[c] = np;
            pf[np].fd = chan_reply_fd[c];
            pf[np++].events = POLLIN;
            if (cmdbuf[c].len) {
                idx_cmd[c] = np;
                pf[np].fd = chan_cmd_fd[c];
                pf[np++].events = POLLOUT;
            }
        }
        if (todo_alive) {
            idx_note = np;
            pf[np].fd = FD_TODO_NOTE;
            pf[np++].events = POLLIN;
        }
        struct timespec ts = { timeout, 0 };
        int r = ppoll(pf, (nfds_t)np, &ts, &orig);
        if (r < 0) {
            if (errno != EINTR) { send_log("warning: trouble in select"); sleep(1); }
            continue;
        }
        for (int c = 0; c < 2; c++) {
            if (idx_cmd[c] >= 0 && (pf[idx_cmd[c]].revents & (POLLOUT | POLLERR | POLLHUP)))
                flush_commands(c);
            if (idx_reply[c] >= 0 && (pf[idx_reply[c]].revents & (POLLIN | POLLHUP | POLLERR))) {
                if (read_into(chan_reply_fd[c], &replybuf[c]) <= 0) {
                    send_log("alert: oh no! lost spawn connection! dying...");
                    _exit(111);
                }
                parse_replies(c);
            }
        }
        if (idx_note >= 0 && (pf[idx_note].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (read_into(FD_TODO_NOTE, &notebuf) <= 0) {
                send_log("alert: oh no! lost qmail-todo connection! dying...");
                _exit(111);
            }
            parse_notes();
        }
    }
    for (int c = 0; c < 2; c++)
        while (jobs[c]) job_close(jobs[c]);
    save_schedule();
    close(FD_TODO_CMD);
    send_log("status: exiting");
    return 0;
}
