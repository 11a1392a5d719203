/* queuefmt: names of queue files.  See queuefmt.h. */
#include "queuefmt.h"

#include <stdio.h>
#include <string.h>

#include "str.h"

int qf_path(char *out, size_t n, const char *dir, unsigned long id, int split)
{
    int r = split ? snprintf(out, n, "%s/%lu/%lu", dir, id % QF_SPLIT, id)
                  : snprintf(out, n, "%s/%lu", dir, id);
    return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

int qf_parse_id(const char *name, unsigned long *id)
{
    size_t n = strlen(name);
    unsigned long u = 0;
    if (n == 0 || n > 20) return 0;
    if (scan_ulong(name, n, &u) != n) return 0;
    *id = u;
    return 1;
}

int qf_is_split(const char *dir)
{
    return !strcmp(dir, "mess") || !strcmp(dir, "info") || !strcmp(dir, "local") ||
           !strcmp(dir, "remote");
}

time_t qf_next_retry(time_t birth, time_t now, int channel)
{
    unsigned long age = now > birth ? (unsigned long)(now - birth) : 0;
    unsigned long r = 0, skip = channel ? 20 : 10;
    /* integer square root: the largest r with r*r <= age */
    while ((r + 1) * (r + 1) <= age) {
        unsigned long step = 1;
        while ((r + 2 * step) * (r + 2 * step) <= age) step *= 2;
        r += step;
    }
    return birth + (time_t)((r + skip) * (r + skip));
}
