# The subscriber stores side by side (issue: MySQL subscriber store): with
# BENCH_LISTDB_N (1,000,000) subscribers in the std files and in MariaDB,
# the time of one subscribe, unsubscribe and is-subscribed (one program run
# each, connecting included; averaged over BENCH_LISTDB_OPS = 200 runs), of
# enumerating every subscriber for a post (ezmlm-send to a queue program
# that only counts) and for ezmlm-list, and of importing the N addresses
# from a file (ezmlm-subimport).  The issue asks for under 5 ms per
# operation, under 5 s to enumerate and under 2 minutes to import.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/mariadb.sh"
. "$SUITE_SRC/tests/list/etc.sh"
N=${BENCH_LISTDB_N:-1000000}
K=${BENCH_LISTDB_OPS:-200}
sandbox_create
list_etc_setup
mariadb_start >/dev/null 2>&1 || { echo "bench: listdb: no MariaDB server" >&2; exit 0; }
# the fixture's 32 MB buffer pool would measure the disk, not the store
mariadb_root -e 'SET GLOBAL innodb_buffer_pool_size = 268435456' 2>/dev/null

now() { date +%s%N; }
secs() { awk -v t="$1" 'BEGIN { printf "%.2f\n", t / 1e9 }'; }
perop() { awk -v t="$1" -v k="$2" 'BEGIN { printf "%.2f\n", t / k / 1e6 }'; }

S=$SANDBOX/std
M=$SANDBOX/mysql
ezmlm-make "$S" "$SANDBOX_HOME/.qmail-std" std "$SANDBOX_DOMAIN" || exit 1
ezmlm-make -6 "mysql:127.0.0.1:$MARIADB_PORT:$MARIADB_USER:$MARIADB_PASSWORD:$MARIADB_DB:bench" \
    "$M" "$SANDBOX_HOME/.qmail-mysql" mysql "$SANDBOX_DOMAIN" || exit 1
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "member%d@host%d.example.org\n", i, i % 997 }' \
    >"$SANDBOX/addrs"
awk -v n="$N" -v k="$K" 'BEGIN { for (i = 1; i <= k; i++) printf "new%d@fresh%d.example.net\n", i, i % 13 }' \
    >"$SANDBOX/new"
awk -v n="$N" -v k="$K" 'BEGIN { for (i = 1; i <= k; i++) { j = int(i * n / (k + 1)) + 1; printf "member%d@host%d.example.org\n", j, j % 997 } }' \
    >"$SANDBOX/old"

printf 'From: poster@example.org\nTo: list@sandbox.example\nSubject: benchmark\n\nA short post.\n' >"$SANDBOX/post"
cat >"$SANDBOX/qq" <<'EOS'
#!/bin/sh
cat >/dev/null
exec 3<&1
tr -cd '\0' <&3 | wc -c >"$QQCOUNT"
EOS
chmod 755 "$SANDBOX/qq"

for store in std mysql; do
    [ "$store" = std ] && L=$S || L=$M
    t0=$(now)
    ezmlm-subimport -P -f "$SANDBOX/addrs" "$L" >"$SANDBOX/import.out" 2>&1 || cat "$SANDBOX/import.out" >&2
    t=$(( $(now) - t0 ))
    report "$store: import $N addresses from a file" "$(secs "$t")" "s" "($(sed -n 's/.* \([0-9]* added\).*/\1/p' "$SANDBOX/import.out"))"

    t0=$(now)
    while read -r a; do ezmlm-sub "$L" "$a" || echo "bench: ezmlm-sub failed" >&2; done <"$SANDBOX/new"
    t=$(( $(now) - t0 ))
    report "$store: subscribe (ezmlm-sub, one run)" "$(perop "$t" "$K")" "ms/op" "(average of $K)"

    t0=$(now)
    while read -r a; do SENDER=$a ezmlm-issubn "$L" || echo "bench: ezmlm-issubn: not found" >&2; done <"$SANDBOX/old"
    t=$(( $(now) - t0 ))
    report "$store: is-subscribed (ezmlm-issubn, one run)" "$(perop "$t" "$K")" "ms/op" "(average of $K)"

    t0=$(now)
    while read -r a; do ezmlm-unsub "$L" "$a" || echo "bench: ezmlm-unsub failed" >&2; done <"$SANDBOX/new"
    t=$(( $(now) - t0 ))
    report "$store: unsubscribe (ezmlm-unsub, one run)" "$(perop "$t" "$K")" "ms/op" "(average of $K)"

    t0=$(now)
    QMAILQUEUE=$SANDBOX/qq QQCOUNT=$SANDBOX/qqcount SENDER=poster@example.org ezmlm-send "$L" <"$SANDBOX/post" 2>/dev/null ||
        echo "bench: ezmlm-send failed" >&2
    t=$(( $(now) - t0 ))
    report "$store: enumerate every subscriber for a post (ezmlm-send)" "$(secs "$t")" "s" \
        "($(( $(cat "$SANDBOX/qqcount") - 2 )) recipients)"
    t0=$(now)
    n=$(ezmlm-list "$L" | wc -l | tr -d ' ')
    t=$(( $(now) - t0 ))
    report "$store: ezmlm-list" "$(secs "$t")" "s" "($n addresses)"
done
mariadb_stop
