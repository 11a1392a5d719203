#!/bin/sh
# The MySQL subscriber store when things go wrong: a wrong password, a
# missing table, a row lock held by another connection (lock wait timeout),
# the server killed in the middle of a subscribe loop, the server down.
# Every case is a temporary failure (111) with a message naming the server,
# and no change is ever half made.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/mariadb.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
mariadb_start
cd "$SANDBOX" || exit 1

P=$MARIADB_PORT
SRV="MySQL server 127\\.0\\.0\\.1:$P"
line() { # table-root [password]
    printf 'mysql:127.0.0.1:%s:%s:%s:%s:%s\n' "$P" "$MARIADB_USER" "${2:-$MARIADB_PASSWORD}" "$MARIADB_DB" "$1"
}
sql() { mariadb_root -N -B "$MARIADB_DB" -e "$1"; }
newdir() { # a list directory sharing L's settings with another store line
    rm -rf "$SANDBOX/$1"
    cp -R "$L" "$SANDBOX/$1" && printf '%s\n' "$2" >"$SANDBOX/$1/subdb"
}

ezmlm-make -6 "$(line fl)" "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN"
ok $? "a list on the MySQL store"
L=$SANDBOX/L
is "$(sql "SHOW TABLES LIKE 'fl%'" | sort | tr '\n' ' ')" \
    "fl fl_allow fl_allow_slog fl_cookie fl_deny fl_deny_slog fl_digest fl_digest_cookie fl_digest_mlog fl_digest_slog fl_mlog fl_mod fl_mod_slog fl_slog " \
    "ezmlm-make made ezmlm-idx's fourteen tables"
ezmlm-sub "$L" a@x.org; ok $? "a subscriber"

# ---- a wrong password --------------------------------------------------------------------
newdir W "$(line fl wrong)"
ezmlm-sub "$SANDBOX/W" b@x.org 2>err; is $? 111 "wrong password: ezmlm-sub 111"
like "$(cat err)" "^ezmlm-sub: fatal: unable to open the subscriber store of .*/W: $SRV: cannot connect: Access denied" \
    "...naming the server and the reason"
ezmlm-list "$SANDBOX/W" >/dev/null 2>err; is $? 111 "...ezmlm-list 111"
like "$(cat err)" "$SRV: cannot connect: Access denied" "...naming the server"
SENDER=a@x.org ezmlm-issubn "$SANDBOX/W" 2>/dev/null; is $? 111 "...ezmlm-issubn 111 (not 99: no answer is no answer)"
is "$(sql 'SELECT COUNT(*) FROM fl')" 1 "...nothing changed"

# ---- tables missing ----------------------------------------------------------------------------
newdir N "$(line nosuch)"
ezmlm-sub "$SANDBOX/N" b@x.org 2>err; is $? 111 "a missing table: ezmlm-sub 111"
like "$(cat err)" "$SRV: .*Table '$MARIADB_DB\\.nosuch' doesn't exist" "...naming the server and the table"
ezmlm-unsub "$SANDBOX/N" b@x.org 2>/dev/null; is $? 111 "...ezmlm-unsub 111"
ezmlm-list "$SANDBOX/N" >/dev/null 2>&1; is $? 111 "...ezmlm-list 111"
SENDER=a@x.org ezmlm-issubn "$SANDBOX/N" 2>/dev/null; is $? 111 "...ezmlm-issubn 111"
sql 'RENAME TABLE fl_slog TO fl_slog_away'
ezmlm-sub "$L" c@x.org 2>err; is $? 111 "the log table missing: ezmlm-sub 111"
like "$(cat err)" "$SRV: cannot write the subscription log: Table '$MARIADB_DB\\.fl_slog' doesn't exist" \
    "...saying so"
is "$(sql "SELECT COUNT(*) FROM fl WHERE address = 'c@x.org'")" 0 "...and the address was not added without its log record"
ezmlm-unsub "$L" a@x.org 2>/dev/null; is $? 111 "...ezmlm-unsub 111"
is "$(sql "SELECT COUNT(*) FROM fl WHERE address = 'a@x.org'")" 1 "...and the address was not removed"
sql 'RENAME TABLE fl_slog_away TO fl_slog'
test ! -e "$L/Log" || ! grep -q 'c@x.org' "$L/Log"; ok $? "...and no Log line for a change not made"

# ---- another transport: the unix socket ---------------------------------------------------------------
newdir S "mysql:$MARIADB_SOCKET::$MARIADB_USER:$MARIADB_PASSWORD:$MARIADB_DB:fl"
is "$(ezmlm-list "$SANDBOX/S")" "a@x.org" "a host starting with / is a unix socket"
newdir SW "mysql:$MARIADB_SOCKET::$MARIADB_USER:wrong:$MARIADB_DB:fl"
ezmlm-list "$SANDBOX/SW" 2>err; is $? 111 "...a refused login there: 111"
like "$(cat err)" "MySQL server socket $MARIADB_SOCKET: cannot connect: Access denied" "...naming the socket"

