#!/bin/sh
# vacation: ~/.vacation.msg with $SUBJECT, one response per sender and
# interval (-r), -i, -l, -x, -a, -j, -c, -f, -m, the sender from the header
# when SENDER is unset, and the shared decisions; through real .qmail
# deliveries with a recording QMAILQUEUE.
. "$SUITE_SRC/tests/autorespond/lib.sh"

cat >"$H/.vacation.msg" <<'EOF'
From: Me <me@sandbox.example>
Subject: away: $SUBJECT

I am on holiday; I will read "$SUBJECT" later.
EOF
qfile .qmail-vac "|vacation $U\n./Maildir/\n"
mkin() { printf '%b' "$1" >"$T/in"; }
mkin "From: Sam <s@example.net>\nTo: $U@$D\nSubject: lunch\nMessage-ID: <1@example.net>\n\nHi.\n"
entries() { ls "$H/.vacation.db" | grep -c '^[0-9]'; }
vac() { # name sender responses
    reset_qq
    clearmail
    deliver vac "$2" "$T/in"
    is "$RC:$(nreplies):$(newmail)" "0:$3:1" "$1: exit 0, $3 response(s), message delivered"
}

# ---- the first message and the interval ---------------------------------------------------------
vac "first message" s@example.net 1
is "$(reply | normalize)" "From: Me <me@sandbox.example>
To: s@example.net
Subject: away: lunch
Date: DATE
Message-ID: <MSGID@sandbox.example>
In-Reply-To: <1@example.net>
References: <1@example.net>
Auto-Submitted: auto-replied
Precedence: junk
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

I am on holiday; I will read \"lunch\" later." "  ... the response, \$SUBJECT replaced"
is "$(renvelope)" "F|Ts@example.net||" "  ... with a null envelope sender"
like "$OUT" "^vacation: Sent response qp [0-9]+ to s@example.net" "  ... one line says so"
test -d "$H/.vacation.db" && is "$(entries)" 1 "  ... ~/.vacation.db is a directory with one entry"
vac "second message within the interval" s@example.net 0
like "$OUT" "vacation: Ignoring message: already answered s@example.net within 604800 seconds" "  ... a week by default"
vac "another sender" t@example.net 1

# ---- -i, -l, -r -------------------------------------------------------------------------------
out=$(HOME=$H vacation -l)
like "$out" "^s@example.net	[0-9-]+ [0-9:]+
t@example.net	[0-9-]+ [0-9:]+$" "-l lists the senders and when they were answered"
HOME=$H vacation -i
is "$?:$(entries)" "0:0" "-i empties the state"
vac "after -i" s@example.net 1
HOME=$H vacation -i -r 0
is "$(cat "$H/.vacation.db/.interval")" 0 "-i -r 0 stores the interval"
vac "-r 0: first" s@example.net 1
vac "-r 0: every message is answered" s@example.net 1
HOME=$H vacation -i -r infinite
is "$(cat "$H/.vacation.db/.interval")" infinite "-i -r infinite stores it"
vac "-r infinite: first" s@example.net 1
touch -d '2001-01-01' "$H/.vacation.db/"[0-9]*
mv "$H/.vacation.db/"[0-9]* "$H/.vacation.db/978307200.1.s@example.net"
vac "-r infinite: twenty years later" s@example.net 0
like "$OUT" "already answered s@example.net \\(once only\\)" "  ... once only"
HOME=$H vacation -i
qfile .qmail-vac "|vacation -r 2 $U\n./Maildir/\n"
vac "-r 2 on the command line" s@example.net 1
like "$(HOME=$H vacation -l)" "^s@example.net	" "  ... recorded"
mv "$H/.vacation.db/"[0-9]* "$H/.vacation.db/$(($(date +%s) - 86400)).1.s@example.net"
vac "-r 2, a day later" s@example.net 0
mv "$H/.vacation.db/"[0-9]* "$H/.vacation.db/$(($(date +%s) - 3 * 86400)).1.s@example.net"
vac "-r 2, three days later" s@example.net 1

# ---- -x ----------------------------------------------------------------------------------------
HOME=$H vacation -i
printf '@Example.COM\nx@example.net\n\n# comment\n' | HOME=$H vacation -x
is "$(cat "$H/.vacation.db/.exclude")" "@Example.COM
x@example.net" "-x adds exclusions"
qfile .qmail-vac "|vacation $U\n./Maildir/\n"
vac "an excluded address" X@example.net 0
like "$OUT" "Ignoring message: sender is excluded: X@example.net" "  ... says so"
vac "an excluded domain" a@example.com 0
vac "not excluded" a@example.net 1

# ---- our addresses ------------------------------------------------------------------------------------
HOME=$H vacation -i
mkin "From: s@example.net\nTo: Someone <someone@example.net>\nSubject: hi\n\nHi.\n"
vac "not addressed to us" s@example.net 0
like "$OUT" "Ignoring message: To/Cc/Bcc do not name $U-vac@$D or an alias" "  ... says so"
qfile .qmail-vac "|vacation -j $U\n./Maildir/\n"
vac "-j: answered anyway" s@example.net 1
HOME=$H vacation -i
qfile .qmail-vac "|vacation -a someone@example.net -a other $U\n./Maildir/\n"
vac "-a with a whole address" s@example.net 1
HOME=$H vacation -i
mkin "From: s@example.net\nCc: OTHER@elsewhere.example\nSubject: hi\n\nHi.\n"
vac "-a with a local part" s@example.net 1
HOME=$H vacation -i
mkin "From: s@example.net\nTo: $U-vac@$D\nSubject: hi\n\nHi.\n"
qfile .qmail-vac "|vacation\n./Maildir/\n"
vac "RECIPIENT, no login given" s@example.net 1
like "$(reply)" "^From: Me <me@sandbox.example>
" "  ... From from .vacation.msg"

