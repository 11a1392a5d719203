#!/bin/sh
# ezmlm-sub, ezmlm-unsub, ezmlm-list, ezmlm-issubn, ezmlm-checksub: options,
# exit codes, messages, and hostile addresses.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
sandbox_create
list_etc_setup
cd "$SANDBOX" || exit 1
H=$SUITE_BUILD/tests/helpers

list_make "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN"; ok $? "ezmlm-make a list"
L=$SANDBOX/L
count() { ezmlm-list -n "$L" "$@"; }

# ---- usage and versions ------------------------------------------------------
for p in ezmlm-sub ezmlm-unsub ezmlm-list; do
    $p 2>err; is $? 100 "$p without arguments: 100"
    like "$(cat err)" "^$p: usage: " "...with a usage line"
    $p -Q "$L" 2>/dev/null; is $? 100 "$p with an unknown option: 100"
    $p -V "$L" 2>err; is $? 0 "$p -V DIR: 0"
    is "$(cat err)" "ezmlm version: ezmlm-idx-7.2.2" "...prints the version"
    $p -V 2>/dev/null; is $? 100 "$p -V without DIR: usage, 100"
done
ezmlm-sub "$SANDBOX/nolist" a@x.org 2>err; is $? 111 "a missing list directory: 111"
like "$(cat err)" '^ezmlm-sub: fatal: unable to switch to .*/nolist' "...saying so"

# ---- subscribing and unsubscribing --------------------------------------------------
ezmlm-sub "$L" a@x.org b@x.org; ok $? "two addresses as arguments"
is "$(count)" 2 "both subscribed"
ezmlm-sub -n "$L" c@x.org "Carol X" d@x.org; ok $? "-n: address and name pairs, the last name may be missing"
like "$(grep c@x.org "$L/Log")" '\+manual c@x\.org Carol X$' "...the name goes to the Log"
like "$(grep d@x.org "$L/Log")" '\+manual d@x\.org$' "...none for the last"
printf '# a comment\n\ne@x.org\r\nf@x.org\ng@x.org' | ezmlm-sub "$L"
ok $? "addresses on stdin: comments, empty lines and CR skipped, last line without newline"
is "$(count)" 7 "...all three subscribed"
printf 'h\\ i@x.org Henry I\nj@x.org,Jay\n' | ezmlm-sub -n "$L"; ok $? "stdin with -n"
SENDER='h\ i@x.org' ezmlm-issubn "$L"; is $? 0 "...the address ends at the first unescaped blank (backslash kept)"
like "$(grep 'j@x.org' "$L/Log")" 'j@x\.org Jay$' "...or comma; the rest is the name"
ezmlm-unsub "$L" a@x.org zz@x.org; ok $? "ezmlm-unsub: a subscriber and a stranger, exit 0"
is "$(count)" 8 "...one removed"
ezmlm-sub "$L" digest k@x.org; ok $? "sub-database as second argument"
is "$(count digest)" 1 "...subscribed there"
is "$(count)" 8 "...not in the main list"
ezmlm-unsub "$L" digest k@x.org; is "$(count digest)" 0 "ezmlm-unsub DIR digest"
ezmlm-sub -t mod "$L" mod m@x.org
like "$(cat "$L/mod/Log")" '\+mod m@x\.org$' "-t sets the Log event"

# ---- hostile addresses ----------------------------------------------------------------
list_clear "$L"
addr='"quoted local"@x.org'
ezmlm-sub "$L" "$addr"; ok $? "an address with quotes is taken as it is"
SENDER=$addr ezmlm-issubn "$L"; is $? 0 "...and found"
is "$(ezmlm-list "$L")" "$addr" "...and listed unchanged"
ezmlm-sub "$L" 'a%b@x.org'; ok $? "an address with %"
SENDER='aZb@x.org' ezmlm-issubn "$L"; is $? 99 "...% is no wildcard"
SENDER='a%b@x.org' ezmlm-issubn "$L"; is $? 0 "...the address itself matches"
ezmlm-sub "$L" 'a_b@x.org'; ok $? "an address with _"
SENDER='aZb@x.org' ezmlm-issubn "$L"; is $? 99 "..._ is no wildcard"
ezmlm-sub "$L" 'UPPER@X.ORG'; ok $? "an upper-case address"
is "$(ezmlm-list "$L" | grep -i upper)" "UPPER@x.org" "...stored with the domain lowercased"
SENDER=upper@x.org ezmlm-issubn "$L"; is $? 0 "...and found ignoring case"
ezmlm-unsub "$L" Upper@X.Org; SENDER=UPPER@x.org ezmlm-issubn "$L"; is $? 99 "...and removed ignoring case"
meta='a;b|c&d`touch '$SANDBOX'/pwned`$(touch '$SANDBOX'/pwned2)<e>*?@x.org'
ezmlm-sub "$L" "$meta"; ok $? "shell metacharacters are plain bytes"
is "$(ezmlm-list "$L" | grep 'a;b')" "$meta" "...stored and listed verbatim"
test ! -e "$SANDBOX/pwned" && test ! -e "$SANDBOX/pwned2"; ok $? "...and nothing was run"
SENDER=$meta ezmlm-issubn "$L"; is $? 0 "...and found"
ezmlm-unsub "$L" "$meta"; SENDER=$meta ezmlm-issubn "$L"; is $? 99 "...and removed"

