#!/bin/sh
# lib/quota through tests/helpers/quotatool: deliveries against a Maildir++
# quota, side by side with Debian's deliverquota and maildirmake (maildrop
# 2.9.3): the same maildirsize bytes and the same decisions, each reading
# the other's files; folders, Trash and deleted messages, MAILDIRQUOTA.
. "$SUITE_SRC/tests/lib/tap.sh"

QT=$SUITE_BUILD/tests/helpers/quotatool
DQ=/usr/sbin/deliverquota.maildrop
MM=/usr/bin/maildirmake.maildrop
[ -x "$DQ" ] && [ -x "$MM" ] || { DQ=; MM=; }
T=$(mktemp -d "${TMPDIR:-/tmp}/quota.XXXXXX") || BAIL_OUT "mktemp"
_cleanup() { rm -rf "$T"; }
atexit _cleanup

md() { mkdir -p "$1/tmp" "$1/new" "$1/cur"; }
msg() { # n: a message of a known size
    printf 'Subject: message %s\n\n%s\n' "$1" "$(printf '%*s' "$((40 * $1))" '' | tr ' ' x)"
}

# ---- our own behaviour, byte for byte -----------------------------------------------
md "$T/a"
"$QT" set "$T/a" 1000S,3C
is "$(cat "$T/a/maildirsize")" "1000S,3C
           0            0" "set: definition and one line of totals"
codes=
for i in 1 2 3 4; do
    msg "$i" | "$QT" deliver "$T/a" 2>/dev/null
    codes="$codes$?"
done
is "$codes" "00077" "three deliveries, the fourth over the count limit (77)"
is "$(ls "$T/a/new" | wc -l)" 3 "three messages in new/"
is "$(ls "$T/a/tmp" | wc -l)" 0 "nothing left in tmp/"
s1=$(msg 1 | wc -c) s2=$(msg 2 | wc -c) s3=$(msg 3 | wc -c)
ls "$T/a/new" | grep -q ",S=$s2\$"
ok $? "names carry ,S=<size>"
printf '1000S,3C\n%12d %12d\n' $((s1 + s2 + s3)) 3 >"$T/want"
cmp -s "$T/want" "$T/a/maildirsize"
ok $? "the refused fourth forced a recount: definition and totals" ||
    diag "$(cat "$T/a/maildirsize")"
is "$("$QT" percent "$T/a")" 100 "percent: 3 of 3 messages"
rm -f "$T/a/new/"*
"$QT" recalc "$T/a"
is "$("$QT" percent "$T/a")" 0 "after the messages went and a recount: 0"
is "$("$QT" check "$T/a" 999)" "ok 99" "a message of 999 bytes fits (99%)"
is "$("$QT" check "$T/a" 1001)" "over 100" "1001 bytes do not"

# ---- the same sequence with Debian's tools -------------------------------------------
if [ -n "$DQ" ]; then
    for q in 1000S,3C 700S 5C 2000S,10C; do
        rm -rf "$T/o" "$T/d"
        md "$T/o"
        "$QT" set "$T/o" "$q"
        "$MM" "$T/d" && "$MM" -q "$q" "$T/d"
        cmp -s "$T/o/maildirsize" "$T/d/maildirsize"
        ok $? "$q: a new maildirsize as maildirmake -q writes it"
        oc= dc=
        for i in 1 2 3 4 5 6; do
            msg "$i" | "$QT" deliver "$T/o" >/dev/null 2>&1
            oc="$oc$?"
            msg "$i" | "$DQ" "$T/d" >/dev/null 2>&1
            dc="$dc$?"
        done
        is "$oc" "$dc" "$q: the same decisions for six deliveries ($dc)"
        cmp -s "$T/o/maildirsize" "$T/d/maildirsize"
        ok $? "$q: maildirsize byte for byte after them" ||
            diag "ours:" "$(cat "$T/o/maildirsize")" "Debian's:" "$(cat "$T/d/maildirsize")"
    done
    # each reads the other's files
    rm -rf "$T/x"
    "$MM" "$T/x" && "$MM" -q 400S "$T/x"
    msg 1 | "$DQ" "$T/x"
    msg 2 | "$QT" deliver "$T/x"
    msg 3 | "$DQ" "$T/x"
    printf '400S\n%12d %12d\n%12d %12d\n%12d %12d\n%12d %12d\n' 0 0 "$s1" 1 "$s2" 1 "$s3" 1 >"$T/want"
    cmp -s "$T/want" "$T/x/maildirsize"
    ok $? "a Maildir filled by both: the lines each appended are alike" ||
        diag "$(cat "$T/x/maildirsize")"
    msg 4 | "$QT" deliver "$T/x" >/dev/null 2>&1
    st=$?
    msg 4 | "$DQ" "$T/x" >/dev/null 2>&1
    is "$st$?" 7777 "... both refuse the message that does not fit"
    msg 4 | "$DQ" "$T/x" >/dev/null 2>&1
    st=$?
    msg 4 | "$QT" deliver "$T/x" >/dev/null 2>&1
    is "$st$?" 7777 "... in either order"
    # folders: charged to the parent
    rm -rf "$T/f" "$T/g"
    "$MM" "$T/f" && "$MM" -q 100000S "$T/f" && "$MM" -f Work "$T/f"
    "$MM" "$T/g" && "$MM" -q 100000S "$T/g" && "$MM" -f Work "$T/g"
    msg 2 | "$QT" deliver "$T/f/.Work"
    msg 2 | "$DQ" "$T/g/.Work"
    [ ! -e "$T/f/.Work/maildirsize" ] && cmp -s "$T/f/maildirsize" "$T/g/maildirsize"
    ok $? "a folder (made by maildirmake -f) is charged to its parent, as deliverquota does"
