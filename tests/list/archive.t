#!/bin/sh
# ezmlm-archive on a list made with ezmlm-make -i (threaded) whose posts go
# through ezmlm-send: threads/YYYYMM, subjects/XX/..., authors/XX/...
# contents byte for byte, a reply threads with its original, months from
# the index dates, archnum; an incremental run appends, a rerun changes
# nothing, -c rebuilds, -f/-t ranges; lists that are not threaded, not
# indexed or empty are left alone; damaged index lines, missing sections,
# damaged thread and subject files; hostile input: huge numbers, subjects
# with NUL, 8-bit and RFC 2047 junk, a 10,000-character subject.
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
list_make -i "$L" "$SANDBOX_HOME/.qmail-list" list "$D" || BAIL_OUT "ezmlm-make -i"
like "$(cat "$L/editor")" "ezmlm-send '$L'
.*ezmlm-archive '$L' \\|\\| exit 0" "ezmlm-make -i: the editor runs ezmlm-archive after ezmlm-send"

post() { # FROM SUBJECT DATE
    printf 'Received: from x by y; %s\nFrom: %s\nTo: list@sandbox.example\nSubject: %s\n\nbody\n' \
        "$3" "$1" "$2" | SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null
}
arch() { ezmlm-archive "$@" "$L" 2>"$SANDBOX/err"; echo $?; }
sh_of() { sed -n "s/^$1: \\([a-z]*\\) .*/\\1/p" "$A/$(($1 / 100))/index"; }   # subject hash of N
ah_of() { sed -n "/^$1: /{n;s/^.*;\\([a-z]*\\) .*/\\1/p;}" "$A/$(($1 / 100))/index"; }
sfile() { h=$(sh_of "$1"); cat "$A/subjects/$(echo "$h" | cut -c1-2)/$(echo "$h" | cut -c3-)"; }
afile() { h=$(ah_of "$1"); cat "$A/authors/$(echo "$h" | cut -c1-2)/$(echo "$h" | cut -c3-)"; }

is "$(arch)" 0 "no message yet: exit 0"
ok_run "...and nothing written" test ! -d "$A/threads"

post "Bob <bob@b.example>" "first topic" "20 Nov 2026 10:00:00 -0000"
post "Carol <carol-ext@c.example>" "Another topic" "20 Nov 2026 11:00:00 -0000"
post "Bob <bob@b.example>" "Re: Another topic" "21 Nov 2026 09:00:00 -0000"
post "Dave <dave@d.example>" "AW: Another topic" "1 Dec 2026 09:00:00 -0000"
is "$(cat "$L/num")" "4:0" "four posts archived"
S1=$(sh_of 1) S2=$(sh_of 2) B=$(ah_of 1) C=$(ah_of 2) DV=$(ah_of 4)
is "$S2" nofaplmgemjdgfchfmig "the subject hash of \"Another topic\" (reference example)"
is "$(sh_of 3)" "$S2" "...the reply has the hash of its original"
is "$(ah_of 3)" "$B" "...the same author, the same author hash"

is "$(arch)" 0 "ezmlm-archive: exit 0"
is "$(cat "$SANDBOX/err")" "" "...quietly"
is "$(cat "$A/threads/202611")" "1:$S1 [1] first topic
2:$S2 [2] Another topic" "threads/202611: one line per thread, first message and count in the month"
is "$(cat "$A/threads/202612")" "4:$S2 [1] Another topic" "threads/202612: the thread again, counted in its own month"
is "$(sfile 2)" "$S2 Another topic
2:202611:$C Carol
3:202611:$B Bob
4:202612:$DV Dave" "subjects/XX/...: the hash and subject, then N:YYYYMM:AUTHHASH AUTHOR"
is "$(sfile 1)" "$S1 first topic
1:202611:$B Bob" "...the other subject"
is "$(afile 1)" "$B Bob
1:202611:$S1 first topic
3:202611:$S2 Re: Another topic" "authors/XX/...: the hash and name, then N:YYYYMM:SUBJHASH SUBJECT"
is "$(afile 2)" "$C Carol
2:202611:$S2 Another topic" "...the second author"
is "$(cat "$L/archnum")" 4 "archnum: the last message filed"
is "$(find "$A/threads" "$A/subjects" "$A/authors" -type f | wc -l | tr -d ' ')" 7 "no other files (2 months, 2 subjects, 3 authors)"
is "$(find "$A" -name '*.tmp*' | wc -l | tr -d ' ')" 0 "no temporary file left"

