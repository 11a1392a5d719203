/* ezmlm-subexport: copy a list's subscribers to a file or the std files (see ezmlm-subimport(1)). */
#include "submove.h"

int main(int argc, char **argv)
{
    submove_main(0, "ezmlm-subexport", argc, argv);
}
