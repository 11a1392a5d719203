#!/bin/sh
# preline: the three lines in front of the message, -f/-r/-d and their
# upper-case opposites, the exit code passed through, and bad usage
# (missing UFLINE/RPLINE/DTLINE, no command, a command that cannot run).
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

T=$SANDBOX/t
mkdir "$T"
UFLINE='From sender@example.net Thu Nov 20 22:38:39 2026
'
RPLINE='Return-Path: <sender@example.net>
'
DTLINE='Delivered-To: joe@sandbox.example
'
export UFLINE RPLINE DTLINE
printf 'Subject: hi\n\nFrom the start\nbody without final newline' >"$T/msg"

run() { # expected-file name preline-args...
    exp=$1 name=$2
    shift 2
    preline "$@" <"$T/msg" >"$T/out"
    st=$?
    is "$st" 0 "$name: exit 0"
    cmp -s "$exp" "$T/out"
    ok $? "$name: output byte for byte"
}
{ printf '%s%s%s' "$UFLINE" "$RPLINE" "$DTLINE"; cat "$T/msg"; } >"$T/all"
run "$T/all" "preline cat" cat
{ printf '%s%s' "$RPLINE" "$DTLINE"; cat "$T/msg"; } >"$T/nof"
run "$T/nof" "-f" -f cat
{ printf '%s%s' "$UFLINE" "$DTLINE"; cat "$T/msg"; } >"$T/nor"
run "$T/nor" "-r" -r cat
{ printf '%s%s' "$UFLINE" "$RPLINE"; cat "$T/msg"; } >"$T/nod"
run "$T/nod" "-d" -d cat
run "$T/msg" "-frd" -frd cat
run "$T/all" "-f -F -rR -dD restores" -f -F -rR -dD cat
printf -- '-f\n' >"$T/dashf"
run "$T/dashf" "options after the command belong to it" echo -f

# a large message goes through intact
i=0
: >"$T/big"
while [ $i -lt 2000 ]; do
    printf 'line %d of a message that is large enough to fill pipes .................\n' $i >>"$T/big"
    i=$((i + 1))
done
preline -frd cat <"$T/big" >"$T/bigout"
cmp -s "$T/big" "$T/bigout"
ok $? "a 160 KB message passes unchanged"

preline sh -c 'cat >/dev/null; exit 42' <"$T/msg"
is "$?" 42 "the command's exit code is passed through"
preline sh -c 'cat >/dev/null; exit 0' <"$T/msg"
is "$?" 0 "... 0 too"
preline sh -c 'kill -9 $$' <"$T/msg" 2>/dev/null
is "$?" 111 "a killed command gives 111"

err=$(preline /nonexistent/program <"$T/msg" 2>&1)
is "$?" 100 "a missing program: 100"
is "$err" "preline: fatal: unable to run /nonexistent/program: No such file or directory" "... with a message"

err=$(env -u UFLINE preline cat <"$T/msg" 2>&1)
is "$?" 100 "without UFLINE: 100"
is "$err" "preline: usage: preline cmd [ arg ... ]" "... usage message"
env -u RPLINE preline cat <"$T/msg" >/dev/null 2>&1
is "$?" 100 "without RPLINE: 100"
env -u DTLINE preline cat <"$T/msg" >/dev/null 2>&1
is "$?" 100 "without DTLINE: 100"
preline </dev/null >/dev/null 2>&1
is "$?" 100 "without a command: 100"
preline -x cat </dev/null >/dev/null 2>&1
is "$?" 100 "unknown option: 100"

done_testing
