#!/bin/sh
# ezmlm-warn: the schedule (nothing before the timeout, the lockout),
# the warning (its return path, recipients, the bounced message numbers,
# the stored bounce), the probe, removal by ezmlm-return, nowarn, the
# digest list, short-form addresses, queue failures, stray files.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
cd "$SANDBOX" || exit 1
list_make "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN" || BAIL_OUT "ezmlm-make"
L=$SANDBOX/L
ezmlm-sub "$L" alice@a.example bob@b.org || BAIL_OUT "ezmlm-sub"
printf 'From: MAILER-DAEMON@mx.example\nSubject: failure notice\n\nbob@b.org: mailbox unavailable\n' >b1
bounce() { # DEFAULT [options]
    d=$1; shift
    SENDER=MAILER-DAEMON@mx.example DEFAULT=$d ezmlm-return "$@" "$L" <b1 2>/dev/null
}
age() { # makes every recorded bounce of WORK older by 12 days
    for d in "$1"/bounce/d/*; do
        n=$(basename "$d")
        mv "$d" "$1/bounce/d/$((n - 104))"
    done
}
warn() { ezmlm-warn "$@" "$L" 2>"$SANDBOX/err"; echo $?; }

bounce 5-bob=b.org; bounce 6-bob=b.org
is "$(warn)" 0 "ezmlm-warn with fresh bounces: 0"
is "$(qqrec_count)" 0 "...sends nothing before the timeout (10 days)"
[ -f "$L/bounce/lastd" ]; ok $? "...and notes the run in bounce/lastd"
age "$L"
is "$(warn)" 0 "right after a run (within the lockout)"
is "$(qqrec_count)" 0 "...nothing is done"
is "$(warn -l 0)" 0 "ezmlm-warn -l 0 with a 12-day-old bounce"
is "$(qqrec_count)" 1 "...sends one warning"
like "$(cat err)" 'info: qp [0-9]+' "...reporting the qp"
env=$(qqrec_env 1)
snd=$(echo "$env" | sed -n 's/^F//p')
like "$snd" '^list-return-warn-[0-9]+\.[a-z2-7]{20}-bob=b\.org@sandbox\.example$' \
    "...from list-return-warn-TIME.COOKIE-bob=b.org@HOST"
is "$(echo "$env" | sed -n 's/^T//p')" "bob@b.org" "...to bob@b.org"
m=$(cat "$QQREC/1.msg")
like "$m" 'From: list-help@sandbox\.example' "...From: LIST-help"
like "$m" 'To: bob@b\.org' "...To: the subscriber"
like "$m" 'Subject: [^
]*list@sandbox\.example' "...a subject naming the list"
like "$m" '
   5
   6
' "...listing the bounced messages 5 and 6"
like "$m" 'Return-Path: <MAILER-DAEMON@mx\.example>
From: MAILER-DAEMON@mx\.example
Subject: failure notice' "...with a copy of the first bounce"
unlike "$m" 'mailbox unavailable' "...whose body is left out (copylines 0)"
is "$(find "$L/bounce/d" -type f | wc -l | tr -d ' ')" 0 "the d file is gone"
[ ! -e "$L/bounce/h/k/hodnhhfilcdapnmdjlco" ]; ok $? "...and so is the hash file"
[ -f "$L/bounce/lasth" ]; ok $? "bounce/lasth is kept"

# the warning bounces: a probe follows
d=${snd%@*}; d=${d#list-return-}
bounce "$d"; is $? 99 "the warning bounces back to its return path: 99"
is "$(find "$L/bounce/d" -name 'w*' | wc -l | tr -d ' ')" 1 "...a w file is kept"
age "$L"
is "$(warn -l 0)" 0 "ezmlm-warn after the timeout"
is "$(qqrec_count)" 2 "...sends a probe"
psnd=$(qqrec_env 2 | sed -n 's/^F//p')
like "$psnd" '^list-return-probe-[0-9]+\.[a-z2-7]{20}-bob=b\.org@sandbox\.example$' "...from list-return-probe-TIME.COOKIE-..."
is "$(find "$L/bounce/d" -type f | wc -l | tr -d ' ')" 0 "...the w file is gone"
d=${psnd%@*}; d=${d#list-return-}
bounce "$d"; is $? 99 "the probe bounces"
SENDER=bob@b.org ezmlm-issubn "$L"; is $? 99 "...bob@b.org is removed"
SENDER=alice@a.example ezmlm-issubn "$L"; is $? 0 "...alice stays"

# -t 0 handles everything now; an address that left meanwhile gets nothing
bounce 7-alice=a.example
ezmlm-unsub "$L" alice@a.example
n=$(qqrec_count)
is "$(warn -t 0)" 0 "ezmlm-warn -t 0 processes all bounces at once"
is "$(qqrec_count)" "$n" "...no warning for an address that is no longer subscribed"
is "$(find "$L/bounce/d" -type f | wc -l | tr -d ' ')" 0 "...its d file is removed"

# stray files, nowarn
ezmlm-sub "$L" carol@c.example
bounce 8-carol=c.example
mkdir -p "$L/bounce/d/1"
touch "$L/bounce/d/1/junk" "$L/bounce/d/2_d123.45"
is "$(warn -t 0)" 0 "stray files in bounce/d"
[ ! -e "$L/bounce/d/1" ] && [ ! -e "$L/bounce/d/2_d123.45" ]; ok $? "...are removed"
is "$(qqrec_count)" $((n + 1)) "...carol gets her warning"
bounce 9-carol=c.example
touch "$L/nowarn"
n=$(qqrec_count)
is "$(warn -t 0)" 0 "nowarn: 0"
is "$(qqrec_count)" "$n" "...nothing sent"
rm "$L/nowarn"

# a queue that fails keeps the bounce for the next run
QQREC_FAIL=53; export QQREC_FAIL
is "$(warn -t 0)" 111 "qmail-queue fails: 111"
is "$(find "$L/bounce/d" -type f | wc -l | tr -d ' ')" 1 "...the d file stays"
unset QQREC_FAIL
is "$(warn -t 0)" 0 "the next run"
is "$(find "$L/bounce/d" -type f | wc -l | tr -d ' ')" 0 "...sends it"

# the digest list
ezmlm-sub "$L" digest dig@d.example
bounce 3-dig=d.example -d
n=$(qqrec_count)
is "$(warn -t 0)" 0 "without -d/-D the digest list is done too"
is "$(qqrec_count)" $((n + 1)) "...a digest warning"
like "$(qqrec_env $((n + 1)) | sed -n 's/^F//p')" '^list-digest-return-warn-' "...from list-digest-return-warn-"
like "$(cat "$QQREC/$((n + 1)).msg")" 'From: list-digest-help@sandbox\.example' "...From: list-digest-help"

# a long address: the short form of the return path
long="a-very-long-local-part-of-a-subscriber-address@a-long-domain.example"
ezmlm-sub "$L" "$long"
bounce "10-a-very-long-local-part-of-a-subscriber-address=a-long-domain.example"
n=$(qqrec_count)
is "$(warn -t 0)" 0 "a warning to a long address"
s=$(qqrec_env $((n + 1)) | sed -n 's/^F//p')
like "$s" '^list-return-warn-[0-9]+\.[a-z2-7]{20}@sandbox\.example$' "...its return path has no address (local part <= 64)"
c=${s%@*}; c=${c##*.}
is "$(cat "$L/cookies/$c")" "$long" "...which is kept in DIR/cookies"
d=${s%@*}; d=${d#list-return-}
bounce "$d"; is $? 99 "the warning bounces to the short address"
is "$(find "$L/bounce/d" -name 'w*' | xargs cat | tr '\0' '\n' | head -1)" "$long" "...and is matched to the subscriber"

ezmlm-warn 2>/dev/null </dev/null; is $? 100 "no DIR: usage, 100"
ezmlm-warn -t x "$L" 2>/dev/null; is $? 100 "a bad -t: usage, 100"
done_testing
