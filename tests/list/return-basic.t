#!/bin/sh
# ezmlm-return: VERP distribution bounces and their bookkeeping file by
# file, bounces without VERP (qmail's QSBMF, and anything else), warning
# and probe bounces with good, forged and expired cookies, the digest
# list, hostile addresses and a huge bounce.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
cd "$SANDBOX" || exit 1
H=$SUITE_BUILD/tests/helpers
list_make "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN" || BAIL_OUT "ezmlm-make"
L=$SANDBOX/L
ezmlm-sub "$L" alice@a.example bob@b.org '9user@x.org' 'a b%c_D@X.example' || BAIL_OUT "ezmlm-sub"
SENDER=MAILER-DAEMON@mx.example
export SENDER
ret() { # DEFAULT [options]
    d=$1; shift
    DEFAULT=$d ezmlm-return "$@" "$L" 2>"$SANDBOX/err"
    echo $?
}
dfiles() { find "$L/bounce/d" -type f 2>/dev/null | sort; }
printf 'From: MAILER-DAEMON@mx.example\nSubject: failure notice\n\nbob@b.org: no such user\n' >b1

is "$(ret 5-bob=b.org <b1)" 99 "a VERP bounce of message 5 for bob@b.org: 99"
is "$(cat "$L/bounce/h/k/hodnhhfilcdapnmdjlco")" "   5" \
    "bounce/h/k/hodnhhfilcdapnmdjlco (ezmlm's hash of the address) lists message 5"
is "$(dfiles | wc -l | tr -d ' ')" 1 "one d file keeps the bounce"
f=$(dfiles)
case $f in "$L"/bounce/d/[0-9]*/d[0-9]*.[0-9]*) pass "...named bounce/d/D/dF.P" ;; *) fail "...named bounce/d/D/dF.P: $f" ;; esac
d=$(basename "$(dirname "$f")")
now=$(date +%s)
[ "$d" -ge $(( now / 10000 - 1 )) ] && [ "$d" -le $(( now / 10000 )) ]; ok $? "...D is the time / 10000"
{ printf 'bob@b.org\0Return-Path: <MAILER-DAEMON@mx.example>\n'; cat b1; } >want
cmp -s "$f" want; ok $? "...holding the address, a NUL, the Return-Path and the bounce"
is "$(ret 6-bob=b.org <b1)" 99 "a second bounce (message 6)"
is "$(cat "$L/bounce/h/k/hodnhhfilcdapnmdjlco")" "   5
   6" "...adds its number"
is "$(dfiles | wc -l | tr -d ' ')" 1 "...but no second d file"
is "$(ret 7-stranger=x.example <b1)" 99 "a bounce for a non-subscriber: 99"
is "$(dfiles | wc -l | tr -d ' ')" 1 "...recorded nowhere"
is "$(ret 7-9user=x.org <b1)" 99 "an address starting with digits (ezmlm 7.2 took them for a sublist number)"
grep -rl '^   7$' "$L/bounce/h" >/dev/null; ok $? "...recorded for 9user@x.org itself"
is "$(ret '8-a b%c_D=X.example' <b1)" 99 "a subscriber with a space, %, _ and upper case"
is "$(dfiles | wc -l | tr -d ' ')" 3 "...recorded"
is "$(ret 9-ALICE=A.EXAMPLE <b1)" 99 "the case of the VERP address does not matter"
is "$(dfiles | wc -l | tr -d ' ')" 4 "...alice is recorded"

# trash and bad addresses
is "$(ret '' <b1)" 99 "LIST-return-@HOST (the reply address): thrown away, 99"
like "$(cat err)" 'info: trash address' "...with an info line"
is "$(ret 'nonsense' <b1)" 100 "an address of no known form: 100"
like "$(cat err)" 'bounce or receipt address.*\(#5\.1\.1\)' "...a clear message"
is "$(ret '12' <b1)" 100 "a number without '-': 100"
is "$(ret 'receipt-x' <b1)" 99 "SQL sublist receipts are not kept: 99"
is "$(DEFAULT=5-bob=b.org; export DEFAULT; unset SENDER; ezmlm-return "$L" <b1 2>/dev/null; echo $?)" 100 "SENDER unset: 100"
is "$(unset DEFAULT; ezmlm-return "$L" <b1 2>/dev/null; echo $?)" 100 "DEFAULT unset: 100"

# without VERP
rm -rf "$L/bounce"
cat >qsbmf <<'EOM'
From: MAILER-DAEMON@mx.example
Subject: failure notice

Hi. This is the qmail-send program at mx.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<alice@a.example>:
Sorry, no mailbox here by that name.

<stranger@x.example>:
Sorry.

<bob@b.org>:
Mailbox full.

--- Below this line is a copy of the message.

