#!/bin/sh
# QMQP over loopback between two qmail homes: qmail-qmqpc in home A (the
# sandbox) sends to qmail-qmqpd under tcpserver in home B, whose running
# queue delivers.  Then qmail-qmqpc's exit codes: servers that refuse,
# close early or answer D/Z, bad envelopes, missing controls; and a large
# message through the spool.
. "$SUITE_SRC/tests/qmqp/lib.sh"

# ---- home B: its own queue and user ------------------------------------------------------
B=$SANDBOX/b
HB=$SANDBOX/homeb
sh "$SUITE_SRC/queue/qmail-setup.sh" -u "$B" >&2 || BAIL_OUT "qmail-setup.sh -u $B failed"
for f in "$SUITE_BUILD"/bin/*; do ln -s "$f" "$B/bin/${f##*/}"; done
for c in me locals rcpthosts; do printf 'b.example\n' >"$B/control/$c"; done
mkdir -p "$HB/Maildir/cur" "$HB/Maildir/new" "$HB/Maildir/tmp"
chmod 700 "$HB" "$HB/Maildir" "$HB/Maildir/cur" "$HB/Maildir/new" "$HB/Maildir/tmp"
printf '=%s:%s:%s:%s:%s:::\n.\n' "$SANDBOX_USER" "$SANDBOX_USER" "$SANDBOX_UID" "$SANDBOX_GID" "$HB" \
    >"$B/users/assign"
QMAILHOME=$B qmail-newu || BAIL_OUT "qmail-newu for B failed"

QUEUE_LOG=$SANDBOX/b-send.log
: >"$QUEUE_LOG"
sandbox_spawn sh -c "cd '$HB' && QMAILHOME='$B' exec qmail-start ./Maildir/ >>'$QUEUE_LOG' 2>&1"
QUEUE_PID=$SANDBOX_PID
queue_wait '^status:' 20 || BAIL_OUT "home B's queue did not start"

listen b.example env QMAILHOME="$B" qmail-qmqpd || BAIL_OUT "no port for qmail-qmqpd"
PB=$PORT
REFUSED=$(free_port)
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$REFUSED" "$PB" >"$QMAILHOME/control/qmqpservers"

# ---- A -> B: qmail-inject with QMAILQUEUE=bin/qmail-qmqpc ------------------------------------
printf 'Subject: over qmqp\n\nhello from A\n' |
    env QMAILQUEUE=bin/qmail-qmqpc USER=joe qmail-inject "$SANDBOX_USER@b.example"
is "$?" 0 "qmail-inject through qmail-qmqpc: exit 0 (the first server refused, the second took it)"
queue_wait 'delivery [0-9]+: success' 30
ok $? "home B's queue delivered it"
is "$(ls "$SANDBOX_MAILDIR/new" | wc -l | tr -d ' ')" 0 "nothing in home A's mailbox"
f=$(ls "$HB/Maildir/new" | head -1)
test -n "$f"
ok $? "the message is in home B's mailbox"
got=$(sed -n '1,/^$/p' "$HB/Maildir/new/$f" | mask_rcv | sed -E 's/^Received: \(qmail [0-9]+ invoked .*\); DATE$/Received: (qmail PID invoked ...); DATE/')
like "$got" "^Return-Path: <joe@sandbox\\.example>
Delivered-To: $SANDBOX_USER@b\\.example
Received: \\(qmail PID invoked \\.\\.\\.\\); DATE
Received: from unknown \\(127\\.0\\.0\\.1\\)
  by b\\.example with QMQP; DATE
Date: " "B's header: qmail-queue's Received line, then qmail-qmqpd's"
like "$(cat "$HB/Maildir/new/$f")" 'Subject: over qmqp

hello from A$' "the message arrived intact"
is "$(queued)" 0 "home A's queue was not used"

# ---- qmail-qmqpc directly ---------------------------------------------------------------------
printf 'Subject: direct\n\nx\n' >"$SANDBOX/m"
printf 'Fs@x.example\0T%s@b.example\0\0' "$SANDBOX_USER" >"$SANDBOX/e"
# c [SERVER...]: qmail-qmqpc with $SANDBOX/m and $SANDBOX/e; sets RC
c() { qmail-qmqpc "$@" <"$SANDBOX/m" 1<"$SANDBOX/e"; RC=$?; }

