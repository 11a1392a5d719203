#!/bin/sh
# qmail-clean: requests on fd 0, one reply byte each on fd 1.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create
Q=$QMAILHOME/queue
T=$SANDBOX/t
mkdir "$T"

# req STRING...: the strings, each NUL-terminated
req() { for _r in "$@"; do printf '%s\000' "$_r"; done; }

id=1000   # 1000 % 23 = 11
: >"$Q/mess/11/$id"
: >"$Q/intd/$id"
out=$(req "foop/$id" | qmail-clean)
is "$?" 0 "exit 0 at end of input"
is "$out" "+" "foop/ID: +"
test ! -e "$Q/mess/11/$id" && test ! -e "$Q/intd/$id"
ok $? "... removed mess/11/1000 and intd/1000"

id=2001   # 2001 % 23 = 0
: >"$Q/todo/0/$id"
: >"$Q/todo/$id"
: >"$Q/intd/$id"
: >"$Q/mess/0/$id"
out=$(req "todo/$id" fsync/todo | qmail-clean)
is "$out" "++" "todo/ID and fsync/todo: ++"
test ! -e "$Q/todo/0/$id" && test ! -e "$Q/todo/$id" && test ! -e "$Q/intd/$id"
ok $? "... removed todo/0/2001, the flat todo/2001 and intd/2001"
test -e "$Q/mess/0/$id"
ok $? "... and left the message file"

out=$(req foop/12345 todo/12345 fsync/mess fsync/todo | qmail-clean)
is "$out" "++++" "files already gone are not an error"

long=$(printf 'foop/%095d' 7)
is "${#long}" 100 "(a request of 100 bytes plus its NUL)"
out=$(req foop/1 "foo/1" "foop/" "foop/12a" "todo/-1" "mess/1" "fsync/xyz" "Foop/1" "$long" "todo/6" |
    qmail-clean)
is "$out" "+xxxxxxxx+" "malformed or overlong requests: x; the next one still works"
test -d "$Q/todo/6"
ok $? "todo/6 (an id below 23) leaves the subdirectory todo/6 alone"

out=$(printf 'foop/1\000foop/2' | qmail-clean)
is "$?:$out" "0:+" "a request cut off by end of file gets no reply; exit 0"

mkdir "$Q/mess/3/26"
: >"$Q/mess/3/26/x"
out=$(req foop/26 foop/49 | qmail-clean)
is "$out" "!+" "an unlink that fails: !"
rm -rf "$Q/mess/3/26"

# pid/ sweep: at start, and before every 31st request
: >"$Q/pid/old"
: >"$Q/pid/new"
touch -a -d '37 hours ago' "$Q/pid/old"
touch -a -d '35 hours ago' "$Q/pid/new"
out=$(qmail-clean </dev/null)
test ! -e "$Q/pid/old" && test -e "$Q/pid/new"
ok $? "at start, pid/ files with atime older than 36 hours are removed"

mkfifo "$T/req" "$T/rep"
qmail-clean <"$T/req" >"$T/rep" &
cpid=$!
exec 3>"$T/req" 4<"$T/rep"
req foop/1 >&3
r1=$(dd bs=1 count=1 <&4 2>/dev/null)
: >"$Q/pid/old"
touch -a -d '40 hours ago' "$Q/pid/old"
i=2
while [ $i -le 30 ]; do req "foop/$i" >&3; i=$((i + 1)); done
r2=$(dd bs=1 count=29 <&4 2>/dev/null)
is "$r1$r2" "++++++++++++++++++++++++++++++" "30 replies"
test -e "$Q/pid/old"
ok $? "... no sweep during requests 2 to 30"
req foop/31 foop/32 >&3
r3=$(dd bs=1 count=2 <&4 2>/dev/null)
is "$r3" "++" "requests 31 and 32 answered"
test ! -e "$Q/pid/old"
ok $? "... with a sweep after the 31st"
exec 3>&-
wait "$cpid"
is "$?" 0 "exit 0 when the request pipe closes"
exec 4<&-

done_testing
