/*
 * ezmlm-tstdig: is a digest due?
 *
 *   ezmlm-tstdig [-k kbytes] [-m messages] [-t hours] DIR
 *
 * A digest is due when there are messages since the last one (DIR/num
 * beyond the first field of DIR/dignum) and at least one criterion holds:
 * -t hours have passed since the last digest (the time in dignum), the
 * archive grew by -k kilobytes (num's second field counts 256-byte units),
 * or -m messages came.  Defaults: DIR/digtime (48), DIR/digsize (64),
 * DIR/digcount (30); 0 turns a criterion off.  Exit 0 = due, 99 = not
 * (the editor's "|ezmlm-tstdig DIR || exit 99" then stops its .qmail
 * file before ezmlm-get); no DIR/num is "not due".
 *
 * From DIR/editor (LOCAL set, DEFAULT unset) a due digest is claimed under
 * DIR/lock by writing the time to DIR/tstdig, so that of several posts
 * arriving together only one starts ezmlm-get: an existing tstdig newer
 * than an hour and newer than the last digest makes the answer 99.  From
 * DIR/manager (LOCAL and DEFAULT set) only a "dig..." request that is not
 * "digest-..." is tested; anything else is 0.  See ezmlm-tstdig(1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "die.h"
#include "ezmsg.h"
#include "fs.h"
#include "lock.h"

static const char *prog = "ezmlm-tstdig";
static const char *usage = "ezmlm-tstdig [-k kbytes] [-m messages] [-t hours] dir";
static listdir ld;

/* archive_state(): 0 if the file is missing, else 1; dies 111 on errors */
static int state(const char *name, unsigned long v[3])
{
    int r = archive_state(&ld, name, v, NULL);
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/%s", ld.dir.s, name);
    return r;
}

static unsigned long conf(const char *name, unsigned long def)
{
    unsigned long u;
    if (listdir_conf_ulong(&ld, name, def, &u) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/%s", ld.dir.s, name);
    return u;
}

int main(int argc, char **argv)
{
    int opt;
    long k = -1, m = -1, t = -1;
    unsigned long num[3], dig[3];
    const char *local, *def;
    time_t now = time(NULL);
    int due;

    opterr = 0;
    while ((opt = getopt(argc, argv, "+k:m:t:vV")) != -1) {
        switch (opt) {
        case 'k': k = (long)(ezmsg_opt_num(prog, usage, optarg) > 1000000000UL ? 1000000000UL : ezmsg_opt_num(prog, usage, optarg)); break;
        case 'm': m = (long)(ezmsg_opt_num(prog, usage, optarg) > 1000000000UL ? 1000000000UL : ezmsg_opt_num(prog, usage, optarg)); break;
        case 't': t = (long)(ezmsg_opt_num(prog, usage, optarg) > 1000000000UL ? 1000000000UL : ezmsg_opt_num(prog, usage, optarg)); break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind + 1 != argc) die_usage(prog, usage);
    ezmsg_listdir(&ld, prog, argv[optind]);

    local = getenv("LOCAL");
    def = getenv("DEFAULT");
    if (local && *local && def) {
        if (!case_starts(def, strlen(def), "dig") || case_starts(def, strlen(def), "digest-")) return EXIT_DONE;
    }
    if (k < 0) k = (long)conf("digsize", 64);
    if (m < 0) m = (long)conf("digcount", 30);
    if (t < 0) t = (long)conf("digtime", 48);
    if (!state("num", num)) return EXIT_STOP;
    state("dignum", dig);

    due = 0;
    if (num[0] > dig[0]) {
        if (m && num[0] - dig[0] >= (unsigned long)m) due = 1;
        if (k && num[1] >= dig[1] && num[1] - dig[1] >= 4UL * (unsigned long)k) due = 1;
        if (t && (unsigned long)now >= dig[2] && (unsigned long)now - dig[2] >= 3600UL * (unsigned long)t) due = 1;
    }
    if (!due) return EXIT_STOP;
    if (local && *local && !def) {
        /* the editor: claim this digest, once per hour at most */
        str p = STR_INIT, data = STR_INIT;
        unsigned long last = 0;
        if (listdir_path(&ld, "lock", &p) < 0) die_nomem(prog);
        if (lock_file_ex(p.s) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s", p.s);
        if (listdir_path(&ld, "tstdig", &p) < 0) die_nomem(prog);
        if (fs_read_file(p.s, &data, 4096) == 0) archive_scan_num(data.s, data.len, &last);
        else if (errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
        if (last && last + 3600 > (unsigned long)now && last > dig[2]) {
            str_free(&p);
            str_free(&data);
            return EXIT_STOP;
        }
        data.len = 0;
        if (str_catf(&data, "%lu\n", (unsigned long)now) < 0) die_nomem(prog);
        if (fs_write_atomic(p.s, data.s, data.len, 0644) < 0) die_sys(EXIT_TEMP, prog, "unable to write %s", p.s);
        str_free(&p);
        str_free(&data);
    }
    return EXIT_DONE;
}
