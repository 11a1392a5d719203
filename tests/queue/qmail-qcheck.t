#!/bin/sh
# qmail-qcheck: every inconsistency is reported (exit 1), repaired with -r,
# and a second run finds nothing (exit 0).
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create
Q=$QMAILHOME/queue
T=$SANDBOX/t
mkdir "$T"
DRIVE=$SUITE_BUILD/tests/helpers/qtodo-drive
printf 'Subject: hello\n\nbody\n' >"$T/msg"

split() { echo $(($1 % 23)); }
# mkmess: a mess file named after its inode; sets ID
mkmess() {
    : >"$Q/mess/new"
    ID=$(stat -c %i "$Q/mess/new")
    mv "$Q/mess/new" "$Q/mess/$(split "$ID")/$ID"
}
inject() {
    printf 'F%s\000T%s\000\000' "$1" "$2" >"$T/env"
    (cd "$Q" && find mess -type f | sort) >"$T/before"
    qmail-queue <"$T/msg" 1<"$T/env" || { diag "qmail-queue failed: $?"; return 1; }
    ID=$( (cd "$Q" && find mess -type f | sort) | comm -13 "$T/before" - | sed 's|.*/||')
}
check() { # NAME WANT-REPORT WANT-REPAIR: report run, repair run, clean run
    out=$(qmail-qcheck 2>&1)
    st=$?
    is "$st:$out" "1:$2" "$1: reported"
    out=$(qmail-qcheck -r 2>&1)
    st=$?
    is "$st:$out" "1:$3" "$1: repaired"
    out=$(qmail-qcheck 2>&1)
    st=$?
    is "$st:$out" "0:" "$1: clean afterwards"
}

out=$(qmail-qcheck)
is "$?:$out" "0:" "a fresh queue is clean"

# a preprocessed message and a queued one, both consistent
inject 'a@example.org' 'b@sandbox.example'
(cd "$T" && "$DRIVE" "$T/log" S w1 q) >/dev/null
good=$ID
inject 'a@example.org' 'c@remote.example'
queued=$ID
out=$(qmail-qcheck)
is "$?:$out" "0:" "a queue with a preprocessed and a queued message is clean"

# ---- directories and lock files ------------------------------------------------
# split directories that hold none of the messages above (their ids,
# inode numbers, decide where those went)
empty_split() { # dir: the first empty subdirectory number
    for n in 7 8 9 10 11 12 13 3 4 5 6; do
        [ -z "$(ls -A "$Q/$1/$n")" ] && { echo "$n"; return; }
    done
}
td=$(empty_split todo) id=$(empty_split info)
rmdir "$Q/todo/$td" "$Q/info/$id"
check "missing directories" "todo/$td: missing directory
info/$id: missing directory" "todo/$td: missing directory: created
info/$id: missing directory: created"
is "$(stat -c %a "$Q/todo/$td") $(stat -c %a "$Q/info/$id")" "750 700" "... with qmail's modes"

chmod 755 "$Q/local/5"
check "a wrong mode" "local/5: mode 0755, should be 0700" \
    "local/5: mode 0755, should be 0700: mode changed"

rm "$Q/lock/trigger"
: >"$Q/lock/trigger"
check "trigger not a named pipe" "lock/trigger: not a named pipe" \
    "lock/trigger: not a named pipe: named pipe created"
test -p "$Q/lock/trigger" && [ "$(stat -c %a "$Q/lock/trigger")" = 622 ]
ok $? "... a named pipe with mode 0622"
rm "$Q/lock/trigger"
check "trigger missing" "lock/trigger: missing named pipe" \
    "lock/trigger: missing named pipe: named pipe created"

printf 'short' >"$Q/lock/tcpto"
check "tcpto of the wrong size" "lock/tcpto: not 1024 bytes long" \
    "lock/tcpto: not 1024 bytes long: replaced by an empty table"
is "$(stat -c %s "$Q/lock/tcpto")" 1024 "... 1024 bytes"
rm "$Q/lock/sendmutex"
check "sendmutex missing" "lock/sendmutex: missing" "lock/sendmutex: missing: created"

