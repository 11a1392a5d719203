/*
 * reformail-io: input lines, the streamed body, and the two output sinks
 * (standard output, or -s: one program per mbox message).  See
 * mda/reformail.h.
 *
 * Lines.  A line ends at LF; one CR right before the LF (or before the end
 * of the input) is not part of it; a last line without LF is still a line;
 * every line is written with the line end chosen by -d (LF or CRLF).  NUL
 * bytes are ordinary bytes.  Header lines are held in memory (bounded by
 * RF_FIELD_MAX); body lines are streamed through a fixed buffer, whatever
 * their length.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "reformail.h"

/* ---- input ------------------------------------------------------------------------------------ */

int rf_read_line(rf *r, str *line)
{
    int any = 0;
    str_truncate(line, 0);
    if (str_ready(line, 0) < 0) die(1, RF_PROG, "out of memory");
    if (r->eof) return 0;
    for (;;) {
        ssize_t n = buf_feed(&r->in);
        if (n < 0) die_sys(1, RF_PROG, "unable to read input");
        if (n == 0) {
            r->eof = 1;
            break;
        }
        any = 1;
        char *p = buf_peek(&r->in);
        char *nl = memchr(p, '\n', (size_t)n);
        size_t k = nl ? (size_t)(nl - p) : (size_t)n;
        if (line->len + k > RF_FIELD_MAX)
            die(1, RF_PROG, "header line longer than %u bytes", RF_FIELD_MAX);
        if (str_catb(line, p, k) < 0) die(1, RF_PROG, "out of memory");
        buf_skip(&r->in, nl ? k + 1 : k);
        if (nl) break;
    }
    if (!any) return 0;
    if (line->len && line->s[line->len - 1] == '\r') str_truncate(line, line->len - 1);
    return 1;
}

void rf_drain(rf *r)
{
    if (r->eof) return;
    if (lseek(0, 0, SEEK_END) != (off_t)-1) return;
    for (;;) {
        ssize_t n = buf_feed(&r->in);
        if (n < 0) die_sys(1, RF_PROG, "unable to read input");
        if (n == 0) break;
        buf_skip(&r->in, (size_t)n);
    }
    r->eof = 1;
}

/* ---- the -s splitter ------------------------------------------------------------------------------ */

static void sp_write(rf_split *s, const char *p, size_t n)
{
    if (s->broken || !n) return;
    if (buf_put(&s->w, p, n) < 0) {
        if (errno != EPIPE) die_sys(1, RF_PROG, "unable to write to %s", s->argv[0]);
        s->broken = 1;
    }
}

static void sp_start(rf_split *s)
{
    int fds[2];
    char num[64];
    size_t k = 0;
    unsigned long v = s->fileno;
    pid_t pid;

    /* FILENO: the number, with leading zeros to the width it was given */
    do {
        num[k++] = (char)('0' + v % 10);
        v /= 10;
    } while ((v || k < s->width) && k < sizeof num - 1);
    if (s->fileno == 0 && s->width == 0) k = 0;
    for (size_t i = 0; i < k / 2; i++) {
        char c = num[i];
        num[i] = num[k - 1 - i];
        num[k - 1 - i] = c;
    }
    num[k] = 0;

    if (pipe2(fds, O_CLOEXEC) < 0) die_sys(1, RF_PROG, "unable to create a pipe");
    pid = fork();
    if (pid < 0) die_sys(1, RF_PROG, "unable to fork");
    if (pid == 0) {
        if (dup2(fds[0], 0) < 0) _exit(1);
        if (s->do_fileno && setenv("FILENO", num, 1) < 0) _exit(1);
        signal(SIGPIPE, SIG_DFL);
        execvp(s->argv[0], s->argv);
        warn_sys(RF_PROG, "unable to run %s", s->argv[0]);
        _exit(1);
    }
    close(fds[0]);
    s->pid = pid;
    s->fd = fds[1];
    s->broken = 0;
    s->messages++;
    if (buf_init(&s->w, s->fd, s->space, sizeof s->space) < 0) die(1, RF_PROG, "out of memory");
    if (s->do_fileno) s->fileno++;
}

static void sp_end(rf_split *s)
{
    int st;
    if (!s->pid) return;
    if (!s->broken && buf_flush(&s->w) < 0) {
        if (errno != EPIPE) die_sys(1, RF_PROG, "unable to write to %s", s->argv[0]);
    }
    close(s->fd);
    s->fd = -1;
    while (waitpid(s->pid, &st, 0) < 0) {
        if (errno != EINTR) die_sys(1, RF_PROG, "unable to wait for %s", s->argv[0]);
    }
    s->pid = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (WIFEXITED(st))
            die(1, RF_PROG, "%s exited %d on message %lu; the rest of the input is not processed",
                s->argv[0], WEXITSTATUS(st), s->messages);
        die(1, RF_PROG, "%s was killed by signal %d on message %lu; the rest of the input is not "
            "processed", s->argv[0], WTERMSIG(st), s->messages);
    }
}

