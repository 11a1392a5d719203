#!/bin/sh
# ezmlm-send with hostile posts: no header, broken headers, a 10 MB body
# (streamed in bounded memory), NUL bytes, loops, bounces, another list's
# traffic, a huge header, a broken list directory.  A refused post leaves
# num, the archive and the queue untouched.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
cd "$SANDBOX" || exit 1
list_make "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN" || BAIL_OUT "ezmlm-make"
L=$SANDBOX/L
ezmlm-sub "$L" alice@a.example || BAIL_OUT "ezmlm-sub"
SENDER=poster@p.example
export SENDER
send() { ezmlm-send "$L" 2>"$SANDBOX/err"; echo $?; }
body_of() { sed -n '/^$/,$p' "$QQREC/$1.msg" | tail -n +2; }

printf 'just a body line\nand another\n' >nohdr
is "$(send <nohdr)" 0 "a post without any header: 0"
is "$(body_of 1)" "just a body line
and another" "...the text is the body, after our header and a blank line"
is "$(sed -n 's/^Delivered-To: //p' "$QQREC/1.msg")" "mailing list list@sandbox.example" "...which has our Delivered-To"

printf ' folded first\nSubject: s\n\nx\n' >leadcont
is "$(send <leadcont)" 0 "a header starting with a continuation line: 0"
is "$(body_of 2)" " folded first
Subject: s

x" "...the header ends there: the rest is body"

printf 'Subject: s\nthis is not a header line\nFrom: x@y.example\n\nbody\n' >badline
is "$(send <badline)" 0 "a line without a colon inside the header: 0"
is "$(body_of 3)" "this is not a header line
From: x@y.example

body" "...ends the header (as qmail-inject sees it); nothing is lost"

printf 'From: a@b.example\r\nSubject: crlf\r\n\r\nline one\r\n' >crlf
is "$(send <crlf)" 0 "CRLF line ends: 0"
is "$(grep -c "$(printf '\r')" "$QQREC/4.msg")" 3 "...kept as they were (our own lines and the blank line end in LF)"

printf 'Subject: nul\0inside\nFrom: a@b.example\n\nbinary \0\0 body\0\n' >nul
is "$(send <nul)" 0 "NUL bytes: 0"
tail -c 16 "$QQREC/5.msg" >got
printf 'binary \0\0 body\0\n' >want
cmp -s got want; ok $? "...the body's NUL bytes reach the queue unchanged"
grep -q "$(printf 'nul')" "$QQREC/5.msg"; ok $? "...and the header with one"

n=$(qqrec_count); num=$(cat "$L/num")
printf 'Delivered-To: mailing list list@sandbox.example\nSubject: loop\n\nx\n' >loop
is "$(send <loop)" 100 "our own Delivered-To line: looping, 100"
like "$(cat err)" 'looping' "...saying so"
printf 'delivered-to:   Mailing List LIST@Sandbox.Example\nSubject: loop\n\nx\n' >loop2
is "$(send <loop2)" 100 "...in any case and spacing"
printf 'Mailing-List: contact other-help@x.example\nSubject: s\n\nx\n' >ml
is "$(send <ml)" 100 "another list's post (Mailing-List): 100"
is "$(SENDER= send <nohdr)" 100 "a bounce (empty SENDER): 100"
is "$(SENDER='#@[]' send <nohdr)" 100 "a double bounce (#@[]): 100"
printf 'Subject: s\nContent-Type: multipart/mixed; boundary="open\n\nx\n' >mq
echo 'application/zip' >"$L/mimeremove"
is "$(send <mq)" 100 "an unterminated quoted boundary: 100"
rm "$L/mimeremove"
awk 'BEGIN { print "Subject: big"; printf "X-Big: "; for (i = 0; i < 200000; i++) printf "xxxxxxxxxx"; print ""; print ""; print "b" }' >bighdr
is "$(send <bighdr)" 100 "a 2 MB header: 100"
like "$(cat err)" 'header is too large' "...saying so"
is "$(qqrec_count)" "$n" "none of these queued anything"
is "$(cat "$L/num")" "$num" "...nor took a number"
is "$(find "$L/archive" -type f -name '[0-9]*' | wc -l | tr -d ' ')" 5 "...nor left an archive file"

# 10 MB, streamed
awk 'BEGIN { print "From: a@b.example"; print "Subject: ten megabytes"; print ""; for (i = 0; i < 200000; i++) print "0123456789012345678901234567890123456789012345678" }' >big
printf 'From: a@b.example\nSubject: small\n\nsmall\n' >small
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o rss.small ezmlm-send "$L" <small 2>/dev/null
    /usr/bin/time -f %M -o rss.big ezmlm-send "$L" <big 2>/dev/null
    is $? 0 "a 10 MB body: 0"
    d=$(( $(tail -1 rss.big) - $(tail -1 rss.small) ))
    [ "$d" -lt 4096 ]; ok $? "...in bounded memory (max RSS grew by $d KiB, not by the body's 10 MB)"
else
    send <big >/dev/null
    skip "no /usr/bin/time to measure memory" 2
fi
n=$(qqrec_count)
is "$(body_of "$n" | wc -c | tr -d ' ')" 10000000 "...every byte of it queued"
f=$(sed -n 's/^\([0-9]*\):.*/\1/p' "$L/num")
cmp -s "$QQREC/$n.msg" /dev/null; [ $? -ne 0 ]; ok $? "...and archived"
is "$(sed -n '/^$/,$p' "$L/archive/0/0$f" | wc -c | tr -d ' ')" 10000001 "...the archive has all of it"
like "$(cat "$L/num")" "^$f:39[0-9]{3}$" "num adds the body size in 256-byte units"

# a broken list directory
mkdir -p "$SANDBOX/B/subscribers"
echo b >"$SANDBOX/B/outlocal"; echo sandbox.example >"$SANDBOX/B/outhost"
printf 'Subject: s\n\nx\n' | EZMLM_ETC=$SANDBOX/none ezmlm-send "$SANDBOX/B" 2>err
is $? 111 "neither headerremove nor headerkeep: 111 (the owner can fix it, the post waits)"
printf 'Subject: s\n\nx\n' | ezmlm-send "$SANDBOX/nothere" 2>err
is $? 111 "no list directory: 111"
ezmlm-send 2>err </dev/null; is $? 100 "no arguments: usage, 100"
done_testing
