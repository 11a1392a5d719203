#!/bin/sh
# qmail-smtpd's recipient check (control/rcptcheck, QMAILRCPTCHECK): unknown
# local recipients are refused at RCPT with the lookup a delivery makes
# (locals, virtualdomains, users/cdb exact and wildcard, qmail-getpw and the
# alias user, the .qmail files with the -default cascade) -- and the queue
# agrees: what is accepted is delivered, what is refused would bounce.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"
. "$SUITE_SRC/tests/net/lib.sh"

sandbox_create
C=$QMAILHOME/control
D=$SANDBOX_DOMAIN
U=$SANDBOX_USER
H=$SANDBOX_HOME
T=$SANDBOX/t
mkdir -p "$T"

# users/assign: the user, its extensions, and a virtual-domain prefix
sed -i '$d' "$QMAILHOME/users/assign"
printf '+%s-:%s:%s:%s:%s:-::\n.\n' "$U" "$U" "$SANDBOX_UID" "$SANDBOX_GID" "$H" >>"$QMAILHOME/users/assign"
(cd "$QMAILHOME" && qmail-newu)
ok $? "qmail-newu"
# the alias user of qmail-getpw, from a sandbox passwd file
A=$SANDBOX/alias
mkdir -p "$A/Maildir/new" "$A/Maildir/cur" "$A/Maildir/tmp"
chmod 755 "$A"
printf 'alias:x:%s:%s::%s:/bin/sh\n' "$SANDBOX_UID" "$SANDBOX_GID" "$A" >"$QMAILHOME/users/passwd"
echo "virt.example:$U-v" >"$C/virtualdomains"
printf '%s\n' "$D" virt.example >"$C/rcpthosts"
echo 1 >"$C/rcptcheck"

for f in ext foo-default v-default a:b; do echo "./Maildir/" >"$H/.qmail-$f"; done
echo "./Maildir/" >"$A/.qmail-postmaster"
echo "./Maildir/" >"$A/.qmail-list-default"

NO="550 sorry, no mailbox here by that name (#5.1.1)"
check() { # address [VAR=VALUE]... -> the RCPT reply (no CR)
    _a=$1
    shift
    printf 'MAIL FROM:<s@x>\r\nRCPT TO:<%s>\r\nQUIT\r\n' "$_a" | net_smtpd "$@" 2>"$T/err" | sed -n 3p | tr -d '\r'
}
accepts() { is "$(check "$1")" "250 ok" "$2: $1 accepted"; }
refuses() { is "$(check "$1")" "$NO" "$2: $1 refused"; }

accepts "$U@$D" "an exact user without .qmail (default delivery)"
accepts "$U-ext@$D" ".qmail-ext"
accepts "$U-EXT@SANDBOX.example" "extension and domain in any case"
refuses "$U-missing@$D" "no .qmail-missing, no .qmail-default"
accepts "$U-foo-bar@$D" ".qmail-foo-default (cascade)"
accepts "$U-foo-bar-baz@$D" ".qmail-foo-default, two levels"
refuses "$U-foo@$D" ".qmail-foo-default does not cover foo itself"
accepts "$U-a.b@$D" "a dot in the extension is ':' in the file name"
accepts "x@virt.example" "virtual domain: $U-v-x, .qmail-v-default"
accepts "postmaster@$D" "alias user: .qmail-postmaster"
accepts "Postmaster@$D" "alias user, any case"
accepts "list-request@$D" "alias user: .qmail-list-default"
refuses "nobody@$D" "alias user without a matching .qmail file"
refuses "nodomain" "no @: envnoathost is added, no such user"
accepts "$U" "no @: envnoathost is added"
is "$(check x@elsewhere.example)" "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)" "a foreign domain is rcpthosts' business"
is "$(printf 'MAIL FROM:<s@x>\r\nRCPT TO:<x@elsewhere.example>\r\nQUIT\r\n' | net_smtpd RELAYCLIENT= | sed -n 3p | tr -d '\r')" "250 ok" "a relay client's remote recipient is not checked"
is "$(printf 'MAIL FROM:<s@x>\r\nRCPT TO:<nobody@%s>\r\nQUIT\r\n' "$D" | net_smtpd RELAYCLIENT= | sed -n 3p | tr -d '\r')" "$NO" "... but a local one is"