# ---- the shared decisions -----------------------------------------------------------------------------
mkin "From: s@example.net\nTo: $U@$D\nSubject: hi\n\nHi.\n"
for row in "empty sender::" "a mailer daemon:MAILER-DAEMON@example.net:" "Precedence: bulk:s1@example.net:Precedence: bulk" \
    "List-Id:s2@example.net:List-Id: <l.x>" "Auto-Submitted:s3@example.net:Auto-Submitted: auto-replied"; do
    name=${row%%:*}
    rest=${row#*:}
    snd=${rest%%:*}
    h=${rest#*:}
    HOME=$H vacation -i
    if [ -n "$h" ]; then mkin "$h\nFrom: s@example.net\nTo: $U@$D\nSubject: hi\n\nHi.\n"; fi
    vac "$name" "$snd" 0
    like "$OUT" "^vacation: Ignoring message: " "  ... says why"
done

# ---- -c, -m, -f ------------------------------------------------------------------------------------------
mkin "From: s@example.net\nTo: $U@$D\nSubject: hi\n\nHi.\n"
HOME=$H vacation -i
qfile .qmail-vac "|vacation -c copy@example.net $U\n./Maildir/\n"
vac "-c" s@example.net 1
is "$(renvelope)" "F|Ts@example.net|Tcopy@example.net||" "  ... a copy goes to ccaddr"
printf 'Subject: other text\n\nOther.\n' >"$H/other.msg"
qfile .qmail-vac "|vacation -m other.msg -f other.db $U\n./Maildir/\n"
vac "-m and -f" s@example.net 1
like "$(reply)" "Subject: other text" "  ... the other message"
is "$(ls "$H/other.db" | grep -c '^[0-9]')" 1 "  ... the other state directory"
printf 'a Berkeley DB' >"$H/old.db"
qfile .qmail-vac "|vacation -f old.db $U\n./Maildir/\n"
vac "-f naming an existing file" s@example.net 1
is "$(cat "$H/old.db"):$(ls "$H/old.db.d" | grep -c '^[0-9]')" "a Berkeley DB:1" "  ... is left alone; old.db.d is used"

# ---- no SENDER (a .forward or a maildrop filter) --------------------------------------------------------
HOME=$H vacation -i
cd "$H" || exit 1
reset_qq
printf 'Return-Path: <rp@example.net>\nFrom: f@example.net\nTo: %s@%s\nSubject: hi\n\nHi.\n' "$U" "$D" |
    env -u SENDER -u RECIPIENT HOME="$H" vacation "$U" 2>"$T/err"
is "$?:$(nreplies):$(renvelope)" "0:1:F|Trp@example.net||" "no SENDER: the Return-Path is answered"
reset_qq
printf 'From mbox@example.net Thu Jan  1 00:00:00 2026\nFrom: f@example.net\nTo: %s@%s\nSubject: hi\n\nHi.\n' "$U" "$D" |
    env -u SENDER -u RECIPIENT HOME="$H" vacation "$U" 2>"$T/err"
is "$?:$(nreplies):$(renvelope)" "0:1:F|Tmbox@example.net||" "  ... else the mbox From line"
reset_qq
printf 'Return-Path: <>\nTo: %s@%s\n\nHi.\n' "$U" "$D" | env -u SENDER HOME="$H" vacation "$U" 2>"$T/err"
is "$?:$(nreplies)" "0:0" "  ... an empty Return-Path is not answered"
like "$(cat "$T/err")" "Ignoring message: empty envelope sender" "  ... says so"
reset_qq
printf 'From: f@example.net\nTo: %s@%s\n\nHi.\n' "$U" "$D" | env -u SENDER HOME="$H" vacation -s given@example.net "$U" 2>/dev/null
is "$(renvelope)" "F|Tgiven@example.net||" "  ... -s names the sender"
cd "$SANDBOX" || exit 1

# ---- errors ---------------------------------------------------------------------------------------------
qfile .qmail-vac "|vacation $U\n./Maildir/\n"
mv "$H/.vacation.msg" "$H/vacation.msg.off"
reset_qq
clearmail
deliver vac s@example.net "$T/in"
is "$RC:$(nreplies):$(newmail)" "111:0:0" "no ~/.vacation.msg: 111, the message waits"
like "$OUT" "vacation: fatal: unable to read .vacation.msg" "  ... saying why"
mv "$H/vacation.msg.off" "$H/.vacation.msg"
qfile .qmail-vac "|vacation -Q $U\n./Maildir/\n"
deliver vac s@example.net "$T/in"
is "$RC:$(newmail)" "111:0" "an unknown option: 111, the message waits"
like "$OUT" "vacation: usage:" "  ... with the usage"

done_testing