# ---- incremental runs -----------------------------------------------------------------
cp -R "$A" "$SANDBOX/before"
is "$(arch)" 0 "nothing new: exit 0"
ok_run "...nothing changed" diff -r "$SANDBOX/before" "$A"
post "Carol <carol-ext@c.example>" "Re: first topic" "2 Dec 2026 08:00:00 -0000"
post "Eve <eve@e.example>" "new in december" "3 Dec 2026 08:00:00 -0000"
is "$(arch)" 0 "two more posts: exit 0"
S6=$(sh_of 6) EV=$(ah_of 6)
is "$(cat "$A/threads/202612")" "4:$S2 [1] Another topic
5:$S1 [1] first topic
6:$S6 [1] new in december" "threads/202612: new threads appended"
is "$(cat "$A/threads/202611")" "1:$S1 [1] first topic
2:$S2 [2] Another topic" "...threads/202611 untouched"
is "$(sfile 1)" "$S1 first topic
1:202611:$B Bob
5:202612:$C Carol" "...the reply appended to its subject file"
is "$(afile 2)" "$C Carol
2:202611:$S2 Another topic
5:202612:$S1 Re: first topic" "...and to its author's file"
is "$(cat "$L/archnum")" 6 "...archnum 6"
post "Bob <bob@b.example>" "Re: Another topic" "4 Dec 2026 08:00:00 -0000"
is "$(arch)" 0 "another reply"
is "$(cat "$A/threads/202612")" "5:$S1 [1] first topic
6:$S6 [1] new in december
4:$S2 [2] Another topic" "...its thread's line moves to the end with the new count"
cp -R "$A" "$SANDBOX/inc"
is "$(arch -c)" 0 "-c: rebuilt from the first message"
ok_run "...the same subject files" diff -r "$SANDBOX/inc/subjects" "$A/subjects"
ok_run "...the same author files" diff -r "$SANDBOX/inc/authors" "$A/authors"
is "$(cat "$A/threads/202612")" "4:$S2 [2] Another topic
5:$S1 [1] first topic
6:$S6 [1] new in december" "...threads in the order of their first message"
is "$(arch -f 5)" 0 "-f 5: the section again (from message 0)"
ok_run "...no line twice" diff -r "$SANDBOX/inc/subjects" "$A/subjects"
is "$(cat "$A/threads/202611")" "1:$S1 [1] first topic
2:$S2 [2] Another topic" "...no count twice"
rm -rf "$A/threads" "$A/subjects" "$A/authors"
is "$(arch -c -t 2)" 0 "-c -t 2: only messages 1 and 2"
is "$(cat "$A/threads/202611")" "1:$S1 [1] first topic
2:$S2 [1] Another topic" "...threads"
is "$(cat "$L/archnum")" 2 "...archnum 2"
ok_run "...no December yet" test ! -f "$A/threads/202612"
is "$(arch -s)" 0 "-s: the rest, synced"
is "$(cat "$A/threads/202612")" "4:$S2 [2] Another topic
5:$S1 [1] first topic
6:$S6 [1] new in december" "...the December threads"
is "$(arch -t 99999999999999999999999999)" 0 "-t with a huge number: clamped to num"
is "$(arch -f 99999999999999999999999999)" 0 "-f with a huge number: nothing to do"
is "$(cat "$L/archnum")" 7 "...archnum unchanged"
is "$(arch -f 12x)" 100 "-f 12x: usage (100)"
is "$(arch -x)" 100 "an unknown option: usage (100)"
is "$(ezmlm-archive 2>/dev/null; echo $?)" 100 "no DIR: usage (100)"
is "$(arch -v)" 0 "-v: version"

