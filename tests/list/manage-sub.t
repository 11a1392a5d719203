#!/bin/sh
# ezmlm-manage, subscriptions: the confirmation handshakes for subscribe
# and unsubscribe (reply byte for byte where the format is fixed), -S/-U
# and their files, forged, expired and misdirected cookies, targets in
# the address, hostile addresses, long addresses (short-form cookies),
# sub-databases, and requests that must be refused.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
cd "$SANDBOX" || exit 1
H=$SUITE_BUILD/tests/helpers
list_make "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN" || BAIL_OUT "ezmlm-make"
L=$SANDBOX/L
printf 'From: Bob <bob@b.example>\nSubject: hi\n\nplease\n' >req

mg() { # SENDER DEFAULT [options]: prints the exit code; stderr in err
    s=$1; d=$2; shift 2
    SENDER=$s DEFAULT=$d LOCAL=list-$d HOST=sandbox.example ezmlm-manage "$@" "$L" <"${REQ:-req}" 2>"$SANDBOX/err"
    echo $?
}
last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
lastenv() { qqrec_env "$(last)"; }
replyto() { sed -n 's/^Reply-To: //p' "$QQREC/$(last).msg"; }
action_of() { a=${1%@*}; echo "${a#list-}"; } # the DEFAULT for an address of the list
subbed() { SENDER=$1 ezmlm-issubn "$L" ${2:+"$2"}; echo $?; }

# ---- subscribe -------------------------------------------------------------------
is "$(mg bob@b.example subscribe -a)" 0 "subscribe: 0"
like "$(cat err)" 'ezmlm-manage: info: sending sub-confirm' "-a names the text sent"
is "$(lastenv)" "$(printf 'Flist-return-@sandbox.example\nTbob@b.example\n')" "the request goes to the target, from LIST-return-@HOST"
r=$(replyto)
like "$r" '^list-sc\.[0-9]+\.[a-z2-7]{20}-bob=b\.example@sandbox\.example$' "Reply-To: LIST-sc.TIME.COOKIE-box=dom@HOST"
m=$(lastmsg)
like "$m" "
   $r
" "...the address is in the text too (!R)"
like "$m" 'Subject: confirm subscribe to list@sandbox\.example' "...subject"
like "$m" 'List-Help: <mailto:list-help@sandbox\.example>
List-Post: <mailto:list@sandbox\.example>
List-Subscribe: <mailto:list-subscribe@sandbox\.example>' "...List-Help, -Post, -Subscribe headers"
like "$m" 'Delivered-To: responder for list@sandbox\.example' "...our loop guard"
like "$m" 'Return-Path: <bob@b\.example>
From: Bob <bob@b\.example>
Subject: hi$' "...ends with a copy of the request's header"
is "$(subbed bob@b.example)" 99 "not subscribed yet"
is "$(mg bob@b.example "$(action_of "$r")" -a)" 0 "the reply to the confirmation: 0"
like "$(cat err)" 'sending sub-ok' "...welcome"
is "$(subbed bob@b.example)" 0 "subscribed"
like "$(tail -1 "$L/Log")" '^[0-9]+ \+ bob@b\.example Bob <bob@b\.example>$' "Log: + and the From: line"
m=$(lastmsg)
like "$m" 'List-Unsubscribe: <mailto:list-unsubscribe-bob=b\.example@sandbox\.example>
Subject: WELCOME to list@sandbox\.example' "the welcome carries a List-Unsubscribe for this address"
is "$(mg bob@b.example "$(action_of "$r")")" 0 "the same confirmation again"
like "$(lastmsg)" 'Subject: [^
]*(already|Already)' "...answers that the address is subscribed already"
is "$(mg bob@b.example subscribe)" 0 "subscribe when subscribed"
like "$(lastmsg)" 'Subject: [^
]*(already|Already)' "...answers at once"

