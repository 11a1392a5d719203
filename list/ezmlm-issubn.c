/* ezmlm-issubn: is SENDER a subscriber? (see ezmlm-issubn(1)). */
#include <stddef.h>

#include "issub.h"

int main(int argc, char **argv)
{
    int negate;
    const char *dir;
    int found = issub_run("ezmlm-issubn", argc, argv, 1, &negate, NULL, &dir);
    if (negate) return found ? 99 : 0;
    return found ? 0 : 99;
}
