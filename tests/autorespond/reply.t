#!/bin/sh
# What qmail-autoresponder queues (RFC 3834 header, subjects, MIME and
# charsets, the copy of the original), its named options (-O, config.txt,
# one file per option), -N, -X, log.txt and queue failures; through real
# .qmail deliveries with a recording QMAILQUEUE.
. "$SUITE_SRC/tests/autorespond/lib.sh"

R=$U-ar@$D
mkdir "$H/ar"
qfile .qmail-ar "|qmail-autoresponder ar\n./Maildir/\n"
mkin() { printf '%b' "$1" >"$T/in"; }
answer() { # sender: one delivery, expecting one response
    reset_qq
    clearmail
    rm -f "$H/ar/"[0-9]*
    deliver ar "$1" "$T/in"
    is "$RC:$(nreplies):$(newmail)" "0:1:1" "${2:-response}: queued, message delivered"
}

# ---- the whole response, byte for byte ------------------------------------------------------
cat >"$H/ar/message.txt" <<'EOF'
From: Joe Example <joe@sandbox.example>
Subject: Out of office: %S
X-Extra: kept
To: dropped@example.net
Auto-Submitted: auto-generated

Hello %s,

I am away; your message "%S" to %r will be read later.
100%% sure, %x stays.
EOF
mkin "From: Sam <s@example.net>\nTo: $R\nSubject: Re: Re: lunch\nMessage-ID: <1@example.net>\nReferences: <0@example.net>\n\nHi.\n"
answer s@example.net "plain response"
is "$(reply | normalize)" "From: Joe Example <joe@sandbox.example>
To: s@example.net
Subject: Out of office: lunch
X-Extra: kept
Date: DATE
Message-ID: <MSGID@sandbox.example>
In-Reply-To: <1@example.net>
References: <0@example.net>
 <1@example.net>
Auto-Submitted: auto-replied
Precedence: junk
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Hello s@example.net,

I am away; your message \"Re: Re: lunch\" to $U-ar@$D will be read later.
100% sure, %x stays." "  ... byte for byte (%S %s %r %% substituted, reply prefixes not repeated)"
like "$(reply)" "
Date: [0-9]+ [A-Z][a-z][a-z] [0-9]{4} [0-9:]{8} -0000
Message-ID: <[0-9]+\\.[0-9]+\\.autoreply@$D>
" "  ... with a Date and a Message-ID"

# ---- UTF-8 ------------------------------------------------------------------------------------
cat >"$H/ar/message.txt" <<'EOF'
From: Jörg Müller <joe@sandbox.example>
Subject: Abwesend: %S

Ich bin bis Montag nicht im Büro.
Grüße, Jörg
EOF
mkin "From: s@example.net\nTo: $R\nSubject: =?ISO-8859-1?Q?K=F6ln?= und =?UTF-8?B?TcO8bmNoZW4=?=\n\nHi.\n"
answer s@example.net "UTF-8 response"
is "$(reply | normalize)" "From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joe@sandbox.example>
To: s@example.net
Subject: =?UTF-8?Q?Abwesend=3A_K=C3=B6ln_und_M=C3=BCnchen?=
Date: DATE
Message-ID: <MSGID@sandbox.example>
Auto-Submitted: auto-replied
Precedence: junk
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Ich bin bis Montag nicht im B=C3=BCro.
Gr=C3=BC=C3=9Fe, J=C3=B6rg" "  ... RFC 2047 header words, quoted-printable UTF-8 text"
reply | LC_ALL=C grep -q "$(printf '[\200-\377]')"
ok $((!$?)) "  ... all 7-bit"

# a template with its own MIME header is sent as it is
cat >"$H/ar/message.txt" <<'EOF'
From: joe@sandbox.example
Subject: away
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: 8bit

Caf=E9 is literal here.
EOF
mkin "From: s@example.net\nTo: $R\nSubject: x\n\nHi.\n"
answer s@example.net "own Content-Type"
is "$(reply | sed -n '/^MIME-Version/,$p')" "MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: 8bit

