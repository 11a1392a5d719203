#!/bin/sh
# qmail-inject -n: the header-rewriting table of qmail-header(5) -- the
# reference transcripts, address rewriting, the fields added and removed,
# the end of the header, Resent- messages, re-folding, bad input.
. "$SUITE_SRC/tests/inject/lib.sh"

# n VAR=value... [-- ARG...]: qmail-inject -n ARG... in a clean environment
# with the assignments; stdin is the message; output masked, then '|'
n() {
    _vars= _args= _seen=
    for _a in "$@"; do
        if [ -z "$_seen" ] && [ "$_a" = -- ]; then _seen=1; continue; fi
        if [ -n "$_seen" ]; then _args="$_args $(shq "$_a")"; else _vars="$_vars $(shq "$_a")"; fi
    done
    eval "qi $_vars qmail-inject -n $_args" 2>&1 | mask
    printf '|'
}
shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# ---- Appendix B: the reference transcript ---------------------------------------
got=$(printf 'To: someone\nSubject: hi\n' | n NAME='Joe User')
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@bench.example>
From: "Joe User" <joe@bench.example>
To: someone@bench.example
Subject: hi
X
)
is "$got" "$want" "reference transcript: Return-Path, Date, Message-ID, From, then the fields"

# Date and Message-ID come from the same clock reading and the pid
out=$(printf 'To: a\n' | qi qmail-inject -n)
d=$(printf '%s\n' "$out" | sed -n 's/^Date: //p')
m=$(printf '%s\n' "$out" | sed -n 's/^Message-ID: <\([0-9]*\)\..*/\1/p')
like "$d" '^[1-9][0-9]? [A-Z][a-z][a-z] [0-9]{4} [0-9][0-9]:[0-9][0-9]:[0-9][0-9] -0000$' "Date format: D Mon YYYY HH:MM:SS -0000, day not padded"
want=$(TZ=UTC date -d "$(echo "$d" | sed 's/ -0000$//')" +%Y%m%d%H%M%S 2>/dev/null)
is "$m" "$want" "Message-ID stamp is the Date in YYYYMMDDHHMMSS"
like "$out" 'Message-ID: <[0-9]{14}\.[0-9]+\.qmail@bench\.example>' "Message-ID: <stamp.pid.qmail@idhost>"

# ---- address rewriting (the verified examples) ------------------------------------
got=$(printf 'To: x@y, z, <@r1:c@d.e>, e@mammoth+, f@[1.2.3.4], a@host., b@\n' | n -- -f bob)
want=$(expect <<'X'
Return-Path: <bob@bench.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@bench.example>
From: joe@bench.example
To: x@y.bench.example, z@bench.example, <c@d.e>, e@mammoth.bench.example,
  f@[1.2.3.4], a@host.bench.example, b@bench.example
X
)
is "$got" "$want" "verified rewrites: x@y z <@r1:c@d.e> e@mammoth+ f@[1.2.3.4] a@host. b@ and -f bob"

got=$(printf 'Cc: <>, v@[], "q r"@s, t.\n' | n)
like "$got" 'Cc: <>, v@\[\], "q r"@s\.bench\.example, t@bench\.example' "<> and x@[] untouched; quoted local parts kept quoted; trailing dot dropped"
got=$(printf 'Cc: "t."\n' | n)
like "$got" 'Cc: "t\."@bench\.example' "a quoted local part keeps its trailing dot"
got=$(printf 'Cc: <@r1,@r2:c@d.e>, Joe <@r1:j@x.org>\n' | n)
like "$got" 'Cc: <c@d\.e>, Joe <j@x\.org>' "source routes stripped, display names kept"

# control files and their environment overrides
printf 'dd.example\n' >"$QMAILHOME/control/defaultdomain"
printf 'dh\n' >"$QMAILHOME/control/defaulthost"
printf 'pd.example\n' >"$QMAILHOME/control/plusdomain"
printf 'id.example\n' >"$QMAILHOME/control/idhost"
got=$(printf 'To: a, b@c, d@e+\n' | n)
want=$(expect <<'X'
Return-Path: <joe@dh.dd.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@id.example>
From: joe@dh.dd.example
To: a@dh.dd.example, b@c.dd.example, d@e.pd.example
X
)
is "$got" "$want" "control files defaulthost (dotless: defaultdomain added), defaultdomain, plusdomain, idhost"
got=$(printf 'To: a, b@c, d@e+\n' | n QMAILDEFAULTDOMAIN=env-dd.example QMAILDEFAULTHOST=envh.example \
    QMAILPLUSDOMAIN=env-pd.example QMAILIDHOST=env-id.example)
