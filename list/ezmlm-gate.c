/*
 * ezmlm-gate: posts of subscribers go to the list at once, the others are
 * moderated (DIR/editor of a moderated subscribers-only list).
 *
 *   ezmlm-gate [-bBcCmMpPqQrRsSyYvV] [-q file] [-0] DIR [subdb ...]
 *
 * Without -q the post is sent (EZMLM_BIN/ezmlm-send) when SENDER is in one
 * of the named sub-databases ("." is the list itself), else stored for
 * moderation (EZMLM_BIN/ezmlm-store with the options given).  With
 * -q file, each line of DIR/file is a command run by /bin/sh with the post
 * on its input: 0 goes on to the next line, 99 sends the post, 111 defers
 * it, anything else moderates it; when every line says 0 the sub-databases
 * decide (none: send).  -0 prints the program that would run and exits.
 * See ezmlm-gate(1).  Exit codes are those of the program run, else 100
 * or 111.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "ezmsg.h"
#include "fs.h"
#include "modq.h"

static const char *prog = "ezmlm-gate";
static const char *usage = "ezmlm-gate [-bBcCmMpPqQrRsSyYvV] [-q file] [-0] dir [subdb ...]";

static void addopt(char *o, size_t size, int c)
{
    size_t n = strlen(o);
    if (!strchr(o + 1, c) && n + 1 < size) {
        o[n] = (char)c;
        o[n + 1] = 0;
    }
}

int main(int argc, char **argv)
{
    listdir ld = LISTDIR_INIT;
    char sendopt[16] = "-", storeopt[40] = "-";
    const char *qfile = NULL, *env;
    int opt, dry = 0, post = -1, i;
    str snorm = STR_INIT, p = STR_INIT, lines = STR_INIT;

    signal(SIGPIPE, SIG_IGN);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+bBcCmMpPQrRsSyYvVq:0")) != -1) {
        switch (opt) {
        case 'c': case 'C': case 'r': case 'R': case 'Q':
            addopt(sendopt, sizeof sendopt, opt);
            addopt(storeopt, sizeof storeopt, opt);
            break;
        case 'b': case 'B': case 'm': case 'M': case 'p': case 'P': case 's': case 'S': case 'y':
        case 'Y':
            addopt(storeopt, sizeof storeopt, opt);
            break;
        case 'q': qfile = optarg; break;
        case '0': dry = 1; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind >= argc) die_usage(prog, usage);
    ezmsg_listdir(&ld, prog, argv[optind]);
    optind++;
    env = getenv("SENDER");
    if (!env) ezmsg_die(100, prog, &ld, "ERR_NOSENDER", "SENDER not set", NULL);
    if (listdir_sender_normalise(env, &snorm) < 0 || str_catc(&snorm, 0) < 0) die_nomem(prog);

    if (qfile) {
        if (listdir_path(&ld, qfile, &p) < 0) die_nomem(prog);
        {
            str raw = STR_INIT;
            if (fs_read_file(p.s, &raw, LISTDIR_FILE_MAX) < 0) {
                if (errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
            } else if (listdir_conf_lines(raw.s ? raw.s : "", raw.len, &lines) < 0) {
                die_nomem(prog);
            }
            str_free(&raw);
        }
        for (size_t pos = 0; pos < lines.len && post < 0; pos += strlen(lines.s + pos) + 1) {
            char *cmd = lines.s + pos, *av[4];
            int r;
            if (*cmd == '|') cmd++;
            av[0] = "/bin/sh";
            av[1] = "-c";
            av[2] = cmd;
            av[3] = NULL;
            r = modq_run(prog, 0, NULL, av);
            if (r == 0) continue;
            if (r == 99) post = 1;
            else if (r == 111) die(EXIT_TEMP, prog, "temporary error from %s", cmd);
            else post = 0;
        }
        if (post < 0 && optind >= argc) post = 1;
    }
    for (i = optind; post < 0 && i < argc; i++)
        if (modq_issub(prog, ld.dir.s, argv[i], snorm.s, NULL)) post = 1;
    if (post < 0) post = 0;
    if (dry) {
        const char *o = post ? sendopt : storeopt;
        printf("%s/%s%s%s %s\n", ld.bin.s, post ? "ezmlm-send" : "ezmlm-store", o[1] ? " " : "",
               o[1] ? o : "", ld.dir.s);
        exit(0);
    }
    modq_exec(prog, &ld, post ? "ezmlm-send" : "ezmlm-store", post ? sendopt : storeopt);
}