Caf=E9 is literal here." "  ... the template's Content-Type and encoding are kept"

# ---- subjects -----------------------------------------------------------------------------------
printf 'From: joe@sandbox.example\n\nAway.\n' >"$H/ar/message.txt"
mkin "From: s@example.net\nTo: $R\nSubject: lunch\n\nHi.\n"
answer s@example.net "no Subject in the template"
like "$(reply)" "
Subject: Auto: lunch
" "  ... Subject: Auto: <original>"
mkin "From: s@example.net\nTo: $R\n\nHi.\n"
answer s@example.net "no Subject anywhere"
like "$(reply)" "
Subject: Auto: Your mail
" "  ... Subject: Auto: Your mail"

qfile .qmail-ar "|qmail-autoresponder -s 'Re: ' ar\n./Maildir/\n"
printf 'From: joe@sandbox.example\nSubject: replaced\n\nAway.\n' >"$H/ar/message.txt"
mkin "From: s@example.net\nTo: $R\nSubject: lunch\n\nHi.\n"
answer s@example.net "-s 'Re: '"
like "$(reply)" "
Subject: Re: lunch
" "  ... Subject: Re: lunch"
unlike "$(reply)" "replaced" "  ... replaces the template's Subject"
mkin "From: s@example.net\nTo: $R\nSubject: RE: Re: Aw:  lunch\n\nHi.\n"
answer s@example.net "-s on an answer to an answer"
like "$(reply)" "
Subject: Re: lunch
" "  ... prefixes do not grow"
qfile .qmail-ar "|qmail-autoresponder -s Re: ar\n./Maildir/\n"
mkin "From: s@example.net\nTo: $R\nSubject: subject test\n\nHi.\n"
answer s@example.net "-s Re: (no space)"
like "$(reply)" "
Subject: Re:subject test
" "  ... the prefix is taken as it is (qmail-autoresponder 2.0)"
qfile .qmail-ar "|qmail-autoresponder -O no_inreplyto ar\n./Maildir/\n"
mkin "From: s@example.net\nTo: $R\nMessage-ID: <9@x>\n\nHi.\n"
answer s@example.net "-O no_inreplyto"
unlike "$(reply)" "In-Reply-To|References" "  ... no In-Reply-To, no References"

# ---- the copy of the original ------------------------------------------------------------------
qfile .qmail-ar "|qmail-autoresponder -c -O numlines=2 -O headerstrip=received:x-* -O separator=--- ar\n./Maildir/\n"
printf 'From: joe@sandbox.example\nSubject: away\n\nAway.\n' >"$H/ar/message.txt"
mkin "Received: from a\n  by b\nFrom: s@example.net\nTo: $R\nX-Junk: 1\nSubject: hi\n\nline 1\nline 2\nline 3\n"
answer s@example.net "-c"
is "$(reply | normalize | sed 's/=_autoreply_[0-9a-f]*/BOUNDARY/')" "From: joe@sandbox.example
To: s@example.net
Subject: away
Date: DATE
Message-ID: <MSGID@sandbox.example>
Auto-Submitted: auto-replied
Precedence: junk
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=\"BOUNDARY\"
Content-Transfer-Encoding: 8bit

This is a message in MIME format.

--BOUNDARY
Content-Type: text/plain; charset=UTF-8

Away.
---
--BOUNDARY
Content-Type: message/rfc822
Content-Disposition: inline
Content-Transfer-Encoding: 8bit

From: s@example.net
To: $R
Subject: hi

line 1
line 2
--BOUNDARY--" "  ... multipart/mixed: the text, then the original (headerstrip, numlines, separator)"
qfile .qmail-ar "|qmail-autoresponder -c -O headerkeep=subject:from ar\n./Maildir/\n"
answer s@example.net "-c with headerkeep"
is "$(reply | sed -n '/^Content-Type: message/,$p' | sed 's/=_autoreply_[0-9a-f]*/BOUNDARY/')" "Content-Type: message/rfc822
Content-Disposition: inline
Content-Transfer-Encoding: 8bit