# ---- unsubscribe ----------------------------------------------------------------------
is "$(mg bob@b.example unsubscribe)" 0 "unsubscribe: 0"
r=$(replyto)
like "$r" '^list-uc\.[0-9]+\.[a-z2-7]{20}-bob=b\.example@sandbox\.example$' "...Reply-To LIST-uc.TIME.COOKIE-..."
is "$(mg bob@b.example "$(action_of "$r")")" 0 "confirmed"
is "$(subbed bob@b.example)" 99 "unsubscribed"
like "$(lastmsg)" 'Subject: GOODBYE from list@sandbox\.example' "...GOODBYE"
like "$(tail -1 "$L/Log")" '^[0-9]+ - bob@b\.example$' "Log: -"
is "$(mg bob@b.example unsubscribe)" 0 "unsubscribe when not subscribed"
like "$(lastmsg)" 'Subject: [^
]*(not|Not) subscribed' "...answers at once"

# ---- cookies that must not work ----------------------------------------------------------
mg carol@c.example subscribe >/dev/null
r=$(replyto); a=$(action_of "$r")
t=$(echo "$a" | cut -d. -f2); ck=$(echo "$a" | cut -d. -f3 | cut -d- -f1)
forged=$(echo "$ck" | tr 'a-m' 'n-z')
n=$(last)
is "$(mg carol@c.example "sc.$t.$forged-carol=c.example" -a)" 0 "a forged cookie: 0"
like "$(cat err)" 'sending sub-bad' "...answered with sub-bad"
is "$(subbed carol@c.example)" 99 "...not subscribed"
like "$(replyto)" '^list-sc\.' "...and a fresh confirmation address"
old=$(( $(date +%s) - 1000100 ))
oc=$($H/lcookie "$L/key" "" "$old" carol@c.example s)
is "$(mg carol@c.example "sc.$old.$oc-carol=c.example" -a)" 0 "an expired cookie (older than 1,000,000 s): 0"
like "$(cat err)" 'sending sub-bad' "...sub-bad"
is "$(subbed carol@c.example)" 99 "...not subscribed"
fut=$(( $(date +%s) + 1000 ))
fc=$($H/lcookie "$L/key" "" "$fut" carol@c.example s)
mg carol@c.example "sc.$fut.$fc-carol=c.example" >/dev/null
is "$(subbed carol@c.example)" 99 "a cookie from the future does not work"
is "$(mg dave@d.example "sc.$t.$ck-dave=d.example")" 0 "carol's cookie used for dave"
is "$(subbed dave@d.example)" 99 "...does not subscribe dave"
uc=$($H/lcookie "$L/key" "" "$t" carol@c.example u)
mg carol@c.example "sc.$t.$uc-carol=c.example" >/dev/null
is "$(subbed carol@c.example)" 99 "an unsubscribe cookie does not confirm a subscription"
dc=$($H/lcookie "$L/key" digest "$t" carol@c.example s)
mg carol@c.example "sc.$t.$dc-carol=c.example" >/dev/null
is "$(subbed carol@c.example)" 99 "a digest cookie does not confirm for the main list"
mg carol@c.example "sc.$t.$ck-CAROL=C.EXAMPLE" >/dev/null
is "$(subbed carol@c.example)" 0 "the cookie survives a change of case of the address"
is "$(mg carol@c.example "sc.$t.short-carol=c.example")" 0 "a cookie of the wrong length: 0 (sub-bad)"
is "$(mg carol@c.example "tc.$t.$ck-carol=c.example")" 100 "a bad moderator cookie from a non-moderator: 100"
like "$(cat err)" 'fatal: ' "...refused"

