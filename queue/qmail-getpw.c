/*
 * qmail-getpw: find the user for a local part (qmail-getpw(8)).
 *
 *   qmail-getpw local
 *
 * Tries the whole local part, then each prefix ending just before a '-',
 * longest first.  A candidate is a user when it is shorter than 32 bytes,
 * its lowercase form is an account, the account's uid is not 0 and its home
 * directory exists and belongs to it.  Prints six NUL-terminated fields:
 * user, uid, gid, home, dash ("" for an exact match, else "-") and the
 * extension (the rest after the '-').  With no match the alias user gets
 * the address, with dash "-" and the whole local part as extension.
 *
 * Exit codes (qmail-lspawn passes them on): 0 found, 100 usage, 111 output
 * failure, 115 a temporary error while checking a home (NFS), 116 no alias
 * user, 118 a temporary error from the user database.
 *
 * The user database is the system's (getpwnam) -- except in a sandbox home
 * (QMAILHOME set and honoured) that holds a file users/passwd in passwd(5)
 * format: then that file alone is the database, and uid 0 is allowed in it
 * (sandbox homes are usually run by root or by one user, see README).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "die.h"
#include "fs.h"
#include "pwfile.h"
#include "str.h"

#define PROG "qmail-getpw"
#define USERLEN 32

#ifndef QMAILHOME_DEFAULT
#define QMAILHOME_DEFAULT "/var/qmail"
#endif

enum { QLX_NFS = 115, QLX_NOALIAS = 116, QLX_SYS = 118 };

/* The user database: the system's, or a sandbox file. */
static const char *pwfile;     /* NULL: getpwnam */


/* Looks name up; the result stays valid until the next call. */
static struct passwd *lookup(const char *name)
{
    struct passwd *pw;
    if (!pwfile) {
        errno = 0;
        pw = getpwnam(name);
        if (!pw && errno && die_errno_temp(errno)) _exit(QLX_SYS);
        return pw;
    }
    pw = pwfile_lookup(pwfile, name, 0);
    if (!pw && errno && errno != ENOENT) _exit(QLX_SYS);
    return pw;
}

static const char *local;
static const char *dash;
static const char *extension;
static struct passwd *pw;

static int userext(int allow_root)
{
    size_t len = strlen(local);
    size_t e = len;
    char username[USERLEN];
    struct stat st;

    for (;;) {
        if (e < sizeof username && (e == len || local[e] == '-')) {
            memcpy(username, local, e);
            username[e] = 0;
            for (size_t i = 0; i < e; i++) username[i] = ascii_lower(username[i]);
            pw = e ? lookup(username) : NULL;
            if (pw && (pw->pw_uid || allow_root)) {
                if (stat(pw->pw_dir, &st) == 0) {
                    if (st.st_uid == pw->pw_uid) {
                        dash = "";
                        extension = local + e;
                        if (*extension) { extension++; dash = "-"; }
                        return 1;
                    }
                } else if (die_errno_temp(errno)) {
                    _exit(QLX_NFS);
                }
            }
        }
        if (!e) return 0;
        e--;
    }
}

int main(int argc, char **argv)
{
    str out = STR_INIT, path = STR_INIT;
    int allow_root = 0;

    (void)argc;
    local = argv[1];
    if (!local) _exit(100);

    if (strcmp(ctl_home(), QMAILHOME_DEFAULT) != 0) {
        struct stat st;
        if (str_copys(&path, ctl_home()) < 0 || str_cats(&path, "/users/passwd") < 0)
            _exit(QLX_SYS);
        if (stat(path.s, &st) == 0) {
            pwfile = path.s;
            allow_root = 1;
        } else if (errno != ENOENT) {
            _exit(QLX_SYS);
        }
    }

    if (!userext(allow_root)) {
        extension = local;
        dash = "-";
        pw = lookup("alias");
    }
    if (!pw) _exit(QLX_NOALIAS);

    if (str_cats(&out, pw->pw_name) < 0 || str_catc(&out, 0) < 0 ||
        str_catulong(&out, (unsigned long)pw->pw_uid) < 0 || str_catc(&out, 0) < 0 ||
        str_catulong(&out, (unsigned long)pw->pw_gid) < 0 || str_catc(&out, 0) < 0 ||
        str_cats(&out, pw->pw_dir) < 0 || str_catc(&out, 0) < 0 ||
        str_cats(&out, dash) < 0 || str_catc(&out, 0) < 0 ||
        str_cats(&out, extension) < 0 || str_catc(&out, 0) < 0)
        _exit(QLX_SYS);
    if (fs_write_all(1, out.s, out.len) < 0) _exit(111);
    _exit(0);
}
