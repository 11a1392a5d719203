#!/bin/sh
# ezmlm-manage, administration: remote administrators (rc/wc), moderated
# subscription (modsub: sc -> tc), -m unsubscribe moderation (vc), list,
# listn and log for moderators, the deny database, owner copies, -get,
# editing text files (-edit / -ed.).
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
ezmlm-sub "$L" mod Mod@M.example || BAIL_OUT "ezmlm-sub mod"
printf 'From: someone\nSubject: x\n\n' >req

mg() { # SENDER DEFAULT [options]
    s=$1; d=$2; shift 2
    SENDER=$s DEFAULT=$d ezmlm-manage "$@" "$L" <"${REQ:-req}" 2>"$SANDBOX/err"
    echo $?
}
last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
rcpts() { qqrec_env "$(last)" | sed -n 's/^T//p'; }
replyto() { sed -n 's/^Reply-To: //p' "$QQREC/$(last).msg"; }
action_of() { a=${1%@*}; echo "${a#list-}"; }
subbed() { SENDER=$1 ezmlm-issubn "$L" ${2:+"$2"}; echo $?; }

# ---- remote administration ----------------------------------------------------------------
touch "$L/remote"
is "$(mg mod@m.example subscribe-new=n.example)" 0 "a moderator subscribes someone (remote list)"
is "$(rcpts)" "Mod@m.example" "...the confirmation goes to the moderator, as stored"
r=$(replyto)
like "$r" '^list-rc\.[0-9]+\.[a-z2-7]{20}-new=n\.example@' "...an rc. cookie"
is "$(mg mod@m.example "$(action_of "$r")")" 0 "the moderator confirms"
is "$(subbed new@n.example)" 0 "...new@n.example is subscribed"
like "$(tail -1 "$L/Log")" '^[0-9]+ \+mod new@n\.example$' "...Log event +mod"
is "$(rcpts)" "new@n.example" "...the welcome goes to the subscriber"
like "$(lastmsg)" '<suppressed>' "...without the moderator's request"
is "$(mg mod@m.example unsubscribe-new=n.example)" 0 "a moderator unsubscribes someone"
r=$(replyto)
like "$r" '^list-wc\.' "...a wc. cookie"
mg mod@m.example "$(action_of "$r")" >/dev/null
is "$(subbed new@n.example)" 99 "...confirmed: removed"
like "$(tail -1 "$L/Log")" '^[0-9]+ -mod new@n\.example$' "...Log event -mod"
is "$(mg x@x.example "$(action_of "$r")")" 0 "the same cookie again, from anyone"
r=$(replyto)
mg x@x.example subscribe-new=n.example >/dev/null
like "$(replyto)" '^list-sc\.' "a non-moderator's request for someone else is an ordinary one (sc to the target)"
is "$(rcpts)" "new@n.example" "...asking the target"

# ---- list, listn, log ---------------------------------------------------------------------------
ezmlm-sub "$L" a@a.example b@b.example
is "$(mg mod@m.example list)" 100 "list without -l (or modcanlist): 100"
is "$(mg x@x.example list -l)" 100 "list from a non-moderator: 100"
is "$(mg mod@m.example list -l)" 0 "list from a moderator with -l"
is "$(rcpts)" "Mod@m.example" "...to the moderator"
like "$(lastmsg)" '
a@a\.example
' "...listing the subscribers"
like "$(lastmsg)" '======> 2' "...and their number"
touch "$L/modcanlist"
is "$(mg mod@m.example listn)" 0 "listn (modcanlist)"
like "$(lastmsg)" '======> 2' "...just the number"
unlike "$(lastmsg)" '
a@a\.example' "...without the addresses"
is "$(mg mod@m.example log)" 0 "log"
like "$(lastmsg)" '[0-9]+ [A-Z][a-z][a-z] [0-9]{4} [0-9:]{8} -0000: \+manual a@a\.example' "...Log lines with their dates"
is "$(mg mod@m.example log.b_example)" 0 "log.search"
m=$(lastmsg)
like "$m" 'b@b\.example' "...matching lines"
unlike "$m" 'a@a\.example' "...only"
rm "$L/modcanlist"

# ---- deny ------------------------------------------------------------------------------------------
is "$(mg mod@m.example deny-subscribe-spammer=s.example)" 0 "deny-subscribe from a remote moderator"
r=$(replyto)
like "$r" '^list-deny-rc\.' "...LIST-deny-rc. cookie"
is "$(mg mod@m.example "$(action_of "$r")")" 0 "confirmed"
is "$(ezmlm-list "$L" deny)" "spammer@s.example" "...in the deny list"
like "$(cat err)" 'info: ' "...an info line, no mail to the target"
is "$(mg x@x.example deny-subscribe-y=y.example)" 100 "deny from a non-moderator: 100"
rm "$L/remote"

