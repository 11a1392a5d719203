#!/bin/sh
# qmail-newu: users/assign -> users/cdb with qmail 1.03's keys and values
# (checked with tinycdb's "cdb -d" against the verified dump of the digest,
# section 8), the lookup precedence a qmail-lspawn-style reader gets from
# it, atomic replacement, and refusal of malformed files (exit 111, message
# naming the line, old cdb untouched).  Also qmail-newmrh.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

command -v cdb >/dev/null 2>&1 || skip_all "tinycdb's cdb command is not installed"
lookup=$SUITE_BUILD/tests/helpers/users-lookup
U=$QMAILHOME/users
T=$SANDBOX/t
mkdir "$T"

# ---- the verified dump ------------------------------------------------------
cat >"$U/assign" <<'END'
=nqbench:nqbench:989:989:HOMEDIR:::
+nqbench-:nqbench:989:989:HOMEDIR:-::
+:nqalias:993:995:/QH/alias:-::
.
END
out=$(qmail-newu 2>&1)
ok $? "qmail-newu exits 0"
is "$out" "" "... silently"
# tinycdb prints "+klen,vlen:key->value" per record and an empty line
printf '+9,25:!nqbench\000->nqbench\000989\000989\000HOMEDIR\000\000\n+9,26:!nqbench-->nqbench\000989\000989\000HOMEDIR\000-\000\n+1,28:!->nqalias\000993\000995\000/QH/alias\000-\000\n+0,1:->-\n\n' >"$T/dump.expected"
cdb -d "$U/cdb" >"$T/dump.got"
cmp -s "$T/dump.expected" "$T/dump.got"
ok $? "cdb -d dump is byte for byte the verified one"
is "$(stat -c %a "$U/cdb")" 644 "users/cdb has mode 0644"
test ! -e "$U/cdb.tmp"
ok $? "no users/cdb.tmp left behind"

# ---- precedence, as a qmail-lspawn-style reader sees it --------------------------
cat >"$U/assign" <<'END'
=joe:joe:501:100:/home/joe:::
+joe-:joe-wild:501:100:/home/joe:-::
+joe-list-:list:502:100:/home/list:-:l-:
=Dup:first:1:1:/d1:::
=dup:second:2:2:/d2:::
+x.:xdot:7:7:/x:-::
+:alias:9:9:/alias:-::
=exact-only:eo:3:3:/eo:::ignored:fields:
.
lines after the dot line are not read: no colons here
END
qmail-newu
ok $? "qmail-newu accepts a file with wildcard, duplicate and catch-all lines"
is "$("$lookup" "$U/cdb" joe)" "joe:501:100:/home/joe::" "exact line beats the wildcard of the same name"
is "$("$lookup" "$U/cdb" JOE)" "joe:501:100:/home/joe::" "local parts are case-insensitive"
is "$("$lookup" "$U/cdb" joe-x)" "joe-wild:501:100:/home/joe:-:x" "joe-x: wildcard joe-, ext = rest"
is "$("$lookup" "$U/cdb" joe-list-a)" "list:502:100:/home/list:-:l-a" "longer wildcard beats shorter, ext = pre + rest"
is "$("$lookup" "$U/cdb" joe-list)" "joe-wild:501:100:/home/joe:-:list" "joe-list (no trailing dash) falls to joe-"
is "$("$lookup" "$U/cdb" dup)" "first:1:1:/d1::" "first of duplicate keys wins"
is "$("$lookup" "$U/cdb" x.y)" "xdot:7:7:/x:-:y" "wildcard ending in '.'"
is "$("$lookup" "$U/cdb" nobody)" "alias:9:9:/alias:-:nobody" "catch-all + takes the rest"
is "$("$lookup" "$U/cdb" exact-only)" "eo:3:3:/eo::" "fields after the seventh colon are dropped"
is "$(cdb -q "$U/cdb" '')" "-." "wildchars record: distinct last characters in file order"
is "$(cdb -d "$U/cdb" | grep -a -c '^+5,[0-9]*:!dup')" "2" "both duplicate records are stored, in file order"

