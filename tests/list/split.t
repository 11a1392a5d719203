#!/bin/sh
# ezmlm-split: which requests it takes (subscribe and unsubscribe only, and
# only with a split file), matching by domain key and by hash range, the
# re-injected request (address, envelope sender, DTLINE in front, the
# message unchanged), requests left to ezmlm-manage (no match, this list),
# -D planning output, and errors (no DTLINE, bad split lines, bad
# addresses, a failing queue).
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

printf 'From: someone@s.example\nSubject: please\n\nbody line\n' >req
last() { qqrec_count; }
lastmsg() { cat "$QQREC/$(last).msg"; }
lastenv() { qqrec_env "$(last)"; }
# split DEFAULT [SENDER [splitfile]]: prints the exit code; stderr in err
split() {
    d=$1; s=${2:-someone@s.example}; shift; [ $# -gt 0 ] && shift
    list_env list "$d" "$D"
    SENDER=$s ezmlm-split "$L" "$@" <req 2>"$SANDBOX/err"
    echo $?
}

# ---- not ours ------------------------------------------------------------------------
is "$(split subscribe-alice=aol.com)" 0 "no split file: 0"
is "$(last)" 0 "...nothing queued"

# hashes (ezmlm-idx 7.2, 64-bit, no 'T'): alice@aol.com 12, carol@x.aol.com 47,
# dave@host.com 16, erin@e.de 21, frank@f.de 50, gina@g.de 14, ivy@i.de 5
cat >"$L/split" <<'EOS'
# aol goes to its own sublist
com.aol:::aolsub@other.example

de:0:20:low
de:21:52:high@h.example
:::
EOS
is "$(split help)" 0 "help: 0 (only subscribe and unsubscribe are split)"
is "$(split digest-subscribe-alice=aol.com)" 0 "digest-subscribe: 0"
is "$(split subscribed-alice=aol.com)" 0 "subscribed (not the exact word): 0"
is "$(last)" 0 "...nothing queued"

# ---- matches ---------------------------------------------------------------------------
is "$(split subscribe-alice=aol.com)" 99 "subscribe-alice=aol.com: 99 (forwarded)"
like "$(cat err)" 'ezmlm-split: info: qp [0-9]+' "...qp line"
is "$(lastenv)" "$(printf 'Flist-return-@sandbox.example\nTaolsub-subscribe-alice=aol.com@other.example\n')" \
    "...to aolsub-subscribe-alice=aol.com@other.example, from LIST-return-@HOST"
is "$(lastmsg)" "Delivered-To: list-subscribe-alice=aol.com@$D
$(cat req)" "...the message with DTLINE in front, otherwise unchanged"
is "$(split subscribe-carol=x.aol.com)" 99 "carol@x.aol.com: the domain key is com.aol too"
like "$(lastenv)" 'Taolsub-subscribe-carol=x\.aol\.com@other\.example' "...to aolsub"
is "$(split subscribe gina@g.de)" 99 "subscribe without a target: the sender (gina@g.de, hash 14)"
like "$(lastenv)" 'Tlow-subscribe-gina=g\.de@sandbox\.example' "...to low@HOST (a name without @ is on this host)"
is "$(split subscribe prvs=0123456789=ivy@i.de)" 99 "a prvs= sender is unwrapped (ivy@i.de, hash 5)"
like "$(lastenv)" 'Tlow-subscribe-ivy=i\.de@sandbox\.example' "...to low"
is "$(split UNSUBSCRIBE-Frank=F.DE)" 99 "UNSUBSCRIBE-Frank=F.DE (case ignored; hash of frank@f.de: 50)"
like "$(lastenv)" 'Thigh-unsubscribe-Frank=F\.DE@h\.example' "...to high@h.example, the address as given"
is "$(split subscribe-erin=e.de)" 99 "erin@e.de (hash 21): the second de line"
like "$(lastenv)" 'Thigh-subscribe-erin=e\.de@h\.example' "...to high"
n=$(last)
is "$(split subscribe-dave=host.com)" 0 "dave@host.com: the catch-all line with no name (this list): 0"
is "$(split subscribe-bob=b.org)" 0 "bob@b.org: same"
cp "$L/split" split.save
printf 'org.b:::list@sandbox.example\n' >"$L/split"
is "$(split subscribe-bob=b.org)" 0 "a line naming this list itself: 0"
printf 'de:::other\n' >"$L/split"
is "$(split subscribe-bob=b.org)" 0 "no line matches: 0"
is "$(last)" "$n" "...nothing queued for any of them"

# ---- a split file named on the command line, hash ranges alone ---------------------
printf '::20:first\n:21::second@s2.example\n' >ranges
is "$(split subscribe-gina=g.de someone@s.example $SANDBOX/ranges)" 99 "split file as argument: gina (14) in ::20"
like "$(lastenv)" 'Tfirst-subscribe-gina=g\.de@sandbox\.example' "...to first"
is "$(split subscribe-frank=f.de someone@s.example $SANDBOX/ranges)" 99 "frank (50) in 21:"
like "$(lastenv)" 'Tsecond-subscribe-frank=f\.de@s2\.example' "...to second@s2.example"
cp split.save "$L/split"

# ---- -D ------------------------------------------------------------------------------
printf 'alice@aol.com\ngina@g.de\n\nFrank@F.de\ndave@host.com\n' | ezmlm-split -D "$L" >out 2>err
is "$?" 0 "-D: 0"
is "$(cat out)" "aolsub@other.example: alice@aol.com
low@sandbox.example: gina@g.de
high@h.example: Frank@F.de
list@sandbox.example: dave@host.com" "-D: list@host: address for each line (this list where no sublist)"
n=$(last)
printf 'x@y.de\n' | ezmlm-split -D "$L" "$SANDBOX/ranges" >out 2>err
is "$(cat out)" "first@sandbox.example: x@y.de" "-D with a split file argument (x@y.de: hash 20)"
is "$(last)" "$n" "-D queues nothing"

# ---- errors -----------------------------------------------------------------------------
list_env list subscribe-alice=aol.com "$D"
unset DTLINE
SENDER=x@y.example ezmlm-split "$L" <req 2>err
is "$?" 100 "no DTLINE for a request to forward: 100"
like "$(cat err)" 'ezmlm-split: fatal: DTLINE not set' "...says so"
list_env list subscribe-alice=aol.com "$D"
(unset DEFAULT; SENDER=x@y.example ezmlm-split "$L" <req 2>err; echo $? >rc)
is "$(cat rc)" 100 "no DEFAULT: 100"
printf 'de:x:5:low\n' >"$L/split"
is "$(split subscribe-gina=g.de)" 100 "a bad range in the split file: 100"
like "$(cat err)" 'syntax error in .*split, line 1' "...names the line"
printf 'de:0:53:low\n' >"$L/split"
is "$(split subscribe-gina=g.de)" 100 "a range beyond 52: 100"
printf 'no colons here\n' >"$L/split"
is "$(split subscribe-gina=g.de)" 100 "a line without fields: 100"
cp split.save "$L/split"
is "$(split 'subscribe-no-at-sign')" 100 "a target without @: 100"
is "$(split "subscribe-$(printf 'a%.0s' $(seq 1 500))=x.de")" 100 "a target over 400 bytes: 100"
n=$(last)
is "$(QQREC_FAIL=81 split subscribe-alice=aol.com)" 111 "the queue fails: 111"
like "$(cat err)" 'temporary qmail-queue error' "...temporary qmail-queue error"
ezmlm-split -V "$L" 2>err
is "$?" 0 "-V: 0"
like "$(cat err)" 'ezmlm-idx-7\.2\.2' "...the version line"
done_testing