n=$(count)
long=$(printf '%0392d@x.org' 0)
is "${#long}" 398 "(a 398-byte address)"
l400=${long}ab
ezmlm-sub "$L" "$l400"; ok $? "a 400-byte address is accepted"
l401=${long}abc
ezmlm-sub "$L" "$l401" 2>err; is $? 100 "a 401-byte address: 100"
like "$(cat err)" '^ezmlm-sub: fatal: address is too long' "...address is too long"
huge=$(printf '%05000d@x.org' 0)
ezmlm-sub "$L" "$huge" 2>/dev/null; is $? 100 "a 5000-byte address: 100"
printf '%s\n' "$huge" | ezmlm-sub "$L" 2>/dev/null; is $? 100 "...on stdin too"
printf '%070000d@x.org\n' 0 | ezmlm-sub "$L" 2>/dev/null; is $? 100 "a 70000-byte line on stdin: 100"
SENDER=$l401 ezmlm-issubn "$L"; is $? 99 "ezmlm-issubn: an over-long SENDER is no subscriber"
is "$(count)" "$((n + 1))" "only the 400-byte address was added"

ezmlm-sub "$L" . noat 2>err; is $? 100 "an address without @: 100"
like "$(cat err)" '^ezmlm-sub: fatal: address does not contain @' "...says so"
echo noat | ezmlm-sub "$L" 2>/dev/null; is $? 100 "...on stdin too"
ezmlm-unsub "$L" . noat 2>/dev/null; is $? 100 "ezmlm-unsub: 100 too"
ezmlm-sub "$L" "$(printf 'a\nb@x.org')" 2>err; is $? 100 "an address with a newline: 100"
like "$(cat err)" "address contains a newline: a.b@x.org" "...shown with the newline as ?"
ezmlm-sub "$L" "$(printf 'a\rb@x.org')" 2>/dev/null; is $? 100 "an address with a carriage return: 100"
printf 'a\000b@x.org\n' | ezmlm-sub "$L" 2>/dev/null; is $? 100 "an address with a NUL on stdin: 100"
printf 'ok1@x.org\nbad\nok2@x.org\n' | ezmlm-sub "$L" 2>/dev/null; is $? 100 "a bad address among good ones: 100"
SENDER=ok1@x.org ezmlm-issubn "$L"; is $? 0 "...the ones before it are subscribed"
SENDER=ok2@x.org ezmlm-issubn "$L"; is $? 99 "...the ones after it are not (as in ezmlm)"
is "$(ls "$L/subscribers" | grep -c 'n$')" 0 "no temporary bucket files are left"
ls -l "$L/subscribers" | grep 'n$' | while read -r f; do diag "left: $f"; done

# ---- ezmlm-list ------------------------------------------------------------------------------
ezmlm-list "$L" >&- 2>err; is $? 111 "ezmlm-list with stdout closed: 111"
chmod 000 "$L/subscribers"
if [ "$(id -u)" = 0 ]; then
    skip "root reads unreadable directories" 1
elif [ "$(list_store)" != std ]; then
    skip "the store is not in files" 1
else
    ezmlm-list "$L" >/dev/null 2>&1; is $? 111 "an unreadable store: 111"
fi
chmod 700 "$L/subscribers"