# ---- malformed files: exit 111, line named, old cdb untouched -----------------------
cp "$U/cdb" "$T/good.cdb"
bad() { # name expected-message-ERE ; users/assign written by the caller
    err=$(qmail-newu 2>&1)
    st=$?
    is "$st" 111 "$1: exit 111"
    like "$err" "$2" "$1: message"
    cmp -s "$U/cdb" "$T/good.cdb"
    ok $? "$1: users/cdb unchanged"
    test ! -e "$U/cdb.tmp"
    ok $? "$1: no users/cdb.tmp left"
}
printf '=a:a:1:1:/a:::\n=b:b:1:1:/b:::\n' >"$U/assign"
bad "missing final dot" \
    '^qmail-newu: fatal: bad format in users/assign line 3: end of file before'
printf '=a:a:1:1:/a:::\n=b:b:1:1:/b:::' >"$U/assign"
bad "unterminated last line" \
    '^qmail-newu: fatal: bad format in users/assign line 2: '
printf '=a:a:1:1:/a:::\n=b:b:1:1:/b::\n.\n' >"$U/assign"
bad "too few colons" \
    '^qmail-newu: fatal: bad format in users/assign line 2: fewer than seven colons'
printf '=a:a:1:1:/a:::\nno colon at all\n.\n' >"$U/assign"
bad "no colon" \
    '^qmail-newu: fatal: bad format in users/assign line 2: no colon'
printf ':a:1:1:/a:::\n.\n' >"$U/assign"
bad "empty key field" \
    '^qmail-newu: fatal: bad format in users/assign line 1: empty key field'
printf '=a:a:1:1:/a:::\n=b:b:1:1:/b\000x:::\n.\n' >"$U/assign"
bad "NUL byte" \
    '^qmail-newu: fatal: bad format in users/assign line 2: NUL byte'
: >"$U/assign"
bad "empty file" '^qmail-newu: fatal: bad format in users/assign line 1: '

rm -f "$U/assign"
err=$(qmail-newu 2>&1)
is "$?" 111 "missing users/assign: exit 111"
like "$err" '^qmail-newu: fatal: unable to open users/assign: ' "... with a message"
cmp -s "$U/cdb" "$T/good.cdb"
ok $? "... users/cdb unchanged"

# a final "." without newline is fine; an empty file before it gives just the wildchars
printf '.' >"$U/assign"
qmail-newu
ok $? "a lone '.' without newline is a valid (empty) assign file"
printf '+0,0:->\n\n' >"$T/empty.expected"
cdb -d "$U/cdb" >"$T/empty.got"
cmp -s "$T/empty.expected" "$T/empty.got"
ok $? "... giving only the empty wildchars record"

# a dangling symlink at users/cdb.tmp is not followed
ln -s "$T/elsewhere" "$U/cdb.tmp"
printf '=a:a:1:1:/a:::\n.\n' >"$U/assign"
qmail-newu 2>/dev/null
isnt "$?" 0 "a symlink at users/cdb.tmp makes qmail-newu fail"
test ! -e "$T/elsewhere"
ok $? "... without writing through it"
rm -f "$U/cdb.tmp"

# ---- qmail-newmrh --------------------------------------------------------------------
printf 'Example.COM  \n# a comment\n\nother.example\t\r\n  lead.example\nlast.example' >"$QMAILHOME/control/morercpthosts"
qmail-newmrh
ok $? "qmail-newmrh exits 0"
printf '+11,0:example.com->\n+13,0:other.example->\n+14,0:  lead.example->\n+12,0:last.example->\n\n' >"$T/mrh.expected"
cdb -d "$QMAILHOME/control/morercpthosts.cdb" >"$T/mrh.got"
cmp -s "$T/mrh.expected" "$T/mrh.got"
ok $? "morercpthosts.cdb: lowercased, trailing blanks stripped, comments and blank lines skipped"
cp "$QMAILHOME/control/morercpthosts.cdb" "$T/mrh.cdb"
printf 'a.example\nb\000.example\n' >"$QMAILHOME/control/morercpthosts"
err=$(qmail-newmrh 2>&1)
is "$?" 111 "qmail-newmrh: NUL byte -> exit 111"
like "$err" 'NUL byte in line 2' "... naming the line"
cmp -s "$QMAILHOME/control/morercpthosts.cdb" "$T/mrh.cdb"
ok $? "... old morercpthosts.cdb kept"
rm -f "$QMAILHOME/control/morercpthosts"
qmail-newmrh 2>/dev/null
is "$?" 111 "qmail-newmrh without control/morercpthosts: exit 111"

done_testing
