#!/bin/sh
# qmail-smtpd driven over a pipe with the TCP* variables set (as tcpserver
# would): replies byte for byte, the stored message and todo envelope, the
# control files, and every kind of bad input.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/net/lib.sh"

sandbox_create
C=$QMAILHOME/control
D=$SANDBOX_DOMAIN
T=$SANDBOX/t
mkdir -p "$T"

# sess FORMAT [VAR=VALUE]...: the session's input is printf FORMAT; prints
# the replies (masked), keeps the exit code in $T/rc
sess() {
    _fmt=$1
    shift
    printf "$_fmt" >"$T/in"
    net_smtpd "$@" <"$T/in" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
    net_mask <"$T/out"
}
crlf() { printf "$1" | sed 's/$/\r/'; }   # expected replies: each line + CR

G="220 $D ESMTP"

# --- Appendix B: a whole session ------------------------------------------------
net_queue_clear
got=$(sess 'EHLO client.example\r\nMAIL FROM:<s@client.example> SIZE=100\r\nRCPT TO:<u@sandbox.example>\r\nRCPT TO:<x@other.example>\r\nRCPT TO:<@route:y@sandbox.example>\r\nVRFY x\r\nFOO\r\nDATA\r\nSubject: s\r\n\r\n..dotted\r\nbody\r\n.\r\nQUIT\r\n')
exp=$(crlf "$G
250-$D
250-PIPELINING
250 8BITMIME
250 ok
250 ok
553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)
250 ok
252 send some mail, i'll try my best
502 unimplemented (#5.5.1)
354 go ahead
250 ok T qp P
221 $D")
is "$got" "$exp" "a whole session, byte for byte"
is "$(cat "$T/rc")" 0 "QUIT exits 0"
qp=$(sed -n 's/^250 ok [0-9]* qp \([0-9]*\)\r$/\1/p' "$T/out")
mess=$(net_mess | sed -e '1s/^Received: (qmail [0-9]* invoked by uid [0-9]*); .*/Received: (qmail Q); DATE/' \
    -e 's/with SMTP; .*/with SMTP; DATE/')
is "$mess" "Received: (qmail Q); DATE
Received: from client.example (192.0.2.7)
  by $D with SMTP; DATE
Subject: s

.dotted
body" "stored message: Received line, CRLF made LF, dot unstuffed"
like "$(net_mess | sed -n 3p)" '^  by sandbox.example with SMTP; [0-9]{1,2} [A-Z][a-z][a-z] [0-9]{4} [0-9][0-9]:[0-9][0-9]:[0-9][0-9] -0000$' "Received date format"
is "$(net_todo | tr '\0' '|')" "u$SANDBOX_UID|p$qp|Fs@client.example|Tu@$D|Ty@$D|" "todo envelope (source route dropped, qp = queue pid)"

# --- the simple commands ---------------------------------------------------------------
got=$(sess 'HELO x\r\nRSET\r\nNOOP\r\nHELP\r\nVRFY\r\nnoop with args\r\nQuit\r\n')
is "$got" "$(crlf "$G
250 $D
250 flushed
250 ok
214 qmail home page: http://pobox.com/~djb/qmail.html
252 send some mail, i'll try my best
250 ok
221 $D")" "HELO RSET NOOP HELP VRFY, verbs in any case"

got=$(sess 'RCPT TO:<u@sandbox.example>\r\nDATA\r\nMAIL FROM:<a@b>\r\nDATA\r\nRCPT TO:<u@sandbox.example>\r\nRSET\r\nRCPT TO:<u@sandbox.example>\r\nQUIT\r\n')
is "$got" "$(crlf "$G
503 MAIL first (#5.5.1)
503 MAIL first (#5.5.1)
250 ok
503 RCPT first (#5.5.1)
250 ok
250 flushed
503 MAIL first (#5.5.1)
221 $D")" "command order: MAIL first, RCPT first, RSET forgets MAIL"

net_queue_clear
got=$(sess 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nDATA\r\nRCPT TO:<u@sandbox.example>\r\nMAIL FROM:<c@d>\r\nMAIL FROM:<e@f>\r\nRCPT TO:<v@sandbox.example>\r\nDATA\r\n\r\ny\r\n.\r\nQUIT\r\n')
is "$got" "$(crlf "$G
250 ok
250 ok
354 go ahead
250 ok T qp P
503 MAIL first (#5.5.1)
503 MAIL first (#5.5.1)
250 ok
250 ok
250 ok
354 go ahead
250 ok T qp P
221 $D")" "after DATA a new MAIL is needed; a second MAIL drops the recipients"
is "$(net_queued)" 2 "two messages queued"
is "$(for f in $(find "$QMAILHOME/queue/todo" -type f); do tr '\0' '|' <"$f" | sed 's/^u[0-9]*|p[0-9]*|//'; echo; done | sort)" \
   "Fa@b|Tu@$D|
Fe@f|Tv@$D|" "each envelope as accepted"

got=$(sess 'EHLO\r\nMAIL FROM:a@b\r\nRCPT TO: u@sandbox.example\r\nMAIL FROM:<>\r\nQUIT\r\n')
is "$got" "$(crlf "$G
250-$D
250-PIPELINING
250 8BITMIME
250 ok
250 ok
250 ok
221 $D")" "paths without brackets, the null path"

# --- greeting, controls ----------------------------------------------------------------------
echo "custom greeting text" >"$C/smtpgreeting"
got=$(sess 'HELO x\r\nQUIT\r\n')
is "$got" "$(crlf "220 custom greeting text ESMTP
250 custom greeting text
221 custom greeting text")" "smtpgreeting"
rm -f "$C/smtpgreeting"
mv "$C/me" "$C/me.off"
got=$(sess 'QUIT\r\n')
is "$got" "$(crlf "421 unable to read controls (#4.3.0)")" "no smtpgreeting and no me: 421"
is "$(cat "$T/rc")" 1 "exit 1"
mv "$C/me.off" "$C/me"

# rcpthosts with a .suffix line; morercpthosts.cdb
printf '%s\n' "$D" ".wild.example" "# a comment" "" >"$C/rcpthosts"
printf '%s\n' "more.example" ".sub.example" >"$C/morercpthosts"
(cd "$QMAILHOME" && qmail-newmrh)
ok $? "qmail-newmrh"
got=$(sess 'MAIL FROM:<a@b>\r\nRCPT TO:<a@b.wild.example>\r\nRCPT TO:<a@wild.example>\r\nRCPT TO:<a@more.example>\r\nRCPT TO:<a@MORE.Example>\r\nRCPT TO:<a@x.sub.example>\r\nRCPT TO:<a@sub.example>\r\nRCPT TO:<a@notmore.example>\r\nRCPT TO:<nodomain>\r\nRCPT TO:<a@SANDBOX.EXAMPLE>\r\nQUIT\r\n')
N="553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"
is "$got" "$(crlf "$G
250 ok
250 ok
$N
250 ok
250 ok
250 ok
$N
$N
250 ok
250 ok
221 $D")" "rcpthosts (.suffix) and morercpthosts.cdb (exact, .suffix, any case); no @ is allowed"
rm -f "$C/rcpthosts"
got=$(sess 'MAIL FROM:<a@b>\r\nRCPT TO:<a@anywhere.example>\r\nQUIT\r\n')
is "$got" "$(crlf "$G
250 ok
250 ok
221 $D")" "no rcpthosts: every recipient is allowed"
printf '%s\n' "$D" >"$C/rcpthosts"

# RELAYCLIENT
net_queue_clear
got=$(sess 'MAIL FROM:<a@b>\r\nRCPT TO:<a@other.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' RELAYCLIENT=)
is "$got" "$(crlf "$G
250 ok
250 ok
354 go ahead
250 ok T qp P
221 $D")" "RELAYCLIENT set: any domain"
net_queue_clear
sess 'MAIL FROM:<a@b>\r\nRCPT TO:<a@other.example>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' RELAYCLIENT=.relayed >/dev/null
is "$(net_todo | tr '\0' '|' | sed 's/^u[0-9]*|p[0-9]*|//')" "Fa@b|Ta@other.example.relayed|Tu@$D.relayed|" "RELAYCLIENT's value is appended to each recipient"

# badmailfrom
printf '%s\n' "bad@evil.example" "@spam.example" >"$C/badmailfrom"
B="553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)"
got=$(sess 'MAIL FROM:<bad@evil.example>\r\nRCPT TO:<u@sandbox.example>\r\nMAIL FROM:<BAD@EVIL.example>\r\nRCPT TO:<u@sandbox.example>\r\nMAIL FROM:<x@Spam.Example>\r\nRCPT TO:<u@sandbox.example>\r\nMAIL FROM:<good@evil.example>\r\nRCPT TO:<u@sandbox.example>\r\nMAIL FROM:<x@notspam.example>\r\nRCPT TO:<u@sandbox.example>\r\nQUIT\r\n')
is "$got" "$(crlf "$G
250 ok
$B
250 ok
$B
250 ok
$B
250 ok
250 ok
250 ok
250 ok
221 $D")" "badmailfrom: addresses and @domain, any case; refused at RCPT"
rm -f "$C/badmailfrom"

# localiphost and [ip] literals of this host
echo "lip.example" >"$C/localiphost"
printf '%s\n' "$D" "lip.example" >"$C/rcpthosts"
net_queue_clear
got=$(sess 'MAIL FROM:<a@[127.0.0.1]>\r\nRCPT TO:<u@[127.0.0.1]>\r\nRCPT TO:<u@[192.0.2.99]>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n')
is "$got" "$(crlf "$G
250 ok
250 ok
$N
354 go ahead
250 ok T qp P
221 $D")" "[own ip] becomes localiphost, a foreign literal does not"
is "$(net_todo | tr '\0' '|' | sed 's/^u[0-9]*|p[0-9]*|//')" "Fa@lip.example|Tu@lip.example|" "literal replaced in sender and recipient"
rm -f "$C/localiphost"
net_queue_clear
sess 'MAIL FROM:<a@b>\r\nRCPT TO:<u@[127.0.0.1]>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' >/dev/null
is "$(net_todo | tr '\0' '|' | sed 's/^u[0-9]*|p[0-9]*|//')" "Fa@b|Tu@$D|" "localiphost defaults to me"
printf '%s\n' "$D" >"$C/rcpthosts"

# --- databytes and SIZE -------------------------------------------------------------------------
echo 100 >"$C/databytes"
got=$(sess 'EHLO x\r\nQUIT\r\n')
is "$got" "$(crlf "$G
250-$D
250-PIPELINING
250-8BITMIME
250 SIZE 100
221 $D")" "EHLO offers SIZE when databytes is set"
net_queue_clear
# 100 bytes stored: 98 x + "\n" + "\n" ... the message "\n" + 98 x + "\n" = 100
x98=$(printf '%098d' 0)
got=$(sess "MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\n$x98\r\n.\r\nQUIT\r\n")
is "$got" "$(crlf "$G
250 ok
250 ok
354 go ahead
250 ok T qp P
221 $D")" "a message of exactly databytes bytes is accepted"
net_queue_clear
x99=$(printf '%099d' 0)
got=$(sess "MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\n$x99\r\n.\r\nNOOP\r\nQUIT\r\n")
is "$got" "$(crlf "$G
250 ok
250 ok
354 go ahead
552 sorry, that message size exceeds my databytes limit (#5.3.4)
250 ok
221 $D")" "one byte more: 552 after the data, the session goes on"
is "$(net_queued)" 0 "nothing queued"
got=$(sess 'MAIL FROM:<a@b> SIZE=101\r\nMAIL FROM:<a@b> size=100 BODY=8BITMIME\r\nMAIL FROM:<a@b> SIZE=99999999999999999999999\r\nMAIL FROM:<a@b> SIZE=junk\r\nQUIT\r\n')
is "$got" "$(crlf "$G
552 sorry, that message size exceeds my databytes limit (#5.3.4)
250 ok
552 sorry, that message size exceeds my databytes limit (#5.3.4)
250 ok
221 $D")" "MAIL with SIZE over databytes is refused at once (junk is ignored)"
got=$(sess "MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\n$x99\r\n.\r\nQUIT\r\n" DATABYTES=0)
is "$got" "$(crlf "$G
250 ok
250 ok
354 go ahead
250 ok T qp P
221 $D")" "DATABYTES=0 overrides control/databytes"
got=$(sess "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\n$x98\r\n.\r\nQUIT\r\n" DATABYTES=50)
is "$got" "$(crlf "$G
250-$D
250-PIPELINING
250-8BITMIME
250 SIZE 50
250 ok
250 ok
354 go ahead
552 sorry, that message size exceeds my databytes limit (#5.3.4)
221 $D")" "DATABYTES=50 overrides control/databytes"
rm -f "$C/databytes"
net_queue_clear

# --- the Received line -------------------------------------------------------------------------
rcvd() { net_mess | sed -n '2,3p' | sed 's/with SMTP; .*/with SMTP; DATE/'; net_queue_clear; }
sess 'HELO client.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' >/dev/null
is "$(rcvd)" "Received: from client.example (192.0.2.7)
  by $D with SMTP; DATE" "HELO equal to the remote host is not shown"
sess 'HELO CLIENT.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' >/dev/null
is "$(rcvd)" "Received: from client.example (192.0.2.7)
  by $D with SMTP; DATE" "... compared ignoring case"
sess 'EHLO other.name\r\nMAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' TCPREMOTEINFO=joe >/dev/null
is "$(rcvd)" "Received: from client.example (HELO other.name) (joe@192.0.2.7)
  by $D with SMTP; DATE" "HELO name and TCPREMOTEINFO"
sess 'HELO we(ird) <na\001me>;[1.2.3.4]\r\nMAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' >/dev/null
is "$(rcvd)" "Received: from client.example (HELO we?ird???na?me??[1.2.3.4]) (192.0.2.7)
  by $D with SMTP; DATE" "unsafe characters become ?"
printf 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' |
    env -u TCPREMOTEIP -u TCPREMOTEHOST -u TCPLOCALHOST -u TCPLOCALIP -u TCPREMOTEINFO qmail-smtpd >/dev/null
is "$(rcvd)" "Received: from unknown (unknown)
  by unknown with SMTP; DATE" "no TCP variables: unknown"
printf 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n' |
    env -u TCPREMOTEHOST -u TCPLOCALHOST -u TCPREMOTEINFO TCPREMOTEIP=10.1.2.3 TCPLOCALIP=10.9.9.9 qmail-smtpd >/dev/null
is "$(rcvd)" "Received: from unknown (10.1.2.3)
  by 10.9.9.9 with SMTP; DATE" "TCPLOCALIP when TCPLOCALHOST is unset"

# --- the body --------------------------------------------------------------------------------------
body() { net_mess | sed '1,3d'; net_queue_clear; }
sess 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\nA: b\r\n\r\n..two\r\n...three\r\n.\rX\r\nbare\rcr\r\ncrcr\r\r\nend\r\n.\r\nQUIT\r\n' >/dev/null
got=$(body | od -An -c | tr -s ' ' | tr -d '\n')
exp=$(printf 'A: b\n\n.two\n..three\n.\rX\nbare\rcr\ncrcr\r\nend\n' | od -An -c | tr -s ' ' | tr -d '\n')
is "$got" "$exp" "body: dots unstuffed, CR before LF dropped, other CRs kept"
sess 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n.\r\nQUIT\r\n' >/dev/null
is "$(net_mess | wc -l | tr -d ' ')" 3 "an empty message: just the Received lines"
net_queue_clear
sess 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\nnul\000in\000body\r\n.\r\nQUIT\r\n' >/dev/null
is "$(body | od -An -c | tr -s ' ' | tr -d '\n')" "$(printf 'nul\000in\000body\n' | od -An -c | tr -s ' ' | tr -d '\n')" "NUL bytes in the body are kept"

# --- hop counting ---------------------------------------------------------------------------------
hops() { # N header: N "Received:" lines
    _i=0; _h=
    while [ $_i -lt "$1" ]; do _h="${_h}$2: x\\r\\n"; _i=$((_i + 1)); done
    printf '%s' "$_h"
}
H99=$(hops 99 Received)
got=$(sess "MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n${H99}\r\nbody\r\n.\r\nQUIT\r\n")
like "$got" "250 ok T qp P" "99 Received lines: accepted"
net_queue_clear
H50=$(hops 50 ReCeIvEd)
H50d=$(hops 50 Delivered-To)
got=$(sess "MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n${H50}${H50d}\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n")
is "$got" "$(crlf "$G
250 ok
250 ok
354 go ahead
554 too many hops, this message is looping (#5.4.6)
250 ok
221 $D")" "100 Received/Delivered lines (any case): 554"
is "$(net_queued)" 0 "looping message not queued"
got=$(sess "MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\nSubject: x\r\n\r\n${H50}${H50d}.\r\nQUIT\r\n")
like "$got" "250 ok T qp P" "such lines in the body do not count"
net_queue_clear

# --- bare LF -------------------------------------------------------------------------------------
got=$(sess 'HELO x\nMAIL FROM:<a@b>\nRCPT TO:<u@sandbox.example>\nDATA\nSubject: x\n\nbody\n.\nQUIT\n')
is "$got" "$(crlf "$G
250 $D
250 ok
250 ok
354 go ahead
451 See https://cr.yp.to/docs/smtplf.html.")" "bare LF in the data: 451 and the connection is closed"
is "$(cat "$T/rc")" 1 "exit 1"
is "$(net_queued)" 0 "nothing queued"
got=$(sess 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\nSubject: x\r\n\r\nsmuggled\n.\r\nMAIL FROM:<evil@x>\r\n.\r\nQUIT\r\n')
like "$got" "354 go ahead[^0-9]*451 See https://cr.yp.to/docs/smtplf.html." "smuggling attempt (LF.CRLF) is refused"
unlike "$got" "250 ok T" "... and nothing after it is read"
is "$(net_queued)" 0 "nothing queued from the smuggling attempt"

# --- NUL bytes, long lines, huge addresses -------------------------------------------------------------
got=$(sess 'NO\000OP\r\nMAIL FROM:<a\000b@x>\r\nMAIL FROM:<a@b>\r\nRCPT TO:<u\000@sandbox.example>\r\nRCPT TO:<u\r@sandbox.example>\r\nQUIT\r\n')
is "$got" "$(crlf "$G
502 unimplemented (#5.5.1)
555 syntax error (#5.5.4)
250 ok
555 syntax error (#5.5.4)
555 syntax error (#5.5.4)
221 $D")" "NUL and CR in commands and addresses"
long=$(printf '%05000d' 0)
got=$(sess "NOOP $long\r\nMAIL FROM:<$long@x>\r\nNOOP\r\nQUIT\r\n")
is "$got" "$(crlf "$G
500 line too long (#5.5.2)
500 line too long (#5.5.2)
250 ok
221 $D")" "command lines longer than 4096 bytes are refused, the session goes on"
a899=$(printf '%0897d' 0)
a900=$(printf '%0898d' 0)
got=$(sess "MAIL FROM:<$a900@x>\r\nMAIL FROM:<$a899@x>\r\nRCPT TO:<$a900@sandbox.example>\r\nNOOP $(printf '%01500d' 0)\r\nQUIT\r\n")
is "$got" "$(crlf "$G
555 syntax error (#5.5.4)
250 ok
555 syntax error (#5.5.4)
250 ok
221 $D")" "addresses of 900 bytes or more: 555 (lines over 1000 bytes are fine)"
huge=$(printf '%0100000d' 0)
got=$(sess "MAIL FROM:<$huge>\r\nMAIL FROM:<>\r\nQUIT\r\n")
is "$got" "$(crlf "$G
500 line too long (#5.5.2)
250 ok
221 $D")" "MAIL FROM with a 100 kB address"

# --- pipelining, 1000 recipients, garbage ------------------------------------------------------------
i=0; rcpts=
while [ $i -lt 1000 ]; do rcpts="${rcpts}RCPT TO:<u$i@sandbox.example>\\r\\n"; i=$((i + 1)); done
net_queue_clear
sess "EHLO x\r\nMAIL FROM:<a@b>\r\n${rcpts}DATA\r\n\r\nx\r\n.\r\nQUIT\r\n" >"$T/many"
is "$(grep -c '^250 ok' "$T/many")" 1002 "1000 pipelined RCPTs: 1000 + MAIL + message"
is "$(net_todo | tr '\0' '\n' | grep -c '^T')" 1000 "1000 recipients in the envelope"
net_queue_clear
got=$(sess 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\n\001\002\003garbage\377\r\n\r\n   \r\nRCPT TO:<v@sandbox.example>\r\nDATA\r\n\r\nx\r\n.\r\nQUIT\r\n')
is "$got" "$(crlf "$G
250 ok
250 ok
502 unimplemented (#5.5.1)
502 unimplemented (#5.5.1)
502 unimplemented (#5.5.1)
250 ok
354 go ahead
250 ok T qp P
221 $D")" "pipelined garbage between commands"
net_queue_clear

# --- stalls and disconnects --------------------------------------------------------------------------
echo 1 >"$C/timeoutsmtpd"
start=$(date +%s)
(printf 'HELO x\r\nMAIL FROM:<a@b>\r\n'; sleep 5) | net_smtpd >"$T/out" 2>/dev/null
rc=$?
end=$(date +%s)
is "$(net_mask <"$T/out")" "$(crlf "$G
250 $D
250 ok
451 timeout (#4.4.2)")" "a stalled client gets 451 timeout"
ok $([ $((end - start)) -lt 30 ] && echo 0 || echo 1) "and the session ends"
(printf 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\nSubject: x\r\n\r\npart'; sleep 5) | net_smtpd >"$T/out" 2>/dev/null
is "$(net_mask <"$T/out")" "$(crlf "$G
250 ok
250 ok
354 go ahead
451 timeout (#4.4.2)")" "a client stalling in DATA gets 451 timeout"
is "$(net_queued)" 0 "nothing queued after a timeout in DATA"
rm -f "$C/timeoutsmtpd"
printf 'MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\nSubject: x\r\n\r\npartial body' | net_smtpd >"$T/out" 2>/dev/null
rc=$?
is "$rc" 1 "disconnect in DATA: exit 1"
sleep 0.2
is "$(net_queued)" 0 "disconnect in DATA: nothing queued"
printf 'HELO x\r\n' | net_smtpd >/dev/null 2>&1
is "$?" 1 "end of input without QUIT: exit 1"

# --- QMAILQUEUE ------------------------------------------------------------------------------------
cat >"$T/qq-log" <<EOF
#!/bin/sh
cat >"$T/qq.msg"
cat <&1 >"$T/qq.env"
exit 0
EOF
printf '#!/bin/sh\ncat >/dev/null; exit 31\n' >"$T/qq-31"
printf '#!/bin/sh\ncat >/dev/null; exit 71\n' >"$T/qq-71"
printf '#!/bin/sh\ncat >/dev/null; printf "Dno thanks\\nreally" >&6; exit 82\n' >"$T/qq-82"
chmod +x "$T"/qq-*
M='MAIL FROM:<a@b>\r\nRCPT TO:<u@sandbox.example>\r\nDATA\r\n\r\nhi\r\n.\r\nQUIT\r\n'
got=$(sess "$M" QMAILQUEUE="$T/qq-log")
like "$got" "250 ok T qp P" "QMAILQUEUE is run"
is "$(tr '\0' '|' <"$T/qq.env")" "Fa@b|Tu@$D||" "... and gets the envelope"
is "$(sed -n '$p' "$T/qq.msg")" "hi" "... and the message"
is "$(net_queued)" 0 "qmail-queue itself was not run"
is "$(sess "$M" QMAILQUEUE="$T/qq-31" | sed -n 5p)" "$(crlf "554 mail server permanently rejected message (#5.3.0)")" "queue exit 31: 554"
is "$(sess "$M" QMAILQUEUE="$T/qq-71" | sed -n 5p)" "$(crlf "451 mail server temporarily rejected message (#4.3.0)")" "queue exit 71: 451"
is "$(sess "$M" QMAILQUEUE="$T/qq-82" | sed -n 5p)" "$(crlf "554 no thanks really")" "queue exit 82: its own text, on one line"
is "$(sess "$M" QMAILQUEUE="$T/none" | sed -n 5p)" "$(crlf "451 unable to exec qq (#4.3.0)")" "queue program missing: 451"

done_testing
