#!/bin/sh
# qmail-local: the delivery environment (qmail.md 4.3 steps 3-4) and the
# DTLINE / RPLINE / UFLINE formats.
. "$SUITE_SRC/tests/local/lib.sh"

ENVF=$SANDBOX/env
# a program that dumps the variables, one NAME=value per line ("unset" if unset)
cat >"$SANDBOX/dump.sh" <<'EOF'
for v in SENDER NEWSENDER RECIPIENT LOCAL USER HOME HOST HOST2 HOST3 HOST4 EXT EXT2 EXT3 EXT4 DEFAULT DTLINE RPLINE UFLINE; do
    eval "x=\${$v-unset}"
    printf '%s=%s\n' "$v" "$x"
done >"$ENVF"
EOF
export ENVF
dump="|sh $SANDBOX/dump.sh"
tab=$(printf '\t')
nl='
'
get() { sed -n "s/^$1=//p" "$ENVF"; }

# The verified example: local nqbench-a-B.c-d, ext a-B.c-d, host
# mail.sub.example.com, matched .qmail-a-default.
qfile .qmail-a-default "$dump\n"
DEFAULT=stale ql -- nqbench "$H" nqbench-a-B.c-d - a-B.c-d mail.sub.example.com s@x.org ./Maildir/
is "$RC:$OUT" "0:did 0+0+1" "delivery through .qmail-a-default"
is "$(sed -n '1,15p' "$ENVF")" "SENDER=s@x.org
NEWSENDER=s@x.org
RECIPIENT=nqbench-a-B.c-d@mail.sub.example.com
LOCAL=nqbench-a-B.c-d
USER=nqbench
HOME=$H
HOST=mail.sub.example.com
HOST2=mail.sub.example
HOST3=mail.sub
HOST4=mail
EXT=a-B.c-d
EXT2=B.c-d
EXT3=d
EXT4=
DEFAULT=B.c-d" "the verified example: every variable"
is "$(get DTLINE)" "Delivered-To: nqbench-a-B.c-d@mail.sub.example.com" "DTLINE"
is "$(sed -n '/^DTLINE=/{n;p;}' "$ENVF")" "" "DTLINE ends in a newline"
is "$(get RPLINE)" "Return-Path: <s@x.org>" "RPLINE"
is "$(sed -n '/^RPLINE=/{n;p;}' "$ENVF")" "" "RPLINE ends in a newline"
like "$(get UFLINE)" '^From s@x\.org (Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9][0-9][0-9][0-9]$' \
    "UFLINE: From sender Www Mmm DD HH:MM:SS YYYY"
is "$(tail -c 2 "$ENVF" | od -An -c | tr -d ' ')" '\n\n' "UFLINE ends in a newline"
uft=$(get UFLINE | sed 's/^From [^ ]* //')
t1=$(date -u -d "$uft UTC" +%s 2>/dev/null || echo 0)
t2=$(date -u +%s)
ok $((t2 - t1 < 120 && t1 - t2 < 120 ? 0 : 1)) "UFLINE date is the current time in GMT ($uft)"

# An exact match leaves DEFAULT unset (also when it was set in the environment)
qfile .qmail-x "$dump\n"
DEFAULT=stale ql -- u "$H" u-x - x localhost '' ./Maildir/
is "$(get DEFAULT)" unset "exact match: DEFAULT unset"
is "$(get HOST2):$(get HOST3):$(get HOST4)" "localhost:localhost:localhost" "HOST2-4 of a host without dots"
is "$(get EXT):$(get EXT2):$(get EXT3):$(get EXT4)" "x:::" "EXT2-4 of an ext without '-'"
is "$(get RPLINE)" "Return-Path: <>" "empty sender: Return-Path: <>"
like "$(get UFLINE)" '^From MAILER-DAEMON [A-Z]' "empty sender: From MAILER-DAEMON"
is "$(get SENDER)" "" "empty SENDER"
is "$(get NEWSENDER)" "" "empty NEWSENDER"

