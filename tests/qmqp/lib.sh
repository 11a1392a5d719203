# lib.sh -- shared set-up for the tests/qmqp/*.t scripts (POSIX sh).
#
#   . "$SUITE_SRC/tests/qmqp/lib.sh"
#
# Loads tap.sh, sandbox.sh and queue.sh, creates the sandbox and defines:
#   ns STRING        prints STRING as a netstring (byte length, LC_ALL=C)
#   nsf FILE         prints the contents of FILE as a netstring
#   QQ, reset_qq, envelope   a recording queue program, as in tests/inject
#   mask_rcv         filter: the date of Received lines becomes DATE
#   listen NAME CMD [ARG]...  starts "tcpserver -v -H -R -l NAME 127.0.0.1
#                    PORT CMD ARG..." on a free port (logging to
#                    $SANDBOX/NAME.log); sets PORT; returns 1 if no port
#                    could be bound
#   free_port        prints a port nobody listens on (for "refused" tests)
#   queued           prints how many messages the sandbox queue holds

. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
sandbox_create

LC_ALL=C
export LC_ALL

ns() { printf '%d:%s,' "${#1}" "$1"; }
nsf() { printf '%d:' "$(wc -c <"$1" | tr -d ' ')"; cat "$1"; printf ','; }

QQ_DIR=$SANDBOX/qq
QQ=$SANDBOX/qq.sh
export QQ_DIR
cat >"$QQ" <<'END'
#!/bin/sh
cat >"$QQ_DIR/msg" || exit 54
cat <&1 >"$QQ_DIR/env" || exit 54
exit "${QQ_EXIT:-0}"
END
chmod 755 "$QQ"
reset_qq() { rm -rf "$QQ_DIR"; mkdir "$QQ_DIR"; }
envelope() { tr '\000' '|' <"$QQ_DIR/env"; }

mask_rcv() { sed -E 's/; [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} -0000$/; DATE/'; }

_port_in_use() {
    _h=$(printf ':%04X ' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$_h"
}

free_port() {
    _i=0
    while [ $_i -lt 100 ]; do
        _p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000 ))
        if ! _port_in_use "$_p"; then echo "$_p"; return 0; fi
        _i=$((_i + 1))
    done
    return 1
}

listen() {
    _name=$1
    shift
    _try=0
    while [ $_try -lt 8 ]; do
        PORT=$(free_port) || return 1
        : >"$SANDBOX/$_name.log"
        sandbox_spawn sh -c 'exec tcpserver -v -H -R -l "$0" 127.0.0.1 "$@" 2>>"'"$SANDBOX/$_name.log"'"' \
            "$_name" "$PORT" "$@"
        _w=0
        while [ $_w -lt 200 ]; do
            grep -q 'status: 0/' "$SANDBOX/$_name.log" 2>/dev/null && return 0
            _sandbox_alive "$SANDBOX_PID" || break
            sleep 0.05
            _w=$((_w + 1))
        done
        kill "$SANDBOX_PID" 2>/dev/null
        _try=$((_try + 1))
    done
    return 1
}

queued() { find "$QMAILHOME/queue/mess" -type f | wc -l | tr -d ' '; }
