/*
 * datefmt: the date formats qmail writes.
 *
 * datefmt_822() gives "20 Nov 2026 22:24:11 -0000" (GMT, day not padded),
 * used in Received lines, bounces and qmail-inject's Date field;
 * datefmt_ctime() gives "Fri Nov 20 22:38:39 2026" (GMT, day padded), used
 * in mbox "From " lines; datefmt_qread() gives "20 Nov 2026 22:38:50 GMT"
 * as qmail-qread prints.  Output is appended; returns 0 or -1 (ENOMEM).
 */
#ifndef SUITE_DATEFMT_H
#define SUITE_DATEFMT_H

#include <time.h>

#include "str.h"

int datefmt_822(str *out, time_t t);
int datefmt_ctime(str *out, time_t t);
int datefmt_qread(str *out, time_t t);

#endif
