#!/bin/sh
# Loops through the running queue: two sandbox users, alice with
# qmail-autoresponder and bob with vacation, write to each other: each
# responder answers at most once and the queue empties.  Then a naive
# responder (carol: answers the From address with her own envelope sender
# and no Auto-Submitted) cannot drag alice into a mail storm either.
. "$SUITE_SRC/tests/autorespond/lib.sh"
. "$SUITE_SRC/tests/lib/queue.sh"

unset QMAILQUEUE
cd "$QMAILHOME" || exit 1
: >"$QMAILHOME/users/assign"
for u in alice bob carol; do
    mkdir -p "$SANDBOX/home/$u/Maildir/new" "$SANDBOX/home/$u/Maildir/cur" "$SANDBOX/home/$u/Maildir/tmp"
    printf '=%s:%s:%s:%s:%s:::\n' "$u" "$U" "$SANDBOX_UID" "$SANDBOX_GID" "$SANDBOX/home/$u" >>"$QMAILHOME/users/assign"
done
echo . >>"$QMAILHOME/users/assign"
qmail-newu || exit 1
A=$SANDBOX/home/alice
B=$SANDBOX/home/bob
C=$SANDBOX/home/carol

mkdir "$A/ar"
printf 'From: Alice <alice@%s>\nSubject: Alice is away: %%S\n\nAlice is away.\n' "$D" >"$A/ar/message.txt"
printf '|qmail-autoresponder ar\n./Maildir/\n' >"$A/.qmail"
printf 'From: Bob <bob@%s>\nSubject: Bob is away: $SUBJECT\n\nBob is away.\n' "$D" >"$B/.vacation.msg"
printf '|vacation bob\n./Maildir/\n' >"$B/.qmail"
# carol's responder: answers whatever From says, as carol, every time
cat >"$SANDBOX/naive.sh" <<'END'
#!/bin/sh
to=$(sed -n '/^$/q; s/^From:.*<\(.*\)>.*/\1/p; s/^From: *\([^<> ]*\) *$/\1/p' | head -1)
[ -n "$to" ] || exit 0
printf 'From: carol@sandbox.example\nTo: %s\nSubject: got it\n\nGot your mail.\n' "$to" >"$HOME/reply"
printf 'Fcarol@sandbox.example\000T%s\000\000' "$to" >"$HOME/env"
qmail-queue <"$HOME/reply" 3<"$HOME/env" 1<&3
END
chmod 755 "$SANDBOX/naive.sh"
printf '|%s\n./Maildir/\n' "$SANDBOX/naive.sh" >"$C/.qmail"

mails() { ls "$1/Maildir/new" | wc -l | tr -d ' '; }
settle() { # waits for the queue to empty (up to 60 s)
    _n=0
    while ! queue_empty; do
        _n=$((_n + 1))
        [ $_n -gt 1200 ] && { diag "the queue did not empty"; return 1; }
        sleep 0.05
    done
}
from_in() { grep -l "^From: $2" "$1"/Maildir/new/* 2>/dev/null | wc -l | tr -d ' '; }

queue_start

# ---- alice writes to bob -----------------------------------------------------------------------
printf 'From: alice@%s\nTo: bob@%s\nSubject: lunch?\n\nLunch?\n' "$D" "$D" | queue_inject "alice@$D" "bob@$D"
settle
ok $? "alice -> bob: the queue empties"
is "$(mails "$B"):$(mails "$A")" "1:1" "  ... bob has the message, alice bob's one response"
is "$(from_in "$A" "Bob")" 1 "  ... alice's mail is from bob's vacation"
grep -q '^Auto-Submitted: auto-replied' "$A"/Maildir/new/*
ok $? "  ... marked Auto-Submitted"
grep -q '^Return-Path: <>' "$A"/Maildir/new/*
ok $? "  ... with a null return path"

# ---- both write at once --------------------------------------------------------------------------
printf 'From: bob@%s\nTo: alice@%s\nSubject: re: lunch\n\nYes.\n' "$D" "$D" | queue_inject "bob@$D" "alice@$D"
printf 'From: alice@%s\nTo: bob@%s\nSubject: where?\n\nWhere?\n' "$D" "$D" | queue_inject "alice@$D" "bob@$D"
settle
ok $? "alice <-> bob at once: the queue empties"
is "$(from_in "$B" "Alice")" 1 "  ... bob got one response from alice's autoresponder"
is "$(from_in "$A" "Bob")" 1 "  ... alice still has only one response from bob's vacation (within the week)"
is "$(mails "$A"):$(mails "$B")" "2:3" "  ... and nothing else moved"

# ---- a naive responder ------------------------------------------------------------------------------
printf 'From: Alice <alice@%s>\nTo: carol@%s\nSubject: hello\n\nHello.\n' "$D" "$D" | queue_inject "alice@$D" "carol@$D"
settle
ok $? "alice -> carol (a naive responder): the queue empties"
is "$(from_in "$C" "Alice")" 2 "  ... carol has alice's message and one response from alice"
is "$(grep -l '^Subject: got it' "$A"/Maildir/new/* | wc -l | tr -d ' ')" 2 \
    "  ... alice got carol's two blind answers, and answered only the first"
like "$(cat "$QUEUE_LOG")" "status:" "the queue ran"
queue_stop
[ -n "$LOOP_DEBUG" ] && cat "$QUEUE_LOG" >&2

done_testing
