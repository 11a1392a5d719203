#!/bin/sh
# ezmlm-clean on the moderation queue (expired posts returned to their
# senders with mod-timeout, stubs and unconfirmed posts removed, fresh,
# read-only, dot and incomplete files handled, modtime, -R/noreturnposts),
# and hostile input to ezmlm-store: no or bounce SENDER, a post from a
# list, a Delivered-To loop, NUL bytes, a huge header.
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
list_make -m "$L" "$SANDBOX_HOME/.qmail-list" list "$D" || BAIL_OUT "ezmlm-make -m"
ezmlm-sub "$L" mod mod1@m.example || BAIL_OUT "ezmlm-sub mod"
last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
lastenv() { qqrec_env "$(last)"; }
pending() { ls "$L/mod/pending"; }
store() { # SENDER: post on stdin; prints the exit code, stderr in err
    SENDER=$1 ezmlm-store "$L" 2>"$SANDBOX/err"
    echo $?
}
now=$(date +%s)
old=$((now - 121 * 3600))
post() { printf 'From: %s\nSubject: %s\n\n%s\n' "$1" "$2" "${3:-text}"; }

# ---- ezmlm-clean ------------------------------------------------------------------------
post bob@b.example old | store bob@b.example >/dev/null
ido=$(pending)
mv "$L/mod/pending/$ido" "$L/mod/pending/$old.1"
post carol@c.example fresh | store carol@c.example >/dev/null
idf=$(pending | grep -v "^$old\\.")
printf 'Return-Path: <dave@d.example>\nSubject: kept\n\n' >"$L/mod/pending/$old.2"
chmod 0500 "$L/mod/pending/$old.2"
printf 'Return-Path: <erin@e.example>\nSubject: half\n\n' >"$L/mod/pending/$old.3"
chmod 0600 "$L/mod/pending/$old.3"
printf 'x\n' >"$L/mod/pending/.$old.4"
: >"$L/mod/accepted/$old.5"; : >"$L/mod/accepted/$now.6"
: >"$L/mod/rejected/$old.7"
: >"$L/mod/unconfirmed/$old.8"; : >"$L/mod/unconfirmed/$now.9"
: >"$L/mod/pending/junk"
n=$(last)
ezmlm-clean "$L" 2>err; is $? 0 "ezmlm-clean: 0"
is "$(last)" $((n + 1)) "...one post returned"
is "$(lastenv)" "$(printf 'Flist-return-@sandbox.example\nTbob@b.example\n')" "...to its sender"
m=$(lastmsg)
like "$m" 'From: list-help@sandbox\.example' "...from LIST-help@HOST"
like "$m" 'Subject: Returned post for list@sandbox\.example' "...SUB_RETURNED_POST"
like "$m" 'not accepted by a moderator in\s+time' "...text/mod-timeout"
like "$m" 'Hello! This is the ezmlm program' "...after text/top"
like "$m" 'message/rfc822

Return-Path: <bob@b\.example>' "...with the post"
is "$(ls -a "$L/mod/pending" | grep -v '^\.\.\?$' | sort | tr '\n' ' ')" \
    "$(printf '%s\n' ".$old.4" "$idf" "$old.2" junk | sort | tr '\n' ' ')" \
    "pending: the fresh post, the read-only one, the dot file and a foreign name are kept"
is "$(ls "$L/mod/accepted")" "$now.6" "accepted: the old stub is gone, the fresh one kept"
is "$(ls "$L/mod/rejected")" "" "rejected: the old stub is gone"
is "$(ls "$L/mod/unconfirmed")" "$now.9" "unconfirmed: the old post is gone"

