/*
 * lcookie: prints the confirmation cookie the list tools make (list/lcookie:
 * HMAC-SHA256 with the list's key over "ezmlm-idx", sub-db, time, address in
 * lower case, action), so that tests can build old or forged confirmation
 * addresses.
 *
 *   lcookie KEYFILE SUBDB TIME ADDRESS ACTION
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "fs.h"
#include "str.h"

int main(int argc, char **argv)
{
    str key = STR_INIT;
    struct cookie_part p[5];
    char out[21], *addr;
    size_t i;
    if (argc != 6) {
        fprintf(stderr, "usage: lcookie KEYFILE SUBDB TIME ADDRESS ACTION\n");
        return 100;
    }
    if (fs_read_file(argv[1], &key, 1 << 20) < 0) {
        perror(argv[1]);
        return 111;
    }
    addr = strdup(argv[4]);
    for (i = 0; addr[i]; i++) addr[i] = (char)tolower((unsigned char)addr[i]);
    p[0].p = "ezmlm-idx"; p[0].len = 9;
    p[1].p = argv[2]; p[1].len = strlen(argv[2]);
    p[2].p = argv[3]; p[2].len = strlen(argv[3]);
    p[3].p = addr; p[3].len = strlen(addr);
    p[4].p = argv[5]; p[4].len = 1;
    if (cookie_make(out, 20, key.s, key.len, p, 5) < 0) return 111;
    printf("%s\n", out);
    free(addr);
    str_free(&key);
    return fflush(stdout) == 0 ? 0 : 111;
}
