#!/bin/sh
# The decision table of the autoresponders, each row a real .qmail delivery
# (qmail-local running "|qmail-autoresponder ..." before "./Maildir/"): the
# response is queued or not, the message is delivered either way, and one
# line of the delivery report says why.
. "$SUITE_SRC/tests/autorespond/lib.sh"

R=$U-ar@$D
mkdir "$H/ar"
printf 'From: %s\nSubject: Away\n\nI am away.\n' "$R" >"$H/ar/message.txt"
qfile .qmail-ar "|qmail-autoresponder -a alias@$D ar\n./Maildir/\n"

mkin() { printf '%b' "$1" >"$T/in"; }
base="From: Sam <s@example.net>\nTo: $R\nSubject: hello\nMessage-ID: <1@example.net>\n"

row() { # name sender responses log-ERE
    reset_qq
    clearmail
    rm -f "$H/ar/"[0-9]*
    deliver ar "$2" "$T/in"
    is "$RC:$(nreplies):$(newmail)" "0:$3:1" "$1: exit 0, $3 response(s), message delivered"
    like "$OUT" "$4" "$1: the report says why"
}

# ---- answered -----------------------------------------------------------------------
mkin "${base}\nHi.\n"
row "an ordinary message" s@example.net 1 "^qmail-autoresponder: Sent response qp [0-9]+ to s@example.net"
is "$(renvelope)" "F|Ts@example.net||" "  ... queued with a null envelope sender, to the envelope sender only"
mkin "From: s@example.net\nTo: x@example.net\nCc: Me <$R>\n\nHi.\n"
row "our address in Cc" s@example.net 1 "Sent response"
mkin "From: s@example.net\nTo: team: a@x.example, ALIAS@$D;\n\nHi.\n"
row "an alias (-a) in a group in To" s@example.net 1 "Sent response"
mkin "${base}Auto-Submitted: no\nPrecedence: first-class\n\nHi.\n"
row "Auto-Submitted: no" s@example.net 1 "Sent response"

# ---- the envelope sender ------------------------------------------------------------
mkin "${base}\nHi.\n"
row "empty envelope sender" "" 0 "Ignoring message: empty envelope sender"
row "sender #@[]" "#@[]" 0 "Ignoring message: envelope sender #@\\[\\]"
row "MAILER-DAEMON" MAILER-DAEMON@example.net 0 "Ignoring message: envelope sender is automatic: MAILER-DAEMON@example.net"
for s in postmaster@example.net listserv@example.net majordomo@example.net owner-list@example.net \
    list-owner@example.net list-request@example.net mailer-daemon-x@example.net; do
    row "sender $s" "$s" 0 "Ignoring message: envelope sender is automatic: $s"
done
row "sender without a domain" localonly 0 "Ignoring message: envelope sender has no domain: localonly"

# ---- the header -------------------------------------------------------------------------
for p in bulk junk list BULK; do
    mkin "${base}Precedence: $p\n\nHi.\n"
    row "Precedence: $p" s@example.net 0 "Ignoring message: Precedence: $p"
done
for h in "List-Id: <l.example.net>" "List-Unsubscribe: <mailto:l-unsubscribe@example.net>" \
    "List-Post: NO" "Mailing-List: contact l-help@example.net" "X-Mailing-List: l" "X-ML-Name: l"; do
    mkin "${base}$h\n\nHi.\n"
    row "header ${h%%:*}" s@example.net 0 "Ignoring message: mailing list header ${h%%:*}"
done
for a in auto-replied auto-generated "auto-notified; owner-email=x@y" Yes; do
    mkin "${base}Auto-Submitted: $a\n\nHi.\n"
    row "Auto-Submitted: $a" s@example.net 0 "Ignoring message: Auto-Submitted: "
done
mkin "${base}Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x--\n"
row "a delivery report" s@example.net 0 "Ignoring message: a delivery report"
mkin "${base}X-Spam-Flag: YES\n\nHi.\n"
row "X-Spam-Flag: YES" s@example.net 0 "Ignoring message: X-Spam-Flag: YES"
mkin "${base}X-Auto-Response-Suppress: DR, OOF, AutoReply\n\nHi.\n"
row "X-Auto-Response-Suppress: OOF" s@example.net 0 "Ignoring message: X-Auto-Response-Suppress"

# ---- addressed to us? --------------------------------------------------------------------
mkin "From: s@example.net\nTo: other@example.net\nCc: third@example.net\nSubject: hi\n\nHi.\n"
row "To/Cc do not name us (a Bcc or a list)" s@example.net 0 "Ignoring message: To/Cc/Bcc do not name $R or an alias"
mkin "From: s@example.net\nSubject: hi\n\nHi.\n"
row "no To or Cc at all" s@example.net 0 "Ignoring message: To/Cc/Bcc do not name"
mkin "From: s@example.net\nTo: \"$R\" <someone@example.net>\n\nHi.\n"
row "our address only as a display name" s@example.net 0 "Ignoring message: To/Cc/Bcc do not name"

# ---- loops ----------------------------------------------------------------------------------
mkin "Delivered-To: $(echo "$R" | tr a-z A-Z)\n${base}\nHi.\n"
row "our Delivered-To (another case)" s@example.net 0 "Ignoring message: already delivered to $R"
mkin "Delivered-To: $R\n${base}\nHi.\n"
reset_qq
clearmail
deliver ar s@example.net "$T/in"
is "$RC:$(nreplies):$(newmail)" "100:0:0" "our exact Delivered-To: qmail-local bounces it before any program runs"
like "$OUT" "looping" "  ... as a loop"

# ---- the interval ------------------------------------------------------------------------------
mkin "${base}\nHi.\n"
row "first message from a sender" s@example.net 1 "Sent response"
reset_qq
clearmail
deliver ar s@example.net "$T/in"
is "$RC:$(nreplies):$(newmail)" "0:0:1" "a second message within the interval: delivered, not answered"
like "$OUT" "Ignoring message: already answered s@example.net within 3600 seconds" "  ... the report says why"
reset_qq
deliver ar S@EXAMPLE.NET "$T/in"
is "$(nreplies)" 0 "  ... the sender's case does not matter"
deliver ar t@example.net "$T/in"
is "$(nreplies)" 1 "  ... another sender is answered"

# ---- quiet -----------------------------------------------------------------------------------------
qfile .qmail-arq "|qmail-autoresponder -q message.txt ar\n./Maildir/\n"
reset_qq
clearmail
deliver arq "" "$T/in"
is "$RC:$OUT" "0:did 1+0+1" "-q: nothing said"

done_testing
