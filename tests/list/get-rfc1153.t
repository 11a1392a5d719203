#!/bin/sh
# ezmlm-get's format r (RFC 1153 plain-text digests): a get request and a
# digest; one text/plain body, no multipart and no transfer encoding even
# on a list whose charset asks for one; the 70-hyphen line after the
# preamble, only Date/To/From/Cc/Subject/Message-ID/Keywords in that
# order, 30 hyphens between messages, a body line that looks like a
# separator stuffed, "End of LIST Digest" with its line of asterisks; a
# message without a final newline; the request form "getr.N_M".
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

lastmsg() { cat "$QQREC/$(qqrec_count).msg"; }
body() { lastmsg | sed '1,/^$/d'; }
printf 'From: Carol <carol@c.example>\nTo: list-get@sandbox.example\nSubject: please\n\n' >req
req() { # DEFAULT [options]
    d=$1; shift
    LOCAL=list-$d DEFAULT=$d SENDER=carol@c.example ezmlm-get "$@" "$L" <"$SANDBOX/req" 2>"$SANDBOX/err"
    echo $?
}
printf 'Keywords: k1\nX-Junk: dropped\nSubject: first\nMessage-ID: <m1@b.example>\nCc: cc@c.example\nFrom: Bob <bob@b.example>\nTo: list@sandbox.example\nDate: 20 Nov 2026 10:00:00 -0000\n\nline one\n------------------------------\n-- \nsig\n' |
    SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null
printf 'From: Dave <dave@d.example>\nSubject: second\n\nno final newline' | SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null
printf 'From: Bob <bob@b.example>\nSubject: Re: first\n\nreply\n' | SENDER=bob@b.example ezmlm-send "$L" 2>/dev/null
is "$(cat "$L/num")" "3:0" "three posts archived"

is "$(req get.1_3 -f r)" 99 "get.1_3 with -f r: answered (99)"
like "$(lastmsg)" "Content-Type: text/plain; charset=" "...one text/plain body"
unlike "$(lastmsg)" "multipart|Content-Transfer-Encoding|rfc822" "...no multipart, no encoding"
dashes70=----------------------------------------------------------------------
dashes30=------------------------------
is "$(body | sed -n "/^$dashes70\$/,\$p")" "$dashes70

Date: 20 Nov 2026 10:00:00 -0000
To: list@sandbox.example
From: Bob <bob@b.example>
Cc: cc@c.example
Subject: first
Message-ID: <m1@b.example>
Keywords: k1

line one
- $dashes30
-- 
sig

$dashes30

From: Bob <bob@b.example>
Subject: Re: first

reply

$dashes30

From: Dave <dave@d.example>
Subject: second

no final newline

$dashes30

End of list Digest
******************" "...70 hyphens, the messages by thread with the RFC 1153 fields in order, 30 hyphens, the end line"
like "$(body | sed -n "1,/^$dashes70\$/p")" "first
	1 by: Bob
	3 by: Bob

second
	2 by: Dave" "...the table of contents before it"

REQSAVE=$(qqrec_count)
is "$(req getr.2_2)" 99 "getr.2_2: the format letter in the request"
is "$(body | sed -n "/^$dashes70\$/,\$p" | grep -c "^$dashes30\$")" 1 "...one message, one closing separator"
like "$(body)" "End of list Digest" "...the end line"

# charset with :Q would encode other formats; r stays plain
printf 'iso-8859-1:Q\n' >"$L/charset"
is "$(req getr.1_1)" 99 "a :Q charset: answered"
unlike "$(lastmsg)" "quoted-printable|multipart" "...r is still neither encoded nor multipart"
like "$(lastmsg)" "charset=iso-8859-1" "...the charset is named"
rm "$L/charset"

# a digest in format r
printf 'r\n' >"$L/digformat"
(unset LOCAL DEFAULT; ezmlm-get "$L" 2>"$SANDBOX/err" </dev/null)
is "$?" 0 "a digest with digformat r: exit 0"
like "$(lastmsg)" "Subject: list Digest" "...the digest subject"
is "$(body | tail -n 3)" "
End of list Digest
******************" "...ends with the end line"
is "$(body | grep -c "^$dashes70\$")" 1 "...one 70-hyphen line"

done_testing
