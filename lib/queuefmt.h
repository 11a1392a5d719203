/*
 * queuefmt: names and record formats of the qmail 1.03 queue.
 *
 * The queue lives in QMAILHOME/queue.  A message's id is the inode number of
 * its mess file.  mess, info, local and remote are split into QF_SPLIT
 * subdirectories by id % QF_SPLIT; pid, intd, todo and bounce are flat.
 * Envelope-style files hold NUL-terminated records whose first byte says
 * what they are (u uid, p pid, F sender, T to-do recipient, D done).
 * Everything here is pure formatting and parsing: no I/O.
 */
#ifndef SUITE_QUEUEFMT_H
#define SUITE_QUEUEFMT_H

#include <stddef.h>

#define QF_SPLIT 23

/* Writes "dir/<id % 23>/<id>" (split) or "dir/<id>" into out (n >= 48 is
 * always enough for the queue's directory names).  Returns 0, or -1 if it
 * did not fit. */
int qf_path(char *out, size_t n, const char *dir, unsigned long id, int split);

/* Parses a decimal message id from a file name; 0 if the name is not one. */
int qf_parse_id(const char *name, unsigned long *id);

/* 1 if dir is one of the split directories (mess info local remote). */
int qf_is_split(const char *dir);

/*
 * qmail-send's retry schedule: when a pass over a channel (0 local,
 * 1 remote) begins at now, the next pass is due at
 * birth + (floor(sqrt(now - birth)) + skip)^2 with skip 10 (local) or 20
 * (remote); the square-root term is 0 when now < birth.
 */
#include <time.h>
time_t qf_next_retry(time_t birth, time_t now, int channel);

#endif