# quoting in RPLINE, '-' in UFLINE, '_' for newlines
qfile .qmail-q "$dump\n"
ql -- u "$H" u-q - q x.org 's p@x.org' ./Maildir/
is "$(get RPLINE)" 'Return-Path: <"s p"@x.org>' "RPLINE quotes a local part with a space"
like "$(get UFLINE)" '^From s-p@x\.org ' "UFLINE: a space in the sender becomes -"
ql -- u "$H" u-q - q x.org "a${tab}b\"c@x.org" ./Maildir/
is "$(get RPLINE)" "Return-Path: <\"a${tab}b\\\"c\"@x.org>" "RPLINE escapes a quote"
like "$(get UFLINE)" '^From a-b"c@x\.org ' "UFLINE: a tab becomes -"
ql -- u "$H" u-q - q x.org 'a.@x.org' ./Maildir/
is "$(get RPLINE)" 'Return-Path: <"a."@x.org>' "RPLINE quotes a trailing dot"
ql -- u "$H" u-q - q x.org 'a..b@x.org' ./Maildir/
is "$(get RPLINE)" 'Return-Path: <"a..b"@x.org>' "RPLINE quotes a double dot"
ql -- u "$H" u-q - q x.org 'a@b@x.org' ./Maildir/
is "$(get RPLINE)" 'Return-Path: <"a@b"@x.org>' "RPLINE splits at the last @"
ql -- u "$H" u-q - q x.org 'nodomain' ./Maildir/
is "$(get RPLINE)" 'Return-Path: <nodomain>' "RPLINE of a sender without @"
ql -- u "$H" "u-q${nl}x" - q x.org "a${nl}b@x.org" ./Maildir/
is "$(get DTLINE)" "Delivered-To: u-q_x@x.org" "DTLINE: a newline in the address becomes _"
is "$(get RPLINE)" 'Return-Path: <"a\_b"@x.org>' "RPLINE: quoted, and the newline becomes _"
like "$(get UFLINE)" '^From a-b@x\.org ' "UFLINE: a newline becomes -"
is "$(get LOCAL | head -n1)" "u-q" "LOCAL keeps the raw local part"

# the lines as they appear in a delivered message
clearmail
qfile .qmail-m './Maildir/\n'
ql -- u "$H" Joe-M - m Example.ORG 's p@x.org' ./Maildir/
is "$(cat "$SANDBOX_MAILDIR"/new/*)" 'Return-Path: <"s p"@x.org>
Delivered-To: Joe-M@Example.ORG
Subject: test

body line' "maildir file: Return-Path, Delivered-To (case as given), message"
clearmail

# HOST2..4 of a long host
qfile .qmail-h "$dump\n"
ql -- u "$H" u-h - h a.b.c.d.e s@x ./Maildir/
is "$(get HOST2):$(get HOST3):$(get HOST4)" "a.b.c.d:a.b.c:a.b" "HOST2-4 strip one label each"
ql -- u "$H" u-h - h .lead s@x ./Maildir/
is "$(get HOST2):$(get HOST3):$(get HOST4)" "::" "HOST2-4 of a host with only a leading dot"

# the usage rules
ql -- u relative u - '' x s ./Maildir/
is "$RC" 100 "a relative home is a usage error (100)"
ql -- u "$H" u - ''
is "$RC" 100 "too few arguments: 100"
ql -x -- u "$H" u - '' x s ./Maildir/
is "$RC" 100 "an unknown option: 100"
ql -- u "$SANDBOX/nohome" u - '' x s ./Maildir/
is "$RC" 111 "a missing home: 111"
like "$OUT" "^Unable to switch to $SANDBOX/nohome: .*\\. \\(#4\\.3\\.0\\)\$" "  ... Unable to switch to HOME"
chmod 757 "$H"
ql -- u "$H" u - '' x s ./Maildir/
is "$RC:$OUT" "111:Uh-oh: home directory is writable. (#4.7.0)" "a world-writable home: 111"
chmod 700 "$H"

done_testing
