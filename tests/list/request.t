#!/bin/sh
# ezmlm-request: which deliveries it takes (DEFAULT request, request-CMD),
# commands from DEFAULT, the Subject (RFC 2047 decoded) and the body (the
# first MIME part), the command aliases, which/lists at LIST-request, the
# forwarded message (address, envelope sender, Delivered-To, removed
# header fields), loops, hostile input (huge, 8-bit and encoded subjects,
# quotes and shell metacharacters, no SENDER), -f (the global interface:
# lists, which, help, commands for other lists), and a subscribe request
# through a list made by ezmlm-make, its manager file run line by line as
# qmail-local would, ending in ezmlm-manage's confirmation request.
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
mklist "$L" list "$D" || BAIL_OUT "mklist"

last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
lastenv() { qqrec_env "$(last)"; }
# mail SUBJECT [BODY]: a request in file req
mail() {
    printf 'Return-Path: <bob@b.example>\nFrom: Bob <bob@b.example>\nList-Help: <x>\nSubject: %s\n\n%s\n' "$1" "${2:-}" >req
}
# req DEFAULT [options]: runs ezmlm-request on file req, prints the exit code
req() {
    d=$1; shift
    list_env list "$d" "$D"
    SENDER=${SENDER-bob@b.example} ezmlm-request "$@" "$L" <req 2>"$SANDBOX/err"
    echo $?
}
# greq [options]: ezmlm-request -f cfg at the global address majordomo@HOST
greq() {
    (unset DEFAULT; LOCAL=majordomo SENDER=${SENDER-bob@b.example} ezmlm-request -f "${CFG:-$SANDBOX/cfg}" "$L" \
        <req 2>"$SANDBOX/err"; echo $?)
}
# to SUBJECT [BODY]: the recipient of what a request with that subject becomes
to() {
    mail "$@"
    n=$(last)
    r=$(req request)
    if [ "$r" = 99 ] && [ "$(last)" -gt "$n" ]; then lastenv | sed -n 's/^T//p'; else echo "exit $r"; fi
}

# ---- not ours ------------------------------------------------------------------------
mail "subscribe"
is "$(req help)" 0 "DEFAULT help: 0"
is "$(req subscribe-x=y.example)" 0 "DEFAULT subscribe-x=y.example: 0"
is "$(req requests)" 0 "DEFAULT requests (not request or request-...): 0"
is "$(last)" 0 "...nothing queued"
(unset DEFAULT; SENDER=bob@b.example ezmlm-request "$L" <req 2>err; echo $? >rc)
is "$(cat rc)" 100 "no DEFAULT and no -f: 100"

# ---- the forwarded message -------------------------------------------------------------
mail "anything" "body text"
is "$(req request-subscribe-carol=c.example)" 99 "request-subscribe-carol=c.example: 99"
like "$(cat err)" 'ezmlm-request: info: qp [0-9]+' "...qp line"
is "$(lastenv)" "$(printf 'Fbob@b.example\nTlist-subscribe-carol=c.example@sandbox.example\n')" \
    "...to LIST-subscribe-carol=c.example@HOST, envelope sender SENDER"
is "$(lastmsg)" "Delivered-To: request processor for list@sandbox.example
From: Bob <bob@b.example>
Subject: anything

body text" "...Delivered-To: request processor for LIST@HOST, headerremove fields gone, the rest unchanged"
is "$(req REQUEST-help)" 99 "REQUEST-help (case ignored): 99"
is "$(lastenv | sed -n 's/^T//p')" "list-help-bob=b.example@sandbox.example" "...help for the sender"

# ---- the Subject ------------------------------------------------------------------------
is "$(to subscribe)" "list-subscribe-bob=b.example@sandbox.example" "Subject subscribe: for the sender"
is "$(to '  Subscribe  ')" "list-subscribe-bob=b.example@sandbox.example" "...blanks around it ignored"
is "$(to 'subscribe other@o.example')" "list-subscribe-other=o.example@sandbox.example" "subscribe box@dom"
is "$(to 'subscribe other@o.example list@sandbox.example')" "list-subscribe-other=o.example@sandbox.example" \
    "subscribe box@dom LIST@HOST"
