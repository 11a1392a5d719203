#!/bin/sh
# qmail-showctl on a sandbox: the header lines, every control file's
# paragraph with qmail 1.03's wording and defaults, list files, the
# morercpthosts.cdb check, unknown files, and unprintable bytes.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

C=$QMAILHOME/control
rm -f "$C/rcpthosts"
printf 'sandbox.example\n' >"$C/me"
printf '100000\n' >"$C/databytes"
printf 'junk\n' >"$C/concurrencyremote"
printf 'bounces.example\n' >"$C/bouncehost"
printf 'spam@example.net\n@bad.example\n' >"$C/badmailfrom"
printf 'a.example\n# comment\n\nb.example\n' >"$C/rcpthosts"
printf 'Hello\001there  \n' >"$C/smtpgreeting"
printf 'x\n' >"$C/defaultdelivery"
printf 'x\n' >"$C/zz-local-file"

out=$(qmail-showctl)
ok $? "qmail-showctl exits 0"
uids=$SANDBOX_UID
is "$out" "qmail home directory: $QMAILHOME.
user-ext delimiter: -.
paternalism (in decimal): 2.
silent concurrency limit: 120.
subdirectory split: 23.
user ids: $uids, $uids, $uids, $uids, $uids, $uids, $uids, $uids.
group ids: $SANDBOX_GID, $SANDBOX_GID.

badmailfrom: 
spam@example.net not accepted in MAIL FROM.
@bad.example not accepted in MAIL FROM.

bouncefrom: (Default.) Bounce user name is MAILER-DAEMON.

bouncehost: Bounce host name is bounces.example.

concurrencylocal: (Default.) Local concurrency is 10.

concurrencyremote: (Default.) Remote concurrency is 20.

databytes: SMTP DATA limit is 100000 bytes.

defaultdomain: (Default.) Default domain name is sandbox.example.

defaulthost: (Default.) Default host name is sandbox.example.

doublebouncehost: (Default.) 2B recipient host: sandbox.example.

doublebounceto: (Default.) 2B recipient user: postmaster.

envnoathost: (Default.) Presumed domain name is sandbox.example.

helohost: (Default.) SMTP client HELO host name is sandbox.example.

idhost: (Default.) Message-ID host name is sandbox.example.

localiphost: (Default.) Local IP address becomes sandbox.example.

locals: 
Messages for sandbox.example are delivered locally.

me: My name is sandbox.example.

percenthack: (Default.) The percent hack is not allowed.

plusdomain: (Default.) Plus domain name is sandbox.example.

qmqpservers: (Default.) No QMQP servers.

queuelifetime: (Default.) Message lifetime in the queue is 604800 seconds.

rcpthosts: 
SMTP clients may send messages to recipients at a.example.
SMTP clients may send messages to recipients at b.example.

morercpthosts: (Default.) No effect.

morercpthosts.cdb: (Default.) No effect.

smtpgreeting: SMTP greeting: 220 Hello?there.

smtproutes: (Default.) No artificial SMTP routes.

timeoutconnect: (Default.) SMTP client connection timeout is 60 seconds.

timeoutremote: (Default.) SMTP client data timeout is 1200 seconds.

timeoutsmtpd: (Default.) SMTP server data timeout is 1200 seconds.

virtualdomains: (Default.) No virtual domains.

defaultdelivery: I have no idea what this file does.

zz-local-file: I have no idea what this file does." "full output on a sandbox"

# morercpthosts without and with its cdb, and without rcpthosts
printf 'more.example\n' >"$C/morercpthosts"
out=$(qmail-showctl | sed -n '/^morercpthosts/,/^$/p')
is "$out" "morercpthosts: 
SMTP clients may send messages to recipients at more.example.

morercpthosts.cdb: Oops! morercpthosts exists but morercpthosts.cdb doesn't." "morercpthosts without its cdb"
qmail-newmrh
out=$(qmail-showctl | grep '^morercpthosts.cdb')
is "$out" "morercpthosts.cdb: Modified recently enough; hopefully up to date." "cdb up to date"
touch -d '2001-01-01' "$C/morercpthosts.cdb"
out=$(qmail-showctl | grep '^morercpthosts.cdb')
is "$out" "morercpthosts.cdb: Oops! morercpthosts.cdb is older than morercpthosts." "cdb older than the source"
rm -f "$C/rcpthosts"
out=$(qmail-showctl | grep -E '^(rcpthosts|morercpthosts|No rcpthosts)')
is "$out" "rcpthosts: (Default.) SMTP clients may send messages to any recipient.
morercpthosts: 
No rcpthosts; doesn't matter that morercpthosts has more.example.
morercpthosts.cdb: Oops! morercpthosts.cdb is older than morercpthosts." "morercpthosts without rcpthosts"
rm -f "$C/morercpthosts"
out=$(qmail-showctl | grep '^morercpthosts.cdb')
is "$out" "morercpthosts.cdb: Oops! morercpthosts.cdb exists but morercpthosts doesn't." "cdb without its source"

# without control/me the defaults are the literal names
rm -f "$C/me" "$C/bouncehost"
out=$(qmail-showctl | grep -E '^(me|bouncehost|helohost):')
is "$out" "bouncehost: (Default.) Bounce host name is bouncehost.
helohost: (Default.) SMTP client HELO host name is helohost.
me: (Default.) My name is undefined! Uh-oh." "defaults without control/me"

# a file that cannot be read, and a missing home
printf 'a\000b\n' >"$C/idhost"
out=$(qmail-showctl | grep '^idhost:')
is "$out" "idhost: Oops! Trouble reading this file." "an unreadable file is reported"
out=$(QMAILHOME=$SANDBOX/nonexistent qmail-showctl | tail -n 1)
is "$?" 0 "pipeline ok"
is "$out" "Oops! Unable to chdir to $SANDBOX/nonexistent." "missing home reported"
QMAILHOME=$SANDBOX/nonexistent qmail-showctl >/dev/null
is "$?" 111 "... exit 111"

done_testing
