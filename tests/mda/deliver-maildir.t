#!/bin/sh
# Deliveries into Maildirs and Maildir++ folders: file names, contents byte
# for byte, FLAGS, UMASK, the log file, cc copies, empty messages, -A.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

M=$SANDBOX_MAILDIR
mkmaildir "$M/.Work"
touch "$M/.Work/maildirfolder"
size=$(wc -c <"$MSG" | tr -d ' ')

mdf "to \"$M\"\n"
is "$RC" 0 'to a maildir (no trailing slash): exit 0'
is "$(nfiles "$M/new")" 1 '... one file in new/'
f=$(ls "$M/new")
cmp -s "$M/new/$f" "$MSG"; ok $? '... the message byte for byte'
case $f in *",S=$size") r=0 ;; *) r=1 ;; esac
ok $r "... the name ends in ,S=<size> ($f)"
is "$(nfiles "$M/tmp")" 0 '... nothing left in tmp/'
perm=$(stat -c %a "$M/new/$f")
is "$perm" 600 '... mode 0600 (UMASK 077)'
rm -f "$M/new/"*

mdf "to \"$M/.Work/\"\n"
is "$RC:$(nfiles "$M/.Work/new"):$(nfiles "$M/new")" 0:1:0 'to a Maildir++ folder'
rm -f "$M/.Work/new/"*

mdf "FLAGS=\"SRxF\"\nto \"$M/\"\n"
f=$(ls "$M/cur")
case $f in *",S=$size:2,SRF") r=0 ;; *) r=1 ;; esac
ok $r "FLAGS: the message goes to cur/ with :2,<flags> (only D F R S kept, in order): $f"
is "$(nfiles "$M/new")" 0 '... nothing in new/'
rm -f "$M/cur/"*

mdf "UMASK=022\nto \"$M/\"\n"
f=$(ls "$M/new")
is "$(stat -c %a "$M/new/$f")" 644 'UMASK=022: the message is mode 0644'
rm -f "$M/new/"*

mdf "cc \"$M\"\ncc \"$M/.Work\"\ncc \"$M\"\nexit\n"
is "$(nfiles "$M/new"):$(nfiles "$M/.Work/new")" 2:1 'cc delivers copies and goes on'
rm -f "$M/new/"* "$M/.Work/new/"*

mdf "to \"$M/.Nope/\"\n"
is "$RC" 75 'a folder that does not exist (trailing /): 75'
test ! -e "$M/.Nope"; ok $? '... nothing created'
mdf "to \"$M/.Nope\"\n"
is "$RC" 0 'a folder name without / that does not exist is an mbox file (as maildrop)'
test -f "$M/.Nope"; ok $? '... a file'
rm -f "$M/.Nope"

# the log file
mdf "logfile \"$T/log\"\ncc \"$M\"\nto \"$T/no/such/mbox\"\n"
is "$RC" 75 'a failing delivery: 75'
sed 's/^Date: .*/Date: X/' "$T/log" >"$T/log2"
pad="File: $M "
while [ $(( ${#pad} + ${#size} + 2 )) -lt 78 ]; do pad="$pad "; done
pad2="!Err: $T/no/such/mbox "
while [ $(( ${#pad2} + ${#size} + 2 )) -lt 78 ]; do pad2="$pad2 "; done
is "$(cat "$T/log2")" "$(printf 'Date: X\nFrom: "Alice A" <alice@example.org>\nSubj: Hello folded  again\n%s(%s)\n\nDate: X\nFrom: "Alice A" <alice@example.org>\nSubj: Hello folded  again\n%s(%s)' "$pad" "$size" "$pad2" "$size")" \
    'logfile: Date, From, Subj, File padded to 78 columns, !Err on failure'
like "$(head -1 "$T/log")" '^Date: [A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] [0-9]{4}$' '... the date as ctime() writes it'
rm -f "$M/new/"*

# CRLF kept, empty message, -A
printf 'Subject: crlf\r\n\r\nbody\r\n' >"$T/crlf"
OUT=$(printf 'to "%s"\n' "$M" >"$T/filter"; "$MD" "$T/filter" <"$T/crlf")
cmp -s "$M/new/$(ls "$M/new")" "$T/crlf"; ok $? 'CRLF messages are stored byte for byte'
rm -f "$M/new/"*
: >"$T/empty"
OUT=$("$MD" "$T/filter" <"$T/empty"); RC=$?
is "$RC:$(nfiles "$M/new")" 0:0 'an empty message is never delivered (exit 0)'
OUT=$("$MD" -A 'X-Added: yes' -A 'X-Two: 2' "$T/filter" <"$MSG")
f=$(ls "$M/new")
is "$(head -2 "$M/new/$f")" "$(printf 'X-Added: yes\nX-Two: 2')" '-A headers go in front of the message'
is "$(tail -n +3 "$M/new/$f" | cmp - "$MSG" && echo same)" same '... followed by the message'
s2=$((size + 22))
case $f in *",S=$s2") r=0 ;; *) r=1 ;; esac
ok $r '... and count in the size'
rm -f "$M/new/"*
mdf 'echo "$SIZE $LINES"\nexit\n' -A 'X-Added: yes'
is "$OUT" "$((size + 13)) 8" '-A: SIZE counts the header, LINES does not (as 2.9.3)'

done_testing
