#!/bin/sh
# --explain (our extension): for one message, every rule tried, which
# matched, and where the message would go -- without delivering anything,
# running a program, forwarding, or writing a log file.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

H=$SANDBOX_HOME
M=$SANDBOX_MAILDIR
mkmaildir "$M/.Lists"
mkmaildir "$M/.Boss"

cat >"$T/filter" <<EOF
logfile "$T/log"
if (/^Subject: .*viagra/)
{
  to "$M/.Spam/"
}
if (/^From: .*alice@example\.org/ && /Body line (\d)/:b)
{
  cc "|cat >$T/piped"
  to "$M/.Boss/"
}
to "$M/.Lists/"
EOF
chmod 600 "$T/filter"
OUT=$("$MD" --explain "$T/filter" <"$MSG" 2>&1)
RC=$?
is "$RC" 0 '--explain: exit 0 (what maildrop would exit with)'
is "$OUT" "explain: filter: $T/filter
explain: $T/filter(1): logfile $T/log (not written: --explain)
explain: $T/filter(2): /^Subject: .*viagra/ on the header: no match
explain: $T/filter(2): if: false
explain: $T/filter(6): /^From: .*alice@example\\.org/ on the header: matched \"From: Alice A <alice@example.org>\"
explain: $T/filter(6): /Body line (\\d)/:b on the body: matched \"Body line 1\"
explain: $T/filter(6): if: true
explain: $T/filter(8): cc |cat >$T/piped -> program cat >$T/piped
explain: $T/filter(9): to $M/.Boss/ -> maildir $M/.Boss/
explain: result: the message would be delivered as shown above (nothing was delivered: --explain); maildrop would exit 0" \
    '... each rule tried, what matched, where the message would go'
is "$(nfiles "$M/.Boss/new"):$(nfiles "$M/.Lists/new")" 0:0 '... nothing delivered'
test ! -e "$T/piped"; ok $? '... no program run'
test ! -e "$T/log"; ok $? '... no log written'

# no rule matches: the default delivery
printf 'if (/^Subject: nothing/)\n  to "%s"\n' "$M/.Lists/" >"$T/filter"
OUT=$("$MD" --explain "$T/filter" <"$MSG" 2>&1)
like "$OUT" "explain: default delivery
explain: to $M/ -> maildir $M/" 'no rule matched: the default delivery is shown'
is "$(nfiles "$M/new")" 0 '... and not made'

# exit, forward, mbox, weighted, =~, foreach, xfilter
printf 'SENDMAIL="%s"\nX=(/Body/:b,10,0.5)\nif ($X > 12)\n  cc "!boss@example.org"\nS=$FROM\nif ($S =~ /^bob@/)\n  cc "%s"\nforeach /^To: (.*)/\n{\n}\nxfilter "sed s/Hello/Bye/"\nif (/^Subject: Bye/)\n  exit\n' "$T/fakesendmail" "$T/mbox" >"$T/filter"
OUT=$("$MD" --explain "$T/filter" <"$MSG" 2>&1)
RC=$?
like "$OUT" 'on the body: score 15' 'a weighted pattern shows its score'
like "$OUT" "cc !boss@example.org -> forward to boss@example.org" 'a forward is shown, not made'
like "$OUT" '"bob@example.org" =~ /\^bob@/: match' '=~ is shown'
like "$OUT" "cc $T/mbox -> mbox $T/mbox" 'an mbox target'
like "$OUT" 'foreach: iteration 1, MATCH="To: Bob' 'foreach iterations'
like "$OUT" 'xfilter sed s/Hello/Bye/: the message was replaced' 'xfilter runs (later rules depend on it)'
like "$OUT" 'exit 0: filtering ends, nothing more is delivered' 'exit'
like "$OUT" 'result: the message would be delivered as shown above' '... the result (the cc copies)'
test ! -e "$T/mbox"; ok $? 'nothing written'
printf 'if (/^Subject: Hello/)\n  exit\n' >"$T/filter"
OUT=$("$MD" --explain "$T/filter" <"$MSG" 2>&1)
like "$OUT" 'result: filtering ends without delivering the message; maildrop would exit 0' 'exit without a delivery: the message is dropped'

# delivery mode, with the system maildroprc
mkdir -p "$QMAILHOME/etc"
printf 'SYS=1\n' >"$QMAILHOME/etc/maildroprc"
printf 'if ($SYS)\n  to "$HOME/Maildir/.Lists"\n' >"$H/.mailfilter"
chmod 600 "$H/.mailfilter"
OUT=$("$MD" --explain <"$MSG" 2>&1)
like "$OUT" "explain: system filter: $QMAILHOME/etc/maildroprc
explain: filter: \\\$HOME/.mailfilter" 'delivery mode: both filter files named'
like "$OUT" "explain: .mailfilter\\(2\\): to $M/.Lists -> maildir $M/.Lists" '... the user'"'"'s rule'
is "$(nfiles "$M/.Lists/new")" 0 '... nothing delivered'

# a broken filter
printf 'if (\n' >"$H/.mailfilter"
OUT=$("$MD" --explain <"$MSG" 2>&1)
is "$?" 75 'a syntax error: 75 with --explain too'
like "$OUT" 'mailfilter\(1\): Syntax error' '... shown'

done_testing
