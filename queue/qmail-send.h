/*
 * qmail-send internals shared by its parts (qmail-send.c: the loop and
 * scheduling; qmail-send-bounce.c: bounce messages).  Not a lib module:
 * nothing outside qmail-send uses it.
 */
#ifndef QMAIL_SEND_H
#define QMAIL_SEND_H

#include <time.h>

#include "str.h"

/* Control values qmail-send reads at start. */
struct send_ctl {
    str me;
    str bouncefrom, bouncehost;
    str doublebounceto, doublebouncehost;
    unsigned long lifetime;
    unsigned long conc[2];
};

/* Writes one activity-log line (text is used as is; callers filter
 * addresses with log_safe_cat). */
void send_log(const char *text);

/*
 * Builds and queues the bounce for message id (bounce/<id> exists).  sender
 * is the message's envelope sender from info/<id>.  Returns 0 when the
 * bounce was queued or discarded (triple bounce) and bounce/<id> may be
 * removed, -1 when it must be tried again later.
 */
int send_bounce(const struct send_ctl *ctl, unsigned long id, const char *sender);

#endif
