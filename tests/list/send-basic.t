#!/bin/sh
# ezmlm-send through a recording QMAILQUEUE: the outgoing header byte for
# byte, the envelope (one message, VERP sender, every subscriber), num,
# the archive and its index, the prefix, headeradd/headerremove, Reply-To,
# DMARC From rewriting, MIME part removal, trailers, sublists, hash ranges,
# queue failures.
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
ezmlm-sub "$L" alice@a.example bob@b.example || BAIL_OUT "ezmlm-sub"
SENDER=jorg@j.example
export SENDER
send() { ezmlm-send "$@" "$L" 2>"$SANDBOX/err"; echo $?; }
msg() { cat "$QQREC/$1.msg"; }

HEADADD='Mailing-List: contact list-help@sandbox.example; run by ezmlm
List-Id: <list.sandbox.example>
Sender: <list@sandbox.example>
Precedence: list
X-No-Archive: yes
List-Post: <mailto:list@sandbox.example>
List-Help: <mailto:list-help@sandbox.example>
List-Unsubscribe: <mailto:list-unsubscribe@sandbox.example>
List-Subscribe: <mailto:list-subscribe@sandbox.example>
Delivered-To: mailing list list@sandbox.example'

printf 'Received: from a by b; 20 Nov 2026 10:00:00 -0000\nReceived: from c by d; 20 Nov 2026 09:00:00 -0000\nFrom: "J\303\266rg M" <jorg@j.example>\nTo: list@sandbox.example\nSubject: Re: hello\nSender: x@y.example\nList-Id: <other.list>\nMessage-ID: <1@j>\n\nbody\n' >m1

is "$(send <m1)" 0 "a post: 0"
like "$(cat err)" '^ezmlm-send: info: qp [0-9]+$' "...reports the qp"
is "$(qqrec_count)" 1 "ONE message queued for all subscribers"
is "$(qqrec_env 1 | store_sort)" "$(printf 'Flist-return-1-@sandbox.example-@[]\nTbob@b.example\nTalice@a.example\n' | store_sort)" \
    "envelope: VERP sender LIST-return-N-@HOST-@[], every subscriber"
is "$(msg 1)" "$HEADADD
Received: from a by b; 20 Nov 2026 10:00:00 -0000
$(printf 'From: "J\303\266rg M" <jorg@j.example>')
To: list@sandbox.example
Subject: Re: hello
Message-ID: <1@j>

body" "outgoing message: Mailing-List, List-Id, headeradd, Delivered-To, the header minus headerremove, one Received, own List-Id"
is "$(cat "$L/num")" "1:0" "num: 1:0"
is "$(stat -c %a "$L/archive/0/01")" 744 "archive/0/01 is complete (mode 0744)"
is "$(cat "$L/archive/0/01")" "Return-Path: <jorg@j.example>
Delivered-To: mailing list list@sandbox.example
Received: from a by b; 20 Nov 2026 10:00:00 -0000
Received: from c by d; 20 Nov 2026 09:00:00 -0000
$(printf 'From: "J\303\266rg M" <jorg@j.example>')
To: list@sandbox.example
Subject: Re: hello
Message-ID: <1@j>

body" "the archive: Return-Path, Delivered-To, all Received, no headeradd"
is "$(cat "$L/archive/0/index")" "$(printf '1: nkffookbfkjlplnpnigc Re: hello\n\t20 Nov 2026 10:00:00 -0000;lpfgmalhpebbcjpenooc J\303\266rg M')" \
    "the index: number, subject hash, reply mark, date, author hash, name"

# -r keeps every Received; the prefix with the message number
echo '[list #]' >"$L/prefix"
is "$(send -r <m1)" 0 "second post, -r"
like "$(msg 2)" 'Received: from a by b.*
Received: from c by d' "-r: all Received lines go out"
like "$(msg 2)" 'Message-ID: <1@j>
Subject: \[list 2\] Re: hello

body$' "prefix with # becomes the number, the Subject goes last"
is "$(qqrec_env 2 | head -1)" "Flist-return-2-@sandbox.example-@[]" "...the return path carries message 2"
is "$(sed -n 's/^Subject://p' "$L/archive/0/02")" " Re: hello" "the archive keeps the subject without prefix"
is "$(sed -n '3p' "$L/archive/0/index")" "2: nkffookbfkjlplnpnigc Re: hello" "index: same thread hash as message 1"
printf 'From: a@a.example\nSubject: Re: [list 2] Re: hello\n\nx\n' >m3
send <m3 >/dev/null
is "$(sed -n 's/^Subject: //p' "$QQREC/3.msg")" "Re: [list 2] Re: hello" "a subject that has the prefix gets no second one"
is "$(sed -n '5p' "$L/archive/0/index")" "3: nkffookbfkjlplnpnigc Re: hello" "...and threads with the others"
printf 'From: a@a.example\n\nno subject\n' >m4
send <m4 >/dev/null
is "$(msg 4 | sed -n '/^Subject/,$p')" "Subject: [list 4]

