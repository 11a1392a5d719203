#!/bin/sh
# qmail-local: which .qmail file is used (qmail.md 4.3 steps 6-10): the
# exact name, the -default cascade, the .qmaildefault quirk, missing vs
# empty vs comment-only files, safeext, DEFAULT, unsafe extensions, the
# -owner NEWSENDER forms, the x bit and +list.
. "$SUITE_SRC/tests/local/lib.sh"

HIT=$SANDBOX/hit
# mark NAME: a .qmail file that records its own name and $DEFAULT
mark() {
    qfile "$1" "|echo '$1' \"[\$DEFAULT]\" >>$HIT\n"
}
hit() { cat "$HIT" 2>/dev/null; rm -f "$HIT"; }
rmq() { for f in "$@"; do rm -rf "$H/$f"; done; }

# ---- the -default cascade ---------------------------------------------------
mark .qmail-foo-bar
mark .qmail-foo-default
mark .qmail-default
qlx u-foo-bar - foo-bar
is "$RC:$OUT" "0:did 0+0+1" "exact .qmail-foo-bar: exit 0, did 0+0+1"
is "$(hit)" ".qmail-foo-bar []" "exact name wins; DEFAULT unset"
rmq .qmail-foo-bar
qlx u-foo-bar - foo-bar
is "$(hit)" ".qmail-foo-default [bar]" ".qmail-foo-default next, DEFAULT=bar"
rmq .qmail-foo-default
qlx u-foo-bar - foo-bar
is "$(hit)" ".qmail-default [foo-bar]" ".qmail-default last, DEFAULT=foo-bar"
rmq .qmail-default
qlx u-foo-bar - foo-bar
is "$RC" 100 "nothing found with a dash: exit 100"
is "$OUT" "Sorry, no mailbox here by that name. (#5.1.1)" "  ... and its text"

mark .qmail-a-b-default
mark .qmail-a-default
qlx u-a-b-c - a-b-c
is "$(hit)" ".qmail-a-b-default [c]" "a-b-c: .qmail-a-b-default first (DEFAULT=c)"
rmq .qmail-a-b-default
qlx u-a-b-c - a-b-c
is "$(hit)" ".qmail-a-default [b-c]" "a-b-c: then .qmail-a-default (DEFAULT=b-c)"
rmq .qmail-a-default

# an extension ending in '-'
mark .qmail-foo-
mark .qmail-foo-default
mark .qmail-default
qlx u-foo- - foo-
is "$(hit)" ".qmail-foo- []" "ext foo-: .qmail-foo- exists"
rmq .qmail-foo-
qlx u-foo- - foo-
is "$(hit)" ".qmail-foo-default []" "ext foo-: .qmail-foo-default with DEFAULT empty"
rmq .qmail-foo-default
qlx u-foo- - foo-
is "$(hit)" ".qmail-default [foo-]" "ext foo-: .qmail-default with DEFAULT=foo-"

# the empty extension with a dash
mark .qmail-
qlx u- - ''
is "$(hit)" ".qmail- []" "dash - and empty ext: .qmail-"
rmq .qmail-
qlx u- - ''
is "$(hit)" ".qmail-default []" "  then .qmail-default, DEFAULT empty"
rmq .qmail-default

# safeext: lowercase, '.' -> ':'; DEFAULT keeps the original case
mark .qmail-foo:bar
qlx u-Foo.Bar - Foo.Bar
is "$(hit)" ".qmail-foo:bar []" "safeext: Foo.Bar -> .qmail-foo:bar"
rmq .qmail-foo:bar
mark .qmail-x:y-default
qlx u-X.Y-Z.W - X.Y-Z.W
is "$(hit)" ".qmail-x:y-default [Z.W]" "safeext in default names; DEFAULT=Z.W (case kept)"
rmq .qmail-x:y-default

# an exact name that ends in "default" still sets DEFAULT
mark .qmail-x-default
qlx u-x-default - x-default
is "$(hit)" ".qmail-x-default [default]" "exact .qmail-x-default: DEFAULT=default"
rmq .qmail-x-default

# ---- dash empty: .qmail, the .qmaildefault quirk, defaultdelivery -------------
mark .qmail
qlx u '' ''
is "$(hit)" ".qmail []" "dash empty: .qmail"
rmq .qmail
mark .qmaildefault
qlx u '' ''
is "$(hit)" ".qmaildefault []" "dash empty, no .qmail: the .qmaildefault quirk"
rmq .qmaildefault
clearmail
qlx u '' ''
is "$RC:$OUT" "0:did 1+0+0" "dash empty and no file: defaultdelivery (./Maildir/)"
is "$(newmail | wc -l | tr -d ' ')" 1 "  ... one message in the Maildir"
clearmail

