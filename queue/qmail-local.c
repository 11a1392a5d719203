/*
 * qmail-local: deliver or forward a message as a .qmail file says
 * (qmail-local(8), dot-qmail(5)).
 *
 *   qmail-local [-nN] [--] user home local dash ext domain sender defaultdelivery
 *
 * Runs as the user, in the user's home, with the message on fd 0 (rewound
 * before every instruction; a non-seekable input is first copied to a
 * temporary file).  Picks the .qmail file for dash+ext (exact name, then
 * the -default cascade), sets the delivery environment, and carries out
 * its lines in order: ./mbox, ./Maildir/, |program, &forward (or a bare
 * address), +list, #comment.  Forwards go last, in one qmail-queue run.
 * Exit 0 (output "did F+W+P" and "qp N" if forwarded), 100 permanent,
 * 111 temporary; the reason is printed on fd 2 (the report pipe).
 * -n prints the instructions instead of delivering.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "die.h"
#include "fs.h"
#include "maildir.h"
#include "mbox.h"
#include "qq.h"
#include "rcpt.h"
#include "str.h"

#define PROG "qmail-local"
#define USAGE "qmail-local [ -nN ] user homedir local dash ext domain sender aliasempty"
#define QMAIL_FILE_MAX (16u * 1024 * 1024)   /* largest .qmail file read */
#define PATRN 002                            /* conf-patrn: world-writable */
#define MAILDIR_TIMEOUT 86400

static int flagdoit = 1;
static const char *user, *homedir, *local, *dash, *ext, *host, *sender, *aliasempty;
static str dtline, rpline, ufline, safeext, qme, ueo, cmds, prefix;
static unsigned long count_file, count_forward, count_program;
static unsigned long mailforward_qp;
static int flag99;
static unsigned long mdcounter;

/* ---- output -------------------------------------------------------------------- */

static void put2(const char *s, size_t n)
{
    (void)fs_write_all(2, s, n);
}

/* Prints the text (and a newline) on fd 2 and exits with code. */
static void fail(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void fail(int code, const char *fmt, ...)
{
    va_list ap;
    char *t = NULL;
    int n;
    va_start(ap, fmt);
    n = vasprintf(&t, fmt, ap);
    va_end(ap);
    if (n < 0 || !t) {
        static const char nomem[] = "Out of memory. (#4.3.0)\n";
        put2(nomem, sizeof nomem - 1);
        _exit(111);
    }
    put2(t, (size_t)n);
    put2("\n", 1);
    _exit(code);
}

static __attribute__((noreturn)) void temp_nomem(void) { fail(111, "Out of memory. (#4.3.0)"); }
static __attribute__((noreturn)) void temp_rewind(void) { fail(111, "Unable to rewind message. (#4.3.0)"); }
static __attribute__((noreturn)) void temp_read(void) { fail(111, "Unable to read message: %s. (#4.3.0)", strerror(errno)); }
static __attribute__((noreturn)) void temp_fork(void) { fail(111, "Unable to fork: %s. (#4.3.0)", strerror(errno)); }
static __attribute__((noreturn)) void temp_childcrashed(void) { fail(111, "Aack, child crashed. (#4.3.0)"); }
static __attribute__((noreturn)) void temp_qmail(const char *fn)
{
    fail(111, "Unable to open %s: %s. (#4.3.0)", fn, strerror(errno));
}

static void sayit(const char *type, const char *s, size_t len)
{
    str t = STR_INIT;
    if (str_cats(&t, type) < 0 || str_catb(&t, s, len) < 0 || str_catc(&t, '\n') < 0) temp_nomem();
    (void)fs_write_all(1, t.s, t.len);
    str_free(&t);
}


static void setenv_or_die(const char *name, const char *value)
{
    if (setenv(name, value, 1) < 0) temp_nomem();
}

static void setenv_b(const char *name, const char *value, size_t len)
{
    str t = STR_INIT;
    if (str_copyb(&t, value, len) < 0) temp_nomem();
    setenv_or_die(name, t.s ? t.s : "");
    str_free(&t);
}

/* ---- the message on fd 0 ------------------------------------------------------------ */

static void rewind0(void)
{
    if (lseek(0, 0, SEEK_SET) < 0) temp_rewind();
}

/* Makes fd 0 seekable: a pipe is copied to an unlinked temporary file. */
static void seekable_stdin(void)
{
    const char *dir = getenv("TMPDIR");
    char buf[65536];
    int fd;

    if (lseek(0, 0, SEEK_CUR) >= 0) return;
    if (errno != ESPIPE) temp_rewind();
    if (!dir || dir[0] != '/') dir = "/tmp";
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        str t = STR_INIT;
        if (str_copys(&t, dir) < 0 || str_cats(&t, "/qmail-local.XXXXXX") < 0) temp_nomem();
        fd = mkostemp(t.s, O_CLOEXEC);
        if (fd < 0) fail(111, "Unable to spool message: %s. (#4.3.0)", strerror(errno));
        unlink(t.s);
        str_free(&t);
    }
    for (;;) {
        ssize_t r = read(0, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            temp_read();
        }
        if (r == 0) break;
        if (fs_write_all(fd, buf, (size_t)r) < 0)
            fail(111, "Unable to spool message: %s. (#4.3.0)", strerror(errno));
    }
    if (dup2(fd, 0) < 0) fail(111, "Unable to spool message: %s. (#4.3.0)", strerror(errno));
    close(fd);
    rewind0();
}