no subject" "no Subject: the prefix alone, then the blank line and the body"
rm "$L/prefix"
is "$(cat "$L/num")" "4:0" "num counts the posts"

# replytolist, listid
touch "$L/replytolist"
echo 'The list <list.lists.example>' >"$L/listid"
printf 'From: a@a.example\nReply-To: me@a.example\nSubject: x\n\nx\n' >m5
send <m5 >/dev/null
like "$(msg 5)" '^Mailing-List: [^
]*
List-Id: The list <list.lists.example>
' "DIR/listid gives the List-Id"
like "$(msg 5)" 'Delivered-To: mailing list list@sandbox.example
Reply-To: <list@sandbox.example>
From: a@a.example
Subject: x' "replytolist: our Reply-To, the incoming one removed"
rm "$L/replytolist" "$L/listid"

# DMARC: rewritefrom
touch "$L/rewritefrom"
printf 'From: "Alice A." <alice@a.example>\nSubject: x\n\nx\n' >m6
send <m6 >/dev/null
like "$(msg 6)" 'From: "Alice A. via list" <list@sandbox.example>
Subject: x
Reply-To: "Alice A." <alice@a.example>
' "rewritefrom: From is the list, Reply-To the author"
printf 'From: alice@a.example\nReply-To: team@a.example\nSubject: x\n\nx\n' >m7
send <m7 >/dev/null
is "$(grep -c '^Reply-To:' "$QQREC/7.msg")" 1 "an author's own Reply-To stays, no second one"
like "$(msg 7)" 'From: "alice.a.example via list" <list@sandbox.example>' "no display name: the address with '.' for '@'"
printf 'From: =?iso-8859-1?q?J=F6rg?= <j@j.example>\nSubject: x\n\nx\n' >m8
send <m8 >/dev/null
like "$(msg 8)" 'From: =\?UTF-8\?Q\?J=C3=B6rg_via_list\?= <list@sandbox.example>' "an encoded name is decoded and encoded again (RFC 2047)"
touch "$L/replytolist"
printf 'From: alice@a.example\nCc: carol@c.example\nSubject: x\n\nx\n' >m9
send <m9 >/dev/null
is "$(grep -c '^Cc:' "$QQREC/9.msg")" 1 "replytolist + rewrite: one Cc field"
like "$(msg 9)" 'Cc: carol@c.example,
 alice@a.example' "...the author added to it"
rm "$L/replytolist" "$L/rewritefrom"
printf 'From: alice@a.test\nSubject: x\n\nx\n' >m10
send <m10 >/dev/null
like "$(msg 10)" 'From: alice@a.test' "no rewriting for a domain without a DMARC reject policy"

# MIME part removal
echo 'application/x-msdownload' >"$L/mimeremove"
cat >m11 <<'EOM'
From: a@a.example
Subject: parts
Content-Type: multipart/mixed; boundary="XX"

preamble
--XX
Content-Type: text/plain

hello
--XX
Content-Type: application/x-msdownload
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA
--XX--
epilogue
EOM
send <m11 >/dev/null
is "$(msg 11 | sed -n '/^Content-Type: multipart/,$p')" 'Content-Type: multipart/mixed; boundary="XX"

preamble
--XX
Content-Type: text/plain

hello
--XX--
epilogue' "mimeremove: the listed part is removed, the rest kept"
is "$(sed -n '/^$/,$p' "$L/archive/0/11")" '
preamble
--XX
Content-Type: text/plain

hello
--XX--
epilogue' "...in the archive too"
sed 's|text/plain|application/x-msdownload|' m11 >m12
is "$(send <m12)" 100 "every part removed: 100"
like "$(cat err)" 'fatal: ' "...with a message"
is "$(cut -d: -f1 "$L/num")" "11" "...and no number used"
rm "$L/mimeremove"
printf 'text/plain\nmultipart/mixed\n' >"$L/mimekeep"
send <m11 >/dev/null
like "$(msg 12)" 'hello
--XX--' "mimekeep: only listed types stay"
unlike "$(msg 12)" 'TVqQ' "...the other part is gone"
rm "$L/mimekeep"

