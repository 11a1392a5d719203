#!/bin/sh
# qmail-qmtpd: several packages per connection, both line encodings, one
# answer per recipient in order, rcpthosts / morercpthosts / RELAYCLIENT /
# databytes, refused addresses, the Received line, and bad input:
# malformed netstrings, truncated packages, a client that goes away.
. "$SUITE_SRC/tests/qmqp/lib.sh"

TCPLOCALHOST=srv.example TCPREMOTEIP=192.0.2.9 TCPREMOTEHOST=client.example
export TCPLOCALHOST TCPREMOTEIP TCPREMOTEHOST

# a recorder that keeps every message: msg1 env1, msg2 env2, ...
QQN=$SANDBOX/qqn.sh
cat >"$QQN" <<'END'
#!/bin/sh
i=1
while [ -e "$QQ_DIR/msg$i" ]; do i=$((i + 1)); done
cat >"$QQ_DIR/msg$i" || exit 54
cat <&1 >"$QQ_DIR/env$i" || exit 54
exit "${QQ_EXIT:-0}"
END
chmod 755 "$QQN"
envn() { tr '\000' '|' <"$QQ_DIR/env$1"; }
nmsgs() { ls "$QQ_DIR" | grep -c '^env'; }

# pkg MSGFILE SENDER RCPT...: one package
pkg() {
    _m=$1 _s=$2
    shift 2
    nsf "$_m"
    ns "$_s"
    for _r in "$@"; do ns "$_r"; done >"$SANDBOX/rcpts"
    nsf "$SANDBOX/rcpts"
}
# t INPUTFILE: qmail-qmtpd through the recorder; sets OUT and RC
t() { reset_qq; OUT=$(QMAILQUEUE=$QQN qmail-qmtpd <"$1"); RC=$?; }

printf '\nSubject: lf\n\nbody\n' >"$SANDBOX/lf"
printf '\rSubject: crlf\r\n\r\nline\r\nbare\rcr\r\n\r\rlast\r' >"$SANDBOX/cr"
{ pkg "$SANDBOX/lf" s@x.example a@sandbox.example b@sandbox.example
  pkg "$SANDBOX/cr" '' c@sandbox.example; } >"$SANDBOX/in"
t "$SANDBOX/in"
is "$RC" 0 "two packages: exit 0 at the end"
like "$OUT" '^[0-9]+:Kok [0-9]+ qp [0-9]+,[0-9]+:Kok [0-9]+ qp [0-9]+,[0-9]+:Kok [0-9]+ qp [0-9]+,$' \
    "one K answer per recipient (2 + 1)"
is "$(nmsgs)" 2 "two messages queued"
is "$(envn 1)" 'Fs@x.example|Ta@sandbox.example|Tb@sandbox.example||' "first envelope"
is "$(envn 2)" 'F|Tc@sandbox.example||' "second envelope (null sender)"
is "$(mask_rcv <"$QQ_DIR/msg1")" 'Received: from client.example (192.0.2.9)
  by srv.example with QMTP; DATE
Subject: lf

body' "encoding #2 (LF): the message as is, Received on top"
printf 'Subject: crlf\n\nline\nbare\rcr\n\r\rlast\r' >"$SANDBOX/cr.want"
tail -n +3 "$QQ_DIR/msg2" | cmp -s - "$SANDBOX/cr.want"
ok $? "encoding #1 (CR): CRLF becomes LF, other CRs stay"
q1=$(echo "$OUT" | sed 's/^[0-9]*:Kok [0-9]* qp \([0-9]*\),.*/\1/')
q3=$(echo "$OUT" | sed 's/.*:Kok [0-9]* qp \([0-9]*\),$/\1/')
isnt "$q1" "$q3" "each message has its own qp"

# rcpthosts, morercpthosts.cdb, RELAYCLIENT
{ pkg "$SANDBOX/lf" s@x.example a@sandbox.example no@other.example b@SANDBOX.example c; } >"$SANDBOX/in"
t "$SANDBOX/in"
like "$OUT" '^[0-9]+:Kok [^,]*,66:Dsorry, that domain isn'"'"'t in my list of allowed rcpthosts \(#5\.7\.1\),[0-9]+:Kok [^,]*,[0-9]+:Kok [^,]*,$' \
    "rcpthosts: the outside domain refused, in its place; case ignored; no @ accepted"