# ---- -S, -U and their files ------------------------------------------------------------------
is "$(mg erin@e.example subscribe -S)" 0 "-S: subscribe without confirmation"
is "$(subbed erin@e.example)" 0 "...subscribed at once"
like "$(lastmsg)" 'Subject: WELCOME' "...welcome sent"
is "$(mg erin@e.example unsubscribe -U)" 0 "-U: unsubscribe without confirmation"
is "$(subbed erin@e.example)" 99 "...unsubscribed at once"
touch "$L/nosubconfirm" "$L/nounsubconfirm"
mg erin@e.example subscribe >/dev/null
is "$(subbed erin@e.example)" 0 "the file nosubconfirm works as -S"
mg erin@e.example subscribe -s >/dev/null
mg erin@e.example unsubscribe -u >/dev/null
is "$(subbed erin@e.example)" 0 "...-u on the command line wins over nounsubconfirm"
mg erin@e.example unsubscribe >/dev/null
is "$(subbed erin@e.example)" 99 "nounsubconfirm works as -U"
rm "$L/nosubconfirm" "$L/nounsubconfirm"
n=$(last)
is "$(mg erin@e.example subscribe -S -N)" 0 "-S -N: no notification"
is "$(last)" "$n" "...nothing sent"

# ---- the target in the address ------------------------------------------------------------------
mg someone@x.example subscribe-frank=f.example >/dev/null
is "$(lastenv | sed -n 's/^T//p')" "frank@f.example" "LIST-subscribe-box=dom: the confirmation goes to box@dom"
like "$(replyto)" '^list-sc\.[0-9]+\.[a-z2-7]{20}-frank=f\.example@' "...and is about box@dom"
mg frank@f.example "$(action_of "$(replyto)")" >/dev/null
is "$(subbed frank@f.example)" 0 "...frank confirms and is subscribed"

