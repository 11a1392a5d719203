#!/bin/sh
# qmail-remote on loopback: delivering to our own qmail-smtpd (another qmail
# home, under tcpserver), routing through smtproutes, the dialogue and the
# bytes on the wire against a scripted server (tests/helpers/smtpfake.pl),
# the r/h/s and K/Z/D reports, every failure stage, timeouts, and the
# tcpto table with qmail-tcpto and qmail-tcpok.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
. "$SUITE_SRC/tests/net/lib.sh"

command -v tcpserver >/dev/null || skip_all "ucspi-tcp is not installed"

sandbox_create
C=$QMAILHOME/control
T=$SANDBOX/t
mkdir -p "$T"
R=$SANDBOX/recv
net_home "$R" recv.example
ok $? "a receiving qmail home"

mask() { sed 's/250 ok [0-9]* qp [0-9]*/250 ok T qp P/g'; }
rmess() { for f in $(find "$R/queue/mess" -type f); do sed '1,3d' "$f"; done; }
rtodo() { for f in $(find "$R/queue/todo" -type f); do tr '\0' '|' <"$f" | sed 's/^u[0-9]*|p[0-9]*|//'; done; }
rclear() { find "$R/queue/mess" "$R/queue/todo" -type f -exec rm -f {} +; }
wire() { net_wait_gone "$FAKE_PID" 40; perl -pe 's/\r/\\r/g' "$FAKE_LOG"; }

net_tcpserver -R -H -l recv.example -- env QMAILHOME="$R" qmail-smtpd
ok $? "qmail-smtpd of the receiving home listens"
P=$NET_PORT

# --- usage -----------------------------------------------------------------------------
is "$(net_remote onlyhost sender </dev/null)" 'DI (qmail-remote) was invoked improperly. (#5.3.5)
\0' "too few arguments: D report"
qmail-remote a b </dev/null >/dev/null
is $? 0 "... and exit 0"

# --- to our own qmail-smtpd ---------------------------------------------------------------
printf 'recv.example:127.0.0.1:%s\n' "$P" >"$C/smtproutes"
printf 'Subject: one\n\n.leading dot\nbody\n' >"$T/m1"
got=$(net_remote recv.example 's p@sandbox.example' u@recv.example <"$T/m1" | mask)
is "$got" 'r\0K127.0.0.1 accepted message.
Remote host said: 250 ok T qp P
\0' "delivered: r then K"
is "$(rmess)" 'Subject: one

.leading dot
body' "the message arrived unchanged"
is "$(rtodo)" 'Fs p@sandbox.example|Tu@recv.example|' "the envelope: a quoted local part is unquoted again"
like "$(for f in $(find "$R/queue/mess" -type f); do sed -n 2,3p "$f"; done)" \
    "Received: from unknown \\(HELO sandbox.example\\) \\(127.0.0.1\\)" "EHLO name is control/me"
rclear

got=$(net_remote recv.example s@x u@recv.example v@other.example w@recv.example <"$T/m1" | mask)
is "$got" 'r\0h127.0.0.1 does not like recipient.
Remote host said: 553 sorry, that domain isn'"'"'t in my list of allowed rcpthosts (#5.7.1)
\0r\0K127.0.0.1 accepted message.
Remote host said: 250 ok T qp P
\0' "one of three recipients refused: r h r K"
is "$(rtodo)" 'Fs@x|Tu@recv.example|Tw@recv.example|' "two recipients delivered"
rclear

echo "helo.sandbox.example" >"$C/helohost"
net_remote recv.example s@x u@recv.example <"$T/m1" >/dev/null
like "$(for f in $(find "$R/queue/mess" -type f); do sed -n 2p "$f"; done)" "HELO helo.sandbox.example" "control/helohost"
rm -f "$C/helohost"
rclear

