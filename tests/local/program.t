#!/bin/sh
# qmail-local: program deliveries and their exit codes (qmail.md 4.6), line
# handling of .qmail files (4.3 step 10) and bad .qmail files.
. "$SUITE_SRC/tests/local/lib.sh"

# ---- exit codes: .qmail-c = "|exit N" then "./Maildir/" (Appendix B) ----------------
for pair in 0:0:'did 1+0+1' 99:0:'did 0+0+1' 100:100: 111:111: 64:100: 65:100: 70:100: \
    76:100: 77:100: 78:100: 112:100: 1:111: 2:111: 75:111: 113:111:; do
    n=${pair%%:*}
    rest=${pair#*:}
    want=${rest%%:*}
    text=${rest#*:}
    qfile .qmail-c "|exit $n\n./Maildir/\n"
    clearmail
    qlx u-c - c
    is "$RC:$OUT" "$want:$text" "program exit $n -> qmail-local exit $want${text:+ ($text)}"
done
clearmail

qfile .qmail-k '|kill -9 $$\n./Maildir/\n'
qlx u-k - k
is "$RC:$OUT" "111:Aack, child crashed. (#4.3.0)" "a program killed by a signal: 111"
is "$(newmail | wc -l | tr -d ' ')" 0 "  ... later lines are not carried out"

qfile .qmail-t '|echo "No such list, sorry. (#5.1.1)"; exit 100\n'
qlx u-t - t
is "$RC:$OUT" "100:No such list, sorry. (#5.1.1)" "what the program prints is the report"

# earlier deliveries stand, later ones are skipped
rm -f "$H/mbox"
qfile .qmail-o './Maildir/\n|exit 111\n./mbox\n'
qlx u-o - o
is "$RC" 111 "a failing line stops the delivery"
is "$(newmail | wc -l | tr -d ' '):$(test -e "$H/mbox" && echo mbox)" "1:" "  ... the line before it was delivered, the one after it not"
clearmail

# the program's surroundings: cwd, stdin, stdout/stderr
mkmsg "$MSG" 'Subject: prog\n\nbody\n'
qfile .qmail-e "|pwd >$SANDBOX/pwd; cat >$SANDBOX/stdin; echo out; echo err >&2\n"
qlx u-e - e
is "$RC:$OUT" "0:out
err
did 0+0+1" "stdout and stderr of the program are qmail-local's"
is "$(cat "$SANDBOX/pwd")" "$H" "the program runs in the home directory"
cmp -s "$SANDBOX/stdin" "$MSG"
ok $? "its stdin is the message alone (no Return-Path, no Delivered-To)"
qfile .qmail-e2 "|cat >/dev/null\n|cat >$SANDBOX/stdin2\n"
qlx u-e2 - e2
cmp -s "$SANDBOX/stdin2" "$MSG"
ok $? "stdin is rewound for every line"

# a program that writes 1 MB does not block anything
qfile .qmail-big '|head -c 1048576 /dev/zero | tr "\\\\000" x; echo; exit 100\n'
qlx u-big - big
is "$RC" 100 "1 MB of program output: exit 100"
is "$(printf '%s' "$OUT" | wc -c | tr -d ' ')" 1048576 "  ... all of it passed through"

# ---- line handling ---------------------------------------------------------------------
qfile .qmail-b '\n./Maildir/\n'
qlx u-b - b
is "$RC:$OUT" "111:Uh-oh: first line of .qmail file is blank. (#4.2.1)" "a blank first line: 111"
qfile .qmail-s '   \t \n./Maildir/\n'
qlx u-s - s
is "$RC:$OUT" "111:Uh-oh: first line of .qmail file is blank. (#4.2.1)" "a first line of only spaces and tabs is blank: 111"
clearmail
qfile .qmail-s2 './Maildir/\n   \n\n\t\n'
qlx u-s2 - s2
is "$RC:$OUT" "0:did 1+0+0" "blank and space-only lines after the first are ignored"
clearmail
qfile .qmail-tr './Maildir/ \t \n|echo "[x]"   \n'
qlx u-tr - tr
is "$RC:$OUT" "0:[x]
did 1+0+1" "trailing spaces and tabs are removed"
clearmail
ql -- u "$H" u '' '' example.org s@x.org ''
is "$RC:$OUT" "111:Uh-oh: first line of .qmail file is blank. (#4.2.1)" "an empty defaultdelivery is a blank first line"
qlx u '' '' s@x.org example.org './Maildir/
|echo second'
is "$RC:$OUT" "0:second
did 1+0+1" "defaultdelivery may hold several lines"
clearmail

# a 10,000-character line
long=$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "c" }')
qfile .qmail-l "#$long\n./Maildir/\n|: $long; echo ran\n"
qlx u-l - l
is "$RC:$OUT" "0:ran
did 1+0+1" "a 10,000-character comment and program line"
clearmail
qfile .qmail-l2 "./$long/\n"
qlx u-l2 - l2
is "$RC" 111 "a 10,000-character maildir path: a temporary failure"
qfile .qmail-l3 "./$long\n"
qlx u-l3 - l3
is "$RC" 111 "a 10,000-character mbox path: a temporary failure"
like "$OUT" '^Unable to open \./c+: .*\. \(#4\.2\.1\)$' "  ... Unable to open"

# a large .qmail file (50,000 lines)
awk 'BEGIN { for (i = 0; i < 50000; i++) print "# comment " i; print "|echo end" }' >"$H/.qmail-h"
chmod 600 "$H/.qmail-h"
qlx u-h - h
is "$RC:$OUT" "0:end
did 0+0+1" "a 50,000-line .qmail file"

# bytes that are not text in a .qmail file
printf '|echo "a\001b" | od -c | head -n 1 >/dev/null\n#\000nul\n' >"$H/.qmail-bin"
chmod 600 "$H/.qmail-bin"
qlx u-bin - bin
is "$RC:$OUT" "0:did 0+0+1" "control bytes and a NUL in a .qmail file"

done_testing
