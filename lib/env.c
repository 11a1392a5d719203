/* env: environments for child processes.  See env.h. */
#include "env.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

static int valid_name(const char *name)
{
    return name && *name && !strchr(name, '=');
}

/* Index of the entry "name=..." (name of length len), or -1. */
static ptrdiff_t find(const env *e, const char *name, size_t len)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strncmp(e->v[i], name, len) && e->v[i][len] == '=') return (ptrdiff_t)i;
    return -1;
}

/* Room for one more entry plus the terminating NULL. */
static int room(env *e)
{
    size_t want, newcap, bytes;
    char **nv;
    if (size_add(e->n, 2, &want) < 0) return -1;
    if (e->v && e->cap >= want) return 0;
    newcap = want < 8 ? 8 : want + want / 2;
    if (size_mul(newcap, sizeof *nv, &bytes) < 0) return -1;
    nv = realloc(e->v, bytes);
    if (!nv) { errno = ENOMEM; return -1; }
    if (!e->v) nv[0] = 0;
    e->v = nv;
    e->cap = newcap;
    return 0;
}

void env_free(env *e)
{
    for (size_t i = 0; i < e->n; i++) free(e->v[i]);
    free(e->v);
    e->v = 0;
    e->n = e->cap = 0;
}

/* Orders entries by name, then by position, for finding duplicates. */
static int byname(const void *a, const void *b)
{
    char *const *x = *(char *const *const *)a, *const *y = *(char *const *const *)b;
    const char *p = *x, *q = *y;
    while (*p == *q && *p != '=') { p++; q++; }
    if (*p == '=' && *q == '=') return x < y ? -1 : x > y;
    if (*p == '=') return -1;
    if (*q == '=') return 1;
    return (unsigned char)*p < (unsigned char)*q ? -1 : 1;
}

static int samename(const char *p, const char *q)
{
    while (*p == *q && *p != '=') { p++; q++; }
    return *p == '=' && *q == '=';
}

int env_init(env *e, char *const *envp)
{
    char ***order = 0;
    size_t i, k;

    e->v = 0;
    e->n = e->cap = 0;
    if (room(e) < 0) return -1;
    for (; envp && *envp; envp++) {
        const char *eq = strchr(*envp, '=');
        char *copy;
        if (!eq || eq == *envp) continue;
        if (room(e) < 0) goto fail;
        copy = strdup(*envp);
        if (!copy) goto fail;
        e->v[e->n++] = copy;
        e->v[e->n] = 0;
    }
    if (e->n < 2) return 0;
    /* drop all but the first of each name, in O(n log n) however large envp is */
    order = malloc(e->n * sizeof *order);      /* e->n < cap, so no overflow */
    if (!order) goto fail;
    for (i = 0; i < e->n; i++) order[i] = &e->v[i];
    qsort(order, e->n, sizeof *order, byname);
    for (i = 1, k = 0; i < e->n; i++) {
        /* within a run of one name, order[k] is the earliest entry */
        if (samename(*order[k], *order[i])) { free(*order[i]); *order[i] = 0; }
        else k = i;
    }
    free(order);
    for (i = k = 0; i < e->n; i++) if (e->v[i]) e->v[k++] = e->v[i];
    e->n = k;
    e->v[k] = 0;
    return 0;
fail:
    free(order);
    env_free(e);
    errno = ENOMEM;
    return -1;
}

int env_put(env *e, const char *name, const char *value)
{
    size_t nlen, vlen, total;
    ptrdiff_t i;
    char *entry;

    if (!valid_name(name) || !value) { errno = EINVAL; return -1; }
    nlen = strlen(name);
    vlen = strlen(value);
    if (size_add(nlen, vlen, &total) < 0 || size_add(total, 2, &total) < 0) return -1;
    if (room(e) < 0) return -1;
    entry = malloc(total);
    if (!entry) { errno = ENOMEM; return -1; }
    memcpy(entry, name, nlen);
    entry[nlen] = '=';
    memcpy(entry + nlen + 1, value, vlen + 1);
    i = find(e, name, nlen);
    if (i >= 0) {
        free(e->v[i]);
        e->v[i] = entry;
    } else {
        e->v[e->n++] = entry;
        e->v[e->n] = 0;
    }
    return 0;
}

int env_unset(env *e, const char *name)
{
    ptrdiff_t i;
    if (!valid_name(name)) { errno = EINVAL; return -1; }
    i = find(e, name, strlen(name));
    if (i < 0) return 0;
    free(e->v[i]);
    /* keep the order of the others: children may care about it */
    memmove(e->v + i, e->v + i + 1, (e->n - (size_t)i) * sizeof *e->v);  /* with the NULL */
    e->n--;
    return 0;
}

const char *env_get(const env *e, const char *name)
{
    ptrdiff_t i;
    size_t len;
    if (!valid_name(name)) return 0;
    len = strlen(name);
    i = find(e, name, len);
    return i < 0 ? 0 : e->v[i] + len + 1;
}

char **env_array(env *e)
{
    if (!e->v && room(e) < 0) return 0;
    return e->v;
}
