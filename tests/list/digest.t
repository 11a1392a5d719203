#!/bin/sh
# ezmlm-tstdig and the digests of ezmlm-get on a list made by ezmlm-make -d:
# the criteria (count, size, time, 0 turns one off, no num), the editor's
# DIR/tstdig claim and the manager mode; a digest from the editor to the
# digest subscribers (envelope, header, the table of contents, the messages
# as message/rfc822 parts with only digheaders kept), dignum and digissue,
# "nothing to digest", a queue failure that restores both files; the
# manager: requests that are not ezmlm-get's pass through to ezmlm-manage,
# dig.CODE with the right and a wrong code, -C, the command line, a digest
# list without digest subscribers, a list that keeps no archive.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
cd "$SANDBOX" || exit 1
D=sandbox.example
L=$SANDBOX/L
list_make -d "$L" "$SANDBOX_HOME/.qmail-list" list "$D" Digcode || BAIL_OUT "ezmlm-make -d"

like "$(cat "$L/editor")" "ezmlm-tstdig '$L' \\|\\| exit 99
.*ezmlm-get '$L' \\|\\| exit 0" "ezmlm-make -d: the editor runs ezmlm-tstdig, then ezmlm-get"
like "$(cat "$L/manager")" "ezmlm-get '$L' Digcode
.*ezmlm-manage '$L'" "...the manager runs ezmlm-get with the code before ezmlm-manage"

last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
lastenv() { qqrec_env "$(last)"; }
post() { # SUBJECT BODY
    printf 'From: Bob <bob@b.example>\nTo: list@sandbox.example\nSubject: %s\nX-Junk: drop me\nMessage-ID: <%s@b.example>\n\n%s\n' \
        "$1" "$(date +%s%N)" "$2" | SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null
}
tst() { # [options]: prints the exit code (environment as given)
    ezmlm-tstdig "$@" "$L" 2>"$SANDBOX/err"
    echo $?
}
get() { # [options/code]: the editor (LOCAL set, no DEFAULT)
    (unset DEFAULT; LOCAL=list SENDER=bob@b.example ezmlm-get "$L" "$@" <"$SANDBOX/post1" 2>"$SANDBOX/err")
    echo $?
}
mgr() { # DEFAULT [args]: ezmlm-get from the manager
    d=$1; shift
    LOCAL=list-$d DEFAULT=$d SENDER=${S:-carol@c.example} ezmlm-get "$@" "$L" Digcode <"$SANDBOX/req" \
        2>"$SANDBOX/err"
    echo $?
}
printf 'From: carol@c.example\nTo: list-x@sandbox.example\nSubject: a request\n\n' >req
printf 'From: Bob <bob@b.example>\nSubject: x\n\nx\n' >post1
now=$(date +%s)

