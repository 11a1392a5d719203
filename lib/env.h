/*
 * env: an environment under construction, for a child process.
 *
 * qmail-local, maildrop and the list tools build the environment of the
 * programs they run (RECIPIENT, SENDER, DTLINE, ...) without touching their
 * own: an env object holds "NAME=value" strings that it owns, starts empty
 * or as a copy of an envp array, and hands out a NULL-terminated array for
 * execve().  Names are non-empty and never contain '=' (EINVAL); values are
 * any C string.  Each name appears at most once: putting a name replaces
 * it, and when copying an envp only the first of duplicate names is kept
 * (the one getenv() would find); envp entries without '=' are dropped.
 *
 * A zeroed env (ENV_INIT) is empty.  Functions return 0 / -1 with errno.
 */
#ifndef SUITE_ENV_H
#define SUITE_ENV_H

#include <stddef.h>

typedef struct env {
    char **v;       /* "NAME=value" strings, NULL-terminated when non-NULL */
    size_t n;       /* entries in use */
    size_t cap;     /* slots allocated in v, including the terminating NULL */
} env;

#define ENV_INIT { 0, 0, 0 }

/* Starts e as a copy of envp (NULL: empty).  On failure e is empty. */
int env_init(env *e, char *const *envp);
/* Sets name to value, replacing any earlier value. */
int env_put(env *e, const char *name, const char *value);
/* Removes name; absent is not an error. */
int env_unset(env *e, const char *name);
/* The value of name, or NULL if unset (or name is invalid).  Valid until e
 * is next changed. */
const char *env_get(const env *e, const char *name);
/* The NULL-terminated array for execve(), owned by e and valid until e is
 * next changed; NULL only if memory runs out for an empty env. */
char **env_array(env *e);
void env_free(env *e);

#endif
