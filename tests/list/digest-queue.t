#!/bin/sh
# A digest list (ezmlm-make -d) through the real running queue: a post
# reaches the subscriber and, through the editor's ezmlm-tstdig and
# ezmlm-get, a digest reaches the digest subscriber (VERP return path,
# issue 1); a second post is not due yet, and mail to LIST-dig.CODE sends
# issue 2; a subscribe request to the manager passes ezmlm-get and is
# answered by ezmlm-manage; a get request is answered by ezmlm-get.
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

mailboxes_setup a g p n || BAIL_OUT "mailboxes_setup"
L=$SANDBOX/list
list_make -d "$L" "$SANDBOX_HOME/.qmail-list" "$U-list" "$D" sesame; ok $? "ezmlm-make -d: the digest list $U-list@$D"
ezmlm-sub "$L" "$U-a@$D" && ezmlm-sub "$L" digest "$U-g@$D"; ok $? "a subscriber and a digest subscriber"
queue_start || BAIL_OUT "queue_start"

printf 'From: %s-p@%s\nTo: %s-list@%s\nSubject: hello digest\n\nThe first post.\n' "$U" "$D" "$U" "$D" |
    queue_inject "$U-p@$D" "$U-list@$D"; ok $? "a post injected to the list"
wait_count a 1; ok $? "...the subscriber gets it"
wait_count g 1; ok $? "...the digest subscriber gets a digest (the first one is due at once)"
f=$(newest g)
like "$(cat "$f")" "Return-Path: <$U-list-digest-return-1-$U-g=$D@$D>" "...from LIST-digest-return-1-, VERP"
like "$(cat "$f")" "Subject: $U-list Digest .* Issue 1" "...issue 1"
like "$(cat "$f")" 'Content-Type: message/rfc822' "...the post as a message/rfc822 part"
like "$(cat "$f")" 'The first post\.' "...with its text"
like "$(cat "$L/dignum")" '^1:' "dignum 1"

printf 'From: %s-p@%s\nTo: %s-list@%s\nSubject: second\n\nThe second post.\n' "$U" "$D" "$U" "$D" |
    queue_inject "$U-p@$D" "$U-list@$D"
wait_count a 2; ok $? "a second post reaches the subscriber"
queue_wait 'delivery [0-9]+: success' >/dev/null
sleep 1
is "$(count g)" 1 "...no digest yet (not due)"
printf 'From: %s-p@%s\nSubject: digest now\n\n' "$U" "$D" | queue_inject "$U-p@$D" "$U-list-dig.sesame@$D"
wait_count g 2; ok $? "mail to LIST-dig.CODE sends a digest"
like "$(cat "$(newest g)")" "Issue 2" "...issue 2"
like "$(cat "$(newest g)")" 'The second post\.' "...with the second post"
unlike "$(cat "$(newest g)")" 'The first post\.' "...and not the first"

printf 'From: %s-n@%s\nSubject: sub\n\n' "$U" "$D" | queue_inject "$U-n@$D" "$U-list-subscribe@$D"
wait_count n 1; ok $? "a subscribe request passes ezmlm-get: ezmlm-manage answers"
like "$(cat "$(newest n)")" "Reply-To: $U-list-sc\\." "...a confirmation request"
printf 'From: %s-n@%s\nSubject: get\n\n' "$U" "$D" | queue_inject "$U-n@$D" "$U-list-get.1_2@$D"
wait_count n 2; ok $? "a get request is answered"
f=$(ls -t "$SANDBOX_HOME"/n/new/* | head -1)
like "$(cat "$f")" "Subject: $U-list Digest of: get\\.1_2" "...by ezmlm-get"
like "$(cat "$f")" 'The first post\.' "...message 1"
like "$(cat "$f")" 'The second post\.' "...message 2"
queue_stop
done_testing