# --- smtproutes --------------------------------------------------------------------------
printf 'recv.example:127.0.0.1:%s\n.wild.example:127.0.0.1:%s\n' "$P" "$P" >"$C/smtproutes"
printf '%s\n' recv.example a.wild.example b.c.wild.example >"$R/control/rcpthosts"
got=$(net_remote a.wild.example s@x u@a.wild.example <"$T/m1" | mask)
is "$got" 'r\0K127.0.0.1 accepted message.
Remote host said: 250 ok T qp P
\0' ".suffix route"
got=$(net_remote b.c.wild.example s@x u@b.c.wild.example <"$T/m1" | mask)
like "$got" "^r.0K127.0.0.1" ".suffix route, two levels down"
printf 'recv.example:127.0.0.1:%s\n:[127.0.0.1]:%s\n' "$P" "$P" >"$C/smtproutes"
printf '%s\n' recv.example any.example >"$R/control/rcpthosts"
got=$(net_remote any.example s@x u@any.example <"$T/m1" | mask)
like "$got" "^r.0K127.0.0.1" "the empty key routes everything else (relay as a bracketed literal)"
printf 'RECV.Example:127.0.0.1:%s\n' "$P" >"$C/smtproutes"
got=$(net_remote recv.example s@x u@recv.example <"$T/m1" | mask)
like "$got" "^r.0K127.0.0.1" "keys compare ignoring case"
printf 'recv.example:127.0.0.1:1\nrecv.example:127.0.0.1:%s\n' "$P" >"$C/smtproutes"
got=$(net_remote recv.example s@x u@recv.example <"$T/m1" | mask)
like "$got" "^r.0K127.0.0.1" "the last line of a key wins"
rclear

# an empty relay: the host itself (here an address literal), with ":port"
NET_BIND=127.0.0.2 net_tcpserver -R -H -l recv.example -- env QMAILHOME="$R" qmail-smtpd
P2=$NET_PORT
printf '[127.0.0.2]::%s\n127.0.0.2::%s\n[127.0.0.1]::%s\n' "$P2" "$P2" "$P" >"$C/smtproutes"
printf '%s\n' recv.example '[127.0.0.2]' 127.0.0.2 >"$R/control/rcpthosts"
got=$(net_remote '[127.0.0.2]' s@x 'u@[127.0.0.2]' <"$T/m1" | mask)
is "$got" 'r\0K127.0.0.2 accepted message.
Remote host said: 250 ok T qp P
\0' "bracketed literal host, empty relay with a port"
got=$(net_remote 127.0.0.2 s@x u@127.0.0.2 <"$T/m1" | mask)
like "$got" "^r.0K127.0.0.2" "bare address host"
got=$(net_remote '[127.0.0.1]' s@x 'u@[127.0.0.1]' <"$T/m1")
is "$got" "DSorry. Although I'm listed as a best-preference MX or A for that host,
it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)
\\0" "a literal of this host without a relay: never to myself"
rclear

# connection refused
FREE=$(net_free_port)
printf 'refused.example:127.0.0.1:%s\n' "$FREE" >"$C/smtproutes"
is "$(net_remote refused.example s@x u@refused.example <"$T/m1")" "ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)
\\0" "connection refused: Z"

# --- the bytes on the wire (scripted server) ----------------------------------------------------
std() { # the usual server side, final reply $1
    net_fake "say:220 fake.example ESMTP" read "say:250-fake.example\n250 PIPELINING" read "say:250 ok" \
        read "say:250 ok" read "say:354 go" data "say:${1:-250 accepted}" read "say:221 bye"
}
route_fake() { printf 'fake.example:127.0.0.1:%s\n' "$FAKE_PORT" >"$C/smtproutes"; }
HEAD='EHLO sandbox.example\r
MAIL FROM:<s@x>\r
RCPT TO:<u@fake.example>\r
DATA\r'
blastcase() { # printf-format input, expected data part (perl-escaped \r)
    std
    route_fake
    printf "$1" >"$T/b"
    got=$(net_remote fake.example s@x u@fake.example <"$T/b")
    is "$got" 'r\0K127.0.0.1 accepted message.
Remote host said: 250 accepted
\0' "$3: delivered"
    is "$(wire)" "$HEAD
$2QUIT\\r" "$3: bytes on the wire"
}
blastcase '' '.\r
' "empty message"
blastcase '.\n' '..\r
.\r
' "a lone dot"
blastcase 'cr\rlf\n' 'cr\r
lf\r
.\r
' "a bare CR"
blastcase '.\r\n' '..\r
.\r
' "CRLF input"
blastcase 'a\r.\n.x\nb\r\n.\r\nMAIL FROM:<evil@x>\n' 'a\r
..\r
..x\r
b\r
..\r
MAIL FROM:<evil@x>\r
.\r
' "no byte sequence ends the data early"
std
route_fake
printf 'Subject: x\n\nno newline at the end' >"$T/b"
is "$(net_remote fake.example s@x u@fake.example <"$T/b")" 'r\0DSMTP cannot transfer messages with partial final lines. (#5.6.2)
\0' "partial final line: D"
unlike "$(wire)" 'no newline at the end\\r' "... and the data was not ended"
std
route_fake
printf 'x\r' >"$T/b"
like "$(net_remote fake.example s@x u@fake.example <"$T/b")" 'partial final lines' "a message ending in CR: D"
wire >/dev/null