# ---- empty vs comment-only vs not a regular file --------------------------------
qfile .qmail-e ''
qlx u-e - e
is "$RC:$OUT" "0:did 1+0+0" "empty .qmail-e: defaultdelivery"
is "$(newmail | wc -l | tr -d ' ')" 1 "  ... delivered to ./Maildir/"
clearmail
qfile .qmail-c '# only a comment\n'
qlx u-c - c
is "$RC:$OUT" "0:did 0+0+0" "comment-only .qmail-c: success, nothing delivered"
is "$(newmail | wc -l | tr -d ' ')" 0 "  ... and nothing in the Maildir"
qfile .qmail-nl '# no newline at the end'
qlx u-nl - nl
is "$RC:$OUT" "0:did 0+0+0" "missing final newline supplied"
mkdir "$H/.qmail-d"
mark .qmail-default
qlx u-d - d
is "$(hit)" ".qmail-default [d]" "a directory .qmail-d is not a .qmail file"
rmq .qmail-d .qmail-default .qmail-e .qmail-c .qmail-nl

# ---- file checks ---------------------------------------------------------------------
qfile .qmail-w './Maildir/\n'
chmod 602 "$H/.qmail-w"
qlx u-w - w
is "$RC:$OUT" "111:Uh-oh: .qmail file is writable. (#4.7.0)" "world-writable .qmail: 111"
rmq .qmail-w
if [ "$(id -u)" -eq 0 ]; then
    # permission checks need a non-root user: build a home for nobody
    NH=$SANDBOX/nobodyhome
    mkdir -p "$NH" && printf './Maildir/\n' >"$NH/.qmail-u" && chmod 000 "$NH/.qmail-u" &&
        chown -R 65534:65534 "$NH" && chmod 700 "$NH"
    OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
        qmail-local -- nobody "$NH" u-u - u example.org s@x.org ./Maildir/ <"$MSG" 2>&1)
    RC=$?
else
    NH=$H
    qfile .qmail-u './Maildir/\n'
    chmod 000 "$H/.qmail-u"
    qlx u-u - u
fi
is "$RC" 111 "unreadable .qmail: 111"
like "$OUT" '^Unable to open \.qmail-u: .*\. \(#4\.3\.0\)$' "  ... Unable to open .qmail-u"
rm -f "$NH/.qmail-u"

# ---- extensions that try to leave the home ---------------------------------------------
mkdir "$H/.qmail-a"
mark .qmail-a/b
mark .qmail-a/b-default
qlx u-a/b - a/b
is "$RC:$OUT" "100:Sorry, no mailbox here by that name. (#5.1.1)" "ext a/b: .qmail-a/b is not a name"
is "$(hit)" "" "  ... and nothing under .qmail-a/ was used"
mark .qmail-default
qlx u-a/b-c - a/b-c
is "$(hit)" ".qmail-default [a/b-c]" "ext a/b-c: skips .qmail-a/b-c and .qmail-a/b-default"
rmq .qmail-a .qmail-default
mkdir -p "$SANDBOX/outside"
printf '|echo escaped >>%s\n' "$HIT" >"$SANDBOX/outside/x"
printf '|echo escaped >>%s\n' "$HIT" >"$SANDBOX/home/.qmail-x"
qlx 'u-../../outside/x' - '../../outside/x'
is "$RC" 100 "ext ../../outside/x: no mailbox"
is "$(hit)" "" "  ... nothing outside the home was read"
qlx 'u-/../.qmail-x' - '/../.qmail-x'
is "$RC:$(hit)" "100:" "ext /../.qmail-x: no mailbox, nothing read"
dashes=$(awk 'BEGIN { for (i = 0; i < 100000; i++) printf "-" }')
mark .qmail-default
qlx "u-$dashes" - "$dashes"
is "$(hit)" ".qmail-default [$dashes]" "an extension of 100,000 dashes: .qmail-default, quickly"
rmq .qmail-default
mark .qmail-::
qlx 'u-..' - '..'
is "$(hit)" ".qmail-:: []" "ext .. is the harmless name .qmail-::"
rmq .qmail-::
mkdir -p "$H/.qmail-"
mark .qmail-/list
qlx u-list -/ list
is "$(hit)" ".qmail-/list []" "dash -/ (qmail-pw2u -/) may name .qmail-/list"
rmq .qmail-

