#!/bin/sh
# reformail -D len file: exit 0 for a Message-ID already in the cache, 1
# for a new one; the cache file is byte for byte what Debian's reformail
# writes for the same sequence, for several lengths; errors.
. "$SUITE_SRC/tests/mda/reformail-lib.sh"

msg() { printf 'Subject: x\nMessage-ID: %s\n\nbody\n' "$1"; }

# one sequence of IDs: new, new, duplicate, blanks around, long, ...
run_seq() { # prog len cachefile -> prints the exit codes
    _codes=
    for id in '<a@b>' '<b@c>' '<a@b>' ' <c@d>  ' \
        '<dddddddddddddddddddddddddddddddddddddddd@e>' '<b@c>' '<e@f>' '' \
        '<f@g>
  folded' '<f@g>
  folded' '<c@d>'; do
        msg "$id" | "$1" -D "$2" "$3"
        _codes="$_codes$?"
    done
    echo "$_codes"
}

for len in 0 10 30 100 -5 abc 100000; do
    rm -f "$T/ours" "$T/deb"
    codes=$(run_seq "$RF" "$len" "$T/ours")
    if [ -n "$DEB" ]; then
        dcodes=$(run_seq "$DEB" "$len" "$T/deb")
        is "$codes" "$dcodes" "-D $len: exit codes as Debian's ($dcodes)"
        cmp -s "$T/ours" "$T/deb"
        ok $? "-D $len: cache file byte for byte as Debian's"
    else
        skip "Debian's reformail is not installed" 2
    fi
done

# the format, spelled out
rm -f "$T/c"
msg '<one@x>' | "$RF" -D 1000 "$T/c"
is "$?" 1 "a new ID: exit 1"
msg '<two@x>' | "$RF" -D 1000 "$T/c"
msg '<one@x>' | "$RF" -D 1000 "$T/c"
is "$?" 0 "a known ID: exit 0"
printf '<two@x>\000<one@x>\000\000' >"$T/want"
cmp -s "$T/c" "$T/want"
ok $? "the cache: NUL-separated IDs, newest last, an empty entry at the end"
is "$(stat -c %a "$T/c")" 600 "created mode 0600"
# trimmed to about len bytes: oldest dropped while at least len remain
rm -f "$T/c"
for i in 1 2 3 4 5 6; do msg "<id$i@x>" | "$RF" -D 20 "$T/c"; done
printf '<id5@x>\000<id6@x>\000\000' | cmp -s - "$T/c"
ok $? "trimmed: the oldest dropped while 20 bytes or more remain"
rm -f "$T/c"
msg '<aaaaaaaaaaaaaaaaaaaa@x>' | "$RF" -D 10 "$T/c"
msg '<b@x>' | "$RF" -D 10 "$T/c"
head -c 7 "$T/c" | od -c | sed 1q >"$T/head"
printf '<b@x>\000\000' | od -c | sed 1q | cmp -s - "$T/head"
ok $? "a lone entry longer than len is kept; the next one replaces it"
is "$(stat -c %s "$T/c")" 26 "the file is rewritten in place, not shortened"

# a Message-ID field of the wrong form, or none
rm -f "$T/c"
printf 'Subject: x\n\nMessage-ID: <body@x>\n' | "$RF" -D 100 "$T/c"
is "$?" 1 "no Message-ID in the header: exit 1"
printf 'Message-ID:   \n\n' | "$RF" -D 100 "$T/c"
is "$?" 1 "an empty Message-ID: exit 1"
[ ! -s "$T/c" ]
ok $? "... and the cache is not touched"
printf 'Message-ID : <sp@x>\n\n' | "$RF" -D 100 "$T/c"
printf 'Message-ID : <sp@x>\n\n' | "$RF" -D 100 "$T/c"
is "$?" 1 "'Message-ID :' is not a Message-ID field"
printf 'message-id: <lc@x>\nMessage-ID: <second@x>\n\n' | "$RF" -D 100 "$T/c"
printf 'MESSAGE-ID: <lc@x>\n\n' | "$RF" -D 100 "$T/c"
is "$?" 0 "the name in any case; only the first field counts"
printf 'Message-ID: <nul\000x@y>\n\n' | "$RF" -D 100 "$T/c"
printf 'Message-ID: <nul\n\n' | "$RF" -D 100 "$T/c"
is "$?" 0 "an ID ends at a NUL byte"
printf 'Message-ID: <crlf@x>\r\n\r\n' | "$RF" -D 100 "$T/c"
printf 'Message-ID: <crlf@x>\n\n' | "$RF" -D 100 "$T/c"
is "$?" 0 "CRLF and LF input give the same ID"
printf 'Subject: x\n\n' | "$RF" -a Message-ID: -D 100 "$T/c"
is "$?" 1 "-a Message-ID: before -D: the generated ID is looked up"
printf 'Subject: x\n\n' | "$RF" -D 100 "$T/c" -a Message-ID: 2>/dev/null
is "$?" 1 "-a after -D is invalid (exit 1)"
{ printf 'Message-ID: <big@x>\n\n'; yes 'body line' | head -n 300000; } | "$RF" -D 100 "$T/c"
is "$?" 1 "the body is read to the end (no broken pipe)"

# errors: 75 when the cache cannot be opened
msg '<x@y>' | "$RF" -D 100 "$T/nonexistent/c" 2>"$T/err"
is "$?" 75 "cache in a missing directory: exit 75"
like "$(cat "$T/err")" "reformail: fatal: unable to open" "... with a message"
if [ "$(id -u)" = 0 ]; then
    msg '<x@y>' | "$RF" -D 100 / 2>/dev/null
    is "$?" 75 "cache is a directory: exit 75"
else
    mkdir "$T/ro" && chmod 500 "$T/ro"
    msg '<x@y>' | "$RF" -D 100 "$T/ro/c" 2>/dev/null
    is "$?" 75 "cache in a read-only directory: exit 75"
fi
"$RF" -D 100 </dev/null 2>/dev/null
is "$?" 1 "-D without a file name: exit 1"

# the lock: a second reformail waits for the first
rm -f "$T/c"
msg '<locked@x>' | "$RF" -D 100 "$T/c"
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(1)
os.write(fd, b"<held@x>\0\0")
' "$T/c" "$T/locked" &
    pid=$!
    while [ ! -e "$T/locked" ]; do sleep 0.05; done
    msg '<held@x>' | "$RF" -D 100 "$T/c"
    is "$?" 0 "a locked cache is waited for, then read"
    wait "$pid"
else
    skip "no python3"
fi

done_testing