is "$(to 'subscribe list@sandbox.example other@o.example')" "list-subscribe-other=o.example@sandbox.example" \
    "subscribe LIST@HOST box@dom"
is "$(to 'list-unsubscribe-other=o.example@sandbox.example')" "list-unsubscribe-other=o.example@sandbox.example" \
    "the whole command address"
is "$(to 'LIST-help')" "list-help-bob=b.example@sandbox.example" "LIST-help (no target)"
is "$(to 'get.12')" "list-get.12-bob=b.example@sandbox.example" "get.12 passes unchanged"
is "$(to 'frobnicate')" "list-frobnicate-bob=b.example@sandbox.example" "unknown words pass unchanged"
is "$(to 'subscribe	other@o.example')" "list-subscribe-other=o.example@sandbox.example" "a tab separates too"
is "$(to '=?utf-8?q?subscribe?=')" "list-subscribe-bob=b.example@sandbox.example" "an RFC 2047 encoded subject"
printf 'From: bob@b.example\nSubject: sub\n  other@o.example\n\n' >req
is "$(req request; lastenv | sed -n 's/^T//p')" "99
list-subscribe-other=o.example@sandbox.example" "a folded subject"

# ---- aliases ---------------------------------------------------------------------------
for a in sub:subscribe unsub:unsubscribe remove:unsubscribe signoff:unsubscribe ind:index \
    rev:list review:list recipients:list who:list showdist:list info:info query:query \
    index:index help:help; do
    is "$(to "${a%%:*}")" "list-${a#*:}-bob=b.example@sandbox.example" "${a%%:*} -> ${a#*:}"
done
for a in system put set; do
    is "$(to "$a some@thing.example")" "list-help-bob=b.example@sandbox.example" "$a: help, arguments dropped"
done
is "$(to which)" "list-help-bob=b.example@sandbox.example" "which at LIST-request: help"
is "$(to 'which other@o.example')" "list-help-bob=b.example@sandbox.example" "which box@dom: help for the sender"
is "$(to lists)" "list-help-bob=b.example@sandbox.example" "lists at LIST-request: help"

# ---- the body ------------------------------------------------------------------------------
is "$(to '' 'subscribe')" "list-subscribe-bob=b.example@sandbox.example" "no Subject text: the body"
is "$(to '[123]' '
   indented
# comment
2 numbers
unsubscribe other@o.example
subscribe')" "list-unsubscribe-other=o.example@sandbox.example" \
    "a Subject not starting with a letter: the first body line that does"
is "$(to '' '')" "list-help-bob=b.example@sandbox.example" "no command anywhere: help"
printf 'From: bob@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\nThis is a MIME message.\n\n--b1\nContent-Type: text/plain\n\nunsubscribe\n--b1\nContent-Type: text/plain\n\nsubscribe\n--b1--\n' >req
is "$(req request; lastenv | sed -n 's/^T//p')" "99
list-unsubscribe-bob=b.example@sandbox.example" "multipart: the preamble and the part header are skipped"
like "$(lastmsg)" 'This is a MIME message' "...and the whole message is forwarded"

