# mariadb.sh -- a throwaway MariaDB server for one test script (POSIX sh).
#
#   . "$SUITE_SRC/tests/lib/tap.sh"
#   . "$SUITE_SRC/tests/lib/mariadb.sh"
#   mariadb_start           in the main shell (not in $(...) or a pipeline)
#   ... MARIADB_* ...
#   mariadb_stop            optional: also runs at exit, HUP, INT, TERM
#
# mariadb_start initialises a datadir under a fresh "mktemp -d" directory
# (short, so that the socket path stays within 107 bytes), starts mariadbd
# with --no-defaults on 127.0.0.1 and a free port (picked at random in
# 20000-31999 among the ports /proc/net/tcp{,6} shows unused; if the bind
# still clashes, another port is tried, up to 8 times), then creates a
# database and a user with a random password that may connect from
# localhost (the socket) and from 127.0.0.1.  It exports
#
#   MARIADB_HOST=127.0.0.1  MARIADB_PORT  MARIADB_SOCKET
#   MARIADB_USER  MARIADB_PASSWORD  MARIADB_DB
#   MARIADB_PID (the mariadbd process)  MARIADB_DIR (the temporary directory)
#
# and returns 0, or prints the server's error log to stderr and returns 1.
# When mariadbd is not installed it installs mariadb-server with apt-get
# if running as root; if that is impossible, the test file is skipped
# ("plan skip_all", when tap.sh is loaded and no test ran yet) or
# mariadb_start returns 2.  mariadb_available only checks and sets
# MARIADB_SKIP to the reason.
#
# mariadb_stop sends TERM, waits up to $MARIADB_STOP_TIMEOUT seconds (30),
# then KILLs; it reaps the process, removes the directory and unsets the
# variables above.  Calling it again, or without a server, does nothing.
#
# mariadb_root [mariadb client args]  runs the mariadb client as the
# server's root user over the socket (SQL on stdin, or -e 'SQL').
#
# mariadb_kill [SIGNAL]   kills the server (KILL by default: a crash) and
#                         reaps it, keeping its datadir and the variables
# mariadb_restart         starts it again on the same datadir, port and
#                         socket (after mariadb_kill); 0, or 1 with the
#                         error log on stderr
#
# Tests can force the candidate ports with MARIADB_TEST_PORTS="p1 p2 ..."
# (tried in order, without the /proc check), to exercise the retry.

if [ -n "${_MARIADB_SH_LOADED:-}" ]; then
    return 0
fi
_MARIADB_SH_LOADED=1

if [ -z "${SUITE_SRC:-}" ]; then
    echo "mariadb.sh: SUITE_SRC is not set" >&2
    exit 255
fi
. "$SUITE_SRC/tests/lib/atexit.sh"

_mariadb_pid=
_mariadb_dir=
_mariadb_registered=

_mariadb_say() {
    printf '%s\n' "$@" | sed 's/^/# mariadb.sh: /' >&2
}

_mariadb_find() { # program: print its path
    for _mdb_d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
        if [ -x "$_mdb_d/$1" ]; then
            echo "$_mdb_d/$1"
            return 0
        fi
    done
    command -v "$1" 2>/dev/null
}

_mariadb_have() {
    _MARIADBD=$(_mariadb_find mariadbd) &&
        _MARIADB_INSTALL_DB=$(_mariadb_find mariadb-install-db) &&
        _MARIADB_CLIENT=$(_mariadb_find mariadb) &&
        _MARIADB_ADMIN=$(_mariadb_find mariadb-admin)
}

mariadb_available() {
    MARIADB_SKIP=
    _mariadb_have && return 0
    if [ "$(id -u)" -ne 0 ]; then
        MARIADB_SKIP="mariadb-server is not installed (and not root to install it)"
        return 1
    fi
    command -v apt-get >/dev/null 2>&1 || {
        MARIADB_SKIP="mariadb-server is not installed and apt-get is missing"
        return 1
    }
    _mariadb_say "mariadb-server is missing; installing it with apt-get"
    _mdb_log=$(mktemp "${TMPDIR:-/tmp}/mdb-apt.XXXXXX") || return 1
    _mdb_apt() {
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
            install -y -q --no-install-recommends mariadb-server mariadb-client
    }
    if ! _mdb_apt >>"$_mdb_log" 2>&1; then
        # stale package lists: update once and try again
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
            update -q >>"$_mdb_log" 2>&1
        _mdb_apt >>"$_mdb_log" 2>&1
    fi
    if ! _mariadb_have; then
        _mariadb_say "apt-get failed:" "$(tail -n 20 "$_mdb_log")"
        rm -f "$_mdb_log"
        MARIADB_SKIP="mariadb-server could not be installed"
        return 1
    fi
    rm -f "$_mdb_log"
    return 0
}

