#!/bin/sh
# bouncesaying and except: their exit-code tables, what they print, and
# bad usage.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

T=$SANDBOX/t
mkdir "$T"
printf 'Subject: hi\n\nmy friend\n' >"$T/msg"

# ---- bouncesaying -----------------------------------------------------------------------
out=$(bouncesaying 'This address is no longer in use.' <"$T/msg" 2>&1)
is "$?" 100 "bouncesaying text: 100"
is "$out" "This address is no longer in use." "... prints the text"
out=$(bouncesaying 'x' 2>/dev/null)
is "$out" "" "... on stderr, nothing on stdout"

bs() { # program-exit expected-exit expected-output name
    out=$(bouncesaying 'go away' sh -c "cat >/dev/null; exit $1" <"$T/msg" 2>&1)
    is "$?" "$2" "bouncesaying with a program exiting $1: $2 ($4)"
    is "$out" "$3" "... output"
}
bs 0 100 "go away" "bounce"
bs 1 0 "" "deliver"
bs 99 0 "" "deliver"
bs 100 0 "" "deliver"
bs 111 111 "bouncesaying: fatal: temporary child error" "temporary"
out=$(bouncesaying 'go away' grep -q friend <"$T/msg" 2>&1)
is "$?" 100 "the program reads the message (grep finds it): 100"
bouncesaying 'go away' sh -c 'kill -9 $$' <"$T/msg" 2>/dev/null
is "$?" 111 "a killed program: 111"
bouncesaying 'go away' /nonexistent/program <"$T/msg" 2>/dev/null
is "$?" 0 "a program that cannot be run (permanently): 0"
out=$(bouncesaying 2>&1)
is "$?" 100 "no arguments: 100"
is "$out" "bouncesaying: usage: bouncesaying error [ program [ arg ... ] ]" "... usage message"

# ---- except ------------------------------------------------------------------------------
ex() { # program-exit expected-exit name
    out=$(except sh -c "cat >/dev/null; exit $1" <"$T/msg" 2>&1)
    is "$?" "$2" "except, program exits $1: $2 ($3)"
}
ex 0 100 "reversed: bounce"
ex 1 0 "reversed: deliver"
ex 100 0 "reversed: deliver"
ex 99 0 "deliver"
ex 111 111 "temporary stays temporary"
out=$(except sh -c 'cat >/dev/null; exit 0' <"$T/msg" 2>&1)
is "$out" "" "except prints nothing when reversing success"
except grep -q friend <"$T/msg"
is "$?" 100 "except grep -q (match): 100"
except grep -q enemy <"$T/msg"
is "$?" 0 "except grep -q (no match): 0"
except sh -c 'kill -9 $$' <"$T/msg" 2>/dev/null
is "$?" 111 "except, program killed: 111"
except /nonexistent/program </dev/null 2>/dev/null
is "$?" 0 "except, program cannot run (permanently): 0"
out=$(except 2>&1)
is "$?" 100 "except without a program: 100"
is "$out" "except: usage: except program [ arg ... ]" "... usage message"

done_testing
