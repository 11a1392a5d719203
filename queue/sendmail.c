/*
 * sendmail: the sendmail command line in front of qmail-inject, for
 * programs that expect /usr/sbin/sendmail (installed as bin/sendmail; also
 * answers to the names mailq and newaliases).
 *
 *   sendmail [ -t ] [ -f sender ] [ -F name ] [ -bp ] [ -bs ] [ arg ... ]
 *
 * chdirs to the qmail home and execs bin/qmail-inject with -H (with -t) or
 * -a (without), "-f sender" if given, "--" and the arguments.  -bs execs
 * bin/qmail-smtpd (with a local environment when PROTO is unset), -bp and
 * the name mailq exec bin/qmail-qread.  Options sendmail programs pass
 * that mean nothing here are accepted and ignored.  See sendmail(8).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "die.h"

#define PROG "sendmail"
#define USAGE "sendmail [ -t ] [ -fsender ] [ -Fname ] [ -bp ] [ -bs ] [ arg ... ]"

static void nomem(void) { die_nomem(PROG); }

static void setenv_or_die(const char *name, const char *value)
{
    if (setenv(name, value, 1) < 0) nomem();
}

static void run(const char *path)
{
    char *argv[2] = { (char *)path, NULL };
    execv(path, argv);
    die_sys(EXIT_TEMP, PROG, "unable to run %s", path + 4);
}

static void smtpd(void)
{
    if (!getenv("PROTO")) {
        setenv_or_die("RELAYCLIENT", "");
        setenv_or_die("DATABYTES", "0");
        setenv_or_die("PROTO", "TCP");
        setenv_or_die("TCPLOCALIP", "127.0.0.1");
        setenv_or_die("TCPLOCALHOST", "localhost");
        setenv_or_die("TCPREMOTEIP", "127.0.0.1");
        setenv_or_die("TCPREMOTEHOST", "localhost");
        setenv_or_die("TCPREMOTEINFO", "sendmail-bs");
    }
    run("bin/qmail-smtpd");
}

static void mailq(void) { run("bin/qmail-qread"); }

/* The From: of the message follows the envelope sender (netqmail). */
static void do_sender(const char *s)
{
    const char *at = strrchr(s, '@');
    unsetenv("QMAILNAME");
    unsetenv("MAILNAME");
    unsetenv("NAME");
    unsetenv("QMAILHOST");
    unsetenv("MAILHOST");
    if (!at) {
        setenv_or_die("QMAILUSER", s);
        return;
    }
    setenv_or_die("QMAILHOST", at + 1);
    char *user = strndup(s, (size_t)(at - s));
    if (!user) nomem();
    setenv_or_die("QMAILUSER", user);
    free(user);
}

int main(int argc, char **argv)
{
    const char *progname = argc > 0 ? argv[0] : PROG;
    const char *slash = strrchr(progname, '/');
    const char *home = ctl_home();
    const char *sender = NULL, *fullname = NULL;
    int flagh = 0, i;

    if (slash) progname = slash + 1;
    if (chdir(home) < 0) die(EXIT_TEMP, PROG, "unable to switch to qmail home directory");

    /* getopt without permutation: "--" or the first non-option ends the options */
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *p = argv[i] + 1;
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        for (; *p; p++) {
            const char *optarg;
            char c = *p;
            switch (c) {
            case 'v': case 'i': case 'm': case 't': case 'x':
                if (c == 't') flagh = 1;
                continue;
            case 'E': case 'J': /* an optional argument attached to the option */
                break;
            case 'B': case 'e': case 'f': case 'p': case 'o': case 'F': case 'b':
                if (p[1]) optarg = p + 1;
                else if (i + 1 < argc) optarg = argv[++i];
                else die_usage(PROG, USAGE);
                switch (c) {
                case 'f': sender = optarg; break;
                case 'F': fullname = optarg; break;
                case 'b':
                    switch (optarg[0]) {
                    case 'm': break;
                    case 'p': mailq(); break;
                    case 's': smtpd(); break;
                    default: die_usage(PROG, USAGE);
                    }
                    break;
                default: break; /* -B -e -p -o: nothing to do here */
                }
                break;
            default:
                die_usage(PROG, USAGE);
            }
            break; /* the rest of this argument was the option's argument */
        }
    }

    if (strcmp(progname, "mailq") == 0) mailq();
    if (strcmp(progname, "newaliases") == 0)
        die(EXIT_PERM, PROG, "please use fastforward/newaliases instead");

    char **qiargv = calloc((size_t)(argc - i) + 6, sizeof *qiargv);
    char **arg = qiargv;
    if (!qiargv) nomem();
    *arg++ = (char *)"bin/qmail-inject";
    *arg++ = (char *)(flagh ? "-H" : "-a");
    if (sender) {
        *arg++ = (char *)"-f";
        *arg++ = (char *)sender;
        do_sender(sender);
    }
    /* -F applies after -f's environment changes, so that both count */
    if (fullname) setenv_or_die("MAILNAME", fullname);
    *arg++ = (char *)"--";
    for (; i < argc; i++) *arg++ = argv[i];
    *arg = NULL;
    execv(qiargv[0], qiargv);
    die_sys(EXIT_TEMP, PROG, "unable to run qmail-inject");
}
