/*
 * qq-noxattr: qmail-queue as it runs on a file system without extended
 * attributes (every fsetxattr fails with EOPNOTSUPP), to test that it then
 * keeps qmail's two-flush order and leaves no commit record behind.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/xattr.h>

static int fsetxattr_unsupported(int fd, const char *name, const void *value, size_t size, int flags)
{
    (void)fd; (void)name; (void)value; (void)size; (void)flags;
    errno = EOPNOTSUPP;
    return -1;
}
#define fsetxattr fsetxattr_unsupported

#include "../../queue/qcommit.c"
#include "../../queue/pool.c"
#include "../../queue/qmail-queue.c"
