#!/bin/sh
# qmail-local: maildir and mbox deliveries byte for byte (qmail.md 4.4,
# 4.5), loop detection (4.3 step 5), and their failure cases.
. "$SUITE_SRC/tests/local/lib.sh"

MB=$H/mbox
DATE_RE='(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9][0-9][0-9][0-9]'
# tailcmp FILE SKIP EXPECTED-TEXT(%b): 0 if FILE minus its first SKIP lines is EXPECTED
tailcmp() {
    printf '%b' "$3" >"$SANDBOX/expected"
    tail -n +"$(($2 + 1))" "$1" >"$SANDBOX/got"
    cmp -s "$SANDBOX/expected" "$SANDBOX/got" || {
        diag "$(od -c "$SANDBOX/got" | head -n 20)"
        return 1
    }
}

# ---- mbox: the verified example of 4.5 ------------------------------------------
mkmsg "$MSG" 'Subject: m\n\nFrom me\n>From you\nlast line no newline'
qfile .qmail-m './mbox\n'
ql -- nqbench "$H" nqbench-m - m bench.example 's p@x.org' ./Maildir/
is "$RC:$OUT" "0:did 1+0+0" "mbox delivery: exit 0, did 1+0+0"
like "$(head -n 1 "$MB")" "^From s-p@x\\.org $DATE_RE\$" "From_ line: sender with - for the space, GMT date"
tailcmp "$MB" 1 'Return-Path: <"s p"@x.org>\nDelivered-To: nqbench-m@bench.example\nSubject: m\n\n>From me\n>>From you\nlast line no newline\n\n'
ok $? "the rest byte for byte: quoting, final newline, blank line"
is "$(stat -c %a "$MB")" 600 "a new mbox is created with mode 0600"

# a second delivery is appended after the blank line
mkmsg "$MSG" 'Subject: two\n\nline\n'
ql -- nqbench "$H" nqbench-m - m bench.example '' ./Maildir/
is "$RC" 0 "second mbox delivery"
is "$(grep -c '^From ' "$MB")" 2 "two From_ lines"
tailcmp "$MB" 10 'Return-Path: <>\nDelivered-To: nqbench-m@bench.example\nSubject: two\n\nline\n\n'
ok $? "second message: Return-Path: <>, one blank line after it"
like "$(sed -n 10p "$MB")" "^From MAILER-DAEMON $DATE_RE\$" "empty sender: From MAILER-DAEMON"

# mboxrd quoting corner cases
rm -f "$MB"
mkmsg "$MSG" 'From: not quoted\nX: y\n\nFrom\nFromage\n From x\nxFrom y\n>From\n>>>From z\n>>\n>\nFrom '
ql -- u "$H" u-m - m x.org a@x.org ./Maildir/
tailcmp "$MB" 1 'Return-Path: <a@x.org>\nDelivered-To: u-m@x.org\nFrom: not quoted\nX: y\n\nFrom\nFromage\n From x\nxFrom y\n>From\n>>>>From z\n>>\n>\n>From \n\n'
ok $? "mboxrd: only ^>*From  gets a >, a final partial line gets its newline"

# an empty message
rm -f "$MB"
: >"$MSG"
ql -- u "$H" u-m - m x.org a@x.org ./Maildir/
is "$RC" 0 "empty message into an mbox"
tailcmp "$MB" 1 'Return-Path: <a@x.org>\nDelivered-To: u-m@x.org\n\n'
ok $? "empty message: the header lines and one blank line"

# binary bytes and long lines pass through
rm -f "$MB"
awk 'BEGIN { s = ""; for (i = 0; i < 100000; i++) s = s "x"; printf "Subject: long\n\n%s\n", s }' >"$MSG"
printf 'a\000b\r\n' >>"$MSG"
ql -- u "$H" u-m - m x.org a@x.org ./Maildir/
is "$RC" 0 "a 100000-byte line and a NUL byte"
tail -n +4 "$MB" >"$SANDBOX/got"
{ cat "$MSG"; printf '\n'; } >"$SANDBOX/expected"
cmp -s "$SANDBOX/got" "$SANDBOX/expected"
ok $? "  ... copied unchanged"

# ---- maildir -----------------------------------------------------------------------
clearmail
mkmsg "$MSG" 'Subject: md\n\nFrom me\nno newline'
qfile .qmail-d './Maildir/\n'
ql -- u "$H" u-d - d x.org 'a b@x.org' ./Maildir/
is "$RC:$OUT" "0:did 1+0+0" "maildir delivery"
is "$(newmail | wc -l | tr -d ' ')" 1 "one file in new/"
f=$SANDBOX_MAILDIR/new/$(newmail)
printf 'Return-Path: <"a b"@x.org>\nDelivered-To: u-d@x.org\nSubject: md\n\nFrom me\nno newline' >"$SANDBOX/expected"
cmp -s "$f" "$SANDBOX/expected"
ok $? "maildir file: Return-Path + Delivered-To + the message, no From_, no quoting, nothing added"
is "$(stat -c %a "$f")" 600 "the file is mode 0600"
is "$(find "$SANDBOX_MAILDIR/tmp" "$SANDBOX_MAILDIR/cur" -type f | wc -l | tr -d ' ')" 0 "nothing left in tmp/, nothing in cur/"
like "$(newmail)" '^[0-9]+\.[^/]+$' "a unique name starting with the time"

