#!/bin/sh
# ezmlm-make -e and -+: editing a list, #E files, sticky options, the
# settings kept in the list directory, lists of older ezmlm versions.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
sandbox_create
list_etc_setup
cd "$SANDBOX" || exit 1
B=$EZMLM_BIN
Q=$SANDBOX_HOME/.qmail-list
L=$SANDBOX/list

list_make -f -5 boss@example.net -d "$L" "$Q" list example.org; ok $? "a list with -f -5 -d"
ezmlm-sub "$L" a@example.org
[ -f "$L/subdb" ] && cp "$L/subdb" subdb.before
cp "$L/key" key.before
echo 'X-Custom: yes' >>"$L/headeradd"
echo '[custom]' >"$L/prefix"
cp "$L/headeradd" headeradd.before

ezmlm-make -e -m "$L"; ok $? "-e -m DIR: edit with only DIR given"
test -f "$L/modpost"; ok $? "...modpost is made"
test ! -e "$L/digested"; ok $? "...-e alone: options not given fall back to the defaults (d off)"
test ! -e "$L/prefix"; ok $? "...(f off: prefix removed)"
test -f "$L/archived" && test -f "$L/public"; ok $? "...(a and p on)"
is "$(cat "$L/outlocal") $(cat "$L/outhost") $(cat "$L/dot")" "list example.org $Q" "...LIST, HOST and DOT kept from the old files"
is "$(cat "$L/owner")" "boss@example.net" "...the -5 argument kept from DIR/owner"
cmp -s key.before "$L/key"; ok $? "...the key is not replaced"
cmp -s headeradd.before "$L/headeradd"; ok $? "...#E files keep their changes"
is "$(ezmlm-list "$L")" "a@example.org" "...subscribers untouched"
if [ -f subdb.before ]; then
    cmp -s subdb.before "$L/subdb"; ok $? "...the store line (DIR/subdb) kept"
fi
is "$(readlink "$Q-accept-default")" "$L/moderator" "...new links made"
is "$(readlink "$Q")" "$L/editor" "...old links replaced"
like "$(cat "$L/editor")" "ezmlm-store '" "...editor rewritten"

ezmlm-make -ee -m "$L"; ok $? "-ee: forced edit"
grep -q X-Custom "$L/headeradd"; is $? 1 "...#E files are rewritten"

echo 'X-Custom: yes' >>"$L/headeradd"
ezmlm-make -e -m "$L" "$Q" newname example.org; ok $? "-e with a new list name"
grep -q X-Custom "$L/headeradd"; is $? 1 "...forces #E files to be rewritten"
is "$(cat "$L/outlocal")" "newname" "...outlocal"
like "$(cat "$L/headeradd")" 'List-Post: <mailto:newname@example.org>' "...headeradd for the new name"

# -+: sticky
ezmlm-make -+ -t "$L"; ok $? "-+ -t"
test -f "$L/modpost" && test -f "$L/addtrailer"; ok $? "...m stays, t added"
ezmlm-make -+ -M "$L"; ok $? "-+ -M"
test ! -e "$L/modpost" && test -f "$L/addtrailer"; ok $? "...m off, t stays"
test ! -e "$L/moderator"; ok $? "...moderator removed"
ezmlm-make -+ "$L"; ok $? "-+ alone"
test -f "$L/addtrailer" && test -f "$L/archived" && test ! -e "$L/modpost"; ok $? "...changes nothing"
ezmlm-make -+ -AP "$L"; ok $? "-+ -AP"
test ! -e "$L/archived" && test ! -e "$L/public" && test -f "$L/addtrailer"; ok $? "...defaults can be turned off"
ezmlm-make -+ "$L"
test ! -e "$L/archived"; ok $? "...and stay off with -+"

# -e on a list that is not there
ezmlm-make -e "$SANDBOX/nolist" 2>/dev/null; isnt $? 0 "-e on a missing list fails"

# settings of older versions: DIR/flags (5.x/6.x) and DIR/config (0.4x)
ezmlm-make "$SANDBOX/old" "$SANDBOX_HOME/.qmail-old" old example.org
rm -f "$SANDBOX"/old/archived "$SANDBOX"/old/indexed "$SANDBOX"/old/public
echo 'aBcDeFgHijklmnopqrstuVwXyZ' | tr -d 'ijklnost' >"$SANDBOX/old/flags"
echo 'amp' >"$SANDBOX/old/flags"
ezmlm-make -+ "$SANDBOX/old"; ok $? "-+ on a list with DIR/flags"
test -f old/archived && test -f old/modpost && test -f old/public; ok $? "...its letters are used"
test ! -e old/flags; ok $? "...and DIR/flags is removed"

ezmlm-make "$SANDBOX/cfg" "$SANDBOX_HOME/.qmail-cfg" cfg example.org
rm -f "$SANDBOX"/cfg/archived "$SANDBOX"/cfg/indexed "$SANDBOX"/cfg/public
printf '%s\n' '# 0.4x settings' 'F:-aBCDEFGHIJKLMNOPQRsTUVWXYZ' "T:$SANDBOX_HOME/.qmail-cfg" 'L:cfg' \
    'H:example.org' 'C:' '8:moddb' >"$SANDBOX/cfg/config"
ezmlm-make -+ "$SANDBOX/cfg"; ok $? "-+ on a list with DIR/config"
test -f cfg/archived && test -f cfg/modsub && test ! -e cfg/public; ok $? "...its F: letters are used"
is "$(cat cfg/modsub)" "moddb" "...and its -8 argument"
test ! -e cfg/config; ok $? "...and DIR/config is removed"
printf 'F:-a\nQ:bad\n' >"$SANDBOX/cfg/config"
ezmlm-make -+ "$SANDBOX/cfg" 2>/dev/null; is $? 111 "a syntax error in DIR/config: 111"

# the lock: ezmlm-make -e waits for DIR/lock
exec 9>>"$L/lock"
flock 9
( ezmlm-make -+ -w "$L"; echo done >"$SANDBOX/edit.done" ) &
pid=$!
sleep 1
test ! -e "$SANDBOX/edit.done"; ok $? "-e waits while DIR/lock is held"
flock -u 9
exec 9>&-
wait $pid
test -e "$SANDBOX/edit.done" && test -f "$L/nowarn"; ok $? "...and goes on once it is released"

done_testing
