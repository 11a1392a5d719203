#!/bin/sh
# reformail -s: an mbox split into messages, one program run per message
# (argv, no shell), FILENO numbering, the last line end of each message
# dropped; compared with Debian's reformail; failures of the program.
. "$SUITE_SRC/tests/mda/reformail-lib.sh"

# the program records its FILENO, its arguments and its input
cat >"$T/rec" <<'EOF'
#!/bin/sh
n=$(cat "$RECDIR/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >"$RECDIR/count"
printf '%s|%s\n' "${FILENO-unset}" "$*" >>"$RECDIR/log"
cat >"$RECDIR/msg.$n"
EOF
chmod +x "$T/rec"

split() { # dir prog args... < mbox
    RECDIR=$1
    export RECDIR
    rm -rf "$RECDIR"
    mkdir "$RECDIR"
    shift
    "$@"
}
same_dirs() { # name
    if [ -z "$DEB" ]; then
        skip "Debian's reformail is not installed"
        return
    fi
    diff -r "$T/o" "$T/d" >"$T/diff" 2>&1
    ok $? "$1: same messages as Debian's" || diag "$(cat "$T/diff")"
}

mk mb '\n\nFrom a@b Mon\nSubject: one\n  fold\n\nbody1\n>From q\n\nFrom c@d Tue\r\nSubject: two\r\n\r\nbody2\r\nFrom e@f\nlast'
split "$T/o" "$RF" -s "$T/rec" x 'y z' <"$T/mb"
is "$?" 0 "-s: exit 0"
is "$(cat "$T/o/log")" "000|x y z
001|x y z
002|x y z" "three messages, FILENO 000 001 002, arguments passed as they are"
mk want1 'From a@b Mon\nSubject: one\n  fold\n\nbody1\n>From q\n'
mk want2 'From c@d Tue\nSubject: two\n\nbody2'
mk want3 'From e@f\nlast'
cmp -s "$T/o/msg.1" "$T/want1" && cmp -s "$T/o/msg.2" "$T/want2" && cmp -s "$T/o/msg.3" "$T/want3"
ok $? "each message from its From_ line, the separating empty line and the last line end dropped"
split "$T/d" ${DEB:-false} -s "$T/rec" x 'y z' <"$T/mb"
same_dirs "basic"

for v in 7 0099 '' abc 00; do
    FILENO=$v split "$T/o" "$RF" -s "$T/rec" <"$T/mb"
    FILENO=$v split "$T/d" ${DEB:-false} -s "$T/rec" <"$T/mb"
    same_dirs "FILENO='$v'"
done
FILENO=7 split "$T/o" "$RF" -s "$T/rec" <"$T/mb"
is "$(cut -d'|' -f1 "$T/o/log" | tr '\n' ' ')" "7 8 9 " "FILENO=7 counts 7 8 9"
FILENO=0099 split "$T/o" "$RF" -s "$T/rec" <"$T/mb"
is "$(cut -d'|' -f1 "$T/o/log" | tr '\n' ' ')" "0099 0100 0101 " "FILENO=0099 keeps its width"
FILENO=abc split "$T/o" "$RF" -s "$T/rec" <"$T/mb"
is "$(cut -d'|' -f1 "$T/o/log" | tr '\n' ' ')" "abc abc abc " "a non-numeric FILENO is left alone"

mk nofrom 'nofrom\nx\n'
split "$T/o" "$RF" -s "$T/rec" <"$T/nofrom"
split "$T/d" ${DEB:-false} -s "$T/rec" <"$T/nofrom"
same_dirs "input without a From_ line is one message"
: >"$T/empty"
split "$T/o" "$RF" -s "$T/rec" <"$T/empty"
[ ! -e "$T/o/log" ]
ok $? "empty input: the program never runs"
k=0
# a From_ line alone; empty lines and From_ lines in a row; no empty line
# before a From_ line; quoted >From and a bare From; CRLF
for case in 'From a\n' 'From a\n\n\nFrom b\nFrom c\n\n' 'From a\nX: y\nFrom b\nZ: w\n' \
    'From a\nX: y\n\n>From b\nFrom\nFrom c\n' 'From a\n\nb\r\n\r\nFrom c\r\n\r\n'; do
    mk c "$case"
    split "$T/o" "$RF" -s "$T/rec" <"$T/c"
    split "$T/d" ${DEB:-false} -s "$T/rec" <"$T/c"
    k=$((k + 1))
    same_dirs "odd mbox $k"
done
split "$T/o" "$RF" -a 'X: y' -s "$T/rec" <"$T/mb"
split "$T/d" ${DEB:-false} -a 'X: y' -s "$T/rec" <"$T/mb"
same_dirs "header options before -s apply to the first message only"

# -d1: CRLF line ends, once (deliberate: the original doubles the CR)
split "$T/o" "$RF" -d1 -s "$T/rec" <"$T/mb"
printf 'From c@d Tue\r\nSubject: two\r\n\r\nbody2' | cmp -s - "$T/o/msg.2"
ok $? "-d1 -s: CRLF line ends"

# a big mbox: many messages, bounded memory
awk 'BEGIN { for (i = 0; i < 300; i++) { printf "From m%d@x Mon\nSubject: %d\n\n", i, i;
             for (j = 0; j < 200; j++) print "line " j " of message " i; print "" } }' >"$T/many"
split "$T/o" "$RF" -s "$T/rec" <"$T/many"
is "$(cat "$T/o/count")" 300 "300 messages, 300 runs"
tail -n 1 "$T/o/msg.300" | grep -q '^line 199 of message 299$'
ok $? "... the last one complete"

# a program that does not read its input
split "$T/o" "$RF" -s sh -c 'exit 0' <"$T/many"
is "$?" 0 "a program that reads nothing but succeeds: exit 0"
# a failing program stops the split (deliberate: exit 1, the original 0)
split "$T/o" "$RF" -s sh -c 'cat >/dev/null; test "$FILENO" != 001' <"$T/mb" 2>"$T/err"
is "$?" 1 "the program fails on message 2: exit 1"
like "$(cat "$T/err")" "reformail: fatal: sh exited 1 on message 2" "... saying so"
split "$T/o" "$RF" -s "$T/nonexistent" <"$T/mb" 2>"$T/err"
is "$?" 1 "a program that cannot run: exit 1"
like "$(cat "$T/err")" "unable to run" "... saying so"
"$RF" -s </dev/null 2>/dev/null
is "$?" 1 "-s without a program: exit 1"
"$RF" -s sh -c 'kill -9 $$' <"$T/mb" 2>"$T/err"
is "$?" 1 "a killed program: exit 1"
like "$(cat "$T/err")" "killed by signal 9" "... saying so"
# no shell: the arguments are passed as they are
split "$T/o" "$RF" -s "$T/rec" '$(touch '"$T"'/pwned)' ';' <"$T/nofrom"
[ ! -e "$T/pwned" ]
ok $? "arguments are not interpreted by a shell"

done_testing