# ---- a lock held by another connection -------------------------------------------------------------------
sql 'SET GLOBAL innodb_lock_wait_timeout = 1'
mkfifo hold.in
mariadb_root --unbuffered "$MARIADB_DB" <hold.in >hold.out 2>&1 &
holder=$!
exec 8>hold.in
printf 'START TRANSACTION;\nSELECT address FROM fl FOR UPDATE;\nSELECT "locked";\n' >&8
i=0
while ! grep -q '^locked' hold.out 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
grep -q '^locked' hold.out; ok $? "(another connection holds every row of fl)"
logn=$(sql 'SELECT COUNT(*) FROM fl_slog')
ezmlm-unsub "$L" a@x.org 2>err; is $? 111 "unsubscribing a locked row: 111 after the lock wait timeout"
like "$(cat err)" "$SRV: cannot unsubscribe: Lock wait timeout exceeded" "...naming the server and the reason"
ezmlm-sub "$L" d@x.org 2>err; is $? 111 "subscribing into a locked range: 111"
like "$(cat err)" "$SRV: cannot subscribe: Lock wait timeout exceeded" "...saying so"
SENDER=a@x.org ezmlm-issubn "$L"; is $? 0 "lookups are not blocked (consistent reads)"
printf 'ROLLBACK;\n' >&8
exec 8>&-
wait "$holder"
is "$(sql 'SELECT address FROM fl')" "a@x.org" "after the lock is gone: nothing changed"
is "$(sql 'SELECT COUNT(*) FROM fl_slog')" "$logn" "...and nothing was logged"
ezmlm-sub "$L" d@x.org && ezmlm-unsub "$L" d@x.org; ok $? "...and changes work again"
sql 'SET GLOBAL innodb_lock_wait_timeout = 50'

# ---- the server killed during a subscribe loop --------------------------------------------------------------
list_clear "$L"
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "user%05d@loop.example\n", i }' >many
ezmlm-sub "$L" <many 2>loop.err &
sub=$!
i=0
while [ "$(sql 'SELECT COUNT(*) FROM fl' 2>/dev/null || echo 0)" -lt 200 ] && [ $i -lt 1200 ]; do
    sleep 0.05
    i=$((i + 1))
done
mariadb_kill KILL
wait "$sub"
is $? 111 "ezmlm-sub when the server dies under it: 111"
like "$(cat loop.err)" "^ezmlm-sub: fatal: unable to subscribe user[0-9]+@loop\\.example: $SRV: " \
    "...naming the server"
mariadb_restart; ok $? "(the server comes back after the crash)"
n=$(sql 'SELECT COUNT(*) FROM fl')
ok $(test "$n" -gt 0 && test "$n" -lt 20000; echo $?) "some of the addresses were subscribed ($n)"
is "$(sql "SELECT COUNT(*) FROM fl_slog WHERE edir = '+'")" "$n" "...each with its log record, no change half made"
head -n "$n" many >first
is "$(ezmlm-list "$L" | sort)" "$(sort first)" "...exactly the addresses before the failure"
is "$(grep -c '+manual user' "$L/Log")" "$n" "...and one Log line each"
ezmlm-sub "$L" <many; ok $? "running it again finishes the job"
is "$(ezmlm-list -n "$L")" 20000 "...all 20000 subscribed"
is "$(sql 'SELECT COUNT(*) FROM fl_slog')" 20000 "...each logged once"

# ---- the server down ----------------------------------------------------------------------------------------
mariadb_kill TERM
ezmlm-sub "$L" b@x.org 2>err; is $? 111 "server down: ezmlm-sub 111"
like "$(cat err)" "$SRV: cannot connect: Can't connect to server on '127\\.0\\.0\\.1'" "...naming the server"
ezmlm-unsub "$L" user00001@loop.example 2>/dev/null; is $? 111 "...ezmlm-unsub 111"
ezmlm-list "$L" >/dev/null 2>err; is $? 111 "...ezmlm-list 111"
like "$(cat err)" "$SRV" "...naming the server"
ezmlm-list -n "$L" >/dev/null 2>&1; is $? 111 "...ezmlm-list -n 111"
SENDER=user00001@loop.example ezmlm-issubn "$L" 2>/dev/null; is $? 111 "...ezmlm-issubn 111"
SENDER=user00001@loop.example ezmlm-checksub "$L" >/dev/null 2>&1; is $? 111 "...ezmlm-checksub 111"
num=$(cat "$L/num" 2>/dev/null || echo none)
printf 'From: a@a.example\nSubject: s\n\nx\n' | SENDER=user00001@loop.example ezmlm-send "$L" 2>err
is $? 111 "...ezmlm-send 111"
like "$(cat err)" "$SRV" "...naming the server"
cat "$QQREC"/*.env 2>/dev/null | tr '\0' '\n' | grep -q '^T'; is $? 1 "...and no recipient went to the queue (the injection is aborted)"
is "$(cat "$L/num" 2>/dev/null || echo none)" "$num" "...and the message number is not used"
ezmlm-make -6 "$(line fl2)" "$SANDBOX/L2" "$SANDBOX_HOME/.qmail-l2" l2 "$SANDBOX_DOMAIN" 2>err
is $? 111 "...ezmlm-make -6 111"
like "$(cat err)" "$SRV: cannot connect" "...naming the server"
test ! -e "$SANDBOX/L2"; ok $? "...before making anything"
ezmlm-list "$SANDBOX/S" 2>err; is $? 111 "...over the socket too"
like "$(cat err)" "MySQL server socket $MARIADB_SOCKET: cannot connect" "...naming the socket"
mariadb_restart; ok $? "(the server comes back)"
is "$(ezmlm-list -n "$L")" 20000 "...with every subscriber"

done_testing
