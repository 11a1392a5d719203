#!/bin/sh
# qmail-qread and qmail-qstat on a queue built by qmail-queue and qmail-todo.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create
Q=$QMAILHOME/queue
T=$SANDBOX/t
mkdir "$T"
DRIVE=$SUITE_BUILD/tests/helpers/qtodo-drive
printf 'Subject: hello\n\nbody\n' >"$T/msg"

inject() {
    _s=$1
    shift
    { printf 'F%s\000' "$_s"; for _r in "$@"; do printf 'T%s\000' "$_r"; done; printf '\000'; } >"$T/env"
    (cd "$Q" && find mess -type f | sort) >"$T/before"
    qmail-queue <"$T/msg" 1<"$T/env" || { diag "qmail-queue failed: $?"; return 1; }
    ID=$( (cd "$Q" && find mess -type f | sort) | comm -13 "$T/before" - | sed 's|.*/||')
}
split() { echo $(($1 % 23)); }
TAB=$(printf '\t')

out=$(qmail-qread)
is "$?:$out" "0:" "an empty queue: no output, exit 0"
is "$(qmail-qstat)" "messages in queue: 0
messages in queue but not yet preprocessed: 0" "qmail-qstat on an empty queue"

inject 'joe@example.org' 'bob@sandbox.example' 'carol@remote.example' 'dave@sandbox.example'
a=$ID
# a sender and recipient with bytes outside 32..126, in another subdirectory
# than the first message, so that the order of the listing is known
while :; do
    inject "$(printf 'we ird\001\377@example.org')" "$(printf 'x\tz@remote.example')"
    b=$ID
    [ "$(split "$a")" -ne "$(split "$b")" ] && break
    rm -f "$Q/mess/$(split "$b")/$b" "$Q/todo/$(split "$b")/$b"
done
(cd "$T" && "$DRIVE" "$T/log" S w2 q) >/dev/null

touch -d '2026-11-20 22:38:50 UTC' "$Q/info/$(split "$a")/$a"
touch -d '2026-01-02 03:04:05 UTC' "$Q/info/$(split "$b")/$b"
# dave is done: the first byte of his record becomes D
off=$(printf 'Tbob@sandbox.example\000' | wc -c)
printf 'D' | dd of="$Q/local/$(split "$a")/$a" bs=1 seek="$off" conv=notrunc 2>/dev/null
printf 'carol@remote.example:\nsorry\n\n' >"$Q/bounce/$a"
size_a=$(stat -c %s "$Q/mess/$(split "$a")/$a")
size_b=$(stat -c %s "$Q/mess/$(split "$b")/$b")

la="20 Nov 2026 22:38:50 GMT  #$a  $size_a  <joe@example.org>  bouncing
${TAB}local${TAB}bob@sandbox.example
  done${TAB}local${TAB}dave@sandbox.example
${TAB}remote${TAB}carol@remote.example"
lb="2 Jan 2026 03:04:05 GMT  #$b  $size_b  <we ird__@example.org> 
${TAB}remote${TAB}x_z@remote.example"
if [ "$(split "$a")" -lt "$(split "$b")" ]; then want="$la
$lb"; else want="$lb
$la"; fi
out=$(qmail-qread)
is "$out" "$want" "qmail-qread: header lines, done marks, bouncing, _ for unprintable bytes"
qmail-qread | grep -q ' $'
ok $? "... the header line ends in a space"

inject 'later@example.org' 'x@sandbox.example'
c=$ID
inject 'later@example.org' 'y@sandbox.example'
d=$ID
mv "$Q/todo/$(split "$d")/$d" "$Q/todo/$d"
is "$(qmail-qstat)" "messages in queue: 4
messages in queue but not yet preprocessed: 2" "qmail-qstat counts split and flat todo entries"
is "$(qmail-qread)" "$want" "messages not yet preprocessed are not listed"

rm "$Q/mess/$(split "$b")/$b"
out=$(qmail-qread 2>"$T/err")
is "$?" 0 "a message without its mess file: exit 0"
is "$out" "$la" "... it is skipped"
like "$(cat "$T/err")" "warning: trouble with #$b" "... with a warning on stderr"

QMAILHOME=$SANDBOX/nonexistent qmail-qread >/dev/null 2>&1
is "$?" 111 "qmail-qread without a queue: exit 111"
QMAILHOME=$SANDBOX/nonexistent qmail-qstat >/dev/null 2>&1
is "$?" 111 "qmail-qstat without a queue: exit 111"

done_testing
