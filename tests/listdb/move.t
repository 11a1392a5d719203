#!/bin/sh
# Moving a list between stores with ezmlm-subimport and ezmlm-subexport:
# std files -> MySQL -> std files and address files, every sub-database,
# identical subscriber sets after the round trip, idempotent re-runs, bad
# lines, the progress bar on a terminal and the summary line otherwise.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/mariadb.sh"
. "$SUITE_SRC/tests/list/etc.sh"
sandbox_create
list_etc_setup
mariadb_start
cd "$SANDBOX" || exit 1

P=$MARIADB_PORT
line() { # table-root [password]
    printf 'mysql:127.0.0.1:%s:%s:%s:%s:%s\n' "$P" "$MARIADB_USER" "${2:-$MARIADB_PASSWORD}" "$MARIADB_DB" "$1"
}
sql() { mariadb_root -N -B "$MARIADB_DB" -e "$1"; }
sorted() { LC_ALL=C sort; }
SUBS=". allow deny digest mod"
set_of() { # DIR store-option: every sub-database's subscribers, "sub addr" per line
    for s in $SUBS; do
        ezmlm-list $2 "$1" "$s" | sed "s|^|$s |"
    done | sorted
}

# ---- a list on the std store ----------------------------------------------------------------
ezmlm-make "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN"; ok $? "a list on the std store"
L=$SANDBOX/L
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "Member%04d@Host%d.Example\n", i, i % 7
             print "a%b_c@x.org"; print "o'"'"'neil@x.org"; print "\"quoted local\"@x.org" }' >main.txt
ezmlm-sub "$L" <main.txt; ok $? "3003 subscribers"
printf 'd%d@dig.example\n' 1 2 3 4 5 6 7 8 9 10 | ezmlm-sub "$L" digest
ezmlm-sub "$L" allow al1@x.org al2@x.org && ezmlm-sub "$L" deny bad@x.org && ezmlm-sub "$L" mod Mod@M.example
set_of "$L" >std.before
is "$(wc -l <std.before | tr -d ' ')" 3017 "(3017 subscriptions in five sub-databases)"

# ---- std -> mysql ------------------------------------------------------------------------------
line t1 >"$L/subdb"
ezmlm-mktab -e "$L"; ok $? "the list now points at MySQL (DIR/subdb, ezmlm-mktab -e)"
is "$(ezmlm-list -n "$L")" 0 "...which is empty"
ezmlm-subimport -a "$L" >out 2>err; ok $? "ezmlm-subimport -a DIR: from the std files into MySQL"
is "$(cat out)" "ezmlm-subimport: $L: 3003 read, 3003 added, 0 already there, 0 refused
ezmlm-subimport: $L allow: 2 read, 2 added, 0 already there, 0 refused
ezmlm-subimport: $L deny: 1 read, 1 added, 0 already there, 0 refused
ezmlm-subimport: $L digest: 10 read, 10 added, 0 already there, 0 refused
ezmlm-subimport: $L mod: 1 read, 1 added, 0 already there, 0 refused" "...one summary line per sub-database"
is "$(cat err)" "" "...no progress bar when stderr is not a terminal"
set_of "$L" >mysql.after
cmp -s std.before mysql.after; ok $? "MySQL holds exactly the std store's subscribers"
is "$(sql 'SELECT COUNT(*) FROM t1_slog')" 0 "...moving logs nothing"
ezmlm-subimport -a "$L" >out; ok $? "ezmlm-subimport again"
is "$(head -1 out)" "ezmlm-subimport: $L: 3003 read, 0 added, 3003 already there, 0 refused" "...adds nothing"
set_of "$L" | cmp -s - std.before; ok $? "...and changes nothing"
SENDER=member0001@host1.example ezmlm-issubn "$L"; is $? 0 "the programs find the imported subscribers (case ignored)"

