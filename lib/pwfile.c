/* pwfile: passwd-file lookups without NSS (see pwfile.h). */
#include "pwfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "str.h"

struct passwd *pwfile_lookup(const char *path, const char *name, uid_t uid)
{
    static struct passwd copy;
    static str sname, sdir, sshell;
    struct passwd *pw;
    FILE *f = fopen(path, "re");

    if (!f) return NULL;
    while ((pw = fgetpwent(f)))
        if (name ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == uid) break;
    if (pw) {
        /* a copy: fclose frees fgetpwent's storage on some systems */
        if (str_copys(&sname, pw->pw_name) < 0 || str_copys(&sdir, pw->pw_dir) < 0 ||
            str_copys(&sshell, pw->pw_shell ? pw->pw_shell : "") < 0) {
            fclose(f);
            errno = ENOMEM;
            return NULL;
        }
        copy = *pw;
        copy.pw_name = sname.s;
        copy.pw_dir = sdir.s;
        copy.pw_shell = sshell.s;
        copy.pw_passwd = copy.pw_gecos = (char *)"";
        pw = &copy;
    }
    fclose(f);
    errno = 0;
    return pw;
}
