#!/bin/sh
# A moderated list (ezmlm-make -m) through the real running queue: a post
# from a non-moderator waits in mod/pending, the moderation request reaches
# the moderator's Maildir, the moderator's reply to it (LIST-accept-...)
# sends the post to the subscribers; a second post is rejected by mail to
# LIST-reject-... and comes back to its author.
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

mailboxes_setup a m p || BAIL_OUT "mailboxes_setup"
L=$SANDBOX/list
list_make -m "$L" "$SANDBOX_HOME/.qmail-list" "$U-list" "$D"; ok $? "ezmlm-make -m: the moderated list $U-list@$D"
ezmlm-sub "$L" "$U-a@$D" && ezmlm-sub "$L" mod "$U-m@$D"; ok $? "a subscriber and a moderator"
queue_start || BAIL_OUT "queue_start"

printf 'From: %s-p@%s\nTo: %s-list@%s\nSubject: moderate me\n\nA post that needs a moderator.\n' "$U" "$D" "$U" "$D" |
    queue_inject "$U-p@$D" "$U-list@$D"; ok $? "a post injected to the list"
wait_count m 1; ok $? "...the moderator gets a request"
f=$(newest m)
like "$(cat "$f")" "Subject: MODERATE for $U-list@$D" "...MODERATE"
like "$(cat "$f")" "Return-Path: <$U-list-return-@$D>" "...from LIST-return-@HOST"
like "$(cat "$f")" 'A post that needs a moderator\.' "...with the post"
is "$(count a)" 0 "the subscriber has nothing yet"
is "$(ls "$L/mod/pending" | wc -l | tr -d ' ')" 1 "the post waits in mod/pending"
acc=$(sed -n 's/^Reply-To: //p' "$f")
like "$acc" "^$U-list-accept-" "...Reply-To $acc"
printf 'From: %s-m@%s\nSubject: Re: MODERATE\n\nok\n' "$U" "$D" | queue_inject "$U-m@$D" "$acc"
wait_count a 1; ok $? "the moderator replies: the subscriber gets the post"
f=$(newest a)
like "$(cat "$f")" "Return-Path: <$U-list-return-1-$U-a=$D@$D>" "...as message 1, VERP"
like "$(cat "$f")" 'A post that needs a moderator\.' "...the text"
is "$(ls "$L/mod/pending" | wc -l | tr -d ' ')" 0 "mod/pending is empty"
is "$(ls "$L/mod/accepted" | wc -l | tr -d ' ')" 1 "...a stub in mod/accepted"

printf 'From: %s-p@%s\nTo: %s-list@%s\nSubject: reject me\n\nA post nobody wants.\n' "$U" "$D" "$U" "$D" |
    queue_inject "$U-p@$D" "$U-list@$D"
wait_count m 2; ok $? "a second post: a second request"
rej=$(sed -n 's/^From: //p' "$(newest m)" | head -1)
like "$rej" "^$U-list-reject-" "...From $rej"
printf 'From: %s-m@%s\nSubject: Re: MODERATE\n\n%%%%%%\nNot today.\n%%%%%%\n' "$U" "$D" | queue_inject "$U-m@$D" "$rej"
wait_count p 1; ok $? "the moderator rejects: the author gets the post back"
f=$(newest p)
like "$(cat "$f")" 'Not today\.' "...with the comment"
like "$(cat "$f")" 'A post nobody wants\.' "...and the post"
is "$(count a)" 1 "the subscriber got only the first post"
queue_stop
done_testing
