# lib.sh -- helpers for tests/net/*.t (POSIX sh; source after sandbox.sh).
#
#   net_port PID              sets NET_PORT to the TCP port PID listens on
#                             (127.0.0.1, read from /proc; waits up to 10 s)
#   net_tcpserver [OPT]... -- PROG [ARG]...
#                             tcpserver OPT... $NET_BIND 0 PROG... in the
#                             background (port 0: the kernel picks one;
#                             NET_BIND defaults to 127.0.0.1); sets NET_PORT
#                             and NET_TCPSERVER_PID
#   net_fake STEP...          tests/helpers/smtpfake.pl serving one
#                             connection; sets FAKE_PORT, FAKE_PID, FAKE_LOG
#   net_blackhole             a port whose connections time out; sets
#                             HOLE_PORT, HOLE_PID
#   net_wait_gone PID [SECS]  waits until PID has exited (default 20 s)
#   net_stop PID              TERM, then waits
#   net_smtpd [VAR=VALUE]...  qmail-smtpd on stdin/stdout with the TCP*
#                             variables of a client 192.0.2.7 = client.example
#                             talking to sandbox.example (and the others unset)
#   net_home DIR DOMAIN       a second qmail home (a receiving host) at DIR
#                             with me = locals = rcpthosts = DOMAIN
#   net_remote HOST SENDER RCPT...  qmail-remote with the message on stdin;
#                             prints its reports with each NUL as "\0"
#   net_mask                  filter: "250 ok <time> qp <pid>" -> "250 ok T qp P"
#   net_queue_clear           removes every queued message (no queue running)
#   net_mess / net_todo       the one queued message / its todo file (bytes)
#   net_queued                how many messages are queued
#   net_postfix_start         Debian's postfix as a sink on a free loopback
#                             port (PF_PORT), delivering every recipient into
#                             the Maildir $PF_MAIL; returns 1 if postfix is
#                             not installed or does not start
#   net_postfix_stop

NET_FAKE=$SUITE_SRC/tests/helpers/smtpfake.pl

net_port() {
    _np_i=0
    while [ "$_np_i" -lt 200 ]; do
        for _np_fd in /proc/"$1"/fd/*; do
            _np_l=$(readlink "$_np_fd" 2>/dev/null) || continue
            case $_np_l in socket:\[*\]) ;; *) continue ;; esac
            _np_ino=${_np_l#socket:[}
            _np_ino=${_np_ino%]}
            _np_hex=$(awk -v ino="$_np_ino" '$4 == "0A" && $10 == ino { split($2, a, ":"); print a[2]; exit }' \
                "/proc/$1/net/tcp" 2>/dev/null)
            if [ -n "$_np_hex" ]; then
                NET_PORT=$(printf '%d' "0x$_np_hex")
                return 0
            fi
        done
        sleep 0.05
        _np_i=$((_np_i + 1))
    done
    return 1
}

net_tcpserver() {
    _nt_opts=
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        _nt_opts="$_nt_opts $1"
        shift
    done
    shift
    # shellcheck disable=SC2086
    sandbox_spawn tcpserver $_nt_opts "${NET_BIND:-127.0.0.1}" 0 "$@"
    NET_TCPSERVER_PID=$SANDBOX_PID
    net_port "$NET_TCPSERVER_PID"
}

net_fake() {
    FAKE_LOG=$SANDBOX/fake.log.$$.${_nf_n:=0}
    _nf_n=$((_nf_n + 1))
    rm -f "$SANDBOX/fake.port"
    : >"$FAKE_LOG"
    sandbox_spawn perl "$NET_FAKE" serve "$SANDBOX/fake.port" "$FAKE_LOG" "$@"
    FAKE_PID=$SANDBOX_PID
    _nf_i=0
    while [ ! -s "$SANDBOX/fake.port" ] && [ "$_nf_i" -lt 400 ]; do
        sleep 0.05
        _nf_i=$((_nf_i + 1))
    done
    FAKE_PORT=$(cat "$SANDBOX/fake.port")
}

net_blackhole() {
    rm -f "$SANDBOX/hole.port"
    sandbox_spawn perl "$NET_FAKE" blackhole "$SANDBOX/hole.port"
    HOLE_PID=$SANDBOX_PID
    _nb_i=0
    while [ ! -s "$SANDBOX/hole.port" ] && [ "$_nb_i" -lt 400 ]; do
        sleep 0.05
        _nb_i=$((_nb_i + 1))
    done
    HOLE_PORT=$(cat "$SANDBOX/hole.port")
}

net_wait_gone() {
    _nw_i=0
    _nw_max=$(( ${2:-20} * 20 ))
    while kill -0 "$1" 2>/dev/null; do
        _nw_s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
        [ "$_nw_s" = Z ] && break
        _nw_i=$((_nw_i + 1))
        [ "$_nw_i" -gt "$_nw_max" ] && return 1
        sleep 0.05
    done
    wait "$1" 2>/dev/null
    return 0
}

net_stop() {
    kill -TERM "$1" 2>/dev/null
    net_wait_gone "$1" 10
}

net_smtpd() {
    env -u RELAYCLIENT -u DATABYTES -u TCPREMOTEINFO -u TCPLOCALIP -u QMAILQUEUE \
        -u QMAILRCPTCHECK TCPREMOTEIP=192.0.2.7 TCPREMOTEHOST=client.example \
        TCPLOCALHOST=sandbox.example "$@" qmail-smtpd
}

net_home() {
    sh "$SUITE_SRC/queue/qmail-setup.sh" -u "$1" >&2 || return 1
    for _nh_f in "$SUITE_BUILD"/bin/*; do ln -s "$_nh_f" "$1/bin/${_nh_f##*/}" || return 1; done
    for _nh_c in me locals rcpthosts; do printf '%s\n' "$2" >"$1/control/$_nh_c"; done
}