# ---- damaged input --------------------------------------------------------------------
cp "$A/0/index" "$SANDBOX/index.good"
{ printf 'garbage line\n8: toolong Re: x\n\tno semicolon\n'; cat "$SANDBOX/index.good"; printf '9x: %s\n' "$S1"; } >"$A/0/index"
printf 'not a thread line\n' >>"$A/threads/202612"
printf 'no hash here\n1:2\n' >"$SANDBOX/junk"
h=$S6; cat "$SANDBOX/junk" >"$A/subjects/$(echo "$h" | cut -c1-2)/$(echo "$h" | cut -c3-)"
is "$(arch -c)" 0 "damaged index lines, thread lines and a subject file: exit 0"
is "$(cat "$A/threads/202612")" "4:$S2 [2] Another topic
5:$S1 [1] first topic
6:$S6 [1] new in december" "...damaged lines dropped, the rest as before"
is "$(sfile 6)" "$S6 new in december
6:202612:$EV Eve" "...the damaged subject file rewritten"
like "$(cat "$SANDBOX/err")" "illegal format" "...with a warning for the thread file"
cp "$SANDBOX/index.good" "$A/0/index"

# a missing section: messages 100.. without index
mkdir -p "$A/1"
printf '%s\n' "150:0" >"$L/num"
is "$(arch)" 0 "num beyond the archive, section 1 has no index: exit 0"
is "$(cat "$L/archnum")" 150 "...archnum moves on"
printf '7:0\n' >"$L/num"
printf '7\n' >"$L/archnum"

# ---- hostile subjects -----------------------------------------------------------------
long=$(printf '%10000s' '' | tr ' ' 'x')
post "Mallory <m@m.example>" "$long" "5 Dec 2026 08:00:00 -0000"
printf 'Received: from x by y; 5 Dec 2026 09:00:00 -0000\nFrom: =?utf-8?B?w6k=?= <e@e.example>\nSubject: a\001b \351t\351 =?bogus?Q?=ZZ?= =?utf-8?B?????=\n\nbody\n' |
    SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null
printf 'Received: from x by y; 5 Dec 2026 10:00:00 -0000\nFrom: nul@n.example\nSubject: before\000after\n\nbody\n' |
    SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null
is "$(cat "$L/num")" "10:0" "three hostile posts archived"
is "$(arch)" 0 "ezmlm-archive on them: exit 0"
is "$(sfile 8 | head -n 1 | wc -c | tr -d ' ')" 10022 "...the 10,000-character subject kept whole"
is "$(sed -n 2p "$A/threads/202612" | wc -l | tr -d ' ')" 1 "...thread lines are single lines"
is "$(grep -c . "$A/threads/202612")" 6 "...one line per thread (3 old, 3 new)"
is "$(cat "$A/threads/"* | grep -vc '^[0-9]*:[a-z]\{20\} \[[0-9]*\] ')" 0 "...every thread line well formed"
ok_run "...the RFC 2047 author filed" test -f "$A/authors/$(ah_of 9 | cut -c1-2)/$(ah_of 9 | cut -c3-)"

# ---- lists that are not threaded, not indexed -------------------------------------------
rm "$L/threaded"
rm -rf "$A/threads"
is "$(arch -c)" 0 "not threaded: exit 0"
ok_run "...nothing written" test ! -d "$A/threads"
touch "$L/threaded"
rm "$L/indexed"
is "$(arch -c)" 0 "not indexed: exit 0"
ok_run "...nothing written" test ! -d "$A/threads"
is "$(cat "$SANDBOX/err")" "" "...quietly"
touch "$L/indexed"
chmod 0 "$A/0/index"
if [ "$(id -u)" != 0 ]; then
    is "$(arch -c)" 111 "an unreadable index: 111"
else
    skip "root reads anything" 1
fi
chmod 644 "$A/0/index"

done_testing
