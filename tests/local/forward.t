#!/bin/sh
# qmail-local: forwarding (qmail.md 4.3 steps 10-12): one qmail-queue run
# after all other lines, DTLINE prepended, envelope sender NEWSENDER, the
# qq verdict mapped to 100/111, "qp N" in the report.  A QMAILQUEUE program
# records what it is given.
. "$SUITE_SRC/tests/local/lib.sh"

QQDIR=$SANDBOX/qq
mkdir -p "$QQDIR"
cat >"$SANDBOX/qq.sh" <<'EOF'
#!/bin/sh
# a stand-in for qmail-queue: message on fd 0, envelope on fd 1
cat >"$QQDIR/msg"
cat <&1 >"$QQDIR/env"
echo $$ >"$QQDIR/pid"
echo qq >>"$QQDIR/order"
exit "${QQEXIT:-0}"
EOF
chmod 755 "$SANDBOX/qq.sh"
QMAILQUEUE=$SANDBOX/qq.sh
export QQDIR QMAILQUEUE
reset_qq() { rm -f "$QQDIR"/*; }
envelope() { tr '\000' '|' <"$QQDIR/env"; }

mkmsg "$MSG" 'Subject: fwd\n\nbody\n'

# two forwards: "&addr" and a bare address
reset_qq
qfile .qmail-f '&a@x.org\nb@y.org\n'
ql -- u "$H" joe-f - f example.org s@x.org ./Maildir/
is "$RC" 0 "two forwards: exit 0"
is "$OUT" "did 0+2+0
qp $(cat "$QQDIR/pid")" "did 0+2+0, then qp <pid of the queue program>"
is "$(envelope)" "Fs@x.org|Ta@x.org|Tb@y.org||" "one queue run: sender, both recipients"
printf 'Delivered-To: joe-f@example.org\n' >"$SANDBOX/expected"
cat "$MSG" >>"$SANDBOX/expected"
cmp -s "$QQDIR/msg" "$SANDBOX/expected"
ok $? "the message is DTLINE + the original (no Return-Path)"

# the envelope sender is NEWSENDER
reset_qq
qfile .qmail-f-owner '# owner\n'
ql -- u "$H" joe-f - f example.org s@x.org ./Maildir/
is "$(envelope)" "Fjoe-f-owner@example.org|Ta@x.org|Tb@y.org||" "with .qmail-f-owner: sender joe-f-owner@"
reset_qq
qfile .qmail-f-owner-default '# owner\n'
ql -- u "$H" joe-f - f example.org s@x.org ./Maildir/
is "$(envelope)" "Fjoe-f-owner-@example.org-@[]|Ta@x.org|Tb@y.org||" "with -owner-default: the VERP sender"
reset_qq
ql -- u "$H" joe-f - f example.org '' ./Maildir/
is "$(envelope)" "F|Ta@x.org|Tb@y.org||" "a bounce is forwarded with the empty sender"
rm -f "$H/.qmail-f-owner" "$H/.qmail-f-owner-default"

# forwards go last
reset_qq
qfile .qmail-g "&a@x.org\n|echo prog >>$QQDIR/order\n"
ql -- u "$H" u-g - g example.org s@x.org ./Maildir/
is "$(cat "$QQDIR/order")" "prog
qq" "forwards are queued after the other lines"
is "$RC" 0 "  ... exit 0"
like "$OUT" '^did 0\+1\+1
qp [0-9]+$' "  ... did 0+1+1 and qp"

# exit 99 stops the lines, forwards collected so far are still sent
reset_qq
clearmail
qfile .qmail-s '&a@x.org\n|exit 99\n&b@x.org\n./Maildir/\n'
ql -- u "$H" u-s - s example.org s@x.org ./Maildir/
is "$RC" 0 "exit 99 after a forward: exit 0"
like "$OUT" '^did 0\+1\+1
qp [0-9]+$' "  ... counts only the lines before the stop"
is "$(envelope)" "Fs@x.org|Ta@x.org||" "  ... the earlier forward is sent, the later not"
is "$(newmail | wc -l | tr -d ' ')" 0 "  ... the maildir line after it is skipped"

# a failure before the forwards: nothing is queued
reset_qq
qfile .qmail-h '&a@x.org\n|exit 100\n'
ql -- u "$H" u-h - h example.org s@x.org ./Maildir/
is "$RC" 100 "a hard program failure after a forward: 100"
test ! -e "$QQDIR/env"
ok $? "  ... and no queue run"

# qmail-queue's verdict
qfile .qmail-f 'a@x.org\n'
reset_qq
QQEXIT=31 ql -- u "$H" u-f - f example.org s@x.org ./Maildir/
is "$RC:$OUT" "100:Unable to forward message: mail server permanently rejected message (#5.3.0)." "qq exit 31: 100"
reset_qq
QQEXIT=53 ql -- u "$H" u-f - f example.org s@x.org ./Maildir/
is "$RC:$OUT" "111:Unable to forward message: qq write error or disk full (#4.3.0)." "qq exit 53: 111"
reset_qq
QMAILQUEUE=$SANDBOX/nonexistent ql -- u "$H" u-f - f example.org s@x.org ./Maildir/
is "$RC" 111 "no queue program: 111"
like "$OUT" '^Unable to forward message: .*\.$' "  ... Unable to forward message"

# forward-only files may forward
reset_qq
qfile .qmail-x '+list\n# list\n&a@x.org\n'
ql -- u "$H" u-x - x example.org s@x.org ./Maildir/
is "$RC:$(envelope)" "0:Fs@x.org|Ta@x.org||" "+list with a forward"
reset_qq
qfile .qmail-x2 '&a@x.org\n'
chmod 700 "$H/.qmail-x2"
ql -- u "$H" u-x2 - x2 example.org s@x.org ./Maildir/
is "$RC:$(envelope)" "0:Fs@x.org|Ta@x.org||" "x bit with a forward"

# a 10,000-character forward address is passed on as it is
reset_qq
long=$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "a" }')
qfile .qmail-l "&$long@x.org\n"
ql -- u "$H" u-l - l example.org s@x.org ./Maildir/
is "$RC" 0 "a 10,000-character forward address"
is "$(envelope)" "Fs@x.org|T$long@x.org||" "  ... in the envelope unchanged"

# a message on a pipe is forwarded whole
reset_qq
qfile .qmail-f 'a@x.org\n|cat >/dev/null\n'
OUT=$(cat "$MSG" | qmail-local -- u "$H" u-f - f example.org s@x.org ./Maildir/ 2>&1)
RC=$?
printf 'Delivered-To: u-f@example.org\n' >"$SANDBOX/expected"
cat "$MSG" >>"$SANDBOX/expected"
cmp -s "$QQDIR/msg" "$SANDBOX/expected"
ok $? "a piped message is forwarded whole after a program read it"

done_testing