net_remote() {
    qmail-remote "$@" | perl -pe 's/\0/\\0/g'
}

net_mask() {
    sed 's/^250 ok [0-9]* qp [0-9]*\(\r*\)$/250 ok T qp P\1/'
}

net_queue_clear() {
    find "$QMAILHOME/queue/mess" "$QMAILHOME/queue/todo" "$QMAILHOME/queue/intd" \
        -type f -exec rm -f {} + 2>/dev/null
    return 0
}

net_queued() {
    find "$QMAILHOME/queue/mess" -type f | wc -l | tr -d ' '
}

net_mess() {
    for _nm_f in $(find "$QMAILHOME/queue/mess" -type f); do cat "$_nm_f"; done
}

net_todo() {
    for _nm_f in $(find "$QMAILHOME/queue/todo" -type f); do cat "$_nm_f"; done
}

net_free_port() {
    perl -MSocket -e 'socket(S, PF_INET, SOCK_STREAM, 0) or die; bind(S, pack_sockaddr_in(0, inet_aton("127.0.0.1"))) or die; print((unpack_sockaddr_in(getsockname(S)))[0], "\n")'
}

PF_DIR=
net_postfix_start() {
    command -v postfix >/dev/null 2>&1 && [ -x /usr/lib/postfix/sbin/master ] || return 1
    id postfix >/dev/null 2>&1 || return 1
    PF_DIR=$SANDBOX/postfix
    PF_MAIL=$PF_DIR/mail/box
    mkdir -p "$PF_DIR/etc" "$PF_DIR/spool" "$PF_DIR/data" "$PF_DIR/mail" || return 1
    chown postfix "$PF_DIR/data" "$PF_DIR/mail" || return 1
    chmod 755 "$PF_DIR"
    _pf_try=0
    while [ $_pf_try -lt 5 ]; do
        PF_PORT=$(net_free_port)
        cat >"$PF_DIR/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_DIR/spool
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = sink.example
mydomain = sink.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = check_recipient_access inline:{ { nobody@sink.example = REJECT no such user } }, permit_mynetworks, reject
virtual_mailbox_domains = static:all
virtual_mailbox_base = $PF_DIR/mail
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = 1
maillog_file_prefixes = $PF_DIR
maillog_file = $PF_DIR/maillog
smtputf8_enable = no
biff = no
disable_dns_lookups = yes
smtpd_banner = \$myhostname ESMTP sink
EOF
        cat >"$PF_DIR/etc/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000    0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
        if postfix -c "$PF_DIR/etc" start >/dev/null 2>&1; then
            _pf_i=0
            while [ $_pf_i -lt 200 ]; do
                if perl -MIO::Socket::INET -e 'exit(IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") ? 0 : 1)' "$PF_PORT"; then
                    atexit net_postfix_stop
                    return 0
                fi
                sleep 0.05
                _pf_i=$((_pf_i + 1))
            done
            postfix -c "$PF_DIR/etc" abort >/dev/null 2>&1
        fi
        _pf_try=$((_pf_try + 1))
    done
    return 1
}

net_postfix_stop() {
    [ -n "$PF_DIR" ] && [ -f "$PF_DIR/etc/main.cf" ] || return 0
    postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1
    # wait for the master to go (its pid file), then make sure
    _ps_pid=$(tr -d ' ' <"$PF_DIR/spool/pid/master.pid" 2>/dev/null)
    if [ -n "$_ps_pid" ]; then
        net_wait_gone "$_ps_pid" 10 || kill -KILL "$_ps_pid" 2>/dev/null
    fi
    PF_DIR=
    return 0
}
