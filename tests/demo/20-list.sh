# A mailing list: made with ezmlm-make, three local subscribers, a post
# through the running queue into their Maildirs, an unsubscribe round trip
# by mail, and a VERP bounce counted by ezmlm-return.
. "$SUITE_SRC/tests/list/etc.sh"
list_etc_setup || exit 1
U=$SANDBOX_USER
D=$SANDBOX_DOMAIN
L=$SANDBOX/list

_count() { find "$SANDBOX_HOME/$1/new" -type f 2>/dev/null | wc -l | tr -d ' '; }
_wait() { # maildir n
    _i=0
    while [ "$(_count "$1")" -lt "$2" ] && [ $_i -lt 1200 ]; do sleep 0.05; _i=$((_i + 1)); done
    [ "$(_count "$1")" -ge "$2" ] || { echo "demo: timed out waiting for mail in ~/$1" >&2; return 1; }
}
_newest() { ls -t "$SANDBOX_HOME/$1"/new/* | head -1; }
_subject() { sed -n '1,/^$/s/^Subject: //p' "$1"; }

say "ezmlm-make: the list $U-list@$D in $L (the running queue delivers $U-list-* to ~/.qmail-list*)"
# -C: the texts come from the language directory, whatever the queue's environment
ezmlm-make -C "$EZMLM_ETC/en_US" "$L" "$SANDBOX_HOME/.qmail-list" "$U-list" "$D" || exit 1
ls -l "$SANDBOX_HOME" | grep qmail-list | sed 's/^.* \.qmail/  .qmail/'
show "$L/editor"

say "three subscribers, each with a Maildir: ~/a ~/b ~/c"
for s in a b c; do
    maildirmake "$SANDBOX_HOME/$s" && printf './%s/\n' "$s" >"$SANDBOX_HOME/.qmail-$s" || exit 1
done
ezmlm-sub "$L" "$U-a@$D" "$U-b@$D" "$U-c@$D" || exit 1
ezmlm-list "$L" | sed 's/^/  /'

say "a post to the list, through the queue"
printf 'From: %s-a@%s\nTo: %s-list@%s\nSubject: hello everybody\n\nThe first post to the demo list.\n' "$U" "$D" "$U" "$D" |
    queue_inject "$U-a@$D" "$U-list@$D" || exit 1
for s in a b c; do _wait "$s" 1 || exit 1; done
echo "  delivered: ~/a $(_count a), ~/b $(_count b), ~/c $(_count c) (one queued message, VERP per recipient)"
say "the copy in ~/b (its Return-Path is b's own VERP address)"
sed '/^$/q' "$(_newest b)"
echo "  num = $(cat "$L/num"); archive/0/: $(ls "$L/archive/0/" | tr '\n' ' ')"

say "unsubscribe by mail: $U-b writes to $U-list-unsubscribe@$D"
printf 'From: %s-b@%s\nSubject: bye\n\n' "$U" "$D" | queue_inject "$U-b@$D" "$U-list-unsubscribe@$D" || exit 1
_wait b 2 || exit 1
conf=$(sed -n '1,/^$/s/^Reply-To: //p' "$(_newest b)")
echo "  the confirmation request: $(_subject "$(_newest b)")"
echo "  Reply-To: $conf"
printf 'From: %s-b@%s\nSubject: Re: confirm\n\n' "$U" "$D" | queue_inject "$U-b@$D" "$conf" || exit 1
_wait b 3 || exit 1
echo "  the answer: $(_subject "$(_newest b)")"
echo "  subscribers now:"
ezmlm-list "$L" | sed 's/^/    /'
show "$L/Log"

say "a VERP bounce: $U-nobody (whose .qmail fails) subscribes, the next post bounces for it"
ezmlm-sub "$L" "$U-nobody@$D" || exit 1
printf 'From: %s-a@%s\nTo: %s-list@%s\nSubject: second post\n\nAnother one.\n' "$U" "$D" "$U" "$D" |
    queue_inject "$U-a@$D" "$U-list@$D" || exit 1
_wait c 2 || exit 1
_i=0
while [ -z "$(find "$L/bounce/h" -type f -name 'h*' 2>/dev/null)" ] && [ $_i -lt 1200 ]; do sleep 0.05; _i=$((_i + 1)); done
h=$(find "$L/bounce/h" -type f -name 'h*' 2>/dev/null | head -1)
[ -n "$h" ] || { echo "demo: the bounce was not counted" >&2; exit 1; }
echo "  the bounce came back to $U-list-return-2-$U-nobody=$D@$D and ezmlm-return counted it:"
echo "  ${h#$L/}: message$(tr -s ' \n' ' ' <"$h")"
d=$(find "$L/bounce/d" -type f | head -1)
echo "  ${d#$L/}: kept for the warning ezmlm-warn sends after ten days ($(tr '\0' '\n' <"$d" | head -1))"
