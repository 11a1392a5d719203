# qqrec.sh -- helpers for the list tests of ezmlm-send, -manage, -return,
# -warn, -reject and -weed (POSIX sh; source after tap.sh and sandbox.sh).
#
#   qqrec_setup            QMAILQUEUE becomes a recorder: every message a
#                          program queues is written to $QQREC/N.msg (fd 0)
#                          and its envelope to $QQREC/N.env (fd 1), N = 1, 2..
#   qqrec_count            how many messages were recorded
#   qqrec_env N            the envelope of message N, NULs shown as newlines
#   qqrec_reset            forgets the recorded messages
#   mklist DIR LOCAL HOST  a list directory made by hand (ezmlm-make-free):
#                          outlocal, outhost, key, headerremove, subscribers/;
#                          on the mysql store (etc.sh's list_store_init) also
#                          DIR/subdb and the tables
#   list_env LOCAL DEFAULT qmail-local style environment for LOCAL@HOST with
#                          extension DEFAULT (SENDER stays as set)

qqrec_setup() {
    QQREC=$SANDBOX/qqrec
    mkdir -p "$QQREC" || return 1
    cat >"$SANDBOX/qqrec-prog" <<'EOS'
#!/bin/sh
# records one queued message: fd 0 = message, fd 1 = envelope
d=${QQREC:?}
exec 9>"$d/.lock"
flock 9
n=$(( $(cat "$d/.n" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$d/.n"
flock -u 9
cat >"$d/$n.msg" || exit 54
cat <&1 >"$d/$n.env" || exit 54
[ -n "${QQREC_FAIL:-}" ] && exit "$QQREC_FAIL"
exit 0
EOS
    chmod 755 "$SANDBOX/qqrec-prog"
    QMAILQUEUE=$SANDBOX/qqrec-prog
    export QQREC QMAILQUEUE
}

qqrec_count() { cat "$QQREC/.n" 2>/dev/null || echo 0; }
qqrec_env() { tr '\0' '\n' <"$QQREC/$1.env"; }
qqrec_reset() { rm -f "$QQREC"/*.msg "$QQREC"/*.env "$QQREC/.n"; }

mklist() {
    mkdir -p "$1/subscribers" "$1/text" || return 1
    printf '%s\n' "$2" >"$1/outlocal"
    printf '%s\n' "$3" >"$1/outhost"
    printf 'secret key of %s\n' "$2" >"$1/key"
    printf 'return-path\nreturn-receipt-to\ncontent-length\nprecedence\nlist-subscribe\nlist-unsubscribe\nlist-help\nlist-post\nsender\n' >"$1/headerremove"
    if command -v list_store_init >/dev/null 2>&1; then
        list_store_init "$1" || return 1
    fi
}

list_env() {
    LOCAL=$1-$2
    DEFAULT=$2
    HOST=${3:-$SANDBOX_DOMAIN}
    RECIPIENT=$LOCAL@$HOST
    DTLINE="Delivered-To: $RECIPIENT"
    export LOCAL DEFAULT HOST RECIPIENT DTLINE
}
