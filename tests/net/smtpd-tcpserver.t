#!/bin/sh
# qmail-smtpd under tcpserver (Debian's ucspi-tcp) on loopback, talked to by
# swaks: tcprules CDBs setting RELAYCLIENT, PIPELINING, and a message
# delivered through the running queue into the Maildir.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
. "$SUITE_SRC/tests/net/lib.sh"

command -v tcpserver >/dev/null && command -v tcprules >/dev/null || skip_all "ucspi-tcp is not installed"
command -v swaks >/dev/null || skip_all "swaks is not installed"

sandbox_create
D=$SANDBOX_DOMAIN
U=$SANDBOX_USER
T=$SANDBOX/t
mkdir -p "$T"
(cd "$QMAILHOME" && qmail-newu)

# two rule sets: loopback may relay, or not
printf '127.0.0.1:allow,RELAYCLIENT=""\n:deny\n' | tcprules "$T/relay.cdb" "$T/relay.tmp"
ok $? "tcprules: relay rules"
printf '127.0.0.1:allow\n:deny\n' | tcprules "$T/norelay.cdb" "$T/norelay.tmp"
ok $? "tcprules: no-relay rules"
printf '127.0.0.1:deny\n' | tcprules "$T/deny.cdb" "$T/deny.tmp"

net_tcpserver -R -H -l "$D" -x "$T/relay.cdb" -- qmail-smtpd
ok $? "tcpserver with relay rules listens (port $NET_PORT)"
RELAY=$NET_PORT
net_tcpserver -R -H -l "$D" -x "$T/norelay.cdb" -- qmail-smtpd
NORELAY=$NET_PORT
net_tcpserver -R -H -l "$D" -x "$T/deny.cdb" -- qmail-smtpd
DENY=$NET_PORT

sw() { # port swaks-args...
    _p=$1
    shift
    swaks --server 127.0.0.1 --port "$_p" --helo client.example --from sender@client.example \
        --timeout 30 --no-hints "$@" >"$T/swaks.out" 2>&1
}

queue_start

# --- a message to the local user, pipelined, delivered into the Maildir -----------
sw "$RELAY" --to "$U@$D" --pipeline --header "Subject: via swaks" --body "hello from swaks"
ok $? "swaks with PIPELINING: accepted"
like "$(cat "$T/swaks.out")" '250-PIPELINING' "EHLO offers PIPELINING"
like "$(cat "$T/swaks.out")" '250 8BITMIME' "EHLO offers 8BITMIME"
like "$(cat "$T/swaks.out")" "250 ok [0-9]+ qp [0-9]+" "the message is queued"
queue_wait 'delivery [0-9]+: success' 30
ok $? "qmail-send delivers it"
f=$(ls "$SANDBOX_MAILDIR/new" | head -1)
ok $([ -n "$f" ] && echo 0 || echo 1) "a file in Maildir/new"
msg=$(cat "$SANDBOX_MAILDIR/new/$f" 2>/dev/null)
like "$msg" "Received: from unknown \\(HELO client.example\\) \\(127.0.0.1\\)
  by $D with SMTP; " "the Received line names the client"
like "$msg" "Subject: via swaks" "the header arrived"
like "$msg" "hello from swaks" "the body arrived"
like "$msg" "^Return-Path: <sender@client.example>" "Return-Path"

# --- RELAYCLIENT from the rules --------------------------------------------------------
sw "$RELAY" --to someone@elsewhere.example --quit-after RCPT
ok $? "relay rules: a foreign recipient is accepted"
sw "$NORELAY" --to someone@elsewhere.example --quit-after RCPT
isnt $? 0 "no-relay rules: a foreign recipient is refused"
like "$(cat "$T/swaks.out")" "553 sorry, that domain isn't in my list of allowed rcpthosts" "with qmail's text"
sw "$NORELAY" --to "$U@$D" --quit-after RCPT
ok $? "no-relay rules: a local recipient is accepted"
sw "$DENY" --to "$U@$D" --quit-after RCPT
isnt $? 0 "deny rules: tcpserver drops the connection"

# --- several messages in one pipelined session --------------------------------------
before=$(queue_count 'delivery [0-9]+: success')
sw "$RELAY" --to "$U@$D,$U@$D" --pipeline --body "two recipients"
ok $? "two recipients in one transaction"
queue_wait "^end msg .*" 20 >/dev/null
n=0
while [ "$(queue_count 'delivery [0-9]+: success')" -lt $((before + 2)) ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
is "$(queue_count 'delivery [0-9]+: success')" "$((before + 2))" "both deliveries done"

# --- a message over DATABYTES set per client by the rules --------------------------------
printf '127.0.0.1:allow,DATABYTES="200"\n' | tcprules "$T/small.cdb" "$T/small.tmp"
net_tcpserver -R -H -l "$D" -x "$T/small.cdb" -- qmail-smtpd
sw "$NET_PORT" --to "$U@$D" --body "$(printf '%0400d' 0)"
isnt $? 0 "a message over DATABYTES is refused"
like "$(cat "$T/swaks.out")" "552 sorry, that message size exceeds my databytes limit" "552"
like "$(cat "$T/swaks.out")" "250 SIZE 200" "EHLO offers SIZE 200"

queue_stop
done_testing