# ---- ezmlm-tstdig -------------------------------------------------------------------
(unset LOCAL DEFAULT; tst >/dev/null)
is "$(unset LOCAL DEFAULT; tst)" 99 "tstdig: no DIR/num: 99"
is "$(unset LOCAL DEFAULT; ezmlm-tstdig -m 1 "$L" extra 2>/dev/null; echo $?)" 100 "...an argument after DIR: usage (100)"
is "$(unset LOCAL DEFAULT; ezmlm-tstdig -m x "$L" 2>/dev/null; echo $?)" 100 "...a number that is not: usage (100)"
post "first topic" "body one"; post "second topic" "body two"
is "$(cat "$L/num")" "2:0" "two posts archived: num 2:0"
printf '0:0:%s\n' "$now" >"$L/dignum"
unset LOCAL DEFAULT
is "$(tst -m 3 -k 0 -t 0)" 99 "tstdig -m 3 with 2 messages: 99"
is "$(tst -m 2 -k 0 -t 0)" 0 "...-m 2: 0 (due)"
is "$(tst -m 0 -k 0 -t 0)" 99 "...every criterion 0: 99"
is "$(tst -m 0 -k 0 -t 1)" 99 "...-t 1 just after a digest: 99"
printf '0:0:%s\n' "$((now - 7200))" >"$L/dignum"
is "$(tst -m 0 -k 0 -t 1)" 0 "...-t 1 two hours after it: 0"
is "$(tst -m 0 -k 0 -t 3)" 99 "...-t 3: 99"
printf '0:0:%s\n' "$now" >"$L/dignum"
cp "$L/num" numsave
echo 2:8 >"$L/num"
is "$(tst -m 0 -k 2 -t 0)" 0 "...-k 2 with 8 units of 256 bytes: 0"
is "$(tst -m 0 -k 3 -t 0)" 99 "...-k 3: 99"
echo 2 >"$L/digcount"
is "$(tst)" 0 "...DIR/digcount 2 as the default: 0"
echo 0 >"$L/digcount"; echo 0 >"$L/digsize"; echo 0 >"$L/digtime"
is "$(tst)" 99 "...digcount, digsize and digtime 0: 99"
rm -f "$L/digcount" "$L/digsize" "$L/digtime"
cp numsave "$L/num"
printf '2:0:0\n' >"$L/dignum"
is "$(tst -m 1 -k 0 -t 1)" 99 "...nothing since the last digest: 99 whatever the time"
printf '0:0:%s\n' "$now" >"$L/dignum"
is "$(LOCAL=list-subscribe DEFAULT=subscribe tst -m 5)" 0 "manager mode: another request is 0 (not ours)"
is "$(LOCAL=list-digest-subscribe DEFAULT=digest-subscribe tst -m 5)" 0 "...digest-subscribe: 0"
is "$(LOCAL=list-dig.Digcode DEFAULT=dig.Digcode tst -m 5)" 99 "...dig.CODE, not due: 99"
is "$(LOCAL=list-dig.Digcode DEFAULT=dig.Digcode tst -m 2)" 0 "...dig.CODE, due: 0"
rm -f "$L/tstdig"
printf '0:0:%s\n' "$((now - 100))" >"$L/dignum"
is "$(LOCAL=list tst -m 5)" 99 "editor mode, not due: 99"
[ ! -e "$L/tstdig" ]; ok $? "...no DIR/tstdig"
is "$(LOCAL=list tst -m 2)" 0 "editor mode, due: 0"
like "$(cat "$L/tstdig")" '^[0-9]+$' "...DIR/tstdig holds the time"
is "$(LOCAL=list tst -m 2)" 99 "...again within the hour: 99 (one digest at a time)"
echo "$((now - 4000))" >"$L/tstdig"
is "$(LOCAL=list tst -m 2)" 0 "...DIR/tstdig older than an hour: 0"
echo "$((now - 60))" >"$L/tstdig"
printf '0:0:%s\n' "$((now - 30))" >"$L/dignum"
is "$(LOCAL=list tst -m 2)" 0 "...DIR/tstdig older than the last digest: 0"
rm -f "$L/dignum" "$L/tstdig"

# ---- a digest from the editor -------------------------------------------------------
ezmlm-sub "$L" digest d1@d.example d2@d.example || BAIL_OUT "ezmlm-sub digest"
ezmlm-sub "$L" main1@m.example
qqrec_reset
is "$(get)" 0 "ezmlm-get from the editor: 0"
like "$(cat err)" 'ezmlm-get: info: qp [0-9]+' "...qp line"
is "$(last)" 1 "...one message queued"
is "$(lastenv | sed '/^$/d' | sort)" "$(printf 'Flist-digest-return-1-@sandbox.example-@[]\nTd1@d.example\nTd2@d.example\n')" \
    "...envelope LIST-digest-return-FIRST-@HOST-@[] to the digest subscribers only"
m=$(lastmsg)
like "$m" '
From: list-digest-help@sandbox\.example
To: list@sandbox\.example
' "...From LIST-digest-help@HOST, To LIST@HOST"
issue1="list Digest $(date -u '+%-d %b %Y') Issue 1"
like "$m" "
Subject: $issue1
" "...Subject: SUB_DIGEST_ISSUE with the date and issue 1"
like "$m" 'Content-Type: multipart/digest; boundary=[a-p]{20}' "...multipart/digest"
like "$m" 'List-Unsubscribe: <mailto:list-digest-unsubscribe@sandbox\.example>' "...headeradd with <#l#> = LIST-digest"
like "$m" 'Mailing-List: contact list-help@sandbox\.example' "...Mailing-List"
like "$m" "

$issue1

Topics \\(messages 1 through 2\\):

first topic
	1 by: Bob

second topic
	2 by: Bob

Administrivia:
" "...the text part: title, topics, table of contents"
like "$m" 'To leave the digest, write to:' "...and text/digest"
like "$m" 'Content-Type: message/rfc822
Content-Disposition: inline; filename="list_1\.eml"

From: Bob <bob@b\.example>
To: list@sandbox\.example
Subject: first topic
Message-ID: <[0-9]+@b\.example>

body one
' "...message 1 as message/rfc822 with only the digheaders and the empty line"
like "$m" 'filename="list_2\.eml"' "...message 2"
unlike "$m" 'X-Junk|Return-Path|Delivered-To: mailing list' "...other fields dropped"
like "$m" '--[a-p]{20}--$' "...the closing boundary"
like "$(cat "$L/dignum")" "^2:0:[0-9]+\$" "dignum: last message, size, time"
is "$(cat "$L/digissue")" "1:0" "digissue: 1:0"

qqrec_reset
is "$(get)" 0 "again: nothing to digest, 0"
like "$(cat err)" 'nothing to digest' "...info message"
is "$(last)" 0 "...nothing queued"