/* Loop detection: a header line byte-identical to DTLINE. */
static void bouncexf(void)
{
    buf b;
    str line = STR_INIT;
    rewind0();
    if (buf_init(&b, 0, NULL, 0) < 0) temp_nomem();
    for (;;) {
        int r = buf_getline(&b, &line, '\n', dtline.len);
        if (r == BUF_ERR) temp_read();
        if (r != BUF_LINE && r != BUF_TOOLONG) break;   /* EOF, or a last line without \n */
        if (r == BUF_LINE && line.len <= 1) break;
        if (r == BUF_LINE && line.len == dtline.len && !memcmp(line.s, dtline.s, dtline.len))
            fail(100, "This message is looping: it already has my Delivered-To line. (#5.4.6)");
    }
    buf_free(&b);
    str_free(&line);
}

/* ---- deliveries ------------------------------------------------------------------------ */

/* A maildir delivery that hangs (a dead NFS server) is given up after
 * MAILDIR_TIMEOUT.  qmail 1.03 forked a child for each maildir delivery
 * to carry that alarm (and its chdir); the delivery here works with full
 * paths and changes nothing a later instruction could see, so it runs in
 * this process, a fork cheaper, and the alarm reports and exits itself. */
static void md_alarm(int sig)
{
    static const char msg[] = "Timeout on maildir delivery. (#4.3.0)\n";
    (void)sig;
    put2(msg, sizeof msg - 1);
    _exit(111);
}

static void maildir(const char *fn)
{
    int fd, r;

    rewind0();
    fd = open(fn, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (die_errno_temp(errno)) fail(111, "Temporary error on maildir delivery. (#4.3.0)");
        fail(111, "Unable to chdir to maildir. (#4.2.1)");
    }
    close(fd);
    signal(SIGALRM, md_alarm);
    alarm(MAILDIR_TIMEOUT);
    r = maildir_deliver(fn, prefix.s, prefix.len, 0, 0, &mdcounter, NULL, NULL);
    alarm(0);
    signal(SIGALRM, SIG_DFL);
    switch (r) {
    case MAILDIR_OK: return;
    case MAILDIR_ERR_READ: fail(111, "Unable to read message. (#4.3.0)");
    default: fail(111, "Temporary error on maildir delivery. (#4.3.0)");
    }
}

static void mailfile(const char *fn)
{
    static const struct mbox_opts opts = MBOX_OPTS_QMAIL;
    rewind0();
    switch (mbox_deliver(fn, ufline.s, ufline.len, prefix.s, prefix.len, 0, &opts)) {
    case MBOX_OK: return;
    case MBOX_ERR_OPEN: fail(111, "Unable to open %s: %s. (#4.2.1)", fn, strerror(errno));
    case MBOX_ERR_LOCK: fail(111, "File has been locked for 30 seconds straight. (#4.3.0)");
    case MBOX_ERR_READ: temp_read();
    case MBOX_ERR_TEMP: temp_nomem();
    default: fail(111, "Unable to write %s: %s. (#4.3.0)", fn, strerror(errno));
    }
}

