#!/bin/sh
# The list through the real running queue, with real Maildirs: a list made
# by ezmlm-make with three local subscribers; a post delivered to their
# Maildirs with VERP return paths; an unsubscribe round trip by mail; a
# subscriber whose mailbox bounces, the VERP bounce counted by
# ezmlm-return; ezmlm-warn's warning delivered.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/mailboxes.sh"
sandbox_create
list_etc_setup
cd "$QMAILHOME" || exit 1
U=$SANDBOX_USER
D=$SANDBOX_DOMAIN

mailboxes_setup a b c || BAIL_OUT "mailboxes_setup"
printf '|echo "no such mailbox"; exit 100\n' >"$SANDBOX_HOME/.qmail-gone"
L=$SANDBOX/list
list_make "$L" "$SANDBOX_HOME/.qmail-list" "$U-list" "$D"; ok $? "ezmlm-make: the list $U-list@$D"
ezmlm-sub "$L" "$U-a@$D" "$U-b@$D" "$U-c@$D"; ok $? "three local subscribers"
queue_start || BAIL_OUT "queue_start"

printf 'From: %s-a@%s\nTo: %s-list@%s\nSubject: hello list\n\nThe first post.\n' "$U" "$D" "$U" "$D" |
    queue_inject "$U-a@$D" "$U-list@$D"; ok $? "a post injected to the list"
for s in a b c; do
    wait_count "$s" 1; ok $? "...delivered to subscriber $s"
done
f=$(newest b)
like "$(cat "$f")" "Return-Path: <$U-list-return-1-$U-b=$D@$D>" "...with the VERP return path of message 1"
like "$(cat "$f")" "Delivered-To: mailing list $U-list@$D" "...through ezmlm-send"
like "$(cat "$f")" "List-Id: <$U-list\\.$D>" "...with a List-Id"
like "$(cat "$f")" 'The first post\.' "...the text"
is "$(cut -d: -f1 "$L/num")" 1 "num: 1"
[ -x "$L/archive/0/01" ]; ok $? "archived as message 1"
is "$(grep -c "^starting delivery" "$QUEUE_LOG")" 4 "the queue made four deliveries: the list, then three (one message)"

# unsubscribe by mail
printf 'From: %s-b@%s\nSubject: bye\n\n' "$U" "$D" | queue_inject "$U-b@$D" "$U-list-unsubscribe@$D"
wait_count b 2; ok $? "unsubscribe request: a confirmation arrives"
conf=$(sed -n 's/^Reply-To: //p' "$(newest b)")
like "$conf" "^$U-list-uc\\." "...asking to reply to $conf"
printf 'From: %s-b@%s\nSubject: Re: confirm\n\n' "$U" "$D" | queue_inject "$U-b@$D" "$conf"
wait_count b 3; ok $? "the reply: a goodbye arrives"
like "$(cat "$(newest b)")" 'Subject: GOODBYE' "...GOODBYE"
SENDER=$U-b@$D ezmlm-issubn "$L"; is $? 99 "...b is unsubscribed"
SENDER=$U-a@$D ezmlm-issubn "$L"; is $? 0 "...a still is"

# a subscriber whose mailbox bounces
ezmlm-sub "$L" "$U-gone@$D"
printf 'From: %s-a@%s\nTo: %s-list@%s\nSubject: second\n\nThe second post.\n' "$U" "$D" "$U" "$D" |
    queue_inject "$U-a@$D" "$U-list@$D"
wait_count a 2; ok $? "a second post"
wait_count c 2; ok $? "...reaches c"
is "$(count b)" 3 "...not b any more"
h=$(find "$L/bounce/h" -type f -name 'h*' 2>/dev/null)
i=0
while [ -z "$h" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); h=$(find "$L/bounce/h" -type f -name 'h*' 2>/dev/null); done
[ -n "$h" ]; ok $? "the bounce for $U-gone came back to the VERP address and was counted"
is "$(cat "$h")" "   2" "...bounce/h lists message 2"
grep -q "$U-gone@$D" "$(find "$L/bounce/d" -type f | head -1)"; ok $? "...bounce/d keeps the bounce for the warning"

# ezmlm-warn (-t 0: now) sends the warning, which bounces too: a probe follows
ezmlm-warn -t 0 "$L" 2>/dev/null; ok $? "ezmlm-warn -t 0"
i=0
while [ -z "$(find "$L/bounce/d" -name 'w*' 2>/dev/null)" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
[ -n "$(find "$L/bounce/d" -name 'w*')" ]; ok $? "...the warning bounced and was recorded"
ezmlm-warn -t 0 "$L" 2>/dev/null; ok $? "ezmlm-warn again: the probe"
i=0
while SENDER=$U-gone@$D ezmlm-issubn "$L" && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
SENDER=$U-gone@$D ezmlm-issubn "$L"; is $? 99 "...the probe bounced: $U-gone is removed"
like "$(cat "$L/Log")" "-probe $U-gone@$D" "...Log: -probe"
queue_stop
done_testing
