#!/bin/sh
# The autoresponders under a maildrop filter: "cc" to a pipe (the standard
# input is a pipe, not a file), "xfilter" with -X (the message passes
# through unchanged), and vacation without SENDER (the sender from the
# Return-Path; maildrop sets HOME itself, the filter sets it back).  Uses the system's maildrop (Debian package), so that the
# test does not depend on the suite's own MDA.
. "$SUITE_SRC/tests/autorespond/lib.sh"

MD=${SYSTEM_MAILDROP:-/usr/bin/maildrop}
[ -x "$MD" ] || skip_all "no $MD"
B=$SUITE_BUILD/bin
R=$U@$D
mkdir "$H/ar"
printf 'From: %s\nSubject: away\n\nAway.\n' "$R" >"$H/ar/message.txt"
printf 'Return-Path: <s@example.net>\nFrom: s@example.net\nTo: %s\nSubject: hi\n\nhello\n' "$R" >"$T/in"
filter() { printf '%b' "$1" >"$T/filter" && chmod 600 "$T/filter"; }
md() { # runs maildrop on $T/in with $T/filter; OUT, RC
    OUT=$(cd "$T" && "$MD" ./filter <"$T/in" 2>&1)
    RC=$?
}
export SENDER=s@example.net RECIPIENT=$R HOME=$H

filter "cc \"| $B/qmail-autoresponder $H/ar\"\nto \"$T/mbox\"\n"
reset_qq
md
is "$RC:$(nreplies)" "0:1" "cc \"| qmail-autoresponder ...\": answered through QMAILQUEUE"
like "$OUT" "qmail-autoresponder: Sent response qp [0-9]+ to s@example.net" "  ... one line says so"
is "$(renvelope)" "F|Ts@example.net||" "  ... null envelope sender"
md
is "$RC:$(nreplies)" "0:1" "  ... the second time not"
is "$(grep -c '^Subject: hi' "$T/mbox")" 2 "  ... both messages delivered"

rm -f "$T/mbox" "$H/ar/"[0-9]*
filter "xfilter \"$B/qmail-autoresponder -X $H/ar\"\nto \"$T/mbox\"\n"
reset_qq
md
is "$RC:$(nreplies)" "0:1" "xfilter \"qmail-autoresponder -X ...\": answered"
is "$(sed 1d "$T/mbox")" "$(cat "$T/in")" "  ... and the message delivered unchanged"
rm -f "$T/mbox"
md
is "$RC:$(nreplies):$(sed 1d "$T/mbox")" "0:1:$(cat "$T/in")" "  ... also when not answered"

printf 'From: %s\nSubject: Away: $SUBJECT\n\nAway.\n' "$R" >"$H/.vacation.msg"
rm -f "$T/mbox"
filter "HOME=\"$H\"\ncc \"| $B/vacation $U\"\nto \"$T/mbox\"\n"
reset_qq
unset SENDER
md
is "$RC:$(nreplies):$(renvelope)" "0:1:F|Ts@example.net||" "cc \"| vacation\" without SENDER: the Return-Path is answered"
like "$(reply)" "
Subject: Away: hi
" "  ... with \$SUBJECT replaced"

done_testing
