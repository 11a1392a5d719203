#!/bin/sh
# qmail-queue: the bytes it stores (mess with its Received line, the todo
# envelope in the split todo/), the trigger, and bad input of every kind:
# each failure leaves nothing behind.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create
Q=$QMAILHOME/queue
T=$SANDBOX/t
mkdir "$T"
uid=$(id -u)

# mkenv FILE RECORD...: the records, each NUL-terminated, then the final NUL
mkenv() {
    _f=$1
    shift
    : >"$_f"
    for _r in "$@"; do printf '%s\000' "$_r" >>"$_f"; done
    printf '\000' >>"$_f"
}

# files in the queue besides the directories and lock/
queue_files() {
    (cd "$Q" && find mess intd todo pid info local remote bounce -type f | sort)
}

printf 'Subject: test\n\nline 1\n.\nbinary \001\377 end' >"$T/msg"
mkenv "$T/env" 'Fjoe@example.org' 'Tbob@sandbox.example' 'Tcarol@remote.example'
qmail-queue <"$T/msg" 1<"$T/env"
is "$?" 0 "a message is queued"
files=$(queue_files)
id=$(printf '%s\n' "$files" | sed -n 's|^mess/[0-9]*/||p')
is "$files" "mess/$((id % 23))/$id
todo/$((id % 23))/$id" "mess and todo are split by id % 23; nothing else is left"
ino=$(stat -c %i "$Q/mess/$((id % 23))/$id")
is "$ino" "$id" "the id is the inode number of the mess file"

todo=$Q/todo/$((id % 23))/$id
qp=$(tr '\000' '\n' <"$todo" | sed -n 's/^p//p')
printf 'u%s\000p%s\000Fjoe@example.org\000Tbob@sandbox.example\000Tcarol@remote.example\000' \
    "$uid" "$qp" >"$T/want.todo"
cmp -s "$todo" "$T/want.todo"
ok $? "todo bytes: u, p, F, T records without the final NUL"

mess=$Q/mess/$((id % 23))/$id
first=$(head -n 1 "$mess")
like "$first" "^Received: \\(qmail $qp invoked by uid $uid\\); [1-9][0-9]? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20[0-9][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] -0000\$" \
    "the Received line"
tail -n +2 "$mess" >"$T/rest"
cmp -s "$T/rest" "$T/msg"
ok $? "the message follows byte for byte"
is "$(stat -c %a "$mess")" 644 "mess file mode 0644"

clear_queue() {
    (cd "$Q" && find mess intd todo pid -type f -exec rm -f {} +)
}
clear_queue

# run_qq NAME WANT-EXIT WANT-FILES: runs qmail-queue <$T/msg 1<$T/env
run_qq() {
    qmail-queue <"$T/msg" 1<"$T/env"
    is "$?" "$2" "$1: exit $2"
    is "$(queue_files | sed 's|/[0-9]*$||')" "$3" "$1: queue afterwards"
    clear_queue
}
printf 'hello\n' >"$T/msg"
printf 'Fa@b\000Tc@d\000' >"$T/env"
run_qq "envelope without the final NUL" 54 ""

: >"$T/env"
run_qq "empty envelope" 54 ""

printf 'Fa@b\000Tc@d' >"$T/env"
run_qq "envelope cut inside a recipient" 54 ""

mkenv "$T/env" 'Fa@b' 'Tfoo'
qmail-queue <"$T/msg" 1<"$T/env"
is "$?" 0 "a recipient without @ is accepted"
todo=$(cd "$Q" && find todo -type f)
tr '\000' '\n' <"$Q/$todo" | tail -n 1 >"$T/got"
is "$(cat "$T/got")" "Tfoo" "... and stored as given"
clear_queue

mkenv "$T/env" 'Fa@b'
qmail-queue <"$T/msg" 1<"$T/env"
is "$?" 0 "zero recipients are accepted"
todo=$(cd "$Q" && find todo -type f)
tr '\000' '\n' <"$Q/$todo" | sed 's/^p[0-9]*$/pN/' >"$T/got"
is "$(cat "$T/got")" "u$uid
pN
Fa@b" "... and the envelope holds the sender only"
clear_queue

mkenv "$T/env" 'F'
qmail-queue <"$T/msg" 1<"$T/env"
is "$?" 0 "the empty sender is accepted"
clear_queue

long=$(head -c 1048576 /dev/zero | tr '\000' a)
mkenv "$T/env" 'Fa@b' "T$long@example.org"
run_qq "a 1 MB recipient" 11 ""
mkenv "$T/env" "F$long"
run_qq "a 1 MB sender" 11 ""

a1002=$(head -c 990 /dev/zero | tr '\000' a)@example.org
is "${#a1002}" 1002 "(a 1002-byte address)"
mkenv "$T/env" 'Fa@b' "T$a1002"
qmail-queue <"$T/msg" 1<"$T/env"
is "$?" 0 "an address of 1002 bytes is accepted"
clear_queue
mkenv "$T/env" 'Fa@b' "Tx$a1002"
run_qq "an address of 1003 bytes" 11 ""

