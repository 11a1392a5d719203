/*
 * pwfile: looking a user up in a passwd(5)-format file directly, without
 * NSS: qmail-getpw's sandbox user file and maildrop (linked statically,
 * it cannot load NSS modules; see mda/maildrop-pw.h).
 *
 * pwfile_lookup returns the first entry whose name is name (or, with name
 * NULL, whose uid is uid), copied into storage of this module that stays
 * valid until the next call; name, dir and shell are copied, passwd and
 * gecos are "".  NULL with errno 0: no such entry; NULL with errno set:
 * the file could not be opened (ENOENT included: callers decide) or
 * memory ran out.
 */
#ifndef SUITE_PWFILE_H
#define SUITE_PWFILE_H

#include <pwd.h>
#include <sys/types.h>

struct passwd *pwfile_lookup(const char *path, const char *name, uid_t uid);

#endif
