#!/bin/sh
# ezmlm-import: an mbox of several messages (From_ lines, >From quoting,
# the separating empty line, a message without header, a long From_ line)
# lands in archive slots num+1.., complete (mode 0744), byte for byte; num
# is updated with its size field; the index equals the one ezmlm-send
# writes for the same posts (list prefix, replies), across a section
# boundary; an empty mbox changes nothing; a file that is not an mbox is
# refused; hostile input: a 10 MB line, NUL bytes, a huge num; usage.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
cd "$SANDBOX" || exit 1
D=sandbox.example
L=$SANDBOX/L
S=$SANDBOX/S
list_make "$L" "$SANDBOX_HOME/.qmail-list" list "$D" || BAIL_OUT "ezmlm-make"
list_make "$S" "$SANDBOX_HOME/.qmail-slist" slist "$D" || BAIL_OUT "ezmlm-make"
printf '[list #]\n' >"$L/prefix"
printf '[list #]\n' >"$S/prefix"
imp() { ezmlm-import "$L" "$@" 2>"$SANDBOX/err"; echo $?; }
mode() { stat -c %a "$1"; }

: >empty
is "$(imp empty)" 0 "an empty mbox: 0"
ok_run "...no num written" test ! -e "$L/num"
ok_run "...nothing archived" test ! -e "$L/archive/0/01"
is "$(ezmlm-import "$L" <empty 2>/dev/null; echo $?)" 0 "empty standard input: 0"

m1='Received: from a by b; 20 Nov 2026 10:00:01 -0000
From: Bob <bob@b.example>
Subject: [list 7] first topic

line one
>From the quoted line
>>From twice quoted
 From not at the start
'
m2='Received: from a by b; 20 Nov 2026 10:00:02 -0000
From: =?UTF-8?Q?J=C3=B6rg?= <j@b.example>
Subject: Re: first topic

reply

with empty lines
'
m3='just a body line, no header
and another'
{
    printf 'From bob@b.example Fri Nov 20 10:00:01 2026\n%s\n' "$m1"
    printf 'From j@b.example Fri Nov 20 10:00:02 2026\n%s\n' "$m2"
    printf 'From %s Fri Nov 20 10:00:03 2026\n%s\n' "$(head -c 9000 /dev/zero | tr '\0' x)" "$m3"
} >mbox
is "$(imp mbox)" 0 "three messages: 0"
like "$(cat "$SANDBOX/err")" "imported 3 messages as 1 to 3" "...says what it did"
is "$(cut -d: -f1 "$L/num")" 3 "...num is 3"
like "$(cat "$L/num")" "^3:[0-9]+$" "...with the size field"
is "$(mode "$L/archive/0/01") $(mode "$L/archive/0/02") $(mode "$L/archive/0/03")" "744 744 744" "...files complete (0744)"
printf '%s' "$m1" | sed 's/^>From/From/; s/^>>From/>From/' >want1
cmp -s want1 "$L/archive/0/01"; ok $? "...message 1 byte for byte, >From unquoted once"
printf '%s' "$m2" >want2
cmp -s want2 "$L/archive/0/02"; ok $? "...message 2 keeps its inner empty lines, not the separator"
printf '%s\n' "$m3" >want3
cmp -s want3 "$L/archive/0/03"; ok $? "...a message without header, after a 9000-byte From_ line"

# the index equals ezmlm-send's for the same posts
printf '%s' "$m1" | SENDER=bob@b.example ezmlm-send "$S" >/dev/null 2>&1
printf '%s' "$m2" | SENDER=j@b.example ezmlm-send "$S" >/dev/null 2>&1
printf '%s\n' "$m3" | SENDER=x@b.example ezmlm-send "$S" >/dev/null 2>&1
is "$(cut -d: -f1 "$S/num")" 3 "ezmlm-send took the same three posts"
cmp -s "$S/archive/0/index" "$L/archive/0/index"; ok $? "...and the index is the same byte for byte"
like "$(sed -n 3p "$L/archive/0/index")" "^2: [a-p]{20} Re: first topic$" "...a reply entry"

