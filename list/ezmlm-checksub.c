/* ezmlm-checksub: refuse a post unless SENDER is (or, with -n, is not) listed
 * (see ezmlm-checksub(1)). */
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "die.h"
#include "issub.h"
#include "listdir.h"
#include "str.h"
#include "text.h"

int main(int argc, char **argv)
{
    static const char *prog = "ezmlm-checksub";
    const char *message = 0, *dir;
    int negate, found;
    str out = STR_INIT;

    found = issub_run(prog, argc, argv, 0, &negate, &message, &dir);
    if (found != negate) return 0;
    if (message) {
        if (str_copys(&out, message) == -1) die_nomem(prog);
    } else {
        listdir ld = LISTDIR_INIT;
        if (listdir_open(&ld, dir, 0) == -1)
            die_sys(EXIT_TEMP, prog, "unable to read %s", ld.errfile.s ? ld.errfile.s : "the list directory");
        if (text_msg(&out, &ld, negate ? "TXT_REJECT_POSTS" : "TXT_ONLY_SUBSCRIBERS", 0) == -1)
            die_sys(EXIT_TEMP, prog, "unable to read the messages");
        listdir_free(&ld);
    }
    if (str_catc(&out, '\n') == -1) die_nomem(prog);
    fwrite(out.s, 1, out.len, stdout);
    if (fflush(stdout) == EOF) die_sys(EXIT_TEMP, prog, "unable to write to standard output");
    str_free(&out);
    return 100;
}
