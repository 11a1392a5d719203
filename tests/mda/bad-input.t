#!/bin/sh
# Hostile messages and filters: NUL bytes, a 1 MB header line, broken MIME,
# an mbox From_ line first, binary junk; a world-writable filter; include
# recursion at run time; a while that never ends; a failing xfilter.
# Nothing is lost or delivered twice: either exit 0 with the message
# stored byte for byte, or exit 75 with nothing stored.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

M=$SANDBOX_MAILDIR
MB=$T/mbox
deliver_ok() { # name message-file [pattern-that-must-match]
    MSG=$2
    rm -f "$M/new/"* "$MB"
    mdf "if (/${3:-^Subject:}/:hb)\n  echo matched\ncc \"$MB\"\nto \"$M\"\n"
    is "$RC:$OUT" "0:matched" "$1: delivered (exit 0), the pattern ran"
    is "$(nfiles "$M/new")" 1 "... one copy in the Maildir"
    cmp -s "$M/new/$(ls "$M/new")" "$2"; ok $? '... byte for byte'
    is "$(head -c 5 "$MB")" 'From ' '... and in the mbox'
}

printf 'Subject: nul\000inside\nX-A: b\n\nbody\000with nul\nmore\n' >"$T/nul"
deliver_ok 'NUL bytes' "$T/nul" 'with nul'
mdf 'if (/^Subject: nul/)\necho yes\nexit\n'
MSG=$T/nul; md
is "$OUT" yes '... a header with a NUL still matches up to it'

awk 'BEGIN { printf "Subject: long "; for (i = 0; i < 16384; i++) printf "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuv"; printf "\nX-After: yes\n\nbody\n" }' >"$T/longhdr"
deliver_ok 'a 1 MB header line' "$T/longhdr" '^X-After: yes'
awk 'BEGIN { printf "Subject: longbody\n\n"; for (i = 0; i < 20000; i++) printf "abcdefghijklmnopqrstuvwxyz0123456789"; printf "END\nnext line\n" }' >"$T/longbody"
deliver_ok 'a 720 KB body line' "$T/longbody" '^next line'

printf 'Subject: mime\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="x"\n\n--x\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not base64@@@\n--x\nContent-Type: multipart/alternative; boundary=\n\nno boundary\n--x\nContent-Type: text/plain; charset=no-such-charset\nContent-Transfer-Encoding: quoted-printable\n\nbad =ZZ qp =\n' >"$T/brokenmime"
deliver_ok 'broken MIME (bad base64, empty boundary, unknown charset, no closing boundary)' "$T/brokenmime" 'bad =ZZ qp'
{ printf 'Subject: deep\nMIME-Version: 1.0\n'; i=0; while [ $i -lt 100 ]; do printf 'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' $i $i; i=$((i+1)); done; printf 'Content-Type: text/plain\n\ndeep text\n'; } >"$T/deep"
deliver_ok '100 nested multiparts' "$T/deep" '^Subject: deep'
printf 'Subject: header only, no body, no final newline' >"$T/hdronly"
deliver_ok 'a header without body or final newline' "$T/hdronly" 'no final newline$'
printf '\n\nSubject: after blank lines\n\nbody\n' >"$T/leadblank"
deliver_ok 'leading blank lines' "$T/leadblank" 'after blank lines'
head -c 65536 /dev/urandom >"$T/junk" 2>/dev/null || awk 'BEGIN{srand(1); for(i=0;i<65536;i++) printf "%c", int(rand()*256)}' >"$T/junk"
MSG=$T/junk
rm -f "$M/new/"*
mdf "if (/x/:hb)\n  echo matched\nto \"$M\"\n"
is "$RC" 0 'binary junk: delivered'
cmp -s "$M/new/$(ls "$M/new")" "$T/junk"; ok $? '... byte for byte'

printf 'From bob@x.example Fri Nov 20 10:00:00 2026\nReturn-Path: <rp@x.example>\nSubject: mbox line\n\nFrom inside\n' >"$T/fromline"
MSG=$T/fromline
rm -f "$M/new/"* "$MB"
mdf "echo \$FROM\nif (/^Subject: mbox line/)\n  cc \"$MB\"\nto \"$M\"\n"
is "$RC:$OUT" '0:rp@x.example' 'an mbox From_ line first: kept as a line, Return-Path still gives FROM'
cmp -s "$M/new/$(ls "$M/new")" "$T/fromline"; ok $? '... stored as it came (use reformail -f0 to turn it into Return-Path)'
is "$(grep -c '^>From ' "$MB")" 2 '... and quoted in an mbox'

# a world-writable filter
MSG=$T/msg
rm -f "$M/new/"*
filter "to \"$M\"\n"
chmod 666 "$T/filter"
md
is "$RC:$(nfiles "$M/new")" 75:0 'a world-writable filter file is refused: 75, nothing delivered'
like "$ERR" 'world-writable' '... saying why'

# include recursion at run time (the name is computed, so the parser cannot see it)
printf 'N=$N+1\ninclude "$SELF"\n' >"$T/rec"
mdf "SELF=\"$T/rec\"\ninclude \$SELF\n"
is "$RC" 75 'include recursion at run time: stopped, 75'
like "$ERR" 'nested too deeply' '... "includes nested too deeply"'

# a while that never ends
mdf 'N=0\nwhile (1)\n{\n  N=$N+1\n}\n'
is "$RC" 75 'a while that never ends is stopped: 75'
like "$ERR" 'while loop stopped after 1000000 iterations' '... after a fixed number of iterations'
mdf "exception {\n  while (1)\n  {\n  }\n}\nto \"$M\"\n"
is "$RC:$(nfiles "$M/new")" 0:1 '... an error an exception block can catch'
rm -f "$M/new/"*

# a failing xfilter
for prog in 'exit 1' 'kill -9 $$' 'cat >/dev/null; exit 3' 'exec /nonexistent/program'; do
    mdf "xfilter \"$prog\"\nto \"$M\"\n"
    is "$RC:$(nfiles "$M/new")" 75:0 "xfilter \"$prog\": 75, nothing delivered"
done
mdf "xfilter \"head -c 100\"\nto \"$M\"\n"
is "$RC:$(wc -c <"$M/new/$(ls "$M/new")" | tr -d ' ')" 0:100 'xfilter that stops reading early: its output is the message'

done_testing
