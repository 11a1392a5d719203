#!/bin/sh
# ezmlm-gate (subscribers post at once, the rest is moderated; -q
# commands; -0) and ezmlm-confirm (post confirmation: the request, confirm
# and discard, a list that also moderates), run with the command lines
# ezmlm-make wrote into DIR/editor and DIR/confirmer.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
cd "$SANDBOX" || exit 1
H=$SUITE_BUILD/tests/helpers
D=sandbox.example
last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
lastenv() { qqrec_env "$(last)"; }
post() { printf 'From: %s\nSubject: %s\n\ntext of %s\n' "$1" "$2" "$2"; }
# line FILE PROGRAM: the command of DIR/FILE that runs PROGRAM
line() { grep "/$2 " "$1" | sed 's/^|//'; }

# ---- ezmlm-gate ------------------------------------------------------------------------
G=$SANDBOX/G
list_make -mu "$G" "$SANDBOX_HOME/.qmail-g" g "$D" || BAIL_OUT "ezmlm-make -mu"
ezmlm-sub "$G" sub1@s.example && ezmlm-sub "$G" mod mod1@m.example && ezmlm-sub "$G" allow al@a.example ||
    BAIL_OUT "ezmlm-sub"
gate=$(line "$G/editor" ezmlm-gate)
like "$gate" "ezmlm-gate '$G' \\. digest allow mod" "ezmlm-make -mu: the editor runs ezmlm-gate"
n=$(last)
post sub1@s.example one | SENDER=sub1@s.example sh -c "$gate" 2>err; is $? 0 "a subscriber's post: 0"
is "$(last)" $((n + 1)) "...one message queued"
like "$(lastenv)" '^Fg-return-1-@sandbox\.example-@\[\]' "...by ezmlm-send, as message 1"
like "$(lastmsg)" 'Delivered-To: mailing list g@sandbox\.example' "...to the list"
is "$(ls "$G/mod/pending")" "" "...nothing stored"
post al@a.example two | SENDER=al@a.example sh -c "$gate" 2>/dev/null
like "$(lastenv)" '^Fg-return-2-@' "a post from the allow list goes out too"
post mod1@m.example three | SENDER=mod1@m.example sh -c "$gate" 2>/dev/null
like "$(lastenv)" '^Fg-return-3-@' "...and one from a moderator"
n=$(last)
post stranger@x.example four | SENDER=stranger@x.example sh -c "$gate" 2>err; is $? 0 "a non-subscriber's post: 0"
like "$(ls "$G/mod/pending")" '^[0-9]+\.[0-9]+$' "...stored in mod/pending"
is "$(lastenv)" "$(printf 'Fg-return-@sandbox.example\nTmod1@m.example\n')" "...a moderation request to the moderator"
like "$(lastmsg)" 'Subject: MODERATE for g@sandbox\.example' "...MODERATE"
is "$(cut -d: -f1 "$G/num")" 3 "...not posted"
is "$(SENDER=sub1@s.example ezmlm-gate -0 -cr "$G" . </dev/null)" "$EZMLM_BIN/ezmlm-send -cr $G" "-0 shows ezmlm-send for a subscriber"
is "$(SENDER=x@x.example ezmlm-gate -0 -cM "$G" . </dev/null)" "$EZMLM_BIN/ezmlm-store -cM $G" "...ezmlm-store with the options for the rest"
is "$(SENDER=sub1@s.example ezmlm-gate -0 "$G" </dev/null)" "$EZMLM_BIN/ezmlm-store $G" "...no sub-database: moderated"
env -u SENDER ezmlm-gate "$G" . </dev/null 2>/dev/null; is $? 100 "no SENDER: 100"
printf '|exit 0\n# comment\nexit 99\n' >"$G/gateq"
is "$(SENDER=x@x.example ezmlm-gate -0 -q gateq "$G" . </dev/null)" "$EZMLM_BIN/ezmlm-send $G" "-q: a command exiting 99 sends"
printf 'exit 0\nexit 100\nexit 99\n' >"$G/gateq"
is "$(SENDER=sub1@s.example ezmlm-gate -0 -q gateq "$G" . </dev/null)" "$EZMLM_BIN/ezmlm-store $G" "-q: 100 moderates, even a subscriber"
printf 'exit 0\n' >"$G/gateq"
is "$(SENDER=x@x.example ezmlm-gate -0 -q gateq "$G" </dev/null)" "$EZMLM_BIN/ezmlm-send $G" "-q: all 0 and no sub-database: sent"
is "$(SENDER=x@x.example ezmlm-gate -0 -q gateq "$G" . </dev/null)" "$EZMLM_BIN/ezmlm-store $G" "-q: all 0: the sub-databases decide"
printf 'exit 111\n' >"$G/gateq"
SENDER=x@x.example ezmlm-gate -0 -q gateq "$G" . </dev/null 2>/dev/null; is $? 111 "-q: 111 defers"
printf 'grep -q "^Subject: urgent" || exit 100\nexit 99\n' >"$G/gateq"
post x@x.example urgent >p.urgent
is "$(SENDER=x@x.example ezmlm-gate -0 -q gateq "$G" . <p.urgent)" "$EZMLM_BIN/ezmlm-send $G" "-q: the commands read the post"
n=$(last)
SENDER=x@x.example ezmlm-gate -q gateq "$G" . <p.urgent 2>/dev/null; is $? 0 "...and ezmlm-send gets it from the start"
like "$(lastmsg)" 'text of urgent' "...whole"