# two maildir lines: two files with different names
qfile .qmail-d2 './Maildir/\n./Maildir/\n'
clearmail
ql -- u "$H" u-d2 - d2 x.org a@x.org ./Maildir/
is "$RC:$OUT:$(newmail | wc -l | tr -d ' ')" "0:did 2+0+0:2" "two maildir lines: two files"

# maildir failures are temporary
clearmail
mkdir -p "$H/Bad/new" "$H/Bad/cur"
qfile .qmail-bt './Bad/\n'
ql -- u "$H" u-bt - bt x.org a@x.org ./Maildir/
is "$RC:$OUT" "111:Temporary error on maildir delivery. (#4.3.0)" "a Maildir without tmp/: 111"
is "$(ls "$H/Bad/new" | wc -l | tr -d ' ')" 0 "  ... nothing in its new/"
qfile .qmail-bn './Nowhere/\n'
ql -- u "$H" u-bn - bn x.org a@x.org ./Maildir/
is "$RC:$OUT" "111:Unable to chdir to maildir. (#4.2.1)" "a missing Maildir: 111, Unable to chdir"
printf 'x' >"$H/Plain"
qfile .qmail-bp './Plain/\n'
ql -- u "$H" u-bp - bp x.org a@x.org ./Maildir/
is "$RC:$OUT" "111:Unable to chdir to maildir. (#4.2.1)" "a Maildir that is a file: 111"

# a file size limit: the maildir delivery fails cleanly
awk 'BEGIN { for (i = 0; i < 2000; i++) print "line of text number " i }' >"$MSG"
clearmail
OUT=$(ulimit -f 8 && qmail-local -- u "$H" u-d - d x.org a@x.org ./Maildir/ <"$MSG" 2>&1)
RC=$?
is "$RC:$OUT" "111:Temporary error on maildir delivery. (#4.3.0)" "maildir write error (file size limit): 111"
is "$(find "$SANDBOX_MAILDIR/new" "$SANDBOX_MAILDIR/tmp" -type f | wc -l | tr -d ' ')" 0 "  ... no file left in new/ or tmp/"

# ---- mbox failures ---------------------------------------------------------------------------
rm -f "$MB"
mkmsg "$SANDBOX/small" 'Subject: s\n\nsmall\n'
qlm() { OUT=$(qmail-local -- u "$H" u-m - m x.org a@x.org ./Maildir/ <"$1" 2>&1); RC=$?; }
qlm "$SANDBOX/small"
cp "$MB" "$SANDBOX/mbox.before"
OUT=$(ulimit -f 8 && qmail-local -- u "$H" u-m - m x.org a@x.org ./Maildir/ <"$MSG" 2>&1)
RC=$?
is "$RC" 111 "mbox write error (file size limit): 111"
like "$OUT" '^Unable to write \./mbox: .*\. \(#4\.3\.0\)$' "  ... Unable to write ./mbox"
cmp -s "$MB" "$SANDBOX/mbox.before"
ok $? "  ... the mbox is cut back to its old size"

qfile .qmail-nd './nodir/mbox\n'
ql -- u "$H" u-nd - nd x.org a@x.org ./Maildir/
is "$RC" 111 "mbox in a missing directory: 111"
like "$OUT" '^Unable to open \./nodir/mbox: .*\. \(#4\.2\.1\)$' "  ... Unable to open ./nodir/mbox (#4.2.1)"

# a read-only mbox (as a non-root user: root may write anyway)
if [ "$(id -u)" -eq 0 ]; then
    NH=$SANDBOX/nobodyhome
    mkdir -p "$NH" && printf './mbox\n' >"$NH/.qmail-ro" && printf 'old\n' >"$NH/mbox" &&
        chown -R 65534:65534 "$NH" && chmod 700 "$NH" && chmod 400 "$NH/mbox"
    OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
        qmail-local -- nobody "$NH" u-ro - ro x.org a@x.org ./Maildir/ <"$SANDBOX/small" 2>&1)
    RC=$?
else
    NH=$H
    printf './mbox\n' >"$NH/.qmail-ro" && printf 'old\n' >"$NH/mbox" && chmod 400 "$NH/mbox"
    ql -- u "$H" u-ro - ro x.org a@x.org ./Maildir/