# ---- debris --------------------------------------------------------------------
mkmess
old=$ID
: >"$Q/intd/$old"
touch -d '40 hours ago' "$Q/mess/$(split "$old")/$old"
mkmess
young=$ID
check "an old mess file without todo or info" \
    "mess/$(split "$old")/$old: no todo or info entry for more than 36 hours" \
    "mess/$(split "$old")/$old: no todo or info entry for more than 36 hours: removed"
test ! -e "$Q/intd/$old"
ok $? "... with its intd file"
out=$(qmail-qcheck -a)
is "$?:$out" "1:mess/$(split "$young")/$young: no todo or info entry" "-a: a young one too"
qmail-qcheck -a -r >/dev/null
test ! -e "$Q/mess/$(split "$young")/$young"
ok $? "-a -r removes it"

printf 'u0\000p1\000Fa@b\000Tc@d\000' >"$Q/todo/4/4"
: >"$Q/intd/4"
check "todo without mess" "todo/4/4: message file missing
intd/4: message file missing" "todo/4/4: message file missing: removed"
test ! -e "$Q/intd/4"
ok $? "... the repair removed its intd file too"

: >"$Q/intd/999"
check "intd without mess" "intd/999: message file missing" "intd/999: message file missing: removed"

s=$(split 1000)
printf 'Fa@b\000' >"$Q/info/$s/1000"
printf 'Tx@y\000' >"$Q/local/$s/1000"
printf 'Tx@z\000' >"$Q/remote/$s/1000"
printf 'x:\nno\n\n' >"$Q/bounce/1000"
out=$(qmail-qcheck)
is "$?:$out" "1:info/$s/1000: message file missing" "info without mess: reported"
out=$(qmail-qcheck -r)
is "$?:$out" "1:info/$s/1000: message file missing: removed with the message's local, remote and bounce files" \
    "info without mess: repaired"
test ! -e "$Q/local/$s/1000" && test ! -e "$Q/remote/$s/1000" && test ! -e "$Q/bounce/1000"
ok $? "... local, remote and bounce went too"

printf 'Tx@y\000' >"$Q/local/$s/1000"
printf 'Tx@y\000' >"$Q/remote/$s/1000"
check "local and remote without info" "local/$s/1000: no info or todo entry
remote/$s/1000: no info or todo entry" "local/$s/1000: no info or todo entry: removed
remote/$s/1000: no info or todo entry: removed"

qs=$(split "$queued")
printf 'Tc@remote.example\000' >"$Q/remote/$qs/$queued"
out=$(qmail-qcheck)
is "$?:$out" "0:" "a remote file of a message still in todo/ is fine (preprocessing interrupted)"
rm "$Q/remote/$qs/$queued"

printf 'x:\nno\n\n' >"$Q/bounce/1000"
check "bounce without info" "bounce/1000: no info entry" "bounce/1000: no info entry: removed"

: >"$Q/pid/12.34.1"
touch -d '40 hours ago' "$Q/pid/12.34.1"
: >"$Q/pid/12.34.2"
check "a stale pid file" "pid/12.34.1: stale scratch file" "pid/12.34.1: stale scratch file: removed"
rm -f "$Q/pid/12.34.2"

# ---- misplaced files ----------------------------------------------------------------
gs=$(split "$good")
ws=$(( (gs + 1) % 23 ))
mv "$Q/info/$gs/$good" "$Q/info/$ws/$good"
mv "$Q/mess/$gs/$good" "$Q/mess/$good"
check "files in the wrong subdirectory" "mess/$good: in the wrong subdirectory
info/$ws/$good: in the wrong subdirectory" "mess/$good: in the wrong subdirectory: moved to mess/$gs/$good
info/$ws/$good: in the wrong subdirectory: moved to info/$gs/$good"
mv "$Q/todo/$qs/$queued" "$Q/todo/$(( (qs + 5) % 23 ))/$queued"
check "a todo entry in the wrong subdirectory" \
    "todo/$(( (qs + 5) % 23 ))/$queued: in the wrong subdirectory" \
    "todo/$(( (qs + 5) % 23 ))/$queued: in the wrong subdirectory: moved to todo/$qs/$queued"
mv "$Q/todo/$qs/$queued" "$Q/todo/$queued"
out=$(qmail-qcheck)
is "$?:$out" "0:" "a flat todo/<id> is fine"
mv "$Q/todo/$queued" "$Q/todo/$qs/$queued"

