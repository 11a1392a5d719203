#!/bin/sh
# A 100 MB message is filtered (header and body patterns) and delivered to
# a Maildir and an mbox with a peak resident size under 8 MB, whether it
# comes through a pipe (spooled to a temporary file) or as a file (read in
# place).  A memory bound, not a timing: the run may be as slow as it likes.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

case $SUITE_BUILD in
*/san) skip_all 'peak memory is not meaningful under AddressSanitizer' ;;
esac
peak() { # file-with-kb-lines: the largest
    sort -n "$1" | tail -1
}
runpeak() { # how (pipe|file): runs maildrop on $BIG, sets RC and KB
    : >"$T/rss"
    if [ -x "$SUITE_BUILD/tests/helpers/maxrss" ]; then
        if [ "$1" = pipe ]; then
            cat "$BIG" | "$SUITE_BUILD/tests/helpers/maxrss" "$T/rss" "$MD" "$T/filter" >"$T/stdout" 2>"$T/stderr"
        else
            "$SUITE_BUILD/tests/helpers/maxrss" "$T/rss" "$MD" "$T/filter" <"$BIG" >"$T/stdout" 2>"$T/stderr"
        fi
        RC=$?
    elif [ -x /usr/bin/time ]; then
        if [ "$1" = pipe ]; then
            cat "$BIG" | /usr/bin/time -o "$T/rss" -f %M "$MD" "$T/filter" >"$T/stdout" 2>"$T/stderr"
        else
            /usr/bin/time -o "$T/rss" -f %M "$MD" "$T/filter" <"$BIG" >"$T/stdout" 2>"$T/stderr"
        fi
        RC=$?
    else
        skip_all 'neither the maxrss helper nor /usr/bin/time'
    fi
    KB=$(peak "$T/rss")
}

BIG=$T/big
awk 'BEGIN {
    printf "From: big@example.org\nSubject: a very large message\nMIME-Version: 1.0\n"
    printf "Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\n"
    for (i = 0; i < 870000; i++) printf "line %d of the text part, which patterns read line by line\n", i
    printf "--zz\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
    for (i = 0; i < 600000; i++) printf "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n"
    printf "--zz--\n"
}' >"$BIG"
size=$(wc -c <"$BIG" | tr -d ' ')
ok $([ "$size" -gt 100000000 ] && echo 0 || echo 1) "a message of $size bytes"

M=$SANDBOX_MAILDIR
filter "if (/no such text/:b)\n  to \"$T/wrong\"\nif (/line 869999 of the text/:b)\n  echo body-seen\nif (/^Subject: a very large/)\n  cc \"$T/mbox\"\nto \"$M\"\n"
runpeak pipe
is "$RC" 0 'through a pipe: delivered'
is "$(cat "$T/stdout")" body-seen '... a body pattern found the last text line'
ok $([ -n "$KB" ] && [ "$KB" -lt 8192 ] && echo 0 || echo 1) "... peak RSS $KB KB < 8 MB"
f=$(ls "$M/new")
is "$(wc -c <"$M/new/$f" | tr -d ' ')" "$size" '... the Maildir copy is complete'
cmp -s "$M/new/$f" "$BIG"; ok $? '... and identical'
mb=$(wc -c <"$T/mbox" | tr -d ' ')
ok $([ "$mb" -gt "$size" ] && echo 0 || echo 1) '... the mbox copy too'
test ! -e "$T/wrong"; ok $? '... no false match'
rm -f "$M/new/"* "$T/mbox"

runpeak file
is "$RC" 0 'from a file: delivered'
ok $([ -n "$KB" ] && [ "$KB" -lt 8192 ] && echo 0 || echo 1) "... peak RSS $KB KB < 8 MB"
cmp -s "$M/new/$(ls "$M/new")" "$BIG"; ok $? '... identical'
rm -f "$M/new/"* "$T/mbox" "$BIG"

done_testing
