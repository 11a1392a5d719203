#!/bin/sh
# Patterns: the options h b D w H and weights, MATCH and MATCH1..n, =~,
# and the text patterns see (decoded, unfolded headers; MIME parts; text
# bodies decoded to UTF-8), with exact outputs.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

pt() { # expected name filter
    mdf "$3"
    is "$OUT" "$1" "$2"
}
nl() { printf '%b' "$1"; }

# ---- options -----------------------------------------------------------------------------------
pt 1 'a header match is 1 (2.9.3 says 2; later versions 1)' 'X=(/^Subject: Hello/)\necho $X\nexit\n'
pt 0 'no match is 0' 'X=(/^Subject: nothing/)\necho $X\nexit\n'
pt 0 'no option: the header only' 'X=(/Body line 1/)\necho $X\nexit\n'
pt 1 ':b the body' 'X=(/Body line 1/:b)\necho $X\nexit\n'
pt 0 ':b not the header' 'X=(/^Subject/:b)\necho $X\nexit\n'
pt "$(nl '1\n1')" ':hb both' 'X=(/Body line 1/:hb)\necho $X\nX=(/^Subject/:hb)\necho $X\nexit\n'
pt 1 'caseless by default' 'X=(/^subject: HELLO/)\necho $X\nexit\n'
pt 0 ':D case-sensitive' 'X=(/^subject: hello/:D)\necho $X\nexit\n'
pt 1 ':D matching case' 'X=(/^Subject: Hello/:D)\necho $X\nexit\n'
pt 1 ':w without h or b also searches the body' 'X=(/Body line 1/:w)\necho $X\nexit\n'
pt 0 ':hw: w is ignored' 'X=(/Body line 1/:hw)\necho $X\nexit\n'
pt 1 'a folded header is one line: breaks become one space' 'X=(/^Subject: Hello  folded  again$/)\necho $X\nexit\n'
pt 1 ':H the top header' 'X=(/^Subject: Hello/:H)\necho $X\nexit\n'
# ---- weights ----------------------------------------------------------------------------------------
pt 15 ':b,10,0.5 on two lines: 10 + 5' 'X=(/Body/:b,10,0.5)\necho $X\nexit\n'
pt 2 ':hb,1 counts every matching line once' 'X=(/Body/:hb,1)\necho $X\nexit\n'
pt 6 ':b3 (weight 3, factor 1)' 'X=(/Body/:b3)\necho $X\nexit\n'
pt 3 '=~ weighted counts every match' 'S="foo bar foo baz foo"\nX=($S =~ /foo/:1)\necho $X\nexit\n'
pt 7 '=~ weighted with a factor: 4 + 2 + 1' 'X=("aaa" =~ /a/:4,0.5)\necho $X\nexit\n'
pt '[]' 'a weighted search sets no MATCH' 'MATCH=""\nX=(/Body/:b,1)\necho "[$MATCH]"\nexit\n'
# ---- MATCH ----------------------------------------------------------------------------------------------
pt '1 [Subject: He] [H] [e]' 'MATCH and MATCH1..n' 'X=(/^Subject: (H)(e)/)\necho "$X [$MATCH] [$MATCH1] [$MATCH2]"\nexit\n'
pt '[b] []' 'a group that did not take part is empty' 'X=("ab" =~ /(b)|(z)/)\necho "[$MATCH1] [$MATCH2]"\nexit\n'
pt 'bar b a r' '=~ sets MATCH' 'S="foo bar"\nX=($S =~ /(b)(a)(.)/)\necho "$MATCH $MATCH1 $MATCH2 $MATCH3"\nexit\n'
pt "$(nl '0\n1')" '=~ is over the whole string: ^ only at its start' 'S=getaddr("x@y, b@c")\nX=($S =~ /^b/)\necho $X\nX=($S =~ /^x/)\necho $X\nexit\n'
pt 'Body line 1' 'the first matching line wins' 'X=(/^Body.*/:b)\necho $MATCH\nexit\n'
pt 'Hello' 'escape() makes data safe in a pattern' 'X="H.llo"\nY=escape($X)\nif (/^Subject: $Y/)\necho matched\nelse\necho Hello\nexit\n'
# ---- bad patterns -------------------------------------------------------------------------------------------
mdf 'if (/(unclosed/)\necho x\nexit\n'
is "$RC" 75 'a bad pattern is a syntax error before anything runs'
like "$ERR" 'filter\(1\): Bad pattern' '... naming the file and line'
mdf 'P="(unclosed"\nX=(/$P/)\necho "[$X]"\nexit\n'
is "$OUT" '[0]' 'a pattern that is bad only after substitution does not match'
like "$ERR" 'filter\(2\): Invalid pattern' '... with a warning'

