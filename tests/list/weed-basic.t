#!/bin/sh
# ezmlm-weed: which messages are dropped (99) and which pass (0).
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create
cd "$SANDBOX" || exit 1

weed() { printf "$1" | ezmlm-weed; echo $?; }

is "$(weed 'From: a@b.example\nSubject: hello\n\nbody\n')" 0 "an ordinary message passes"
is "$(weed 'Subject: success notice\n\nx\n')" 99 "Subject: success notice"
is "$(weed 'Subject: deferral notice\n\nx\n')" 99 "Subject: deferral notice"
for h in 'Precedence: bulk' 'Precedence: junk' 'Precedence: list' 'Mailing-List: contact x' \
    'List-ID: <a.b>' 'X-Mailing-List: x' 'X-ML-Name: x' 'List-Help: <mailto:x>' \
    'List-Unsubscribe: <mailto:x>' 'List-Subscribe: <mailto:x>' 'List-Post: <mailto:x>' \
    'List-Owner: <mailto:x>' 'List-Archive: <http://x>' 'Subject: Message status - delivered' \
    'Subject: Message status - opened' 'Subject: Out of Office AutoReply: away' \
    'X-Amazon-Auto-Reply: yes' 'X-Mailer: KANA Response' 'Thread-Topic: AutoResponse' \
    'Subject: AutoResponse - away' 'Auto-Submitted: auto-replied'; do
    is "$(weed "From: a@b.example\n$h\n\nx\n")" 99 "dropped: $h"
done
is "$(weed 'precedence: BULK\n\nx\n')" 99 "names and values are matched ignoring case"
is "$(weed 'Subject:\n success notice\n\nx\n')" 99 "a folded header is unfolded first"
is "$(weed 'Auto-Submitted: no\n\nx\n')" 0 "Auto-Submitted: no is a person (RFC 3834)"
is "$(weed 'Subject: a list of things\n\nPrecedence: bulk\n')" 0 "body lines are not header fields"

# delivery status notifications
dsn() { # action [auto-submitted]
    printf 'From: MAILER-DAEMON@x.example\n%bContent-Type: multipart/report; report-type=delivery-status;\n\tboundary="BB"\n\nintro\n--BB\nContent-Type: text/plain\n\nSorry.\n--BB\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x.example\n\nFinal-Recipient: rfc822; u@x.example\nAction: %s\nStatus: 5.1.1\n--BB--\n' "$2" "$1" | ezmlm-weed
    echo $?
}
is "$(dsn failed)" 0 "a DSN whose Action is failed is a bounce: it passes"
is "$(dsn delayed)" 99 "Action: delayed is dropped"
is "$(dsn delivered)" 99 "Action: delivered is dropped"
is "$(dsn failed 'Auto-Submitted: auto-replied\n')" 0 "a failure DSN passes even with Auto-Submitted (Postfix, Exim)"
is "$(dsn relayed 'Auto-Submitted: auto-replied\n')" 99 "...a delay report with it is dropped"
is "$(printf 'Content-Type: multipart/report; report-type=delivery-status; boundary=BB\n\n--BB\nContent-Type: text/plain\n\nx\n--BB--\n' | ezmlm-weed; echo $?)" 99 \
    "a DSN without a status part ends at the closing boundary: dropped"
is "$(printf 'Content-Type: multipart/report; report-type=delivery-status; boundary=BB\n\n--BB\nContent-Type: message/delivery-status\n\nAct' | ezmlm-weed; echo $?)" 0 \
    "a truncated DSN passes (ezmlm-return decides)"

# old sendmail warnings
star='    **********************************************'
warn2='    **      THIS IS A WARNING MESSAGE ONLY      **'
warn3='    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **'
printf 'From: Mail Delivery Subsystem <MAILER-DAEMON@x.example>\nSubject: Warning: could not send message for past 4 hours\nAuto-Submitted: auto-generated (warning-timeout)\n\n%s\n%s\n%s\n%s\n\nmore\n' \
    "$star" "$warn2" "$warn3" "$star" >sw
ezmlm-weed <sw; is $? 99 "sendmail's 'could not send' warning is dropped"
printf 'From: Mail Delivery Subsystem <MAILER-DAEMON@x.example>\nSubject: Returned mail: warning: cannot send message for 4 hours\n\nThis is a MIME-encapsulated message\n\n--X\n\n%s\n%s\n%s\n%s\n' \
    "$star" "$warn2" "$warn3" "$star" >sr
ezmlm-weed <sr; is $? 99 "sendmail's MIME warning is dropped"
printf 'From: Mail Delivery Subsystem <MAILER-DAEMON@x.example>\nSubject: Returned mail: see transcript\n\nThe original message was not delivered\n' >real
ezmlm-weed <real; is $? 0 "a real sendmail bounce passes"

# bad input
printf '' | ezmlm-weed; is $? 0 "empty input passes"
printf 'no header at all\njust text\n' | ezmlm-weed; is $? 0 "no header: passes"
printf 'Subject: x\0y\nPrecedence: bulk\n\n\0\0\n' | ezmlm-weed; is $? 99 "NUL bytes do not stop the scan"
awk 'BEGIN { printf "X-Long: "; for (i = 0; i < 300000; i++) printf "aaaaaaaaaa"; print ""; print ""; print "b" }' | ezmlm-weed
is $? 0 "a 3 MB header line: passes, no crash"
ezmlm-weed </dev/null; is $? 0 "no input"
ezmlm-weed extra args </dev/null; is $? 0 "arguments are ignored"
done_testing
