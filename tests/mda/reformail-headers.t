#!/bin/sh
# reformail's header options, each checked byte for byte (and against
# Debian's reformail): -a -A -i -I -u -U -R -x -X, generated Message-IDs,
# option combinations and the name-matching rules.
. "$SUITE_SRC/tests/mda/reformail-lib.sh"

mk m 'From: a@b\nSubject: one\nReceived: r1\nSubject: two\n  cont\nReceived: r2\nX-Foo: f\nReceived: r3\n\nbody\n'
H1='From: a@b\n'
SUBJ='Subject: one\nReceived: r1\nSubject: two\n  cont\nReceived: r2\nX-Foo: f\nReceived: r3\n'

mk a.out "$H1$SUBJ"'X-New: n\nX-New: n2\n\nbody\n'
rf_case "-a: only absent fields are added" "$T/m" "$T/a.out" 0 -a 'Subject: new' -a 'X-New: n' -a'X-New: n2'
mk A.out "$H1$SUBJ"'Subject: new\n\nbody\n'
rf_case "-A: added even if present" "$T/m" "$T/A.out" 0 -A 'Subject: new'
mk a2.out "$H1$SUBJ"'subject:\n\nbody\n'
rf_case "-a: a name matches ignoring case" "$T/m" "$T/a.out" 0 -a 'subject: x' -a 'X-New: n' -a 'X-New: n2'
rf_case "-A with an empty value adds the bare name" "$T/m" "$T/a2.out" 0 -A 'subject:'

mk i.out "$H1"'Old-Subject: one\nReceived: r1\nOld-Subject: two\n  cont\nReceived: r2\nX-Foo: f\nReceived: r3\nSubject: new\nX-Bar: b\n\nbody\n'
rf_case "-i: old fields renamed Old-" "$T/m" "$T/i.out" 0 -i 'Subject: new' -i'X-Bar: b'
mk i2.out "$H1"'Old-Subject: one\nReceived: r1\nOld-Subject: two\n  cont\nReceived: r2\nX-Foo: f\nReceived: r3\n\nbody\n'
rf_case "-i with an empty value only renames" "$T/m" "$T/i2.out" 0 -i 'Subject:'

NOSUBJ='From: a@b\nReceived: r1\nReceived: r2\nX-Foo: f\nReceived: r3\n'
mk I.out "$NOSUBJ"'Subject: new\n\nbody\n'
rf_case "-I: replaced" "$T/m" "$T/I.out" 0 -I 'Subject: new'
mk I2.out "$NOSUBJ"'\nbody\n'
rf_case "-I with an empty value removes" "$T/m" "$T/I2.out" 0 -I 'Subject:'
mk I3.out "$NOSUBJ"'Subject: \n\nbody\n'
rf_case "-I with a blank after the colon adds it (documented bug)" "$T/m" "$T/I3.out" 0 -I 'Subject: '
mk I4.out "$H1$SUBJ"'Subject\n\nbody\n'
rf_case "-I without a colon removes nothing, adds the text" "$T/m" "$T/I4.out" 0 -I 'Subject'

mk u.out 'From: a@b\nSubject: one\nReceived: r1\nSubject: two\n  cont\nX-Foo: f\n\nbody\n'
rf_case "-u keeps the first" "$T/m" "$T/u.out" 0 -u 'Received:'
mk U.out 'From: a@b\nSubject: one\nSubject: two\n  cont\nX-Foo: f\nReceived: r3\n\nbody\n'
rf_case "-U keeps the last, moved to the end" "$T/m" "$T/U.out" 0 -U 'Received:'
mk uU.out 'From: a@b\nReceived: r1\nX-Foo: f\nSubject: two\n  cont\n\nbody\n'
rf_case "-U and -u together" "$T/m" "$T/uU.out" 0 -U 'Subject:' -u 'Received:'
mk Uc.out 'From: a@b\nReceived: r1\nReceived: r2\nX-Foo: f\nReceived: r3\nSubject: two cont\n\nbody\n'
rf_case "-U -c" "$T/m" "$T/Uc.out" 0 -c -U 'Subject:'

mk R.out "$H1"'X-Subject: one\nReceived: r1\nX-Subject: two\n  cont\nReceived: r2\nX-Foo: f\nReceived: r3\n\nbody\n'
rf_case "-R renames" "$T/m" "$T/R.out" 0 -R subject: X-Subject:
rf_case "-R glued" "$T/m" "$T/R.out" 0 -Rsubject: X-Subject:
rf_same "-R of a renamed Old- field" "$T/m" -i Subject -R old-subject: Y:
rf_same "-R and -i on the same name" "$T/m" -R Subject: X-Old: -i 'Subject: n'
rf_same "-R without colons matches nothing" "$T/m" -R Subject X-S