# trailer
touch "$L/addtrailer"
printf 'Sent to <#l#>@<#h#>, message <#n#>.\n' >"$L/text/trailer"
printf 'From: a@a.example\nSubject: t\n\nbody without newline' >m13
send <m13 >/dev/null
is "$(msg 13 | sed -n '/^$/,$p')" '
body without newline
Sent to list@sandbox.example, message 13.' "trailer after a plain body (newline supplied)"
unlike "$(cat "$L/archive/0/13")" 'Sent to' "...not archived"
send <m11 >/dev/null
is "$(msg 14 | sed -n '/^--XX$/,$p')" '--XX
Content-Type: text/plain

hello
--XX
Content-Type: application/x-msdownload
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA
--XX
Content-Type: text/plain; charset=utf-8

Sent to list@sandbox.example, message 14.
--XX--
epilogue' "multipart/mixed: the trailer is a part of its own before the end"
sed 's|multipart/mixed|multipart/alternative|' m11 >m15
send <m15 >/dev/null
unlike "$(msg 15)" 'Sent to' "multipart/alternative: no trailer"
printf 'From: a@a.example\nSubject: q\nContent-Transfer-Encoding: quoted-printable\n\nA=3Db\n' >m16
printf 'caf\303\251 = <#n#>\n' >"$L/text/trailer"
send <m16 >/dev/null
is "$(msg 16 | sed -n '/^$/,$p')" '
A=3Db
caf=C3=A9 =3D 16' "quoted-printable body: the trailer is encoded the same way"
printf 'From: a@a.example\nSubject: b\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n' >m17
send <m17 >/dev/null
is "$(msg 17 | sed -n '/^$/,$p')" '
aGVsbG8=' "base64 body: no trailer (it cannot be appended safely)"
rm "$L/addtrailer" "$L/text/trailer"

# hash ranges
list_clear "$L"
ezmlm-sub "$L" bob@b.org carol@c.org
printf 'From: a@a.example\nSubject: s\n\nx\n' >m18
# bob's hash is 3 on std (the bucket file), 52 on mysql (the hash column)
h=3; [ "$(list_store)" = mysql ] && h=52
send -s ${h}_$h <m18 >/dev/null
is "$(qqrec_env 18 | tail -n +2 | sed '/^$/d')" "Tbob@b.org" "-s ${h}_$h: only the subscribers of hash $h (bob@b.org)"

ezmlm-sub "$L" @wild.example
send <m18 >/dev/null
unlike "$(qqrec_env 19)" 'T@wild' "an @domain wildcard entry is not sent to"
list_clear "$L"
ezmlm-sub "$L" bob@b.org carol@c.org

# a queue that fails: nothing changes
rm -f "$L/archive/0/20"
num=$(cat "$L/num")
QQREC_FAIL=53 send <m18 >out
is "$(cat out)" 111 "qmail-queue fails: 111"
like "$(cat err)" 'temporary qmail-queue error: qq write error or disk full' "...with its reason"
is "$(cat "$L/num")" "$num" "...num rolled back"
is "$(stat -c %a "$L/archive/0/20")" 644 "...the archive file is not marked complete"
QQREC_FAIL= send <m18 >/dev/null
is "$(qqrec_env 21 | head -1)" "Flist-return-20-@sandbox.example-@[]" "the next post reuses the number"
is "$(stat -c %a "$L/archive/0/20")" 744 "...and completes its archive file"

# sublists
mkdir -p "$SANDBOX/S/subscribers"
cp -R "$L/text" "$SANDBOX/S/" 2>/dev/null
printf 'sub\n' >"$SANDBOX/S/outlocal"
printf 'sandbox.example\n' >"$SANDBOX/S/outhost"
printf 'sender\n' >"$SANDBOX/S/headerremove"
printf 'list@sandbox.example\n' >"$SANDBOX/S/sublist"
ezmlm-sub "$SANDBOX/S" zed@z.example
printf 'Mailing-List: contact list-help@sandbox.example; run by ezmlm\nFrom: a@a.example\nSubject: s\n\nx\n' >m19
SENDER=list-return-42-sub=sandbox.example@sandbox.example ezmlm-send "$SANDBOX/S" <m19 2>err
is $? 0 "a sublist takes its parent's post"
is "$(qqrec_env 22 | head -1)" "Fsub-return-42-@sandbox.example-@[]" "...numbered as the parent numbered it"
unlike "$(msg 22)" 'List-Id: <sub' "...no Mailing-List/List-Id of its own"
SENDER=someone@x.example ezmlm-send "$SANDBOX/S" <m19 2>err
is $? 100 "a sublist refuses a post from elsewhere"
printf 'From: a@a.example\nSubject: s\n\nx\n' | SENDER=list-return-43-sub=sandbox.example@sandbox.example ezmlm-send "$SANDBOX/S" 2>err
is $? 100 "a sublist refuses a post without Mailing-List"
done_testing
