#!/bin/sh
# reformail -f0 (From_ line to Return-Path:, body unquoted) and -f1 (a
# From_ line added from Errors-To:/Return-Path:/From:, body quoted), byte
# for byte; the date of a new From_ line is checked for its form and then
# masked.
. "$SUITE_SRC/tests/mda/reformail-lib.sh"
TZ=UTC
export TZ

mk f0 '\n\nFrom  <bob@x.org>  Mon Jan  1 00:00:00 2024\nReturn-Path: <old@x>\nSubject: s\n\n>From me\n>>From you\nFrom x\n> From y\n'
mk f0.out 'Subject: s\nReturn-Path: <bob@x.org>\n\nFrom me\n>From you\nFrom x\n> From y\n'
rf_case "-f0: Return-Path from the From_ line, one > less" "$T/f0" "$T/f0.out" 0 -f0
rf_case "-f 0" "$T/f0" "$T/f0.out" 0 -f 0
rf_case "-f alone at the end is -f0" "$T/f0" "$T/f0.out" 0 -f
mk f0d.out 'Subject: s\r\nReturn-Path: <bob@x.org>\r\n\r\nFrom me\r\n>From you\r\nFrom x\r\n> From y\r\n'
rf_case "-f0 -d1" "$T/f0" "$T/f0d.out" 0 -f0 -d1
mk only 'From bob@x.org Mon\n'
: >"$T/none"
rf_case "-f0 on a From_ line alone: nothing" "$T/only" "$T/none" 0 -f0
mk fb 'From bob@x.org Mon\n\nbody\n>From x\n'
mk fb.out 'Return-Path: <bob@x.org>\n\nbody\nFrom x\n'
# deliberate difference: the original loses the first body line here
rf_ours "-f0, From_ line then the body at once" "$T/fb" "$T/fb.out" 0 -f0
mk nf 'Subject: s\n\n>From x\n'
rf_case "-f0 without a From_ line: unchanged" "$T/nf" "$T/nf" 0 -f0
mk fcr 'From <a@b> x\r\nA: b\r\n\r\nbody\r\n'
mk fcr.out 'A: b\nReturn-Path: <a@b>\n\nbody\n'
rf_case "-f0 on CRLF input" "$T/fcr" "$T/fcr.out" 0 -f0
mk fI 'From a@b x\nReturn-Path: <c@d>\n\nb\n'
rf_same "-f0 with -I Return-Path:" "$T/fI" -f0 -I 'Return-Path: <e@f>'

