#!/bin/sh
# sendmail: the options programs pass, what it runs (qmail-inject with -a
# or -H, qmail-smtpd for -bs, qmail-qread for -bp and mailq), the
# environment it sets for -f and -F, and its usage errors.
. "$SUITE_SRC/tests/inject/lib.sh"

M=$SANDBOX/m
printf 'To: h@x.example\nSubject: s\n\nbody\n' >"$M"

# sm ARG...: sendmail through the recorder; sets RC, ERR
sm() {
    reset_qq
    ERR=$(qi QMAILQUEUE="$QQ" QQ_DIR="$QQ_DIR" ${SMENV:-} sendmail "$@" <"$M" 2>&1)
    RC=$?
}

sm a@y.example
is "$RC" 0 "plain: exit 0"
is "$(envelope)" 'Fjoe@bench.example|Ta@y.example||' "without -t: argument recipients only (qmail-inject -a)"
sm
is "$(envelope)" 'Fjoe@bench.example||' "without -t and without arguments: no recipients"
sm -t
is "$(envelope)" 'Fjoe@bench.example|Th@x.example||' "-t: header recipients"
sm -t a@y.example
is "$(envelope)" 'Fjoe@bench.example|Ta@y.example|Th@x.example||' "-t with arguments: both (qmail-inject -H)"
sm -ti a@y.example
is "$(envelope)" 'Fjoe@bench.example|Ta@y.example|Th@x.example||' "clustered -ti"

sm -f s@from.example a@y.example
is "$(envelope)" 'Fs@from.example|Ta@y.example||' "-f sets the envelope sender"
like "$(cat "$QQ_DIR/msg")" 'From: s@from\.example' "-f sets the From: user and host (netqmail)"
sm -fs@from.example a@y.example
is "$(envelope)" 'Fs@from.example|Ta@y.example||' "-fsender attached"
sm -f localonly a@y.example
like "$(cat "$QQ_DIR/msg")" 'From: localonly@bench\.example' "-f without @: the From user only"
is "$(envelope | cut -d'|' -f1)" 'Flocalonly@bench.example' "... the sender rewritten by qmail-inject"
SMENV="QMAILNAME=Old MAILHOST=old.example" sm -f s@from.example a@y.example
like "$(cat "$QQ_DIR/msg")" 'From: s@from\.example' "-f removes QMAILNAME, MAILHOST and friends"
sm -F 'Full Name' a@y.example
like "$(cat "$QQ_DIR/msg")" 'From: "Full Name" <joe@bench\.example>' "-F sets the personal name"
sm -F 'Full Name' -f s@from.example a@y.example
like "$(cat "$QQ_DIR/msg")" 'From: "Full Name" <s@from\.example>' "-F and -f together: both count"
sm -f '' a@y.example
is "$(envelope)" 'F|Ta@y.example||' "-f '': the null sender"

# options accepted and ignored
sm -oi -odb -oem -om -v -i -m -x -B 8BITMIME -p smtp:x -e x -bm -E -Jfoo -oQ/tmp a@y.example
is "$RC" 0 "-oi -odb -oem -om -v -i -m -x -B -p -e -bm -E -J -oQ: accepted"
is "$(envelope)" 'Fjoe@bench.example|Ta@y.example||' "... and ignored"
sm -B8BITMIME -pfoo -ex -Efoo -J a@y.example
is "$(envelope)" 'Fjoe@bench.example|Ta@y.example||' "attached option arguments"
sm -- -dash@y.example
is "$(envelope)" 'Fjoe@bench.example|T-dash@y.example||' "-- ends the options"
sm a@y.example -t
is "$(envelope)" 'Fjoe@bench.example|Ta@y.example|T-t@bench.example||' "options stop at the first argument"

