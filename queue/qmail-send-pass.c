/*
 * qmail-send's passes over channel files: a pass reads local/<id> or
 * remote/<id>, starts one delivery per recipient record through the
 * spawner, marks each record done (a one-byte 'D' overwrite) on success or
 * permanent failure, adds permanent failures to bounce/<id>, and ends by
 * removing the file or rescheduling the message by qmail's retry formula.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "fs.h"
#include "log.h"
#include "qmail-send.h"
#include "queuefmt.h"
#include "str.h"

/* ---- passes over a channel file ------------------------------------------ */

int read_sender(unsigned long id, str *sender)
{
    char p[64];
    str data = STR_INIT;
    qf_path(p, sizeof p, "info", id, 1);
    if (fs_read_file(p, &data, 1 << 20) < 0) return -1;
    if (data.len < 2 || data.s[0] != 'F' || data.s[data.len - 1] != 0) {
        str_free(&data);
        errno = EINVAL;
        return -1;
    }
    str_copyb(sender, data.s + 1, strlen(data.s + 1));
    str_free(&data);
    return 0;
}

static void job_free(struct job *j)
{
    if (j->fd >= 0) close(j->fd);
    str_free(&j->data);
    str_free(&j->sender);
    free(j->rec);
    free(j);
}

/* Retry formula of qmail-send: see queuefmt.h. */
static struct job *job_open(struct msg *m, int c, time_t now)
{
    char p[64];
    struct job *j;
    size_t i, n = 0;

    {
        /* the message itself vanished (a crash during completion): the
         * recipients cannot be served any more, so the channel is over */
        struct stat ms;
        qf_path(p, sizeof p, "mess", m->id, 1);
        if (stat(p, &ms) < 0 && errno == ENOENT) {
            str w = STR_INIT;
            str_catf(&w, "warning: %s is missing; dropping %s/%lu/%lu", p, chan_name[c],
                     m->id % QF_SPLIT, m->id);
            send_log(w.s);
            str_free(&w);
            chan_path(p, sizeof p, c, m->id);
            unlink(p);
            channel_finished(m, c);
            return NULL;
        }
    }
    while (!(j = calloc(1, sizeof *j))) nomem();
    j->m = m;
    j->chan = c;
    chan_path(p, sizeof p, c, m->id);
    j->fd = open(p, O_RDWR | O_CLOEXEC);
    if (j->fd < 0 || fs_read_fd(j->fd, &j->data, (size_t)1 << 30) < 0 ||
        read_sender(m->id, &j->sender) < 0) {
        str w = STR_INIT;
        str_catf(&w, "warning: trouble opening %s; will try again later", p);
        send_log(w.s);
        str_free(&w);
        job_free(j);
        schedule(m, c, now + SLEEP_SYSFAIL);
        return NULL;
    }
    for (i = 0; i < j->data.len; i++) if (j->data.s[i] == 0) n++;
    while (!(j->rec = calloc(n + 1, sizeof *j->rec))) nomem();
    for (i = 0; i < j->data.len;) {
        size_t e = i;
        while (e < j->data.len && j->data.s[e]) e++;
        if (e == j->data.len) break; /* an unterminated tail is ignored */
        if (j->data.s[i] != 'T' && j->data.s[i] != 'D') {
            str w = STR_INIT;
            str_catf(&w, "warning: unknown record type in %s!", p);
            send_log(w.s);
            str_free(&w);
            job_free(j);
            schedule(m, c, now + SLEEP_SYSFAIL);
            return NULL;
        }
        j->rec[j->nrec++] = i;
        i = e + 1;
    }
    j->retry_at = qf_next_retry(m->birth, now, c);
    j->dying = now > m->birth + (time_t)ctl.lifetime;
    m->state[c] = CH_PASS;
    j->list_next = jobs[c];
    jobs[c] = j;
    njobs[c]++;
    return j;
}

/* Ends the pass: the channel is done, or waits for the next retry (or,
 * when the pass was cut short by TERM, is due again at once). */
void job_close(struct job *j)
{
    int c = j->chan;
    struct job **pp = &jobs[c];
    int all_done = 1;
    char p[64];

    while (*pp != j) pp = &(*pp)->list_next;
    *pp = j->list_next;
    njobs[c]--;
    for (size_t i = 0; i < j->nrec; i++)
        if (j->data.s[j->rec[i]] != 'D') all_done = 0;
    if (all_done) {
        chan_path(p, sizeof p, c, j->m->id);
        if (pool_put(&send_pool, p) < 0) {
            str w = STR_INIT;
            str_catf(&w, "warning: unable to unlink %s; will try again later", p);
            send_log(w.s);
            str_free(&w);
            schedule(j->m, c, time(NULL) + SLEEP_SYSFAIL);
        } else {
            channel_finished(j->m, c);
        }
    } else {
        int untried = 0;
        for (size_t i = j->next; i < j->nrec; i++)
            if (j->data.s[j->rec[i]] == 'T') untried = 1;
        schedule(j->m, c, untried && !j->deferred ? time(NULL) : j->retry_at);
    }
    job_free(j);
}

