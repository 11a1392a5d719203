#!/bin/sh
# qmail-remote delivering to a real foreign MTA: Debian's postfix, started
# by the test as a sink on a free loopback port; directly, and through the
# running queue (qmail-send -> qmail-rspawn -> qmail-remote).
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
. "$SUITE_SRC/tests/net/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "starting postfix needs root"
command -v postfix >/dev/null || skip_all "postfix is not installed (apt-get install postfix)"

sandbox_create
C=$QMAILHOME/control
T=$SANDBOX/t
mkdir -p "$T"
net_postfix_start || skip_all "postfix does not start here"
pass "postfix listens on 127.0.0.1:$PF_PORT"
printf 'sink.example:127.0.0.1:%s\n' "$PF_PORT" >"$C/smtproutes"

# waits for n files in the sink's Maildir
sink_wait() {
    _i=0
    while [ "$(ls "$PF_MAIL/new" 2>/dev/null | wc -l)" -lt "$1" ] && [ $_i -lt 600 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
    [ "$(ls "$PF_MAIL/new" 2>/dev/null | wc -l)" -ge "$1" ]
}
# the newest message of the sink without the header lines postfix adds
sink_last() {
    f=$(ls -t "$PF_MAIL/new" | head -1)
    awk 'BEGIN { top = 1 }
         top && /^(Return-Path|X-Original-To|Delivered-To|Received):/ { skip = 1; next }
         top && skip && /^[ \t]/ { next }
         { top = 0; skip = 0; print }' "$PF_MAIL/new/$f"
}

cat >"$T/m1" <<'EOF2'
From: s@sandbox.example
To: u@sink.example
Date: Fri, 20 Nov 2026 10:00:00 +0000
Message-ID: <one@sandbox.example>
Subject: to postfix

.a line with a leading dot
..two dots
.
a line with a bare CR here:X
end
EOF2
sed -i 's/here:X/here:\rX/' "$T/m1"

got=$(net_remote sink.example s@sandbox.example u@sink.example <"$T/m1")
like "$got" '^r\\0K127\.0\.0\.1 accepted message\.
Remote host said: 250 2\.0\.0 Ok: queued as [0-9A-Za-z]+
\\0$' "postfix accepts: r, then K with its reply"
sink_wait 1
ok $? "the message reaches the sink's Maildir"
exp=$(sed 's/\r/\n/' "$T/m1")
is "$(sink_last)" "$exp" "the message arrives byte for byte (the bare CR became a line end)"
like "$(cat "$PF_DIR/maillog")" "postfix/smtpd.*connect from localhost\[127.0.0.1\]" "postfix logged the session"
like "$(grep -h 'ehlo=' "$PF_DIR/maillog" | tail -1)" 'ehlo=1 mail=1 rcpt=1 data=1 quit=1' "one EHLO, MAIL, RCPT, DATA, QUIT"

got=$(net_remote sink.example '' u@sink.example v@sink.example nobody@sink.example <"$T/m1")
like "$got" '^r\\0r\\0h127\.0\.0\.1 does not like recipient\.
Remote host said: 554 5\.7\.1 <nobody@sink\.example>: Recipient address rejected: no such user
\\0K127\.0\.0\.1 accepted message\.' "two recipients accepted, one refused by postfix"
sink_wait 3
ok $? "delivered to both accepted recipients"

# through the queue
queue_start
printf 'From: s@sandbox.example\nTo: w@sink.example\nDate: Fri, 20 Nov 2026 10:00:00 +0000\nMessage-ID: <two@sandbox.example>\nSubject: queued\n\nthrough the queue\n' |
    queue_inject "$SANDBOX_USER@$SANDBOX_DOMAIN" w@sink.example
ok $? "queued for w@sink.example"
queue_wait 'delivery [0-9]+: success: 127\.0\.0\.1_accepted_message\./Remote_host_said:_250_2\.0\.0_Ok:_queued_as_' 30
ok $? "qmail-send logs the remote success"
like "$(grep '^starting delivery' "$QUEUE_LOG" | tail -1)" "to remote w@sink.example" "a remote delivery"
sink_wait 4
ok $? "it reaches the sink"
like "$(sink_last)" "through the queue" "with its body"

printf 'Subject: refused\n\nx\n' | queue_inject "$SANDBOX_USER@$SANDBOX_DOMAIN" nobody@sink.example
queue_wait 'delivery [0-9]+: failure: 127\.0\.0\.1_does_not_like_recipient\./Remote_host_said:_554_5\.7\.1_<nobody@sink\.example>:_Recipient_address_rejected:_no_such_user/Giving_up_on_127\.0\.0\.1\./' 30
ok $? "a refused recipient: permanent failure with the folded report"
queue_wait '^bounce msg ' 20
ok $? "and a bounce"
queue_stop
net_postfix_stop
ok $([ -z "$(ss -Hltn 2>/dev/null | awk -v p=":$PF_PORT" 'index($4, p)')" ] && echo 0 || echo 1) "postfix is gone"
done_testing
