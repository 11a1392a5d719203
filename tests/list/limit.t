#!/bin/sh
# ezmlm-limit: under the limit the post goes on (0) and the interval is
# recorded in DIR/loopnum; over it DIR/modpost is created and loopnum
# removed (or, with -d, the post is deferred: 111); a stale or future
# loopnum starts a new interval; an existing modpost is 0 at once; no
# DIR/num is 100, an empty one 99; -f names another loop file; hostile
# input: huge numbers, NUL bytes and junk in loopnum and num; usage errors.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
sandbox_create
list_etc_setup
cd "$SANDBOX" || exit 1
D=sandbox.example
L=$SANDBOX/L
list_make "$L" "$SANDBOX_HOME/.qmail-list" list "$D" || BAIL_OUT "ezmlm-make"
lim() { ezmlm-limit "$@" "$L" 2>"$SANDBOX/err" </dev/null; echo $?; }
now=$(date +%s)

rm -f "$L/num" "$L/loopnum" "$L/modpost"
is "$(lim)" 100 "no DIR/num: 100"
: >"$L/num"
is "$(lim)" 99 "DIR/num without a number: 99"

echo "5:2" >"$L/num"
is "$(lim)" 0 "first run: 0"
like "$(cat "$L/loopnum")" "^5:[0-9]+$" "...loopnum records num and the time"
t=$(cut -d: -f2 "$L/loopnum")
ok_run "...the time is now" sh -c "[ $t -ge $now ] && [ $t -le $(($(date +%s) + 1)) ]"

echo "34:2" >"$L/num"
is "$(lim)" 0 "29 messages in the interval: 0"
ok_run "...no modpost" sh -c "[ ! -e '$L/modpost' ]"
is "$(cut -d: -f1 "$L/loopnum")" 5 "...loopnum unchanged"

echo "35:2" >"$L/num"
is "$(lim -d)" 111 "30 messages with -d: 111"
like "$(cat "$SANDBOX/err")" "ezmlm-limit: fatal: " "...with a fatal message"
ok_run "...and no modpost" sh -c "[ ! -e '$L/modpost' ]"
is "$(lim)" 0 "30 messages: 0"
ok_run "...modpost created" sh -c "[ -f '$L/modpost' ]"
ok_run "...loopnum removed" sh -c "[ ! -e '$L/loopnum' ]"
like "$(cat "$SANDBOX/err")" "info: .*moderated" "...and said so"
echo "1000:2" >"$L/num"
is "$(lim)" 0 "modpost present: 0"
ok_run "...nothing recorded" sh -c "[ ! -e '$L/loopnum' ]"
rm -f "$L/modpost"

echo "100:0" >"$L/num"
echo "10:$((now - 4000))" >"$L/loopnum"
is "$(lim)" 0 "interval over (4000 s): 0"
like "$(cat "$L/loopnum")" "^100:[0-9]+$" "...a new interval starts at num"
ok_run "...no modpost" sh -c "[ ! -e '$L/modpost' ]"
echo "10:$((now - 100))" >"$L/loopnum"
is "$(lim -t 50)" 0 "-t 50 and 100 s ago: a new interval"
is "$(cut -d: -f1 "$L/loopnum")" 100 "...loopnum rewritten"
echo "10:$((now + 100000))" >"$L/loopnum"
is "$(lim)" 0 "a time in the future: 0"
is "$(cut -d: -f1 "$L/loopnum")" 100 "...loopnum rewritten"
t=$(cut -d: -f2 "$L/loopnum")
ok_run "...with the current time" sh -c "[ $t -le $(($(date +%s) + 1)) ]"

echo "95:$now" >"$L/loopnum"
is "$(lim -n 5)" 0 "-n 5 and 5 messages: 0"
ok_run "...modpost created" sh -c "[ -f '$L/modpost' ]"
rm -f "$L/modpost"
echo "96:$now" >"$L/loopnum"
is "$(lim -n 5)" 0 "-n 5 and 4 messages: 0"
ok_run "...no modpost" sh -c "[ ! -e '$L/modpost' ]"

echo "90:$now" >"$L/other"
is "$(lim -f other -n 10)" 0 "-f other: 10 messages counted from DIR/other"
ok_run "...modpost created, other removed" sh -c "[ -f '$L/modpost' ] && [ ! -e '$L/other' ]"
rm -f "$L/modpost"
echo "90:$now" >"$SANDBOX/abs"
is "$(lim -f "$SANDBOX/abs" -n 10 -d)" 111 "-f with an absolute path, -d: 111"
is "$(lim -f "$SANDBOX/abs" -F -n 10)" 0 "-F goes back to loopnum"
ok_run "...the other file untouched" sh -c "[ -e '$SANDBOX/abs' ] && [ ! -e '$L/modpost' ]"
rm -f "$SANDBOX/abs"

# hostile input
echo "99999999999999999999999999999:1" >"$L/num"
echo "99999999999999999999999999999:$now" >"$L/loopnum"
is "$(lim)" 0 "huge numbers in num and loopnum: 0 (saturated, no messages counted)"
ok_run "...no modpost" sh -c "[ ! -e '$L/modpost' ]"
echo "5:$now" >"$L/loopnum"
is "$(lim -d)" 111 "huge num against a small loopnum: over the limit"
echo "5:99999999999999999999999999999" >"$L/loopnum"
is "$(lim)" 0 "a huge time: a new interval"
like "$(cat "$L/loopnum")" "^18446744073709551615:[0-9]+$" "...rewritten with the (saturated) num"
echo "100:0" >"$L/num"
printf '9\0000:%s\n' "$now" >"$L/loopnum"
is "$(lim)" 0 "NUL in loopnum: 0"
like "$(cat "$L/loopnum")" "^100:[0-9]+$" "...a new interval"
printf 'junk\n' >"$L/loopnum"
is "$(lim)" 0 "junk in loopnum: a new interval"
printf 'x12\n' >"$L/num"
is "$(lim)" 99 "junk in num: 99"
printf '12\000:3\n' >"$L/num"
is "$(lim)" 0 "NUL after the number in num: read as 12"

is "$(lim -n)" 100 "-n without a value: usage"
is "$(lim -n x)" 100 "-n x: usage"
is "$(lim -q)" 100 "unknown option: usage"
is "$(ezmlm-limit 2>/dev/null; echo $?)" 100 "no DIR: usage"
is "$(ezmlm-limit "$SANDBOX/nolist" 2>/dev/null; echo $?)" 111 "a DIR that is not there: 111"
done_testing