# ---- hostile input ----------------------------------------------------------------------
n=$(last)
is "$(to 'Re: subscribe')" "exit 100" "Re: subscribe: 100 (':' is not allowed)"
like "$(cat err)" 'may only contain letters, digits' "...says what is allowed"
is "$(to 'subscribe "a b"@x.example')" "exit 100" "a quoted local part: 100"
is "$(to 'subscribe a;rm@x.example')" "exit 100" "a ';': 100"
is "$(to 'subscribe $(id)@x.example')" "exit 100" "\$(...): 100"
is "$(to 'subscribe `id`@x.example')" "exit 100" "backquotes: 100"
is "$(to 'subscribe a|b@x.example')" "exit 100" "a '|': 100"
is "$(to 'subscribe a@x.example@y.example')" "exit 100" "two '@': 100"
is "$(to 'subscrïbe')" "exit 100" "8-bit in the command: 100"
is "$(to '=?iso-8859-1?q?subscr=EFbe?=')" "exit 100" "8-bit through RFC 2047: 100"
is "$(to 'ïnfo' 'subscribe')" "list-subscribe-bob=b.example@sandbox.example" "a Subject starting with an 8-bit byte: the body"
is "$(to 'subscribe someone@o.example' 'x')" "list-subscribe-someone=o.example@sandbox.example" "(a good one in between)"
n=$(last)
big=$(head -c 200000 /dev/zero | tr '\0' 'a')
is "$(to "$big")" "exit 100" "a 200 kB Subject: 100"
is "$(to "1$big" 'help')" "list-help-bob=b.example@sandbox.example" "a 200 kB Subject not starting with a letter: the body"
is "$(to '' "$big")" "list-help-bob=b.example@sandbox.example" "a 200 kB body line is no command: help"
printf 'Subject: x\0y\n\n' >req
is "$(req request)" 100 "a NUL in the Subject: 100"
mail subscribe
n=$(last)
(unset SENDER; list_env list request "$D"; ezmlm-request "$L" <req 2>err; echo $? >rc)
is "$(cat rc)" 99 "no SENDER: 99 (dropped)"
like "$(cat err)" 'SENDER not set' "...with an info line"
is "$(SENDER= req request)" 99 "empty SENDER (a bounce): 99"
is "$(SENDER='#@[]' req request)" 99 "#@[]: 99"
is "$(SENDER=nohost req request)" 99 "a sender without a host: 99"
is "$(SENDER="$(printf 'a@b.example\nX-Evil: 1')" req request)" 100 "a sender with a line break: 100"
is "$(req request-return-x)" 0 "request-return...: 0"
is "$(last)" "$n" "...nothing queued for any of these"
is "$(SENDER=prvs=0123456789=bob@b.example req request; lastenv | sed -n 's/^T//p')" "99
list-subscribe-bob=b.example@sandbox.example" "a prvs= sender: the target is unwrapped"
like "$(lastenv)" 'Fprvs=0123456789=bob@b\.example' "...the envelope sender stays as it was"

# ---- loops ---------------------------------------------------------------------------------
qqrec_reset
printf 'Delivered-To: request processor for list@sandbox.example\nSubject: subscribe\n\n' >req
is "$(req request)" 100 "our own Delivered-To: 100"
like "$(cat err)" 'looping' "...looping"
printf 'Mailing-List: contact x-help@y.example\nSubject: subscribe\n\n' >req
is "$(req request)" 100 "Mailing-List: 100"
is "$(last)" 0 "...nothing queued"
mail subscribe
is "$(QQREC_FAIL=81 req request)" 111 "the queue fails: 111"