else
    skip "Debian's deliverquota/maildirmake are not installed" 16
fi

# ---- counting ------------------------------------------------------------------------
rm -rf "$T/c"
md "$T/c"
md "$T/c/.Work"
md "$T/c/.Trash"
: >"$T/c/.Work/maildirfolder"
printf x >"$T/c/new/1.a.host,S=100"
printf x >"$T/c/cur/2.a.host,S=200:2,S"
printf x >"$T/c/cur/3.a.host,S=400:2,ST"
printf 0123456789 >"$T/c/cur/4.a.host:2,"
printf x >"$T/c/.Work/cur/5.a.host,S=1000:2,RS"
printf x >"$T/c/.Trash/cur/6.a.host,S=5000:2,S"
printf x >"$T/c/new/.7.a.host,S=9000"
"$QT" set "$T/c" 100000S
printf '100000S\n%12d %12d\n' 1310 4 >"$T/want"
cmp -s "$T/want" "$T/c/maildirsize"
ok $? "recount: ,S= sizes, stat() without; Trash, deleted and dot files not counted"
if [ -n "$DQ" ]; then
    cp -a "$T/c" "$T/c2"
    rm "$T/c2/maildirsize"
    "$MM" -q 100000S "$T/c2"
    cmp -s "$T/c/maildirsize" "$T/c2/maildirsize"
    ok $? "... as maildirmake -q counts"
else
    skip "Debian's maildirmake is not installed"
fi

# ---- MAILDIRQUOTA: imposed from outside --------------------------------------------------
rm -rf "$T/m"
md "$T/m"
msg 1 | "$QT" deliver "$T/m"
[ ! -e "$T/m/maildirsize" ]
ok $? "no maildirsize, nothing imposed: no quota, no file"
msg 2 | "$QT" deliver "$T/m" 300S
is "$?" 0 "an imposed quota creates the file"
printf '300S\n%12d %12d\n%12d %12d\n' "$s1" 1 "$s2" 1 >"$T/want"
cmp -s "$T/want" "$T/m/maildirsize"
ok $? "... counting what was there, then the delivery" || diag "$(cat "$T/m/maildirsize")"
msg 3 | "$QT" deliver "$T/m" 300S 2>/dev/null
is "$?" 77 "... and enforces it"
msg 3 | "$QT" deliver "$T/m" 1000S
is "$?" 0 "a different imposed quota replaces the file's"
head -1 "$T/m/maildirsize" | grep -qx 1000S
ok $? "... the definition is rewritten"

# ---- warnings, charges, names ------------------------------------------------------------------
is "$("$QT" warn "$T/m")" 1 "a first quota warning is due"
[ -f "$T/m/quotawarn" ]
ok $? "... quotawarn touched"
is "$("$QT" warn "$T/m" 3600)" 0 "an hour later: not due"
is "$("$QT" warn "$T/m" 90000)" 1 "a day later: due again"
"$QT" charge "$T/m" 5000 1
tail -1 "$T/m/maildirsize" | grep -qx '        5000            1'
ok $? "charge appends a line even when over"
"$QT" charge "$T/m" -5000 -1
tail -1 "$T/m/maildirsize" | grep -qx '       -5000           -1'
ok $? "a removal appends negative numbers"
is "$("$QT" size 1.M2P3.host,S=4567:2,S)" 4567 "size from a name"
is "$("$QT" size cur/1.M2P3.host:2,S)" none "no size in the name"

done_testing
