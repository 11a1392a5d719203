#!/bin/sh
# reformail's argument errors and output errors: exit 1 with a message,
# the same exit codes as Debian's reformail.  Options the original does not
# have (formail's -r -o -O -y -Y among them) are refused like it does.
. "$SUITE_SRC/tests/mda/reformail-lib.sh"

mk m 'Subject: s\n\nbody\n'
bad() { # name args...
    _n=$1
    shift
    "$RF" "$@" <"$T/m" >"$T/out" 2>"$T/err"
    _st=$?
    is "$_st" 1 "$_n: exit 1"
    [ ! -s "$T/out" ] && grep -q '^reformail: fatal: invalid arguments$' "$T/err"
    ok $? "$_n: no output, 'invalid arguments'" || diag "$(cat "$T/err")"
    if [ -n "$DEB" ]; then
        "$DEB" "$@" <"$T/m" >/dev/null 2>&1
        is "$?" 1 "$_n: Debian's reformail exits 1 too"
    else
        skip "Debian's reformail is not installed"
    fi
}
for o in -r -o -O -y -Y -h -z -k -t -B -q -e -n -l -m -p -v -V -w; do
    bad "unknown option $o" "$o"
done
bad "-a without a value" -a
bad "-a with an empty value" -a ''
bad "-A without a value" -A
bad "-i without a value" -i
bad "-I without a value" -I
bad "-u without a value" -u
bad "-U without a value" -U
bad "-x without a value" -x
bad "-X without a value" -X
bad "-R with one name" -R a:
bad "-R without names" -R
bad "-D without arguments" -D
bad "-D without a file" -D 10
bad "-D twice" -D 10 "$T/c1" -D 10 "$T/c2"
bad "-a after -D" -D 10 "$T/c1" -a 'X: y'
bad "-x with -D" -x X: -D 10 "$T/c1"
bad "-x with -s" -x X: -s cat
bad "-s without a program" -s

if [ -w /dev/full ]; then
    "$RF" <"$T/m" >/dev/full 2>"$T/err"
    is "$?" 1 "output to a full disk: exit 1"
    like "$(cat "$T/err")" "^reformail: fatal: error writing output" "... with a message"
    awk 'BEGIN { printf "Subject: s\n\n"; for (i = 0; i < 100000; i++) print "body line" }' >"$T/long"
    "$RF" <"$T/long" >/dev/full 2>/dev/null
    is "$?" 1 "a long body to a full disk: exit 1"
    if [ -n "$DEB" ]; then
        "$DEB" <"$T/m" >/dev/full 2>/dev/null
        is "$?" 1 "Debian's reformail: exit 1 too"
    else
        skip "Debian's reformail is not installed"
    fi
else
    skip "no /dev/full" 4
fi
"$RF" <"$T/m" >&- 2>/dev/null
is "$?" 1 "closed standard output: exit 1"
"$RF" <&- >/dev/null 2>"$T/err"
is "$?" 1 "closed standard input: exit 1"

done_testing
