# The network: swaks (Debian) speaks SMTP to qmail-smtpd under tcpserver
# on a loopback port; the running queue delivers the message into the
# user's Maildir.
. "$SUITE_SRC/tests/net/lib.sh"
cd "$SANDBOX" || exit 1
if ! command -v tcpserver >/dev/null || ! command -v swaks >/dev/null; then
    say "skipped: needs ucspi-tcp and swaks (make deps)"
    exit 0
fi
printf '127.0.0.1:allow,RELAYCLIENT=""\n:deny\n' >"$SANDBOX/tcp.smtp"
tcprules "$SANDBOX/tcp.smtp.cdb" "$SANDBOX/tcp.smtp.tmp" <"$SANDBOX/tcp.smtp" || exit 1
show "$SANDBOX/tcp.smtp"
net_tcpserver -R -H -l "$SANDBOX_DOMAIN" -x "$SANDBOX/tcp.smtp.cdb" -- qmail-smtpd || exit 1
say "tcpserver runs qmail-smtpd on 127.0.0.1:$NET_PORT"
before=$(ls "$SANDBOX_MAILDIR/new" | wc -l)
say "swaks sends a message to $SANDBOX_USER@$SANDBOX_DOMAIN (pipelined)"
swaks --server 127.0.0.1 --port "$NET_PORT" --helo client.example --from friend@example.org \
    --to "$SANDBOX_USER@$SANDBOX_DOMAIN" --pipeline --no-hints \
    --header "Subject: hello over SMTP" --body "This came in through qmail-smtpd." || exit 1
n=0
while [ "$(ls "$SANDBOX_MAILDIR/new" | wc -l)" -le "$before" ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
f=$(grep -l 'Subject: hello over SMTP' "$SANDBOX_MAILDIR"/new/* 2>/dev/null | head -1)
[ -n "$f" ] || { echo "demo: the message did not arrive" >&2; exit 1; }
say "qmail-send's log for it"
tail -n 6 "$SANDBOX/send.log"
say "delivered into the Maildir: $(basename "$f")"
cat "$f"
net_stop "$NET_TCPSERVER_PID"
