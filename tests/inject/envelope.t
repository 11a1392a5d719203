#!/bin/sh
# qmail-inject queueing: the envelope it hands to qmail-queue ($QMAILQUEUE
# records it), recipient selection -a -A -h -H, Resent- recipients, Bcc,
# the sender, 500 recipients, queue failures, and a real delivery.
. "$SUITE_SRC/tests/inject/lib.sh"
. "$SUITE_SRC/tests/lib/queue.sh"

# q VAR=value... -- ARG...: qmail-inject ARG... through the recorder; sets RC, ERR
q() {
    _vars= _args= _seen=
    for _a in "$@"; do
        if [ -z "$_seen" ] && [ "$_a" = -- ]; then _seen=1; continue; fi
        if [ -n "$_seen" ]; then _args="$_args $(shq "$_a")"; else _vars="$_vars $(shq "$_a")"; fi
    done
    reset_qq
    ERR=$(eval "qi QMAILQUEUE=\"\$QQ\" QQ_DIR=\"\$QQ_DIR\" QQ_EXIT=\"\${QQ_EXIT:-0}\" $_vars qmail-inject $_args" 2>&1)
    RC=$?
}
shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

M=$SANDBOX/m
printf 'To: t@x.example, u\nCc: c@y.example\nBcc: b@z.example\nApparently-To: ap@x.example\nSubject: s\n\nbody\n' >"$M"

q -- <"$M"
is "$RC" 0 "queued: exit 0"
is "$(envelope)" 'Fjoe@bench.example|Tt@x.example|Tu@bench.example|Tc@y.example|Tb@z.example|Tap@x.example||' \
    "no arguments (-A): header recipients To, Cc, Bcc, Apparently-To, in order"
is "$(grep -c '^Bcc' "$QQ_DIR/msg")" 0 "Bcc is not in the queued message"
like "$(cat "$QQ_DIR/msg")" 'Apparently-To: ap@x\.example' "Apparently-To stays"
unlike "$(cat "$QQ_DIR/msg")" '^Return-Path' "no Return-Path line in the queued message"
like "$(head -1 "$QQ_DIR/msg")" '^Date: ' "the queued message starts with the added fields"

q -- r1@a.example r2 <"$M"
is "$(envelope)" 'Fjoe@bench.example|Tr1@a.example|Tr2@bench.example||' "arguments (-A): only the arguments, rewritten"
q -- -a <"$M"
is "$(envelope)" 'Fjoe@bench.example||' "-a without arguments: no recipients at all"
q -- -a r1@a.example <"$M"
is "$(envelope)" 'Fjoe@bench.example|Tr1@a.example||' "-a: arguments only"
like "$(cat "$QQ_DIR/msg")" 'To: t@x\.example, u@bench\.example' "-a: header fields are still rewritten"
q -- -h r1@a.example <"$M"
is "$(envelope)" 'Fjoe@bench.example|Tt@x.example|Tu@bench.example|Tc@y.example|Tb@z.example|Tap@x.example||' \
    "-h: header only, arguments ignored"
q -- -h 'bad@x y' <"$M"
is "$RC" 0 "-h: arguments are not even parsed"
q -- -H r1@a.example <"$M"
is "$(envelope)" 'Fjoe@bench.example|Tr1@a.example|Tt@x.example|Tu@bench.example|Tc@y.example|Tb@z.example|Tap@x.example||' \
    "-H: arguments, then header recipients"
q -- -a -A <"$M"
is "$(envelope)" 'Fjoe@bench.example|Tt@x.example|Tu@bench.example|Tc@y.example|Tb@z.example|Tap@x.example||' \
    "the last of -a -A -h -H wins"
q -- -n -N r@a.example <"$M"
is "$(envelope)" 'Fjoe@bench.example|Tr@a.example||' "-N after -n queues"
q -- -- -dash@a.example <"$M"
is "$(envelope)" 'Fjoe@bench.example|T-dash@a.example||' "-- ends the options"

# Resent- messages take recipients from the Resent- fields only
printf 'To: t@x.example\nResent-To: rt@x.example\nResent-Cc: rc\nResent-Bcc: rb@y.example\n\nb\n' >"$SANDBOX/r"
q -- <"$SANDBOX/r"
is "$(envelope)" 'Fjoe@bench.example|Trt@x.example|Trc@bench.example|Trb@y.example||' \
    "resent: Resent-To, Resent-Cc, Resent-Bcc recipients; To ignored"
unlike "$(cat "$QQ_DIR/msg")" 'Resent-Bcc' "Resent-Bcc removed"