# Is a process gone (no /proc entry, or a zombie)?
_mariadb_gone() {
    [ -r "/proc/$1/stat" ] || return 0
    _mdb_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
    case $_mdb_st in
    Z* | X* | '') return 0 ;;
    esac
    return 1
}

_mariadb_port_in_use() { # port
    _mdb_hex=$(printf ':%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v p="$_mdb_hex" 'NR > 0 && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

_mariadb_random_port() {
    _mdb_n=0
    while [ "$_mdb_n" -lt 200 ]; do
        _mdb_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' \n')
        _mdb_port=$((20000 + _mdb_r % 12000))
        if ! _mariadb_port_in_use "$_mdb_port"; then
            echo "$_mdb_port"
            return 0
        fi
        _mdb_n=$((_mdb_n + 1))
    done
    return 1
}

_mariadb_random_word() {
    od -An -N12 -tx1 /dev/urandom | tr -d ' \n'
}

# Starts mariadbd on the datadir in $_mariadb_dir and port $1, waits until
# it answers (at most 120 s); sets _mariadb_pid and _mdb_state (up, died,
# wait).
_mariadb_launch() {
    : >"$_mariadb_dir/err.log"
    # --no-defaults must come first; --user=root is required as root
    # shellcheck disable=SC2086
    "$_MARIADBD" --no-defaults --datadir="$_mariadb_dir/data" $_mdb_user \
        --socket="$_mdb_sock" --port="$1" --bind-address=127.0.0.1 \
        --pid-file="$_mariadb_dir/pid" --log-error="$_mariadb_dir/err.log" \
        --skip-name-resolve --innodb-buffer-pool-size=32M \
        --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=2 \
        --skip-log-bin </dev/null >>"$_mariadb_dir/out.log" 2>&1 &
    _mariadb_pid=$!

    # ready when a ping over the socket answers; at most 120 s
    _mdb_i=0
    _mdb_state='wait'
    while [ "$_mdb_i" -lt 2400 ]; do
        if _mariadb_gone "$_mariadb_pid"; then
            _mdb_state=died
            break
        fi
        if "$_MARIADB_ADMIN" --no-defaults --socket="$_mdb_sock" -uroot \
            --connect-timeout=2 ping >/dev/null 2>&1; then
            _mdb_state=up
            break
        fi
        sleep 0.05
        _mdb_i=$((_mdb_i + 1))
    done
}

mariadb_kill() {
    [ -n "$_mariadb_pid" ] || return 0
    kill -"${1:-KILL}" "$_mariadb_pid" 2>/dev/null
    _mdb_i=0
    while ! _mariadb_gone "$_mariadb_pid" && [ "$_mdb_i" -lt 600 ]; do
        sleep 0.05
        _mdb_i=$((_mdb_i + 1))
    done
    wait "$_mariadb_pid" 2>/dev/null
    _mariadb_pid=
    return 0
}

mariadb_restart() {
    if [ -n "$_mariadb_pid" ] || [ -z "$_mariadb_dir" ] || [ -z "${MARIADB_PORT:-}" ]; then
        _mariadb_say "mariadb_restart: no stopped server to restart"
        return 1
    fi
    _mariadb_launch "$MARIADB_PORT"
    if [ "$_mdb_state" != up ]; then
        _mariadb_say "mariadbd did not restart (${_mdb_state}):" "$(tail -n 30 "$_mariadb_dir/err.log")"
        return 1
    fi
    MARIADB_PID=$_mariadb_pid
    export MARIADB_PID
    return 0
}

mariadb_root() {
    "$_MARIADB_CLIENT" --no-defaults --socket="$MARIADB_SOCKET" -uroot "$@"
}

mariadb_start() {
    if [ -n "$_mariadb_pid" ]; then
        _mariadb_say "mariadb_start: a server is already running (pid $_mariadb_pid)"
        return 1
    fi
    if ! mariadb_available; then
        if command -v skip_all >/dev/null 2>&1 && [ "${TAP_RUN:-0}" -eq 0 ]; then
            skip_all "$MARIADB_SKIP"
        fi
        _mariadb_say "$MARIADB_SKIP"
        return 2
    fi
    if [ -z "$_mariadb_registered" ]; then
        atexit mariadb_stop
        _mariadb_registered=1
    fi

    _mdb_tmp=${TMPDIR:-/tmp}
    # the socket path must fit in sun_path (107 bytes); leave room
    [ ${#_mdb_tmp} -le 60 ] || _mdb_tmp=/tmp
    _mariadb_dir=$(mktemp -d "$_mdb_tmp/mdb.XXXXXX") || {
        _mariadb_say "mktemp failed"
        return 1
    }
    chmod 755 "$_mariadb_dir"
    _mdb_user=
    [ "$(id -u)" -eq 0 ] && _mdb_user=--user=root

    # shellcheck disable=SC2086
    if ! "$_MARIADB_INSTALL_DB" --no-defaults --datadir="$_mariadb_dir/data" $_mdb_user \
        --auth-root-authentication-method=normal --skip-test-db \
        --skip-name-resolve >"$_mariadb_dir/install.log" 2>&1 </dev/null; then
        _mariadb_say "mariadb-install-db failed:" "$(tail -n 30 "$_mariadb_dir/install.log")"
        rm -rf "$_mariadb_dir"
        _mariadb_dir=
        return 1
    fi

    _mdb_sock=$_mariadb_dir/sock
    _mdb_tries=0
    _mdb_ports=${MARIADB_TEST_PORTS:-}
    while :; do
        _mdb_tries=$((_mdb_tries + 1))
        if [ -n "${MARIADB_TEST_PORTS:-}" ]; then
            set -f
            # shellcheck disable=SC2086
            set -- $_mdb_ports
            set +f
            if [ $# -eq 0 ]; then
                _mariadb_say "no port left in MARIADB_TEST_PORTS"
                mariadb_stop
                return 1
            fi
            _mdb_port=$1
            shift
            _mdb_ports=$*
        else
            _mdb_port=$(_mariadb_random_port) || {
                _mariadb_say "no free port found"
                mariadb_stop
                return 1
            }
        fi
        _mariadb_launch "$_mdb_port"
        [ "$_mdb_state" = up ] && break
        if [ "$_mdb_state" = died ]; then
            wait "$_mariadb_pid" 2>/dev/null
            _mariadb_pid=
            if grep -q -e 'Bind on TCP/IP port' -e 'Address already in use' \
                "$_mariadb_dir/err.log" && [ "$_mdb_tries" -lt 8 ]; then
                _mariadb_say "port $_mdb_port is taken; trying another"
                continue
            fi
        fi
        _mariadb_say "mariadbd did not start (${_mdb_state}):" \
            "$(tail -n 30 "$_mariadb_dir/err.log")"
        mariadb_stop
        return 1
    done

    MARIADB_HOST=127.0.0.1
    MARIADB_PORT=$_mdb_port
    MARIADB_SOCKET=$_mdb_sock
    MARIADB_USER=suite
    MARIADB_PASSWORD=$(_mariadb_random_word)
    MARIADB_DB=suite
    MARIADB_PID=$_mariadb_pid
    MARIADB_DIR=$_mariadb_dir
    export MARIADB_HOST MARIADB_PORT MARIADB_SOCKET MARIADB_USER \
        MARIADB_PASSWORD MARIADB_DB MARIADB_PID MARIADB_DIR

    if ! mariadb_root >"$_mariadb_dir/setup.log" 2>&1 <<EOF
CREATE DATABASE \`$MARIADB_DB\`;
CREATE USER '$MARIADB_USER'@'localhost' IDENTIFIED BY '$MARIADB_PASSWORD';
CREATE USER '$MARIADB_USER'@'127.0.0.1' IDENTIFIED BY '$MARIADB_PASSWORD';
GRANT ALL ON \`$MARIADB_DB\`.* TO '$MARIADB_USER'@'localhost', '$MARIADB_USER'@'127.0.0.1';
EOF
    then
        _mariadb_say "creating the database and user failed:" "$(cat "$_mariadb_dir/setup.log")"
        mariadb_stop
        return 1
    fi
    return 0
}

mariadb_stop() {
    if [ -n "$_mariadb_pid" ]; then
        kill -TERM "$_mariadb_pid" 2>/dev/null
        _mdb_limit=$((${MARIADB_STOP_TIMEOUT:-30} * 20))
        _mdb_i=0
        while ! _mariadb_gone "$_mariadb_pid" && [ "$_mdb_i" -lt "$_mdb_limit" ]; do
            sleep 0.05
            _mdb_i=$((_mdb_i + 1))
        done
        if ! _mariadb_gone "$_mariadb_pid"; then
            _mariadb_say "mariadbd (pid $_mariadb_pid) ignored TERM; killing it"
            kill -KILL "$_mariadb_pid" 2>/dev/null
        fi
        # reap it (it is our child when mariadb_start ran in this shell)
        wait "$_mariadb_pid" 2>/dev/null
        _mdb_i=0
        while ! _mariadb_gone "$_mariadb_pid" && [ "$_mdb_i" -lt 200 ]; do
            sleep 0.05
            _mdb_i=$((_mdb_i + 1))
        done
        _mariadb_pid=
    fi
    if [ -n "$_mariadb_dir" ]; then
        rm -rf "$_mariadb_dir"
        _mariadb_dir=
    fi
    unset MARIADB_HOST MARIADB_PORT MARIADB_SOCKET MARIADB_USER \
        MARIADB_PASSWORD MARIADB_DB MARIADB_PID MARIADB_DIR
    return 0
}
