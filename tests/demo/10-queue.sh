# The queue: three messages injected into the sandbox queue and delivered
# into the user's Maildir by the running qmail-send (started by demo.sh);
# one more bounces.
printf '|echo "no such mailbox in the demo"; exit 100\n' >"$SANDBOX_HOME/.qmail-nobody"
for i in 1 2 3; do
    printf 'From: demo@example.org\nSubject: demo %s\n\nHello number %s.\n' "$i" "$i" |
        queue_inject "demo@example.org" "$SANDBOX_USER@$SANDBOX_DOMAIN" || exit 1
done
printf 'Subject: to nobody\n\nThis one bounces.\n' |
    queue_inject "$SANDBOX_USER@$SANDBOX_DOMAIN" "$SANDBOX_USER-nobody@$SANDBOX_DOMAIN" || exit 1
n=0
while [ "$(ls "$SANDBOX_MAILDIR/new" | wc -l)" -lt 4 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
say "qmail-send's log"
cat "$QUEUE_LOG"
say "the Maildir: $(ls "$SANDBOX_MAILDIR/new" | wc -l) messages in new/ (three posts and the bounce)"
for f in "$SANDBOX_MAILDIR"/new/*; do
    printf -- '--- %s\n' "$(basename "$f")"
    sed -n '/^Subject:/p' "$f"
done
say "the bounce"
grep -l 'failure notice' "$SANDBOX_MAILDIR"/new/* | head -1 | xargs cat
say "qmail-qread (queue empty when everything is delivered)"
qmail-qread
qmail-qstat