is "$(envn 1)" 'Fs@x.example|Ta@sandbox.example|Tb@SANDBOX.example|Tc||' "... queued for the others"
printf 'more.example\n.wild.example\n' >"$QMAILHOME/control/morercpthosts"
qmail-newmrh || BAIL_OUT "qmail-newmrh failed"
printf 'sandbox.example\n.sub.example\n' >"$QMAILHOME/control/rcpthosts"
pkg "$SANDBOX/lf" s@x.example m@more.example w@a.wild.example s@x.sub.example n@sub.example >"$SANDBOX/in"
t "$SANDBOX/in"
like "$OUT" '^[0-9]+:Kok [^,]*,[0-9]+:Kok [^,]*,[0-9]+:Kok [^,]*,66:D' "morercpthosts.cdb and .suffix entries"
pkg "$SANDBOX/lf" s@x.example no@other.example >"$SANDBOX/in"
t "$SANDBOX/in"
is "$OUT" "66:Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)," "all refused: only D answers"
is "$(nmsgs)" 0 "... nothing queued"
reset_qq
OUT=$(RELAYCLIENT= QMAILQUEUE=$QQN qmail-qmtpd <"$SANDBOX/in")
like "$OUT" '^[0-9]+:Kok' "RELAYCLIENT set: any domain"
OUT=$(RELAYCLIENT=@relay.example QMAILQUEUE=$QQN qmail-qmtpd <"$SANDBOX/in")
is "$(envn 2)" 'Fs@x.example|Tno@other.example@relay.example||' "RELAYCLIENT is appended to recipients"
mv "$QMAILHOME/control/rcpthosts" "$SANDBOX/rcpthosts.off"
t "$SANDBOX/in"
like "$OUT" '^[0-9]+:Kok' "no rcpthosts file: any domain"
mv "$SANDBOX/rcpthosts.off" "$QMAILHOME/control/rcpthosts"

# databytes
printf '\n12345678901234567890\n' >"$SANDBOX/m21"
pkg "$SANDBOX/m21" s@x.example a@sandbox.example b@sandbox.example >"$SANDBOX/in"
printf '21\n' >"$QMAILHOME/control/databytes"
t "$SANDBOX/in"
like "$OUT" '^[0-9]+:Kok' "databytes 21: a 21-byte message is accepted"
printf '20\n' >"$QMAILHOME/control/databytes"
t "$SANDBOX/in"
is "$OUT" '61:Dsorry, that message size exceeds my databytes limit (#5.3.4),61:Dsorry, that message size exceeds my databytes limit (#5.3.4),' \
    "databytes 20: refused, for every recipient"
is "$(nmsgs)" 0 "... nothing queued"
reset_qq
OUT=$(DATABYTES=0 QMAILQUEUE=$QQN qmail-qmtpd <"$SANDBOX/in")
like "$OUT" '^[0-9]+:Kok' "DATABYTES overrides control/databytes"
printf '\r1234567890123456789\r\n' >"$SANDBOX/c20"
pkg "$SANDBOX/c20" s@x.example a@sandbox.example >"$SANDBOX/in"
t "$SANDBOX/in"
like "$OUT" '^[0-9]+:Kok' "databytes counts the converted bytes (CRLF -> LF: 20)"
rm -f "$QMAILHOME/control/databytes"

# refused addresses
long=$(awk 'BEGIN { for (i = 0; i < 984; i++) printf "a"; printf "@sandbox.example" }')
pkg "$SANDBOX/lf" "$long" a@sandbox.example >"$SANDBOX/in"
t "$SANDBOX/in"
is "$OUT" '29:Dunacceptable sender (#5.1.7),' "sender of 1000 bytes: Dunacceptable sender"
is "$(nmsgs)" 0 "... nothing queued"
pkg "$SANDBOX/lf" s@x.example "$long" a@sandbox.example >"$SANDBOX/in"
t "$SANDBOX/in"
like "$OUT" "^46:Dsorry, I can't handle that recipient \\(#5\\.1\\.3\\),[0-9]+:Kok" "recipient of 1000 bytes: refused; the next one accepted"
is "$(envn 1)" 'Fs@x.example|Ta@sandbox.example||' "... queued for the other"
short=$(awk 'BEGIN { for (i = 0; i < 983; i++) printf "a"; printf "@sandbox.example" }')
pkg "$SANDBOX/lf" s@x.example "$short" >"$SANDBOX/in"
t "$SANDBOX/in"
like "$OUT" '^[0-9]+:Kok' "recipient of 999 bytes: accepted"
reset_qq
OUT=$(RELAYCLIENT=xx QMAILQUEUE=$QQN qmail-qmtpd <"$SANDBOX/in")
is "$OUT" "46:Dsorry, I can't handle that recipient (#5.1.3)," "999 bytes + RELAYCLIENT: too long"
{ nsf "$SANDBOX/lf"; ns s@x.example; printf '27:3:a\0b,17:a@sandbox.example,,'; } >"$SANDBOX/in"
t "$SANDBOX/in"
like "$OUT" "^46:Dsorry, I can't handle that recipient \\(#5\\.1\\.3\\),[0-9]+:Kok" "recipient with NUL: refused"

