#!/bin/sh
# The crash harness: hundreds of messages are injected while qmail-queue,
# qmail-todo, qmail-send and qmail-local are killed with SIGKILL at random
# moments and the queue is restarted.  Afterwards every accepted message has
# been delivered, only complete messages were ever delivered, duplicates stay
# within what was in flight, and the queue is empty.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"

N=${CRASH_MESSAGES:-300}
sandbox_create
(cd "$QMAILHOME" && qmail-newu) || BAIL_OUT "qmail-newu failed"
M=$SANDBOX_MAILDIR
RCPT=$SANDBOX_USER@$SANDBOX_DOMAIN
QUEUE_LOG=$SANDBOX/send.log
: >"$QUEUE_LOG"

# a sandbox-local process of the given name, chosen at random
victim() {
    for p in $(pgrep -x "$1"); do
        case $(readlink "/proc/$p/cwd" 2>/dev/null) in "$SANDBOX"*) echo "$p" ;; esac
    done | shuf -n 1
}

start_queue() {
    sandbox_spawn sh -c "cd '$SANDBOX_HOME' && exec qmail-start ./Maildir/ >>'$QUEUE_LOG' 2>&1"
    QUEUE_PID=$SANDBOX_PID
}

# the injector: message i carries its number at the start and at the end
inject_all() {
    i=1
    while [ $i -le "$N" ]; do
        {
            printf 'Subject: crash %d\n\nBEGIN %d\n' "$i" "$i"
            head -c 3000 /dev/zero | tr '\0' 'x' | fold -w 70
            printf '\nEND %d\n' "$i"
        } >"$SANDBOX/m.$i"
        if queue_inject "s@x.org" "$RCPT" <"$SANDBOX/m.$i" 2>/dev/null; then
            echo "$i" >>"$SANDBOX/accepted"
        fi
        rm -f "$SANDBOX/m.$i"
        i=$((i + 1))
    done
    touch "$SANDBOX/injected"
}

: >"$SANDBOX/accepted"
start_queue
inject_all &
INJ=$!

kills=0
killed_send=0
rounds=0
# until the injector is done, and at least 8 kills (a fast queue can take
# all the messages between a few kills)
while [ ! -f "$SANDBOX/injected" ] || { [ $kills -lt 8 ] && [ $rounds -lt 200 ]; }; do
    rounds=$((rounds + 1))
    sleep "0.0$(shuf -i 1-9 -n 1)"
    case $(shuf -i 1-4 -n 1) in
        1) target=qmail-queue ;;
        2) target=qmail-todo ;;
        3) target=qmail-send ;;
        4) target=qmail-local ;;
    esac
    p=$(victim $target)
    if [ -n "$p" ]; then
        kill -KILL "$p" 2>/dev/null && kills=$((kills + 1))
        echo "killed $target $p" >>"$SANDBOX/kills"
    fi
    # qmail-send gone (killed, or died because qmail-todo was): restart
    if ! kill -0 "$QUEUE_PID" 2>/dev/null; then
        sleep 0.1
        killed_send=$((killed_send + 1))
        start_queue
    fi
done
wait $INJ
diag "$kills processes killed, queue restarted $killed_send times"
ok "$([ $kills -gt 5 ] && echo 0 || echo 1)" "the harness killed processes ($kills)"

# let the queue finish: deferred deliveries (crashed qmail-local) are retried
kill -0 "$QUEUE_PID" 2>/dev/null || start_queue
n=0
while ! queue_empty && [ $n -lt 240 ]; do
    sleep 0.5
    kill -ALRM "$QUEUE_PID" 2>/dev/null
    n=$((n + 1))
done
queue_stop

accepted=$(wc -l <"$SANDBOX/accepted" | tr -d ' ')
ok "$([ "$accepted" -gt $((N / 2)) ] && echo 0 || echo 1)" "most injections were accepted ($accepted of $N)"

# every delivered file is whole: BEGIN and END with the same number
bad=0
for f in "$M"/new/*; do
    [ -f "$f" ] || continue
    b=$(sed -n 's/^BEGIN //p' "$f")
    e=$(sed -n 's/^END //p' "$f")
    if [ -z "$b" ] || [ "$b" != "$e" ]; then bad=$((bad + 1)); diag "incomplete: $f"; fi
    echo "$b" >>"$SANDBOX/delivered"
done
is "$bad" 0 "no half-written message was delivered"

missing=0
for i in $(cat "$SANDBOX/accepted"); do
    grep -qx "$i" "$SANDBOX/delivered" || { missing=$((missing + 1)); diag "message $i accepted but not delivered"; }
done
is "$missing" 0 "every accepted message was delivered"

dups=$(sort "$SANDBOX/delivered" | uniq -d | wc -l | tr -d ' ')
diag "$dups duplicate deliveries"
ok "$([ "$dups" -le $((kills * 10)) ] && echo 0 || echo 1)" "duplicates ($dups) within what was in flight"

# a qmail-queue killed between naming its message file and committing the
# todo entry leaves a message file nobody will deliver (never a half-queued
# message); the queue checker removes such debris
out=$(qmail-qcheck -r -a 2>&1)
echo "$out" | while read -r l; do diag "qmail-qcheck: $l"; done
unlike "$out" "(info|local|remote|todo|bounce)/" "qmail-qcheck found nothing but unqueued message files"
left=$(find "$QMAILHOME/queue/mess" "$QMAILHOME/queue/info" "$QMAILHOME/queue/todo" \
    "$QMAILHOME/queue/local" "$QMAILHOME/queue/remote" "$QMAILHOME/queue/bounce" -type f | wc -l)
is "$left" 0 "the queue ends empty"
find "$QMAILHOME/queue" -type f | grep -v -e /lock/ -e /poolq/ -e /pools/ | while read -r f; do diag "left: $f ($(od -c "$f" | head -2 | tr '\n' ' '))"; done
ls "$M/tmp" | while read -r t; do diag "left in Maildir/tmp: $t"; done
done_testing