Return-Path: <list-return-12-@sandbox.example>
EOM
is "$(ret 12- <qsbmf)" 99 "a qmail bounce without VERP (QSBMF): 99"
is "$(dfiles | wc -l | tr -d ' ')" 2 "...one d file per subscriber named in it"
ls "$L"/bounce/d/*/ | grep -q '\.1$'; ok $? "...the second with the suffix .1"
is "$(cat "$L/bounce/h/k/hodnhhfilcdapnmdjlco")" "   12" "...message 12 recorded for bob@b.org"
grep -q 'Mailbox full' "$(grep -l 'bob@b.org' $(dfiles))"; ok $? "...his d file has his paragraph"
rm -rf "$L/bounce"
printf 'From: postmaster@x.example\nSubject: Undeliverable\n\nYour message could not be delivered to alice@a.example.\n' >novrp
is "$(ret 12- <novrp)" 99 "a bounce with no VERP and no known format: thrown away, 99"
like "$(cat err)" 'trash' "...saying so"
is "$(dfiles | wc -l | tr -d ' ')" 0 "...nothing recorded"
printf 'Subject: x\n' | DEFAULT=12- ezmlm-return "$L" 2>/dev/null; is $? 99 "a header-only bounce without VERP: 99"

# warnings and probes
t=$(date +%s)
c=$($H/lcookie "$L/key" "" "$t" bob@b.org W)
is "$(ret "warn-$t.$c-bob=b.org" <b1)" 99 "a bounced warning with a good cookie: 99"
w=$(find "$L/bounce/d" -name 'w*')
[ -n "$w" ]; ok $? "...recorded as a w file (a probe follows)"
{ printf 'bob@b.org\0Return-Path: <MAILER-DAEMON@mx.example>\n'; cat b1; } >want
cmp -s "$w" want; ok $? "...with the address and the bounce"
rm -rf "$L/bounce"
bad=$($H/lcookie "$L/key" "" "$t" bob@b.org P)
is "$(ret "warn-$t.$bad-bob=b.org" <b1)" 99 "a warning bounce with a forged cookie (the probe's): trashed"
is "$(find "$L/bounce" -name 'w*' 2>/dev/null | wc -l | tr -d ' ')" 0 "...nothing recorded"
old=$((t - 3000100))
oc=$($H/lcookie "$L/key" "" "$old" bob@b.org W)
is "$(ret "warn-$old.$oc-bob=b.org" <b1)" 99 "an expired warning cookie (> 3,000,000 s): trashed"
like "$(cat err)" 'expired' "...saying so"
fut=$((t + 100000))
fc=$($H/lcookie "$L/key" "" "$fut" bob@b.org W)
is "$(ret "warn-$fut.$fc-bob=b.org" <b1)" 99 "a cookie from the future: trashed"

pc=$($H/lcookie "$L/key" "" "$t" bob@b.org P)
is "$(ret "probe-$t.$bad$bad-bob=b.org" <b1)" 99 "a probe bounce with a garbage cookie: trashed"
ezmlm-issubn "$L" </dev/null; SENDER=bob@b.org ezmlm-issubn "$L"; ok $? "...bob is still subscribed"
is "$(ret "probe-$t.$c-bob=b.org" <b1)" 99 "a probe bounce with the warning's cookie: trashed"
SENDER=bob@b.org ezmlm-issubn "$L"; ok $? "...bob is still subscribed"
is "$(ret "probe-$t.$pc-bob=b.org" <b1)" 99 "a probe bounce with a good cookie: 99"
SENDER=bob@b.org ezmlm-issubn "$L"; is $? 99 "...bob is unsubscribed"
like "$(tail -1 "$L/Log")" '^[0-9]+ -probe bob@b\.org$' "...Log event -probe"

# a short-form cookie (the address would make the local part too long)
long="a-very-long-local-part-of-a-subscriber-address@a-long-domain.example"
ezmlm-sub "$L" "$long"
lc=$($H/lcookie "$L/key" "" "$t" "$long" P)
mkdir -p "$L/cookies" && printf '%s' "$long" >"$L/cookies/$lc"
is "$(ret "probe-$t.$lc" <b1)" 99 "a short-form probe address (target kept in DIR/cookies)"
SENDER=$long ezmlm-issubn "$L"; is $? 99 "...unsubscribes the recorded address"
is "$(ret "probe-$t.abcdefghijabcdefghij" <b1)" 99 "a short form with an unknown cookie: trashed"

# the digest list
ezmlm-sub "$L" digest dig@d.example
is "$(ret 3-dig=d.example -d <b1)" 99 "-d: a digest bounce"
[ -n "$(find "$L/digest/bounce/d" -type f)" ]; ok $? "...recorded in digest/bounce"
is "$(ret 3-bob=b.org -d <b1)" 99 "-d: a main-list address is no digest subscriber"
dc=$($H/lcookie "$L/key" digest "$t" dig@d.example P)
is "$(ret "probe-$t.$dc-dig=d.example" -d <b1)" 99 "a digest probe (its cookie names the digest)"
is "$(ezmlm-list -n "$L" digest)" 0 "...removes from the digest list"

# a huge bounce
awk 'BEGIN { print "Subject: big"; print ""; for (i = 0; i < 200000; i++) print "0123456789012345678901234567890123456789012345678" }' >big
rm -rf "$L/bounce"
is "$(ret 20-alice=a.example <big)" 99 "a 10 MB bounce: 99"
s=$(wc -c <"$(dfiles)")
[ "$s" -le 300000 ]; ok $? "...only its beginning is kept ($s bytes)"
done_testing