From: s@example.net
Subject: hi

line 1
line 2
line 3
--BOUNDARY--" "  ... only the kept fields, the whole body"

# ---- named options: -O, config.txt, one file per option ----------------------------------------------
qfile .qmail-ar "|qmail-autoresponder -O msglimit=2 ar\n./Maildir/\n"
mkin "From: s@example.net\nTo: $R\nSubject: hi\n\nHi.\n"
rm -f "$H/ar/"[0-9]*
reset_qq
deliver ar s@example.net "$T/in"
deliver ar s@example.net "$T/in"
deliver ar s@example.net "$T/in"
is "$(nreplies)" 2 "-O msglimit=2: two responses per interval"
rm -f "$H/ar/"[0-9]*
reset_qq
echo 3 >"$H/ar/msglimit"
printf 'extra@example.net\n' >"$H/ar/bcc"
deliver ar s@example.net "$T/in"
deliver ar s@example.net "$T/in"
deliver ar s@example.net "$T/in"
deliver ar s@example.net "$T/in"
is "$(nreplies)" 3 "a file per option overrides the command line (msglimit)"
is "$(renvelope)" "F|Ts@example.net|Textra@example.net||" "  ... bcc: one more envelope recipient"
rm -f "$H/ar/msglimit" "$H/ar/bcc" "$H/ar/"[0-9]*
printf '# settings\nmsglimit=1\nsubject_prefix=[auto] \n\nFrom: joe@sandbox.example\n\nFrom config.txt: %%S\n' >"$H/ar/config.txt"
echo 5 >"$H/ar/msglimit"
reset_qq
deliver ar s@example.net "$T/in"
deliver ar s@example.net "$T/in"
is "$(nreplies)" 1 "config.txt wins over the option files"
like "$(reply)" "
Subject: \\[auto\\] hi
" "  ... its settings"
like "$(reply)" "

From config.txt: hi
?$" "  ... and the response after its empty line"
rm -f "$H/ar/config.txt" "$H/ar/msglimit" "$H/ar/"[0-9]*
printf 'From: joe@sandbox.example\nSubject: away\n\nAway.\n' >"$H/ar/message.txt"
echo "msglimit=many" >"$H/ar/config.txt"
reset_qq
clearmail
deliver ar s@example.net "$T/in"
is "$RC:$(nreplies):$(newmail)" "111:0:0" "a configuration error: 111, the message waits in the queue"
like "$OUT" "Configuration error in msglimit" "  ... saying so"
rm -f "$H/ar/config.txt"
echo "$(( $(date +%s) + 86400 ))" >"$H/ar/starttime"
deliver ar s@example.net "$T/in"
is "$RC:$(nreplies)" "0:0" "starttime in the future: no response"
like "$OUT" "Ignoring message: before the start time" "  ... saying so"
rm -f "$H/ar/starttime"
echo "2001-01-01 00:00:00" >"$H/ar/endtime"
deliver ar s@example.net "$T/in"
like "$RC:$(nreplies):$OUT" "^0:0:.*Ignoring message: after the end time" "endtime in the past (a date): no response"
rm -f "$H/ar/endtime"

# ---- log.txt ----------------------------------------------------------------------------------
qfile .qmail-ar "|qmail-autoresponder ar\n./Maildir/\n"
: >"$H/ar/log.txt"
rm -f "$H/ar/"[0-9]*
deliver ar s@example.net "$T/in"
deliver ar s@example.net "$T/in"
like "$(cat "$H/ar/log.txt")" "^[0-9]+ \\+s@example.net
[0-9]+ -s@example.net$" "log.txt: + for a response, - for a rate-limited one"
rm -f "$H/ar/log.txt"

