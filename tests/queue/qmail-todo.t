#!/bin/sh
# qmail-todo: preprocessing of todo/ into info/local/remote, the rewriting
# of qmail-send(8), the log lines, the protocol with qmail-send (driven by
# tests/helpers/qtodo-drive) and damaged input.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create
Q=$QMAILHOME/queue
C=$QMAILHOME/control
T=$SANDBOX/t
mkdir "$T"
DRIVE=$SUITE_BUILD/tests/helpers/qtodo-drive
uid=$(id -u)
printf 'Subject: hello\n\nbody\n' >"$T/msg"

# inject SENDER RCPT...: queues $T/msg; sets ID to the new message's id
inject() {
    _s=$1
    shift
    { printf 'F%s\000' "$_s"; for _r in "$@"; do printf 'T%s\000' "$_r"; done; printf '\000'; } >"$T/env"
    (cd "$Q" && find mess -type f | sort) >"$T/before"
    qmail-queue <"$T/msg" 1<"$T/env" || { diag "qmail-queue failed: $?"; return 1; }
    ID=$( (cd "$Q" && find mess -type f | sort) | comm -13 "$T/before" - | sed 's|.*/||')
}
split() { echo $(($1 % 23)); }
# records FILE: the NUL-terminated records of FILE, one per line
records() { tr '\000' '\n' <"$1"; }
drive() { : >"$T/log"; (cd "$T" && "$DRIVE" "$T/log" "$@"); }
count_files() { (cd "$Q" && find "$@" -type f | wc -l | tr -d ' '); }

# ---- one message, all the bytes -------------------------------------------
inject 'joe@example.org' 'bob@sandbox.example' 'carol@remote.example' 'nobody'
id=$ID
s=$(split "$id")
out=$(drive S w1 "!find $Q/todo $Q/intd -type f >$T/todo-at-note" q)
is "$out" "N$id:lr
todo exit 0
clean exit 0" "one notification N<id>:lr, then exit 0 on end of file"
is "$(cat "$T/todo-at-note")" "" "the todo entry was gone when qmail-send was told"
bytes=$(stat -c %s "$Q/mess/$s/$id")
qp=$(sed -n '1s/^Received: (qmail \([0-9]*\) .*/\1/p' "$Q/mess/$s/$id")
is "$(cat "$T/log")" "new msg $id
info msg $id: bytes $bytes from <joe@example.org> qp $qp uid $uid" "log: new msg, info msg"
printf 'Fjoe@example.org\000' >"$T/want"
cmp -s "$Q/info/$s/$id" "$T/want"
ok $? "info bytes: F<sender>\\0"
printf 'Tbob@sandbox.example\000Tnobody@sandbox.example\000' >"$T/want"
cmp -s "$Q/local/$s/$id" "$T/want"
ok $? "local bytes (an address without @ gets envnoathost, default me)"
printf 'Tcarol@remote.example\000' >"$T/want"
cmp -s "$Q/remote/$s/$id" "$T/want"
ok $? "remote bytes"
is "$(stat -c %a "$Q/info/$s/$id" "$Q/local/$s/$id" "$Q/remote/$s/$id" | sort -u)" 600 "files are mode 0600"
age=$(($(date +%s) - $(stat -c %Y "$Q/info/$s/$id")))
[ "$age" -ge 0 ] && [ "$age" -lt 60 ]
ok $? "info's mtime is the birth time (now)"
is "$(count_files todo intd)" 0 "todo/ and intd/ are empty"

# ---- the rewriting table ------------------------------------------------------
printf 'sandbox.example\nbench.example\n' >"$C/locals"
printf 'bench.example\n' >"$C/envnoathost"
printf 'bench.example\nph.example\nph2.example\n' >"$C/percenthack"
cat >"$C/virtualdomains" <<'VD'
# comment lines and blank lines are ignored

virt.example:nqbench-v
joe@vu.example:vjoe
vu.example:vdom
.wild.example:w
sub.wild.example:sub
except.wild.example:
dup.example:first
dup.example:second
sandbox.example:never
nocolon.example
user@:junk
VD
inject 'sender@example.org' \
    'user@virt.example' 'NQBENCH' 'foo%virt.example@bench.example' \
    'a%b%c@ph.example' 'x%y.example%ph2.example@ph.example' 'plain@ph.example' \
    'Bob@SANDBOX.Example' 'joe@vu.example' 'other@vu.example' 'JOE@VU.EXAMPLE' \
    'a@host.wild.example' 'a@wild.example' 'a@sub.wild.example' 'a@x.sub.wild.example' \
    'a@except.wild.example' 'a@dup.example' 'a@VIRT.Example' 'b@sandbox.example' \
    'r@remote.example' 'a@b@virt.example' ''
