/*
 * ezmlm-confirm: a poster's answer to a post confirmation request
 * (DIR/confirmer, .qmail-LIST-confirm-default and -discard-default).
 *
 *   ezmlm-confirm [-cCrRvV] DIR [program [arg ...]]
 *
 * DEFAULT is WHEN.PID.COOKIE (see list/modq.h).  Confirming pipes the post
 * stored in DIR/mod/unconfirmed/WHEN.PID to ezmlm-send or to program (the
 * list templates give "ezmlm-store -Y DIR" or "ezmlm-gate -Y ...", so that
 * a confirmed post of a moderated list is then moderated); discarding
 * removes it.  See ezmlm-confirm(1).  Exit 0, 100 or 111.
 */
#include "modq.h"

int main(int argc, char **argv)
{
    modq_answer(MODQ_CONFIRM, "ezmlm-confirm", argc, argv, NULL);
}