# ---- hostile addresses ---------------------------------------------------------------------------
hostile() { # name target-in-DEFAULT address
    mg x@x.example "subscribe-$2" >/dev/null
    is "$(lastenv | sed -n 's/^T//p')" "$3" "$1: the confirmation goes to the address as it is"
    r=$(replyto)
    d=$(action_of "$r")
    mg "$3" "$d" >/dev/null
    is "$(subbed "$3")" 0 "$1: the round trip subscribes it"
}
hostile "quotes" '"q"uote=q.example' '"q"uote@q.example'
hostile "percent and underscore" 'a%b_c=p.example' 'a%b_c@p.example'
hostile "upper case" 'Upper.Case=U.EXAMPLE' 'Upper.Case@U.EXAMPLE'
hostile "shell metacharacters" 'a;b$(id)`x`|&*=s.example' 'a;b$(id)`x`|&*@s.example'
like "$(cat "$L/cookies"/* 2>/dev/null | tr '\0' '\n')" 'a;b\$\(id\)' "...quoting-needing targets use short-form cookies (DIR/cookies)"
long=$(awk 'BEGIN { for (i = 0; i < 39; i++) printf "abcdefghij"; printf "@l.example" }')
is "$(mg x@x.example "subscribe-$(echo "$long" | tr @ =)")" 0 "a 400-byte address: accepted (the store holds 400)"
r=$(replyto)
local_part=${r%@*}
[ ${#local_part} -le 64 ]; ok $? "...its confirmation address has a local part of ${#local_part} <= 64 characters"
mg "$long" "$(action_of "$r")" >/dev/null
is "$(subbed "$long")" 0 "...and the short form works"
toolong=$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "abcdefghij"; printf "@l.example" }')
is "$(mg x@x.example "subscribe-$(echo "$toolong" | tr @ =)")" 100 "a 410-byte address: 100"
like "$(cat err)" 'too long' "...too long"
is "$(mg x@x.example "subscribe-nodomain")" 100 "an address without @: 100"
like "$(cat err)" 'not valid' "...not valid"
is "$(mg nobody subscribe)" 100 "a SENDER without @: 100"
is "$(mg '' subscribe)" 100 "a bounce (empty SENDER): 100"
is "$(mg '#@[]' subscribe)" 100 "a double bounce: 100"

# ---- requests that are refused -------------------------------------------------------------------
printf 'Mailing-List: contact other-help@x.example\nSubject: x\n\n' >mlreq
is "$(REQ=mlreq mg bob@b.example subscribe)" 100 "a request carrying Mailing-List: 100"
printf 'Delivered-To: responder for list@sandbox.example\nSubject: x\n\n' >loopreq
is "$(REQ=loopreq mg bob@b.example help)" 100 "our own responder line: looping, 100"
rm "$L/public"
is "$(mg bob@b.example subscribe)" 100 "a list without public: 100"
like "$(cat err)" 'fatal: .*\(#5\.7\.2\)' "...with a reason"
is "$(mg bob@b.example help)" 0 "...help is still answered"
touch "$L/public"
is "$(SENDER=bob@b.example ezmlm-manage "$L" <req 2>/dev/null; echo $?)" 100 "DEFAULT unset: 100"
is "$(DEFAULT=help ezmlm-manage "$L" <req 2>/dev/null; echo $?)" 100 "SENDER unset: 100"
is "$(mg bob@b.example allow-subscribe)" 0 "allow- is a sub-database"
is "$(mg bob@b.example deny-subscribe)" 100 "deny- is for remote moderators only: 100"
is "$(mg bob@b.example digestsubscribe)" 100 "digest without '-': 100"

# ---- the digest list --------------------------------------------------------------------------------
mg gina@g.example digest-subscribe >/dev/null
r=$(replyto)
like "$r" '^list-digest-sc\.' "digest-subscribe: LIST-digest-sc.... confirmation"
mg gina@g.example "$(action_of "$r")" >/dev/null
is "$(ezmlm-list "$L" digest)" "gina@g.example" "...subscribed to the digest"
is "$(subbed gina@g.example)" 99 "...not to the main list"

# ---- help, info, faq, query ----------------------------------------------------------------------------
is "$(mg bob@b.example help -B)" 0 "help"
like "$(lastmsg)" 'From: list-return-@sandbox\.example' "...comes From: LIST-return-@ (stops autoresponder loops)"
like "$(lastmsg)" 'Return-Path: <bob@b\.example>' "...with the request copy even with -B"
is "$(lastenv | sed -n 's/^T//p')" "bob@b.example" "...to the sender"
is "$(mg bob@b.example whatever)" 0 "an unknown command gets help"
like "$(lastmsg)" 'Subject: Help for list@sandbox\.example' "...the help text"
for c in info faq; do
    echo "the $c text" >"$L/text/$c"
    is "$(mg bob@b.example "$c" -B)" 0 "$c"
    like "$(lastmsg)" "the $c text" "...sends text/$c"
    unlike "$(lastmsg)" 'Return-Path: <bob' "...-B: no request copy"
done
echo 2 >"$L/copylines"
printf 'From: bob@b.example\nSubject: q\n\nline one\nline two\nline three\n' >req3
REQ=req3 mg frank@f.example query >/dev/null
like "$(lastmsg)" 'line one
line two$' "copylines 2: two body lines of the request are quoted"
like "$(lastmsg)" 'Subject: [^
]*list@sandbox\.example' "query answers with the status"

# ---- an encoded charset: multipart replies --------------------------------------------------------------
echo 'iso-8859-1:Q' >"$L/charset"
printf 'Caf\351 = <#l#>\n' >"$L/text/info"
mg bob@b.example info >/dev/null
m=$(lastmsg)
like "$m" 'Content-Type: multipart/mixed; boundary=[a-p]{20}' "charset ...:Q: a multipart reply"
like "$m" 'Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

' "...the text part quoted-printable"
like "$m" 'Caf=E9 =3D list' "...encoded"
like "$m" 'Content-Type: message/rfc822

Return-Path: <bob@b\.example>' "...the request copy as message/rfc822"
like "$m" '--[a-p]{20}--$' "...and the closing boundary"
rm "$L/charset"
done_testing
