#!/bin/sh
# The std subscriber store, byte for byte: bucket files and entries as
# ezmlm-idx 7.2 writes them on amd64, legacy buckets (32-bit and
# case-sensitive hashes), forced hashes, the Log, sub-databases, store
# selection, and a rewrite killed half-way.
. "$SUITE_SRC/tests/lib/tap.sh"
[ "${LIST_STORE:-std}" = std ] || skip_all "bucket files: the std store's own format (LIST_STORE=${LIST_STORE})"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create
cd "$SANDBOX" || exit 1
H=$SUITE_BUILD/tests/helpers

newdb() { # a fresh list directory with the std store
    rm -rf "$SANDBOX/L"
    mkdir -p "$SANDBOX/L/subscribers" "$SANDBOX/L/allow/subscribers" "$SANDBOX/L/deny/subscribers" \
        "$SANDBOX/L/digest/subscribers" "$SANDBOX/L/mod/subscribers"
    L=$SANDBOX/L
}
entries() { # the entries of a bucket file, one per line, NUL shown as |
    tr '\0' '|' <"$1"
}
logn() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

# ---- hashes ---------------------------------------------------------------
is "$($H/list-text bucket bob@b.org)" "C o" "Tbob@b.org: bucket C (64-bit), o (32-bit)"
is "$($H/list-text bucket alice@example.org)" "_ i" "alice@example.org: bucket _"
is "$($H/list-text bucket carol@c.org)" "] I" "carol@c.org: bucket ]"
is "$($H/list-text bucket zed@z.org)" "D I" "zed@z.org: bucket D"
is "$($H/list-text bucket 'jürgen@example.de')" "Q r" "8-bit address: bytes hashed as signed chars"

# ---- entries ----------------------------------------------------------------
newdb
ezmlm-sub "$L" bob@b.org; ok $? "ezmlm-sub bob@b.org exits 0"
printf 'Tbob@b.org\000' >exp
cmp -s exp "$L/subscribers/C"; ok $? "entry 'T' + address + NUL in subscribers/C"
is "$(ls "$L/subscribers")" "C" "no other bucket file was made"
ezmlm-sub "$L" Alice@Example.ORG 'jürgen@Example.DE' carol@c.org zed@z.org
ok $? "four more addresses"
printf 'TAlice@example.org\000' >exp
cmp -s exp "$L/subscribers/_"; ok $? "local part kept as given, domain lowercased, filed by the lowercased hash"
printf 'Tjürgen@example.de\000' >exp
cmp -s exp "$L/subscribers/Q"; ok $? "8-bit address in bucket Q"
is "$(ls "$L/subscribers" | tr '\n' ' ')" "C D Q ] _ " "one file per bucket used"
cp "$L/subscribers/C" before
n=$(logn "$L/Log")
ezmlm-sub "$L" bob@b.org BOB@B.ORG; ok $? "subscribing again exits 0"
cmp -s before "$L/subscribers/C"; ok $? "...and changes nothing (case-insensitive match)"
is "$(logn "$L/Log")" "$n" "...and logs nothing"
is "$(ezmlm-list "$L")" "bob@b.org
zed@z.org
jürgen@example.de
carol@c.org
Alice@example.org" "ezmlm-list: files @..t in order, stored spelling"
is "$(ezmlm-list -n "$L")" "5" "ezmlm-list -n counts"

# two entries in one bucket keep their order; removal keeps the others
ezmlm-sub "$L" user11@x.org user4@x.org 2>/dev/null
b1=$($H/list-text bucket user11@x.org | cut -c1)
for a in a1@x.org a2@x.org a3@x.org a4@x.org a5@x.org a6@x.org a7@x.org a8@x.org; do
    [ "$($H/list-text bucket $a | cut -c1)" = "$b1" ] || continue
    ezmlm-sub "$L" "$a"
done
f=$L/subscribers/$b1
before=$(entries "$f")
ezmlm-unsub "$L" USER11@X.ORG; ok $? "ezmlm-unsub ignores case"
is "$(entries "$f")" "$(printf '%s' "$before" | sed 's/Tuser11@x.org|//')" "only that entry is removed, the rest keep their order"