/* The start of a line is known to be (is_from) or not to be "From ". */
static void sp_decide(rf *r, int is_from)
{
    rf_split *s = &r->sp;
    if (!s->pid) {
        sp_start(s);
    } else if (is_from) {
        s->pend_eol = 0; /* the empty line before a From_ line is the separator */
        sp_end(s);
        sp_start(s);
    }
    if (s->pend_eol) sp_write(s, r->crlf ? "\r\n" : "\n", r->crlf ? 2 : 1);
    s->pend_eol = 0;
    sp_write(s, s->pre, s->npre);
    s->npre = 0;
    s->at_start = 0;
}

static void sp_put(rf *r, const char *p, size_t n)
{
    rf_split *s = &r->sp;
    while (n && s->at_start) {
        if (*p != "From "[s->npre]) {
            sp_decide(r, 0);
            break;
        }
        s->pre[s->npre++] = *p++;
        n--;
        if (s->npre == 5) sp_decide(r, 1);
    }
    if (n) sp_write(s, p, n);
}

static void sp_eol(rf *r)
{
    rf_split *s = &r->sp;
    if (s->at_start) sp_decide(r, 0);
    /* held back: the last line end of a message is not passed on */
    s->pend_eol = 1;
    s->at_start = 1;
}

/* ---- the sink --------------------------------------------------------------------------------------- */

void rf_put(rf *r, const char *p, size_t n)
{
    if (r->mode == RF_SPLIT) {
        sp_put(r, p, n);
        return;
    }
    (void)buf_put(&r->out, p, n);
}

void rf_eol(rf *r)
{
    if (r->mode == RF_SPLIT) {
        sp_eol(r);
        return;
    }
    (void)buf_put(&r->out, r->crlf ? "\r\n" : "\n", r->crlf ? 2 : 1);
}

void rf_finish(rf *r)
{
    if (r->mode == RF_SPLIT) {
        if (r->sp.npre) sp_decide(r, 0);
        sp_end(&r->sp);
        return;
    }
    if (buf_flush(&r->out) < 0) die_sys(1, RF_PROG, "error writing output");
}

/* ---- the body ----------------------------------------------------------------------------------------- */

/* Lines matching ^>*From  get one more '>' (-f1, a From_ line was added)
 * or, from ^>+From , one less (-f0, the From_ line was removed). */
static void gts(rf *r, unsigned long long n)
{
    static const char g[64] = ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>";
    while (n) {
        size_t k = n > sizeof g ? sizeof g : (size_t)n;
        rf_put(r, g, k);
        n -= k;
    }
}

static void bl_decide(rf *r, int match)
{
    unsigned long long gt = r->bl_gt;
    if (match && r->quote == RF_Q_ADD) gt++;
    else if (match && r->quote == RF_Q_REM && gt > 0) gt--;
    gts(r, gt);
    rf_put(r, "From ", r->bl_nfrom);
    r->bl_decided = 1;
}

static void bl_put(rf *r, const char *p, size_t n)
{
    if (r->quote == RF_Q_NONE) {
        rf_put(r, p, n);
        return;
    }
    while (n && !r->bl_decided) {
        if (r->bl_nfrom == 0 && *p == '>') {
            r->bl_gt++;
        } else if (*p == "From "[r->bl_nfrom]) {
            if (++r->bl_nfrom == 5) {
                p++, n--;
                bl_decide(r, 1);
                break;
            }
        } else {
            bl_decide(r, 0);
            break;
        }
        p++, n--;
    }
    if (n) rf_put(r, p, n);
}

static void bl_eol(rf *r)
{
    if (r->quote != RF_Q_NONE) {
        if (!r->bl_decided) bl_decide(r, 0);
        r->bl_decided = 0;
        r->bl_gt = 0;
        r->bl_nfrom = 0;
    }
    rf_eol(r);
}

void rf_body(rf *r)
{
    int started = 0, cr = 0;
    while (!r->eof) {
        ssize_t n = buf_feed(&r->in);
        if (n < 0) die_sys(1, RF_PROG, "unable to read input");
        if (n == 0) {
            r->eof = 1;
            break;
        }
        if (r->mode != RF_SPLIT && buf_error(&r->out)) {
            errno = buf_error(&r->out);
            die_sys(1, RF_PROG, "error writing output");
        }
        char *p = buf_peek(&r->in);
        char *nl = memchr(p, '\n', (size_t)n);
        if (nl) {
            size_t k = (size_t)(nl - p);
            if (cr && k) bl_put(r, "\r", 1);
            if (k && p[k - 1] == '\r') bl_put(r, p, k - 1);
            else bl_put(r, p, k);
            bl_eol(r);
            buf_skip(&r->in, k + 1);
            started = cr = 0;
            continue;
        }
        if (cr) bl_put(r, "\r", 1);
        size_t k = (size_t)n;
        cr = p[k - 1] == '\r';
        bl_put(r, p, cr ? k - 1 : k);
        buf_skip(&r->in, (size_t)n);
        started = 1;
    }
    if (started) bl_eol(r); /* a last line without a line end; a lone CR is dropped */
}
