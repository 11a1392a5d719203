# Network figures (issue: getting mail in and out).
# (a) SESSIONS concurrent SMTP sessions (tests/helpers/smtpblast) through
#     tcpserver + qmail-smtpd, each sending MESSAGES messages into the
#     sandbox queue (qmail-queue, nothing draining it): messages/s against
#     the disk's fsync rate, and each session's peak memory
#     (tests/helpers/maxrss around qmail-smtpd);
# (b) qmail-remote sending to a loopback sink: Debian's postfix when it can
#     be started (root), and our own qmail-smtpd in a second qmail home.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/net/lib.sh"
SESS=${BENCH_SMTP_SESSIONS:-100}
MSGS=${BENCH_SMTP_MESSAGES:-20}
NREMOTE=${BENCH_REMOTE_MESSAGES:-300}
FSYNC=$(bench_fsync_rate)
command -v tcpserver >/dev/null || { echo "net: tcpserver missing (ucspi-tcp), skipped"; exit 0; }

sandbox_create
{
    printf 'From: bench@example.org\nTo: %s@%s\nSubject: bench\n\n' "$SANDBOX_USER" "$SANDBOX_DOMAIN"
    i=0
    while [ $i -lt 16 ]; do printf '%s\n' "$(head -c 60 /dev/zero | tr '\0' 'b')"; i=$((i + 1)); done
    printf '.a line with a leading dot\n'
} >"$SANDBOX/msg"
bytes=$(wc -c <"$SANDBOX/msg" | tr -d ' ')
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f\n", n / s; else print "n/a" }'; }

# --- (a) SMTP in ------------------------------------------------------------------------
net_tcpserver -c $((SESS + 20)) -b $((SESS + 20)) -R -H -l "$SANDBOX_DOMAIN" -- \
    "$SUITE_BUILD/tests/helpers/maxrss" "$SANDBOX/rss" qmail-smtpd || { echo "net: tcpserver did not start"; exit 0; }
set -- $("$SUITE_BUILD/tests/helpers/smtpblast" "$NET_PORT" "$SESS" "$MSGS" "$SANDBOX_USER@$SANDBOX_DOMAIN" "$SANDBOX/msg")
secs=$1 acc=$2 failed=$3
r=$(rate "$acc" "$secs")
report "qmail-smtpd: $SESS sessions x $MSGS msgs of $bytes B, queued" "$r" "msg/s" \
    "ratio $(ratio "$r" "$FSYNC") of fsync rate (accepted $acc, failed $failed)"
n=0
while [ "$(wc -l <"$SANDBOX/rss" 2>/dev/null || echo 0)" -lt "$SESS" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
set -- $(sort -n "$SANDBOX/rss" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)], v[NR]; else print "n/a n/a" }')
report "qmail-smtpd: peak memory per session (median)" "$1" "KB" "(max $2 KB, qmail-queue child included)"
net_stop "$NET_TCPSERVER_PID"

# --- (b) qmail-remote out --------------------------------------------------------------------
remote_run() { # label host: NREMOTE sequential deliveries, then NREMOTE with 10 at a time
    t0=$(now)
    i=0 bad=0
    while [ $i -lt "$NREMOTE" ]; do
        qmail-remote "$2" bench@example.org "u@$2" <"$SANDBOX/msg" | grep -q 'K' || bad=$((bad + 1))
        i=$((i + 1))
    done
    s=$(since "$t0")
    report "qmail-remote -> $1: $NREMOTE msgs, sequential" "$(rate "$NREMOTE" "$s")" "msg/s" "(failed $bad)"
    t0=$(now)
    seq "$NREMOTE" | xargs -P 10 -I{} sh -c 'qmail-remote "$1" bench@example.org "u@$1" <"$2" >/dev/null' sh "$2" "$SANDBOX/msg"
    s=$(since "$t0")
    report "qmail-remote -> $1: $NREMOTE msgs, 10 parallel" "$(rate "$NREMOTE" "$s")" "msg/s"
}

R=$SANDBOX/recv
net_home "$R" recv.example 2>/dev/null
net_tcpserver -c 40 -R -H -l recv.example -- env QMAILHOME="$R" qmail-smtpd
printf 'recv.example:127.0.0.1:%s\n' "$NET_PORT" >"$QMAILHOME/control/smtproutes"
remote_run "our qmail-smtpd" recv.example
net_stop "$NET_TCPSERVER_PID"

if [ "$(id -u)" = 0 ] && net_postfix_start 2>/dev/null; then
    printf 'sink.example:127.0.0.1:%s\n' "$PF_PORT" >"$QMAILHOME/control/smtproutes"
    remote_run "postfix sink" sink.example
    net_postfix_stop
else
    echo "net: postfix not available as a sink (needs root and the postfix package); skipped"
fi
