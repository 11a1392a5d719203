#!/bin/sh
# Deliveries to programs (|command) and forwards (!address): the message
# on stdin, the variables as the environment, exit statuses through
# EXITCODE and maildrop's own exit, forwarding through $SENDMAIL.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

mdf "to \"|cat >$T/piped\"\n"
is "$RC" 0 'to "|command": exit 0'
cmp -s "$T/piped" "$MSG"; ok $? '... the command reads the message, unchanged'
for code in 1 3 75 100; do
    mdf "to \"|cat >/dev/null; exit $code\"\n"
    is "$RC" "$code" "to \"|command\" exiting $code: maildrop exits $code"
done
mdf "cc \"|exit 5\"\necho \$EXITCODE\ncc \"|exit 0\"\necho \$EXITCODE\nEXITCODE=0\nexit\n"
is "$OUT" "$(printf '5\n0')" 'cc "|command" sets EXITCODE and goes on'
mdf "cc \"|exit 7\"\nexit\n"
is "$RC" 7 '... and exit then uses it'
cat >"$T/filter" <<EOF
V=hello
to "|echo \$V "'\$V \$FROM \$HOME >$T/env'
EOF
md
is "$(cat "$T/env")" "hello hello bob@example.org $HOME" 'the command sees the variables in its environment'
mdf "SHELL=/bin/nonexistent\nto \"|true\"\n"
is "$RC" 127 'a shell that cannot run: 127 (as from the shell)'
mdf "exception {\n  to \"|exit 100\"\n}\necho fallback\nexit\n"
is "$OUT" fallback 'inside exception, a failing "to |command" is caught'
mdf "exception {\n  to \"|cat >/dev/null\"\n}\necho not-reached\n"
is "$OUT:$RC" ':0' '... a successful one ends the run'

# forwarding through $SENDMAIL
cat >"$T/fakesendmail" <<EOF
#!/bin/sh
for a in "\$@"; do printf '[%s]' "\$a"; done >$T/fwd.args
cat >$T/fwd.msg
exit \${FAKE_EXIT:-0}
EOF
chmod 755 "$T/fakesendmail"
mdf "SENDMAIL=\"$T/fakesendmail -oi\"\nto \"!a@b.example c@d.example\"\n"
is "$RC" 0 'to "!addresses": exit 0'
is "$(cat "$T/fwd.args")" '[-oi][-f][][a@b.example][c@d.example]' '... runs $SENDMAIL -f "" addresses (no shell)'
cmp -s "$T/fwd.msg" "$MSG"; ok $? '... with the message on stdin'
mdf "SENDMAIL=\"$T/fakesendmail\"\nto \"! x@y.example\"\n"
is "$(cat "$T/fwd.args")" '[-f][][x@y.example]' '... a blank after ! is fine'
mdf "SENDMAIL=\"$T/fakesendmail\"\nFAKE_EXIT=100\nto \"!x@y.example\"\n"
is "$RC" 100 'the forwarder'"'"'s exit status is maildrop'"'"'s'
mdf "SENDMAIL=\"$T/fakesendmail\"\nMATCH='\`touch $T/pwned\`;x@y'\nto \"!\$MATCH\"\n"
test ! -e "$T/pwned"; ok $? 'addresses are never given to a shell'
mdf 'echo $SENDMAIL\nexit\n'
is "$OUT" "$QMAILHOME/bin/sendmail -oi" 'the default SENDMAIL is the suite'"'"'s sendmail'
mdf "SENDMAIL=\"\"\nto \"!x@y\"\n"
is "$RC" 75 'an empty SENDMAIL: 75'
mdf 'to "!friend@example.org other@example.net"\n'
is "$RC" 0 'the default SENDMAIL queues the forward (no queue running)'
todo=$(find "$QMAILHOME/queue/todo" -type f | head -1)
is "$(tr '\000' '\n' <"$todo" | grep -E '^[FT]' | tr '\n' ' ')" 'F Tfriend@example.org Tother@example.net ' \
    '... with the null envelope sender and both recipients'

done_testing
