/* ezmlm-sub: add addresses to a list's subscriber store (see ezmlm-sub(1)). */
#include "subunsub.h"

int main(int argc, char **argv)
{
    subunsub_main(1, "ezmlm-sub", argc, argv);
}