want=$(expect <<'X'
Return-Path: <joe@envh.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@env-id.example>
From: joe@envh.example
To: a@envh.example, b@c.env-dd.example, d@e.env-pd.example
X
)
is "$got" "$want" "QMAILDEFAULTDOMAIN, QMAILDEFAULTHOST, QMAILPLUSDOMAIN, QMAILIDHOST override the controls"
rm -f "$QMAILHOME/control/defaultdomain" "$QMAILHOME/control/defaulthost" \
    "$QMAILHOME/control/plusdomain" "$QMAILHOME/control/idhost"
mv "$QMAILHOME/control/me" "$QMAILHOME/control/me.off"
got=$(printf 'To: a\n' | n)
like "$got" 'From: joe@defaulthost\.defaultdomain' "no control/me: literal defaulthost and defaultdomain"
like "$got" 'qmail@idhost>' "no control/me: literal idhost"
got=$(printf 'To: a@b+\n' | n)
like "$got" 'To: a@b\.plusdomain' "no control/me: literal plusdomain"
mv "$QMAILHOME/control/me.off" "$QMAILHOME/control/me"

# ---- From and the envelope sender from the environment --------------------------------
got=$(printf 'To: a\n' | env -i PATH="$PATH" QMAILHOME="$QMAILHOME" qmail-inject -n | mask; printf '|')
like "$got" '^Return-Path: <anonymous@bench\.example>' "no user variables: anonymous"
like "$got" 'From: anonymous@bench\.example' "no user variables: From anonymous"
for v in LOGNAME USER MAILUSER QMAILUSER; do
    case $v in
    LOGNAME) got=$(printf 'To: a\n' | env -i PATH="$PATH" QMAILHOME="$QMAILHOME" LOGNAME=l qmail-inject -n) ; w=l ;;
    USER) got=$(printf 'To: a\n' | env -i PATH="$PATH" QMAILHOME="$QMAILHOME" LOGNAME=l USER=u qmail-inject -n) ; w=u ;;
    MAILUSER) got=$(printf 'To: a\n' | env -i PATH="$PATH" QMAILHOME="$QMAILHOME" LOGNAME=l USER=u MAILUSER=m qmail-inject -n) ; w=m ;;
    QMAILUSER) got=$(printf 'To: a\n' | env -i PATH="$PATH" QMAILHOME="$QMAILHOME" LOGNAME=l USER=u MAILUSER=m QMAILUSER=q qmail-inject -n) ; w=q ;;
    esac
    like "$got" "From: $w@bench\\.example" "$v is used for the From user (QMAILUSER > MAILUSER > USER > LOGNAME)"
done
got=$(printf 'To: a\n' | n MAILHOST=mh.example)
like "$got" 'From: joe@mh\.example' "MAILHOST sets the From host"
like "$got" 'Return-Path: <joe@mh\.example>' "... and the envelope sender's"
got=$(printf 'To: a\n' | n MAILHOST=mh.example QMAILHOST=qh)
like "$got" 'From: joe@qh\.bench\.example' "QMAILHOST wins over MAILHOST; a dotless host gets defaultdomain"
got=$(printf 'To: a\n' | n NAME=n MAILNAME=m QMAILNAME='Q. Name')
like "$got" 'From: "Q\. Name" <joe@bench\.example>' "QMAILNAME > MAILNAME > NAME, as a quoted string"
got=$(printf 'To: a\n' | n NAME=n MAILNAME='M (x) "y" \z')
like "$got" 'From: "M \\\(x\\\) \\"y\\" \\\\z" <joe@bench\.example>' "specials in the name are escaped"
got=$(printf 'To: a\n' | n QMAILUSER='j doe' NAME=n)
like "$got" 'From: "n" <"j doe"@bench\.example>' "a user name that needs quoting is quoted"
like "$got" 'Return-Path: <"j doe"@bench\.example>' "... in the Return-Path too"
got=$(printf 'To: a\n' | n QMAILSUSER=bounces QMAILSHOST=b.example)
like "$got" 'Return-Path: <bounces@b\.example>' "QMAILSUSER and QMAILSHOST set the envelope sender"
like "$got" 'From: joe@bench\.example' "... not the From"
got=$(printf 'To: a\n' | n QMAILSUSER=bounces)
like "$got" 'Return-Path: <bounces@bench\.example>' "QMAILSUSER alone: defaulthost"