static void mailprogram(const char *prog)
{
    pid_t child;
    int wstat;

    rewind0();
    child = fork();
    if (child < 0) temp_fork();
    if (child == 0) {
        char *args[4] = { (char *)"/bin/sh", (char *)"-c", (char *)prog, 0 };
        signal(SIGPIPE, SIG_DFL);
        signal(SIGXFSZ, SIG_DFL);
        execv(args[0], args);
        fail(111, "Unable to run /bin/sh: %s. (#4.3.0)", strerror(errno));
    }
    while (waitpid(child, &wstat, 0) < 0)
        if (errno != EINTR) temp_childcrashed();
    if (!WIFEXITED(wstat)) temp_childcrashed();
    switch (WEXITSTATUS(wstat)) {
    case 100: case 64: case 65: case 70: case 76: case 77: case 78: case 112: _exit(100);
    case 0: break;
    case 99: flag99 = 1; break;
    default: _exit(111);
    }
}

static void mailforward(char **recips)
{
    qq q;
    str why = STR_INIT;
    char b[65536];
    int r;

    rewind0();
    if (qq_start(&q, NULL) < 0) temp_fork();
    mailforward_qp = q.qp;
    qq_put(&q, dtline.s, dtline.len);
    for (;;) {
        ssize_t n = read(0, b, sizeof b);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            qq_abort(&q);
            errno = e;
            temp_read();
        }
        if (n == 0) break;
        qq_put(&q, b, (size_t)n);
    }
    qq_from(&q, ueo.s);
    while (*recips) qq_to(&q, *recips++);
    r = qq_finish(&q, &why);
    if (!r) return;
    fail(r == 'D' ? 100 : 111, "Unable to forward message: %s.", why.s ? why.s : "");
}

/* ---- the .qmail file ------------------------------------------------------------------- */

/*
 * qme = ".qmail" dash tail suffix (lib/rcpt): 1 if the name is usable, 0 if
 * the part that comes from the address is not one harmless path component.
 */
static int qme_set(const char *tail, size_t tlen, const char *suffix)
{
    int r = rcpt_qmail_name(&qme, dash, tail, tlen, suffix);
    if (r < 0) temp_nomem();
    return r;
}

