# Queue and local delivery figures (issues: the queue, local delivery).
# Compared with the disk's create+write+fsync rate measured in this run;
# the original qmail reaches about 0.34 (injection) and 0.25 (end to end)
# of that rate on this kind of machine (reference digest, section 12).
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
N=${BENCH_MESSAGES:-2000}
sandbox_create
# The issue's ratios are taken against the disk's rate measured in this
# part, in the queue's own pid/ directory (where qmail-queue creates its
# files), just before the queue runs: the parts before it remove their
# sandboxes, and on this disk (ext4 without a journal) freed inodes slow
# every create in their block group for minutes, so the rate measured at
# the start of the run, elsewhere, may not be the disk the queue gets.
# Both are printed.
FSYNC=$(bench_fsync_measure_in "$QMAILHOME/queue/pid" "$SANDBOX/fsyncrate")
report "disk, measured now in queue/pid" "$FSYNC" "files/s" "(at the start of the run: $(bench_fsync_rate); the ratios below use this one)"
# The floor: processes started as qmail-queue is started, each making two
# files and their names in two queue directories durable (qmail-queue's
# least work, none of its own; the files are synced side by side in
# threads, the fastest way measured here: sequential fsyncs, io_uring and
# Linux AIO were slower, and syncfs() does not order the directory blocks
# of ext4 without a journal before its flush), measured in the same
# directories.  An injection in qmail's layout does at least this, and an
# end-to-end run with one injector cannot beat its injections; where the
# floor's ratio is below a target, the target is out of this machine's
# reach at this disk rate.
mkdir "$SANDBOX/floor" || exit 1
FLOOR=$("$SUITE_BUILD/tests/helpers/commitfloor" "$QMAILHOME/queue/pid" "$QMAILHOME/queue/intd" 1000 "$SANDBOX/floor") || exit 1
report "floor: two files and two names made durable per process" "$FLOOR" "runs/s" "ratio $(ratio "$FLOOR" "$FSYNC") of fsync rate (the least an injection in qmail's layout does)"
(cd "$QMAILHOME" && qmail-newu) || exit 1
printf 'From: bench@example.org\nTo: %s@%s\nSubject: bench\n\n%s\n' "$SANDBOX_USER" "$SANDBOX_DOMAIN" \
    "$(head -c 200 /dev/zero | tr '\0' 'b')" >"$SANDBOX/msg"
printf 'Fbench@example.org\0T%s@%s\0\0' "$SANDBOX_USER" "$SANDBOX_DOMAIN" >"$SANDBOX/env"
INJECT=$SUITE_BUILD/tests/helpers/inject
QQ=$QMAILHOME/bin/qmail-queue

# Delivered messages are moved aside, not removed, between the parts: freed
# inodes would slow the creates of the next part (see run.sh).
set_aside() { mv "$SANDBOX_MAILDIR/new" "$SANDBOX/new.$1" && mkdir "$SANDBOX_MAILDIR/new"; }

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f\n", n / s }'; }

# Waits for count messages in Maildir/new and an empty queue; a C helper
# looks every 10 ms (a shell loop's forks took CPU from the queue).  A
# message that never arrives ends the bench with an error, not a hang.
wait_delivered() { # count
    "$SUITE_BUILD/tests/helpers/waitdeliv" "$SANDBOX_MAILDIR/new" "$1" "$QMAILHOME/queue/info" 600 ||
        { echo "bench queue: not every message was delivered" >&2; queue_stop >/dev/null; exit 1; }
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }

# (a) injection alone, one qmail-queue at a time (nothing drains the queue)
set -- $("$INJECT" "$QQ" "$SANDBOX/msg" "$SANDBOX/env" "$N" 1)
r=$(rate "$N" "$1")
report "qmail-queue: injection of $N messages, sequential" "$r" "msg/s" "ratio $(ratio "$r" "$FSYNC") of fsync rate, $(ratio "$r" "$(bench_fsync_rate)") of the run-start one (target 0.5; failed: $2)"

