#!/bin/sh
# Completion order: qmail-send removes a finished message's info file
# before it has qmail-clean remove the message file.  The message id is the
# mess inode, free for a new message as soon as the mess file is recycled;
# a new message with that id once lost its info file to the old message's
# completion (mess went first), which left it stuck with local/ and no
# info/.  Here qmail-clean is a stand-in that notes, for every foop/<id>,
# whether info/<split>/<id> was still there.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
sandbox_create
CLEANLOG=$SANDBOX/clean.log
export CLEANLOG
: >"$CLEANLOG"
rm -f "$QMAILHOME/bin/qmail-clean"
cat >"$QMAILHOME/bin/qmail-clean" <<'PERL'
#!/usr/bin/perl
# qmail-clean's protocol (NUL-terminated requests on fd 0, one byte back on
# fd 1) without the pool; foop requests are noted with the info file's state
use strict;
use warnings;
chdir "$ENV{QMAILHOME}/queue" or exit 111;
open(my $log, '>>', $ENV{CLEANLOG}) or exit 111;
$log->autoflush(1);
$| = 1;
$/ = "\0";
while (my $req = <STDIN>) {
    chomp $req;
    if ($req =~ m{^(foop|todo)/(\d+)$}) {
        my ($what, $id, $s) = ($1, $2, $2 % 23);
        if ($what eq 'foop') {
            print $log "foop $id info=", (-e "info/$s/$id" ? "present" : "gone"), "\n";
            unlink "intd/$id", "mess/$s/$id";
        } else {
            unlink "intd/$id", "todo/$s/$id";
        }
    }
    print '+';
}
PERL
chmod 755 "$QMAILHOME/bin/qmail-clean"

(cd "$QMAILHOME" && qmail-newu) || fail "qmail-newu"
queue_start
for i in 1 2 3 4 5; do
    printf 'Subject: %s\n\nbody\n' "$i" | queue_inject "a@example.org" "$SANDBOX_USER@$SANDBOX_DOMAIN"
done
queue_wait 'end msg' 20
i=0
while [ "$(grep -c '^foop ' "$CLEANLOG")" -lt 5 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
queue_stop
is "$(grep -c '^foop .* info=gone$' "$CLEANLOG")" 5 "every message file was recycled after its info file was gone"
is "$(grep -c 'info=present' "$CLEANLOG")" 0 "never while the info file was still there"
is "$(ls "$SANDBOX_MAILDIR/new" | wc -l | tr -d ' ')" 5 "all five delivered"
done_testing
