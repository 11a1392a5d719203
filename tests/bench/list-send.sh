# Distribution and bounce figures (issue: mailing lists, part B): with
# BENCH_SUBSCRIBERS (100,000) subscribers, ezmlm-send of one post queues ONE
# message whose envelope names every subscriber (qmail-send expands the
# VERP sender per recipient); and ezmlm-return handling 1,000 VERP bounces.
# The issue asks for well under a second for the post and under 3 s for
# the bounces.  The queue program here only counts what it receives.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
N=${BENCH_SUBSCRIBERS:-100000}
B=${BENCH_BOUNCES:-1000}
sandbox_create
list_etc_setup
L=$SANDBOX/list
ezmlm-make "$L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN" || exit 1
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "member%d@host%d.example.org\n", i, i % 997 }' \
    >"$SANDBOX/addrs"
"$SUITE_BUILD/tests/helpers/list-text" fill "$L" <"$SANDBOX/addrs" || exit 1

# a queue program that records how many messages and recipients it got
cat >"$SANDBOX/qq" <<'EOS'
#!/bin/sh
cat >/dev/null
exec 3<&1
n=$(tr -cd '\0' <&3 | wc -c)
echo "message $n" >>"$QQCOUNT"
EOS
chmod 755 "$SANDBOX/qq"
QMAILQUEUE=$SANDBOX/qq QQCOUNT=$SANDBOX/qqcount
export QMAILQUEUE QQCOUNT
now() { date +%s%N; }
ms() { awk -v t="$1" 'BEGIN { printf "%.1f\n", t / 1e6 }'; }

printf 'From: poster@example.org\nTo: list@sandbox.example\nSubject: benchmark\n\n' >"$SANDBOX/post"
awk 'BEGIN { for (i = 0; i < 100; i++) print "A line of the post, which is about five kilobytes long in all." }' >>"$SANDBOX/post"
t0=$(now)
SENDER=poster@example.org ezmlm-send "$L" <"$SANDBOX/post" 2>/dev/null || echo "bench: ezmlm-send failed" >&2
t=$(( $(now) - t0 ))
msgs=$(wc -l <"$SANDBOX/qqcount" | tr -d ' ')
nuls=$(sed -n 's/^message //p' "$SANDBOX/qqcount" | head -1)
report "ezmlm-send, one post to $N subscribers" "$(ms "$t")" "ms" "(queued $msgs message(s), envelope of $((nuls - 2)) recipients)"

# 1,000 VERP bounces for different subscribers
printf 'From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n\nHi. This is the qmail-send program.\nSorry, no mailbox here by that name.\n' >"$SANDBOX/bounce"
awk -v n="$N" -v b="$B" 'BEGIN { for (i = 1; i <= b; i++) { k = i * int(n / b); printf "1-member%d=host%d.example.org\n", k, k % 997 } }' \
    >"$SANDBOX/verp"
t0=$(now)
while read -r d; do
    SENDER=MAILER-DAEMON@mx.example.org DEFAULT=$d ezmlm-return "$L" <"$SANDBOX/bounce" 2>/dev/null
    [ $? -eq 99 ] || echo "bench: ezmlm-return failed for $d" >&2
done <"$SANDBOX/verp"
t=$(( $(now) - t0 ))
report "ezmlm-return, $B VERP bounces (one run each)" "$(ms "$t")" "ms" "($(find "$L/bounce/h" -type f | wc -l | tr -d ' ') addresses counted)"
report "ezmlm-return, per bounce" "$(awk -v t="$t" -v b="$B" 'BEGIN { printf "%.2f\n", t / b / 1e6 }')" "ms/op" \
    "(a copy and the count written, the count fsync'd; disk: $(bench_fsync_rate) fsync/s)"
t0=$(now)
i=0
while [ $i -lt 200 ]; do
    SENDER=MAILER-DAEMON@mx.example.org DEFAULT=1-stranger$i=nowhere.example ezmlm-return "$L" <"$SANDBOX/bounce" 2>/dev/null
    i=$((i + 1))
done
t=$(( $(now) - t0 ))
report "ezmlm-return, a bounce for a non-subscriber (the cost of a run)" "$(awk -v t="$t" 'BEGIN { printf "%.2f\n", t / 200 / 1e6 }')" "ms/op"
sandbox_destroy
