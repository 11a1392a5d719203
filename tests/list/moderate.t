#!/bin/sh
# ezmlm-store and ezmlm-moderate on a list made by ezmlm-make -m: the
# stored post (mode 0700 = complete), the moderation request (addresses,
# envelope, the attached post), accept through ezmlm-send with a stub in
# mod/accepted, reject with a %%% comment, repeated and contradicting
# answers, forged and malformed cookies, unknown ids, posts by moderators,
# -P/modpostonly, -M/-B, and an ezmlm-store killed half-way (its file is
# never sent).
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
L=$SANDBOX/L
list_make -m "$L" "$SANDBOX_HOME/.qmail-list" list "$D" || BAIL_OUT "ezmlm-make -m"
ezmlm-sub "$L" mod mod1@m.example mod2@m.example || BAIL_OUT "ezmlm-sub mod"
ezmlm-sub "$L" sub1@s.example || BAIL_OUT "ezmlm-sub"

like "$(cat "$L/editor")" "ezmlm-store '$L'" "ezmlm-make -m: the editor runs ezmlm-store"
like "$(cat "$L/moderator")" "ezmlm-moderate '$L'" "...the moderator file runs ezmlm-moderate"

printf 'From: Bob <bob@b.example>\nTo: list@sandbox.example\nSubject: first\n\nthe first post\n' >post
last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
lastenv() { qqrec_env "$(last)"; }
store() { # SENDER [options]: prints the exit code; stderr in err
    s=$1; shift
    SENDER=$s ezmlm-store "$@" "$L" <"${POST:-post}" 2>"$SANDBOX/err"
    echo $?
}
# answer ADDRESS [options]: LOCAL/DEFAULT of LIST-accept-X@HOST or -reject-
answer() {
    a=${1%@*}; shift
    d=${a#list-*-}
    SENDER=${MODSENDER:-mod1@m.example} LOCAL=$a DEFAULT=$d ezmlm-moderate "$@" "$L" \
        <"${ANSWER:-/dev/null}" 2>"$SANDBOX/err"
    echo $?
}
pending() { ls "$L/mod/pending"; }

# ---- storing ----------------------------------------------------------------------
is "$(store bob@b.example)" 0 "ezmlm-store: 0"
like "$(cat err)" 'ezmlm-store: info: qp [0-9]+' "...qp line"
id=$(pending)
like "$id" '^[0-9]+\.[0-9]+$' "the post is in mod/pending/WHEN.PID"
is "$(stat -c %a "$L/mod/pending/$id")" 700 "...mode 0700 (complete)"
is "$(sed -n 1,2p "$L/mod/pending/$id")" "Return-Path: <bob@b.example>
Delivered-To: moderator for list@sandbox.example" "...starts with Return-Path and our Delivered-To"
is "$(sed 1,2d "$L/mod/pending/$id")" "$(cat post)" "...then the post as it came"
is "$(last)" 1 "one message queued: the request"
is "$(lastenv)" "$(printf 'Flist-return-@sandbox.example\nTmod1@m.example\nTmod2@m.example\n')" \
    "...envelope: from LIST-return-@HOST to both moderators"
m=$(lastmsg)
acc=$(printf '%s\n' "$m" | sed -n 's/^Reply-To: //p')
rej=$(printf '%s\n' "$m" | sed -n 's/^From: //p' | head -1)
like "$acc" "^list-accept-$id\\.[a-z2-7]{20}@sandbox\\.example\$" "Reply-To: LIST-accept-WHEN.PID.COOKIE@HOST"
like "$rej" "^list-reject-$id\\.[a-z2-7]{20}@sandbox\\.example\$" "From: LIST-reject-WHEN.PID.COOKIE@HOST"
is "${acc#list-accept-}" "${rej#list-reject-}" "...the same cookie for both"
like "$m" 'To: list-moderators@sandbox\.example' "To: LIST-moderators@HOST"
like "$m" 'Subject: MODERATE for list@sandbox\.example' "Subject: SUB_MODERATE"
like "$m" 'Mailing-List: contact list-help@sandbox\.example' "Mailing-List header"
like "$m" "
   $acc
" "the text shows the accept address"
like "$m" "
   $rej
" "...and the reject address"
like "$m" 'Content-Type: multipart/mixed; boundary=' "-m (default): multipart"
like "$m" 'Content-Type: message/rfc822

Return-Path: <bob@b\.example>
Delivered-To: moderator for list@sandbox\.example
From: Bob <bob@b\.example>' "...the post attached as message/rfc822"
like "$m" 'the first post' "...with its body"

# ---- accept -------------------------------------------------------------------------
n=$(last)
is "$(answer "$acc")" 0 "accept: 0"
like "$(cat err)" "ezmlm-moderate: info: accepted $id" "...info line"
is "$(last)" $((n + 1)) "...one message queued"
is "$(lastenv)" "$(printf 'Flist-return-1-@sandbox.example-@[]\nTsub1@s.example\n')" \
    "...by ezmlm-send to the subscribers, as message 1"
m=$(lastmsg)
like "$m" 'Delivered-To: mailing list list@sandbox\.example' "...with ezmlm-send's Delivered-To"
like "$m" 'From: Bob <bob@b\.example>' "...the author's From"
like "$m" 'the first post' "...and the text"
unlike "$m" 'Return-Path:' "...our Return-Path line is not in the post"
is "$(pending)" "" "mod/pending is empty"
[ -f "$L/mod/accepted/$id" ] && [ ! -s "$L/mod/accepted/$id" ]; ok $? "an empty stub in mod/accepted"
is "$(cut -d: -f1 "$L/num")" 1 "num: 1"
n=$(last)
is "$(answer "$acc")" 0 "accept again: 0"
is "$(last)" "$n" "...nothing sent twice"
is "$(answer "$rej")" 100 "reject after accept: 100"
like "$(cat err)" 'already been accepted' "...already accepted"

# ---- reject with a comment --------------------------------------------------------------
printf 'From: Carol <carol@c.example>\nSubject: second\n\nthe second post\n' >post2
POST=post2 store carol@c.example >/dev/null
id2=$(pending)
m=$(lastmsg)
acc2=$(printf '%s\n' "$m" | sed -n 's/^Reply-To: //p')
rej2=$(printf '%s\n' "$m" | sed -n 's/^From: //p' | head -1)
printf 'From: mod1@m.example\nSubject: Re: MODERATE\n\n> %%%%%% Start comment\n> Off topic here.\n> Try the other list.\n> %%%%%% End comment\nignored\n' >ans
n=$(last)
is "$(ANSWER=ans answer "$rej2" -t help@elsewhere.example)" 0 "reject with a %%% comment: 0"
is "$(last)" $((n + 1)) "...one message queued"
is "$(lastenv)" "$(printf 'Flist-return-@sandbox.example\nTcarol@c.example\n')" "...to the author"
m=$(lastmsg)
like "$m" 'From: list-owner@sandbox\.example' "...from LIST-owner@HOST"
like "$m" 'Reply-To: help@elsewhere\.example' "...-t sets Reply-To"
like "$m" 'Subject: Returned post for list@sandbox\.example' "...Subject: SUB_RETURNED_POST"
like "$m" 'rejected by a moderator' "...text/mod-reject"
like "$m" '
Off topic here\.
Try the other list\.
' "...the comment, quote marks removed"
unlike "$m" 'ignored' "...nothing after the end mark"
unlike "$m" 'Start comment' "...nor the marks"
like "$m" 'message/rfc822

Return-Path: <carol@c\.example>' "...and the post"
like "$m" 'the second post' "...with its body"
is "$(pending)" "" "mod/pending is empty"
[ -f "$L/mod/rejected/$id2" ]; ok $? "a stub in mod/rejected"
is "$(answer "$rej2")" 0 "reject again: 0"
is "$(last)" $((n + 1)) "...nothing sent"
is "$(answer "$acc2")" 100 "accept after reject: 100"
like "$(cat err)" 'already been rejected' "...already rejected"
is "$(cut -d: -f1 "$L/num")" 1 "...not posted"

# a base64 answer without a comment
POST=post2 store carol@c.example >/dev/null
m=$(lastmsg); rej3=$(printf '%s\n' "$m" | sed -n 's/^From: //p' | head -1)
{ printf 'From: mod1@m.example\nContent-Transfer-Encoding: base64\n\n'
  printf '%%%%%% go\nspam, sorry\n%%%%%%\n' | base64; } >ans64
is "$(ANSWER=ans64 answer "$rej3" -M)" 0 "reject, base64 answer: 0"
m=$(lastmsg)
like "$m" 'spam, sorry' "...the comment decoded"
unlike "$m" 'multipart' "...-M: the post inline"
like "$m" 'Return-Path: <carol@c\.example>' "...still there"

# ---- cookies and addresses that must not work ----------------------------------------------
POST=post2 store carol@c.example >/dev/null
id4=$(pending)
m=$(lastmsg); acc4=$(printf '%s\n' "$m" | sed -n 's/^Reply-To: //p')
ck=${acc4#list-accept-$id4.}; ck=${ck%@*}
n=$(last)
forged=$(echo "$ck" | tr 'a-m' 'n-z')
is "$(answer "list-accept-$id4.$forged@$D")" 100 "a forged cookie: 100"
like "$(cat err)" 'not valid' "...refused"
is "$(answer "list-accept-$id4@$D")" 100 "no cookie: 100"
is "$(answer "list-accept-$id4.@$D")" 100 "an empty cookie: 100"
is "$(answer "list-accept-x.y.$ck@$D")" 100 "a bad id: 100"
is "$(answer "list-accept-$id4.${ck}a@$D")" 100 "a cookie too long: 100"
is "$(answer "list-accept-../../key.$ck@$D")" 100 "a path as id: 100"
cc=$($H/lcookie "$L/key" confirm "${id4%%.*}" "$id4" a)
is "$(answer "list-accept-$id4.$cc@$D")" 100 "a confirmation cookie for the same id: 100"
w=$(( $(date +%s) - 10 ))
uk=$($H/lcookie "$L/key" mod "$w" "$w.1" a)
is "$(answer "list-accept-$w.1.$uk@$D")" 100 "a good cookie for an unknown id: 100"
like "$(cat err)" 'no longer' "...no longer here"
is "$(SENDER=mod1@m.example LOCAL=list-foo-$id4.$ck DEFAULT=$id4.$ck ezmlm-moderate "$L" </dev/null 2>/dev/null; echo $?)" 100 \
    "neither accept nor reject: 100"
is "$(SENDER=mod1@m.example LOCAL=list-accept-$id4.$ck ezmlm-moderate "$L" </dev/null 2>/dev/null; echo $?)" 100 "no DEFAULT: 100"
is "$(LOCAL=list-accept-$id4.$ck DEFAULT=$id4.$ck ezmlm-moderate "$L" </dev/null 2>/dev/null; echo $?)" 100 "no SENDER: 100"
is "$(last)" "$n" "nothing was sent"
is "$(pending)" "$id4" "...and the post still waits"
up=$(echo "$ck" | tr a-z A-Z)
is "$(SENDER=mod1@m.example LOCAL=list-accept-$id4.$up DEFAULT=$id4.$up ezmlm-moderate "$L" </dev/null 2>/dev/null; echo $?)" 0 \
    "the cookie survives a change of case"
is "$(pending)" "" "...accepted"

# ---- posts by moderators; -P and modpostonly ---------------------------------------------
n=$(last)
is "$(store MOD2@m.example)" 0 "a moderator's post: 0"
is "$(lastenv)" "$(printf 'Flist-return-@sandbox.example\nTmod2@m.example\n')" "...the request goes to that moderator only"
rm -f "$L"/mod/pending/*
is "$(store bob@b.example -P)" 100 "-P: a non-moderator's post: 100"
like "$(cat err)" 'not allowed to post' "...not allowed"
is "$(store mod1@m.example -P)" 0 "-P: a moderator's post: 0"
touch "$L/modpostonly"
is "$(store bob@b.example)" 100 "modpostonly works as -P"
is "$(store bob@b.example -p)" 0 "...-p overrides it"
rm -f "$L/modpostonly" "$L"/mod/pending/*

# ---- -M and -B ------------------------------------------------------------------------
store bob@b.example -M >/dev/null
m=$(lastmsg)
unlike "$m" 'multipart' "-M: no multipart"
like "$m" '%%% End comment

Return-Path: <bob@b\.example>
Delivered-To: moderator for list@sandbox\.example
From: Bob' "...the post follows the text"
store bob@b.example -B >/dev/null
m=$(lastmsg)
like "$m" 'Subject: first' "-B: the header is there"
unlike "$m" 'the first post' "...the body is not"
rm -f "$L"/mod/pending/*

# ---- remote: "reply to all" also allows the sender -----------------------------------------
touch "$L/remote"
store bob@b.example >/dev/null
cc=$(lastmsg | sed -n 's/^Cc: //p')
like "$cc" '^list-allow-tc\.[0-9]+\.[a-z2-7]{20}-bob=b\.example@sandbox\.example$' \
    "remote: the request offers LIST-allow-tc.TIME.COOKIE-box=dom@HOST in Cc"
a=${cc%@*}; d=${a#list-}
SENDER=mod1@m.example LOCAL=$a DEFAULT=$d HOST=$D ezmlm-manage "$L" </dev/null 2>/dev/null
is $? 0 "...which ezmlm-manage accepts from a moderator"
SENDER=bob@b.example ezmlm-issubn "$L" allow; is $? 0 "...and the sender is on the allow list"
store mod1@m.example >/dev/null
unlike "$(lastmsg)" 'Cc:' "...no Cc for a moderator's own post"
rm -f "$L/remote" "$L"/mod/pending/*

# ---- an ezmlm-store killed half-way ----------------------------------------------------
mkfifo fifo
SENDER=bob@b.example ezmlm-store "$L" <fifo 2>/dev/null &
pid=$!
exec 3>fifo
printf 'From: bob@b.example\nSubject: half\n\nthe first half\n' >&3
i=0
while [ -z "$(pending)" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$pid"; wait "$pid" 2>/dev/null
exec 3>&-
idk=$(pending)
like "$idk" '^[0-9]+\.[0-9]+$' "a killed ezmlm-store leaves its file"
is "$(stat -c %a "$L/mod/pending/$idk")" 600 "...without the owner's x bit"
kc=$($H/lcookie "$L/key" mod "${idk%%.*}" "$idk" a)
n=$(last)
is "$(answer "list-accept-$idk.$kc@$D")" 100 "accepting it (a good cookie): 100"
like "$(cat err)" 'no longer' "...as if it were not there"
is "$(last)" "$n" "...nothing sent"
is "$(pending)" "$idk" "...the file stays for ezmlm-clean"

# ---- queue failure ----------------------------------------------------------------------
rm -f "$L"/mod/pending/*
is "$(QQREC_FAIL=71 store bob@b.example)" 111 "the queue fails: 111"
is "$(pending)" "" "...and no post is left waiting without a request"
is "$(store bob@b.example)" 0 "stored again"
id5=$(pending)
m=$(lastmsg); acc5=$(printf '%s\n' "$m" | sed -n 's/^Reply-To: //p')
is "$(QQREC_FAIL=71 answer "$acc5")" 111 "ezmlm-send's queue fails at accept: 111"
is "$(pending)" "$id5" "...the post still waits"
[ ! -e "$L/mod/accepted/$id5" ]; ok $? "...no stub"
is "$(answer "$acc5")" 0 "accepted on the retry"

# ---- neither moderated nor confirmed: ezmlm-send runs --------------------------------------
mv "$L/modpost" "$SANDBOX/modpost.saved"
n=$(last)
is "$(store bob@b.example -r)" 0 "without DIR/modpost: 0"
like "$(lastenv)" '^Flist-return-[0-9]+-@sandbox\.example-@\[\]' "...ezmlm-send ran instead"
like "$(lastmsg)" 'the first post' "...with the whole post"
is "$(pending)" "" "...nothing stored"
mv "$SANDBOX/modpost.saved" "$L/modpost"
: >"$L/modpost"
is "$(store bob@b.example)" 0 "an empty DIR/modpost moderates too"
like "$(pending)" '^[0-9]+\.[0-9]+$' "...the post is kept"
rm -f "$L"/mod/pending/*

# ---- options and usage ---------------------------------------------------------------------
is "$(ezmlm-store -V "$L" 2>&1)" "ezmlm version: ezmlm-idx-7.2.2" "ezmlm-store -V"
ezmlm-moderate 2>/dev/null; is $? 100 "ezmlm-moderate without dir: 100"
ezmlm-store -Z "$L" 2>/dev/null </dev/null; is $? 100 "a bad option: 100"

done_testing