/* Marks record r done in the file and in memory: a one-byte overwrite. */
static int mark_done(struct job *j, size_t r)
{
    size_t off = j->rec[r];
    if (pwrite(j->fd, "D", 1, (off_t)off) != 1) {
        str w = STR_INIT;
        str_catf(&w, "warning: trouble marking %s/%lu/%lu; message will be delivered twice!",
                 chan_name[j->chan], j->m->id % QF_SPLIT, j->m->id);
        send_log(w.s);
        str_free(&w);
        return -1;
    }
    j->data.s[off] = 'D';
    return 0;
}

/*
 * A virtual-domain recipient was rewritten to "prepend-user@domain"; the
 * bounce shows the address the sender used.  The domain and then each of
 * its dot-suffixes (and finally the empty key) are looked up as qmail-todo
 * did; the first entry found decides.
 */
static const char *strip_vdom(const char *rcpt)
{
    const char *at = strrchr(rcpt, '@');
    if (!at) return rcpt;
    const char *dom = at + 1;
    size_t dlen = strlen(dom);
    for (size_t i = 0; i <= dlen; i++) {
        const char *val;
        size_t vlen;
        if (i != 0 && i != dlen && dom[i] != '.') continue;
        if (ctl_map_find(&vdoms, dom + i, dlen - i, &val, &vlen) != 1) continue;
        if (vlen == 0 || strncmp(rcpt, val, vlen) || rcpt[vlen] != '-') break;
        return rcpt + vlen + 1;
    }
    return rcpt;
}

/*
 * Appends a permanent failure to bounce/<id>, byte-compatible with qmail:
 * "<rcpt>:\n", the report with a final newline, every empty line inside
 * turned into a "/" line start, and a blank separator line.
 */
static int bounce_add(unsigned long id, const char *rcpt, const char *text)
{
    char p[64];
    str b = STR_INIT;
    int fd, ok;

    str_catc(&b, '<');
    for (const char *r = strip_vdom(rcpt); *r; r++) str_catc(&b, *r == '\n' ? '_' : *r);
    str_cats(&b, ">:\n");
    str_cats(&b, text);
    if (*text && text[strlen(text) - 1] != '\n') str_catc(&b, '\n');
    for (size_t pos = b.len - 2; pos > 0; pos--)
        if (b.s[pos] == '\n' && b.s[pos - 1] == '\n') b.s[pos] = '/';
    str_catc(&b, '\n');
    qf_path(p, sizeof p, "bounce", id, 0);
    fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    ok = fd >= 0 && b.s && fs_write_all(fd, b.s, b.len) == 0;
    if (fd >= 0 && close(fd) < 0) ok = 0;
    str_free(&b);
    return ok ? 0 : -1;
}

/* "x-@h-@[]" with recipient "box@rhost" becomes "x-box=rhost@h" (VERP). */
static void expand_sender(str *out, const str *sender, const char *rcpt)
{
    size_t n = sender->len;
    if (n < 4 || memcmp(sender->s + n - 4, "-@[]", 4)) {
        str_copy(out, sender);
        return;
    }
    n -= 4;
    const char *at = memrchr(sender->s, '@', n);
    if (!at) {
        str_copy(out, sender);
        return;
    }
    size_t local_len = (size_t)(at - sender->s);
    const char *ra = strrchr(rcpt, '@');
    str_copyb(out, sender->s, local_len);
    if (ra) {
        str_catb(out, rcpt, (size_t)(ra - rcpt));
        str_catc(out, '=');
        str_cats(out, ra + 1);
    } else {
        str_cats(out, rcpt);
    }
    str_catb(out, at, n - local_len);
}