# (b) drain: the $N queued messages delivered by the queue started now
t0=$(now)
queue_start >/dev/null
wait_delivered "$N"
s=$(since "$t0")
r=$(rate "$N" "$s")
report "queue: drain of $N pre-queued messages into one Maildir" "$r" "msg/s" "ratio $(ratio "$r" "$FSYNC")"
set_aside drain

# (c) end to end while running: inject sequentially, wait for the last delivery
t0=$(now)
"$INJECT" "$QQ" "$SANDBOX/msg" "$SANDBOX/env" "$N" 1 >/dev/null
wait_delivered "$N"
s=$(since "$t0")
r=$(rate "$N" "$s")
report "queue: end to end, $N messages, 1 injector" "$r" "msg/s" "ratio $(ratio "$r" "$FSYNC") of fsync rate, $(ratio "$r" "$(bench_fsync_rate)") of the run-start one (target 0.4)"
set_aside e2e1

# (d) the same with 8 concurrent injectors
t0=$(now)
"$INJECT" "$QQ" "$SANDBOX/msg" "$SANDBOX/env" "$N" 8 >/dev/null
wait_delivered "$N"
s=$(since "$t0")
r8=$(rate "$N" "$s")
report "queue: end to end, $N messages, 8 injectors" "$r8" "msg/s" "ratio $(ratio "$r8" "$r") of 1 injector"
set_aside e2e8
queue_stop >/dev/null

# (e) qmail-local alone: N deliveries into a Maildir, CPU per message
t0=$(now)
cpu=$( { /usr/bin/time -f '%U %S' sh -c '
    i=0
    while [ $i -lt '"$N"' ]; do
        qmail-local -- "$0" "$1" "$0" "" "" "$2" bench@example.org ./Maildir/ <"$3" >/dev/null || exit 1
        i=$((i + 1))
    done' "$SANDBOX_USER" "$SANDBOX_HOME" "$SANDBOX_DOMAIN" "$SANDBOX/msg"; } 2>&1 >/dev/null | tail -1)
s=$(since "$t0")
r=$(rate "$N" "$s")
per=$(echo "$cpu" | awk -v n="$N" '{ printf "%.0f\n", ($1 + $2) * 1e6 / n }')
report "qmail-local: $N Maildir deliveries (with sh loop)" "$r" "msg/s" "ratio $(ratio "$r" "$FSYNC"); CPU ${per} us/msg"


# (f) qmail-lspawn: the cost of a spawn, 10 batches of 100 commands each:
# to the empty local part (a fork, no delivery) and to the user (fork,
# exec qmail-local, one Maildir delivery)
queue_inject "bench@example.org" "$SANDBOX_USER@$SANDBOX_DOMAIN" <"$SANDBOX/msg"
mess=$(cd "$QMAILHOME/queue/mess" && find . -type f | head -1 | sed 's|^\./||')
spawn_batch() { # recipient
    i=0
    while [ $i -lt 100 ]; do
        printf "\\$(printf '%03o' $i)%s\0bench@example.org\0%s\0" "$mess" "$1"
        i=$((i + 1))
    done >"$SANDBOX/cmds"
    for b in 1 2 3 4 5 6 7 8 9 10; do
        (cd "$QMAILHOME/queue/mess" && "$SUITE_BUILD/tests/helpers/spawndrive" qmail-lspawn ./Maildir/ <"$SANDBOX/cmds" >/dev/null)
    done
}
for target in "@$SANDBOX_DOMAIN" "$SANDBOX_USER@$SANDBOX_DOMAIN"; do
    t0=$(now)
    spawn_batch "$target"
    s=$(since "$t0")
    r=$(rate 1000 "$s")
    case $target in @*) what="spawn only (empty local part)" ;; *) what="spawn + qmail-local + Maildir" ;; esac
    report "qmail-lspawn: 1000 deliveries, $what" "$r" "msg/s" "$(awk -v s="$s" 'BEGIN { printf "%.0f us each (wall)", s * 1e6 / 1000 }')"
done