# ---- NEWSENDER and the -owner files ----------------------------------------------------------
NS=$SANDBOX/ns
qfile .qmail-list "|echo \"\$NEWSENDER\" >$NS\n"
qlx joe-list - list s@x.org lists.example
is "$(cat "$NS")" "s@x.org" "no -owner file: NEWSENDER = sender"
qfile .qmail-list-owner '# owner\n'
qlx joe-list - list s@x.org lists.example
is "$(cat "$NS")" "joe-list-owner@lists.example" "with .qmail-list-owner: local-owner@domain"
qfile .qmail-list-owner-default '# owner\n'
qlx joe-list - list s@x.org lists.example
is "$(cat "$NS")" "joe-list-owner-@lists.example-@[]" "with -owner-default too: the VERP form"
qlx joe-list - list '' lists.example
is "$(cat "$NS")" "" "empty sender stays empty"
qlx joe-list - list '#@[]' lists.example
is "$(cat "$NS")" "#@[]" "the double-bounce sender #@[] stays"
rmq .qmail-list .qmail-list-owner .qmail-list-owner-default
qfile .qmail-big-default "|echo \"\$NEWSENDER\" >$NS\n"
qfile .qmail-big-owner '# owner\n'
qlx joe-big-x - big-x s@x.org d.example
is "$(cat "$NS")" "s@x.org" "-owner is checked for the full ext (big-x), not the matched default"
qfile .qmail-big-x-owner '# owner\n'
qlx joe-big-x - big-x s@x.org d.example
is "$(cat "$NS")" "joe-big-x-owner@d.example" "  ... .qmail-big-x-owner counts"
rmq .qmail-big-default .qmail-big-owner .qmail-big-x-owner

# ---- forward-only: the x bit and +list ---------------------------------------------------------
qfile .qmail-xf './Maildir/\n'
chmod 700 "$H/.qmail-xf"
qlx u-xf - xf
is "$RC:$OUT" "111:Uh-oh: .qmail has file delivery but has x bit set. (#4.7.0)" "x bit + file line: 111"
qfile .qmail-xp '|true\n'
chmod 700 "$H/.qmail-xp"
qlx u-xp - xp
is "$RC:$OUT" "111:Uh-oh: .qmail has prog delivery but has x bit set. (#4.7.0)" "x bit + program line: 111"
qfile .qmail-xe ''
chmod 700 "$H/.qmail-xe"
clearmail
qlx u-xe - xe
is "$RC:$OUT" "0:did 1+0+0" "x bit on an empty file does not matter (defaultdelivery)"
clearmail
qfile .qmail-pl '+list\n|true\n'
qlx u-pl - pl
is "$RC:$OUT" "111:Uh-oh: .qmail has prog delivery but has x bit set. (#4.7.0)" "+list makes the file forward-only"
qfile .qmail-po '+lister\n+ list\n|true\n'
qlx u-po - po
is "$RC:$OUT" "0:did 0+0+1" "other + lines are ignored"
qfile .qmail-pa '|true\n+list\n'
qlx u-pa - pa
is "$RC:$OUT" "0:did 0+0+1" "+list only affects the lines after it"
rmq .qmail-xf .qmail-xp .qmail-xe .qmail-pl .qmail-po .qmail-pa

# ---- -n ------------------------------------------------------------------------------------------
qfile .qmail-n '# c\n./mbox\n./Maildir/\n|prog  arg\n&fwd@x.org\nbare@y.org\n+list\n'
ql -n -- "$SANDBOX_USER" "$H" u-n - n example.org s@x.org ./Maildir/
is "$RC" 0 "-n: exit 0"
is "$OUT" "mbox ./mbox
maildir ./Maildir/
program prog  arg
forward fwd@x.org
forward bare@y.org
did 2+2+1" "-n prints the instructions and the counts"
is "$(newmail | wc -l | tr -d ' ')" 0 "-n delivers nothing"
test ! -e "$H/mbox"
ok $? "-n creates no mbox"
chmod +t "$H"
ql -n -- "$SANDBOX_USER" "$H" u-n - n example.org s@x.org ./Maildir/
like "$OUT" 'Warning: home directory is sticky\.' "-n: a sticky home is only a warning"
qlx u-n - n
is "$RC:$OUT" "111:Home directory is sticky: user is editing his .qmail file. (#4.2.1)" "delivery into a sticky home: 111"
chmod -t "$H"
rmq .qmail-n

done_testing