# ---- the Log -----------------------------------------------------------------
newdb
ezmlm-sub "$L" bob@b.org
ezmlm-sub -n "$L" carol@c.org "Carol C"
ezmlm-sub -t import "$L" 'a b@x.org'
printf 'dave@d.org Dave\tD\001x\n' | ezmlm-sub -n "$L"
ezmlm-unsub "$L" Bob@B.org
ezmlm-unsub "$L" nobody@b.org
sed 's/^[0-9][0-9]* /T /' "$L/Log" >got
printf '%s\n' 'T +manual bob@b.org' 'T +manual carol@c.org Carol C' 'T +import a?b@x.org' \
    'T +manual dave@d.org Dave D?x' 'T -manual Bob@b.org' >exp
is "$(cat got)" "$(cat exp)" "Log lines: time, event, address (bytes outside 33..126 as ?), comment (TAB as space)"
like "$(head -1 "$L/Log")" '^[0-9]+ \+manual bob@b\.org$' "Log line starts with the Unix time"
is "$(stat -c %a "$L/Log")" "600" "Log is created mode 0600"

# ---- legacy buckets ------------------------------------------------------------
newdb
printf 'Tbob@b.org\000' >"$L/subscribers/o"
SENDER=bob@b.org ezmlm-issubn "$L"; is $? 0 "an entry in the 32-bit bucket (o) is found"
is "$(ezmlm-list "$L")" "bob@b.org" "...and listed"
ezmlm-unsub "$L" bob@b.org; ok $? "...and ezmlm-unsub exits 0"
is "$(wc -c <"$L/subscribers/o" | tr -d ' ')" "0" "...removing it from o"
test ! -e "$L/subscribers/C"; ok $? "...without making the 64-bit bucket"
like "$(cat "$L/Log")" '^[0-9]+ -manual bob@b\.org$' "...and logs the removal"
SENDER=bob@b.org ezmlm-issubn "$L"; is $? 99 "gone afterwards"

newdb
printf 'TBob@b.org\000' >"$L/subscribers/V"
SENDER=Bob@B.ORG ezmlm-issubn "$L"; is $? 0 "an entry in the case-sensitive bucket (V) is found with that spelling"
SENDER=bob@b.org ezmlm-issubn "$L"; is $? 99 "...but not by an address whose hash differs (as in 7.2)"
ezmlm-unsub "$L" Bob@b.org; ok $? "ezmlm-unsub with that spelling"
is "$(wc -c <"$L/subscribers/V" | tr -d ' ')" "0" "...empties V"

newdb
printf 'Tbob@b.org\000' >"$L/subscribers/o"
ezmlm-sub "$L" bob@b.org; ok $? "subscribing an address found only in a legacy bucket"
printf 'Tbob@b.org\000' >exp
cmp -s exp "$L/subscribers/C"; ok $? "...moves it to the 7.2 bucket"
is "$(wc -c <"$L/subscribers/o" | tr -d ' ')" "0" "...out of the legacy one"
test ! -s "$L/Log"; ok $? "...and logs nothing (it was subscribed already)"

# ---- forced hash -------------------------------------------------------------------
newdb
ezmlm-sub -h 5 "$L" x@y.org; ok $? "ezmlm-sub -h 5"
printf 'Tx@y.org\000' >exp
cmp -s exp "$L/subscribers/E"; ok $? "...files the address in E"
SENDER=x@y.org ezmlm-issubn "$L"; is $? 99 "...where lookups do not find it"
ezmlm-unsub "$L" x@y.org; ok $? "ezmlm-unsub without -h"
cmp -s exp "$L/subscribers/E"; ok $? "...does not remove it"
ezmlm-unsub -h 5 "$L" x@y.org; ok $? "ezmlm-unsub -h 5"
is "$(wc -c <"$L/subscribers/E" | tr -d ' ')" "0" "...does"
ezmlm-sub -h 60 "$L" x@y.org
test -s "$L/subscribers/$($H/list-text bucket x@y.org | cut -c1)"; ok $? "-h above 52 is ignored by the std store"

# ---- sub-databases ------------------------------------------------------------------
newdb
for db in allow deny digest mod; do
    ezmlm-sub "$L" $db "$db@x.org"; ok $? "ezmlm-sub DIR $db"
    test -s "$L/$db/subscribers/$($H/list-text bucket $db@x.org | cut -c1)"; ok $? "...writes $db/subscribers"
    like "$(cat "$L/$db/Log")" "^[0-9]+ \\+manual $db@x\\.org\$" "...and $db/Log"
    is "$(ezmlm-list "$L" $db)" "$db@x.org" "ezmlm-list DIR $db"