# switching it on and off
is "$(printf 'MAIL FROM:<s@x>\r\nRCPT TO:<nobody@%s>\r\nQUIT\r\n' "$D" | net_smtpd QMAILRCPTCHECK=0 | sed -n 3p | tr -d '\r')" "250 ok" "QMAILRCPTCHECK=0 turns it off"
rm -f "$C/rcptcheck"
is "$(check "nobody@$D")" "250 ok" "without control/rcptcheck: off (qmail's behaviour)"
is "$(printf 'MAIL FROM:<s@x>\r\nRCPT TO:<nobody@%s>\r\nQUIT\r\n' "$D" | net_smtpd QMAILRCPTCHECK=1 | sed -n 3p | tr -d '\r')" "$NO" "QMAILRCPTCHECK=1 turns it on"
echo 1 >"$C/rcptcheck"

# a .qmail-default in the alias home accepts everything
echo "./Maildir/" >"$A/.qmail-default"
accepts "nobody@$D" "alias .qmail-default"
rm -f "$A/.qmail-default"

# temporary failures
cp "$QMAILHOME/users/cdb" "$T/cdb.good"
printf 'garbage' >"$QMAILHOME/users/cdb"
is "$(check "$U-ext@$D")" "451 unable to verify recipient (#4.3.0)" "a corrupt users/cdb: 451"
cp "$T/cdb.good" "$QMAILHOME/users/cdb"
mv "$QMAILHOME/users/passwd" "$T/passwd"
printf 'someone:x:1:1::/nonexistent:/bin/sh\n' >"$QMAILHOME/users/passwd"
is "$(check "nobody@$D")" "451 unable to verify recipient (#4.3.0)" "no alias user: 451 (the delivery would defer too)"
mv "$T/passwd" "$QMAILHOME/users/passwd"

# without root: the lookups need no privilege (homes searchable, as usual)
chmod 711 "$H"
chmod 644 "$QMAILHOME/users/cdb" "$QMAILHOME/users/passwd"
chmod 755 "$SANDBOX/home"
r=$(printf 'MAIL FROM:<s@x>\r\nRCPT TO:<%s-missing@%s>\r\nRCPT TO:<%s-ext@%s>\r\nQUIT\r\n' "$U" "$D" "$U" "$D" |
    setpriv --reuid=nobody --regid=nogroup --clear-groups env TCPREMOTEIP=192.0.2.7 qmail-smtpd 2>"$T/err" | sed -n '3,4p' | tr -d '\r')
is "$r" "$NO
250 ok" "as nobody: the same answers"
chmod 700 "$H"

# --- the queue agrees ----------------------------------------------------------------------
queue_start
for a in "$U-ext@$D" "$U-foo-bar@$D" "x@virt.example" "postmaster@$D" "list-x@$D" "$U@$D"; do
    printf 'Subject: %s\n\nx\n' "$a" | queue_inject s@x "$a"
done
n=0
while [ "$(queue_count 'delivery [0-9]+: success')" -lt 6 ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
is "$(queue_count 'delivery [0-9]+: success')" 6 "every accepted address is delivered"
is "$(queue_count 'delivery [0-9]+: failure')" 0 "none fails"
for a in "$U-missing@$D" "$U-foo@$D" "nobody@$D" "y@virt.example"; do
    [ "$a" = "y@virt.example" ] && rm -f "$H/.qmail-v-default"
    is "$(check "$a")" "$NO" "refused at RCPT: $a"
    printf 'Subject: %s\n\nx\n' "$a" | queue_inject "" "$a"
done
n=0
while [ "$(queue_count 'delivery [0-9]+: failure')" -lt 4 ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
is "$(queue_count 'delivery [0-9]+: failure: Sorry,_no_mailbox_here_by_that_name._\(#5.1.1\)/')" 4 "... and each would bounce: no mailbox here by that name"
queue_stop
done_testing
