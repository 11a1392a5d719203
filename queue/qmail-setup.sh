#!/bin/sh
# qmail-setup -- create or repair a qmail home tree (see qmail-setup(8)).
#
#   qmail-setup -s HOME   system mode, as root: qmail's users and groups, and
#                         the tree with qmail 1.03's owners and modes
#   qmail-setup -u HOME   sandbox mode: the same tree and modes, everything
#                         owned by the invoking user, no users created
#
# Running it again repairs owners and modes and creates what is missing; it
# never removes a file and keeps the contents of queue/lock/tcpto when that
# file has the right size.  Exit codes: 0 done, 100 usage, 111 failure.
set -eu

prog=qmail-setup
split=23

die() {
    echo "$prog: fatal: $*" >&2
    exit 111
}

usage() {
    echo "usage: $prog -s HOME (system mode, as root) | -u HOME (sandbox mode)" >&2
    exit 100
}

mode=
qh=
while getopts s:u: opt; do
    case $opt in
    s) mode=system; qh=$OPTARG ;;
    u) mode=sandbox; qh=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
[ -n "$mode" ] || usage
case $qh in
/*) ;;
'') usage ;;
*) die "HOME must be an absolute path: $qh" ;;
esac
# drop trailing slashes (but keep "/" itself)
while :; do
    case $qh in
    */) [ "$qh" = / ] && break; qh=${qh%/} ;;
    *) break ;;
    esac
done
[ "$qh" != / ] || die "refusing to use / as the qmail home"

# ---- users and groups (system mode) -----------------------------------------
# qmail's conf-users and conf-groups, with the homes of qmail's INSTALL.ids
groups_needed="qmail nofiles"
users_needed="alias qmaild qmaill qmailp qmailq qmailr qmails"

user_group() {
    case $1 in
    alias | qmaild | qmaill | qmailp) echo nofiles ;;
    *) echo qmail ;;
    esac
}

user_home() {
    case $1 in
    alias) echo "$qh/alias" ;;
    *) echo "$qh" ;;
    esac
}

have_group() { getent group "$1" >/dev/null 2>&1; }
have_user() { getent passwd "$1" >/dev/null 2>&1; }

make_ids() {
    command -v getent >/dev/null 2>&1 || die "getent not found"
    command -v groupadd >/dev/null 2>&1 || die "groupadd not found (install the passwd package)"
    command -v useradd >/dev/null 2>&1 || die "useradd not found (install the passwd package)"
    nologin=
    for s in /usr/sbin/nologin /sbin/nologin /bin/false; do
        if [ -x "$s" ]; then nologin=$s; break; fi
    done
    [ -n "$nologin" ] || die "no nologin shell found"
    for g in $groups_needed; do
        if ! have_group "$g"; then
            groupadd -r "$g" || die "cannot create group $g"
            echo "$prog: created group $g"
        fi
    done
    for u in $users_needed; do
        if ! have_user "$u"; then
            useradd -r -M -g "$(user_group "$u")" -d "$(user_home "$u")" \
                -s "$nologin" -c "qmail $u" "$u" ||
                die "cannot create user $u"
            echo "$prog: created user $u"
        fi
    done
}

# ---- tree helpers ---------------------------------------------------------------
# owner: a user name; in sandbox mode owners are ignored (files stay the
# invoking user's) and the group is left alone too.
own() { # path owner
    if [ "$mode" = system ]; then
        chown "$2:qmail" "$1" || die "cannot chown $2:qmail $1"
    fi
}

set_mode() { # path mode
    chmod "$2" "$1" || die "cannot chmod $2 $1"
}

dir() { # path owner mode
    if [ -L "$1" ] && [ ! -e "$1" ]; then
        die "$1 is a dangling symbolic link"
    fi
    if [ -e "$1" ] && [ ! -d "$1" ]; then
        die "$1 exists but is not a directory"
    fi
    if [ ! -d "$1" ]; then
        mkdir "$1" || die "cannot create directory $1"
    fi
    own "$1" "$2"
    set_mode "$1" "$3"
}