# -R, noreturnposts, modtime
post bob@b.example old2 | store bob@b.example >/dev/null
i=$(pending | grep -v "^$old\\.\|^$idf\$\|junk"); mv "$L/mod/pending/$i" "$L/mod/pending/$old.10"
n=$(last)
ezmlm-clean -R "$L" 2>/dev/null; is $? 0 "-R: 0"
is "$(last)" "$n" "...nothing returned"
[ ! -e "$L/mod/pending/$old.10" ]; ok $? "...the post removed"
post bob@b.example old3 | store bob@b.example >/dev/null
i=$(pending | grep -v "^$old\\.\|^$idf\$\|junk"); mv "$L/mod/pending/$i" "$L/mod/pending/$old.11"
n=$(last)
touch "$L/noreturnposts"
ezmlm-clean "$L" 2>/dev/null
is "$(last)" "$n" "noreturnposts works as -R"
ezmlm-clean -r "$L" 2>/dev/null
rm -f "$L/noreturnposts"
post bob@b.example mid | store bob@b.example >/dev/null
i=$(pending | grep -v "^$old\\.\|^$idf\$\|junk"); mid=$((now - 30 * 3600))
mv "$L/mod/pending/$i" "$L/mod/pending/$mid.12"
echo 200 >"$L/modtime"
ezmlm-clean "$L" 2>/dev/null
[ -e "$L/mod/pending/$mid.12" ]; ok $? "modtime 200: a 30-hour-old post is kept"
echo 1 >"$L/modtime"
ezmlm-clean "$L" 2>/dev/null
[ ! -e "$L/mod/pending/$mid.12" ]; ok $? "modtime 1 is raised to 24 hours: the 30-hour-old post expires"
[ -e "$L/mod/pending/$idf" ]; ok $? "...a fresh one is kept"
rm -f "$L/modtime"
post bob@b.example old4 | store bob@b.example >/dev/null
i=$(pending | grep -v "^$old\\.\|^$idf\$\|junk"); mv "$L/mod/pending/$i" "$L/mod/pending/$old.13"
QQREC_FAIL=71 ezmlm-clean "$L" 2>/dev/null; is $? 111 "the queue fails while returning: 111"
[ -e "$L/mod/pending/$old.13" ]; ok $? "...the post stays for the next run"
ezmlm-clean "$L" 2>/dev/null
[ ! -e "$L/mod/pending/$old.13" ]; ok $? "...and goes on the next"
E=$SANDBOX/E; mkdir -p "$E"; echo e >"$E/outlocal"; echo "$D" >"$E/outhost"
ezmlm-clean "$E" 2>/dev/null; is $? 0 "a list without mod/: 0"

# ---- hostile input to ezmlm-store ---------------------------------------------------------
rm -f "$L"/mod/pending/*
n=$(last)
post bob@b.example x | env -u SENDER ezmlm-store "$L" 2>err; is $? 100 "no SENDER: 100"
is "$(post bob@b.example x | store '')" 100 "an empty SENDER (a bounce): 100"
like "$(cat err)" 'bounce' "...I do not answer bounces"
is "$(post bob@b.example x | store '#@[]')" 100 "SENDER #@[]: 100"
is "$(post bob@b.example x | store nohost)" 100 "a SENDER without host: 100"
is "$(post bob@b.example x | store "$(printf 'a\nb@b.example')")" 100 "a SENDER with a newline: 100"
is "$( { printf 'Mailing-List: contact x-help@y; run by ezmlm\n'; post bob@b.example x; } | store bob@b.example)" 100 \
    "a post carrying Mailing-List: 100"
like "$(cat err)" 'Mailing-List' "...says why"
is "$( { printf 'Delivered-To: moderator for list@sandbox.example\n'; post bob@b.example x; } | store bob@b.example)" 100 \
    "a post carrying our Delivered-To: 100"
like "$(cat err)" 'looping' "...looping"
is "$( { printf 'Delivered-To: Moderator for LIST@sandbox.example\n'; post bob@b.example x; } | store bob@b.example)" 100 \
    "...in any case"
{ printf 'X-Big: '; head -c 1100000 /dev/zero | tr '\0' a; printf '\n'; post bob@b.example big; } >big
is "$(store bob@b.example <big)" 100 "a header over 1 MB: 100"
is "$(last)" "$n" "nothing was queued"
is "$(pending)" "" "...nothing was stored"
printf 'From: bob@b.example\nSubject: nul\n\na\000b\000\nlast line without newline' >nul
is "$(store bob@b.example <nul)" 0 "a post with NUL bytes: 0"
id=$(pending)
tail -c +$(( $(sed -n '1,2p' "$L/mod/pending/$id" | wc -c) + 1 )) "$L/mod/pending/$id" >nul.back
cmp -s nul nul.back; ok $? "...stored byte for byte"
m=$(lastmsg); acc=$(printf '%s\n' "$m" | sed -n 's/^Reply-To: //p'); a=${acc%@*}; d=${a#list-accept-}
SENDER=mod1@m.example LOCAL=$a DEFAULT=$d ezmlm-moderate "$L" </dev/null 2>/dev/null; is $? 0 "...accepted"
like "$(tr -d '\000' <"$QQREC/$(last).msg")" 'ab
last line without newline' "...and sent"
is "$(printf 'no header at all' | store bob@b.example)" 0 "a post without header: 0"
printf 'From: x@y\r\nSubject: crlf\r\n\r\nbody\r\n' | store bob@b.example >/dev/null
is "$(ls "$L/mod/pending" | wc -l | tr -d ' ')" 2 "a CRLF post is stored too"

done_testing
