/* ezmsg: messages, version and queue verdicts for the list programs.
 * See ezmsg.h. */
#include "ezmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "text.h"

static int subst1(str *out, const char *s, const char *p1)
{
    const char *t;
    if (!p1) p1 = "";
    while ((t = strstr(s, "<#1#>"))) {
        if (str_catb(out, s, (size_t)(t - s)) < 0 || str_cats(out, p1) < 0) return -1;
        s = t + 5;
    }
    return str_cats(out, s);
}

int ezmsg(str *out, const listdir *ld, const char *name, const char *fallback, const char *p1)
{
    if (ld) {
        str t = STR_INIT;
        text_vars v = TEXT_VARS_INIT;
        v.param[1] = p1 ? p1 : "";
        if (text_msg(&t, ld, name, &v) == 0 && !str_equals(&t, name)) {
            int r = str_cat(out, &t);
            str_free(&t);
            return r;
        }
        str_free(&t);
    }
    return subst1(out, fallback, p1);
}

void ezmsg_die(int code, const char *prog, const listdir *ld, const char *name,
               const char *fallback, const char *p1)
{
    str m = STR_INIT;
    if (ezmsg(&m, ld, name, fallback, p1) < 0 || str_catc(&m, 0) < 0) die_nomem(prog);
    die(code, prog, "%s", m.s);
}

void ezmsg_version(void)
{
    fprintf(stderr, "ezmlm version: %s\n", EZMSG_VERSION);
    exit(0);
}

void ezmsg_qq_finish(qq *q, const char *prog, int quiet)
{
    str why = STR_INIT;
    if (qq_finish(q, &why) != 0) {
        if (str_catc(&why, 0) < 0) die_nomem(prog);
        die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
    }
    if (!quiet) fprintf(stderr, "%s: info: qp %lu\n", prog, q->qp);
    str_free(&why);
}
