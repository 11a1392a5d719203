# The autoresponder: a vacation set-up for the sandbox user.  A message from
# another local address gets one response; a second one within the interval
# gets none (and both messages are delivered).
# (10-queue.sh started the queue in its own subshell: its log is send.log)
[ -n "${QUEUE_LOG:-}" ] || QUEUE_LOG=$SANDBOX/send.log
ME=$SANDBOX_USER@$SANDBOX_DOMAIN
FRIEND=$SANDBOX_USER-friend@$SANDBOX_DOMAIN
cd "$SANDBOX_HOME" || exit 1

say "vacation set-up: ~/.vacation.msg and a .qmail line before the Maildir"
printf 'From: %s\nSubject: Away: $SUBJECT\n\nI am away until Monday and will read your mail then.\n' "$ME" >.vacation.msg
printf '|vacation %s\n./Maildir/\n' "$SANDBOX_USER" >.qmail
show .vacation.msg .qmail
maildirmake friend || exit 1
printf './friend/\n' >.qmail-friend
say "the other local address $FRIEND delivers to ~/friend/"

before=$(ls Maildir/new | wc -l)
for n in 1 2; do
    printf 'From: %s\nTo: %s\nSubject: meeting %s\n\nCan we meet?\n' "$FRIEND" "$ME" "$n" |
        queue_inject "$FRIEND" "$ME" || exit 1
done
queue_wait 'vacation:_Ignoring_message' 30 || exit 1
n=0
while [ "$(ls friend/new | wc -l)" -lt 1 ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
sleep 0.5

say "qmail-send's log: one response, then 'already answered'"
grep 'vacation:' "$QUEUE_LOG"
say "$(($(ls Maildir/new | wc -l) - before)) messages delivered to $ME, $(ls friend/new | wc -l) response(s) in ~/friend/"
for f in friend/new/*; do cat "$f"; done
say "vacation -l: who was answered, and when"
HOME=$SANDBOX_HOME vacation -l
[ "$(ls friend/new | wc -l)" -eq 1 ] || { echo "demo: expected exactly one response" >&2; exit 1; }

# leave the mailbox as the next parts expect it
printf './Maildir/\n' >.qmail
rm -f .qmail-friend
