# Subscriber store figures (issue: mailing lists, part A): a list with
# BENCH_SUBSCRIBERS (100,000) subscribers in the std store; the time of one
# ezmlm-issubn, one subscribe and one unsubscribe (each a whole program
# run, fsync included), and of listing every subscriber.  The issue asks
# for under 5 ms per lookup, subscribe and unsubscribe.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
N=${BENCH_SUBSCRIBERS:-100000}
RUNS=${BENCH_LIST_RUNS:-200}
sandbox_create
list_etc_setup
L=$SANDBOX/list
ezmlm-make "$L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN" || exit 1
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "member%d@host%d.example.org\n", i, i % 997 }' \
    >"$SANDBOX/addrs"
"$SUITE_BUILD/tests/helpers/list-text" fill "$L" <"$SANDBOX/addrs" || exit 1
report "std store: subscribers" "$(ezmlm-list -n "$L")" "addr" "(53 files of about $((N / 53)) entries)"

now() { date +%s%N; }
ms_per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f\n", t / n / 1e6 }'; }

# lookups: subscribers spread over the list, and strangers (every file is read to the end)
awk -v n="$N" -v r="$RUNS" 'BEGIN { for (i = 1; i <= r; i++) printf "member%d@host%d.example.org\n", i * int(n / r), (i * int(n / r)) % 997 }' \
    >"$SANDBOX/some"
t0=$(now)
while read -r a; do SENDER=$a ezmlm-issubn "$L" || echo "bench: $a not found" >&2; done <"$SANDBOX/some"
t=$(( $(now) - t0 ))
report "ezmlm-issubn, a subscriber ($RUNS runs)" "$(ms_per "$t" "$RUNS")" "ms/op"
t0=$(now)
i=0
while [ $i -lt "$RUNS" ]; do SENDER=stranger$i@nowhere.example ezmlm-issubn "$L"; i=$((i + 1)); done
t=$(( $(now) - t0 ))
report "ezmlm-issubn, a stranger (all legacy files searched too)" "$(ms_per "$t" "$RUNS")" "ms/op"

# subscribe and unsubscribe new addresses, one program run each
K=$((RUNS / 4))
t0=$(now)
i=0
while [ $i -lt "$K" ]; do ezmlm-sub "$L" "new$i@bench.example" || break; i=$((i + 1)); done
t=$(( $(now) - t0 ))
report "ezmlm-sub, one new address ($K runs)" "$(ms_per "$t" "$K")" "ms/op" "(rewrite + fsync + rename + dir fsync)"
t0=$(now)
i=0
while [ $i -lt "$K" ]; do ezmlm-unsub "$L" "new$i@bench.example" || break; i=$((i + 1)); done
t=$(( $(now) - t0 ))
report "ezmlm-unsub, one address ($K runs)" "$(ms_per "$t" "$K")" "ms/op"

# enumerate everybody
t0=$(now)
ezmlm-list "$L" >/dev/null
t=$(( $(now) - t0 ))
report "ezmlm-list of $N subscribers" "$(awk -v t="$t" 'BEGIN { printf "%.1f\n", t / 1e6 }')" "ms"
t0=$(now)
ezmlm-list -n "$L" >/dev/null
t=$(( $(now) - t0 ))
report "ezmlm-list -n (count)" "$(awk -v t="$t" 'BEGIN { printf "%.1f\n", t / 1e6 }')" "ms"
sandbox_destroy