static void start_delivery(int c, int s, struct job *j, size_t r)
{
    str sender = STR_INIT, line = STR_INIT;
    const char *rcpt = j->data.s + j->rec[r] + 1;
    char messpath[48];

    expand_sender(&sender, &j->sender, rcpt);
    snprintf(messpath, sizeof messpath, "%lu/%lu", j->m->id % QF_SPLIT, j->m->id);
    str_catc(&cmdbuf[c], (char)s);
    str_cats(&cmdbuf[c], messpath);
    str_catc(&cmdbuf[c], 0);
    str_catb(&cmdbuf[c], sender.s ? sender.s : "", sender.len);
    str_catc(&cmdbuf[c], 0);
    str_cats(&cmdbuf[c], rcpt);
    str_catc(&cmdbuf[c], 0);

    slots[c][s].job = j;
    slots[c][s].rec = r;
    slots[c][s].delnum = ++delivery_counter;
    j->inflight++;
    busy[c]++;
    str_catf(&line, "starting delivery %lu: msg %lu to %s ", slots[c][s].delnum, j->m->id,
             chan_name[c]);
    log_safe_cat(&line, rcpt, strlen(rcpt));
    send_log(line.s);
    log_status();
    str_free(&sender);
    str_free(&line);
}

/* Finds the next record to deliver in the open passes of channel c. */
static struct job *next_record(int c, size_t *r)
{
    for (struct job *j = jobs[c]; j; j = j->list_next) {
        while (j->next < j->nrec && j->data.s[j->rec[j->next]] != 'T') j->next++;
        if (j->next < j->nrec) {
            *r = j->next++;
            return j;
        }
    }
    return NULL;
}

/* Closes passes that have nothing left to start and nothing in flight. */
void reap_jobs(int c)
{
    struct job *j = jobs[c], *nx;
    for (; j; j = nx) {
        nx = j->list_next;
        while (j->next < j->nrec && j->data.s[j->rec[j->next]] != 'T') j->next++;
        if (j->next >= j->nrec && j->inflight == 0) job_close(j);
    }
}

void fill_slots(int c, time_t now)
{
    if (!spawner_alive[c]) return;
    while (!flag_term && busy[c] < conc[c]) {
        size_t r;
        struct job *j = next_record(c, &r);
        if (!j) {
            /* open another pass if one is due; passes never exceed the slots */
            if (!heap_len[c] || heap[c][0]->next[c] > now || njobs[c] >= conc[c]) break;
            job_open(heap_pop(c), c, now);
            reap_jobs(c); /* a pass with nothing to do ends at once */
            continue;
        }
        int s = 0;
        while (slots[c][s].job) s++;
        start_delivery(c, s, j, r);
    }
}

static void handle_reply(int c, int s, const char *text, size_t len)
{
    struct slot *sl = &slots[c][s];
    struct job *j = sl->job;
    str line = STR_INIT, t = STR_INIT;
    const char *rcpt;
    char kind;

    if (s >= 256 || !j) {
        send_log("warning: internal error: delivery report out of range");
        return;
    }
    rcpt = j->data.s + j->rec[sl->rec] + 1;
    kind = len ? text[0] : 0;
    if (kind != 'K' && kind != 'Z' && kind != 'D') {
        str_catf(&line, "delivery %lu: report mangled, will defer", sl->delnum);
        send_log(line.s);
        kind = 'Z';
        j->deferred = 1;
    } else {
        str_copyb(&t, text + 1, len - 1);
        if (kind == 'Z' && j->dying) {
            kind = 'D';
            if (t.len && t.s[t.len - 1] != '\n') str_catc(&t, '\n');
            str_cats(&t, "I'm not going to try again; this message has been in the queue too long.\n");
        }
        str_catf(&line, "delivery %lu: %s: ", sl->delnum,
                 kind == 'K' ? "success" : kind == 'Z' ? "deferral" : "failure");
        log_safe_cat(&line, t.s ? t.s : "", t.len);
        send_log(line.s);
        if (kind == 'K') {
            mark_done(j, sl->rec);
        } else if (kind == 'D') {
            if (bounce_add(j->m->id, rcpt, t.s ? t.s : "") == 0) {
                mark_done(j, sl->rec);
            } else {
                send_log("alert: unable to append to bounce message; HELP! sleeping...");
                j->deferred = 1;
            }
        } else {
            j->deferred = 1;
        }
    }
    sl->job = NULL;
    j->inflight--;
    busy[c]--;
    log_status();
    str_free(&line);
    str_free(&t);
}

/* Parses complete replies (slot byte, text, NUL) from a spawner. */
void parse_replies(int c)
{
    str *b = &replybuf[c];
    size_t i = 0;
    while (i < b->len) {
        const char *z = memchr(b->s + i + 1, 0, b->len - i - 1);
        if (i + 1 >= b->len || !z) break;
        size_t textlen = (size_t)(z - (b->s + i + 1));
        handle_reply(c, (unsigned char)b->s[i], b->s + i + 1, textlen > REPLY_MAX ? REPLY_MAX : textlen);
        i = (size_t)(z - b->s) + 1;
    }
    if (i) {
        memmove(b->s, b->s + i, b->len - i);
        str_truncate(b, b->len - i);
    }
}
