#!/bin/sh
# Hostile and broken input, each through a real .qmail delivery: subjects
# with newlines, encoded newlines and 100 KB, messages without From, bad
# addresses, huge or broken headers, response files without an empty line.
# The response never gains a header line from the original, every line
# stays short, and the message is always delivered.
. "$SUITE_SRC/tests/autorespond/lib.sh"

R=$U-ar@$D
mkdir "$H/ar"
printf 'From: %s\nSubject: Re: %%S\n\nYour mail "%%S" arrived.\n' "$R" >"$H/ar/message.txt"
qfile .qmail-ar "|qmail-autoresponder ar\n./Maildir/\n"
mkin() { printf '%b' "$1" >"$T/in"; }
run() { # name sender responses
    reset_qq
    clearmail
    rm -f "$H/ar/"[0-9]*
    deliver ar "$2" "$T/in"
    is "$RC:$(nreplies):$(newmail)" "0:$3:1" "$1: exit 0, $3 response(s), message delivered"
}
fields() { reply | sed '/^$/q' | sed -n 's/^\([^ 	:]*\):.*/\1/p' | tr '\n' ' '; }
STD="From To Subject Date Message-ID Auto-Submitted Precedence MIME-Version Content-Type "
longest() { reply | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'; }

# ---- subjects -------------------------------------------------------------------------------
mkin "From: s@example.net\nTo: $R\nSubject: first\n line\n\tthird\n\nHi.\n"
run "a folded Subject" s@example.net 1
like "$(reply)" "
Subject: Re: first line third
" "  ... unfolded into one line"
mkin "From: s@example.net\nTo: $R\nSubject: one\rBcc: victim@example.org\n\nHi.\n"
run "a Subject with a bare CR" s@example.net 1
is "$(fields)" "$STD" "  ... no header line added"
like "$(reply)" "
Subject: Re: one Bcc: victim@example.org
" "  ... the CR became a space"
mkin "From: s@example.net\nTo: $R\nSubject: =?UTF-8?Q?one=0D=0ABcc:_victim@example.org=0A=0A?= body\n\nHi.\n"
run "an encoded CR LF in the Subject (Q)" s@example.net 1
is "$(fields)" "$STD" "  ... no header line added"
like "$(reply)" "
Subject: Re: one Bcc: victim@example.org body
" "  ... CR and LF became spaces"
mkin "From: s@example.net\nTo: $R\nSubject: =?utf-8?b?b25lDQpCY2M6IHZpY3RpbUBleGFtcGxlLm9yZw0KDQo=?=\n\nHi.\n"
run "an encoded CR LF in the Subject (B)" s@example.net 1
is "$(fields)" "$STD" "  ... no header line added"
unlike "$(reply | sed -n '/^$/,$p')" "^Bcc" "  ... nor a body line from it"
mkin "From: s@example.net\nTo: $R\nSubject: =?UTF-8?Q?=00=01=1B[31m?=red\n\nHi.\n"
run "NUL and escape bytes in the Subject" s@example.net 1
like "$(reply)" "
Subject: Re: \\[31mred
" "  ... control bytes dropped"

awk 'BEGIN { printf "From: s@example.net\nTo: '"$R"'\nSubject: "; for (i = 0; i < 10000; i++) printf "0123456789"; printf "\n\nHi.\n" }' >"$T/in"
run "a 100 KB Subject" s@example.net 1
is "$(fields)" "$STD" "  ... no header line added"
subj=$(reply | sed -n '/^Subject:/,/^[^ ]/p' | sed '$d' | tr -d '\n' | sed 's/^Subject: //')
is "${#subj}" 207 "  ... cut to 200 bytes plus '...' after 'Re: '"
ok $(( $(longest) > 998 )) "  ... no line longer than 998 bytes"
awk 'BEGIN { printf "From: s@example.net\nTo: '"$R"'\nSubject: "; for (i = 0; i < 20000; i++) printf "=?UTF-8?B?w6k=?= "; printf "\n\nHi.\n" }' >"$T/in"
run "a 340 KB Subject of encoded words" s@example.net 1
subj=$(reply | sed -n '/^Subject:/,/^[^ ]/p' | sed '$d' | tr -d '\n')
like "$subj" "^Subject: =\\?UTF-8\\?Q\\?Re=3A_(=C3=A9)+" "  ... re-encoded as UTF-8 words"
ok $(( $(longest) > 78 )) "  ... folded, no line longer than 78 bytes"

# ---- From, addresses ---------------------------------------------------------------------------
mkin "To: $R\nSubject: no from\n\nHi.\n"
run "no From field" s@example.net 1
is "$(renvelope)" "F|Ts@example.net||" "  ... answered to the envelope sender"
mkin "From: <<<@@@>>> ,,, \"unterminated\nTo: $R\nSubject: bad from\n\nHi.\n"
run "a From field that is not an address" s@example.net 1
mkin "From: s@example.net\nTo: \"unterminated <$R>, (comment\nSubject: x\n\nHi.\n"
run "a To field with an unterminated quote" s@example.net 0
mkin "From: s@example.net\nTo: ,,, <>, @, \"\"@, <@x:>, $R\nSubject: x\n\nHi.\n"
run "empty and broken addresses next to ours in To" s@example.net 1
mkin "From: s@example.net\nTo: $R\nSubject: x\n\nHi.\n"
run "a sender with a space" "s p@example.net" 1
is "$(reply | sed -n 's/^To: //p')" '"s p"@example.net' "  ... quoted in To"
run "a sender with a newline" "$(printf 's@example.net\nBcc: victim@example.org')" 0
like "$OUT" "Ignoring message: envelope sender is not a valid address: s@example.net_Bcc" "  ... refused, the log line stays one line"
run "a sender without a local part" "@example.net" 0
run "a sender that is only a route" "@a,@b:" 0
long=$(awk 'BEGIN { for (i = 0; i < 950; i++) printf "a"; print "@example.net" }')
run "a sender of 962 bytes" "$long" 0
long=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "a"; print "@example.net" }')
run "a sender of 312 bytes (longer than a file name)" "$long" 1
ls "$H/ar" | grep -q '^[0-9]*\.[0-9]*\.sha256=[0-9a-f]\{64\}$'
ok $? "  ... recorded under a hashed name"
mkin "From: s@example.net\nTo: $R\nMessage-ID: <a b@x>\nReferences: <$(awk 'BEGIN { for (i = 0; i < 400; i++) printf "x" }')@x> <ok@x>\n\nHi.\n"
run "broken and huge message ids" s@example.net 1
unlike "$(reply)" "In-Reply-To" "  ... no In-Reply-To from a broken Message-ID"

printf 'Subject: away\n\nFor %%r.\n' >"$H/ar/t.txt"
rm -f "$H/ar/"[0-9]*
reset_qq
printf 'From: s@example.net\nSubject: x\n\nHi.\n' |
    (cd "$H" && SENDER=s@example.net RECIPIENT="$(printf 'joe@%s\nBcc: victim@example.org' "$D")" \
        qmail-autoresponder -j t.txt ar >/dev/null 2>&1)
is "$?:$(nreplies)" "0:1" "a RECIPIENT with a newline (run by hand)"
is "$(fields)" "From To Subject Date Message-ID Auto-Submitted Precedence MIME-Version Content-Type " \
    "  ... no header line added through From or %r"
rm -f "$H/ar/t.txt"

# ---- broken messages ------------------------------------------------------------------------------
printf 'From: s@example.net\nTo: %s\nSubject: nul\000byte\n\nbody\000\n' "$R" >"$T/in"
run "NUL bytes in the header and body" s@example.net 1
printf 'To: %s\nSubject: no empty line\nthis is the body\nmore\n' "$R" >"$T/in"
run "no empty line after the header" s@example.net 1
like "$(reply)" "
Subject: Re: no empty line
" "  ... the header ends at the first line that is not a field"
printf 'To: %s' "$R" >"$T/in"
run "a message that is one unterminated line" s@example.net 1
: >"$T/in"
run "an empty message" s@example.net 0
awk 'BEGIN { printf "To: '"$R"'\n"; for (i = 0; i < 7000; i++) printf "X-Filler-%d: %s\n", i, "................................................................................"; printf "\nHi.\n" }' >"$T/in"
run "a 600 KB header" s@example.net 0
like "$OUT" "Ignoring message: header too large" "  ... not answered, and delivered"
head -c 20000 /dev/urandom >"$T/in"
run "20 KB of random bytes" s@example.net 0

# ---- response files -------------------------------------------------------------------------------
mkin "From: s@example.net\nTo: $R\nSubject: hi\n\nHi.\n"
printf 'Subject: away\nI am away until Monday.\nBack soon.\n' >"$H/ar/message.txt"
run "a response file without an empty line" s@example.net 1
is "$(reply | normalize | sed -n '/^Subject/p;/^$/,$p')" "Subject: away

I am away until Monday.
Back soon." "  ... its body starts at the first line that is not a field"
printf 'I am away.' >"$H/ar/message.txt"
run "a response file with no header at all" s@example.net 1
is "$(reply | normalize | sed -n '/^Subject/p;/^$/,$p')" "Subject: Auto: hi

I am away." "  ... all of it is the body"
printf 'Subject: only a header' >"$H/ar/message.txt"
run "a response file that is all header" s@example.net 1
is "$(reply | sed -n '/^$/,$p')" "" "  ... an empty body"
printf 'From: me@%s\r\nSubject: crlf\r\n\r\nline\r\n' "$D" >"$H/ar/message.txt"
run "a response file with CR LF line ends" s@example.net 1
reply | grep -q "$(printf '\r')"
ok $((!$?)) "  ... no CR in the response"
: >"$H/ar/message.txt"
run "an empty response file" s@example.net 1
head -c 300000 /dev/zero >"$H/ar/message.txt"
reset_qq
clearmail
deliver ar s@example.net "$T/in"
is "$RC:$(nreplies):$(newmail)" "111:0:0" "a response file of 300 KB: 111, the message waits"
like "$OUT" "larger than" "  ... saying why"
rm "$H/ar/message.txt"
deliver ar s@example.net "$T/in"
is "$RC:$(newmail)" "111:0" "a missing response file: 111, the message waits"
like "$OUT" "unable to read message.txt" "  ... saying why"

done_testing