done
is "$(ezmlm-list "$L")" "" "the main list stays empty"
test ! -e "$L/Log"; ok $? "...and has no Log"
is "$(ezmlm-list "$L" "$L/digest")" "digest@x.org" "an absolute sub-database inside DIR"
is "$(ezmlm-list "$L" .)" "" "'.' is the main list"
ezmlm-list "$L" /tmp 2>err; is $? 111 "an absolute sub-database outside DIR: 111"
ezmlm-list "$L" a/b 2>err; is $? 111 "a sub-database with a slash: 111"
ezmlm-list "$L" .. 2>err; is $? 111 "'..': 111"
ezmlm-sub "$L" nosuchdb a@x.org 2>err; is $? 111 "a sub-database that does not exist: 111"

# wildcard entries
ezmlm-sub "$L" allow @example.net
SENDER=Anyone@EXAMPLE.NET ezmlm-issubn "$L" allow; is $? 0 "an @domain entry matches every address there"
SENDER=anyone@example.com ezmlm-issubn "$L" allow; is $? 99 "...and no other domain"
SENDER=anyone@sub.example.net ezmlm-issubn "$L" allow; is $? 99 "...nor subdomains"

# ---- store selection -------------------------------------------------------------------
newdb
echo 'pgsql:localhost::ezmlm:secret:ezmlm:list' >"$L/subdb"
ezmlm-sub "$L" a@x.org 2>err; is $? 111 "DIR/subdb naming pgsql: 111 (not in this build)"
like "$(cat err)" '^ezmlm-sub: fatal: .*not available' "...saying the store is not available"
ezmlm-list "$L" >/dev/null 2>&1; is $? 111 "ezmlm-list too"
SENDER=a@x.org ezmlm-issubn "$L" 2>/dev/null; is $? 111 "ezmlm-issubn too"
ezmlm-sub -M "$L" a@x.org; ok $? "-M forces the std store"
is "$(ezmlm-list -M "$L")" "a@x.org" "ezmlm-list -M"
ezmlm-sub -S std "$L" b@x.org; ok $? "-S std"
echo 'std' >"$L/subdb"
is "$(ezmlm-list "$L" | sort | tr '\n' ' ')" "a@x.org b@x.org " "DIR/subdb naming std"
echo ':host' >"$L/subdb"
ezmlm-list "$L" >/dev/null 2>&1; is $? 111 "a store line without a name: 111"
rm "$L/subdb"
echo 'localhost::u:p:db:t' >"$L/sql"
ezmlm-list "$L" >/dev/null 2>&1; is $? 111 "legacy DIR/sql (MySQL): 111 until that store exists"
rm "$L/sql"

# ---- a rewrite killed half-way ------------------------------------------------------------
newdb
# m58@example.org hashes to C like bob@b.org; the other entries are filler
perl -e 'for $i (1..10000) { print "Tmember$i\@example.org\0"; print "Tm58\@example.org\0" if $i == 5000 }' \
    >"$L/subscribers/C"
cp "$L/subscribers/C" old
cp old new; printf 'Tbob@b.org\000' >>new
out=$("$H/killat" 1 true 2>/dev/null)
if [ $? -eq 111 ]; then
    skip "ptrace is not available" 14
else
    for n in 1 3 8 15; do
        r=$("$H/killat" $n ezmlm-sub "$L" bob@b.org)
        is "$r" "killed" "ezmlm-sub killed at its write #$n into the new bucket"
        cmp -s old "$L/subscribers/C"; ok $? "...the bucket is the old one, whole"
    done
    timeout 20 ezmlm-sub "$L" bob@b.org; ok $? "the lock was released: the next ezmlm-sub runs"
    cmp -s new "$L/subscribers/C"; ok $? "...and writes the new bucket whole"
    r=$("$H/killat" 10 ezmlm-unsub "$L" m58@example.org)
    is "$r" "killed" "ezmlm-unsub killed mid-rewrite"
    cmp -s new "$L/subscribers/C"; ok $? "...leaves the bucket as it was"
    ezmlm-unsub "$L" m58@example.org; ok $? "ezmlm-unsub runs to the end"
    is "$(entries "$L/subscribers/C" | grep -c 'Tm58@')" "0" "...removing the entry"
fi
is "$(ls "$L/subscribers" | grep -v '^C$' | grep -v '^Cn$')" "" "no other files"

done_testing
