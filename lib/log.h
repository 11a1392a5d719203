/*
 * log: qmail-send style activity log lines.
 *
 * qmail-send writes one line per event ("delivery 4: success: ...") for
 * multilog/splogger and qmailanalog, passing addresses and delivery reports
 * through a filter that keeps every line a single line of printable,
 * space-free words: newline becomes '/', '%' and every byte below 33 or
 * above 126 becomes '_'.  log_safe_cat() applies exactly that filter;
 * log_write_line() writes a finished line with a single write() so lines
 * from concurrent writers sharing a pipe or an O_APPEND file do not
 * interleave (guaranteed by the kernel for pipes up to PIPE_BUF bytes);
 * log_cat_stamp() gives splogger's "seconds.microseconds " prefix for
 * programs that log to a file themselves.  Functions return 0 / -1 with
 * errno.
 */
#ifndef SUITE_LOG_H
#define SUITE_LOG_H

#include <stddef.h>
#include <time.h>

#include "str.h"

/* Appends bytes[0..n) to out through qmail's filter. */
int log_safe_cat(str *out, const char *bytes, size_t n);
/* Writes line plus a '\n' if it lacks one, in one write() (EINTR retried;
 * after a short write the rest follows in further writes). */
int log_write_line(int fd, const str *line);
/* Appends "<unix seconds>.<6-digit microseconds> " for ts (NULL: now). */
int log_cat_stamp(str *out, const struct timespec *ts);

#endif