# ---- QMAILINJECT flags ----------------------------------------------------------------
got=$(printf 'To: a\n' | n QMAILINJECT=c NAME='Joe (J) User')
like "$got" 'From: joe@bench\.example \(Joe \\\(J\\\) User\)' "c: the name as a comment"
msg='Return-Path: <rp@x.example>
From: f@x.example
Message-ID: <old@x.example>
To: a@x.example
'
got=$(printf '%s' "$msg" | n)
like "$got" '^Return-Path: <rp@x\.example>' "an incoming Return-Path sets the envelope sender"
unlike "$got" 'Return-Path: <rp@x\.example>.*Return-Path' "... and is removed"
like "$got" 'From: f@x\.example' "an incoming From is kept"
like "$got" 'Message-ID: <old@x\.example>' "an incoming Message-ID is kept"
unlike "$got" 'STAMP' "no Message-ID added when there is one"
got=$(printf '%s' "$msg" | n QMAILINJECT=s)
like "$got" '^Return-Path: <joe@bench\.example>' "s: the incoming Return-Path is ignored"
is "$(printf '%s' "$got" | grep -c 'rp@x')" 0 "s: ... and still removed"
got=$(printf '%s' "$msg" | n QMAILINJECT=f)
like "$got" 'From: joe@bench\.example' "f: the incoming From is replaced"
unlike "$got" 'f@x\.example' "f: ... and gone"
got=$(printf '%s' "$msg" | n QMAILINJECT=i)
like "$got" 'Message-ID: <STAMP\.PID\.qmail@bench\.example>' "i: a new Message-ID"
unlike "$got" 'old@x' "i: the old one is gone"
got=$(printf 'To: a\n' | n QMAILINJECT=r)
like "$got" '^Return-Path: <"joe-@bench\.example-"@\[\]>' "r: sender joe-@bench.example-@[] (VERP)"
got=$(printf '%s' "$msg" | n QMAILINJECT=r)
like "$got" '^Return-Path: <"rp@x\.example-"@\[\]>' "r: applies to an incoming Return-Path too"
got=$(printf 'To: a\n' | n -- -f s@x.example)
got2=$(printf 'To: a\n' | n QMAILINJECT=r -- -f s@x.example)
is "$got2" "$got" "r: not applied to -f"
got=$(printf 'To: a\n' | n QMAILINJECT=m)
like "$got" '^Return-Path: <joe-[0-9]+\.[0-9]+@bench\.example>' "m: sender joe-<time>.<pid>@host"
got=$(printf 'To: a\n' | n QMAILINJECT=mr)
like "$got" '^Return-Path: <"joe-[0-9]+\.[0-9]+-@bench\.example-"@\[\]>' "m and r together"
got=$(printf '%s' "$msg" | n QMAILINJECT=xyz)
like "$got" '^Return-Path: <rp@x\.example>' "unknown letters are ignored"

# ---- fields added and removed, and their order ---------------------------------------------
got=$(printf 'Subject: s\nX-A: 1\n' | n)
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@bench.example>
From: joe@bench.example
Cc: recipient list not shown: ;
Subject: s
X-A: 1
X
)
is "$got" "$want" "no To or Cc: 'Cc: recipient list not shown: ;' after From"
got=$(printf 'Date: Mon, 1 Jan 2001 00:00:00 +0000\nX: y\nFrom: me@x.example\nMessage-ID: <a@b>\nCc: c@d.example\n' | n)
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Date: Mon, 1 Jan 2001 00:00:00 +0000
X: y
From: me@x.example
Message-ID: <a@b>
Cc: c@d.example
X
)
is "$got" "$want" "nothing added when Date, Message-ID, From and Cc are present; order kept"
got=$(printf 'To: a@x.example\nBcc: hidden@x.example\nbcc: h2@x.example\nContent-Length: 12\nReturn-Path: <r@x.example>\nresent-bcc: rb@x.example\nX: y\n\nbody\n' | n)
want=$(expect <<'X'
Return-Path: <r@x.example>
Resent-Date: DATE
Resent-Message-ID: <STAMP.PID.qmail@bench.example>
Resent-From: joe@bench.example
Resent-Cc: recipient list not shown: ;
To: a@x.example
X: y

body
X
)
is "$got" "$want" "Bcc, Resent-Bcc, Content-Length, Return-Path removed (Resent-Bcc makes it resent)"

