#!/bin/sh
# ezmlm-get's requests through the manager: get.N_M (the range, MAXGET 100,
# clamping, the formats), "get" and "digest" without numbers, index.N_M
# (hashes and times left out, TXT_NOINDEX for a missing section), thread.N;
# the access rules (public, -p/-P, subgetonly/-s/-S, moderators of a remote
# list); refusals (bounces, Mailing-List, no archive, no index); hostile
# input: huge and negative numbers, missing and incomplete archive files, a
# damaged index.
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
list_make -d "$L" "$SANDBOX_HOME/.qmail-list" list "$D" || BAIL_OUT "ezmlm-make -d"

last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
lastenv() { qqrec_env "$(last)"; }
post() { # SUBJECT BODY
    printf 'From: Bob <bob@b.example>\nTo: list@sandbox.example\nSubject: %s\nX-Junk: kept by v\n\n%s\n' \
        "$1" "$2" | SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null
}
req() { # DEFAULT [options]: prints the exit code
    d=$1; shift
    LOCAL=list-$d DEFAULT=$d SENDER=${S-carol@c.example} ezmlm-get "$@" "$L" <"$SANDBOX/${REQ:-req}" \
        2>"$SANDBOX/err"
    echo $?
}
parts() { lastmsg | sed -n 's/^Content-Disposition: inline; filename="list_\([0-9]*\)\.eml"$/\1/p' | tr '\n' ' '; }
printf 'From: Carol <carol@c.example>\nTo: list-get@sandbox.example\nSubject: please\n\n' >req

post "alpha" "body 1"; post "beta" "body 2"; post "Re: alpha" "body 3"; post "gamma" "body 4"; post "delta" "body 5"
is "$(cat "$L/num")" "5:0" "five posts archived"

# ---- get --------------------------------------------------------------------------
qqrec_reset
is "$(req get.2_4)" 99 "get.2_4: 99"
like "$(cat err)" 'ezmlm-get: info: qp' "...qp"
is "$(lastenv)" "$(printf 'Flist-return-@sandbox.example\nTcarol@c.example\n')" "...to the sender from LIST-return-@HOST"
m=$(lastmsg)
like "$m" '
Subject: list Digest of: get\.2_4
' "...Subject SUB_DIGEST_OF"
like "$m" 'From: list-help@sandbox\.example' "...From LIST-help@HOST"
like "$m" 'Delivered-To: responder for list@sandbox\.example' "...Delivered-To: responder"
like "$m" 'Content-Type: multipart/digest' "...multipart/digest"
like "$m" 'Topics \(messages 2 through 4\):' "...topics"
like "$m" 'Return-Path: <carol@c\.example>
From: Carol <carol@c\.example>' "...a copy of the request"
is "$(parts)" "2 3 4 " "...messages 2, 3, 4"
unlike "$m" 'X-Junk' "...only the digheaders"
is "$(req GET.3)" 99 "GET.3 (case ignored)"
is "$(parts)" "3 " "...message 3 alone"
is "$(req get.4_2)" 99 "get.4_2"
is "$(parts)" "2 3 4 " "...the same as get.2_4"
is "$(req get-2-3)" 99 "get-2-3: any non-digit separates"
is "$(parts)" "2 3 " "...2 and 3"
is "$(req get.3_500)" 99 "get.3_500"
is "$(parts)" "3 4 5 " "...clamped to the last message"
is "$(req get.-1)" 99 "get.-1"
is "$(parts)" "1 " "...message 1"
is "$(req get)" 99 "get without numbers (no digest yet)"
is "$(parts)" "1 3 2 4 5 " "...the last 30, grouped by thread"
is "$(req digest)" 99 "digest (messages since the last digest)"
is "$(parts)" "1 3 2 4 5 " "...all five"
printf '3:0:%s\n' "$(date +%s)" >"$L/dignum"
is "$(req get)" 99 "get with dignum 3"
is "$(parts)" "3 4 5 " "...from the last digested message on"
rm "$L/dignum"
is "$(req getv.1)" 99 "getv.1: format v"
like "$(lastmsg)" 'X-Junk: kept by v' "...keeps every field"
is "$(req getx.1)" 99 "getx.1"
like "$(lastmsg)" 'Content-Type: multipart/mixed' "...multipart/mixed"
is "$(req getn.1_5)" 99 "getn.1_5"
is "$(parts)" "1 2 3 4 5 " "...numeric order"
is "$(req getq.1)" 99 "an unknown format letter: the default"
like "$(lastmsg)" 'multipart/digest' "...multipart/digest"
is "$(req getaway)" 0 "getaway is not a request of ours: 0"
is "$(req indexes)" 0 "...nor indexes"