# ---- ezmlm-confirm ---------------------------------------------------------------------
Y=$SANDBOX/Y
list_make -y "$Y" "$SANDBOX_HOME/.qmail-y" y "$D" || BAIL_OUT "ezmlm-make -y"
ezmlm-sub "$Y" sub1@s.example || BAIL_OUT "ezmlm-sub"
store=$(line "$Y/editor" ezmlm-store)
conf=$(line "$Y/confirmer" ezmlm-confirm)
like "$conf" "ezmlm-confirm '$Y'" "ezmlm-make -y: the confirmer runs ezmlm-confirm"
n=$(last)
post bob@b.example c1 | SENDER=bob@b.example sh -c "$store" 2>err; is $? 0 "a post to a -y list: 0"
id=$(ls "$Y/mod/unconfirmed")
like "$id" '^[0-9]+\.[0-9]+$' "...kept in mod/unconfirmed"
is "$(stat -c %a "$Y/mod/unconfirmed/$id")" 700 "...mode 0700"
is "$(sed -n 2p "$Y/mod/unconfirmed/$id")" "Delivered-To: confirm to y@sandbox.example" "...with its Delivered-To"
is "$(last)" $((n + 1)) "...one message queued"
m=$(lastmsg)
ca=$(printf '%s\n' "$m" | sed -n 's/^Reply-To: //p')
like "$ca" "^y-confirm-$id\\.[a-z2-7]{20}@sandbox\\.example\$" "Reply-To: LIST-confirm-WHEN.PID.COOKIE@HOST"
da=y-discard-${ca#y-confirm-}
is "$(lastenv)" "$(printf 'F%s\nTbob@b.example\n' "$da")" "...envelope: from LIST-discard-... (a bounce discards) to the sender"
like "$m" 'From: y-owner@sandbox\.example' "...From: LIST-owner@HOST"
like "$m" 'To: bob@b\.example' "...To: the sender"
like "$m" 'Subject: Confirm post to y@sandbox\.example' "...SUB_CONFIRM_POST"
like "$m" "
   $ca
" "...text/post-confirm with the confirm address"
like "$m" "
   $da
" "...and the discard address"
like "$m" 'text of c1' "...and the post"
answer() { # ADDRESS DIR COMMAND
    a=${1%@*}; d=${a#*-*-}
    SENDER=bob@b.example LOCAL=$a DEFAULT=$d sh -c "$3" </dev/null 2>"$SANDBOX/err"
    echo $?
}
mc=$($H/lcookie "$Y/key" mod "${id%%.*}" "$id" a)
is "$(answer "y-confirm-$id.$mc@$D" "$Y" "$conf")" 100 "a moderation cookie does not confirm: 100"
n=$(last)
is "$(answer "$ca" "$Y" "$conf")" 0 "confirm: 0"
is "$(ls "$Y/mod/unconfirmed")" "" "...the post left mod/unconfirmed"
like "$(lastenv)" '^Fy-return-1-@sandbox\.example-@\[\]
Tsub1@s\.example' "...and went to the list"
like "$(lastmsg)" 'text of c1' "...the post"
is "$(answer "$ca" "$Y" "$conf")" 100 "confirm again: 100 (no longer here)"
is "$(last)" $((n + 1)) "...nothing sent twice"
post bob@b.example c2 | SENDER=bob@b.example sh -c "$store" 2>/dev/null
ca=$(lastmsg | sed -n 's/^Reply-To: //p'); da=y-discard-${ca#y-confirm-}
n=$(last)
is "$(answer "$da" "$Y" "$conf")" 0 "discard: 0"
is "$(ls "$Y/mod/unconfirmed")" "" "...gone"
is "$(last)" "$n" "...nothing sent"
is "$(answer "$ca" "$Y" "$conf")" 100 "confirm after discard: 100"
is "$(answer "y-accept-${ca#y-confirm-}" "$Y" "$conf")" 100 "an accept address at the confirmer: 100"

# confirmed, then moderated (-my)
MY=$SANDBOX/MY
list_make -my "$MY" "$SANDBOX_HOME/.qmail-my" my "$D" || BAIL_OUT "ezmlm-make -my"
ezmlm-sub "$MY" mod mod1@m.example && ezmlm-sub "$MY" sub1@s.example || BAIL_OUT "ezmlm-sub"
store=$(line "$MY/editor" ezmlm-store)
conf=$(line "$MY/confirmer" ezmlm-confirm)
like "$conf" "ezmlm-store -Y '$MY'" "ezmlm-make -my: confirmed posts go to ezmlm-store -Y"
post bob@b.example c3 | SENDER=bob@b.example sh -c "$store" 2>/dev/null
ca=$(lastmsg | sed -n 's/^Reply-To: //p')
like "$ca" '^my-confirm-' "a -my list asks the sender first"
is "$(answer "$ca" "$MY" "$conf")" 0 "confirmed: 0"
is "$(ls "$MY/mod/unconfirmed")" "" "...out of mod/unconfirmed"
idm=$(ls "$MY/mod/pending")
like "$idm" '^[0-9]+\.[0-9]+$' "...into mod/pending"
is "$(sed -n 1p "$MY/mod/pending/$idm")" "Return-Path: <bob@b.example>" "...with the poster's Return-Path"
is "$(lastenv)" "$(printf 'Fmy-return-@sandbox.example\nTmod1@m.example\n')" "...and the moderator is asked"
acc=$(lastmsg | sed -n 's/^Reply-To: //p')
a=${acc%@*}; d=${a#my-accept-}
SENDER=mod1@m.example LOCAL=$a DEFAULT=$d sh -c "$(line "$MY/moderator" ezmlm-moderate)" </dev/null 2>/dev/null
is $? 0 "the moderator accepts: 0"
like "$(lastenv)" '^Fmy-return-1-@sandbox\.example-@\[\]
Tsub1@s\.example' "...the post goes to the list"
like "$(lastmsg)" 'text of c3' "...the post"

# confirmed, then gated (-ymu): subscribers' confirmed posts go out, the rest is moderated
YG=$SANDBOX/YG
list_make -ymu "$YG" "$SANDBOX_HOME/.qmail-yg" yg "$D" || BAIL_OUT "ezmlm-make -ymu"
ezmlm-sub "$YG" mod mod1@m.example && ezmlm-sub "$YG" sub1@s.example || BAIL_OUT "ezmlm-sub"
store=$(line "$YG/editor" ezmlm-store)
conf=$(line "$YG/confirmer" ezmlm-confirm)
like "$conf" "ezmlm-gate -Y '$YG' \\. digest allow mod" "ezmlm-make -ymu: confirmed posts go to ezmlm-gate -Y"
confirm_as() { # SENDER: a post by SENDER, confirmed
    post "$1" "by $1" | SENDER=$1 sh -c "$store" 2>/dev/null
    ca=$(lastmsg | sed -n 's/^Reply-To: //p'); a=${ca%@*}; d=${a#yg-confirm-}
    SENDER=$1 LOCAL=$a DEFAULT=$d sh -c "$conf" </dev/null 2>/dev/null
    echo $?
}
is "$(confirm_as sub1@s.example)" 0 "a subscriber confirms: 0"
like "$(lastenv)" '^Fyg-return-1-@' "...the post goes to the list"
is "$(confirm_as bob@b.example)" 0 "a non-subscriber confirms: 0"
like "$(ls "$YG/mod/pending")" '^[0-9]+\.[0-9]+$' "...the post waits for a moderator"
is "$(lastenv)" "$(printf 'Fyg-return-@sandbox.example\nTmod1@m.example\n')" "...who is asked"

done_testing
