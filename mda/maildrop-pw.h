/*
 * maildrop-pw: user lookups for maildrop without glibc's NSS modules.
 *
 * maildrop is linked statically (it runs once per message, and the dynamic
 * loader's start-up was a large share of a run).  A static glibc cannot
 * safely load NSS modules such as libnss_systemd (the process crashes), so
 * maildrop looks users up itself: first in /etc/passwd, read directly,
 * then, for a user that is not there (LDAP, systemd-userdb, NIS), by
 * running "getent passwd KEY", which uses the full NSS configuration.
 *
 * Both return a pointer to static storage (valid until the next call), or
 * NULL with errno 0 for an unknown user and errno set when the lookup
 * itself failed (a temporary error).
 */
#ifndef MAILDROP_PW_H
#define MAILDROP_PW_H

#include <pwd.h>
#include <sys/types.h>

struct passwd *md_getpwnam(const char *name);
struct passwd *md_getpwuid(uid_t uid);

#endif