/* Opens qme if it is a regular file: 1 with *fd and *cutable, else 0. */
static int qmeexists(int *fd, int *cutable)
{
    struct stat st;
    *fd = open(qme.s, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (*fd < 0) {
        if (die_errno_temp(errno) || errno == EPERM || errno == EACCES) temp_qmail(qme.s);
        return 0;
    }
    if (fstat(*fd, &st) < 0) temp_qmail(qme.s);
    if (S_ISREG(st.st_mode)) {
        if (st.st_mode & PATRN) fail(111, "Uh-oh: .qmail file is writable. (#4.7.0)");
        *cutable = !!(st.st_mode & 0100);
        return 1;
    }
    close(*fd);
    *fd = -1;
    return 0;
}

/* 1 if ".qmail" dash safeext suffix exists (stat), else 0. */
static int qmeox(const char *suffix)
{
    struct stat st;
    if (!qme_set(safeext.s, safeext.len, suffix)) return 0;
    if (stat(qme.s, &st) < 0) {
        if (die_errno_temp(errno)) temp_qmail(qme.s);
        return 0;
    }
    return 1;
}

struct qprobe {
    int fd;
    int cutable;
};

/* rcpt_dotqmail's probe: the name is in qme. */
static int qprobe_open(void *vc, const char *name)
{
    struct qprobe *q = vc;
    (void)name;
    return qmeexists(&q->fd, &q->cutable);
}

/* The .qmail file for dash and ext: the exact name, then the -default
 * cascade (lib/rcpt); sets $DEFAULT for a default file. */
static void qmesearch(int *fd, int *cutable)
{
    struct qprobe q = { -1, 0 };
    size_t defoff;
    int r = rcpt_dotqmail(dash, ext, qprobe_open, &q, &qme, &defoff);
    if (r < 0) temp_nomem();
    *fd = -1;
    *cutable = 0;
    if (r == 1) {
        *fd = q.fd;
        *cutable = q.cutable;
        if (defoff != RCPT_NODEFAULT) setenv_or_die("DEFAULT", ext + defoff);
    }
}

/* ---- main ----------------------------------------------------------------------------- */

static void checkhome(void)
{
    struct stat st;
    if (stat(".", &st) < 0) fail(111, "Unable to stat home directory: %s. (#4.3.0)", strerror(errno));
    if (st.st_mode & PATRN) fail(111, "Uh-oh: home directory is writable. (#4.7.0)");
    if (st.st_mode & 01000) {
        if (flagdoit) fail(111, "Home directory is sticky: user is editing his .qmail file. (#4.2.1)");
        static const char w[] = "Warning: home directory is sticky.\n";
        put2(w, sizeof w - 1);
    }
}

static void count_print(void)
{
    str t = STR_INIT;
    if (str_catf(&t, "did %lu+%lu+%lu\n", count_file, count_forward, count_program) < 0) temp_nomem();
    if (mailforward_qp && str_catf(&t, "qp %lu\n", mailforward_qp) < 0) temp_nomem();
    (void)fs_write_all(1, t.s, t.len);
    str_free(&t);
}

int main(int argc, char **argv)
{
    str foo = STR_INIT;
    int opt, fd, flagforwardonly;
    size_t i, j, k, numforward;
    char **recips;
    const char *x;

    umask(077);
    signal(SIGPIPE, SIG_IGN);
    /* a file size limit makes writes fail (EFBIG) instead of killing us,
     * so a partial mbox delivery is cut back */
    signal(SIGXFSZ, SIG_IGN);
    while ((opt = getopt(argc, argv, "+nN")) != -1) {
        switch (opt) {
        case 'n': flagdoit = 0; break;
        case 'N': flagdoit = 1; break;
        default: die_usage(PROG, USAGE);
        }
    }
    argv += optind;
    argc -= optind;
    if (argc != 8) die_usage(PROG, USAGE);
    user = argv[0];
    homedir = argv[1];
    local = argv[2];
    dash = argv[3];
    ext = argv[4];
    host = argv[5];
    sender = argv[6];
    aliasempty = argv[7];

    if (homedir[0] != '/') die_usage(PROG, USAGE);
    if (flagdoit) seekable_stdin();
    if (chdir(homedir) < 0)
        fail(111, "Unable to switch to %s: %s. (#4.3.0)", homedir, strerror(errno));
    checkhome();

    unsetenv("DEFAULT");
    setenv_or_die("HOST", host);
    setenv_or_die("HOME", homedir);
    setenv_or_die("USER", user);
    setenv_or_die("LOCAL", local);

    if (str_copys(&foo, local) < 0 || str_catc(&foo, '@') < 0 || str_cats(&foo, host) < 0)
        temp_nomem();
    setenv_or_die("RECIPIENT", foo.s);

    if (str_copys(&dtline, "Delivered-To: ") < 0 || str_cat(&dtline, &foo) < 0) temp_nomem();
    for (i = 0; i < dtline.len; i++) if (dtline.s[i] == '\n') dtline.s[i] = '_';
    if (str_catc(&dtline, '\n') < 0) temp_nomem();
    setenv_or_die("DTLINE", dtline.s);

    if (flagdoit) bouncexf();

    setenv_or_die("SENDER", sender);

    if (str_copys(&rpline, "Return-Path: <") < 0 || addr_quote(&rpline, sender, strlen(sender)) < 0)
        temp_nomem();
    for (i = 0; i < rpline.len; i++) if (rpline.s[i] == '\n') rpline.s[i] = '_';
    if (str_cats(&rpline, ">\n") < 0) temp_nomem();
    setenv_or_die("RPLINE", rpline.s);

    if (mbox_fromline(&ufline, sender, strlen(sender), time(NULL)) < 0) temp_nomem();
    setenv_or_die("UFLINE", ufline.s);

    if (str_copy(&prefix, &rpline) < 0 || str_cat(&prefix, &dtline) < 0) temp_nomem();

    x = ext;
    setenv_or_die("EXT", x);
    x += strcspn(x, "-"); if (*x) x++;
    setenv_or_die("EXT2", x);
    x += strcspn(x, "-"); if (*x) x++;
    setenv_or_die("EXT3", x);
    x += strcspn(x, "-"); if (*x) x++;
    setenv_or_die("EXT4", x);

    if (rcpt_safeext(&safeext, ext) < 0) temp_nomem();

    i = strlen(host);
    for (int h = 2; h <= 4; h++) {
        char name[6] = "HOST2";
        size_t m = i;
        while (m > 0 && host[m - 1] != '.') m--;
        if (m > 0) i = m - 1;             /* the last '.' in host[0..i) */
        name[4] = (char)('0' + h);
        setenv_b(name, host, i);
    }

    qmesearch(&fd, &flagforwardonly);
    if (fd < 0 && *dash) fail(100, "Sorry, no mailbox here by that name. (#5.1.1)");

    if (str_copys(&ueo, sender) < 0) temp_nomem();
    if (*sender && strcmp(sender, "#@[]") != 0 && qmeox("-owner")) {
        if (str_copys(&ueo, local) < 0) temp_nomem();
        if (qmeox("-owner-default")) {
            if (str_cats(&ueo, "-owner-@") < 0 || str_cats(&ueo, host) < 0 || str_cats(&ueo, "-@[]") < 0)
                temp_nomem();
        } else {
            if (str_cats(&ueo, "-owner@") < 0 || str_cats(&ueo, host) < 0) temp_nomem();
        }
    }
    setenv_or_die("NEWSENDER", ueo.s);

    if (fd >= 0) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        if (fs_read_fd(fd, &cmds, QMAIL_FILE_MAX) < 0)
            fail(111, "Unable to read %s: %s. (#4.3.0)", qme.s, strerror(errno));
        close(fd);
    }
    if (!cmds.len) {
        if (str_copys(&cmds, aliasempty) < 0) temp_nomem();
        flagforwardonly = 0;
    }
    if (!cmds.len || cmds.s[cmds.len - 1] != '\n')
        if (str_catc(&cmds, '\n') < 0) temp_nomem();

    numforward = 0;
    i = 0;
    for (j = 0; j < cmds.len; j++)
        if (cmds.s[j] == '\n') {
            switch (cmds.s[i]) {
            case '#': case '.': case '/': case '|': break;
            default: numforward++;
            }
            i = j + 1;
        }
    recips = calloc(numforward + 1, sizeof *recips);
    if (!recips) temp_nomem();
    numforward = 0;

    i = 0;
    for (j = 0; j < cmds.len; j++) {
        if (cmds.s[j] != '\n') continue;
        cmds.s[j] = 0;
        k = j;
        while (k > i && (cmds.s[k - 1] == ' ' || cmds.s[k - 1] == '\t')) cmds.s[--k] = 0;
        switch (cmds.s[i]) {
        case 0:
            if (i) break;
            fail(111, "Uh-oh: first line of .qmail file is blank. (#4.2.1)");
        case '#':
            break;
        case '.':
        case '/':
            count_file++;
            if (flagforwardonly) fail(111, "Uh-oh: .qmail has file delivery but has x bit set. (#4.7.0)");
            if (cmds.s[k - 1] == '/') {
                if (flagdoit) maildir(cmds.s + i);
                else sayit("maildir ", cmds.s + i, k - i);
            } else {
                if (flagdoit) mailfile(cmds.s + i);
                else sayit("mbox ", cmds.s + i, k - i);
            }
            break;
        case '|':
            count_program++;
            if (flagforwardonly) fail(111, "Uh-oh: .qmail has prog delivery but has x bit set. (#4.7.0)");
            if (flagdoit) mailprogram(cmds.s + i + 1);
            else sayit("program ", cmds.s + i + 1, k - i - 1);
            break;
        case '+':
            if (!strcmp(cmds.s + i + 1, "list")) flagforwardonly = 1;
            break;
        case '&':
            i++;
            /* fall through */
        default:
            count_forward++;
            if (flagdoit) recips[numforward++] = cmds.s + i;
            else sayit("forward ", cmds.s + i, k - i);
            break;
        }
        i = j + 1;
        if (flag99) break;
    }

    if (numforward && flagdoit) {
        recips[numforward] = 0;
        mailforward(recips);
    }
    count_print();
    _exit(0);
}
