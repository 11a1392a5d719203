#!/bin/sh
# System mode, as root, in a private mount namespace so the machine is not
# touched: `make install setup` into /var/qmail (a tmpfs over /var) with the
# qmail users created in a private copy of /etc; qmail-start with no
# QMAILHOME; a message queued by an ordinary user through the setuid
# qmail-queue is delivered into that user's Maildir by qmail-local running
# as the user, while each daemon runs under its own qmail user.
. "$SUITE_SRC/tests/lib/tap.sh"

[ "$(id -u)" -eq 0 ] || skip_all "system mode needs root"
command -v unshare >/dev/null 2>&1 || skip_all "unshare is not installed"
T=$(mktemp -d "${TMPDIR:-/tmp}/system.XXXXXX")
chmod 755 "$T"
cleanup() { rm -rf "$T"; }
atexit cleanup
cp -a /etc "$T/etc"
BUILDREL=${SUITE_BUILD#"$SUITE_SRC"/}

unshare -m sh -c '
    T=$1 SRC=$2 BUILD=$3
    mount --make-rprivate / && mount --bind "$T/etc" /etc && mount -t tmpfs tmpfs /var || exit 77
    mkdir -p /var/qmail
    make -s -C "$SRC" install setup BUILD="$BUILD" QMAILHOME=/var/qmail PREFIX="$T/usr" \
        >"$T/install.log" 2>&1 || exit 1
    useradd -M -d "$T/home/mstest" -s /bin/sh mstest || exit 2
    mkdir -p "$T/home/mstest" && chown mstest: "$T/home/mstest" && chmod 700 "$T/home/mstest"
    su -s /bin/sh mstest -c "/var/qmail/bin/maildirmake $T/home/mstest/Maildir" || exit 3
    echo system.example >/var/qmail/control/me
    echo system.example >/var/qmail/control/locals
    env - PATH=/var/qmail/bin:/usr/bin:/bin qmail-start ./Maildir/ >"$T/send.log" 2>&1 &
    SEND=$!
    sleep 0.5
    printf "Subject: system mode\n\nhello\n" >"$T/msg"
    printf "Fmstest@system.example\0Tmstest@system.example\0\0" >"$T/env"
    chmod 644 "$T/msg" "$T/env"
    su -s /bin/sh mstest -c "/var/qmail/bin/qmail-queue <$T/msg 3<$T/env 1<&3"
    echo "qq=$?" >"$T/qq"
    n=0
    while [ -z "$(ls "$T/home/mstest/Maildir/new")" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
    for p in qmail-send qmail-todo qmail-lspawn qmail-rspawn qmail-clean; do
        for pid in $(pgrep -x $p); do
            # only ours: other tests on the machine run their own queues
            case $(readlink /proc/$pid/cwd) in /var/qmail*) echo "$p $(ps -o user= -p $pid)" ;; esac
        done
    done | sort -u >"$T/ps"
    stat -c "%U %a" "$T"/home/mstest/Maildir/new/* >"$T/owner" 2>/dev/null
    cp "$T"/home/mstest/Maildir/new/* "$T/delivered" 2>/dev/null
    find /var/qmail/queue/mess -type f -printf "%u\n" | sort -u >"$T/messowner"
    kill -TERM $SEND
    n=0; while kill -0 $SEND 2>/dev/null && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
    kill -KILL $SEND 2>/dev/null
    exit 0
' sh "$T" "$SUITE_SRC" "$BUILDREL"
st=$?
[ $st -eq 77 ] && skip_all "cannot make a private mount namespace"
is "$st" 0 "install, setup and a run in system mode"
[ $st -eq 0 ] || diag "$(cat "$T/install.log" 2>/dev/null)"
is "$(cat "$T/qq" 2>/dev/null)" "qq=0" "an ordinary user queues through the setuid qmail-queue"
is "$(cat "$T/owner" 2>/dev/null)" "mstest 600" "delivered into the user's Maildir as the user"
like "$(cat "$T/delivered" 2>/dev/null)" "Received: \(qmail [0-9]+ invoked by uid [0-9]+\)" "Received line names the user's uid"
is "$(cat "$T/ps" 2>/dev/null)" "qmail-clean qmailq
qmail-lspawn root
qmail-rspawn qmailr
qmail-send qmails
qmail-todo qmails" "each daemon runs under its own user"
like "$(cat "$T/send.log")" "delivery 1: success: did_1\+0\+0/" "qmail-send logged the delivery"
done_testing
