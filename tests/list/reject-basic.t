#!/bin/sh
# ezmlm-reject: every check, its option and its exit code; forwarding of
# commands with -f; hostile input.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
. "$SUITE_SRC/tests/list/qqrec.sh"
sandbox_create
list_etc_setup
qqrec_setup
cd "$SANDBOX" || exit 1
list_make "$SANDBOX/L" "$SANDBOX_HOME/.qmail-list" list "$SANDBOX_DOMAIN" || BAIL_OUT "ezmlm-make"
L=$SANDBOX/L
SENDER=poster@a.example
export SENDER

post() { # header-lines [body]
    printf "$1\n\n${2:-Some text.\n}"
}
rej() { # options... : reads stdin, prints the exit code
    ezmlm-reject "$@" 2>"$SANDBOX/err"
    echo $?
}
TO='To: list@sandbox.example\nFrom: poster@a.example'

is "$(post "$TO\nSubject: hello" | rej "$L")" 0 "a good post: 0"
is "$(post "$TO\nSubject: hello" | SENDER= rej "$L")" 100 "empty SENDER (a bounce): 100"
like "$(cat err)" '^ezmlm-reject: fatal: .*bounce' "...saying so"
is "$(post "$TO\nSubject: hello" | (unset SENDER; rej "$L"))" 100 "SENDER unset: 100"
is "$(rej -Z "$L" </dev/null)" 100 "unknown option: 100"
like "$(cat err)" '^ezmlm-reject: usage: ' "...with the usage"
is "$(rej -V </dev/null)" 0 "-V: version"
is "$(cat err)" "ezmlm version: ezmlm-idx-7.2.2" "...the version line"
is "$(post "$TO\nSubject: x" | rej "$SANDBOX/nolist")" 111 "a missing list directory: 111"

# subject
is "$(post "$TO" | rej "$L")" 100 "no subject: 100"
like "$(cat err)" '[Ss]ubject' "...a clear message"
for s in '(no subject)' '(null)' '(none)' '   '; do
    is "$(post "$TO\nSubject: $s" | rej "$L")" 100 "subject '$s' counts as none"
done
is "$(post "$TO" | rej -S "$L")" 0 "-S: no subject needed"
for s in help HELP remove subscribe Unsubscribe; do
    is "$(post "$TO\nSubject: $s" | rej "$L")" 100 "subject '$s' is a command: 100"
done
is "$(post "$TO\nSubject: subscribe" | rej -C "$L")" 0 "-C: commands allowed"
is "$(post "$TO\nSubject: subscribe me please" | rej "$L")" 0 "a longer subject is no command"
is "$(post "$TO\nSubject: subscribe me please" | rej -b "$L")" 100 "...except with -b"
is "$(post "$TO\nSubject: hello" 'unsubscribe\nplease\n' | rej -b "$L")" 100 "-b: a body starting with a command: 100"
is "$(post "$TO\nSubject: hello" 'unsubscribe\nplease\n' | rej "$L")" 0 "...not without -b"

# forwarding commands with -f
qqrec_reset
post "$TO\nSubject: help" 'Please help\n' >cmd
is "$(rej -f "$L" <cmd)" 99 "-f: a command is forwarded, 99"
like "$(cat err)" 'info: forward qp [0-9]+' "...reporting the qp"
is "$(qqrec_count)" 1 "one message queued"
is "$(qqrec_env 1)" "$(printf 'Fposter@a.example\nTlist-request@sandbox.example\n')" "...from the sender to LIST-request"
is "$(cat "$QQREC/1.msg")" "$(printf 'Delivered-To: command forwarder for list@sandbox.example\n'; cat cmd)" \
    "...the request unchanged behind a Delivered-To line"
cp "$QQREC/1.msg" looped
is "$(rej -f "$L" <looped)" 100 "a forwarded command coming back: looping, 100"
is "$(qqrec_count)" 1 "...nothing queued"

# the list address in To: or Cc:
is "$(post 'To: other@x.example\nSubject: hi' | rej "$L")" 100 "list address missing: 100"
is "$(post 'To: other@x.example\nSubject: hi' | rej -q "$L")" 99 "-q: dropped silently, 99"
is "$(post 'To: other@x.example\nSubject: hi' | rej -T "$L")" 0 "-T: not required"
is "$(post 'To: other@x.example\nCc: "The List" <LIST@Sandbox.Example>\nSubject: hi' | rej "$L")" 0 \
    "in Cc:, with a display name, any case"