# quoting of addresses
std
route_fake
got=$(net_remote fake.example 'a b@x' 'u@fake.example' <"$T/m1")
like "$(wire)" 'MAIL FROM:<"a b"@x>' "a sender's local part is quoted when needed"
std
route_fake
net_remote fake.example '' 'u@fake.example' <"$T/m1" >/dev/null
like "$(wire)" 'MAIL FROM:<>\\r' "the null sender"

# --- failures at every stage ----------------------------------------------------------------------
stage() { # expected-report name step...
    _exp=$1
    _name=$2
    shift 2
    net_fake "$@"
    route_fake
    got=$(net_remote fake.example s@x u@fake.example <"$T/m1")
    is "$got" "$_exp" "$_name"
    wire >/dev/null
}
stage 'ZConnected to 127.0.0.1 but greeting failed.
Remote host said: 421 busy
\0' "greeting 421: Z" "say:421 busy" read
stage 'ZConnected to 127.0.0.1 but greeting failed.
Remote host said: 554 no
\0' "greeting 554: Z" "say:554 no" read
stage 'ZConnected to 127.0.0.1 but my name was rejected.
Remote host said: 550 bad helo
\0' "EHLO and HELO refused: Z with HELO's reply" "say:220 x" read "say:500 what" read "say:550 bad helo" read
stage 'DConnected to 127.0.0.1 but sender was rejected.
Remote host said: 553 sender refused
\0' "MAIL 553: D" "say:220 x" read "say:250 x" read "say:553 sender refused" read
stage 'ZConnected to 127.0.0.1 but sender was rejected.
Remote host said: 451 try later
\0' "MAIL 451: Z" "say:220 x" read "say:250 x" read "say:451 try later" read
stage 'h127.0.0.1 does not like recipient.
Remote host said: 550 no such user
\0DGiving up on 127.0.0.1.
\0' "RCPT 550: h, then D giving up" "say:220 x" read "say:250 x" read "say:250 ok" read "say:550 no such user" read
stage 's127.0.0.1 does not like recipient.
Remote host said: 450 mailbox busy
\0DGiving up on 127.0.0.1.
\0' "RCPT 450: s, then D giving up" "say:220 x" read "say:250 x" read "say:250 ok" read "say:450 mailbox busy" read
stage 'r\0D127.0.0.1 failed on DATA command.
Remote host said: 554 no data
\0' "DATA 554: D" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:554 no data" read
stage 'r\0Z127.0.0.1 failed on DATA command.
Remote host said: 451 later
\0' "DATA 451: Z" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:451 later" read
stage 'r\0D127.0.0.1 failed after I sent the message.
Remote host said: 552 too big
\0' "after the data 552: D" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data "say:552 too big" read
stage 'r\0Z127.0.0.1 failed after I sent the message.
Remote host said: 452 no room
\0' "after the data 452: Z" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data "say:452 no room" read
stage 'r\0K127.0.0.1 accepted message.
Remote host said: 250-first line
250 second line
\0' "multi-line replies are reported whole" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data "say:250-first line\n250 second line" read
stage 'r\0K127.0.0.1 accepted message.
Remote host said: 250 ok
\0' "EHLO refused, HELO accepted" "say:220 x" read "say:502 no ehlo" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data "say:250 ok" read
stage 'r\0K127.0.0.1 accepted message.
Remote host said: 250 with?nul
\0' "a NUL in a reply is reported as ?" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data 'raw:250 with\0nul\r\n' read

