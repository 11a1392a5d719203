#!/bin/sh
# maildirmake (modes, refusal of an existing directory) and maildir2mbox
# (the mbox byte for byte: From_ lines from Return-Path, mboxrd quoting,
# order by mtime, tmp/ clean-up, messages removed; bad environment and
# failures leave everything in place).
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

T=$SANDBOX/t
mkdir "$T"
cd "$T" || BAIL_OUT "cd"

# ---- maildirmake ----------------------------------------------------------------------------
(umask 022; maildirmake md)
ok $? "maildirmake md: exit 0"
is "$(stat -c %a md md/tmp md/new md/cur | tr '\n' ' ')" "700 700 700 700 " "all four directories have mode 0700 despite umask 022"
err=$(maildirmake md 2>&1)
is "$?" 111 "existing directory: 111"
is "$err" "maildirmake: fatal: unable to mkdir md: File exists" "... message"
maildirmake no/such/parent 2>/dev/null
is "$?" 111 "missing parent: 111"
maildirmake 2>/dev/null
is "$?" 100 "no argument: 100"

# ---- maildir2mbox -------------------------------------------------------------------------
printf 'Return-Path: <a b@c.example>\nSubject: one\n\nFrom me\n>From you\n>>From x\nFromage\nlast' >md/new/1
printf 'Return-Path: <>\nSubject: bounce\n\nbody\n' >'md/cur/2:2,S'
printf 'Subject: no return path\n\nx\n' >md/new/3
printf 'Return-Path: <tab\there@x>\n\n' >md/cur/4
printf 'Return-Path: <future@x>\n\nnot yet\n' >md/new/5
printf 'crashed delivery' >md/tmp/old
printf 'running delivery' >md/tmp/fresh
touch -d @1000000000 md/new/1
touch -d @1000000100 'md/cur/2:2,S'
touch -d @999999999 md/new/3
touch -d @1000000200 md/cur/4
touch -d '+1 hour' md/new/5
touch -a -d '-40 hours' md/tmp/old
printf 'From old Thu Jan 01 00:00:00 1970\n\nold mail\n\n' >mbox
MAILDIR=md MAIL=../mbox MAILTMP=../mbox.tmp maildir2mbox
ok $? "maildir2mbox: exit 0"
cat >mbox.expected <<'END'
From old Thu Jan 01 00:00:00 1970

old mail

From XXX Sun Sep 09 01:46:39 2001
Subject: no return path

x

From a-b@c.example Sun Sep 09 01:46:40 2001
Return-Path: <a b@c.example>
Subject: one

>From me
>>From you
>>>From x
Fromage
last

From MAILER-DAEMON Sun Sep 09 01:48:20 2001
Return-Path: <>
Subject: bounce

body

From tab-here@x Sun Sep 09 01:50:00 2001
Return-Path: <tab	here@x>


END
cmp -s mbox.expected mbox
ok $? "mbox byte for byte: old contents, then messages oldest first with From_ lines and quoting"
is "$(ls -A md/cur md/new | tr -s '\n' ' ')" "md/cur: md/new: 5 " "moved messages are removed; the future one stays"
test ! -e md/tmp/old
ok $? "tmp file unread for 40 hours removed"
test -e md/tmp/fresh
ok $? "fresh tmp file kept"
test ! -e mbox.tmp
ok $? "MAILTMP renamed away"
is "$(stat -c %a mbox)" 600 "mbox mode 0600 (umask 077)"

cp mbox mbox.before
MAILDIR=md MAIL=../mbox MAILTMP=../mbox.tmp maildir2mbox
ok $? "nothing to move: exit 0"
cmp -s mbox mbox.before
ok $? "... mbox unchanged"
rm -rf md2 && maildirmake md2
MAILDIR=md2 MAIL=../newmbox MAILTMP=../newmbox.tmp maildir2mbox
test ! -e newmbox
ok $? "empty Maildir: MAIL not created"

# ---- failures leave everything in place ---------------------------------------------------
printf 'Subject: keep\n\nme\n' >md2/new/k
touch -d @1000000000 md2/new/k
MAILDIR=md2 MAIL=../mbox MAILTMP=../nodir/mbox.tmp maildir2mbox 2>/dev/null
is "$?" 111 "MAILTMP cannot be created: 111"
test -e md2/new/k
ok $? "... message kept in the Maildir"
cmp -s mbox mbox.before
ok $? "... mbox unchanged"
err=$(env -u MAILDIR MAIL=mbox MAILTMP=x maildir2mbox 2>&1)
is "$?" 111 "MAILDIR unset: 111"
is "$err" "maildir2mbox: fatal: MAILDIR not set" "... message"
err=$(env -u MAIL MAILDIR=md2 MAILTMP=x maildir2mbox 2>&1)
is "$?" 111 "MAIL unset: 111"
is "$err" "maildir2mbox: fatal: MAIL not set" "... message"
env -u MAILTMP MAILDIR=md2 MAIL=mbox maildir2mbox 2>/dev/null
is "$?" 111 "MAILTMP unset: 111"
err=$(MAILDIR=nonexistent MAIL=mbox MAILTMP=x maildir2mbox 2>&1)
is "$?" 111 "missing Maildir: 111"
like "$err" "^maildir2mbox: fatal: unable to chdir to nonexistent: " "... message"
rmdir md2/cur
MAILDIR=md2 MAIL=../mbox MAILTMP=../mbox.tmp maildir2mbox 2>/dev/null
is "$?" 111 "Maildir without cur/: 111"
test -e md2/new/k
ok $? "... message kept"

done_testing
