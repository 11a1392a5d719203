#!/bin/sh
# qmail-send end to end: the real queue (qmail-start, -send, -todo, -clean,
# -lspawn, -local) in a sandbox: log lines, bounces byte for byte, double and
# triple bounces, VERP, the retry schedule with a controlled clock,
# queuelifetime, ALRM, TERM, the send mutex.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"

sandbox_create
U=$SANDBOX_USER
D=$SANDBOX_DOMAIN
H=$SANDBOX_HOME
# extension addresses of the user go to ~/.qmail-<ext>
sed -i '$d' "$QMAILHOME/users/assign"
printf '+%s-:%s:%s:%s:%s:-::\n.\n' "$U" "$U" "$SANDBOX_UID" "$SANDBOX_GID" "$H" >>"$QMAILHOME/users/assign"
(cd "$QMAILHOME" && qmail-newu)
ok $? "qmail-newu"
for box in bounces pm bulk; do maildirmake "$H/$box"; done
echo "./bounces/" >"$H/.qmail-sender"
echo "./pm/" >"$H/.qmail-pm"
printf '|echo "no such thing here"; exit 100\n' >"$H/.qmail-bad"
printf '|echo "$SENDER" >"$HOME/verp.out"\n' >"$H/.qmail-v"
printf '|echo not yet; exit 111\n' >"$H/.qmail-defer"
printf '|test -f "$HOME/go" || { echo waiting; exit 111; }\n./bulk/\n' >"$H/.qmail-later"
echo "$U-pm" >"$QMAILHOME/control/doublebounceto"

queue_start

# --- 1. a plain local delivery and its log lines ---------------------------
printf 'Subject: one\n\nbody one\n' | queue_inject "s@x.org" "$U@$D"
ok $? "qmail-queue accepts"
queue_wait '^end msg '
id=$(sed -n 's/^new msg \([0-9]*\)$/\1/p' "$QUEUE_LOG" | head -1)
like "$(grep -E "^info msg $id:" "$QUEUE_LOG")" "^info msg $id: bytes [0-9]+ from <s@x.org> qp [0-9]+ uid $SANDBOX_UID\$" "info line"
like "$(grep -E '^starting delivery 1:' "$QUEUE_LOG")" "^starting delivery 1: msg $id to local $U@$D\$" "starting line"
is "$(grep -E '^delivery 1:' "$QUEUE_LOG")" "delivery 1: success: did_1+0+0/" "success line"
is "$(grep -c "^status: local 1/10 remote 0/20\$" "$QUEUE_LOG")" 1 "status line while delivering"
f=$(ls "$SANDBOX_MAILDIR/new" | head -1)
got=$(sed '3s/^\(Received: (qmail \)[0-9]*\( invoked by uid [0-9]*\)); .*/\1P\2); DATE/' "$SANDBOX_MAILDIR/new/$f")
is "$got" "Return-Path: <s@x.org>
Delivered-To: $U@$D
Received: (qmail P invoked by uid $SANDBOX_UID); DATE
Subject: one

body one" "delivered file"