split_dir() { # path owner mode
    dir "$1" "$2" "$3"
    i=0
    while [ "$i" -lt "$split" ]; do
        dir "$1/$i" "$2" "$3"
        i=$((i + 1))
    done
}

zero_file() { # path size owner mode
    if [ -e "$1" ] || [ -L "$1" ]; then
        [ -f "$1" ] && [ ! -L "$1" ] || die "$1 exists but is not a regular file"
    fi
    size=-1
    [ -f "$1" ] && size=$(wc -c <"$1" | tr -d ' ')
    if [ "$size" != "$2" ]; then
        tmp="$1.setup.$$"
        rm -f "$tmp"
        if [ "$2" -gt 0 ]; then
            dd if=/dev/zero of="$tmp" bs="$2" count=1 2>/dev/null ||
                { rm -f "$tmp"; die "cannot write $tmp"; }
        else
            : >"$tmp" || die "cannot create $tmp"
        fi
        mv -f "$tmp" "$1" || { rm -f "$tmp"; die "cannot rename $tmp to $1"; }
    fi
    own "$1" "$3"
    set_mode "$1" "$4"
}

fifo() { # path owner mode
    if [ -e "$1" ] || [ -L "$1" ]; then
        [ -p "$1" ] && [ ! -L "$1" ] || die "$1 exists but is not a named pipe"
    else
        mkfifo "$1" || die "cannot create named pipe $1"
    fi
    own "$1" "$2"
    set_mode "$1" "$3"
}

# installed programs: qmail's modes; our other programs are 0755.  Only
# regular files are touched (a sandbox's bin/ holds symbolic links into the
# build tree, which must not be changed).
prog_mode() {
    case $1 in
    qmail-queue) echo 4711 ;;
    qmail-lspawn | qmail-start | qmail-newu | qmail-newmrh) echo 0700 ;;
    qmail-getpw | qmail-local | qmail-remote | qmail-rspawn | qmail-clean | \
        qmail-send | qmail-todo | splogger | qmail-pw2u | qmail-popup) echo 0711 ;;
    *) echo 0755 ;;
    esac
}

programs() {
    for f in "$qh"/bin/*; do
        [ -f "$f" ] && [ ! -L "$f" ] || continue
        name=${f##*/}
        m=$(prog_mode "$name")
        if [ "$name" = qmail-queue ]; then
            own "$f" qmailq
        else
            own "$f" root
        fi
        # chown clears the set-user-ID bit, so the mode comes second
        set_mode "$f" "$m"
    done
}

# ---- main ---------------------------------------------------------------------
if [ "$mode" = system ]; then
    [ "$(id -u)" -eq 0 ] || die "system mode (-s) needs root; use -u HOME for a sandbox home"
    make_ids
fi

parent=${qh%/*}
[ -n "$parent" ] || parent=/
if [ ! -d "$parent" ]; then
    mkdir -p "$parent" || die "cannot create directory $parent"
fi

umask 022
dir "$qh" root 0755
dir "$qh/bin" root 0755
dir "$qh/control" root 0755
dir "$qh/users" root 0755
dir "$qh/alias" alias 2755

q=$qh/queue
dir "$q" qmailq 0750
dir "$q/pid" qmailq 0700
dir "$q/intd" qmailq 0700
split_dir "$q/todo" qmailq 0750 # todo/0..22: split like mess (intd stays flat)
dir "$q/bounce" qmails 0700
split_dir "$q/mess" qmailq 0750
split_dir "$q/info" qmails 0700
split_dir "$q/local" qmails 0700
split_dir "$q/remote" qmails 0700
dir "$q/lock" qmailq 0750
# recycled queue files (pool.h): one pool per owner; a queue without them
# works, it only allocates and frees an inode per queue file
dir "$q/poolq" qmailq 0700
dir "$q/pools" qmails 0700
zero_file "$q/lock/tcpto" 1024 qmailr 0644
zero_file "$q/lock/sendmutex" 0 qmails 0600
fifo "$q/lock/trigger" qmails 0622

programs
exit 0