mkenv "$T/env" 'Fa
b@example.org' 'Tc@d'
run_qq "a sender with a newline" 12 ""
mkenv "$T/env" 'Fa@b' 'Tc
d@example.org'
run_qq "a recipient with a newline" 12 ""
printf 'Fa@b\000Tc@d\r\000\000' >"$T/env"
run_qq "a recipient with a carriage return" 12 ""

mkenv "$T/env" 'Ta@b'
run_qq "an envelope not starting with F" 91 ""
mkenv "$T/env" 'Fa@b' 'Xc@d'
run_qq "a recipient record not starting with T" 91 ""
printf '\000' >"$T/env"
run_qq "an envelope that is only the final NUL" 91 ""

mkenv "$T/env" 'Fa@b' 'Tc@d'
qmail-queue <"$T" 1<"$T/env"
is "$?" 54 "reading the message fails (fd 0 is a directory): exit 54"
is "$(queue_files)" "" "... nothing left"
clear_queue
qmail-queue <&- 1<"$T/env"
is "$?" 54 "fd 0 closed: exit 54"
is "$(queue_files)" "" "... nothing left"
clear_queue

qmail-queue <"$T/msg" 1<&-
is "$?" 54 "fd 1 closed: exit 54"
is "$(queue_files)" "" "... nothing left"
clear_queue

# a writer that dies half-way: the message ends early and so does the envelope
mkfifo "$T/envfifo"
(printf 'Fa@b\000Tc@' >"$T/envfifo") &
(printf 'Subject: cut'; exit 1) | qmail-queue 1<"$T/envfifo"
is "$?" 54 "message and envelope cut short by a dying writer: exit 54"
wait
is "$(queue_files)" "" "... nothing left"

# a caller that gives up and sends TERM (qmail-qmqpd on a bad packet): the
# message is written and named, the envelope is not finished
rm -f "$T/envfifo"; mkfifo "$T/envfifo"
exec 7<>"$T/envfifo"                        # kept open: the envelope never ends
printf 'Fa@b\000Tc@d\000' >&7
qmail-queue <"$T/msg" 1<&7 &
qqpid=$!
n=0
while [ -z "$(cd "$Q" && find mess -type f)" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
isnt "$(cd "$Q" && find mess -type f)" "" "TERM test: the message file exists while the envelope is awaited"
kill -TERM "$qqpid"
wait "$qqpid"
is "$?" 54 "killed with TERM before the commit: exit 54"
exec 7<&-
is "$(queue_files)" "" "... and what it wrote is removed"
clear_queue

# the trigger: one NUL byte for a reader
cat "$Q/lock/trigger" >"$T/trig" &
catpid=$!
sleep 0.3
mkenv "$T/env" 'Fa@b' 'Tc@d'
qmail-queue <"$T/msg" 1<"$T/env"
is "$?" 0 "queued with a reader on lock/trigger"
wait "$catpid"
is "$(od -An -c "$T/trig" | tr -d ' ')" '\0' "the trigger got one NUL byte"
clear_queue

# a tree without todo subdirectories (qmail 1.03's): a flat todo entry
for s in $(seq 0 22); do rmdir "$Q/todo/$s"; done
qmail-queue <"$T/msg" 1<"$T/env"
is "$?" 0 "queued into a tree with a flat todo/"
is "$(queue_files | sed 's|[0-9]*$|N|')" "mess/$(queue_files | sed -n 's|^mess/\([0-9]*\)/.*|\1|p')/N
todo/N" "... as todo/<id>"
clear_queue
for s in $(seq 0 22); do mkdir -m 750 "$Q/todo/$s"; done

# a full disk: a small tmpfs as the queue
if [ "$(id -u)" -ne 0 ]; then
    skip "needs root to mount a small tmpfs" 3
else
    FULL=$SANDBOX/full
    mkdir -p "$FULL/queue"
    if mount -t tmpfs -o size=256k tmpfs "$FULL/queue" 2>/dev/null; then
        atexit 'umount "$FULL/queue" 2>/dev/null'
        sh "$SUITE_SRC/queue/qmail-setup.sh" -u "$FULL" >&2
        head -c 1048576 /dev/zero | tr '\000' x >"$T/big"
        QMAILHOME=$FULL qmail-queue <"$T/big" 1<"$T/env"
        is "$?" 53 "a full disk: exit 53"
        left=$(cd "$FULL/queue" && find mess intd todo pid -type f | wc -l)
        is "$left" 0 "... no debris left behind"
        QMAILHOME=$FULL qmail-queue <"$T/msg" 1<"$T/env"
        is "$?" 0 "... and the queue works again with a small message"
        umount "$FULL/queue"
    else
        skip "cannot mount a tmpfs here" 3
    fi
fi

done_testing
