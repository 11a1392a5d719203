# The MDA: a ~/.mailfilter sorts mail into Maildir++ folders.  Two messages
# go through the running queue to an address whose .qmail file says
# "| maildrop"; then maildrop --explain shows, for one of them, every rule
# tried and where the message goes, without delivering it.
# (10-queue.sh started the queue in its own subshell: its log is send.log)
[ -n "${QUEUE_LOG:-}" ] || QUEUE_LOG=$SANDBOX/send.log
SORT=$SANDBOX_USER-sort@$SANDBOX_DOMAIN
cd "$SANDBOX_HOME" || exit 1

for f in Lists Family; do
    mkdir -p "Maildir/.$f/tmp" "Maildir/.$f/new" "Maildir/.$f/cur" && touch "Maildir/.$f/maildirfolder" || exit 1
done
cat >.mailfilter <<'EOF'
# mailing list posts into .Lists, family mail into .Family, the rest stays
if (/^List-Id: .*<dev\.lists\.example\.org>/)
{
  to "$HOME/Maildir/.Lists/"
}
if (/^From: .*@family\.example/ || hasaddr("grandma@family.example"))
  to "$HOME/Maildir/.Family/"
EOF
chmod 600 .mailfilter
printf '| maildrop\n' >.qmail-sort
say "~/.mailfilter and the .qmail file for $SORT"
show .mailfilter .qmail-sort

printf 'From: Dev List <dev@lists.example.org>\nTo: %s\nList-Id: Developers <dev.lists.example.org>\nSubject: [dev] release 2.0 is out\n\nThe release is out.\n' "$SORT" >"$SANDBOX/list.msg"
printf 'From: "Mum" <mum@family.example>\nTo: %s\nSubject: =?UTF-8?Q?Sunday_lunch_=E2=98=80?=\n\nSee you on Sunday!\n' "$SORT" >"$SANDBOX/family.msg"
for m in list family; do
    queue_inject "owner@example.org" "$SORT" <"$SANDBOX/$m.msg" || exit 1
done
n=0
while [ $(( $(ls Maildir/.Lists/new | wc -l) + $(ls Maildir/.Family/new | wc -l) )) -lt 2 ] && [ $n -lt 600 ]; do
    sleep 0.05
    n=$((n + 1))
done
say "delivered by the queue through | maildrop"
for f in Lists Family; do
    printf -- '--- Maildir/.%s/new: %s message(s)\n' "$f" "$(ls "Maildir/.$f/new" | wc -l)"
    for m in "Maildir/.$f/new/"*; do [ -f "$m" ] && sed -n '/^Subject:/p' "$m"; done
done
[ "$(ls Maildir/.Lists/new | wc -l)" -eq 1 ] && [ "$(ls Maildir/.Family/new | wc -l)" -eq 1 ] ||
    { echo "demo: maildrop did not sort the two messages" >&2; exit 1; }

say "maildrop --explain < list.msg: the rules tried, nothing delivered"
HOME=$SANDBOX_HOME maildrop --explain <"$SANDBOX/list.msg"
say "maildrop --explain < family.msg"
HOME=$SANDBOX_HOME maildrop --explain <"$SANDBOX/family.msg"

# leave the home as the next parts expect it
rm -f .qmail-sort .mailfilter
