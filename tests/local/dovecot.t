#!/bin/sh
# A real reader of what qmail-local delivers: Dovecot's doveadm lists and
# fetches the messages from our Maildir and from our mbox file.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"

if ! command -v doveadm >/dev/null || ! command -v dovecot >/dev/null; then
    skip_all "dovecot-core is not installed (make deps installs it)"
fi
sandbox_create
H=$SANDBOX_HOME
U=$SANDBOX_USER

deliver() { # target subject body
    printf 'From: a@example.org\nSubject: %s\n\n%b' "$2" "$3" |
        qmail-local -- "$U" "$H" "$U" "" "" example.org "s$2@x.org" "$1" >/dev/null
}
deliver ./Maildir/ "first" 'line one\n'
deliver ./Maildir/ "second" 'From the start\n>From quoted\n'
deliver ./Maildir/ "third" 'no final newline'
deliver ./mbox "m-one" 'From here\nbody\n'
deliver ./mbox "m-two" '>From there\n'
deliver ./mbox "m-three" 'last'
is "$(ls "$SANDBOX_MAILDIR/new" | wc -l | tr -d ' ')" 3 "three Maildir deliveries"

# Dovecot refuses uid 0, so it reads a copy owned by nobody
DV=$SANDBOX/dv
mkdir -p "$DV/maildir-root" "$DV/mbox-root" "$DV/run" "$DV/state"
cp -a "$SANDBOX_MAILDIR" "$DV/maildir-root/Maildir"
cp "$H/mbox" "$DV/mbox-root/inbox"
chown -R nobody:nogroup "$DV"
chmod 755 "$SANDBOX" "$DV"
cat >"$DV/dovecot.conf" <<EOF
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
ssl = no
protocols =
default_login_user = nobody
default_internal_user = nobody
default_internal_group = nogroup
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$DV allow_all_users=yes
}
passdb {
  driver = static
  args = nopassword=y
}
EOF
sandbox_spawn dovecot -F -c "$DV/dovecot.conf"
n=0
while [ ! -S "$DV/run/auth-userdb" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
ok "$([ -S "$DV/run/auth-userdb" ] && echo 0 || echo 1)" "dovecot started"

DA="doveadm -c $DV/dovecot.conf"
MD="mail_location=maildir:$DV/maildir-root/Maildir:INDEX=MEMORY"
MB="mail_location=mbox:$DV/mbox-root:INBOX=$DV/mbox-root/inbox:INDEX=MEMORY"

is "$($DA -o "$MD" fetch -u tester uid ALL 2>&1 | grep -c '^uid: ')" 3 "doveadm lists 3 messages in the Maildir"
is "$($DA -o "$MD" fetch -u tester 'hdr.subject' ALL 2>&1 | grep '^hdr' | sort)" "hdr.subject: first
hdr.subject: second
hdr.subject: third" "doveadm reads the Maildir subjects"
like "$($DA -o "$MD" fetch -u tester 'hdr.return-path hdr.delivered-to' ALL 2>&1)" \
    "hdr.return-path: <sfirst@x.org>" "Return-Path as qmail-local wrote it"
got=$($DA -o "$MD" fetch -u tester body HEADER Subject second 2>&1)
is "$got" "body:
From the start
>From quoted" "Maildir bodies are stored unquoted"

is "$($DA -o "$MB" fetch -u tester uid ALL 2>&1 | grep -c '^uid: ')" 3 "doveadm lists 3 messages in the mbox"
is "$($DA -o "$MB" fetch -u tester 'hdr.subject' ALL 2>&1 | grep '^hdr')" "hdr.subject: m-one
hdr.subject: m-two
hdr.subject: m-three" "doveadm reads the mbox subjects in order"
got=$($DA -o "$MB" fetch -u tester body HEADER Subject m-three 2>&1)
is "$got" "body:
last" "the partial last line was completed and separated"
like "$($DA -o "$MB" fetch -u tester 'hdr.delivered-to' HEADER Subject m-one 2>&1)" \
    "hdr.delivered-to: $U@example.org" "mbox message keeps Delivered-To"

$DA stop >/dev/null 2>&1
done_testing