# usage errors
sm -q
is "$RC" 100 "unknown option: exit 100"
like "$ERR" '^sendmail: usage: sendmail ' "... usage"
test ! -e "$QQ_DIR/msg"
ok $? "... nothing queued"
sm -bx
is "$RC" 100 "-bx: exit 100"
sm -bd
is "$RC" 100 "-bd (daemon mode): exit 100"
sm -f
is "$RC" 100 "-f without an argument: exit 100"
sm -F
is "$RC" 100 "-F without an argument: exit 100"

# -bs: qmail-smtpd with a local environment (a stand-in records it)
rm -f "$QMAILHOME/bin/qmail-smtpd"
cat >"$QMAILHOME/bin/qmail-smtpd" <<'END'
#!/bin/sh
echo "cwd=$(pwd)"
for v in PROTO RELAYCLIENT DATABYTES TCPLOCALIP TCPLOCALHOST TCPREMOTEIP TCPREMOTEHOST TCPREMOTEINFO; do
    eval "echo $v=\${$v-unset}"
done
exit 7
END
chmod 755 "$QMAILHOME/bin/qmail-smtpd"
got=$(qi sendmail -bs </dev/null)
is "$?" 7 "-bs: execs qmail-smtpd (its exit code)"
is "$got" "cwd=$QMAILHOME
PROTO=TCP
RELAYCLIENT=
DATABYTES=0
TCPLOCALIP=127.0.0.1
TCPLOCALHOST=localhost
TCPREMOTEIP=127.0.0.1
TCPREMOTEHOST=localhost
TCPREMOTEINFO=sendmail-bs" "-bs without PROTO: the local environment, in the qmail home"
got=$(qi PROTO=TCP TCPREMOTEIP=192.0.2.1 sendmail -bs </dev/null)
like "$got" 'RELAYCLIENT=unset
DATABYTES=unset' "-bs with PROTO set: the environment is left alone"
like "$got" 'TCPREMOTEIP=192\.0\.2\.1' "... as it was"
rm -f "$QMAILHOME/bin/qmail-smtpd"
got=$(qi sendmail -bs </dev/null 2>&1)
is "$?" 111 "-bs without qmail-smtpd: exit 111"
like "$got" 'sendmail: fatal: unable to run qmail-smtpd' "... says so"

# -bp, mailq, newaliases (a stand-in qmail-qread shows it was run)
got=$(qi sendmail -bp)
is "$?" 0 "-bp with the real qmail-qread: exit 0"
is "$got" "$(qi qmail-qread)" "-bp: qmail-qread's listing"
rm -f "$QMAILHOME/bin/qmail-qread"
printf '#!/bin/sh\necho "qread in $(pwd) with $# arguments"\nexit 3\n' >"$QMAILHOME/bin/qmail-qread"
chmod 755 "$QMAILHOME/bin/qmail-qread"
got=$(qi sendmail -bp a b c)
is "$?" 3 "-bp: execs qmail-qread (its exit code)"
is "$got" "qread in $QMAILHOME with 0 arguments" "-bp: qmail-qread runs in the qmail home, without arguments"
got=$(qi sendmail -t -bp)
is "$got" "qread in $QMAILHOME with 0 arguments" "-bp after other options"
ln -s "$QMAILHOME/bin/sendmail" "$SANDBOX/mailq"
ln -s "$QMAILHOME/bin/sendmail" "$SANDBOX/newaliases"
got=$(qi "$SANDBOX/mailq" -v)
is "$got" "qread in $QMAILHOME with 0 arguments" "invoked as mailq: qmail-qread"
got=$(qi "$SANDBOX/newaliases" 2>&1)
is "$?" 100 "newaliases: exit 100"
is "$got" 'sendmail: fatal: please use fastforward/newaliases instead' "newaliases: points to fastforward"
got=$(qi QMAILHOME="$SANDBOX/nonexistent" sendmail a@b.example </dev/null 2>&1)
is "$?" 111 "no qmail home: exit 111"
like "$got" 'sendmail: fatal: unable to switch to qmail home directory' "... says so"

done_testing