fi
is "$RC" 111 "a read-only mbox: 111"
like "$OUT" '^Unable to open \./mbox: .*\. \(#4\.2\.1\)$' "  ... Unable to open ./mbox (#4.2.1)"
is "$(cat "$NH/mbox")" old "  ... the mbox is unchanged"
rm -f "$NH/mbox"

# an mbox held by another process's flock: the delivery waits for it
rm -f "$MB"
: >"$MB"
chmod 600 "$MB"
if command -v flock >/dev/null 2>&1; then
    flock "$MB" sleep 1 &
    fpid=$!
    sleep 0.2
    t0=$(date +%s%N)
    qlm "$SANDBOX/small"
    t1=$(date +%s%N)
    wait "$fpid"
    is "$RC" 0 "a locked mbox: delivered once the lock is released"
    ok $(( (t1 - t0) > 500000000 ? 0 : 1 )) "  ... after waiting for the lock"
else
    skip "flock(1) not installed" 2
fi

# ---- loop detection ---------------------------------------------------------------------------
clearmail
mkmsg "$MSG" 'Delivered-To: other@x.org\nDelivered-To: u-d@x.org\nSubject: loop\n\nbody\n'
ql -- u "$H" u-d - d x.org a@x.org ./Maildir/
is "$RC:$OUT" "100:This message is looping: it already has my Delivered-To line. (#5.4.6)" "my Delivered-To line in the header: 100"
is "$(newmail | wc -l | tr -d ' ')" 0 "  ... not delivered"
mkmsg "$MSG" 'Subject: loop\n\nDelivered-To: u-d@x.org\n'
ql -- u "$H" u-d - d x.org a@x.org ./Maildir/
is "$RC" 0 "the same line in the body does not count"
mkmsg "$MSG" 'delivered-to: u-d@x.org\nDelivered-To: U-d@x.org\nDelivered-To:  u-d@x.org\nDelivered-To: u-d@x.org \n\n'
ql -- u "$H" u-d - d x.org a@x.org ./Maildir/
is "$RC" 0 "the comparison is exact (case, spaces)"
mkmsg "$MSG" 'Delivered-To: u-d@x.org'
ql -- u "$H" u-d - d x.org a@x.org ./Maildir/
is "$RC" 0 "an unterminated last line does not count"
ql -n -- u "$H" u-d - d x.org a@x.org ./Maildir/
is "$RC" 0 "-n does not check for loops"
awk 'BEGIN { for (i = 0; i < 200; i++) printf "Delivered-To: hop%d@x.org\n", i; printf "Subject: many\n\nbody\n" }' >"$MSG"
clearmail
ql -- u "$H" u-d - d x.org a@x.org ./Maildir/
is "$RC:$(newmail | wc -l | tr -d ' ')" "0:1" "200 other Delivered-To lines: delivered"
awk 'BEGIN { for (i = 0; i < 200; i++) printf "Delivered-To: hop%d@x.org\n", i; printf "Delivered-To: u-d@x.org\n\nbody\n" }' >"$MSG"
ql -- u "$H" u-d - d x.org a@x.org ./Maildir/
is "$RC" 100 "mine after 200 others: 100"
awk 'BEGIN { s = "X-Long: "; for (i = 0; i < 200000; i++) s = s "y"; print s; print "Delivered-To: u-d@x.org"; print ""; print "b" }' >"$MSG"
ql -- u "$H" u-d - d x.org a@x.org ./Maildir/
is "$RC" 100 "found after a 200000-byte header line"

# ---- a non-seekable message ----------------------------------------------------------------
clearmail
rm -f "$MB" "$SANDBOX/copy"
qfile .qmail-p "./Maildir/\n|cat >$SANDBOX/copy\n./mbox\n|cat >$SANDBOX/copy2\n"
mkmsg "$MSG" 'Subject: piped\n\nline 1\nline 2\n'
OUT=$(cat "$MSG" | qmail-local -- u "$H" u-p - p x.org a@x.org ./Maildir/ 2>&1)
RC=$?
is "$RC:$OUT" "0:did 2+0+2" "message on a pipe: delivered to all four"
cmp -s "$SANDBOX/copy" "$MSG" && cmp -s "$SANDBOX/copy2" "$MSG"
ok $? "  ... each program read the whole message"
tailcmp "$SANDBOX_MAILDIR/new/$(newmail)" 0 'Return-Path: <a@x.org>\nDelivered-To: u-p@x.org\nSubject: piped\n\nline 1\nline 2\n'
ok $? "  ... and so did the maildir delivery"
tailcmp "$MB" 1 'Return-Path: <a@x.org>\nDelivered-To: u-p@x.org\nSubject: piped\n\nline 1\nline 2\n\n'
ok $? "  ... and the mbox delivery"

done_testing
