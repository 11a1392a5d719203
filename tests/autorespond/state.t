#!/bin/sh
# The rate-limit state: concurrent deliveries answer once, a crash never
# causes a second response and leaves no lock behind, old entries expire,
# the number of entries is capped (oldest first), and a state directory
# that cannot be written is a temporary failure that loses nothing.
. "$SUITE_SRC/tests/autorespond/lib.sh"

R=$U-ar@$D
mkdir "$H/ar"
printf 'From: %s\nSubject: Away\n\nI am away.\n' "$R" >"$H/ar/message.txt"
qfile .qmail-ar "|qmail-autoresponder ar\n./Maildir/\n"
printf 'From: s@example.net\nTo: %s\nSubject: hi\n\nHi.\n' "$R" >"$T/in"
entries() { ls "$H/ar" | grep -c '^[0-9]'; }
wait_for() { # command...: up to 30 s
    _w=0
    while ! "$@"; do
        _w=$((_w + 1))
        [ $_w -gt 600 ] && return 1
        sleep 0.05
    done
}

# ---- concurrent deliveries ------------------------------------------------------------------
# 20000 entries of other senders make each scan take a while, so that
# without the lock the copies would overlap between scan and record
now=$(date +%s)
(cd "$H/ar" && seq 1 20000 | sed "s/.*/$now.1.other&@example.net/" | xargs touch)
qfile .qmail-ar "|qmail-autoresponder -O maxentries=0 ar\n./Maildir/\n"
reset_qq
clearmail
QQ_SLEEP=1
export QQ_SLEEP
pids=
for i in 1 2 3 4 5; do
    qmail-local -- "$U" "$H" "$U-ar" - ar "$D" s@example.net ./Maildir/ <"$T/in" >"$T/out.$i" 2>&1 &
    pids="$pids $!"
done
rcs=
for p in $pids; do wait "$p"; rcs="$rcs$?"; done
unset QQ_SLEEP
is "$rcs:$(nreplies):$(newmail)" "00000:1:5" "five deliveries at once (slow queue): one response, five messages delivered"
is "$(cat "$T"/out.* | grep -c 'already answered')" 4 "  ... the other four say why"
is "$(ls "$H/ar" | grep -c '^[0-9].*s@example.net$')" 1 "  ... one entry"
qfile .qmail-ar "|qmail-autoresponder ar\n./Maildir/\n"

# ---- a crash between recording and queueing ---------------------------------------------------
rm -f "$H/ar/"[0-9]*
reset_qq
clearmail
cat >"$T/hang.sh" <<'END'
#!/bin/sh
echo $$ >"$QQ_DIR/hang.pid"
exec sleep 60
END
chmod 755 "$T/hang.sh"
QMAILQUEUE=$T/hang.sh qmail-local -- "$U" "$H" "$U-ar" - ar "$D" s@example.net ./Maildir/ <"$T/in" >"$T/out.crash" 2>&1 &
qlpid=$!
has_entry() { [ "$(entries)" = 1 ] && [ -s "$QQ_DIR/hang.pid" ]; }
wait_for has_entry
ok $? "a delivery stuck in the queue program has recorded the sender"
arpid=$(ls "$H/ar" | grep '^[0-9]' | cut -d. -f2)
kill -KILL "$arpid"
wait "$qlpid"
is "$?:$(newmail)" "111:0" "  ... killed: qmail-local fails temporarily, nothing delivered yet"
kill -TERM "$(cat "$QQ_DIR/hang.pid")" 2>/dev/null
rm -f "$QQ_DIR/hang.pid"
deliver ar s@example.net "$T/in"
is "$RC:$(nreplies):$(newmail)" "0:0:1" "  ... the retry: delivered, not answered a second time, the lock is free"
like "$OUT" "already answered" "  ... because the entry survived"
ls -a "$H/ar" | grep -v '^\.\{1,2\}$' | grep -v -e '^\.lock$' -e '^message.txt$' -e '^[0-9]*\.[0-9]*\.s@example.net$' >"$T/junk"
is "$(cat "$T/junk")" "" "  ... and no temporary files are left"

# ---- expiry ------------------------------------------------------------------------------------
now=$(date +%s)
rm -f "$H/ar/"[0-9]*
touch "$H/ar/$((now - 7200)).1.old@example.net" "$H/ar/$((now - 60)).1.new@example.net" \
    "$H/ar/$((now - 7200)).2.s@example.net"