# ---- modsub: subscriptions moderated --------------------------------------------------------------
touch "$L/modsub"
printf 'From: Carol <carol@c.example>\nSubject: x\n\n' >creq
REQ=creq mg carol@c.example subscribe >/dev/null
r=$(replyto)
REQ=creq mg carol@c.example "$(action_of "$r")" >/dev/null
like "$(replyto)" '^list-tc\.' "modsub: after the user's confirmation, a tc. request"
is "$(rcpts)" "Mod@m.example" "...to the moderators"
is "$(subbed carol@c.example)" 99 "...not subscribed yet"
r=$(replyto)
is "$(mg mod@m.example "$(action_of "$r")")" 0 "a moderator accepts"
is "$(subbed carol@c.example)" 0 "...subscribed"
like "$(tail -1 "$L/Log")" '^[0-9]+ \+ carol@c\.example Carol <carol@c\.example>$' "...Log keeps carol's From: line (DIR/from)"
mg mod@m.example "$(action_of "$r")" 2>/dev/null >/dev/null
like "$(cat err)" 'info: ' "the tc. again: nothing to do, an info line"
# -m: unsubscribing is moderated too
REQ=creq mg carol@c.example unsubscribe -m >/dev/null
r=$(replyto)
REQ=creq mg carol@c.example "$(action_of "$r")" -m >/dev/null
like "$(replyto)" '^list-vc\.' "-m: after the user's confirmation, a vc. request to the moderators"
mg mod@m.example "$(action_of "$(replyto)")" -m >/dev/null
is "$(subbed carol@c.example)" 99 "...the moderator's confirmation removes carol"
rm "$L/modsub"

# ---- owner copies -------------------------------------------------------------------------------------
mg dan@d.example subscribe -S -QQ >/dev/null
is "$(rcpts | sort | tr '\n' ' ')" "dan@d.example list-owner@sandbox.example " "-QQ: the owner gets a copy of every change"
mg dan@d.example unsubscribe >/dev/null
r=$(replyto)
ezmlm-unsub "$L" dan@d.example
mg dan@d.example "$(action_of "$r")" -Q >/dev/null
is "$(rcpts | sort | tr '\n' ' ')" "dan@d.example list-owner@sandbox.example " "-Q: ...of an unsubscribe that failed"

# ---- get ----------------------------------------------------------------------------------------------
ezmlm-sub "$L" poster@p.example
printf 'From: poster@p.example\nSubject: archived\n\nline 1\nline 2\n' | SENDER=poster@p.example ezmlm-send "$L" 2>/dev/null
is "$(mg a@a.example get.1)" 0 "get.1"
like "$(lastmsg)" '> Subject: archived
> 
> line 1
> line 2' "...quotes archive message 1"
is "$(mg a@a.example get.7)" 0 "get of a message not in the archive"
like "$(cat err)" '' "...answered"
is "$(mg a@a.example get.1 -C)" 100 "-C: get is refused"

# ---- editing text files ----------------------------------------------------------------------------------
touch "$L/remote"
is "$(mg mod@m.example edit.top)" 100 "edit without -e: 100"
is "$(mg mod@m.example edit.top -e)" 0 "edit.top from a remote moderator with -e"
r=$(replyto)
like "$r" '^list-ed\.[0-9]+\.top\.[a-z2-7]{20}@sandbox\.example$' "...an ed. cookie"
like "$(lastmsg)" '%%% START OF TEXT FILE
Hello! This is the ezmlm program' "...the current text between the markers"
printf 'From: mod@m.example\nSubject: Re\n\n> %%%%%% START OF TEXT FILE\n> A new top text.\n> Second line.\n> %%%%%% END OF TEXT FILE\n' >edreq
is "$(REQ=edreq mg mod@m.example "$(action_of "$r")" -e)" 0 "the edited text comes back"
is "$(cat "$L/text/top")" "A new top text.
Second line." "...DIR/text/top holds it, the quote marks stripped"
is "$(REQ=edreq mg mod@m.example "$(action_of "$r")" -e)" 100 "the same cookie after the change: 100"
is "$(mg mod@m.example edit.no_such -e)" 100 "a file that does not exist: 100"
is "$(mg mod@m.example 'edit.../x' -e)" 100 "a bad file name: 100"
is "$(mg mod@m.example edit -e)" 0 "edit alone lists the files"
done_testing
