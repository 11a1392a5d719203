#!/bin/sh
# reformail without header options: copying, line ends (-d0/-d1), -c,
# leading empty lines, CR handling, and bad input -- a header line without
# a colon, no empty line before the body, an mbox From_ first line, NUL
# bytes, 1 MB header lines, a long body streamed in bounded memory.
. "$SUITE_SRC/tests/mda/reformail-lib.sh"

mk m1 'Subject: a\n  b\n\tc\nX: y\nnocolon line\nTo: z\n\nbody\nline2'
mk m1.copy 'Subject: a\n  b\n\tc\nX: y\nnocolon line\nTo: z\n\nbody\nline2\n'
rf_case "copy: a line end is added to the last line" "$T/m1" "$T/m1.copy" 0
mk m1.c 'Subject: a b c\nX: y\nnocolon line\nTo: z\n\nbody\nline2\n'
rf_case "-c joins folded lines with one space" "$T/m1" "$T/m1.c" 0 -c
rf_case "-cjunk is -c" "$T/m1" "$T/m1.c" 0 -cjunk
rf_case "-d0" "$T/m1" "$T/m1.copy" 0 -d0
rf_case "-dx is -d0" "$T/m1" "$T/m1.copy" 0 -dx

# CRLF in, LF out; CRLF out with -d1 (unfolded header: same as the original)
mk crlf 'A: b\r\nC: d\r\n\r\nbody\r\nmore\r\r\nend\r'
mk crlf.lf 'A: b\nC: d\n\nbody\nmore\r\nend\n'
rf_case "CRLF input: one CR before each LF goes" "$T/crlf" "$T/crlf.lf" 0
mk crlf.d1 'A: b\r\nC: d\r\n\r\nbody\r\nmore\r\r\nend\r\n'
rf_case "-d1 writes CRLF" "$T/crlf" "$T/crlf.d1" 0 -d1
rf_case "-d is -d1" "$T/crlf" "$T/crlf.d1" 0 -d
rf_case "-d2 is -d1" "$T/crlf" "$T/crlf.d1" 0 -d2
# deliberate difference: folded lines get CRLF too (the original keeps LF
# inside a folded field)
mk m1.d1 'Subject: a\r\n  b\r\n\tc\r\nX: y\r\nnocolon line\r\nTo: z\r\n\r\nbody\r\nline2\r\n'
rf_ours "-d1 on folded fields: every line CRLF" "$T/m1" "$T/m1.d1" 0 -d1
mk m1.d1c 'Subject: a b c\r\nX: y\r\nnocolon line\r\nTo: z\r\n\r\nbody\r\nline2\r\n'
rf_case "-d1 -c" "$T/m1" "$T/m1.d1c" 0 -d1 -c

# leading empty lines are dropped, a line of blanks is not empty
mk lead '\n\r\n\nA: b\n\nx\n'
mk lead.out 'A: b\n\nx\n'
rf_case "leading empty lines dropped" "$T/lead" "$T/lead.out" 0
mk blanks '  \nA: b\n'
mk blanks.out '  \nA: b\n\n'
rf_case "a line of blanks is a header line" "$T/blanks" "$T/blanks.out" 0

# no empty line: the header ends at the end of the input, one is added
mk nosep 'A: b\nC: d'
mk nosep.out 'A: b\nC: d\n\n'
rf_case "no body separator: an empty line is added" "$T/nosep" "$T/nosep.out" 0
: >"$T/empty"
rf_case "empty input: empty output" "$T/empty" "$T/empty" 0
rf_case "empty input with -a: still nothing" "$T/empty" "$T/empty" 0 -a 'X: y'
mk onlyblank '\n\r\n'
rf_case "only empty lines: nothing" "$T/onlyblank" "$T/empty" 0
mk cr '\r'
rf_case "a lone CR is an empty line: nothing" "$T/cr" "$T/empty" 0
mk crend 'A: b\n\r'
mk crend.out 'A: b\n\n'
rf_case "a last lone CR ends the header" "$T/crend" "$T/crend.out" 0

