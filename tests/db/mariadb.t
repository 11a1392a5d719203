#!/bin/sh
# The MariaDB fixture (tests/lib/mariadb.sh) and the C client library:
# a real server in a throwaway datadir, reached over TCP and over its socket
# with prepared statements, stopped twice in a row without leaving a process.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/mariadb.sh"

probe=$SUITE_BUILD/tests/helpers/sqlprobe
[ -x "$probe" ] || BAIL_OUT "$probe is not built"

expected_rows='row 1: alice@example.org
row 2: a%b_c@example.org
row 3: axxbyc@example.org
row 4: o'"'"'neil@example.org
match a%b_c@example.org: a%b_c@example.org
matches: 1
ok'

# Is any process still running with this fixture's directory on its
# command line?  Prints the pids.
leftovers() {
    for d in /proc/[0-9]*; do
        cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
        case $cmd in
        *"$1"*) echo "${d#/proc/}" ;;
        esac
    done
}

gone() { # pid: gone or a zombie
    [ -r "/proc/$1/stat" ] || return 0
    case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
    Z* | '') return 0 ;;
    esac
    return 1
}

one_round() { # round number
    r=$1
    mariadb_start
    ok $? "round $r: the fixture starts" || BAIL_OUT "no MariaDB server"
    is "$MARIADB_HOST" 127.0.0.1 "round $r: MARIADB_HOST"
    like "$MARIADB_PORT" '^[0-9]+$' "round $r: MARIADB_PORT is a number"
    [ ${#MARIADB_SOCKET} -le 107 ] && [ -S "$MARIADB_SOCKET" ]
    ok $? "round $r: the socket exists and its path fits in sun_path"
    [ -n "$MARIADB_USER" ] && [ -n "$MARIADB_PASSWORD" ] && [ -n "$MARIADB_DB" ]
    ok $? "round $r: user, password and database are set"

    out=$("$probe" 2>&1)
    ok $? "round $r: sqlprobe over TCP exits 0"
    is "$out" "server: 127.0.0.1 via TCP/IP
$expected_rows" "round $r: sqlprobe over TCP reads back what it wrote"

    out=$("$probe" -S "$MARIADB_SOCKET" 2>&1)
    ok $? "round $r: sqlprobe over the socket exits 0"
    is "$out" "server: Localhost via UNIX socket
$expected_rows" "round $r: sqlprobe over the socket reads back what it wrote"

    out=$("$probe" -p wrong-password 2>&1)
    st=$?
    is "$st" 111 "round $r: a refused login exits 111"
    like "$out" "MariaDB server at 127\\.0\\.0\\.1:$MARIADB_PORT: connect failed: .*Access denied" \
        "round $r: ... naming the server"

    pid=$MARIADB_PID
    dir=$MARIADB_DIR
    port=$MARIADB_PORT
    sock=$MARIADB_SOCKET
    user=$MARIADB_USER
    pw=$MARIADB_PASSWORD
    db=$MARIADB_DB
    mariadb_stop
    ok $? "round $r: the fixture stops"
    gone "$pid"
    ok $? "round $r: mariadbd (pid $pid) is gone"
    is "$(leftovers "$dir")" "" "round $r: no process uses $dir"
    [ ! -e "$dir" ]
    ok $? "round $r: the datadir is removed"
    is "${MARIADB_PORT:-unset}" unset "round $r: the variables are unset"
    mariadb_stop
    ok $? "round $r: stopping again is harmless"
}

one_round 1
one_round 2

# the stopped server: both transports fail with 111 and name the server
out=$("$probe" -h 127.0.0.1 -P "$port" -u "$user" -p "$pw" -d "$db" 2>&1)
st=$?
is "$st" 111 "sqlprobe against the stopped server (TCP) exits 111"
like "$out" "^sqlprobe: MariaDB server at 127\\.0\\.0\\.1:$port: connect failed: " \
    "... with a message naming the server"
out=$("$probe" -S "$sock" -u "$user" -p "$pw" -d "$db" 2>&1)
st=$?
is "$st" 111 "sqlprobe against the stopped server (socket) exits 111"
like "$out" "^sqlprobe: MariaDB server at socket $sock: connect failed: " \
    "... with a message naming the socket"

# a clash on the first port makes the fixture take the next one
pf=$(mktemp "${TMPDIR:-/tmp}/mdbt.XXXXXX")
perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0") or exit 1;
    $| = 1; print $s->sockport, "\n"; sleep 120' >"$pf" 2>/dev/null </dev/null &
holder=$!
atexit 'kill "$holder" 2>/dev/null; rm -f "$pf"'
i=0
while [ ! -s "$pf" ] && [ $i -lt 100 ] && ! gone "$holder"; do sleep 0.05; i=$((i + 1)); done
busy=$(cat "$pf")
if [ -n "$busy" ]; then
    free=$(_mariadb_random_port)
    MARIADB_TEST_PORTS="$busy $free"
    mariadb_start 2>/dev/null
    ok $? "the fixture starts although port $busy is taken"
    unset MARIADB_TEST_PORTS
    is "${MARIADB_PORT:-}" "$free" "... on the next port"
    "$probe" >/dev/null 2>&1
    ok $? "... and answers there"
    pid=$MARIADB_PID
    mariadb_stop
    gone "$pid"
    ok $? "... and stops"
else
    skip "cannot hold a port busy" 4
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
rm -f "$pf"

done_testing