# -f1
masked() { # prog args... < input: the output with the From_ date masked
    "$@" | awk 'NR == 1 && /^From / {
        if (!sub(/ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9][0-9][0-9][0-9]$/, " DATE"))
            $0 = $0 " BAD-DATE" } { print }'
}
f1() { # name input expected args...
    _n=$1 _i=$2 _e=$3
    shift 3
    masked "$RF" "$@" <"$_i" >"$T/.f1"
    cmp -s "$_e" "$T/.f1"
    ok $? "$_n" || diag "$(cat "$T/.f1")"
    if [ -n "$DEB" ]; then
        masked "$DEB" "$@" <"$_i" >"$T/.f1d"
        cmp -s "$_e" "$T/.f1d"
        ok $? "$_n (Debian's reformail)" || diag "$(cat "$T/.f1d")"
    else
        skip "Debian's reformail is not installed"
    fi
}
mk e 'Subject: s\nFrom: "Joe X" <joe@x.org>, b@c\nErrors-To: (c) err@e.org\n\nFrom x\n>From y\nFrom\n'
mk e.out 'From err@e.org DATE\nSubject: s\nFrom: "Joe X" <joe@x.org>, b@c\nErrors-To: (c) err@e.org\n\n>From x\n>>From y\nFrom\n'
f1 "-f1: Errors-To: wins over From:, body From lines quoted" "$T/e" "$T/e.out" -f1
mk fr 'Subject: s\nFrom: "Joe X" <joe@x.org>, b@c\n\nb\n'
mk fr.out 'From joe@x.org DATE\nSubject: s\nFrom: "Joe X" <joe@x.org>, b@c\n\nb\n'
f1 "-f1: the first address of From:" "$T/fr" "$T/fr.out" -f1
mk fc 'Subject: s\nFrom: joe@x.org (Joe)\n\nb\n'
mk fc.out 'From joe@x.org DATE\nSubject: s\nFrom: joe@x.org (Joe)\n\nb\n'
f1 "-f1: comments dropped" "$T/fc" "$T/fc.out" -f1
mk rpe 'Subject: s\nReturn-Path: <>\nFrom: joe@x.org\n\nb\n'
mk rpe.out 'From root DATE\nSubject: s\nReturn-Path: <>\nFrom: joe@x.org\n\nb\n'
f1 "-f1: an empty Return-Path gives root" "$T/rpe" "$T/rpe.out" -f1
mk grp 'Subject: s\nFrom: Undisclosed: ;\n\nb\n'
mk grp.out 'From root DATE\nSubject: s\nFrom: Undisclosed: ;\n\nb\n'
f1 "-f1: an empty group gives root" "$T/grp" "$T/grp.out" -f1
mk none 'Subject: s\n\nb\n'
mk none.out 'From root DATE\nSubject: s\n\nb\n'
f1 "-f1: no sender at all gives root" "$T/none" "$T/none.out" -f1
mk q 'Subject: s\nFrom: "a b"@c\n\nb\n'
mk q.out 'From "a b"@c DATE\nSubject: s\nFrom: "a b"@c\n\nb\n'
f1 "-f1: a quoted local part stays quoted" "$T/q" "$T/q.out" -f1
mk last 'Subject: s\n>Return-Path: <q@q>\nReturn-path: <r@r>\nerrors-to: e@e\nFrom: f@f\n\nb\n'
mk last.out 'From e@e DATE\nSubject: s\n>Return-Path: <q@q>\nReturn-path: <r@r>\nerrors-to: e@e\nFrom: f@f\n\nb\n'
f1 "-f1: the last Return-Path/Errors-To wins" "$T/last" "$T/last.out" -f1
mk qrp 'Subject: s\n>Return-Path: <q@q>\n\nb\n'
mk qrp.out 'From q@q DATE\nSubject: s\n>Return-Path: <q@q>\n\nb\n'
f1 "-f1: a quoted >Return-Path counts" "$T/qrp" "$T/qrp.out" -f1
mk fold 'From:\n  joe@x.org\nSubject: s\n  folded\n\nb\n'
mk fold.out 'From joe@x.org DATE\nFrom:\n  joe@x.org\nSubject: s\n  folded\n\nb\n'
f1 "-f1: folded fields" "$T/fold" "$T/fold.out" -f1
mk nosep 'Subject: s\nFrom: a@b\n'
mk nosep.out 'From a@b DATE\nSubject: s\nFrom: a@b\n\n'
f1 "-f1: no body" "$T/nosep" "$T/nosep.out" -f1
mk has 'From x@y Mon\nSubject: s\n\nFrom inside\n'
mk has.out 'From x@y Mon\nSubject: s\n\nFrom inside\n'
rf_case "-f1 with a From_ line: nothing changes, nothing quoted" "$T/has" "$T/has.out" 0 -f1
f1 "-fx is -f1" "$T/fr" "$T/fr.out" -fx
f1 "-f -c takes -c as its value: -f1" "$T/fr" "$T/fr.out" -f -c
mk c.out 'From joe@x.org DATE\nFrom: joe@x.org\nSubject: s folded\n\nb\n'
f1 "-f1 -c" "$T/fold" "$T/c.out" -f1 -c
"$RF" -f1 -c -d1 <"$T/fold" | awk 'END { exit !(NR == 5) } !/\r$/ { exit 1 }'
ok $? "-f1 -d1: every line CRLF, the From_ line too"
mk I.out 'From joe@x.org DATE\nFrom:\n  joe@x.org\nSubject: s\n\nb\n'
f1 "-f1 -I Subject: -a Subject:" "$T/fold" "$T/I.out" -f1 -I Subject: -a 'Subject: s'

done_testing