id=$ID
s=$(split "$id")
out=$(drive S w1 q)
is "$out" "N$id:lr
todo exit 0
clean exit 0" "rewriting: one message, local and remote"
is "$(records "$Q/local/$s/$id")" "Tnqbench-v-user@virt.example
TNQBENCH@bench.example
Tnqbench-v-foo@virt.example
TBob@SANDBOX.Example
Tvjoe-joe@vu.example
Tvdom-other@vu.example
Tvjoe-JOE@VU.EXAMPLE
Tw-a@host.wild.example
Tsub-a@sub.wild.example
Tw-a@x.sub.wild.example
Tsecond-a@dup.example
Tnqbench-v-a@VIRT.Example
Tb@sandbox.example
Tnqbench-v-a@b@virt.example
T@bench.example" "local recipients rewritten as qmail-send does"
is "$(records "$Q/remote/$s/$id")" "Ta%b@c
Tx@y.example
Tplain@ph.example
Ta@wild.example
Ta@except.wild.example
Tr@remote.example" "remote recipients (percenthack, exceptions, no match)"
like "$(cat "$T/log")" "warning: ignoring virtualdomains line without a colon: nocolon.example" \
    "a virtualdomains line without a colon: warning"
like "$(cat "$T/log")" "warning: ignoring virtualdomains line with an empty domain: user@:junk" \
    "a virtualdomains line with an empty domain: warning"

# ---- H rereads the controls; a catch-all; A scans without a trigger -------------
cat >"$T/notrig.sh" <<NT
mv "$Q/lock/trigger" "$Q/lock/trigger.off"
printf 'Fs@example.org\\000Tr@remote.example\\000\\000' >"$T/env3"
qmail-queue <"$T/msg" 1<"$T/env3"
mv "$Q/lock/trigger.off" "$Q/lock/trigger"
NT
out=$(drive S p300 "!printf ':catch\\n' >>$C/virtualdomains" "!sh $T/notrig.sh" p500 \
    "!find $Q/todo -type f | wc -l >$T/n" H A w1 q)
is "$(tr -d ' ' <"$T/n")" 1 "a message queued without pulling the trigger waits"
id=$(printf '%s\n' "$out" | sed -n 's/^N\([0-9]*\):.*/\1/p')
is "$out" "N$id:l
todo exit 0
clean exit 0" "H then A: it is scanned and rewritten with the new controls"
is "$(records "$Q/local/$(split "$id")/$id")" "Tcatch-r@remote.example" "the catch-all line :prepend"

mv "$Q/lock/trigger" "$Q/lock/trigger.off"
out=$(drive S p300 q)
is "$out" "todo exit 0
clean exit 0" "without lock/trigger it still runs"
like "$(cat "$T/log")" "warning: unable to open lock/trigger" "... with a warning"
: >"$Q/lock/trigger"
out=$(drive S p500 q)
is "$out" "todo exit 0
clean exit 0" "a regular file as lock/trigger"
is "$(grep -c trigger "$T/log")" 1 "... one warning, and no endless rescans"
like "$(cat "$T/log")" "warning: lock/trigger is not a named pipe" "... saying what is wrong"
rm "$Q/lock/trigger"
mv "$Q/lock/trigger.off" "$Q/lock/trigger"

# nothing before S
printf 'sandbox.example\n' >"$C/locals"
inject 's@example.org' 'r@remote.example'
id=$ID
out=$(drive p700 "!find $Q/todo -type f | wc -l >$T/n" S w1 q)
is "$(tr -d ' ' <"$T/n")" 1 "nothing is done before the start command S"
is "$out" "N$id:l
todo exit 0
clean exit 0" "... and the message is done after it"

# ---- the trigger while running ---------------------------------------------------
rm -f "$C/virtualdomains"
cat >"$T/injector.sh" <<INJ
{ printf 'Fa@example.org\\000Tz@remote.example\\000\\000'; } >"$T/env2"
qmail-queue <"$T/msg" 1<"$T/env2"
INJ
out=$(drive S p300 "!sh $T/injector.sh" w1 "!sh $T/injector.sh" w2 q)
n=$(printf '%s\n' "$out" | grep -c ':r$')
is "$n" 2 "messages queued while running are picked up through lock/trigger"
is "$(count_files todo)" 0 "... and their todo entries removed"

# ---- no recipients ---------------------------------------------------------------
inject 'lonely@example.org'
id=$ID
s=$(split "$id")
out=$(drive S w1 q)
is "$out" "N$id:
todo exit 0
clean exit 0" "a message without recipients: N<id>: with no flags"
test -f "$Q/info/$s/$id" && test ! -e "$Q/local/$s/$id" && test ! -e "$Q/remote/$s/$id"
ok $? "... info only"

# ---- log filter ---------------------------------------------------------------------
inject 'we%ird s@example.org' 'x@sandbox.example'
id=$ID
out=$(drive S w1 q)
like "$(cat "$T/log")" "info msg $id: bytes [0-9]+ from <we_ird_s@example.org> qp [0-9]+ uid $uid" \
    "the sender is filtered in the log (%, space -> _)"

# ---- a flat todo/<id> from an original qmail-queue ------------------------------------
inject 'old@example.org' 'x@sandbox.example'
id=$ID
mv "$Q/todo/$(split "$id")/$id" "$Q/todo/$id"
out=$(drive S w1 q)
is "$out" "N$id:l
todo exit 0
clean exit 0" "a flat todo/<id> is picked up"
test ! -e "$Q/todo/$id"
ok $? "... and removed"