# ---- mysql -> std ------------------------------------------------------------------------------------
rm -f "$L"/subscribers/* "$L"/*/subscribers/*
is "$(ezmlm-list -M "$L" | wc -l | tr -d ' ')" 0 "(the std files are emptied)"
ezmlm-subexport -a "$L" >out 2>err; ok $? "ezmlm-subexport -a DIR: from MySQL into the std files"
is "$(head -1 out)" "ezmlm-subexport: $L: 3003 read, 3003 added, 0 already there, 0 refused" "...summary"
set_of "$L" -M >std.after
cmp -s std.before std.after; ok $? "the round trip std -> MySQL -> std gives the same subscriber sets"
ezmlm-subexport -a "$L" >out; is "$(head -1 out)" "ezmlm-subexport: $L: 3003 read, 0 added, 3003 already there, 0 refused" \
    "ezmlm-subexport again adds nothing"
set_of "$L" -M | cmp -s - std.before; ok $? "...and changes nothing"
is "$(ls "$L/subscribers" | grep -vc '^[]@A-Z[\\^_`a-t]$')" 0 "...and leaves no temporary files"
for b in "$L"/subscribers/*; do
    tr '\0' '\n' <"$b" | grep -v '^T' | grep -q . && echo "$b"
done >badfiles
is "$(cat badfiles)" "" "...every entry is T, the address, NUL"
printf 'new@x.org\n' | ezmlm-sub -M "$L"
ezmlm-subexport "$L" >out; is "$(cat out)" "ezmlm-subexport: $L: 3003 read, 0 added, 3003 already there, 0 refused" \
    "an address only in the std files stays there"
SENDER=new@x.org ezmlm-issubn "$L"; is $? 99 "...and is not put into MySQL"

# ---- address files ---------------------------------------------------------------------------------------
ezmlm-subexport -f all.txt "$L" >out; ok $? "ezmlm-subexport -f FILE"
is "$(cat out)" "ezmlm-subexport: $L: 3003 written to all.txt" "...summary"
is "$(sorted <all.txt)" "$(ezmlm-list "$L" | sorted)" "...one address per line"
ezmlm-subexport -f - "$L" digest >out 2>err; ok $? "ezmlm-subexport -f - (standard output)"
is "$(sorted <out)" "$(printf 'd%d@dig.example\n' 1 2 3 4 5 6 7 8 9 10 | sorted)" "...the digest subscribers"
is "$(cat err)" "ezmlm-subexport: $L digest: 10 written to standard output" "...the summary on stderr"
ls all.txt.tmp* >/dev/null 2>&1; is $? 2 "...no temporary file left"

ezmlm-make -6 "$(line t2)" "$SANDBOX/M" "$SANDBOX_HOME/.qmail-m" m "$SANDBOX_DOMAIN"
ezmlm-subimport -f all.txt "$SANDBOX/M" >out; ok $? "ezmlm-subimport -f FILE into another MySQL list"
is "$(ezmlm-list "$SANDBOX/M" | sorted)" "$(ezmlm-list "$L" | sorted)" "...the same subscribers"
{
    printf '# a comment\n\n   spaced@x.org  \r\n'
    printf 'noat\n'
    printf 'cr\rin@x.org\n'
    printf '%0500d@x.org\n' 0
    printf '%070000d@x.org\n' 0
    printf 'member0001@HOST1.example\n'
    printf 'last@x.org'
} >bad.txt
ezmlm-subimport -f bad.txt "$SANDBOX/M" >out 2>err; ok $? "a file with bad lines: 0"
is "$(cat out)" "ezmlm-subimport: $SANDBOX/M: 7 read, 2 added, 1 already there, 4 refused" \
    "...comments and blank lines skipped, blanks and CR trimmed, the bad ones refused"
is "$(cat err)" "ezmlm-subimport: warning: bad.txt line 4: address does not contain @: noat
ezmlm-subimport: warning: bad.txt line 5: address contains a carriage return: cr?in@x.org
ezmlm-subimport: warning: bad.txt line 6: address is too long: $(printf '%0100d' 0)
ezmlm-subimport: warning: bad.txt line 7: address is too long: $(printf '%0100d' 0)" "...each with its line number"
SENDER=spaced@x.org ezmlm-issubn "$SANDBOX/M"; is $? 0 "...spaced@x.org is in"
SENDER=last@x.org ezmlm-issubn "$SANDBOX/M"; is $? 0 "...a last line without newline too"
printf 'a@x.org\nb@x.org\n' | ezmlm-subimport -f - "$SANDBOX/M" mod >out; ok $? "-f - reads standard input"
is "$(ezmlm-list "$SANDBOX/M" mod | sorted | tr '\n' ' ')" "a@x.org b@x.org " "...into the sub-database named"
ezmlm-subimport -f all.txt "$SANDBOX/L" >out; is "$(cat out)" "ezmlm-subimport: $L: 3003 read, 0 added, 3003 already there, 0 refused" \
    "importing a list's own export adds nothing"
mkdir -p S/subscribers
ezmlm-subimport -f all.txt "$SANDBOX/S" >/dev/null; ok $? "ezmlm-subimport -f into a std list"
is "$(ezmlm-list S | sorted)" "$(sorted <all.txt)" "...the same subscribers"
ezmlm-subimport -f all.txt "$SANDBOX/S" >out; is "$(cat out)" "ezmlm-subimport: $SANDBOX/S: 3003 read, 0 added, 3003 already there, 0 refused" \
    "...and again: nothing added"

# ---- ezmlm-idx's 255-byte column ------------------------------------------------------------------------------------
sql "CREATE TABLE old (hash TINYINT UNSIGNED NOT NULL, address VARCHAR(255) NOT NULL, INDEX h (hash), INDEX a (address(12)))"
mkdir -p O
line old >O/subdb
printf 'ok@x.org\n%0300d@x.org\n' 0 | ezmlm-subimport -f - O >out 2>err; ok $? "importing into an ezmlm-idx table"
is "$(cat out)" "ezmlm-subimport: O: 2 read, 1 added, 0 already there, 1 refused" "...an address wider than its column is refused"
like "$(cat err)" 'stdin line 2: address is too long' "...with a warning"

# ---- the progress bar -------------------------------------------------------------------------------------------------
ezmlm-subexport -p -f /dev/null "$L" >/dev/null 2>err; ok $? "-p: a progress bar even without a terminal"
test -c /dev/null; ok $? "...and /dev/null is still a device (written in place, never renamed over)"
like "$(tr '\r' '\n' <err)" "ezmlm-subexport: $L 3003 addresses" "...counting addresses"
ezmlm-subimport -p -f all.txt "$SANDBOX/M" >/dev/null 2>err
like "$(tr '\r' '\n' <err)" "ezmlm-subimport: $SANDBOX/M \\[#{30}\\] 100% 3003 addresses" "...a bar when the size is known"
like "$(cat err)" "$(printf '\033')\\[K\$" "...cleared at the end"
if command -v script >/dev/null 2>&1; then
    script -qec "ezmlm-subimport -f '$SANDBOX/all.txt' '$SANDBOX/M'" /dev/null >tty.out 2>&1
    ok $? "on a terminal"
    like "$(cat tty.out)" "100% 3003 addresses" "...the progress bar is drawn"
    like "$(cat tty.out)" "ezmlm-subimport: $SANDBOX/M: 3003 read, 0 added" "...and the summary follows"
    ezmlm-subimport -P -f all.txt "$SANDBOX/M" >/dev/null 2>err; is "$(cat err)" "" "-P: never a bar"
else
    skip "script(1) is not installed" 4
fi

# ---- failures -----------------------------------------------------------------------------------------------------------
ezmlm-subimport -a -f all.txt "$L" 2>/dev/null; is $? 100 "-a with -f: usage, 100"
ezmlm-subimport 2>/dev/null; is $? 100 "no DIR: 100"
ezmlm-subimport -f nosuch.txt "$L" 2>err; is $? 100 "a missing file: 100"
like "$(cat err)" 'unable to open nosuch.txt' "...saying so"
ezmlm-subimport -f all.txt "$SANDBOX/nolist" 2>/dev/null; is $? 111 "a missing list: 111"
line t1 wrong >"$SANDBOX/M/subdb"
ezmlm-subimport -f all.txt "$SANDBOX/M" 2>err; is $? 111 "a refused login: 111"
like "$(cat err)" "MySQL server 127\\.0\\.0\\.1:$P: cannot connect: Access denied" "...naming the server"
ezmlm-subexport -f x.txt "$SANDBOX/M" 2>/dev/null; is $? 111 "ezmlm-subexport: 111 too"
test ! -e x.txt; ok $? "...and no file is made"
ezmlm-subimport -V 2>err; is "$(cat err)" "ezmlm-subimport version: ezmlm-idx-7.2.2" "-V"

done_testing