# ---- ezmlm-issubn ------------------------------------------------------------------------------
list_clear "$L"
ezmlm-sub "$L" main@x.org
ezmlm-sub "$L" digest dig@x.org
ezmlm-sub "$L" allow al@x.org
(unset SENDER; ezmlm-issubn "$L" 2>err); is $? 100 "ezmlm-issubn without SENDER: 100"
like "$(cat err)" 'SENDER not set' "...SENDER not set"
SENDER= ezmlm-issubn "$L"; is $? 99 "an empty SENDER is no subscriber"
SENDER=main@x.org ezmlm-issubn "$L"; is $? 0 "a subscriber: 0"
SENDER=other@x.org ezmlm-issubn "$L"; is $? 99 "a stranger: 99"
SENDER=main@x.org ezmlm-issubn -n "$L"; is $? 99 "-n: a subscriber: 99"
SENDER=other@x.org ezmlm-issubn -n "$L"; is $? 0 "-n: a stranger: 0"
SENDER=dig@x.org ezmlm-issubn "$L" . digest allow; is $? 0 "any of several sub-databases"
SENDER=dig@x.org ezmlm-issubn "$L" allow; is $? 99 "only the ones named"
SENDER=dig@x.org ezmlm-issubn "$L" "$L/digest"; is $? 0 "DIR and an absolute sub-database"
SENDER=main@x.org ezmlm-issubn "$L" "$L/digest"; is $? 0 "when all arguments are absolute, DIR itself is one of the databases"
SENDER=main@x.org ezmlm-issubn "$L" digest; is $? 99 "...otherwise only the names after DIR are"
SENDER=al@x.org ezmlm-issubn "$L" "$L/allow" "$L/digest"; is $? 0 "...any of them"
SENDER=other@x.org ezmlm-issubn "$L" /tmp 2>/dev/null; is $? 111 "an absolute database outside DIR: 111"
if [ "$(list_store)" = std ]; then
    SENDER=main@x.org ezmlm-issubn "$L" nosuch; is $? 99 "a sub-database that does not exist has no subscribers"
else
    SENDER=main@x.org ezmlm-issubn "$L" nosuch 2>err; is $? 111 "a sub-database without a table: 111"
    like "$(cat err)" "MySQL server 127\\.0\\.0\\.1:$MARIADB_PORT: .*doesn't exist" "...naming the server and the problem"
fi

# SENDER normalisation
SENDER='SRS0=HHH=TT=x.org=main@forwarder.example' ezmlm-issubn "$L"; is $? 0 "SRS0 address decoded"
SENDER='SRS1=HHH=fwd.example==HHH=TT=x.org=main@forwarder.example' ezmlm-issubn "$L"; is $? 0 "SRS1 address decoded"
SENDER='prvs=0123456789=main@x.org' ezmlm-issubn "$L"; is $? 0 "prvs=TAG=user unwrapped"
SENDER='prvs=main=0123abcdef@x.org' ezmlm-issubn "$L"; is $? 0 "prvs=user=TAG unwrapped"
SENDER='btv1==0123456789==main@x.org' ezmlm-issubn "$L"; is $? 0 "btv1 unwrapped"
SENDER='prvs=short=main@x.org' ezmlm-issubn "$L"; is $? 99 "a prvs tag shorter than 9 hex digits is not unwrapped"

# ---- ezmlm-checksub ---------------------------------------------------------------------------------
out=$(SENDER=main@x.org ezmlm-checksub "$L"); is $? 0 "ezmlm-checksub: a subscriber passes"
is "$out" "" "...silently"
out=$(SENDER=other@x.org ezmlm-checksub "$L" . digest allow mod); is $? 100 "a stranger: 100"
is "$out" "Only subscribers may post to this list. If you are subscribed under another address, forward this message to list-owner@$SANDBOX_DOMAIN to have this one added." \
    "...with TXT_ONLY_SUBSCRIBERS on stdout"
out=$(SENDER=dig@x.org ezmlm-checksub "$L" . digest allow mod); is $? 0 "a digest subscriber passes"
ezmlm-sub "$L" deny bad@x.org
out=$(SENDER=bad@x.org ezmlm-checksub -n "$L" deny); is $? 100 "-n deny: a denied sender: 100"
like "$out" "^Posts from your address are refused by this list\\. Write to list-owner@" "...with TXT_REJECT_POSTS"
out=$(SENDER=good@x.org ezmlm-checksub -n "$L" deny); is $? 0 "-n deny: anyone else passes"
out=$(SENDER=other@x.org ezmlm-checksub -m 'Go away' "$L"); is $? 100 "-m MESSAGE"
is "$out" "Go away" "...prints that message"
mkdir -p "$L/text"
echo 'TXT_ONLY_SUBSCRIBERS:Members only, <#L#>.' >"$L/text/messages"
out=$(SENDER=other@x.org ezmlm-checksub "$L"); is "$out" "Members only, list." "DIR/text/messages overrides the message"
rm "$L/text/messages"
(unset SENDER; ezmlm-checksub "$L" 2>/dev/null); is $? 100 "ezmlm-checksub without SENDER: 100"

done_testing
