#!/bin/sh
# qmail-remote's MX and A lookups through the system resolver, in a private
# network and mount namespace: a scripted DNS server (tests/helpers/
# fakedns.pl) on 127.0.0.1:53 named by a private /etc/resolv.conf, and our
# qmail-smtpd on port 25 of 127.0.0.2 and 127.0.0.3 -- none of it visible
# outside.  Skipped where namespaces cannot be made.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/net/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root for a network namespace"
command -v unshare >/dev/null && command -v ip >/dev/null || skip_all "unshare or ip missing"
command -v tcpserver >/dev/null || skip_all "ucspi-tcp is not installed"
unshare -m -n sh -c 'ip link set lo up && mount --bind /dev/null /dev/null' 2>/dev/null ||
    skip_all "network and mount namespaces are not available here"

sandbox_create
C=$QMAILHOME/control
T=$SANDBOX/t
mkdir -p "$T"
R=$SANDBOX/recv
net_home "$R" recv.example
printf 'Subject: dns\n\nhello\n' >"$T/m"

cat >"$T/zone" <<'EOF'
mx.example MX 10 mx1.mx.example
mx.example MX 20 mx2.mx.example
mx1.mx.example A 127.0.0.2
mx2.mx.example A 127.0.0.3
down.example MX 10 dead.down.example
down.example MX 20 mx2.mx.example
dead.down.example A 127.0.0.4
aonly.example A 127.0.0.3
nx.example NXDOMAIN
fail.example SERVFAIL
self.example MX 10 me.self.example
self.example MX 20 mx1.mx.example
me.self.example A 127.0.0.1
selfb.example MX 5 mx1.mx.example
selfb.example MX 10 me.self.example
nullmx.example MX 0 .
cname.example CNAME aonly.example
soft.example MX 10 fail.example
multi.example MX 10 two.multi.example
two.multi.example A 127.0.0.4
two.multi.example A 127.0.0.2
relay.example A 127.0.0.3
relay.example MX 10 mx1.mx.example
noaddr.example MX 10 empty.example
empty.example MX 10 mx1.mx.example
EOF
cut -d' ' -f1 "$T/zone" | sort -u >"$R/control/rcpthosts"
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n' >"$T/resolv.conf"
printf 'routed.example:relay.example\n' >"$C/smtproutes"
echo routed.example >>"$R/control/rcpthosts"

cases="mx down aonly nx fail self selfb nullmx cname soft multi routed noaddr"
cat >"$T/ns.sh" <<EOF
cd "$SANDBOX" || exit 1
ip link set lo up || exit 1
mount --bind "$T/resolv.conf" /etc/resolv.conf || exit 1
perl "$SUITE_SRC/tests/helpers/fakedns.pl" 127.0.0.1 53 "$T/zone" "$T/dns.ready" &
pids=\$!
for ip in 127.0.0.2 127.0.0.3; do
    tcpserver -R -H -l "mx-\$ip" \$ip 25 env QMAILHOME="$R" qmail-smtpd 2>/dev/null &
    pids="\$pids \$!"
done
n=0
until [ -f "$T/dns.ready" ] &&
    perl -MIO::Socket::INET -e 'exit(IO::Socket::INET->new(PeerAddr => "127.0.0.2:25") && IO::Socket::INET->new(PeerAddr => "127.0.0.3:25") ? 0 : 1)'; do
    n=\$((n + 1)); [ \$n -gt 200 ] && break; sleep 0.05
done
for c in $cases; do
    qmail-remote "\$c.example" s@x "u@\$c.example" <"$T/m" | perl -pe 's/\\0/\\\\0/g' >"$T/out.\$c"
done
kill \$pids
wait
EOF
unshare -m -n sh "$T/ns.sh" >"$T/ns.log" 2>&1
ok $? "the namespace part ran"
o() { sed 's/250 ok [0-9]* qp [0-9]*/250 ok T qp P/' "$T/out.$1"; }
K() { printf 'r\\0K%s accepted message.\nRemote host said: 250 ok T qp P\n\\0' "$1"; }

is "$(o mx)" "$(K 127.0.0.2)" "MX: the lowest preference first"
is "$(o down)" "$(K 127.0.0.3)" "the best MX refuses connections: the next one"
is "$(o aonly)" "$(K 127.0.0.3)" "no MX records: the A record"
is "$(o nx)" 'DSorry, I couldn'"'"'t find any host named nx.example. (#5.1.2)
\0' "NXDOMAIN: D"
is "$(o fail)" 'ZSorry, I couldn'"'"'t find any host by that name. (#4.1.2)
\0' "SERVFAIL: Z"
is "$(o self)" "DSorry. Although I'm listed as a best-preference MX or A for that host,
it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)
\\0" "this host is the best MX: never to myself"
is "$(o selfb)" "$(K 127.0.0.2)" "an MX better than this host is used"
is "$(o nullmx)" 'DSorry, I couldn'"'"'t find a mail exchanger or IP address. (#5.4.4)
\0' "a null MX: no mail exchanger"
is "$(o cname)" "$(K 127.0.0.3)" "a CNAME to a host with an A record"
is "$(o soft)" 'ZSorry, I couldn'"'"'t find any host by that name. (#4.1.2)
\0' "the only MX cannot be looked up (temporary): Z"
is "$(o multi)" "$(K 127.0.0.2)" "an MX with two A records: the second after the first refuses"
is "$(o routed)" "$(K 127.0.0.3)" "smtproutes relay by name: its A record, not its MX"
is "$(o noaddr)" 'DSorry, I couldn'"'"'t find a mail exchanger or IP address. (#5.4.4)
\0' "an MX without an A record"
[ -s "$T/ns.log" ] && diag "$(cat "$T/ns.log")"
done_testing