# dropped connections
stage 'ZConnected to 127.0.0.1 but connection died. (#4.4.2)
\0' "closed before the greeting" close
stage 'ZConnected to 127.0.0.1 but connection died. (#4.4.2)
\0' "closed after MAIL" "say:220 x" read "say:250 x" read close
stage 'r\0ZConnected to 127.0.0.1 but connection died. Possible duplicate! (#4.4.2)
\0' "closed after the data: possible duplicate" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data close
stage 'r\0K127.0.0.1 accepted message.
Remote host said: 250 bye now
\0' "closed right after accepting the message: still K" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data "say:250 bye now" close

# a server that never answers
echo 1 >"$C/timeoutremote"
start=$(date +%s)
stage 'ZConnected to 127.0.0.1 but connection died. (#4.4.2)
\0' "a server that never answers: timeoutremote" idle:60
ok $([ $(( $(date +%s) - start )) -lt 30 ] && echo 0 || echo 1) "... gives up after about a second"
stage 'r\0ZConnected to 127.0.0.1 but connection died. Possible duplicate! (#4.4.2)
\0' "a server silent after the data" "say:220 x" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data idle:60
rm -f "$C/timeoutremote"

# a 1 MB greeting
net_fake "big:1048576:220-" "say:220 ok" read "say:250 x" read "say:250 ok" read "say:250 ok" read "say:354 go" data "say:250 fine" read
route_fake
is "$(net_remote fake.example s@x u@fake.example <"$T/m1")" 'r\0K127.0.0.1 accepted message.
Remote host said: 250 fine
\0' "a 1 MB greeting line is read through"
wire >/dev/null
net_fake "big:1048576:421 " read
route_fake
got=$(net_remote fake.example s@x u@fake.example <"$T/m1")
is "$(printf '%s' "$got" | wc -c | tr -d ' ')" "$((5000 + 63 + 2))" "a 1 MB refusal: the report keeps 5000 bytes of it"
wire >/dev/null

# --- tcpto ---------------------------------------------------------------------------------
net_blackhole
printf 'hole.example:127.0.0.1:%s\n' "$HOLE_PORT" >"$C/smtproutes"
echo 1 >"$C/timeoutconnect"
is "$(net_remote hole.example s@x u@hole.example <"$T/m1")" "ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)
\\0" "connect timeout: Z"
like "$(qmail-tcpto)" '^127\.0\.0\.1 timed out [0-9]+ seconds ago; # recent timeouts: 1$' "qmail-tcpto shows the timeout"
qmail-tcpto >/dev/null
is $? 0 "qmail-tcpto exits 0"
qmail-tcpok
ok $? "qmail-tcpok"
is "$(qmail-tcpto)" "" "the table is empty again"
is "$(od -An -v -tx1 "$QMAILHOME/queue/lock/tcpto" | tr -d ' \n' | tr -d 0)" "" "1024 zero bytes"
is "$(wc -c <"$QMAILHOME/queue/lock/tcpto" | tr -d ' ')" 1024 "the file keeps its size"
net_stop "$HOLE_PID"
rm -f "$C/timeoutconnect"

# a host with two recent timeouts is skipped until qmail-tcpok
printf 'recv.example:127.0.0.1:%s\n' "$P" >"$C/smtproutes"
perl -MSocket -e 'my $r = pack("a4 C x3 V x4", inet_aton("127.0.0.1"), 2, time - 10);
    open(my $f, "+<", $ARGV[0]) or die; binmode $f; print $f $r; close $f' "$QMAILHOME/queue/lock/tcpto"
