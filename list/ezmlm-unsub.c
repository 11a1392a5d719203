/* ezmlm-unsub: remove addresses from a list's subscriber store (see ezmlm-unsub(1)). */
#include "subunsub.h"

int main(int argc, char **argv)
{
    subunsub_main(0, "ezmlm-unsub", argc, argv);
}