post "third topic" "body three"
echo 'From' >"$L/digheaders"; echo Subject >>"$L/digheaders"
d0=$(cat "$L/dignum")
is "$(QQREC_FAIL=81 get)" 111 "a queue failure: 111"
like "$(cat err)" 'temporary qmail-queue error' "...temporary qmail-queue error"
is "$(cat "$L/dignum")" "$d0" "...dignum restored"
is "$(cat "$L/digissue")" "1:0" "...digissue restored"
qqrec_reset
is "$(get)" 0 "retry: 0"
is "$(lastenv | head -1)" "Flist-digest-return-3-@sandbox.example-@[]" "...FIRST is message 3"
m=$(lastmsg)
like "$m" "Subject: list Digest .* Issue 2" "...issue 2"
like "$m" 'filename="list_3\.eml"

From: Bob <bob@b\.example>
Subject: third topic

body three' "...DIR/digheaders chooses the fields kept"
unlike "$m" 'list_2\.eml' "...only the new message"
is "$(cat "$L/digissue")" "2:0" "digissue 2:0"
rm -f "$L/digheaders"

# ---- the manager --------------------------------------------------------------------
qqrec_reset
is "$(mgr subscribe)" 0 "manager: subscribe is not ezmlm-get's: 0"
is "$(last)" 0 "...nothing queued"
is "$(mgr digest-subscribe)" 0 "...digest-subscribe: 0"
is "$(mgr help)" 0 "...help: 0"
is "$(LOCAL=list-subscribe DEFAULT=subscribe SENDER=new@n.example ezmlm-manage "$L" <req 2>/dev/null; echo $?)" 0 \
    "...and ezmlm-manage answers the subscribe request"
like "$(lastmsg)" 'To: new@n\.example' "...a confirmation request to the subscriber"
qqrec_reset
is "$(mgr dig.Digcode)" 99 "dig.CODE with nothing new: 99"
like "$(cat err)" 'nothing to digest' "...nothing to digest"
post "fourth topic" "body four"
qqrec_reset
is "$(mgr dig.wrong)" 100 "dig.WRONG: 100"
like "$(cat err)" 'wrong digest code' "...wrong digest code"
is "$(mgr dig.)" 100 "dig. without a code: 100"
is "$(mgr dig.Digcodex2)" 100 "dig.CODE followed by two letters: 100"
is "$(last)" 0 "...nothing queued"
is "$(mgr dig.digCODE)" 99 "dig.CODE (case ignored): 99"
is "$(last)" 1 "...a digest queued"
like "$(lastmsg)" 'Issue 3' "...issue 3"
post "fifth topic" "body five"
qqrec_reset
is "$(LOCAL=list-dig-Digcode DEFAULT=dig-Digcode SENDER=x@y.example ezmlm-get -C "$L" <req 2>err; echo $?)" 99 \
    "dig-CODE and -C: 99"
is "$(last)" 1 "...a digest"
is "$(mgr get.1 -C)" 0 "-C: get.1 passes through: 0"
post "sixth topic" "body six"
qqrec_reset
is "$(LOCAL=list-dig.other DEFAULT=dig.other SENDER=x@y.example ezmlm-get "$L" other <req 2>err; echo $?)" 99 \
    "the code from the command line wins over DIR/digestcode"
is "$(LOCAL=list-dig.Digcode DEFAULT=dig.Digcode SENDER=x@y.example ezmlm-get "$L" <req 2>err; echo $?)" 99 \
    "without it, DIR/digestcode"
rm -f "$L/digestcode"
is "$(LOCAL=list-dig.Digcode DEFAULT=dig.Digcode SENDER=x@y.example ezmlm-get "$L" <req 2>err; echo $?)" 100 \
    "no code anywhere: every dig. request is refused (100)"
is "$(LOCAL=list-x DEFAULT= ezmlm-get "$L" <req 2>err; echo $?)" 0 "an empty DEFAULT: 0"

# ---- the command line ---------------------------------------------------------------
post "seventh topic" "body seven"
qqrec_reset
is "$(unset LOCAL DEFAULT; ezmlm-get "$L" 2>err </dev/null; echo $?)" 0 "the command line: 0"
like "$(lastmsg)" 'seventh topic' "...a digest"
is "$(last)" 1 "...one"

# ---- no digest subscribers; no archive ----------------------------------------------
post "eighth topic" "body eight"
qqrec_reset
list_clear "$L"
i0=$(cat "$L/digissue")
is "$(get)" 0 "no digest subscribers: 0"
is "$(last)" 0 "...nothing queued"
isnt "$(cat "$L/digissue")" "$i0" "...but the issue is used"
rm "$L/archived"
is "$(get)" 100 "a list without DIR/archived: 100"
like "$(cat err)" 'no archive' "...keeps no archive"
done_testing