# ---- damaged todo files: warned about once, skipped; the rest flows ---------------------
inject 'a@example.org' 'x@sandbox.example'; nof=$ID
inject 'a@example.org' 'x@sandbox.example'; unk=$ID
inject 'a@example.org' 'x@sandbox.example'; trunc=$ID
inject 'a@example.org' 'x@sandbox.example'; tbf=$ID
inject 'a@example.org' 'x@sandbox.example'; nomess=$ID
inject 'a@example.org' 'x@sandbox.example'; good=$ID
printf 'u0\000p1\000' >"$Q/todo/$(split "$nof")/$nof"
printf 'u0\000p1\000Fa@b\000Xfoo\000Tc@d\000' >"$Q/todo/$(split "$unk")/$unk"
printf 'u0\000p1\000Fa@b\000Tx@y' >"$Q/todo/$(split "$trunc")/$trunc"
printf 'u0\000p1\000Tx@y\000Fa@b\000' >"$Q/todo/$(split "$tbf")/$tbf"
rm "$Q/mess/$(split "$nomess")/$nomess"
out=$(drive S w1 A p500 q)
is "$out" "N$good:l
todo exit 0
clean exit 0" "only the good message is announced"
log=$(grep -v -e '^new msg' -e '^info msg' "$T/log" | sort)
want=$(printf '%s\n' \
    "warning: no sender record in todo/$(split "$nof")/$nof!" \
    "warning: unknown record type in todo/$(split "$unk")/$unk!" \
    "warning: truncated record in todo/$(split "$trunc")/$trunc!" \
    "warning: recipient before sender in todo/$(split "$tbf")/$tbf!" \
    "warning: unable to stat mess/$(split "$nomess")/$nomess" | sort)
is "$log" "$want" "one warning each, not repeated by the second scan"
for i in $nof $unk $trunc $tbf $nomess; do
    test -f "$Q/todo/$(split "$i")/$i" && test ! -e "$Q/info/$(split "$i")/$i" &&
        test ! -e "$Q/local/$(split "$i")/$i"
    ok $? "damaged entry $i left in todo/ with no info or local file"
done
for i in $nof $unk $trunc $tbf; do rm -f "$Q/todo/$(split "$i")/$i" "$Q/mess/$(split "$i")/$i"; done
rm -f "$Q/todo/$(split "$nomess")/$nomess"

# a todo entry in the wrong subdirectory is left alone
inject 'a@example.org' 'x@sandbox.example'
id=$ID
wrong=$(( ($(split "$id") + 1) % 23 ))
mv "$Q/todo/$(split "$id")/$id" "$Q/todo/$wrong/$id"
out=$(drive S p500 q)
is "$out" "todo exit 0
clean exit 0" "an entry in the wrong subdirectory is not processed"
like "$(cat "$T/log")" "warning: todo/$wrong/$id is in the wrong subdirectory" "... with a warning"
mv "$Q/todo/$wrong/$id" "$Q/todo/$(split "$id")/$id"
drive S w1 q >/dev/null

# ---- a backlog processed in batches ---------------------------------------------------------
i=0
while [ $i -lt 150 ]; do
    printf 'Fb@example.org\000Tx%s@sandbox.example\000Tx%s@remote.example\000\000' $i $i >"$T/env"
    qmail-queue <"$T/msg" 1<"$T/env" || break
    i=$((i + 1))
done
is "$i" 150 "150 messages queued"
out=$(drive S w150 q)
is "$(printf '%s\n' "$out" | grep -c ':lr$')" 150 "150 notifications"
is "$(count_files todo)" 0 "the todo backlog is gone"
is "$(grep -c '^new msg' "$T/log")" 150 "150 new msg lines"

# ---- stopping ----------------------------------------------------------------------------------
out=$(drive S p300 k p300)
is "$out" "todo exit 0
clean exit 0" "SIGTERM: exit 0"

# ---- control file trouble ----------------------------------------------------------------------
printf 'ok.example:x\nbad\000line:y\n' >"$C/virtualdomains"
out=$(drive S p300 q)
is "$out" "todo exit 111
clean exit 0" "an unreadable virtualdomains at start: exit 111"
like "$(cat "$T/log")" "^alert: cannot start: unable to read controls" "... with an alert"
printf 'ok.example:x\n' >"$C/virtualdomains"
inject 'a@example.org' 'u@ok.example'
id=$ID
out=$(drive S w1 "!printf 'bad\\000:y\\n' >$C/virtualdomains" H p300 q)
is "$out" "N$id:l
todo exit 0
clean exit 0" "a bad virtualdomains on H: still running"
like "$(cat "$T/log")" "alert: unable to reread controls" "... the old controls stay, with an alert"
rm -f "$C/locals" "$C/me" "$C/virtualdomains"
out=$(drive S p300 q)
is "$out" "todo exit 111
clean exit 0" "no locals and no me: exit 111"

done_testing