# ---- -f: the global interface --------------------------------------------------------------
qqrec_reset
L2=$SANDBOX/L2
L3=$SANDBOX/L3
mklist "$L2" list2 "$D" || BAIL_OUT "mklist L2"
mklist "$L3" list3 other.example || BAIL_OUT "mklist L3"
ezmlm-sub "$L2" bob@b.example || BAIL_OUT "ezmlm-sub"
cat >cfg <<EOF2
# lists served here
list2@$D:$L2:The second list
list3@other.example:$L3:The third list
EOF2
mail "ignored" "lists"
is "$(greq)" 99 "-f lists: 99"
is "$(lastenv)" "$(printf 'Flist-return-@sandbox.example\nTbob@b.example\n')" "...a reply to the sender from LIST-return-@HOST"
m=$(lastmsg)
like "$m" 'Subject: list results' "...Subject: LIST results"
like "$m" 'Mailing-List: ' "...with a Mailing-List field"
like "$m" 'Delivered-To: responder for list@sandbox\.example' "...and the responder Delivered-To"
like "$m" '	list2@sandbox\.example
The second list' "...names list2 with its description"
like "$m" 'list3@other\.example' "...and list3"
like "$m" 'Return-Path: <bob@b\.example>' "...the request is copied"
mail "x" "which"
is "$(greq)" 99 "-f which: 99"
m=$(lastmsg)
like "$m" 'WHICH \(bob@b\.example\)' "...for the sender"
like "$m" '
list2@sandbox\.example
' "...names list2 (bob is subscribed)"
unlike "$m" '
list3@other\.example
' "...not list3"
mail "x" "which carol@c.example"
is "$(greq; lastenv | sed -n 's/^T//p')" "99
carol@c.example" "-f which box@dom: the answer goes to box@dom"
mail "x" "help"
is "$(greq)" 99 "-f help without a list: answered here"
like "$(lastmsg)" 'From: list-return-@sandbox\.example' "...From: LIST-return-@HOST"
mail "x" "info"
is "$(greq)" 99 "-f info without a list: the help text here"
like "$(lastmsg)" 'From: list-return-@sandbox\.example' "...From: LIST-return-@HOST"
mail "x" "rev"
is "$(greq)" 99 "-f rev (list) without a list: lists"
like "$(lastmsg)" 'LISTS:' "...the lists"
mail "x" "query"
is "$(greq)" 99 "-f query without a list: which"
like "$(lastmsg)" 'WHICH \(bob@b\.example\)' "...which"
mail "subscribe" "subscribe list2"
is "$(greq)" 99 "-f subscribe list2 (the body, not the Subject): 99"
is "$(lastenv | sed -n 's/^T//p')" "list2-subscribe-bob=b.example@sandbox.example" "...to list2-subscribe-bob=b.example@HOST"
mail "x" "sub list3 carol@c.example"
is "$(greq; lastenv | sed -n 's/^T//p')" "99
list3-subscribe-carol=c.example@other.example" "-f: the list's host comes from the config"
mail "x" "sub list3@evil.example"
is "$(greq; lastenv | sed -n 's/^T//p')" "99
list3-subscribe-bob=b.example@sandbox.example" "-f: a host not in the config becomes HOST"
mail "x" "subscribe"
is "$(greq)" 100 "-f subscribe without a list: 100"
(unset DEFAULT; LOCAL=majordomo SENDER=bob@b.example ezmlm-request -f "$SANDBOX/cfg" "$L" <req 2>err; echo $? >rc)
is "$(cat rc)" 100 "-f, no DEFAULT: LOCAL is used (subscribe without a list: 100)"
(unset DEFAULT; LOCAL=majordomo-return- SENDER=bob@b.example ezmlm-request -f "$SANDBOX/cfg" "$L" <req 2>err; echo $? >rc)
is "$(cat rc)" 0 "-f, LOCAL ending in -return-: 0 (a bounce)"
is "$(CFG=$SANDBOX/nonexistent greq)" 111 "-f with a missing config file: 111"

# ---- through a list made by ezmlm-make ------------------------------------------------------
qqrec_reset
M=$SANDBOX/made
list_make "$M" "$SANDBOX_HOME/.qmail-made" made "$D" || BAIL_OUT "ezmlm-make"
like "$(cat "$M/manager")" "ezmlm-weed
.*ezmlm-split '$M'
.*ezmlm-request '$M'
.*ezmlm-manage '$M'" "the manager runs weed, split, request, manage in 7.2's order"
# manager DEFAULT FILE: the manager's lines one by one, as qmail-local runs them
manager() {
    list_env made "$1" "$D"
    while IFS= read -r line; do
        case $line in '|'*) ;; *) continue ;; esac
        sh -c "${line#|}" <"$2" 2>>"$SANDBOX/err"
        rc=$?
        [ $rc = 0 ] && continue
        echo $rc
        return
    done <"$M/manager"
    echo 0
}
printf 'From: Newbie <new@n.example>\nTo: made-request@sandbox.example\nSubject: subscribe\n\nplease\n' >req
: >err
is "$(SENDER=new@n.example manager request req)" 99 "a subscribe mail to LIST-request: the manager ends at 99"
is "$(last)" 1 "...one message queued"
is "$(lastenv)" "$(printf 'Fnew@n.example\nTmade-subscribe-new=n.example@sandbox.example\n')" \
    "...to LIST-subscribe-new=n.example@HOST"
cp "$QQREC/1.msg" fwd
is "$(SENDER=new@n.example manager subscribe-new=n.example fwd)" 0 "the forwarded request through the manager: 0"
is "$(last)" 2 "...one more message"
is "$(lastenv | sed -n 's/^T//p')" "new@n.example" "...to the subscriber"
like "$(lastmsg)" 'Reply-To: made-sc\.[0-9]+\.[a-z2-7]{20}-new=n\.example@sandbox\.example' \
    "...ezmlm-manage's confirmation request"
like "$(lastmsg)" 'Delivered-To: request processor for made@sandbox\.example' "...quoting the forwarded request"

ezmlm-request -V "$L" 2>err
is "$?" 0 "-V: 0"
done_testing
