#!/bin/sh
# Recycled queue files (queue/pool.c): finished mess, todo, info and local
# files go to queue/poolq and queue/pools instead of being unlinked, and
# the next message is written into them.  The queue must work the same
# without the pools, with junk in them, with stale contents and when full.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
sandbox_create
Q=$QMAILHOME/queue
M=$SANDBOX_MAILDIR
RCPT=$SANDBOX_USER@$SANDBOX_DOMAIN
(cd "$QMAILHOME" && qmail-newu) || BAIL_OUT "qmail-newu failed"

count() { find "$1" -type f | wc -l | tr -d ' '; }
delivered() { ls "$M/new" | wc -l | tr -d ' '; }
wait_delivered() { # N
    _n=0
    while { [ "$(delivered)" -lt "$1" ] || ! queue_empty; } && [ $_n -lt 400 ]; do
        sleep 0.05; _n=$((_n + 1))
    done
}
msg() { printf 'Subject: pool %s\n\nbody %s\n' "$1" "$1"; }

test -d "$Q/poolq" && test -d "$Q/pools"
ok $? "qmail-setup makes the two pools"

# queued first, delivered after: nothing is taken from the pools meanwhile
for i in 1 2 3 4 5; do msg $i | queue_inject a@b.example "$RCPT"; done
queue_start
wait_delivered 5
is "$(delivered)" 5 "five messages delivered"
is "$(count "$Q/poolq")" 10 "qmail-clean recycled their mess and todo files into poolq"
is "$(count "$Q/pools")" 10 "qmail-send recycled their info and local files into pools"
is "$(find "$Q/poolq" "$Q/pools" -type f -size +0 | wc -l | tr -d ' ')" 20 \
    "... small ones keeping their contents and blocks (the next writer rewrites them in place)"
names_ok=0
for f in "$Q"/poolq/* "$Q"/pools/*; do
    [ "$(basename "$f")" = "$(stat -c %i "$f")" ] || names_ok=1
done
ok $names_ok "... each named by its inode number"

queue_stop
before=$(ls "$Q/poolq" | sort)
nbefore=$(count "$Q/poolq")
msg 6 | queue_inject a@b.example "$RCPT"
id=$(cd "$Q/mess" && find . -type f | sed 's|.*/||')
echo "$before" | grep -qx "$id"
ok $? "the next message's file came out of the pool (id $id)"
test -f "$Q/todo/$((id % 23))/$id"
ok $? "... and its envelope is in todo/"
is "$(count "$Q/poolq")" "$((nbefore - 2))" "... two files taken from poolq"
is "$(cat "$Q/mess/$((id % 23))/$id" | sed 1d)" "$(msg 6)" "... holding exactly the new message after the Received line"
is "$(stat -c %a "$Q/mess/$((id % 23))/$id")" 644 "... with the mess file's mode"

# old contents longer than the new ones are cut off by the taker
for f in "$Q"/poolq/*; do head -c 5000 /dev/zero | tr '\0' 'Z' >"$f"; done
msg 7 | queue_inject a@b.example "$RCPT"
id7=$(cd "$Q/mess" && find . -type f -newer "$Q/mess/$((id % 23))/$id" | sed 's|.*/||' | head -1)
[ -n "$id7" ] && ! grep -q Z "$Q/mess/$((id7 % 23))/$id7" && ! grep -q Z "$Q/todo/$((id7 % 23))/$id7"
ok $? "a pool file with longer old contents is cut to the new message"

# junk in the pool: a directory and a symlink named like inodes are skipped
rm -f "$Q"/poolq/*
mkdir "$Q/poolq/123"
echo "precious" >"$SANDBOX/target"
ln -s "$SANDBOX/target" "$Q/poolq/124"
msg 8 | queue_inject a@b.example "$RCPT"
is "$?" 0 "junk in the pool does not stop an injection"
is "$(cat "$SANDBOX/target")" "precious" "... and no symlink is followed (its target is neither truncated nor written)"
rm -rf "$Q/poolq/123" "$Q/poolq/124" "$Q"/pid/*

queue_start
wait_delivered 8
is "$(delivered)" 8 "the queue delivers what was queued from the pool"

# a full pool: the next removal unlinks instead
queue_stop
rm -f "$Q"/poolq/*
i=0
while [ $i -lt 4096 ]; do echo "$Q/poolq/$((900000000 + i))"; i=$((i + 1)); done | xargs touch
queue_start
msg 9 | queue_inject a@b.example "$RCPT"
wait_delivered 9
is "$(delivered)" 9 "a message goes through with a full pool"
c=$(count "$Q/poolq")
ok "$([ "$c" -le 4096 ] && echo 0 || echo 1)" "... and the pool does not grow past 4096 files ($c)"
queue_stop

# a queue made by qmail 1.03 has no pools: everything works as before
rm -rf "$Q/poolq" "$Q/pools"
queue_start
for i in 10 11 12; do msg $i | queue_inject a@b.example "$RCPT"; done
wait_delivered 12
is "$(delivered)" 12 "without pool directories messages are queued and delivered"
test ! -e "$Q/poolq" && test ! -e "$Q/pools"
ok $? "... and no pool is made behind the site's back"
queue_empty
ok $? "... and the queue ends empty"
queue_stop
done_testing