reset_qq
qfile .qmail-ar "|qmail-autoresponder -D ar\n./Maildir/\n"
deliver ar s@example.net "$T/in"
is "$(nreplies):$(entries)" "1:4" "-D: an entry older than the interval does not count, and stays"
reset_qq
rm -f "$H/ar/"[0-9]*.s@example.net
touch "$H/ar/$((now - 7200)).2.s@example.net"
qfile .qmail-ar "|qmail-autoresponder ar\n./Maildir/\n"
deliver ar s@example.net "$T/in"
is "$(nreplies)" 1 "an expired entry: answered again"
test ! -e "$H/ar/$((now - 7200)).1.old@example.net" && test ! -e "$H/ar/$((now - 7200)).2.s@example.net" &&
    test -e "$H/ar/$((now - 60)).1.new@example.net"
ok $? "  ... expired entries are removed, recent ones kept"
qfile .qmail-ar "|qmail-autoresponder -t 30 ar\n./Maildir/\n"
deliver ar x@example.net "$T/in"
test ! -e "$H/ar/$((now - 60)).1.new@example.net"
ok $? "-t 30: an entry a minute old expires"

# ---- the cap ------------------------------------------------------------------------------------
rm -f "$H/ar/"[0-9]*
for i in 0 1 2 3 4 5; do touch "$H/ar/$((now - 100 + i)).1.s$i@example.net"; done
qfile .qmail-ar "|qmail-autoresponder -O maxentries=5 ar\n./Maildir/\n"
reset_qq
deliver ar s@example.net "$T/in"
is "$(nreplies):$(entries)" "1:5" "maxentries=5 with six entries: answered, five entries left"
test ! -e "$H/ar/$((now - 100)).1.s0@example.net" && test ! -e "$H/ar/$((now - 99)).1.s1@example.net" &&
    test -e "$H/ar/$((now - 98)).1.s2@example.net"
ok $? "  ... the oldest went first"
i=0
max=0
while [ $i -lt 40 ]; do
    deliver ar "busy$i@example.net" "$T/in"
    n=$(entries)
    [ "$n" -gt "$max" ] && max=$n
    i=$((i + 1))
done
is "$max" 5 "forty senders on a busy mailbox: never more than five entries"
is "$(nreplies)" 41 "  ... and every one was answered"

# ---- a state directory that cannot be written --------------------------------------------------------
# root writes anywhere, so as root the delivery runs as nobody
NH=$SANDBOX/nh
mkdir -p "$NH/Maildir/new" "$NH/Maildir/cur" "$NH/Maildir/tmp" "$NH/ar"
cp "$H/ar/message.txt" "$NH/ar/"
printf '|qmail-autoresponder ar\n./Maildir/\n' >"$NH/.qmail-ar"
chmod 777 "$QQ_DIR"
chmod 644 "$T/in"
if [ "$(id -u)" = 0 ]; then
    chown -R 65534:65534 "$NH"
    asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
    asuser() { "$@"; }
fi
chmod 555 "$NH/ar"
reset_qq
OUT=$(asuser qmail-local -- "$U" "$NH" "$U-ar" - ar "$D" s@example.net ./Maildir/ <"$T/in" 2>&1)
RC=$?
is "$RC:$(nreplies):$(ls "$NH/Maildir/new" | wc -l | tr -d ' ')" "111:0:0" \
    "an unwritable state directory: 111, no response, the message waits in the queue"
like "$OUT" "qmail-autoresponder: fatal: unable to lock the state directory \\.: (Permission denied|Read-only)" "  ... saying why"
chmod 755 "$NH/ar"
asuser touch "$NH/ar/.lock"
chmod 555 "$NH/ar"
OUT=$(asuser qmail-local -- "$U" "$NH" "$U-ar" - ar "$D" s@example.net ./Maildir/ <"$T/in" 2>&1)
RC=$?
is "$RC:$(nreplies):$(ls "$NH/Maildir/new" | wc -l | tr -d ' ')" "111:0:0" \
    "  ... also when its lock file exists (the entry cannot be made)"
like "$OUT" "unable to record the sender" "  ... saying why"
chmod 755 "$NH/ar"
OUT=$(asuser qmail-local -- "$U" "$NH" "$U-ar" - ar "$D" s@example.net ./Maildir/ <"$T/in" 2>&1)
RC=$?
is "$RC:$(nreplies):$(ls "$NH/Maildir/new" | wc -l | tr -d ' ')" "0:1:1" "  ... once writable again, the retry answers and delivers"
chmod 755 "$QQ_DIR"

rm -rf "$H/ar2"
echo "not a directory" >"$H/ar2"
qfile .qmail-ar2 "|qmail-autoresponder ar2\n./Maildir/\n"
clearmail
deliver ar2 s@example.net "$T/in"
is "$RC:$(newmail)" "111:0" "a state directory that is a file: 111, nothing lost"

done_testing