like "$(qmail-tcpto)" '^127\.0\.0\.1 timed out (9|1[0-9]|2[0-9]) seconds ago; # recent timeouts: 2$' "a record with two timeouts"
is "$(net_remote recv.example s@x u@recv.example <"$T/m1")" "ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)
\\0" "the host is skipped"
qmail-tcpok
like "$(net_remote recv.example s@x u@recv.example <"$T/m1")" "^r.0K127.0.0.1 accepted" "after qmail-tcpok it is tried again"
perl -MSocket -e 'my $r = pack("a4 C x3 V x4", inet_aton("127.0.0.1"), 5, time - 10);
    open(my $f, "+<", $ARGV[0]) or die; binmode $f; print $f $r; close $f' "$QMAILHOME/queue/lock/tcpto"
perl -MSocket -e 'my $r = pack("a4 C x3 V x4", inet_aton("127.0.0.1"), 5, time - 7000);
    open(my $f, "+<", $ARGV[0]) or die; binmode $f; print $f $r; close $f' "$QMAILHOME/queue/lock/tcpto"
like "$(net_remote recv.example s@x u@recv.example <"$T/m1")" "^r.0K127.0.0.1 accepted" "an old record does not stop a try"
is "$(qmail-tcpto)" "" "a successful connection clears the count"
rclear

# qmail-tcpto and qmail-tcpok without a table
mv "$QMAILHOME/queue/lock/tcpto" "$T/tcpto"
qmail-tcpok 2>"$T/err"
is $? 111 "qmail-tcpok without the table: exit 111"
like "$(cat "$T/err")" '^qmail-tcpok: fatal: unable to open .*/queue/lock/tcpto: ' "... with a message"
qmail-tcpto 2>"$T/err"
is $? 111 "qmail-tcpto without the table: exit 111"
like "$(net_remote recv.example s@x u@recv.example <"$T/m1")" "^r.0K127.0.0.1 accepted" "qmail-remote works without the table"
mv "$T/tcpto" "$QMAILHOME/queue/lock/tcpto"
rclear

# --- bad controls and home -----------------------------------------------------------------------
mv "$C/me" "$C/me.off"
is "$(net_remote recv.example s@x u@recv.example <"$T/m1")" 'ZUnable to read control files. (#4.3.0)
\0' "no helohost and no me: Z"
mv "$C/me.off" "$C/me"
is "$(QMAILHOME=$SANDBOX/nonexistent net_remote recv.example s@x u@recv.example <"$T/m1")" 'ZUnable to switch to home directory. (#4.3.0)
\0' "no home: Z"

# --- through the queue: qmail-send -> qmail-rspawn -> qmail-remote -> qmail-smtpd --------
printf 'recv.example:127.0.0.1:%s\nrefused.example:127.0.0.1:%s\n' "$P" "$P" >"$C/smtproutes"
printf '%s\n' recv.example >"$R/control/rcpthosts"
rclear
queue_start
printf 'Subject: queued\n\nvia the queue\n' | queue_inject "$SANDBOX_USER@$SANDBOX_DOMAIN" u@recv.example
queue_wait 'delivery [0-9]+: success: 127\.0\.0\.1_accepted_message\./Remote_host_said:_250_ok_[0-9]+_qp_[0-9]+/' 30
ok $? "qmail-send logs the remote delivery"
like "$(grep '^starting delivery' "$QUEUE_LOG" | tail -1)" "to remote u@recv.example" "on the remote channel"
like "$(rmess | sed -n 1p)" '^Received: \(qmail [0-9]+ invoked by uid [0-9]+\); ' "the sending queue's Received line"
is "$(rmess | sed 1d)" 'Subject: queued

via the queue' "the receiving home has the message"
is "$(rtodo)" "F$SANDBOX_USER@$SANDBOX_DOMAIN|Tu@recv.example|" "with its envelope"
printf 'Subject: refused\n\nx\n' | queue_inject "$SANDBOX_USER@$SANDBOX_DOMAIN" u@refused.example
queue_wait 'delivery [0-9]+: failure: 127\.0\.0\.1_does_not_like_recipient\./Remote_host_said:_553_sorry,_that_domain_isn.t_in_my_list_of_allowed_rcpthosts_\(#5\.7\.1\)/Giving_up_on_127\.0\.0\.1\./' 30
ok $? "a refused recipient: the folded permanent failure"
queue_stop

done_testing