# the sender
q -- -f s@x.example <"$M"
is "$(envelope | cut -d'|' -f1)" 'Fs@x.example' "-f sets the envelope sender"
q -- -f '' <"$M"
is "$(envelope | cut -d'|' -f1)" 'F' "-f '' gives the null sender"
printf 'Return-Path: <rp@x.example>\nTo: t@x.example\n\nb\n' >"$SANDBOX/rp"
q -- <"$SANDBOX/rp"
is "$(envelope | cut -d'|' -f1)" 'Frp@x.example' "Return-Path sets the envelope sender"
q -- -f s@x.example <"$SANDBOX/rp"
is "$(envelope | cut -d'|' -f1)" 'Fs@x.example' "-f wins over Return-Path"
q QMAILINJECT=s -- <"$SANDBOX/rp"
is "$(envelope | cut -d'|' -f1)" 'Fjoe@bench.example' "QMAILINJECT=s ignores Return-Path"
q QMAILINJECT=r -- <"$M"
is "$(envelope | cut -d'|' -f1)" 'Fjoe-@bench.example-@[]' "QMAILINJECT=r: VERP sender for qmail-send to expand"
printf 'Return-Path: <>\nTo: t@x.example\n\nb\n' >"$SANDBOX/rp0"
q -- <"$SANDBOX/rp0"
is "$(envelope | cut -d'|' -f1)" 'F' "Return-Path: <> gives the null sender"

# 500 recipients in one To: field
awk 'BEGIN { printf "To: "; for (i = 1; i <= 500; i++) printf "%sr%d@x%d.example", (i > 1 ? ", " : ""), i, i % 7; printf "\nSubject: many\n\nbody\n" }' >"$SANDBOX/500"
q -- <"$SANDBOX/500"
is "$RC" 0 "500 recipients in To: exit 0"
is "$(tr '\000' '\n' <"$QQ_DIR/env" | grep -c '^T')" 500 "... 500 envelope recipients"
is "$(tr '\000' '\n' <"$QQ_DIR/env" | sed -n '501p')" 'Tr500@x3.example' "... in order"
is "$(awk 'length($0) > 78' "$QQ_DIR/msg" | wc -l | tr -d ' ')" 0 "... the To field is folded into lines of at most 78 bytes"
is "$(sed -n '/^To: /,/^Subject/p' "$QQ_DIR/msg" | grep -o 'r[0-9]*@' | wc -l | tr -d ' ')" 500 "... all 500 addresses are in the header"
# and without commas: 500 words separated by spaces
awk 'BEGIN { printf "Cc:"; for (i = 1; i <= 500; i++) printf " w%d", i; printf "\n\nbody\n" }' >"$SANDBOX/500w"
q -- <"$SANDBOX/500w"
is "$(tr '\000' '\n' <"$QQ_DIR/env" | grep -c '^Tw[0-9]*@bench.example$')" 500 "500 words without commas: 500 recipients"
like "$(cat "$QQ_DIR/msg")" 'Cc: w1@bench\.example, w2@bench\.example, w3@' "... the illegal spaces became commas"

# queue failures
QQ_EXIT=31 q -- r@a.example <"$M"
is "$RC" 100 "queue exit 31: exit 100"
is "$ERR" 'qmail-inject: fatal: mail server permanently rejected message (#5.3.0)' "... with qmail's text"
QQ_EXIT=71 q -- r@a.example <"$M"
is "$RC" 111 "queue exit 71: exit 111"
is "$ERR" 'qmail-inject: fatal: mail server temporarily rejected message (#4.3.0)' "... with qmail's text"
QQ_EXIT=53 q -- r@a.example <"$M"
is "$ERR" 'qmail-inject: fatal: qq write error or disk full (#4.3.0)' "queue exit 53: write error text"
got=$(qi QMAILQUEUE=/nonexistent/qq qmail-inject r@a.example <"$M" 2>&1)
is "$?" 111 "queue program missing: exit 111"
is "$got" 'qmail-inject: fatal: unable to exec qq (#4.3.0)' "... unable to exec qq"
# a relative QMAILQUEUE is relative to the qmail home
cp "$QQ" "$QMAILHOME/bin/recorder"
reset_qq
qi QMAILQUEUE=bin/recorder QQ_DIR="$QQ_DIR" qmail-inject r@a.example <"$M"
is "$(envelope)" 'Fjoe@bench.example|Tr@a.example||' "a relative QMAILQUEUE is found in the qmail home"
# a parse error queues nothing
reset_qq
printf 'From: "open\n\nb\n' | qi QMAILQUEUE="$QQ" QQ_DIR="$QQ_DIR" qmail-inject r@a.example 2>/dev/null
is "$?" 100 "a bad sender field: exit 100"
test ! -e "$QQ_DIR/msg"
ok $? "... and the queue program was never started"

# ---- the real queue: qmail-queue, qmail-send, qmail-local ------------------------------------
qmail-newu || BAIL_OUT "qmail-newu failed"
queue_start
printf 'Subject: real\n\nreal body\n' | qi qmail-inject "$SANDBOX_USER@bench.example"
is "$?" 0 "real queue: injected"
queue_wait 'delivery [0-9]+: success' 30
ok $? "real queue: delivered"
f=$(ls "$SANDBOX_MAILDIR/new" | head -1)
got=$(sed -e '/^Received: /d' "$SANDBOX_MAILDIR/new/$f" | mask)
want=$(printf 'Return-Path: <joe@bench.example>\nDelivered-To: %s@bench.example\nDate: DATE\nMessage-ID: <STAMP.PID.qmail@bench.example>\nFrom: joe@bench.example\nCc: recipient list not shown: ;\nSubject: real\n\nreal body' "$SANDBOX_USER")
is "$got" "$want" "real queue: the delivered message"
queue_stop

done_testing