# ---- hostile numbers and archives ---------------------------------------------------
is "$(req get.999999999999999999999)" 99 "get.999999999999999999999: 99"
like "$(lastmsg)" 'Subject: list Digest of: get\.999999999999999999999' "...answered"
like "$(lastmsg)" "$(sed -n 2p "$EZMLM_ETC/en_US/text/get-bad" | sed 's/[.[*^$()]/\\&/g')" "...with text/get-bad"
is "$(parts)" "" "...and no message"
is "$(req get.0)" 99 "get.0: get-bad"
is "$(req get.99999999999999999999999_1)" 99 "get.HUGE_1"
is "$(parts)" "1 3 2 4 5 " "...the two numbers swapped, the range clamped"
is "$(req get.1_99999999999999999999999)" 99 "get.1_HUGE"
is "$(parts)" "1 3 2 4 5 " "...clamped"
is "$(req "get.$(printf '9%.0s' $(seq 1 3000))")" 99 "3000 digits"
rm "$L/archive/0/03"
chmod 644 "$L/archive/0/04"
is "$(req get.2_5)" 99 "get.2_5 with 03 missing and 04 incomplete"
is "$(parts)" "2 5 " "...only 2 and 5"
is "$(req get.3_4)" 99 "get.3_4: nothing there"
like "$(lastmsg)" "$(sed -n 2p "$EZMLM_ETC/en_US/text/get-bad" | sed 's/[.[*^$()]/\\&/g')" "...get-bad"
chmod 744 "$L/archive/0/04"

# 150 messages: MAXGET
i=6
while [ $i -le 150 ]; do
    mkdir -p "$L/archive/$((i / 100))"
    printf 'Return-Path: <bob@b.example>\nFrom: bob@b.example\nSubject: filler %d\n\nfiller\n' $i \
        >"$L/archive/$((i / 100))/$(printf %02d $((i % 100)))"
    chmod 744 "$L/archive/$((i / 100))/$(printf %02d $((i % 100)))"
    i=$((i + 1))
done
echo 150:0 >"$L/num"
is "$(req get.1_150)" 99 "get.1_150"
is "$(parts | wc -w | tr -d ' ')" 99 "...at most 100 messages (99: 03 is gone)"
like "$(parts)" ' 100 $' "...1 to 100"
is "$(req get.200_210)" 99 "get.200_210 beyond the last message"
is "$(parts | wc -w | tr -d ' ')" 99 "...from 1 (no digest yet) through 100 (MAXGET; 03 is gone)"
printf '140:0:0\n' >"$L/dignum"
is "$(req get.200_210)" 99 "...with dignum 140"
like "$(parts)" '^110 .* 150 $' "...the 30 before the last digest through the end"
rm "$L/dignum"
is "$(req get)" 99 "get: the last 30"
is "$(parts | wc -w | tr -d ' ')" 30 "...30 messages"
like "$(lastmsg)" 'filler 121' "...from 121"
is "$(req thread.5)" 99 "thread.5 among fillers without an index line"
is "$(parts)" "5 " "...only 5 (delta)"