c
is "$RC" 0 "direct: exit 0"
queue_wait 'delivery [0-9]+: success.*' 30
c "127.0.0.1:$PB"
is "$RC" 0 "servers as arguments (ezmlm-idx style)"
printf '127.0.0.1:%s\n' "$REFUSED" >"$QMAILHOME/control/qmqpservers"
c
is "$RC" 73 "the only server refuses: exit 73"
c "127.0.0.1:$REFUSED" "127.0.0.1:$PB"
is "$RC" 0 "arguments: the second server after a refusal"
printf 'not-an-ip\n999.1.1.1\n127.0.0.1:0\n127.0.0.1:99999\n127.0.0.1:%s\n' "$PB" >"$QMAILHOME/control/qmqpservers"
c
is "$RC" 0 "unusable lines are skipped"
printf 'not-an-ip\n' >"$QMAILHOME/control/qmqpservers"
c
is "$RC" 55 "no usable server: exit 55"
c "[::1]:$REFUSED"
case $RC in 73 | 56) r=0 ;; *) r=1 ;; esac
ok $r "[IPv6]:port is understood (refused, or 56 on a host without IPv6)"
: >"$QMAILHOME/control/qmqpservers"
c
is "$RC" 55 "empty qmqpservers: exit 55"
rm -f "$QMAILHOME/control/qmqpservers"
c
is "$RC" 55 "no qmqpservers: exit 55"
printf '127.0.0.1:%s\n' "$PB" >"$QMAILHOME/control/qmqpservers"

# servers that misbehave
reset_qq
listen closer.example /bin/true || BAIL_OUT "no port"
c "127.0.0.1:$PORT"
is "$RC" 74 "a server that closes at once: exit 74"
c "127.0.0.1:$PORT" "127.0.0.1:$PB"
is "$RC" 74 "... and the next server is not tried (the message may have arrived)"
listen perm.example env QMAILQUEUE="$QQ" QQ_EXIT=31 qmail-qmqpd || BAIL_OUT "no port"
c "127.0.0.1:$PORT"
is "$RC" 31 "a server answering D: exit 31"
listen temp.example env QMAILQUEUE="$QQ" QQ_EXIT=71 qmail-qmqpd || BAIL_OUT "no port"
c "127.0.0.1:$PORT"
is "$RC" 71 "a server answering Z: exit 71"
listen garbage.example sh -c 'head -c 1 >/dev/null; printf "12:xxxxxxxxxxxx,"' || BAIL_OUT "no port"
c "127.0.0.1:$PORT"
is "$RC" 74 "an answer without K, Z or D: exit 74"

# a large message through the spool, recorded on the far side
listen rec.example env QMAILQUEUE="$QQ" qmail-qmqpd || BAIL_OUT "no port"
PREC=$PORT
awk 'BEGIN { printf "Subject: big\n\n"; for (i = 0; i < 100000; i++) printf "line %d of a large message\n", i }' >"$SANDBOX/big"
reset_qq
qmail-qmqpc "127.0.0.1:$PREC" <"$SANDBOX/big" 1<"$SANDBOX/e"
is "$?" 0 "a 3 MB message: exit 0"
tail -n +3 "$QQ_DIR/msg" | cmp -s - "$SANDBOX/big"
ok $? "... arrives byte for byte"
is "$(envelope)" "Fs@x.example|T$SANDBOX_USER@b.example||" "... with its envelope"
printf 'Fs\0Ta\0Tb\0T\0\0' >"$SANDBOX/e2"
reset_qq
qmail-qmqpc "127.0.0.1:$PREC" <"$SANDBOX/m" 1<"$SANDBOX/e2"
is "$(envelope)" 'Fs|Ta|Tb|T||' "several recipients, an empty one included"
printf 'F\0\0' >"$SANDBOX/e3"
reset_qq
qmail-qmqpc "127.0.0.1:$PREC" </dev/null 1<"$SANDBOX/e3"
is "$?" 0 "empty message, null sender, no recipients: exit 0"
is "$(envelope)" 'F||' "... as sent"

# bad envelopes: qmail-queue's exit codes, nothing sent
bad_env() { # name exit envelope-printf-format
    printf "$3" >"$SANDBOX/eb"
    reset_qq
    qmail-qmqpc "127.0.0.1:$PREC" <"$SANDBOX/m" 1<"$SANDBOX/eb"
    is "$?" "$2" "$1: exit $2"
    test ! -e "$QQ_DIR/env"
    ok $? "$1: nothing sent"
}
bad_env "envelope not starting with F" 91 'Ts\0\0'
bad_env "recipient not starting with T" 91 'Fs\0Xr\0\0'
bad_env "envelope cut short" 91 'Fs\0Tr'
bad_env "empty envelope" 91 ''
long=$(awk 'BEGIN { for (i = 0; i < 1003; i++) printf "a" }')
bad_env "recipient of 1003 bytes" 11 "Fs\\0T$long\\0\\0"
long=$(awk 'BEGIN { for (i = 0; i < 1002; i++) printf "a" }')
printf "Fs\\0T$long\\0\\0" >"$SANDBOX/eb"
reset_qq
qmail-qmqpc "127.0.0.1:$PREC" <"$SANDBOX/m" 1<"$SANDBOX/eb"
is "$?" 31 "recipient of 1002 bytes: sent; qmail-qmqpd refuses it with D: exit 31"

env QMAILHOME="$SANDBOX/nonexistent" qmail-qmqpc <"$SANDBOX/m" 1<"$SANDBOX/e"
is "$?" 61 "no qmail home: exit 61"

queue_stop
done_testing
