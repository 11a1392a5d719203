#!/bin/sh
# forward and condredirect: what they queue (a QMAILQUEUE program records
# the message from fd 0 and the envelope from fd 1), their "qp" line, and
# their exit-code tables, including queue failures and bad input.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

T=$SANDBOX/t
mkdir "$T"
QQ_DIR=$T/qq
export QQ_DIR
# the recording queue program: message, envelope, pid; exit $QQ_EXIT
cat >"$T/qq.sh" <<'END'
#!/bin/sh
cat >"$QQ_DIR/msg" || exit 54
cat <&1 >"$QQ_DIR/env" || exit 54
echo $$ >"$QQ_DIR/pid"
exit "${QQ_EXIT:-0}"
END
chmod 755 "$T/qq.sh"
QMAILQUEUE=$T/qq.sh
export QMAILQUEUE
reset_qq() { rm -rf "$QQ_DIR"; mkdir "$QQ_DIR"; }
envelope() { tr '\000' '|' <"$QQ_DIR/env"; }

DTLINE='Delivered-To: joe@sandbox.example
'
NEWSENDER='joe-owner@sandbox.example'
SENDER='orig@example.net'
export DTLINE NEWSENDER SENDER
printf 'Subject: hi\n\nFrom here\nlast line' >"$T/msg"
{ printf '%s' "$DTLINE"; cat "$T/msg"; } >"$T/queued"

# ---- forward -------------------------------------------------------------------------
reset_qq
err=$(forward a@example.org b@example.com <"$T/msg" 2>&1)
is "$?" 0 "forward: exit 0"
is "$err" "forward: qp $(cat "$QQ_DIR/pid")" "forward: prints qp <pid of the queue program>"
cmp -s "$T/queued" "$QQ_DIR/msg"
ok $? "forward: DTLINE + message queued byte for byte"
is "$(envelope)" "Fjoe-owner@sandbox.example|Ta@example.org|Tb@example.com||" "forward: envelope from NEWSENDER to the arguments"

reset_qq
err=$(QQ_EXIT=31 forward a@example.org <"$T/msg" 2>&1)
is "$?" 100 "forward: queue refuses permanently (31) -> 100"
is "$err" "forward: fatal: mail server permanently rejected message (#5.3.0)" "... with qmail's text"
err=$(QQ_EXIT=53 forward a@example.org <"$T/msg" 2>&1)
is "$?" 111 "forward: queue fails temporarily (53) -> 111"
is "$err" "forward: fatal: qq write error or disk full (#4.3.0)" "... with qmail's text"
QMAILQUEUE=$T/nonexistent forward a@example.org <"$T/msg" 2>/dev/null
is "$?" 111 "forward: queue program cannot run -> 111"

reset_qq
err=$(forward <"$T/msg" 2>&1)
is "$?" 100 "forward without addresses: 100"
is "$err" "forward: usage: forward address [ address ... ]" "... usage message"
test ! -e "$QQ_DIR/msg"
ok $? "... nothing queued"
err=$(env -u NEWSENDER forward a@example.org <"$T/msg" 2>&1)
is "$?" 100 "forward without NEWSENDER: 100"
is "$err" "forward: fatal: NEWSENDER not set" "... message"
env -u DTLINE forward a@example.org <"$T/msg" >/dev/null 2>&1
is "$?" 100 "forward without DTLINE: 100"
forward a@example.org <"$T" >/dev/null 2>&1
is "$?" 111 "forward: unreadable input (a directory) -> 111"

# a large message (pipes fill) is queued intact
i=0
: >"$T/big"
while [ $i -lt 3000 ]; do
    printf 'line %d ....................................................................\n' $i >>"$T/big"
    i=$((i + 1))
done
reset_qq
forward a@example.org <"$T/big" 2>/dev/null
{ printf '%s' "$DTLINE"; cat "$T/big"; } >"$T/bigq"
cmp -s "$T/bigq" "$QQ_DIR/msg"
ok $? "forward: a 230 KB message is queued intact"

# ---- condredirect ----------------------------------------------------------------------
reset_qq
err=$(condredirect boss@example.org sh -c 'cat >/dev/null' <"$T/msg" 2>&1)
is "$?" 99 "condredirect: program 0 -> redirected, exit 99"
is "$err" "condredirect: qp $(cat "$QQ_DIR/pid")" "... prints qp"
cmp -s "$T/queued" "$QQ_DIR/msg"
ok $? "... whole message queued after the program read it (rewound)"
is "$(envelope)" "Forig@example.net|Tboss@example.org||" "... envelope sender is SENDER, not NEWSENDER"

cr() { # exit-code-of-program expected name
    reset_qq
    condredirect boss@example.org sh -c "exit $1" <"$T/msg" 2>/dev/null
    is "$?" "$2" "condredirect: program exits $1 -> $2 ($3)"
    test ! -e "$QQ_DIR/msg"
    ok $? "... nothing queued"
}
cr 1 0 "not redirected"
cr 100 0 "not redirected"
cr 111 111 "temporary"
reset_qq
condredirect boss@example.org sh -c 'kill -9 $$' <"$T/msg" 2>/dev/null
is "$?" 111 "condredirect: program killed -> 111"
condredirect boss@example.org /nonexistent/program <"$T/msg" 2>/dev/null
is "$?" 0 "condredirect: program missing (exec fails permanently) -> 0"

err=$(QQ_EXIT=31 condredirect boss@example.org true <"$T/msg" 2>&1)
is "$?" 100 "condredirect: queue refuses -> 100"
is "$err" "condredirect: fatal: mail server permanently rejected message (#5.3.0)" "... message"
QQ_EXIT=71 condredirect boss@example.org true <"$T/msg" 2>/dev/null
is "$?" 111 "condredirect: queue fails temporarily -> 111"
err=$(env -u SENDER condredirect boss@example.org true <"$T/msg" 2>&1)
is "$?" 100 "condredirect without SENDER: 100"
is "$err" "condredirect: fatal: SENDER not set" "... message"
err=$(cat "$T/msg" | condredirect boss@example.org true 2>&1)
is "$?" 111 "condredirect on a pipe (cannot rewind): 111"
like "$err" "^condredirect: fatal: unable to rewind: " "... message"
condredirect boss@example.org </dev/null >/dev/null 2>&1
is "$?" 100 "condredirect without a program: usage, 100"

done_testing