# a second import continues, across the section boundary
printf '97:5\n' >"$L/num"
printf '97:5\n' >"$S/num"
: >mbox2
i=1
while [ $i -le 5 ]; do
    printf 'From x@b.example Fri Nov 20 10:00:00 2026\nReceived: from a; 20 Nov 2026 11:00:0%d -0000\nFrom: x%d@b.example\nSubject: topic %d\n\nbody %d\n\n' $i $i $i $i >>mbox2
    printf 'Received: from a; 20 Nov 2026 11:00:0%d -0000\nFrom: x%d@b.example\nSubject: topic %d\n\nbody %d\n' $i $i $i $i |
        SENDER=x@b.example ezmlm-send "$S" >/dev/null 2>&1
    i=$((i + 1))
done
is "$(ezmlm-import "$L" <mbox2 2>/dev/null; echo $?)" 0 "five more from standard input: 0"
is "$(cut -d: -f1 "$L/num")" 102 "...num is 102"
ok_run "...98, 99 in section 0, 100-102 in section 1" test -x "$L/archive/0/98" -a -x "$L/archive/0/99" -a -x "$L/archive/1/00" -a -x "$L/archive/1/02"
cmp -s "$S/archive/0/index" "$L/archive/0/index"; ok $? "...index of section 0 as ezmlm-send's (earlier entries kept)"
cmp -s "$S/archive/1/index" "$L/archive/1/index"; ok $? "...index of section 1 as ezmlm-send's"
printf 'Received: from a; 20 Nov 2026 11:00:05 -0000\nFrom: x5@b.example\nSubject: topic 5\n\nbody 5\n' >want5
cmp -s want5 "$L/archive/1/02"; ok $? "...the last message without the separator line"

# not indexed: no index written
rm -f "$L/indexed"
printf 'From x Fri Nov 20 10:00:00 2026\nSubject: s\n\nb\n' >one
is "$(imp one)" 0 "a list without indexed: 0"
ok_run "...no index for section 1 entry 103" sh -c "! grep -q '^103:' '$L/archive/1/index'"
: >"$L/indexed"

# not an mbox
printf 'Subject: s\n\nb\n' >notmbox
is "$(imp notmbox)" 100 "no From_ line at the start: 100"
is "$(cut -d: -f1 "$L/num")" 103 "...num unchanged"
is "$(imp "$SANDBOX/nosuch")" 100 "a missing mbox: 100"

# hostile input
{ printf 'From x Fri Nov 20 10:00:00 2026\nSubject: big\n\n'; head -c 10485760 /dev/zero | tr '\0' y; printf '\nFrom y\n'; printf 'Subject: nul\0x\n\nb\0dy\n'; } >big
is "$(imp big)" 0 "a 10 MB line and NUL bytes: 0"
is "$(stat -c %s "$L/archive/1/04")" $((10485760 + 15)) "...the 10 MB message whole"
printf 'Subject: nul\0x\n\nb\0dy\n' >wantnul
cmp -s wantnul "$L/archive/1/05"; ok $? "...NUL bytes kept"
like "$(grep -a '^105:' "$L/archive/1/index")" "^105: " "...and indexed"
printf '18446744073709551614:0\n' >"$L/num"
is "$(imp one)" 100 "num at its maximum: 100"
printf '99999999999999999999999999:0\n' >"$L/num"
is "$(imp one)" 100 "a huge num: 100"
ok_run "...nothing written" sh -c "! ls '$L/archive' | grep -q '^1844674407370955161'"

is "$(ezmlm-import 2>/dev/null; echo $?)" 100 "no DIR: usage"
is "$(ezmlm-import -x "$L" 2>/dev/null; echo $?)" 100 "unknown option: usage"
is "$(ezmlm-import "$L" a b 2>/dev/null; echo $?)" 100 "too many arguments: usage"
done_testing