# ---- thread ---------------------------------------------------------------------------
is "$(req thread.1)" 99 "thread.1"
is "$(parts)" "1 " "...alpha (3, Re: alpha, was removed)"
post "Re: alpha" "body 151"
is "$(req thread.151)" 99 "thread.151"
is "$(parts)" "1 151 " "...alpha and its reply"
like "$(lastmsg)" 'Subject: list Digest of: thread\.151' "...Subject"
is "$(req thread.9999)" 99 "thread.9999: get-bad"
is "$(parts)" "" "...no message"
is "$(req thread)" 99 "thread without a number: get-bad"

# ---- index ----------------------------------------------------------------------------
is "$(req index)" 99 "index: 99"
m=$(lastmsg)
like "$m" 'Subject: list Result of: index' "...Subject SUB_RESULT_OF"
like "$m" 'Content-Type: text/plain' "...plain text"
like "$m" '
1: alpha
	Bob
2: beta
' "...entries without hashes"
like "$m" '151: Re: alpha
' "...section 1 too (its index is rebuilt for 151)"
unlike "$m" '[a-p]{20}' "...no hash anywhere"
printf 'garbage line\n7 short\n150: abcdefghijabcdefghij filler 150\n\t20 Nov 2026 10:00:00 -0000;abcdefghijabcdefghij Bob\n' \
    >>"$L/archive/1/index"
is "$(req index.100_199)" 99 "index.100_199 with damaged lines"
m=$(lastmsg)
like "$m" '150: filler 150
	20 Nov 2026 Bob' "...a good line shown, the date without the time"
unlike "$m" 'garbage|short' "...damaged lines skipped"
rm "$L/archive/0/index"
is "$(req index.5)" 99 "index.5 without archive/0/index"
like "$(lastmsg)" '1: <- no subject index for these messages ->' "...TXT_NOINDEX"
is "$(req index.99999999999999999999999)" 99 "index.HUGE: clamped"
rm "$L/indexed"
is "$(req index)" 100 "a list without DIR/indexed: index is 100"
like "$(cat err)" 'no index' "...no index"
touch "$L/indexed"

# ---- access --------------------------------------------------------------------------
is "$(S= req get.1)" 100 "a bounce: 100"
is "$(S=nohost req get.1)" 100 "a sender without a host: 100"
printf 'From: x@y.example\nMailing-List: some list\n\n' >mlreq
is "$(REQ=mlreq req get.1)" 100 "a request with Mailing-List: 100"
is "$(req get.1 -P)" 100 "-P (not public): 100"
like "$(cat err)" 'does not take requests' "...ERR_NOT_PUBLIC"
rm "$L/public"
is "$(req get.1)" 100 "a list that is not public: 100"
is "$(req get.1 -p)" 99 "...-p: answered"
touch "$L/remote"
ezmlm-sub "$L" mod mod@m.example
is "$(S=mod@m.example req get.1)" 99 "...a moderator of a remote list: answered"
is "$(req get.1)" 100 "...others: 100"
rm "$L/remote"
touch "$L/public" "$L/modgetonly"
is "$(req get.1)" 100 "public with modgetonly: 100"
rm "$L/modgetonly"
is "$(req get.1 -s)" 100 "-s, not a subscriber: 100"
like "$(cat err)" 'only subscribers' "...ERR_SUBSCRIBER_CAN"
ezmlm-sub "$L" digest carol@c.example
is "$(req get.1 -s)" 99 "-s, a digest subscriber: 99"
touch "$L/subgetonly"
is "$(S=dave@d.example req get.1)" 100 "DIR/subgetonly: 100 for others"
is "$(S=dave@d.example req get.1 -S)" 99 "...-S overrides it"
ezmlm-sub "$L" allow dave@d.example
is "$(S=dave@d.example req get.1)" 99 "...an allow-listed sender: 99"
rm "$L/subgetonly" "$L/archived"
is "$(req get.1)" 100 "a list without DIR/archived: 100"
like "$(cat err)" 'no archive' "...keeps no archive"
done_testing