# ---- Resent- messages --------------------------------------------------------------------------
got=$(printf 'Date: d\nFrom: f@x.example\nTo: t@x.example\nMessage-ID: <m@x>\nResent-To: r@y\nSubject: s\n' | n NAME='R N')
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Resent-Date: DATE
Resent-Message-ID: <STAMP.PID.qmail@bench.example>
Resent-From: "R N" <joe@bench.example>
Date: d
From: f@x.example
To: t@x.example
Message-ID: <m@x>
Resent-To: r@y.bench.example
Subject: s
X
)
is "$got" "$want" "resent: Resent-Date, Resent-Message-ID, Resent-From added; Resent-To rewritten"
got=$(printf 'Subject: s\nResent-From: rf@x\nResent-Date: rd\nResent-Message-ID: <rm@x>\n' | n)
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Resent-Cc: recipient list not shown: ;
Subject: s
Resent-From: rf@x.bench.example
Resent-Date: rd
Resent-Message-ID: <rm@x>
X
)
is "$got" "$want" "resent without Resent-To/Cc: Resent-Cc line; no Date, Message-ID, From or Cc added"
for f in Resent-Sender Resent-Reply-To Resent-Cc Resent-Bcc Resent-Date Resent-Message-ID; do
    got=$(printf '%s: x@y.example\nTo: a@b.example\n' "$f" | n)
    like "$got" 'Resent-Date: DATE|Resent-Message-ID: <STAMP' "$f alone makes a message resent"
done

# ---- the end of the header ---------------------------------------------------------------------
got=$(printf 'To: a@x.example\nSubject bad line\nmore: x\n' | n)
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@bench.example>
From: joe@bench.example
To: a@x.example

Subject bad line
more: x
X
)
is "$got" "$want" "a line without a colon ends the header: a blank line is inserted before it"
got=$(printf 'To: a@x.example\nFrom joe Mon Jan  1 00:00:00 2001\n  cont\nX: y\n\nFrom the body\n' | n)
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@bench.example>
From: joe@bench.example
To: a@x.example
MBOX-Line: From joe Mon Jan  1 00:00:00 2001
  cont
X: y

From the body
X
)
is "$got" "$want" "a 'From ' line in the header becomes MBOX-Line (with its continuation)"
got=$(printf 'From joe\nTo: a@x.example\n' | n)
like "$got" 'From: joe@bench\.example
MBOX-Line: From joe
To: a@x\.example' "MBOX-Line at the top; a From field is still added"
got=$(printf 'From : f@x.example\n' | n)
like "$got" 'MBOX-Line: From : f@x\.example' "'From :' starts with 'From ': an mbox line, as qmail reads it"
got=$(printf 'To: a@x.example,\n b@x.example\n\tc (comment)\n' | n)
like "$got" 'To: a@x\.example, b@x\.example, c@bench\.example \(comment\)
\|$' "continuation lines belong to the field (re-emitted, re-folded)"
got=$(printf 'To: a@x.example\n Cc: (continued)\n\tmore\n' | n)
like "$got" 'To: a@x\.example
 Cc: \(continued\)
	more
\|$' "a group without ';' cannot be parsed: the recipient field is kept as it is"
got=$(printf ' leading: white space\nTo: a@x.example\n' | n)
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@bench.example>
From: joe@bench.example
Cc: recipient list not shown: ;

 leading: white space
To: a@x.example
X
)
is "$got" "$want" "a first line starting with white space is body"
got=$(printf 'To: a@x.example\nSubject: no newline' | n)
like "$got" 'Subject: no newline
\|$' "a last header line without newline gets one; no blank line without a body"
got=$(printf 'To: a@x.example\n\nbody without newline' | n)
like "$got" '

body without newline
\|$' "a last body line without newline gets one"
got=$(printf '' | n)
want=$(expect <<'X'
Return-Path: <joe@bench.example>
Date: DATE
Message-ID: <STAMP.PID.qmail@bench.example>
From: joe@bench.example
Cc: recipient list not shown: ;
X
)
is "$got" "$want" "empty input: just the added fields"
got=$(printf 'To: a@x.example\n\n\n\nb\n\n' | n)
like "$got" 'To: a@x\.example



b

