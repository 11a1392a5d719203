#!/bin/sh
# ezmlm-dispatch: DEFAULT routed to the editor, manager, bouncer, digest
# bouncer, moderator, confirmer and owner files of a list under DIR (and
# with a list argument); the longest list name wins; |prog lines run with
# DEFAULT set (or unset) and the message rewound; &addr and bare addresses
# forwarded through the queue with DTLINE and SENDER; 99 stops, other
# nonzero exits are passed on; file deliveries, unknown lists, '/' and
# '..' in DEFAULT are 100; hostile input; usage errors.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
qqrec_setup
cd "$SANDBOX" || exit 1
T=$SANDBOX/lists
LOG=$SANDBOX/log
mkdir -p "$T/foo/digest" "$T/foo-bar" "$T/plain"
for f in editor manager bouncer moderator confirmer owner digest/bouncer; do
    printf '# the %s file\n\n|echo "foo %s ${DEFAULT-unset}" >>%s\n' "$f" "$f" "$LOG" >"$T/foo/$f"
    printf '|echo "foo-bar %s ${DEFAULT-unset}" >>%s\n' "$f" "$LOG" >"$T/foo-bar/$f" 2>/dev/null
done
printf 'From: a@b.example\nSubject: hi\n\nbody\n' >msg
disp() { # DEFAULT [list]: prints the exit code, the log in $LOG
    d=$1; shift
    : >"$LOG"
    DEFAULT=$d SENDER=s@b.example DTLINE="Delivered-To: x-$d@sandbox.example
" ezmlm-dispatch "$T" "$@" <msg >"$SANDBOX/out" 2>"$SANDBOX/err"
    echo $?
}
route() { # DEFAULT expected-log-line [list]
    d=$1 want=$2; shift 2
    r=$(disp "$d" "$@")
    is "$r $(cat "$LOG")" "0 $want" "DEFAULT '$d'${1:+ (list $1)} -> $want"
}
route foo "foo editor unset"
route foo-subscribe-a=b.example "foo manager subscribe-a=b.example"
route foo-help "foo manager help"
route foo-return-12-a=b.example "foo bouncer 12-a=b.example"
route foo-digest-return-3-a=b.example "foo digest/bouncer 3-a=b.example"
route foo-accept-1.2.abc "foo moderator 1.2.abc"
route foo-reject-1.2.abc "foo moderator 1.2.abc"
route foo-confirm-1.2.abc "foo confirmer 1.2.abc"
route foo-discard-1.2.abc "foo confirmer 1.2.abc"
route foo-owner "foo owner unset"
route foo-digest-owner "foo owner unset"
route foo-digest-subscribe "foo manager digest-subscribe"
route foo-bar "foo-bar editor unset"
route foo-bar-help "foo-bar manager help"
route foo-baz-help "foo manager baz-help"
route "" "foo editor unset" foo
route return-5-x=y.example "foo bouncer 5-x=y.example" foo
route help "foo-bar manager help" foo-bar
is "$(cat "$SANDBOX/out")" "did 0+0+1" "...says what it did"

# unknown lists and bad extensions
is "$(disp nosuch-help)" 100 "an unknown list: 100"
is "$(disp nosuch)" 100 "...also without a command"
is "$(disp foo/editor)" 100 "DEFAULT with '/': 100"
is "$(disp ..)" 100 "DEFAULT '..': 100"
is "$(disp ..-help)" 100 "DEFAULT '..-help': 100"
is "$(disp .-help)" 100 "DEFAULT '.-help': 100"
is "$(disp -help)" 100 "an empty list name: 100"
is "$(disp help ..)" 100 "list argument '..': 100"
is "$(disp help ../lists/foo)" 100 "list argument with '/': 100"
is "$(disp help nosuch)" 100 "list argument naming no list: 100"
is "$(disp plain)" 100 "a list without the file (editor): 100"
is "$(disp foo-bar-digest-return-1-a=b)" 100 "foo-bar has no digest/bouncer: 100"
is "$(ezmlm-dispatch "$T" <msg 2>/dev/null; echo $?)" 100 "DEFAULT unset: 100"