# ---- a message whose name is not its inode (a copied queue) ------------------------------
mkmess
ino=$ID
oldid=$((ino + 100000))
os=$(split "$oldid")
mv "$Q/mess/$(split "$ino")/$ino" "$Q/mess/$os/$oldid"
printf 'Fa@b\000' >"$Q/info/$os/$oldid"
printf 'Tx@sandbox.example\000' >"$Q/local/$os/$oldid"
printf 'u0\000p1\000Fa@b\000' >"$Q/todo/$os/$oldid"
printf 'x:\nno\n\n' >"$Q/bounce/$oldid"
check "a mess file not named after its inode" \
    "mess/$os/$oldid: name is not the inode number $ino" \
    "mess/$os/$oldid: name is not the inode number $ino: renamed to mess/$(split "$ino")/$ino with its other files"
ns=$(split "$ino")
test -f "$Q/mess/$ns/$ino" && test -f "$Q/info/$ns/$ino" && test -f "$Q/local/$ns/$ino" &&
    test -f "$Q/todo/$ns/$ino" && test -f "$Q/bounce/$ino" && test ! -e "$Q/mess/$os/$oldid" &&
    test ! -e "$Q/info/$os/$oldid" && test ! -e "$Q/todo/$os/$oldid" && test ! -e "$Q/bounce/$oldid"
ok $? "... all its files carry the new id"
rm -f "$Q/mess/$ns/$ino" "$Q/info/$ns/$ino" "$Q/local/$ns/$ino" "$Q/todo/$ns/$ino" "$Q/bounce/$ino"

# ---- damaged contents: reported, never repaired -----------------------------------------
mkmess
bad=$ID
bs=$(split "$bad")
printf 'u0\000p1\000Fa@b\000Xjunk\000' >"$Q/todo/$bs/$bad"
out=$(qmail-qcheck)
is "$?:$out" "1:todo/$bs/$bad: corrupt envelope: unknown record type" "a corrupt envelope: reported"
out=$(qmail-qcheck -r)
is "$?:$out" "1:todo/$bs/$bad: corrupt envelope: unknown record type: not repaired: inspect it by hand" \
    "... and not repaired"
printf 'u0\000p1\000Fa@b\000Tc@d' >"$Q/todo/$bs/$bad"
out=$(qmail-qcheck)
is "$?:$out" "1:todo/$bs/$bad: corrupt envelope: truncated record" "a truncated envelope"
printf 'u0\000p1\000' >"$Q/todo/$bs/$bad"
out=$(qmail-qcheck)
is "$?:$out" "1:todo/$bs/$bad: corrupt envelope: no sender record" "an envelope without a sender"
rm "$Q/todo/$bs/$bad"
printf 'Fa@b\000' >"$Q/info/$bs/$bad"
printf 'Tx@y\000Qz\000' >"$Q/local/$bs/$bad"
out=$(qmail-qcheck)
is "$?:$out" "1:local/$bs/$bad: corrupt recipient list: unknown record type" "a corrupt local file"
rm "$Q/info/$bs/$bad" "$Q/local/$bs/$bad" "$Q/mess/$bs/$bad"

: >"$Q/mess/5/notanid"
out=$(qmail-qcheck -r)
is "$?:$out" "1:mess/5/notanid: unexpected file: not repaired: not a queue file; remove it by hand" \
    "a file that is not a queue file is only reported"
rm "$Q/mess/5/notanid"

# ---- refusals ----------------------------------------------------------------------------
flock "$Q/lock/sendmutex" sleep 3 &
fpid=$!
sleep 0.5
out=$(qmail-qcheck -r 2>&1)
is "$?" 111 "-r while qmail-send holds lock/sendmutex: exit 111"
like "$out" "qmail-send is running" "... saying why"
wait "$fpid"
QMAILHOME=$SANDBOX/nonexistent qmail-qcheck >/dev/null 2>&1
is "$?" 111 "no qmail home: exit 111"
qmail-qcheck -x >/dev/null 2>&1
is "$?" 100 "a bad option: exit 100"
out=$(qmail-qcheck)
is "$?:$out" "0:" "in the end the queue is clean"

done_testing
