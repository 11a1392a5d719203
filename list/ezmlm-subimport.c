/* ezmlm-subimport: add subscribers from a file or the std files to a list's store (see ezmlm-subimport(1)). */
#include "submove.h"

int main(int argc, char **argv)
{
    submove_main(1, "ezmlm-subimport", argc, argv);
}
