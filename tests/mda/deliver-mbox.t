#!/bin/sh
# Deliveries into mbox files: the From_ line, >From quoting, one empty
# line between messages, dot-locks ($LOCKEXT, stale locks, a held lock is
# waited for and then a temporary failure), a failed write cut back.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

MB=$T/mbox
printf 'Return-Path: <bob@example.org>\nSubject: quoting\n\nFrom the start\n>From quoted\nnot From here\n>>From twice\nlast line without newline' >"$T/q"
MSG=$T/q
mdf "to \"$MB\"\n"
is "$RC" 0 'to an mbox: exit 0'
first=$(head -1 "$MB")
like "$first" '^From bob@example\.org [A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] [0-9]{4}$' 'the From_ line: FROM (from Return-Path) and a ctime date'
is "$(tail -n +2 "$MB")" "$(printf 'Return-Path: <bob@example.org>\nSubject: quoting\n\n>From the start\n>>From quoted\nnot From here\n>>>From twice\nlast line without newline\n')" \
    'mboxrd quoting of ^>*From lines; a missing last newline supplied'
is "$(tail -c 2 "$MB" | od -An -c | tr -d ' ')" '\n\n' '... and one empty line after the message'
is "$(stat -c %a "$MB")" 600 'a new mbox is mode 0600 (UMASK 077)'
mdf "to \"$MB\"\n" -f 'other@example.org'
is "$(grep -c '^From ' "$MB")" 2 'a second delivery appends'
like "$(sed -n '/^From other/p' "$MB")" '^From other@example\.org ' '... with -f as FROM'
is "$(grep -B1 '^From other' "$MB" | head -1)" '' '... exactly one empty line between the messages'

if [ -n "$REAL" ]; then
    rm -f "$MB" "$T/mb.real"
    mdf "to \"$MB\"\n"
    printf 'to "%s"\n' "$T/mb.real" >"$T/filter"
    "$REAL" "$T/filter" <"$MSG"
    sed '1s/ .*//' "$MB" >"$T/a"
    sed '1s/ .*//' "$T/mb.real" >"$T/b"
    cmp -s "$T/a" "$T/b"; ok $? 'the same mbox bytes as Debian'"'"'s maildrop (but the date)'
else
    skip "Debian's maildrop is not installed"
fi

MSG=$T/msg
printf 'Subject: x\n\ny\n' >"$MSG"
# a stale dot-lock is broken
rm -f "$MB"
touch -d '-10 minutes' "$MB.lock"
mdf "to \"$MB\"\n"
is "$RC" 0 'a stale dot-lock (older than LOCKTIMEOUT) is removed'
test ! -e "$MB.lock"; ok $? '... and ours is gone afterwards'
# a held dot-lock: wait, then give up with 75
touch -d '+1 hour' "$MB.lock"
before=$(wc -c <"$MB")
mdf "LOCKTIMEOUT=1\nLOCKSLEEP=0\nto \"$MB\"\n"
is "$RC" 75 'a dot-lock held by someone else: 75 after LOCKTIMEOUT'
like "$ERR" 'dot-lock' '... "Unable to create a dot-lock"'
is "$(wc -c <"$MB")" "$before" '... the mbox is untouched'
test -e "$MB.lock"; ok $? '... and the other lock is left alone'
rm -f "$MB.lock"
# LOCKEXT
touch -d '+1 hour' "$MB.lck"
mdf "LOCKEXT=.lck\nLOCKTIMEOUT=1\nLOCKSLEEP=0\nto \"$MB\"\n"
is "$RC" 75 'LOCKEXT names the dot-lock file'
mdf "LOCKEXT=.other\nto \"$MB\"\n"
is "$RC" 0 '... another extension is not blocked'
rm -f "$MB.lck"
# a write that fails (a full disk): 75, nothing half-written
if [ -w /dev/full ] && [ -c /dev/full ]; then
    mdf 'LOCKEXT=""\nto "/dev/full"\n'
    is "$RC" 75 'a full disk: 75'
    like "$ERR" 'Unable to deliver to mailbox /dev/full' '... naming the mailbox'
else
    skip 'no /dev/full' 2
fi
# missing directory
mdf "to \"$T/nodir/mbox\"\n"
is "$RC" 75 'an mbox in a missing directory: 75'

done_testing
