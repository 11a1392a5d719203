/*
 * qcommit: reads and edits the commit record of a queue file (queue/qcommit.h),
 * for tests that play a power loss.
 *   qcommit show FILE            prints "id boot size hmess henv" (decimal),
 *                                or "none" for a file without a record
 *   qcommit set FILE FIELD N     sets one field (id, boot, size, hmess, henv)
 *   qcommit drop FILE            removes the record
 *   qcommit boot                 prints the running kernel's boot value
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../queue/qcommit.c"

static int usage(void)
{
    fprintf(stderr, "usage: qcommit show FILE | set FILE FIELD N | drop FILE | boot\n");
    return 100;
}

static uint64_t *field(struct qcommit *c, const char *name)
{
    if (!strcmp(name, "id")) return &c->id;
    if (!strcmp(name, "boot")) return &c->boot;
    if (!strcmp(name, "size")) return &c->size;
    if (!strcmp(name, "hmess")) return &c->hmess;
    if (!strcmp(name, "henv")) return &c->henv;
    return NULL;
}

int main(int argc, char **argv)
{
    struct qcommit c;
    uint64_t *f;
    int fd, r;
    if (argc == 2 && !strcmp(argv[1], "boot")) {
        uint64_t b;
        if (qcommit_boot(&b) < 0) { perror("qcommit: boot id"); return 111; }
        printf("%" PRIu64 "\n", b);
        return 0;
    }
    if (argc < 3) return usage();
    fd = open(argv[2], O_RDONLY);
    if (fd < 0) { perror(argv[2]); return 111; }
    if (argc == 3 && !strcmp(argv[1], "drop")) {
        if (fremovexattr(fd, QCOMMIT_XATTR) < 0) { perror("qcommit: drop"); return 111; }
        return 0;
    }
    r = qcommit_get(fd, &c);
    if (r < 0) { perror("qcommit: read"); return 111; }
    if (argc == 3 && !strcmp(argv[1], "show")) {
        if (r == 0) puts("none");
        else printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", c.id, c.boot, c.size,
                    c.hmess, c.henv);
        return 0;
    }
    if (argc != 5 || strcmp(argv[1], "set") || !(f = field(&c, argv[3]))) return usage();
    if (r == 0) { fprintf(stderr, "qcommit: %s has no record\n", argv[2]); return 111; }
    *f = strtoull(argv[4], NULL, 10);
    if (qcommit_set(fd, &c) < 0) { perror("qcommit: write"); return 111; }
    return 0;
}