# the message reaches every program, from its start
printf '|cat >%s/got1\n|cat >%s/got2\n' "$SANDBOX" "$SANDBOX" >"$T/plain/manager"
is "$(disp plain-x)" 0 "two programs: 0"
cmp -s msg got1 && cmp -s msg got2; ok $? "...both read the whole message"

# exit codes
printf '|exit 99\n|echo after >>%s\n' "$LOG" >"$T/plain/manager"
is "$(disp plain-x)" 99 "99 stops the file: 99"
is "$(cat "$LOG")" "" "...the next line not run"
printf '|exit 100\n|echo after >>%s\n' "$LOG" >"$T/plain/manager"
is "$(disp plain-x)" 100 "100 is passed on"
is "$(cat "$LOG")" "" "...the next line not run"
printf '|exit 111\n' >"$T/plain/manager"
is "$(disp plain-x)" 111 "111 is passed on"
printf '|exit 3\n' >"$T/plain/manager"
is "$(disp plain-x)" 3 "3 is passed on"
printf '|kill -9 $$\n' >"$T/plain/manager"
is "$(disp plain-x)" 111 "a program killed by a signal: 111"

# file deliveries refused
printf './Mailbox\n' >"$T/plain/manager"
is "$(disp plain-x)" 100 "an mbox line: 100"
ok_run "...no file written" test ! -e "$SANDBOX/Mailbox"
printf '|true\n./Maildir/\n' >"$T/plain/manager"
is "$(disp plain-x)" 100 "a Maildir line: 100"
printf '/tmp/x\n' >"$T/plain/manager"
is "$(disp plain-x)" 100 "an absolute file line: 100"

# forwards
qqrec_reset
printf '&one@f.example\ntwo@f.example\n# comment\n|echo prog >>%s\n' "$LOG" >"$T/plain/manager"
is "$(disp plain-fw)" 0 "two forwards and a program: 0"
is "$(qqrec_count)" 1 "...one message queued"
is "$(qqrec_env 1)" "Fs@b.example
Tone@f.example
Ttwo@f.example" "...from SENDER to both addresses"
printf 'Delivered-To: x-plain-fw@sandbox.example\n' >want
cat msg >>want
cmp -s want "$QQREC/1.msg"; ok $? "...with DTLINE in front of the message"
is "$(cat "$LOG")" "prog" "...the program ran too"
is "$(cat "$SANDBOX/out")" "did 0+2+1" "...says what it did"
qqrec_reset
printf '&one@f.example\n|exit 99\n&two@f.example\n' >"$T/plain/manager"
is "$(disp plain-fw)" 99 "a forward before a 99: 99"
is "$(qqrec_env 1)" "Fs@b.example
Tone@f.example" "...the forward before it still goes"
qqrec_reset
printf '&one@f.example\n|exit 111\n' >"$T/plain/manager"
is "$(disp plain-fw)" 111 "a forward before a 111: 111"
is "$(qqrec_count)" 0 "...nothing queued"
QQREC_FAIL=11 disp plain-fw >/dev/null
printf '&one@f.example\n' >"$T/plain/manager"
is "$(QQREC_FAIL=11; export QQREC_FAIL; disp plain-fw)" 100 "the queue refuses the forward permanently: 100"
is "$(QQREC_FAIL=81; export QQREC_FAIL; disp plain-fw)" 111 "the queue fails temporarily: 111"

# hostile input
printf '|true\n\000|echo bad\n' >"$T/plain/manager"
is "$(disp plain-x)" 111 "a NUL byte in the file: 111"
big=$(head -c 100000 /dev/zero | tr '\0' a)
is "$(disp "foo-$big")" 0 "a 100,000-character command: 0"
is "$(disp "$(head -c 5000 /dev/zero | tr '\0' -)")" 100 "5000 dashes: 100"
is "$(disp "foo$(head -c 100000 /dev/zero | tr '\0' -)")" 0 "foo and 100,000 dashes: the manager of foo"
is "$(disp help foo bar 2>/dev/null)" 100 "too many arguments: usage"
is "$(ezmlm-dispatch 2>/dev/null; echo $?)" 100 "no DIR: usage"
done_testing