# ---- what patterns see: headers ----------------------------------------------------------------------------------
MSG=$T/hdrs
printf 'From: "Alice A" <a@x.example>\nTo: Bob <bob@x.example>, carol@x.example (Carol C)\nCc: "Doe, John" <j@x.example>\nSubject:nospace\nX-Enc: =?ISO-8859-1?Q?caf=E9?= and more\nReply-To: =?UTF-8?B?w6lsw6g=?= <r@x.example>\nX-Fold: a\n\tb\n  c\nX-Trail:   spaces   \nSender: "S S" <s@x>\n\nbody\n' >"$MSG"
mdf 'foreach /^.*$/:h\n{\necho "[$MATCH]"\n}\nexit\n'
is "$OUT" "$(nl '[From: Alice A <a@x.example>]\n[To: Bob <bob@x.example>, Carol C <carol@x.example>]\n[Cc: "Doe, John" <j@x.example>]\n[Subject: nospace]\n[X-Enc: café and more]\n[Reply-To: élè <r@x.example>]\n[X-Fold: a \tb   c]\n[X-Trail: spaces]\n[Sender: "S S" <s@x>]')" \
    'header lines: Name: value, decoded, unfolded, trimmed; address fields rewritten'

# ---- what patterns see: MIME ------------------------------------------------------------------------------------
MSG=$T/mime
printf 'From: a@x\nSubject: mime\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\n\npreamble line\n--BB\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9 line with soft=\n break\n\nafter empty\n--BB\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\naGVsbG8gYXR0YWNobWVudAo=\n--BB\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\nPGI+Ym9sZDwvYj4KbGluZTI=\n--BB\nContent-Type: message/rfc822\n\nFrom: inner@x\nSubject: inner subj\n\ninner body\n--BB--\nepilogue\n' >"$MSG"
mdf 'foreach /^.*$/:hb\n{\necho "[$MATCH]"\n}\nexit\n'
is "$OUT" "$(nl '[From: a@x]\n[Subject: mime]\n[MIME-Version: 1.0]\n[Content-Type: multipart/mixed; boundary="BB"]\n[Content-Type: text/plain; charset=iso-8859-1]\n[Content-Transfer-Encoding: quoted-printable]\n[café line with soft break]\n[]\n[after empty]\n[Content-Type: application/octet-stream]\n[Content-Transfer-Encoding: base64]\n[Content-Type: text/html; charset=utf-8]\n[Content-Transfer-Encoding: base64]\n[<b>bold</b>]\n[line2]\n[Content-Type: message/rfc822]\n[From: inner@x]\n[Subject: inner subj]\n[inner body]')" \
    'a MIME message: part headers, decoded text parts, attachments and preamble skipped'
pt 0 'an attachment is not searched' 'X=(/hello attachment/:b)\necho $X\nexit\n'
pt 1 ':h sees the headers of the parts' 'X=(/^Content-Type: text\/html/)\necho $X\nexit\n'
pt 0 ':H does not' 'X=(/^Content-Type: text\/html/:H)\necho $X\nexit\n'
pt 1 ':H sees the top header' 'X=(/^Content-Type: multipart/:H)\necho $X\nexit\n'
pt 1 'the pattern is UTF-8; an ISO-8859-1 part is converted' 'X=(/^café line/:b)\necho $X\nexit\n'

# without MIME-Version the message is one text part
printf 'Subject: x\nContent-Type: multipart/mixed; boundary="BB"\n\n--BB\nContent-Type: text/plain\n\nhi\n--BB--\n' >"$T/nomime"
MSG=$T/nomime
pt "$(nl '[Subject: x]\n[Content-Type: multipart/mixed; boundary="BB"]\n[--BB]\n[Content-Type: text/plain]\n[]\n[hi]\n[--BB--]')" \
    'no MIME-Version: the body is text, boundaries included' 'foreach /^.*$/:hb\n{\necho "[$MATCH]"\n}\nexit\n'
# 8-bit junk and CRLF
printf 'Subject: caf\351\r\n\r\nline\r\n' >"$T/latin"
MSG=$T/latin
pt "$(nl '[Subject: café]\n[line]')" 'ISO-8859-1 bytes are read as such; CR before LF is not seen' 'foreach /^.*$/:hb\n{\necho "[$MATCH]"\n}\nexit\n'

done_testing
