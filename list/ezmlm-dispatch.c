/*
 * ezmlm-dispatch: one .qmail-default for many lists.
 *
 *   ezmlm-dispatch DIR [list]
 *
 * DIR holds list directories named after the lists.  Without a list
 * argument, $DEFAULT (the address extension qmail-local matched) is taken
 * as a list name, then with trailing "-word"s removed one at a time: the
 * first (so the longest) name that is a directory DIR/NAME is the list and
 * what follows its '-' is the command.  With a list argument DIR/list is
 * the list and all of $DEFAULT is the command.  The command selects the
 * dot-qmail file of the list directory, as the .qmail links ezmlm-make
 * writes would:
 *
 *   ""                         editor      (DEFAULT unset)
 *   owner, digest-owner        owner       (DEFAULT unset)
 *   digest-return-X            digest/bouncer   DEFAULT=X
 *   return-X                   bouncer          DEFAULT=X
 *   confirm-X, discard-X       confirmer        DEFAULT=X
 *   accept-X, reject-X         moderator        DEFAULT=X
 *   anything else              manager          DEFAULT=command
 *
 * The file is run like a .qmail file: '#' lines are comments, "|prog"
 * runs /bin/sh -c prog with the message on standard input (rewound for
 * each) and stops the run at the first nonzero exit, whose code is ours (99
 * ends the delivery successfully); "&addr" or a bare address forwards the
 * message through the queue with $DTLINE in front and $SENDER as envelope
 * sender (all forwards at the end, as qmail-local does, also after a 99).
 * File deliveries ("./Mailbox", "/path", "./Maildir/") are refused (100):
 * they belong in the user's own .qmail files.  A $DEFAULT containing '/',
 * or naming no list, is 100.  See ezmlm-dispatch(1).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ezmsg.h"
#include "fs.h"
#include "modq.h"
#include "qqfwd.h"
#include "str.h"

#define FILE_MAX (1024u * 1024u)

static const char *prog = "ezmlm-dispatch";
static const char *usage = "ezmlm-dispatch dir [list]";

/* 1 if DIR/name[0..len) is a list directory */
static int is_list(const char *dir, const char *name, size_t len)
{
    str p = STR_INIT;
    struct stat st;
    int r;
    if (len > 255 || !fs_safe_component(name, len) || name[0] == '.') return 0;   /* 255: NAME_MAX */
    if (str_copys(&p, dir) < 0 || str_catc(&p, '/') < 0 || str_catb(&p, name, len) < 0) die_nomem(prog);
    r = stat(p.s, &st) == 0 && S_ISDIR(st.st_mode);
    if (!r && errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
    str_free(&p);
    return r;
}

static int starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static void rewind0(void)
{
    if (lseek(0, 0, SEEK_SET) < 0) die_sys(EXIT_TEMP, prog, "unable to rewind the message");
}

/* "|cmd": /bin/sh -c cmd with the message rewound on its input; its exit
 * code, a crash being temporary. */
static int program(const char *cmd)
{
    char *args[4] = { (char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL };
    int r = modq_run(prog, 0, NULL, args);
    if (r < 0) die(EXIT_TEMP, prog, "a program crashed: %s", cmd);
    return r;
}

/* The forwards of the file, all at once, as qmail-local sends them. */
static void forward(char **recips, size_t n)
{
    const char *dtline = getenv("DTLINE"), *sender = getenv("SENDER");
    rewind0();
    qqfwd_or_die(prog, dtline ? dtline : "", sender ? sender : "", recips, n);
}

int main(int argc, char **argv)
{
    const char *dir, *def, *file, *newdef = NULL;
    str name = STR_INIT, path = STR_INIT, cmds = STR_INIT;
    char **recips;
    size_t len, i, j, k, nrecips = 0, nforward = 0, nprogram = 0;
    const char *cmd;
    int opt, ret = EXIT_DONE;

    signal(SIGPIPE, SIG_IGN);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+vV")) != -1) {
        switch (opt) {
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind + 1 != argc && optind + 2 != argc) die_usage(prog, usage);
    dir = argv[optind];
    def = getenv("DEFAULT");
    if (!def) die(EXIT_PERM, prog, "DEFAULT not set: run me from a -default .qmail file");
    if (strchr(def, '/')) die(EXIT_PERM, prog, "the address extension may not contain '/'");

    if (optind + 2 == argc) {
        const char *l = argv[optind + 1];
        if (!is_list(dir, l, strlen(l))) die(EXIT_PERM, prog, "%s/%s is not a list directory", dir, l);
        if (str_copys(&name, l) < 0) die_nomem(prog);
        cmd = def;
    } else {
        len = strlen(def);
        for (;;) {
            if (is_list(dir, def, len)) break;
            while (len && def[len - 1] != '-') len--;
            if (!len) die(EXIT_PERM, prog, "no list for this address (#5.1.1)");
            len--;
        }
        if (str_copyb(&name, def, len) < 0) die_nomem(prog);
        cmd = def + len + (def[len] == '-');
    }

    if (!*cmd) file = "editor";
    else if (!strcmp(cmd, "owner") || !strcmp(cmd, "digest-owner")) file = "owner";
    else if (starts(cmd, "digest-return-")) file = "digest/bouncer", newdef = cmd + 14;
    else if (starts(cmd, "return-")) file = "bouncer", newdef = cmd + 7;
    else if (starts(cmd, "confirm-") || starts(cmd, "discard-")) file = "confirmer", newdef = cmd + 8;
    else if (starts(cmd, "accept-") || starts(cmd, "reject-")) file = "moderator", newdef = cmd + 7;
    else file = "manager", newdef = cmd;

    if (str_copys(&path, dir) < 0 || str_catc(&path, '/') < 0 || str_cat(&path, &name) < 0 ||
        str_catc(&path, '/') < 0 || str_cats(&path, file) < 0)
        die_nomem(prog);
    if (fs_read_file(path.s, &cmds, FILE_MAX) < 0) {
        if (errno == ENOENT) die(EXIT_PERM, prog, "%s does not exist: no such address (#5.1.1)", path.s);
        die_sys(EXIT_TEMP, prog, "unable to read %s", path.s);
    }
    if (memchr(cmds.s ? cmds.s : "", 0, cmds.len)) die(EXIT_TEMP, prog, "%s contains a NUL byte", path.s);
    if (!cmds.len || cmds.s[cmds.len - 1] != '\n')
        if (str_catc(&cmds, '\n') < 0) die_nomem(prog);
    if (newdef) {
        if (setenv("DEFAULT", newdef, 1) < 0) die_nomem(prog);
    } else {
        unsetenv("DEFAULT");
    }

    recips = calloc(cmds.len + 1, sizeof *recips);
    if (!recips) die_nomem(prog);
    for (i = j = 0; j < cmds.len && ret == EXIT_DONE; j++) {
        if (cmds.s[j] != '\n') continue;
        cmds.s[j] = 0;
        k = j;
        while (k > i && (cmds.s[k - 1] == ' ' || cmds.s[k - 1] == '\t')) cmds.s[--k] = 0;
        switch (cmds.s[i]) {
        case 0: case '#': case '+':
            break;
        case '.': case '/':
            die(EXIT_PERM, prog, "%s has a file delivery, which I do not do: %s", path.s, cmds.s + i);
        case '|':
            nprogram++;
            ret = program(cmds.s + i + 1);
            break;
        case '&':
            i++;
            /* fall through */
        default:
            nforward++;
            if (cmds.s[i]) recips[nrecips++] = cmds.s + i;
            break;
        }
        i = j + 1;
    }
    if (ret == EXIT_DONE || ret == EXIT_STOP) {   /* else a program failed: its code is ours */
        if (nrecips) forward(recips, nrecips);
        printf("did 0+%zu+%zu\n", nforward, nprogram);
        fflush(stdout);
    }
    free(recips);
    str_free(&name);
    str_free(&path);
    str_free(&cmds);
    return ret;
}