\|$' "body bytes (blank lines included) pass unchanged"
got=$(printf 'X-Empty:\nTo:\nCc: (nobody)\n' | n)
like "$got" 'X-Empty:
To:
Cc: \(nobody\)
\|$' "fields without addresses are kept as they are"

# ---- re-folding, illegal spaces, groups --------------------------------------------------------------
got=$(printf 'To: djb fred, Joe <j@x.example>  bob@x.example\n' | n)
like "$got" 'To: djb@bench\.example, fred@bench\.example, Joe <j@x\.example>, bob@x\.example' "illegal spaces become commas"
got=$(printf 'To: list: a@x.example, b;, c@x.example\nCc: undisclosed-recipients: ;\n' | n)
like "$got" 'To: list: a@x\.example, b@bench\.example;, c@x\.example' "groups: members rewritten"
like "$got" 'Cc: undisclosed-recipients:;' "an empty group is kept"
got=$(printf 'To: aaaaaaaaaaaaaaaaaaaa@example.com, bbbbbbbbbbbbbbbbbbbb@example.com, cccccccccccccccccccc@example.com, ddddddddddddddddddddd@example.com\n' | n)
want='To: aaaaaaaaaaaaaaaaaaaa@example.com, bbbbbbbbbbbbbbbbbbbb@example.com,
  cccccccccccccccccccc@example.com, ddddddddddddddddddddd@example.com'
like "$got" "$want" "long address lists are re-folded under 80 columns"
got=$(printf 'To: a@x.example,\n  b@x.example\n' | n)
like "$got" 'To: a@x\.example, b@x\.example
\|' "short folded lists are joined"
got=$(printf 'Reply-To: r@x\nSender: s\nErrors-To: e\nReturn-Receipt-To: rr\nResent-Reply-To: rrt\nApparently-To: at\nX-To: untouched\n' | n)
for w in 'Reply-To: r@x\.bench\.example' 'Sender: s@bench\.example' 'Errors-To: e@bench\.example' \
    'Return-Receipt-To: rr@bench\.example' 'Resent-Reply-To: rrt@bench\.example' 'Apparently-To: at@bench\.example' \
    'X-To: untouched'; do
    like "$got" "$w" "rewritten: ${w%%:*}"
done
got=$(printf 'TO :   a\nfrom:b\n' | n)
like "$got" 'TO: a@bench\.example' "field names keep their case; blanks before the colon go"
like "$got" 'from: b@bench\.example' "lower-case from is a From field"
unlike "$got" 'From: joe' "... so no From is added"

# ---- bad input ----------------------------------------------------------------------------------------
got=$(printf 'From: "unterminated@x\n' | qi qmail-inject -n 2>&1)
rc=$?
is "$rc" 100 "an unparsable sender field: exit 100"
like "$got" 'qmail-inject: fatal: unable to parse this line:
From: "unterminated@x' "... with the line in the message"
printf 'Reply-To: a@b.example)\n' | qi qmail-inject -n >/dev/null 2>&1
is "$?" 100 "sender field with a stray ')': exit 100"
printf 'Sender: g: a@b.example\n' | qi qmail-inject -n >/dev/null 2>&1
is "$?" 100 "sender field with a group without ';': exit 100"
got=$(printf 'Reply-To: Joe <a@b.example\n' | n)
like "$got" 'Reply-To: Joe <a@b\.example>' "a sender field with '<' but no '>' gets its '>'"
printf 'Return-Path: (open comment\n' | qi qmail-inject -n >/dev/null 2>&1
is "$?" 100 "Return-Path that cannot be parsed: exit 100"
got=$(printf 'To: "broken, ok@x.example\nCc: <c@x.example\n' | n)
like "$got" 'To: "broken, ok@x\.example
Cc: <c@x\.example>
' "an unparsable recipient field is kept as it is (notqmail); a missing '>' is supplied"
got=$(printf 'To: a@x.example\n' | qi qmail-inject -n 'bad@dom ain' 2>&1)
is "$?" 100 "an unparsable argument: exit 100"
is "$got" 'qmail-inject: fatal: unable to parse address: bad@dom ain' "... and says so"
got=$(printf 'To: a\n' | qi qmail-inject -n -f 'x@(y' 2>&1)
is "$?" 100 "an unparsable -f: exit 100"
printf 'To: a\n' | qi qmail-inject -n -x >/dev/null 2>&1
is "$?" 100 "an unknown option: exit 100"
printf 'To: a\n' | qi qmail-inject -n -f >/dev/null 2>&1
is "$?" 100 "-f without its argument: exit 100"

