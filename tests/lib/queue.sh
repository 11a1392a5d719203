# queue.sh -- run the real queue in a sandbox (POSIX sh; source after sandbox.sh).
#
#   queue_start [defaultdelivery]   qmail-start in the background, log in $QUEUE_LOG;
#                                   waits for the first "status:" line
#   queue_wait ERE [seconds]        waits until the log has a line matching ERE
#                                   (returns 1 on timeout, default 20 s)
#   queue_count ERE                 prints how many log lines match ERE
#   queue_stop                      TERM qmail-send, waits for "status: exiting"
#   queue_inject SENDER RCPT...     qmail-queue with stdin as the message
#   queue_empty                     returns 0 when no message is left in the queue
#
# Sets QUEUE_PID (qmail-send's pid) and QUEUE_LOG.

QUEUE_LOG=
QUEUE_PID=

queue_start() {
    QUEUE_LOG=$SANDBOX/send.log
    : >"$QUEUE_LOG"
    sandbox_spawn sh -c "cd '$SANDBOX_HOME' && exec qmail-start '${1:-./Maildir/}' >>'$QUEUE_LOG' 2>&1"
    QUEUE_PID=$SANDBOX_PID
    queue_wait '^status:' 10
}

queue_wait() {
    _qw_n=0
    _qw_max=$(( ${2:-60} * 20 ))
    while ! grep -Eq -- "$1" "$QUEUE_LOG" 2>/dev/null; do
        _qw_n=$((_qw_n + 1))
        [ "$_qw_n" -gt "$_qw_max" ] && { diag "timed out waiting for /$1/ in the log"; return 1; }
        sleep 0.05
    done
    return 0
}

queue_count() {
    grep -Ec -- "$1" "$QUEUE_LOG" 2>/dev/null
}

queue_stop() {
    [ -n "$QUEUE_PID" ] || return 0
    kill -TERM "$QUEUE_PID" 2>/dev/null
    queue_wait '^status: exiting' 30
    _qs_n=0
    while kill -0 "$QUEUE_PID" 2>/dev/null && [ $_qs_n -lt 200 ]; do
        sleep 0.05; _qs_n=$((_qs_n + 1))
    done
    QUEUE_PID=
}

queue_inject() {
    _qi_sender=$1; shift
    {
        printf 'F%s\0' "$_qi_sender"
        for _qi_r in "$@"; do printf 'T%s\0' "$_qi_r"; done
        printf '\0'
    } >"$SANDBOX/.envelope.$$"
    qmail-queue 3<"$SANDBOX/.envelope.$$" 1<&3
    _qi_rc=$?
    rm -f "$SANDBOX/.envelope.$$"
    return $_qi_rc
}

queue_empty() {
    [ -z "$(find "$QMAILHOME/queue/mess" "$QMAILHOME/queue/info" "$QMAILHOME/queue/todo" -type f 2>/dev/null)" ]
}
