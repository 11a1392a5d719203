#!/bin/sh
# Hostile maildirsize files through tests/helpers/quotatool: junk lines,
# negative totals, numbers too big, NUL bytes, a missing last newline, a
# file too big, a symbolic link, a directory, an unwritable tmp/.  Where
# the original's behaviour is defined, Debian's deliverquota must decide
# the same and leave the same file.
. "$SUITE_SRC/tests/lib/tap.sh"

QT=$SUITE_BUILD/tests/helpers/quotatool
DQ=/usr/sbin/deliverquota.maildrop
[ -x "$DQ" ] || DQ=
T=$(mktemp -d "${TMPDIR:-/tmp}/quota.XXXXXX") || BAIL_OUT "mktemp"
_cleanup() { rm -rf "$T"; }
atexit _cleanup

md() { rm -rf "$1"; mkdir -p "$1/tmp" "$1/new" "$1/cur"; }
# one real message of 100 bytes in the Maildir
seed() { md "$1"; printf '%099d\n' 0 >"$1/cur/1.a.host,S=100:2,S"; }
msg() { printf 'Subject: x\n\n%s\n' "$(printf '%*s' "$1" '' | tr ' ' y)"; } # $1 + 13 bytes

case_() { # name file-content(printf format) msgsize expected-code expected-file(printf format|-)
    _n=$1 _c=$2 _s=$3 _e=$4 _f=$5
    seed "$T/o"
    printf -- "$_c" >"$T/o/maildirsize"
    msg "$_s" | "$QT" deliver "$T/o" >/dev/null 2>&1
    is "$?" "$_e" "$_n: exit $_e"
    if [ "$_f" != - ]; then
        printf -- "$_f" >"$T/want"
        cmp -s "$T/want" "$T/o/maildirsize"
        ok $? "$_n: maildirsize" || diag "$(od -c "$T/o/maildirsize" | head)"
    fi
    if [ -n "$DQ" ] && [ -n "${COMPARE:-}" ]; then
        seed "$T/d"
        printf -- "$_c" >"$T/d/maildirsize"
        msg "$_s" | "$DQ" "$T/d" >/dev/null 2>&1
        is "$?" "$_e" "$_n: Debian's deliverquota decides the same"
        cmp -s "$T/o/maildirsize" "$T/d/maildirsize"
        ok $? "$_n: ... and leaves the same file" ||
            diag "$(od -c "$T/d/maildirsize" | head)"
    elif [ -n "${COMPARE:-}" ]; then
        skip "Debian's deliverquota is not installed" 2
    fi
}
L() { printf '%12d %12d\\n' "$1" "$2"; } # a size line, as a printf format piece

COMPARE=1
case_ "junk lines are ignored" "500S\nhello\n\n12 x\n-\n$(L 100 1)" 87 0 "500S\nhello\n\n12 x\n-\n$(L 100 1)$(L 100 1)"
case_ "junk lines count as lines: over quota, recounted" "200S\nhello\n$(L 150 1)" 87 0 "200S\n$(L 100 1)$(L 100 1)"
case_ "a negative total is recounted" "500S\n$(L -900 -5)" 87 0 "500S\n$(L 100 1)$(L 100 1)"
case_ "deletions within a positive total are fine" "500S\n$(L 300 2)$(L -200 -1)" 87 0 "500S\n$(L 300 2)$(L -200 -1)$(L 100 1)"
case_ "no newline at the end" "500S\n         100            1" 87 0 "500S\n         100            1$(L 100 1)"
case_ "over quota, one fresh line: refused without a recount" "150S\n$(L 900 9)" 87 77 "150S\n$(L 900 9)"
case_ "an empty file: no limits, but lines are added" "" 87 0 "$(L 100 1)"
case_ "only the definition" "500S" 87 0 "500S$(L 100 1)"
case_ "a definition of junk: no limits" "lots of junk\n$(L 100 1)" 87 0 "lots of junk\n$(L 100 1)$(L 100 1)"
big="500S\n"
i=0
while [ $i -lt 220 ]; do big="$big$(L 1 0)"; i=$((i + 1)); done
case_ "a file of 5120 bytes or more is recounted" "$big" 87 0 "500S\n$(L 100 1)$(L 100 1)"
COMPARE=

# beyond what the original copes with: numbers that do not fit, NUL bytes
case_ "a number too big for 64 bits is recounted" "500S\n99999999999999999999999 1\n" 87 0 "500S\n$(L 100 1)$(L 100 1)"
case_ "a count too big is recounted" "500S\n1 99999999999999999999999\n" 87 0 "500S\n$(L 100 1)$(L 100 1)"
case_ "sums that overflow are recounted" "500S\n9223372036854775807 1\n9223372036854775807 1\n" 87 0 "500S\n$(L 100 1)$(L 100 1)"
case_ "a NUL byte is recounted" "500S\n100\000 1\n" 87 0 "500S\n$(L 100 1)$(L 100 1)"
case_ "a huge limit means no limit" "99999999999999999999999999S\n$(L 100 1)" 87 0 -
case_ "a negative limit is read as positive (as the original)" "-150S\n$(L 100 1)" 87 77 -

# not a regular file: no quota
seed "$T/o"
printf '10S\n' >"$T/real"
ln -s "$T/real" "$T/o/maildirsize"
msg 87 | "$QT" deliver "$T/o"
is "$?" 0 "maildirsize a symbolic link: ignored, no quota"
is "$(cat "$T/real")" "10S" "... and the target not written"
seed "$T/o"
mkdir "$T/o/maildirsize"
msg 87 | "$QT" deliver "$T/o"
is "$?" 0 "maildirsize a directory: no quota"

# a recount that cannot write its file: a temporary failure, nothing delivered
seed "$T/o"
printf '500S\n%12d %12d\n' -1 -1 >"$T/o/maildirsize"
rmdir "$T/o/tmp"
: >"$T/o/tmp"
msg 87 | "$QT" deliver "$T/o" 2>/dev/null
is "$?" 75 "tmp/ unusable for the recount: exit 75"
is "$(ls "$T/o/new" | wc -l)" 0 "... nothing delivered"

# a concurrent delivery during every recount: after five tries, let through
seed "$T/o"
printf '50S\n%12d %12d\n%12d %12d\n' 100 1 100 1 >"$T/o/maildirsize"
(
    i=0
    while [ $i -lt 400 ] && [ -d "$T/o/new" ]; do
        : >"$T/o/new/race.$i,S=0" 2>/dev/null
        rm -f "$T/o/new/race.$i,S=0"
        i=$((i + 1))
    done
) &
pid=$!
msg 10 | "$QT" deliver "$T/o" >/dev/null 2>&1
st=$?
wait "$pid"
[ "$st" = 0 ] || [ "$st" = 77 ]
ok $? "recounting while the Maildir changes: a decision, never an error (got $st)"

done_testing