# 8-bit junk, NUL, CR
printf 'To: \377\376junk\nSubject: \351t\351 \0 nul\nX-\200: y\n\n\377body\0\r\n' >"$SANDBOX/junk"
qi qmail-inject -n <"$SANDBOX/junk" >"$SANDBOX/junk.out" 2>&1
is "$?" 0 "8-bit junk: exit 0"
printf 'To: "\377\376junk"@bench.example\nSubject: \351t\351 \0 nul\n\nX-\200: y\n\n\377body\0\r\n' >"$SANDBOX/junk.want"
tail -n +5 "$SANDBOX/junk.out" | cmp -s - "$SANDBOX/junk.want"
ok $? "8-bit junk: bytes kept (an 8-bit local part is quoted); a field name with an 8-bit byte ends the header"
printf 'To: a@x.example\r\nSubject: crlf\r\n\r\nbody\r\n' | qi qmail-inject -n >"$SANDBOX/crlf.out" 2>&1
is "$?" 0 "CRLF lines: exit 0"
like "$(cat -v "$SANDBOX/crlf.out")" 'To: a@x\.example
Subject: crlf\^M
\^M
body\^M' "CRLF lines: the CRLF blank line ends the header"

# headers without a colon, a huge one, and the header size cap
got=$(printf 'no colon at all\nTo: a@x.example\n' | n)
like "$got" 'recipient list not shown: ;

no colon at all
To: a@x\.example' "a message without a header: all body"
awk 'BEGIN { printf "To: a@x.example\nX-Long: "; for (i = 0; i < 200000; i++) printf "abcdefghij"; printf "\n\nbody\n" }' >"$SANDBOX/long"
qi qmail-inject -n <"$SANDBOX/long" | tail -n +5 | cmp -s - "$SANDBOX/long"
ok $? "a 2 MB header line passes unchanged"
awk 'BEGIN { printf "To: a@x.example\nX-Long: "; for (i = 0; i < 1700000; i++) printf "abcdefghij"; printf "\n\nbody\n" }' >"$SANDBOX/huge"
got=$(qi qmail-inject -n <"$SANDBOX/huge" 2>&1 >/dev/null)
is "$?" 100 "a 17 MB header: exit 100"
is "$got" 'qmail-inject: fatal: header too long' "... header too long"
awk 'BEGIN { printf "To: a@x.example\n\n"; for (i = 0; i < 1700000; i++) printf "abcdefghij"; printf "\n" }' >"$SANDBOX/bigbody"
qi qmail-inject -n <"$SANDBOX/bigbody" | tail -n +5 | cmp -s - "$SANDBOX/bigbody"
ok $? "a 17 MB body passes (streamed)"
awk 'BEGIN { for (i = 0; i < 1700000; i++) printf "abcdefghij"; printf "\n" }' >"$SANDBOX/bigline"
qi qmail-inject -n <"$SANDBOX/bigline" | tail -n +7 | cmp -s - "$SANDBOX/bigline"
ok $? "a 17 MB first line without a colon is body, not an error"

# Mail-Followup-To
printf 'List@Lists.example\n# comment\n\nother@lists.example\n' >"$SANDBOX/mft"
got=$(printf 'To: a@x.example, list@lists.example\nCc: c@y.example\n' | n QMAILMFTFILE="$SANDBOX/mft")
like "$got" 'Mail-Followup-To: a@x\.example,
  list@lists\.example,
  c@y\.example
To: ' "QMAILMFTFILE: a list address in To (any case) adds Mail-Followup-To with To+Cc"
like "$got" 'From: joe@bench\.example
Mail-Followup-To' "... after From"
got=$(printf 'To: a@x.example\n' | n QMAILMFTFILE="$SANDBOX/mft")
unlike "$got" 'Mail-Followup-To' "no list address: no Mail-Followup-To"
got=$(printf 'To: list@lists.example\nMail-Followup-To: me@x.example\n' | n QMAILMFTFILE="$SANDBOX/mft")
is "$(printf '%s' "$got" | grep -c '^Mail-Followup-To')" 1 "an existing Mail-Followup-To is kept, none added"
got=$(printf 'To: list@lists.example\n' | n QMAILMFTFILE="$SANDBOX/nonexistent")
unlike "$got" 'Mail-Followup-To' "a missing QMAILMFTFILE is ignored"

done_testing