is "$(post 'To: mylist@sandbox.example\nSubject: hi' | rej "$L")" 100 "a longer local part is another address"
is "$(post 'Subject: hi' | rej)" 0 "without DIR there is no list address to require"

# other lists, precedence
printf 'Mailing-List\nX-Mailing-List\n' >"$L/headerreject"
is "$(post "$TO\nSubject: hi\nMailing-List: contact x" | rej "$L")" 100 "a header named in headerreject: 100"
is "$(post "$TO\nSubject: hi\nx-mailing-list: x" | rej "$L")" 100 "...any case"
is "$(post "$TO\nSubject: hi\nMailing-List: x" | rej -H "$L")" 0 "-H: not checked"
rm "$L/headerreject"
is "$(post "$TO\nSubject: hi\nPrecedence: bulk" | rej "$L")" 99 "Precedence: bulk: dropped, 99"
is "$(post "$TO\nSubject: hi\nPrecedence: JUNK" | rej "$L")" 99 "Precedence: junk"
is "$(post "$TO\nSubject: hi\nPrecedence: list" | rej "$L")" 0 "Precedence: list passes"

# sizes
echo '100:10' >"$L/msgsize"
is "$(post "$TO\nSubject: hi" 'short\n' | rej "$L")" 100 "body under msgsize's minimum: 100"
like "$(cat err)" '10 bytes' "...naming the limit"
is "$(post "$TO\nSubject: hi" 'A body of some forty bytes, more or less.\n' | rej "$L")" 0 "within the limits"
awk 'BEGIN { for (i = 0; i < 20; i++) print "a line of text" }' >body
is "$( (printf "$TO\nSubject: hi\n\n"; cat body) | rej "$L")" 100 "body over the maximum: 100"
like "$(cat err)" '100 bytes' "...naming the limit"
rm "$L/msgsize"

# MIME
echo 'application/x-msdownload' >"$L/mimeremove"
is "$(post "$TO\nSubject: hi\nContent-Type: application/x-msdownload" | rej "$L")" 100 "a top-level type in mimeremove: 100"
like "$(cat err)" 'application/x-msdownload' "...naming the type"
mime="$TO\nSubject: hi\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\""
is "$(post "$mime" '--XX\nContent-Type: text/plain\n\ntext\n--XX\nContent-Type: application/x-msdownload\n\nMZ\n--XX--\n' | rej "$L")" 0 \
    "...as a part it passes (ezmlm-send removes it)"
echo 'application/x-msdownload' >"$L/mimereject"
is "$(post "$mime" '--XX\nContent-Type: text/plain\n\ntext\n--XX\nContent-Type: application/x-msdownload\n\nMZ\n--XX--\n' | rej "$L")" 100 \
    "a part of a type in mimereject: 100"
rm "$L/mimereject" "$L/mimeremove"
printf 'text/plain\nmultipart/mixed\n' >"$L/mimekeep"
is "$(post "$TO\nSubject: hi\nContent-Type: text/html" | rej "$L")" 100 "mimekeep: an unlisted top-level type: 100"
is "$(post "$TO\nSubject: hi\nContent-Type: text/plain; charset=utf-8" | rej "$L")" 0 "...a listed one passes"
rm "$L/mimekeep"
is "$(post "$TO\nSubject: hi\nContent-Type: multipart/mixed; boundary=\"XX" | rej "$L")" 100 "an unterminated quoted boundary: 100"

# hostile input
is "$(printf '' | rej -T "$L")" 100 "empty input: no subject, 100"
is "$(printf 'just a line of text\n' | rej -S -T "$L")" 0 "no header at all, with -S -T: 0"
is "$(printf "$TO\nSubject: a\0b\n\nbody \0 with NUL\n" | rej "$L")" 0 "NUL bytes: 0"
awk 'BEGIN { print "Subject: hi"; printf "X-Big: "; for (i = 0; i < 200000; i++) printf "xxxxxxxxxx"; print ""; print ""; print "b" }' >big
is "$(rej -T "$L" <big)" 100 "a 2 MB header: 100"
like "$(cat err)" 'header is too large' "...saying so"
awk 'BEGIN { print "To: list@sandbox.example"; print "Subject: big"; print ""; for (i = 0; i < 200000; i++) print "0123456789012345678901234567890123456789012345678" }' >bigbody
is "$(rej "$L" <bigbody)" 0 "a 10 MB body is read through (no msgsize): 0"
done_testing
