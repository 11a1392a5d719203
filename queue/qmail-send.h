/*
 * qmail-send internals shared by its parts (qmail-send.c: the loop, the
 * schedule and completion; qmail-send-pass.c: passes over channel files,
 * deliveries and their reports; qmail-send-bounce.c: bounce messages).
 * Not a lib module: nothing outside qmail-send uses it.
 */
#ifndef QMAIL_SEND_H
#define QMAIL_SEND_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "ctl.h"
#include "pool.h"
#include "str.h"

/* Control values qmail-send reads at start. */
struct send_ctl {
    str me;
    str bouncefrom, bouncehost;
    str doublebounceto, doublebouncehost;
    unsigned long lifetime;
    unsigned long conc[2];
};

#define FD_LOG 0
#define FD_TODO_CMD 7
#define FD_TODO_NOTE 8
#define SLEEP_SYSFAIL 123
#define SLEEP_FOREVER 86400
#define OSSIFIED 129600      /* 36 hours: debris older than this is removed */
#define SLEEP_CLEANUP 76431  /* how often to look for debris */
#define REPLY_MAX 10000

enum { CH_NONE, CH_WAIT, CH_PASS, CH_DONE };

extern const char *const chan_name[2];
extern const int chan_cmd_fd[2];
extern const int chan_reply_fd[2];

struct msg {
    unsigned long id;
    time_t birth;
    unsigned char state[2];
    time_t next[2];        /* next attempt, while CH_WAIT */
    size_t heap_pos[2];
    time_t done_retry;     /* when completion may be tried again (0: now) */
    int in_done;
    int ended;             /* "end msg" was logged */
    struct msg *hash_next;
    struct msg *done_next;
};

struct job {
    struct msg *m;
    int chan;
    int fd;                /* channel file, read-write, for the D marks */
    str data;              /* channel file contents */
    size_t *rec;           /* offsets of T/D records */
    size_t nrec, next;     /* records, and the next one to consider */
    int inflight;
    int deferred;
    int dying;             /* past queuelifetime: temporary failures bounce */
    time_t retry_at;       /* computed when the pass began */
    str sender;            /* envelope sender from info/ */
    struct job *list_next;
};

struct slot {
    struct job *job;
    size_t rec;
    unsigned long delnum;
};

extern struct send_ctl ctl;
extern struct pool send_pool;  /* finished info/local/remote files go to pools */
extern ctl_map vdoms;          /* virtualdomains, to undo prepends in bounces */
extern struct msg **hash;
extern size_t hash_size;
extern struct msg **heap[2];
extern size_t heap_len[2], heap_cap[2];
extern struct msg *done_head;
extern struct job *jobs[2];
extern size_t njobs[2];
extern struct slot slots[2][256];
extern unsigned long conc[2], busy[2];
extern str cmdbuf[2];          /* pending commands to each spawner */
extern str replybuf[2];
extern str notebuf;
extern unsigned long delivery_counter;
extern int spawner_alive[2];
extern int todo_alive;
extern volatile sig_atomic_t flag_term, flag_alarm, flag_hup;

/* qmail-send.c */
void log_status(void);
void nomem(void);
void schedule(struct msg *m, int c, time_t when);
struct msg *heap_pop(int c);
void channel_finished(struct msg *m, int c);
int chan_path(char *out, size_t n, int c, unsigned long id);
struct msg *msg_find(unsigned long id);
int todo_exists(unsigned long id);

/* qmail-send-pass.c: passes over channel files, deliveries, replies */
int read_sender(unsigned long id, str *sender);
void job_close(struct job *j);
void reap_jobs(int c);
void fill_slots(int c, time_t now);
void parse_replies(int c);

/* Writes one activity-log line (text is used as is; callers filter
 * addresses with log_safe_cat). */
void send_log(const char *text);

/*
 * Builds and queues the bounce for message id (bounce/<id> exists).  sender
 * is the message's envelope sender from info/<id>.  Returns 0 when the
 * bounce was queued or discarded (triple bounce) and bounce/<id> may be
 * removed, -1 when it must be tried again later.
 */
int send_bounce(const struct send_ctl *ctl, unsigned long id, const char *sender);

#endif