# ---- bad input ------------------------------------------------------------------------------
# b NAME FILE EXIT [EXPECTED-ANSWER-ERE]: nothing beyond the good first package is queued
pkg "$SANDBOX/lf" s@x.example a@sandbox.example >"$SANDBOX/good"
b() {
    cat "$SANDBOX/good" "$2" >"$SANDBOX/bad"
    t "$SANDBOX/bad"
    is "$RC" "$3" "$1: exit $3"
    like "$OUT" '^[0-9]+:Kok [0-9]+ qp [0-9]+,$' "$1: the earlier package is answered"
    is "$(nmsgs)" 1 "$1: only the earlier package is queued"
}
printf '' >"$SANDBOX/x"; b "end of input" "$SANDBOX/x" 0
head -c 30 "$SANDBOX/good" >"$SANDBOX/x"; b "package cut in the message" "$SANDBOX/x" 0
head -c $(( $(wc -c <"$SANDBOX/good") - 1 )) "$SANDBOX/good" >"$SANDBOX/x"; b "package cut before its last comma" "$SANDBOX/x" 0
printf '0:,' >"$SANDBOX/x"; b "empty message" "$SANDBOX/x" 100
printf '3:abc,' >"$SANDBOX/x"; b "message not starting with LF or CR" "$SANDBOX/x" 100
printf '0%s' "$(cat "$SANDBOX/good")" >"$SANDBOX/x"; b "leading zero" "$SANDBOX/x" 100
printf 'abc' >"$SANDBOX/x"; b "not a netstring" "$SANDBOX/x" 100
printf '99999999999999999999:' >"$SANDBOX/x"; b "huge length" "$SANDBOX/x" 111
{ printf '2:\nx;'; } >"$SANDBOX/x"; b "message comma missing" "$SANDBOX/x" 100
{ nsf "$SANDBOX/lf"; printf '3:abc;'; } >"$SANDBOX/x"; b "sender comma missing" "$SANDBOX/x" 100
{ nsf "$SANDBOX/lf"; ns s; printf '5:9:abc,,'; } >"$SANDBOX/x"; b "recipient longer than the list" "$SANDBOX/x" 100
{ nsf "$SANDBOX/lf"; ns s; printf '6:1:a,;'; } >"$SANDBOX/x"; b "list comma missing" "$SANDBOX/x" 100
{ nsf "$SANDBOX/lf"; ns s; printf '4:x:a,,'; } >"$SANDBOX/x"; b "recipient length not a number" "$SANDBOX/x" 100
{ nsf "$SANDBOX/lf"; ns s; printf '4:1:ab,'; } >"$SANDBOX/x"; b "recipient comma missing" "$SANDBOX/x" 100

# ---- over TCP (tcpserver): pipelined packages ------------------------------------------------
reset_qq
listen qmtp.example env QMAILQUEUE="$QQN" qmail-qmtpd || BAIL_OUT "no port"
{ pkg "$SANDBOX/lf" s@x.example a@sandbox.example
  pkg "$SANDBOX/cr" s2@x.example b@sandbox.example no@other.example; } >"$SANDBOX/in"
OUT=$("$SUITE_BUILD/tests/helpers/tcppipe" 127.0.0.1 "$PORT" <"$SANDBOX/in")
is "$?" 0 "over TCP: the client got its answers"
like "$OUT" '^[0-9]+:Kok [^,]*,[0-9]+:Kok [^,]*,66:Dsorry, that domain' "over TCP: three answers in order"
is "$(nmsgs)" 2 "over TCP: two messages"
like "$(head -2 "$QQ_DIR/msg1")" '^Received: from unknown \(127\.0\.0\.1\)
  by qmtp\.example with QMTP; ' "over TCP: Received line from tcpserver's environment"
# the RFC's example: a safe message, then a DOS-encoded one with a partial last line
reset_qq
printf '\nReceived: (qmail-queue invoked by uid 0); 29 Jul 1996 09:36:40 -0000\nDate: 29 Jul 1996 11:35:35 -0000\nMessage-ID: <19960729113535.375.qmail@heaven.af.mil>\nFrom: God@heaven.af.mil\nTo: djb@silverton.berkeley.edu (D. J. Bernstein)\n\nThis is a test.\n' >"$SANDBOX/rfc1"
{ pkg "$SANDBOX/rfc1" God-DSN-37@heaven.af.mil djb@sandbox.example; } >"$SANDBOX/in"
OUT=$("$SUITE_BUILD/tests/helpers/tcppipe" 127.0.0.1 "$PORT" <"$SANDBOX/in")
case $(head -c 5 "$SANDBOX/in") in 246:*) r=0 ;; *) r=1 ;; esac
ok $r "RFC example: the message netstring is 246 bytes"
like "$OUT" '^[0-9]+:Kok [0-9]+ qp [0-9]+,$' "RFC example: accepted"

done_testing
