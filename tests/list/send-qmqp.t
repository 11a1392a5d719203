#!/bin/sh
# A list with DIR/qmqpservers (or DIR/qmqpservers/0) hands its outgoing
# mail to bin/qmail-qmqpc with the servers as arguments (ezmlm-idx, digest
# 1.2): ezmlm-send's posts, ezmlm-manage's replies, ezmlm-reject's
# forwards.  $QMAILQUEUE still comes first; no servers means qmail-queue; a
# failing qmail-qmqpc is a temporary error.  Then for real: qmail-qmqpc to
# qmail-qmqpd under tcpserver.
. "$SUITE_SRC/tests/qmqp/lib.sh"        # tap, sandbox (created), listen, queued
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
list_etc_setup
cd "$SANDBOX" || exit 1
list_make "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN" || BAIL_OUT "ezmlm-make"
L=$SANDBOX/L
ezmlm-sub "$L" alice@a.example bob@b.example || BAIL_OUT "ezmlm-sub"

# bin/qmail-qmqpc becomes a recorder: N.args, N.cwd, N.msg, N.env in $QMQPREC
QMQPREC=$SANDBOX/qmqprec
mkdir "$QMQPREC" || BAIL_OUT "mkdir"
export QMQPREC
rm -f "$QMAILHOME/bin/qmail-qmqpc"
cat >"$QMAILHOME/bin/qmail-qmqpc" <<'EOS'
#!/bin/sh
d=${QMQPREC:?}
n=$(( $(cat "$d/.n" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$d/.n"
pwd >"$d/$n.cwd"
for a; do printf '%s\n' "$a"; done >"$d/$n.args"
cat >"$d/$n.msg" || exit 54
cat <&1 >"$d/$n.env" || exit 54
exit "${QMQPREC_EXIT:-0}"
EOS
chmod 755 "$QMAILHOME/bin/qmail-qmqpc"
count() { cat "$QMQPREC/.n" 2>/dev/null || echo 0; }
args() { cat "$QMQPREC/$(count).args"; }
env_of() { tr '\0' '\n' <"$QMQPREC/$(count).env"; }
msg_of() { cat "$QMQPREC/$(count).msg"; }

unset QMAILQUEUE
SENDER=jorg@j.example
export SENDER
send() { ezmlm-send "$L" 2>"$SANDBOX/err"; echo $?; }
printf 'From: jorg@j.example\nTo: list@sandbox.example\nSubject: hello\n\nbody\n' >m1

# ---- DIR/qmqpservers -------------------------------------------------------------------
printf '# our QMQP relays\n192.0.2.1\n\n  \n192.0.2.2:6280  \t\n' >"$L/qmqpservers"
is "$(send <m1)" 0 "a post to a list with DIR/qmqpservers: 0"
like "$(cat err)" '^ezmlm-send: info: qp [0-9]+$' "...reports the qp of qmail-qmqpc"
is "$(count)" 1 "...handed to bin/qmail-qmqpc"
is "$(args)" "192.0.2.1
192.0.2.2:6280" "...with the servers as arguments (comments, blank lines and trailing blanks dropped)"
is "$(cat "$QMQPREC/1.cwd")" "$(cd "$QMAILHOME" && pwd)" "...run in the qmail home"
is "$(env_of | head -1)" "Flist-return-1-@sandbox.example-@[]" "...the VERP sender"
is "$(env_of | sed -n 's/^T//p' | sort)" "alice@a.example
bob@b.example" "...every subscriber"
like "$(msg_of)" 'Subject: hello

body' "...the post itself"
is "$(queued)" 0 "...nothing in the local queue"

# ---- DIR/qmqpservers/0 -------------------------------------------------------------------
rm "$L/qmqpservers"
mkdir "$L/qmqpservers"
printf '198.51.100.7\n' >"$L/qmqpservers/0"
is "$(send <m1)" 0 "DIR/qmqpservers/0: 0"
is "$(count):$(args)" "2:198.51.100.7" "...its server is qmail-qmqpc's argument"
is "$(env_of | head -1)" "Flist-return-2-@sandbox.example-@[]" "...the next number"

# ---- no servers: qmail-queue ---------------------------------------------------------------
rm "$L/qmqpservers/0"
is "$(send <m1)" 0 "a qmqpservers directory without 0: 0"
is "$(count)" 2 "...not through qmail-qmqpc"
is "$(queued)" 1 "...through qmail-queue, into the local queue"
rmdir "$L/qmqpservers"
printf '# nobody\n\n' >"$L/qmqpservers"
is "$(send <m1)" 0 "a qmqpservers file with no server lines: 0"
is "$(count):$(queued)" "2:2" "...qmail-queue again"

# ---- $QMAILQUEUE first ----------------------------------------------------------------------
printf '192.0.2.1\n' >"$L/qmqpservers"
qqrec_setup
is "$(send <m1)" 0 "with QMAILQUEUE set: 0"
is "$(qqrec_count):$(count)" "1:2" "...QMAILQUEUE took the post, not qmail-qmqpc"
unset QMAILQUEUE

# ---- a failing qmail-qmqpc --------------------------------------------------------------------
num=$(cat "$L/num")
is "$(QMQPREC_EXIT=71 send <m1)" 111 "qmail-qmqpc fails temporarily: 111"
like "$(cat err)" 'temporary qmail-queue error: mail server temporarily rejected message \(#4\.3\.0\)' \
    "...with qmail-qmqpc's reason"
is "$(cat "$L/num")" "$num" "...num rolled back"
is "$(QMQPREC_EXIT=31 send <m1)" 111 "a permanent refusal is temporary for the list too: 111"
is "$(count)" 4 "...both runs went to qmail-qmqpc"

# ---- ezmlm-manage's replies, ezmlm-reject's forwards -------------------------------------------
printf 'From: jorg@j.example\nSubject: x\n\n' | SENDER=jorg@j.example DEFAULT=help ezmlm-manage "$L" 2>err
is "$?" 0 "ezmlm-manage answers a help request: 0"
is "$(count):$(args)" "5:192.0.2.1" "...through qmail-qmqpc with the list's server"
is "$(env_of | sed -n 's/^T//p')" "jorg@j.example" "...to the requester"
like "$(msg_of)" 'Subject: ' "...a reply"

printf 'To: list@sandbox.example\nSubject: subscribe\n\n' |
    SENDER=jorg@j.example DTLINE="Delivered-To: list@sandbox.example" ezmlm-reject -f "$L" 2>err
is "$?" 99 "ezmlm-reject -f forwards a command: 99"
is "$(count):$(args)" "6:192.0.2.1" "...through qmail-qmqpc"
is "$(env_of | sed -n 's/^T//p')" "list-request@sandbox.example" "...to the -request address"

# ---- for real: qmail-qmqpc -> qmail-qmqpd under tcpserver ----------------------------------------
ln -sf "$SUITE_BUILD/bin/qmail-qmqpc" "$QMAILHOME/bin/qmail-qmqpc"
reset_qq
if listen sandbox.example env QMAILQUEUE="$QQ" qmail-qmqpd; then
    printf '127.0.0.1:%s\n' "$PORT" >"$L/qmqpservers"
    printf 'From: jorg@j.example\nTo: list@sandbox.example\nSubject: over qmqp\n\nsent by QMQP\n' >m2
    is "$(send <m2)" 0 "a post through the real qmail-qmqpc: 0"
    qenv() { tr '\0' '\n' <"$QQ_DIR/env"; }
    is "$(qenv | head -1)" "Flist-return-$(cut -d: -f1 "$L/num")-@sandbox.example-@[]" \
        "qmail-qmqpd queued it with the list's VERP sender"
    is "$(qenv | sed -n 's/^T//p' | sort)" "alice@a.example
bob@b.example" "...and every subscriber"
    like "$(cat "$QQ_DIR/msg")" 'by sandbox\.example with QMQP' "...with qmail-qmqpd's Received line"
    like "$(cat "$QQ_DIR/msg")" 'Subject: over qmqp

sent by QMQP$' "...and the post"
    is "$(queued)" 2 "...the local queue was not used"
else
    skip "no port for qmail-qmqpd" 6
fi

done_testing