# lines without a colon, colon-first lines, odd continuations
mk weird 'no colon here\n:starts with colon\nX:\n\tcont\r\r\n  \n \r\nY:y\r\rZ: \v\fv\n\r\nbody\r\n'
rf_same "colon-less and odd lines" "$T/weird"
rf_same "colon-less and odd lines, -c" "$T/weird" -c
rf_same "colon-less and odd lines, -X Z:" "$T/weird" -X Z:
mk weird.c 'no colon here\n:starts with colon\nX: cont\r\nY:y\r\rZ: \v\fv\n\nbody\n'
rf_case "-c keeps a CR before a fold" "$T/weird" "$T/weird.c" 0 -c

# an mbox From_ first line is a header line like any other
mk mbox 'From bob@x.org Sat Jan  1 00:00:00 2000\nSubject: s\n\nFrom inside\n>From quoted\n'
mk mbox.out 'From bob@x.org Sat Jan  1 00:00:00 2000\nSubject: s\n\nFrom inside\n>From quoted\n'
rf_case "From_ first line kept, body From lines untouched" "$T/mbox" "$T/mbox.out" 0

# NUL bytes pass through (deliberate: the original cuts a line at a NUL)
mk nul 'A: b\000c\nD: e\n\nbo\000dy\nx\n'
rf_ours "NUL bytes are kept in header and body" "$T/nul" "$T/nul" 0
mk nul.c 'A: b\000c\n  d\n\nx\000\n'
mk nul.cout 'A: b\000c d\n\nx\000\n'
rf_ours "NUL bytes with -c" "$T/nul.c" "$T/nul.cout" 0 -c

# 1 MB header lines and long continuations
awk 'BEGIN { s = "x"; while (length(s) < 1048576) s = s s;
             printf "Subject: %s\nX-Long: a\n", s;
             for (i = 0; i < 12; i++) printf " %s\n", substr(s, 1, 100000);
             printf "To: z\n\nbody\n" }' >"$T/big"
rf_same "1 MB header line, 1.2 MB folded field" "$T/big"
rf_same "... with -c" "$T/big" -c
rf_same "... with -x X-Long:" "$T/big" -x X-Long:
rf_same "... with -U X-Long: -I Subject: -a Subject: new" "$T/big" -U X-Long: -I Subject: -a 'Subject: new'
"$RF" -c <"$T/big" | awk 'NR == 2 { exit !(length($0) == 8 + 12 * 100001 + 1) }'
ok $? "-c joins the 12 continuation lines"

# a header field too big to hold is refused (exit 1, a clear message)
awk 'BEGIN { s = "x"; while (length(s) < 5 * 1048576) s = s s; printf "Subject: %s\n\nbody\n", s }' >"$T/huge"
"$RF" <"$T/huge" >/dev/null 2>"$T/huge.err"
is "$?" 1 "a 8 MB header line: exit 1"
like "$(cat "$T/huge.err")" "reformail: fatal: header line longer than" "... with a message"

# a long body is streamed: bounded memory, every byte through
awk 'BEGIN { printf "From: a@b\nSubject: big\n\n";
             s = "0123456789abcdef"; while (length(s) < 4096) s = s s;
             for (i = 0; i < 5000; i++) print s;
             t = s; while (length(t) < 8 * 1048576) t = t t; print t }' >"$T/body"
"$RF" <"$T/body" | cmp -s - "$T/body"
ok $? "28 MB body with an 8 MB line: copied unchanged"
if [ -x /usr/bin/time ]; then
    # (the sanitizers' shadow memory is not the program's)
    limit=8192
    case $SUITE_BUILD in */san) limit=65536 ;; esac
    kb=$(/usr/bin/time -f %M "$RF" -a 'X: y' <"$T/body" 2>&1 >/dev/null | tail -1)
    [ "$kb" -lt "$limit" ]
    ok $? "peak memory for it under $limit KB (got $kb KB)"
else
    skip "no /usr/bin/time"
fi

done_testing