# --- 2. a bounce, byte for byte --------------------------------------------
printf 'Subject: two\n\nbody two\n' | queue_inject "$U-sender@$D" "$U-bad@$D"
queue_wait "^bounce msg "
queue_wait "delivery [0-9]+: success: did_1\+0\+0/" >/dev/null
n=0; while [ "$(ls "$H/bounces/new" | wc -l)" -lt 1 ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
b=$(ls "$H/bounces/new" | head -1)
like "$(grep -E '^delivery [0-9]+: failure:' "$QUEUE_LOG")" 'failure: no_such_thing_here/$' "failure line"
got=$(sed -e 's/^\(Received: (qmail \)[0-9]*\( invoked [^)]*\)); .*/\1P\2); DATE/' \
          -e 's/^Date: .*/Date: DATE/' "$H/bounces/new/$b")
is "$got" "Return-Path: <>
Delivered-To: $U-sender@$D
Received: (qmail P invoked by uid $SANDBOX_UID); DATE
Date: DATE
From: MAILER-DAEMON@$D
To: $U-sender@$D
Subject: failure notice

Hi. This is the qmail-send program at $D.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<$U-bad@$D>:
no such thing here

--- Below this line is a copy of the message.

Return-Path: <$U-sender@$D>
Received: (qmail P invoked by uid $SANDBOX_UID); DATE
Subject: two

body two" "bounce text (QSBMF)"

# --- 3. double bounce and triple bounce -------------------------------------
printf 'Subject: three\n\nbody three\n' | queue_inject "" "$U-bad@$D"
n=0; while [ "$(ls "$H/pm/new" | wc -l)" -lt 1 ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
p=$(ls "$H/pm/new" | head -1)
got=$(sed -n '/^Hi\. /,/^--- /p' "$H/pm/new/$p" 2>/dev/null)
is "$got" "Hi. This is the qmail-send program at $D.
I tried to deliver a bounce message to this address, but the bounce bounced!

<$U-bad@$D>:
no such thing here

--- Below this line is the original bounce." "double bounce text"
is "$(sed -n '1p' "$H/pm/new/$p")" "Return-Path: <#@[]>" "double bounce comes from #@[]"

printf 'Subject: four\n\nbody four\n' | queue_inject "#@[]" "$U-bad@$D"
queue_wait '^triple bounce: discarding bounce/[0-9]+$'
ok $? "triple bounce discarded"

# --- 4. VERP ------------------------------------------------------------------
printf 'Subject: verp\n\nx\n' | queue_inject "$U-list-@$D-@[]" "$U-v@$D"
n=0; while [ ! -s "$H/verp.out" ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
is "$(cat "$H/verp.out")" "$U-list-$U-v=$D@$D" "VERP sender expanded per recipient"

# --- 5. ALRM retries deferred deliveries at once ------------------------------
printf 'Subject: later\n\nx\n' | queue_inject "s@x.org" "$U-later@$D"
queue_wait 'deferral: waiting/'
touch "$H/go"
kill -ALRM "$QUEUE_PID"
n=0; while [ "$(ls "$H/bulk/new" | wc -l)" -lt 1 ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
is "$(ls "$H/bulk/new" | wc -l | tr -d ' ')" 1 "ALRM: deferred message retried and delivered"

# --- 6. the retry schedule survives TERM -------------------------------------
printf 'Subject: defer\n\nx\n' | queue_inject "$U-sender@$D" "$U-defer@$D"
queue_wait 'deferral: not_yet/'
queue_stop
ok $? "TERM: qmail-send says status: exiting"
info=$(find "$QMAILHOME/queue/info" -type f | head -1)
id=${info##*/}
loc="$QMAILHOME/queue/local/$((id % 23))/$id"
birth=$(stat -c %Y "$info")
is "$(( $(stat -c %Y "$loc") - birth ))" 100 "first local retry is birth + 100 s"

# controlled clock: the message is 10000 s old and due now
now=$(date +%s)
touch -d "@$((now - 10000))" "$info"
touch -d "@$((now - 1))" "$loc"
: >"$QUEUE_LOG"
queue_start
queue_wait 'deferral: not_yet/'
queue_stop
is "$(( $(stat -c %Y "$loc") - (now - 10000) ))" 12100 "retry after 10000 s: (sqrt(10000)+10)^2"

# --- 7. queuelifetime: the last attempt's temporary failure bounces ------------
echo 1000 >"$QMAILHOME/control/queuelifetime"
touch -d "@$((now - 2000))" "$info"
touch -d "@$((now - 1))" "$loc"
: >"$QUEUE_LOG"
before=$(ls "$SANDBOX_MAILDIR/new" | wc -l)
queue_start
queue_wait '^end msg '
like "$(grep -E '^delivery [0-9]+: failure:' "$QUEUE_LOG")" "not_yet/I'm_not_going_to_try_again;_this_message_has_been_in_the_queue_too_long./" "too old: failure with the lifetime line"
rm -f "$QMAILHOME/control/queuelifetime"

# --- 8. one qmail-send at a time ---------------------------------------------
out=$(cd "$SANDBOX" && qmail-send 0>&1 1>/dev/null 2>/dev/null 3>/dev/null 4>/dev/null; echo "rc=$?")
like "$out" "alert: cannot start: qmail-send is already running" "second qmail-send refuses"
like "$out" "rc=111" "and exits 111"

# --- 9. concurrencylocal limits parallel deliveries ----------------------------
n=0; while ! queue_empty && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
queue_stop
echo 2 >"$QMAILHOME/control/concurrencylocal"
printf '|sleep 1\n' >"$H/.qmail-slow"
: >"$QUEUE_LOG"
queue_start
for i in 1 2 3 4 5; do printf 'Subject: slow\n\nx\n' | queue_inject "$U-sender@$D" "$U-slow@$D"; done
n=0; while [ "$(queue_count '^end msg')" -lt 5 ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
is "$(grep -o 'status: local [0-9]*/2' "$QUEUE_LOG" | sort -u | tr '\n' ' ')" \
    "status: local 0/2 status: local 1/2 status: local 2/2 " "at most 2 local deliveries at once"

# --- 10. HUP: virtualdomains re-read, mail for the new domain is accepted -----
printf 'virt.example:%s-v2\n' "$U" >"$QMAILHOME/control/virtualdomains"
maildirmake "$H/virt"
echo "./virt/" >"$H/.qmail-v2-default"
kill -HUP "$QUEUE_PID"
sleep 0.3
printf 'Subject: virtual\n\nx\n' | queue_inject "$U-sender@$D" "joe@virt.example"
n=0; while [ "$(ls "$H/virt/new" | wc -l)" -lt 1 ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
f=$(ls "$H/virt/new" | head -1)
is "$(sed -n 2p "$H/virt/new/$f" 2>/dev/null)" "Delivered-To: $U-v2-joe@virt.example" "after HUP the virtual domain is delivered"

n=0; while ! queue_empty && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
queue_stop
queue_empty
ok $? "queue is empty at the end"
done_testing