mk x.out 'one\nReceived: r1\ntwo cont\nReceived: r2\nf\nReceived: r3\n'
rf_case "-x and -X, repeated and mixed, folded values joined" "$T/m" "$T/x.out" 0 -x Subject: -X Received: -x x-foo:
: >"$T/none"
rf_case "-x without a colon finds nothing" "$T/m" "$T/none" 0 -x Subject
mk xd.out 'a@b\r\n'
rf_case "-x with -d1" "$T/m" "$T/xd.out" 0 -d1 -x From:
mk xa.out 'from-a\n'
rf_case "-x sees fields added by -I" "$T/m" "$T/xa.out" 0 -I 'X-Foo: from-a' -x X-Foo:
mk xe 'A:\nB: \t v \n\nbody\n'
mk xe.out '\nv \n'
rf_case "-x of an empty value, leading blanks skipped" "$T/xe" "$T/xe.out" 0 -x A: -x B:
mk xb 'X: first\n\nX: in the body\n'
mk xb.out 'first\n'
rf_case "-x stops at the body" "$T/xb" "$T/xb.out" 0 -x X:
printf 'X: piped\n\n' | { cat; yes 'body line' | head -n 200000; } | "$RF" -x X: >"$T/xp.out"
is "$?$(cat "$T/xp.out")" "0piped" "-x on a pipe reads the rest of the input"

# generated Message-IDs: <time.pid.reformail@host>, 16 hex digits each,
# least significant first
mk mid 'Subject: s\n\nb\n'
host=$(hostname)
out=$("$RF" -a Message-ID: <"$T/mid")
like "$out" "^Subject: s
Message-ID: <[0-9A-F]{16}\\.[0-9A-F]{16}\\.reformail@$host>

b\$" "-a Message-ID: generates an ID"
t=$(printf '%s\n' "$out" | sed -n 's/^Message-ID: <\([0-9A-F]*\)\..*/\1/p' | rev)
t=$(printf '%d' "0x$t")
now=$(date +%s)
[ $((now - t)) -ge 0 ] && [ $((now - t)) -lt 60 ]
ok $? "... its first part is the time, least significant digit first"
out=$("$RF" -A message-id: <"$T/mid")
like "$out" "^Subject: s
message-id: <[0-9A-F]{16}\\.[0-9A-F]{16}\\.reformail@" "-A message-id: too, name kept as given"
out=$("$RF" -a 'Message-ID: ' <"$T/mid")
is "$out" "Subject: s
Message-ID: 

b" "'Message-ID: ' with a blank is not empty: nothing generated"
out=$("$RF" -a 'Resent-Message-ID:' <"$T/mid")
is "$out" "Subject: s
Resent-Message-ID:

b" "Resent-Message-ID: is never generated (as in the original)"
mk mid2 'Message-Id: <old@x>\n\nb\n'
mk mid2.out 'Message-Id: <old@x>\n\nb\n'
rf_case "-a Message-ID: keeps an existing one" "$T/mid2" "$T/mid2.out" 0 -a Message-ID:
out=$("$RF" -x Message-ID: -a Message-ID: <"$T/mid")
like "$out" "^<[0-9A-F]{16}\\.[0-9A-F]{16}\\.reformail@$host>\$" "-x sees the generated ID"

# order of the added fields: -a, -A, -i, -I, then -U's kept fields
mk ord.out 'From: a@b\nSubject: one\nSubject: two\n  cont\nX-Foo: f\nA: 1\nB: 2\nC: 3\nD: 4\nReceived: r3\n\nbody\n'
rf_case "added fields in the original's order" "$T/m" "$T/ord.out" 0 -I 'D: 4' -i 'C: 3' -A 'B: 2' -a 'A: 1' -U Received:

# a name is compared as a prefix of the option text (quirks kept)
mk pre 'X\nXY: 1\nX-Foo: 2\n\nb\n'
rf_same "a colon-less line matches an option starting with it" "$T/pre" -I 'X-Foo: new'
rf_same "... with -u" "$T/pre" -u 'X-Foo:' -u X
rf_same "... with -a" "$T/pre" -a 'XY: 3' -a 'X-Bar: 4'
rf_same "same name in -a and -I" "$T/m" -a 'Subject: a' -I 'Subject: b'
rf_same "-i twice" "$T/m" -i 'Subject: a' -i 'Subject: b'
rf_same "-I twice, one empty" "$T/m" -I 'Received:' -I 'Received: a'
rf_same "-u with -c" "$T/m" -c -u Subject:
mk sp 'Subject : spaced\nSubject: plain\n\nb\n'
rf_same "a blank before the colon is part of the name" "$T/sp" -I 'Subject: new'
rf_same "... -x" "$T/sp" -x 'Subject :'
mk opt.out 'X: y\n\n'
mk optin 'X: y\n'
rf_case "options end at the first non-option" "$T/optin" "$T/opt.out" 0 foo -a 'Z: z'
rf_case "options end at --" "$T/optin" "$T/opt.out" 0 -- -a 'Z: z'
rf_case "options end at -" "$T/optin" "$T/opt.out" 0 - -a 'Z: z'

done_testing
