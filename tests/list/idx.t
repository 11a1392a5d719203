#!/bin/sh
# ezmlm-idx: the index it rebuilds equals ezmlm-send's byte for byte (posts
# with replies, a list prefix, RFC 2047 subjects and names, folded fields,
# no Received:, no Subject:), over two sections; incomplete archive files
# are skipped; -f starts at the section of its message; -d takes dates
# from Date: (two-digit years, a weekday, junk); the indexed flag is
# created; hostile input: huge numbers, NUL and 8-bit subjects, a
# 10,000-character subject; usage errors.
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
A=$L/archive
list_make "$L" "$SANDBOX_HOME/.qmail-list" list "$D" || BAIL_OUT "ezmlm-make"
printf '[list #]\n' >"$L/prefix"

raw() { SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null; }
post() { # SUBJECT [FROM]
    printf 'Received: from x by y; 20 Nov 2026 10:00:%02d -0000\nReceived: from z; 1 Jan 2000 00:00:00 -0000\nFrom: %s\nDate: Fri, 20 Nov 26 09:00 +0100\nSubject: %s\n\nbody\n' \
        "$(($(cut -d: -f1 "$L/num" 2>/dev/null || echo 0) % 60))" "${2:-Bob <bob@b.example>}" "$1" | raw
}
idx() { ezmlm-idx "$@" "$L" 2>"$SANDBOX/err"; echo $?; }

post "first topic"
post "Re: [list 1] first topic" "Carol <carol-ext@c.example>"
post "=?iso-8859-1?Q?caf=E9?= talk" "=?utf-8?B?w6lsaXNl?= <elise@e.example>"
printf 'Received: from x by y;\n 20 Nov 2026\n 11:00:00 -0000\nFrom: "Dave, Jr." <dave@d.example>\nSubject: folded\n  subject line\n\nbody\n' | raw
printf 'From: nobody@n.example\n\nno subject, no received\n' | raw
printf 'Received: from x by y; 20 Nov 2026 12:00:00 -0000\nFrom: nul@n.example\nSubject: before\000after \351\001 =?bogus?Q?=ZZ?=\n\nbody\n' | raw
long=$(printf '%10000s' '' | tr ' ' 'y')
post "$long"
n=7
while [ $n -lt 104 ]; do post "AW: Re: topic $((n % 5))" "u$((n % 3))@x.example"; n=$((n + 1)); done
is "$(cat "$L/num")" "104:0" "104 posts archived"
ok_run "ezmlm-send wrote archive/0/index" test -s "$A/0/index"
ok_run "...and archive/1/index" test -s "$A/1/index"
cp "$A/0/index" "$SANDBOX/i0"
cp "$A/1/index" "$SANDBOX/i1"

rm "$A/0/index" "$A/1/index" "$L/indexed"
is "$(idx)" 0 "ezmlm-idx: exit 0"
is "$(cat "$SANDBOX/err")" "" "...quietly"
ok_run "archive/0/index is ezmlm-send's byte for byte" cmp "$SANDBOX/i0" "$A/0/index"
ok_run "archive/1/index too" cmp "$SANDBOX/i1" "$A/1/index"
ok_run "...the indexed flag created" test -f "$L/indexed"
is "$(ls -a "$A/0" | grep -c tmp)" 0 "...no temporary file left"

# incomplete files are skipped
chmod 0644 "$A/0/03"
is "$(idx)" 0 "message 3 without its owner-execute bit: exit 0"
is "$(grep -c '^3: ' "$A/0/index")" 0 "...left out of the index"
is "$(grep -c '^[24]: ' "$A/0/index")" 2 "...its neighbours kept"
chmod 0744 "$A/0/03"
rm "$A/0/50"
is "$(idx)" 0 "a missing message: exit 0"
is "$(grep -c '^50: ' "$A/0/index")" 0 "...left out"

# -f: only the section of its message
printf 'old\n' >"$A/0/index"
rm "$A/1/index"
is "$(idx -f 150)" 0 "-f 150: section 1 only"
is "$(cat "$A/0/index")" "old" "...section 0 untouched"
ok_run "...section 1 rebuilt" cmp "$SANDBOX/i1" "$A/1/index"
is "$(idx -f 99999999999999999999999999999)" 0 "-f with a huge number: exit 0"
is "$(cat "$A/0/index")" "old" "...nothing touched"
is "$(idx -f x)" 100 "-f x: usage (100)"
is "$(idx -z)" 100 "an unknown option: usage (100)"
is "$(ezmlm-idx 2>/dev/null; echo $?)" 100 "no DIR: usage (100)"
is "$(ezmlm-idx "$L" extra 2>/dev/null; echo $?)" 100 "an argument after DIR: usage (100)"

# -d: dates from Date:
is "$(idx -d)" 0 "-d: exit 0"
is "$(sed -n 2p "$A/0/index" | cut -d';' -f1)" "	20 Nov 2026 09:00:00 +0100" "...a two-digit year 26 is 2026, seconds added, weekday dropped"
is "$(sed -n '/^5: /{n;p;}' "$A/0/index" | cut -d';' -f1)" "	" "...no Date: -> empty"
cp "$SANDBOX/i0" "$A/0/index"
n=$(($(cut -d: -f1 "$L/num") + 1))
for d in "Thu, 1 Jan 98 00:00:00 GMT" "garbage date" "31 Dec 1999 23:59" "7 Feb 069 1:02:03 -0500 (EST)"; do
    printf 'From: x@x.example\nDate: %s\nSubject: d\n\nbody\n' "$d" | raw
done
is "$(idx -d)" 0 "-d on more dates: exit 0"
is "$(sed -n '/^105: /{n;p;}' "$A/1/index" | cut -d';' -f1)" "	1 Jan 1998 00:00:00 GMT" "...98 is 1998"
is "$(sed -n '/^106: /{n;p;}' "$A/1/index" | cut -d';' -f1)" "	garbage date" "...an unparsable date kept as it is"
is "$(sed -n '/^107: /{n;p;}' "$A/1/index" | cut -d';' -f1)" "	31 Dec 1999 23:59:00" "...no seconds, no zone"
is "$(sed -n '/^108: /{n;p;}' "$A/1/index" | cut -d';' -f1)" "	7 Feb 1969 01:02:03 -0500" "...a three-digit year, the comment dropped"
is "$(idx -D -f 100)" 0 "-D: back to Received:"
is "$(sed -n '/^105: /{n;p;}' "$A/1/index" | cut -d';' -f1)" "	" "...no Received: -> empty"
is "$(idx -v)" 0 "-v: version"

done_testing