# ---- queue failures ------------------------------------------------------------------------------
rm -f "$H/ar/"[0-9]*
reset_qq
clearmail
QQ_EXIT=53; export QQ_EXIT
deliver ar s@example.net "$T/in"
unset QQ_EXIT
is "$RC:$(nreplies):$(newmail)" "111:0:0" "the queue fails temporarily: 111, the message is not delivered yet"
like "$OUT" "qq write error or disk full" "  ... with qmail's text"
is "$(ls "$H/ar" | grep -c '^[0-9]')" 0 "  ... and no sender is recorded"
deliver ar s@example.net "$T/in"
is "$RC:$(nreplies):$(newmail)" "0:1:1" "  ... the retry answers and delivers"
rm -f "$H/ar/"[0-9]*
reset_qq
clearmail
QQ_EXIT=31; export QQ_EXIT
deliver ar s@example.net "$T/in"
unset QQ_EXIT
is "$RC:$(nreplies):$(newmail)" "0:0:1" "the queue refuses the response permanently: the message is still delivered"
like "$OUT" "warning: the queue refused the response: mail server permanently rejected message" "  ... with a warning"
is "$(ls "$H/ar" | grep -c '^[0-9]')" 0 "  ... and no sender is recorded"

# ---- -N and -X, outside qmail-local (a maildrop filter runs it with a pipe) ------------------------
cd "$H/ar" || exit 1
rm -f [0-9]*
reset_qq
out=$(cat "$T/in" | SENDER=s@example.net RECIPIENT=$R qmail-autoresponder -N . 2>"$T/err")
is "$?:$(nreplies)" "0:0" "-N: exit 0, nothing queued"
like "$out" "^From: joe@sandbox.example
To: s@example.net
Subject: away
" "  ... the response on stdout"
is "$(cat "$T/err")" "qmail-autoresponder: Sent response to s@example.net" "  ... and its line on stderr"
out=$(SENDER=s@example.net RECIPIENT=$R qmail-autoresponder -N . <"$T/in" 2>&1)
is "$out" "qmail-autoresponder: Ignoring message: already answered s@example.net within 3600 seconds" \
    "  ... and the sender is recorded, as in qmail-autoresponder 2.0"
rm -f [0-9]*
out=$(cat "$T/in" | SENDER=s@example.net RECIPIENT=$R qmail-autoresponder -X . 2>/dev/null)
is "$?:$(nreplies)" "0:1" "-X: answered"
is "$out" "$(cat "$T/in")" "  ... and the message copied to stdout (maildrop's xfilter)"
out=$(cat "$T/in" | SENDER=s@example.net RECIPIENT=$R qmail-autoresponder -X . 2>/dev/null)
is "$out" "$(cat "$T/in")" "  ... also when it is not answered"
rm -f [0-9]*
out=$(cat "$T/in" | SENDER=s@example.net RECIPIENT=$R qmail-autoresponder -c -O numlines=0 -X . 2>/dev/null)
is "$out" "$(cat "$T/in")" "  ... also when a copy is attached"
cd "$SANDBOX" || exit 1
SENDER=s@example.net RECIPIENT=$R qmail-autoresponder -N -X "$H/ar" <"$T/in" >/dev/null 2>&1
is "$?" 111 "-N and -X together: usage, 111"
env -u SENDER RECIPIENT=$R qmail-autoresponder "$H/ar" <"$T/in" >/dev/null 2>&1
is "$?" 111 "no SENDER: 111"
SENDER=s@example.net RECIPIENT=$R qmail-autoresponder <"$T/in" >/dev/null 2>&1
is "$?" 111 "no DIRECTORY: usage, 111"
SENDER=s@example.net RECIPIENT=$R qmail-autoresponder -Z "$H/ar" <"$T/in" >/dev/null 2>&1
is "$?" 111 "an unknown option: usage, 111"
SENDER=s@example.net RECIPIENT=$R qmail-autoresponder nosuchfile.txt "$H/ar" <"$T/in" >/dev/null 2>&1
is "$?" 111 "a missing message file: 111"

done_testing
