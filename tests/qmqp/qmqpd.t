#!/bin/sh
# qmail-qmqpd: one QMQP packet on stdin -> the queue and one netstring
# answer; the Received line; refused addresses; malformed, truncated and
# oversized packets (nothing queued, no answer).
. "$SUITE_SRC/tests/qmqp/lib.sh"

TCPLOCALHOST=srv.example TCPREMOTEIP=192.0.2.9 TCPREMOTEHOST=client.example TCPREMOTEINFO=joe
export TCPLOCALHOST TCPREMOTEIP TCPREMOTEHOST TCPREMOTEINFO

printf 'Subject: q\n\nbody\n' >"$SANDBOX/m"
packet() { # sender rcpt... (message: $SANDBOX/m)
    _s=$1; shift
    { nsf "$SANDBOX/m"; ns "$_s"; for _r in "$@"; do ns "$_r"; done; } >"$SANDBOX/inner"
    nsf "$SANDBOX/inner"
}
# d FILE: qmqpd with FILE as input, through the recorder; sets OUT and RC
d() { reset_qq; OUT=$(QMAILQUEUE=$QQ qmail-qmqpd <"$1"); RC=$?; }

packet s@x.example r1@y.example r2@z.example >"$SANDBOX/p"
d "$SANDBOX/p"
is "$RC" 0 "good packet: exit 0"
like "$OUT" '^[0-9]+:Kok [0-9]+ qp [0-9]+,$' "answer: netstring 'Kok <time> qp <pid>'"
len=${OUT%%:*}
body=${OUT#*:}
body=${body%,}
is "$len" "${#body}" "... whose length is right"
is "$(envelope)" 'Fs@x.example|Tr1@y.example|Tr2@z.example||' "envelope as sent"
got=$(mask_rcv <"$QQ_DIR/msg")
is "$got" 'Received: from client.example (joe@192.0.2.9)
  by srv.example with QMQP; DATE
Subject: q

body' "message with the Received line on top"

# the environment: defaults and unsafe bytes
reset_qq
env -u TCPREMOTEHOST -u TCPREMOTEINFO -u TCPLOCALHOST TCPLOCALIP=10.0.0.1 QMAILQUEUE="$QQ" \
    qmail-qmqpd <"$SANDBOX/p" >/dev/null
like "$(head -2 "$QQ_DIR/msg")" '^Received: from unknown \(192\.0\.2\.9\)
  by 10\.0\.0\.1 with QMQP' "no TCPREMOTEHOST/INFO: unknown; TCPLOCALIP when no TCPLOCALHOST"
reset_qq
env -u TCPREMOTEIP -u TCPLOCALHOST TCPREMOTEHOST='evil host
X: y' QMAILQUEUE="$QQ" qmail-qmqpd <"$SANDBOX/p" >/dev/null
like "$(head -2 "$QQ_DIR/msg")" '^Received: from evil\?host\?X:\?y \(joe@unknown\)
  by unknown with QMQP' "unsafe bytes become '?'"

packet '' r@y.example >"$SANDBOX/p0"
d "$SANDBOX/p0"
is "$(envelope)" 'F|Tr@y.example||' "null sender"
packet s@x.example >"$SANDBOX/pn"
d "$SANDBOX/pn"
like "$OUT" 'Kok' "no recipients: accepted (as qmail-queue does)"
is "$(envelope)" 'Fs@x.example||' "... empty recipient list"

# 8-bit and NUL bytes in the message pass unchanged
printf 'Subject: \377\n\n\0\r\n\200 no final newline' >"$SANDBOX/m"
packet s@x.example r@y.example >"$SANDBOX/p8"
d "$SANDBOX/p8"
tail -c +$(( $(head -2 "$QQ_DIR/msg" | wc -c) + 1 )) "$QQ_DIR/msg" | cmp -s - "$SANDBOX/m"
ok $? "binary message bytes pass unchanged"
printf 'Subject: q\n\nbody\n' >"$SANDBOX/m"

# queue failures are answered
reset_qq
OUT=$(QMAILQUEUE=$QQ QQ_EXIT=71 qmail-qmqpd <"$SANDBOX/p")
is "$OUT" '50:Zmail server temporarily rejected message (#4.3.0),' "queue exit 71: Z answer"
OUT=$(QMAILQUEUE=$QQ QQ_EXIT=31 qmail-qmqpd <"$SANDBOX/p")
is "$OUT" '50:Dmail server permanently rejected message (#5.3.0),' "queue exit 31: D answer"

# refused addresses: the whole message fails
long=$(awk 'BEGIN { for (i = 0; i < 990; i++) printf "a"; printf "@x.example" }')
packet "$long" r@y.example >"$SANDBOX/pl"
d "$SANDBOX/pl"
is "$OUT" "51:Dsorry, I can't accept addresses like that (#5.1.3)," "sender of 1000 bytes: D"
test ! -e "$QQ_DIR/env"
ok $? "... nothing queued"
packet s@x.example r@y.example "$long" >"$SANDBOX/pl2"
d "$SANDBOX/pl2"
is "$OUT" "51:Dsorry, I can't accept addresses like that (#5.1.3)," "recipient of 1000 bytes: D for the message"
short=$(awk 'BEGIN { for (i = 0; i < 989; i++) printf "a"; printf "@x.example" }')
packet s@x.example "$short" >"$SANDBOX/pl3"
d "$SANDBOX/pl3"
like "$OUT" 'Kok' "recipient of 999 bytes: accepted"
{ nsf "$SANDBOX/m"; ns s@x.example; printf '5:a\0b@c,'; } >"$SANDBOX/inner"
nsf "$SANDBOX/inner" >"$SANDBOX/pz"
d "$SANDBOX/pz"
is "$OUT" "51:Dsorry, I can't accept addresses like that (#5.1.3)," "recipient with NUL: D"

# ---- bad input: nothing queued (the real qmail-queue), no answer -----------------------------
# b NAME FILE EXPECTED-EXIT
b() {
    OUT=$(qmail-qmqpd <"$2")
    RC=$?
    is "$RC" "$3" "$1: exit $3"
    is "$OUT" '' "$1: no answer"
    is "$(queued)" 0 "$1: nothing queued"
}
packet s@x.example r@y.example >"$SANDBOX/good"
qmail-qmqpd <"$SANDBOX/good" >/dev/null
is "$(queued)" 1 "the real queue: a good packet is queued"
rm -rf "$QMAILHOME/queue/mess/"*/* "$QMAILHOME/queue/todo/"*/* "$QMAILHOME/queue/todo/"* "$QMAILHOME/queue/intd/"* 2>/dev/null
is "$(queued)" 0 "(queue emptied)"

printf '' >"$SANDBOX/bad"; b "empty input" "$SANDBOX/bad" 0
head -c 40 "$SANDBOX/good" >"$SANDBOX/bad"; b "truncated in the message" "$SANDBOX/bad" 0
head -c $(( $(wc -c <"$SANDBOX/good") - 1 )) "$SANDBOX/good" >"$SANDBOX/bad"; b "truncated before the last comma" "$SANDBOX/bad" 0
sed 's/,$/;/' "$SANDBOX/good" >"$SANDBOX/bad"; b "last comma missing" "$SANDBOX/bad" 100
printf '0%s' "$(cat "$SANDBOX/good")" >"$SANDBOX/bad"; b "leading zero in the length" "$SANDBOX/bad" 100
printf 'x:' >"$SANDBOX/bad"; b "length not a number" "$SANDBOX/bad" 100
printf '99999999999999999999:' >"$SANDBOX/bad"; b "huge length" "$SANDBOX/bad" 111
printf '9999999999:' >"$SANDBOX/bad"; b "length over the 2 GB limit" "$SANDBOX/bad" 111
{ nsf "$SANDBOX/m"; printf '500:s@x.example,'; } >"$SANDBOX/inner"
nsf "$SANDBOX/inner" >"$SANDBOX/bad"; b "inner netstring longer than the packet" "$SANDBOX/bad" 100
{ nsf "$SANDBOX/m"; printf '11:s@x.exampleX'; ns r@y.example; } >"$SANDBOX/inner"
nsf "$SANDBOX/inner" >"$SANDBOX/bad"; b "inner comma missing" "$SANDBOX/bad" 100
{ printf '18:Subject: q\n\nbody\n,'; ns s@x.example; ns r@y.example; } >"$SANDBOX/inner"
nsf "$SANDBOX/inner" >"$SANDBOX/bad"; b "message netstring too long" "$SANDBOX/bad" 100
{ nsf "$SANDBOX/m"; ns s@x.example; printf '3:ab'; } >"$SANDBOX/inner"
nsf "$SANDBOX/inner" >"$SANDBOX/bad"; b "last recipient cut by the packet end" "$SANDBOX/bad" 100
{ nsf "$SANDBOX/m"; ns s@x.example; printf 'xyz'; } >"$SANDBOX/inner"
nsf "$SANDBOX/inner" >"$SANDBOX/bad"; b "garbage after the sender" "$SANDBOX/bad" 100
{ nsf "$SANDBOX/m"; } >"$SANDBOX/inner"
nsf "$SANDBOX/inner" >"$SANDBOX/bad"; b "no sender" "$SANDBOX/bad" 100

done_testing
