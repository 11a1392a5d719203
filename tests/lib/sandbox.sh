# sandbox.sh -- a throwaway qmail home for one test script (POSIX sh).
#
#   . "$SUITE_SRC/tests/lib/tap.sh"        (optional, but usual)
#   . "$SUITE_SRC/tests/lib/sandbox.sh"
#   sandbox_create                         in the main shell, not in $(...)
#   ...
#   sandbox_destroy                        optional: also runs at exit
#
# sandbox_create makes a fresh directory $SANDBOX (mktemp) holding
#
#   $SANDBOX/qmail          QMAILHOME, made by "qmail-setup.sh -u"
#     bin/*                 symbolic links to $SUITE_BUILD/bin/*
#     control/me            sandbox.example ($SANDBOX_DOMAIN)
#     control/locals        sandbox.example
#     control/rcpthosts     sandbox.example
#     users/assign          "=<user>:<user>:<uid>:<gid>:<home>:::" and "."
#                           (not compiled: run qmail-newu for users/cdb)
#   $SANDBOX/home/<user>    the invoking user's home ($SANDBOX_HOME), mode 0700
#     Maildir/{cur,new,tmp} ($SANDBOX_MAILDIR), no .qmail file
#
# and exports SANDBOX, QMAILHOME, SANDBOX_USER, SANDBOX_UID, SANDBOX_GID,
# SANDBOX_HOME, SANDBOX_MAILDIR, SANDBOX_DOMAIN, and PATH with
# $QMAILHOME/bin first (so the suite's programs win over system ones).
#
# sandbox_spawn CMD [ARG]...  starts CMD in the background with stdin
#     /dev/null and stdout and stderr appended to $SANDBOX/spawn.log (never
#     the TAP stream; for other redirections spawn "sh -c '...'"), sets
#     SANDBOX_PID to its pid and remembers it.
# sandbox_destroy  stops remembered processes (TERM, then KILL after 5 s),
#     then any other process whose working directory is inside $SANDBOX,
#     and removes $SANDBOX.  It is registered to run at exit, HUP, INT, TERM.
#
# Needs SUITE_SRC and SUITE_BUILD (set by "make check").  Like tap.sh, it
# is not meant for scripts running under "set -e".

if [ -n "${_SANDBOX_SH_LOADED:-}" ]; then
    return 0
fi
_SANDBOX_SH_LOADED=1

if [ -z "${SUITE_SRC:-}" ] || [ -z "${SUITE_BUILD:-}" ]; then
    echo "sandbox.sh: SUITE_SRC and SUITE_BUILD must be set" >&2
    exit 255
fi
. "$SUITE_SRC/tests/lib/atexit.sh"

SANDBOX_DOMAIN=${SANDBOX_DOMAIN:-sandbox.example}
_sandbox_pids=
_sandbox_dir=

_sandbox_fail() {
    echo "sandbox.sh: $*" >&2
    if command -v BAIL_OUT >/dev/null 2>&1; then
        BAIL_OUT "sandbox: $*"
    fi
    exit 255
}

sandbox_create() {
    [ -z "$_sandbox_dir" ] || _sandbox_fail "sandbox_create called twice"
    SANDBOX=$(mktemp -d "${TMPDIR:-/tmp}/sandbox.XXXXXX") ||
        _sandbox_fail "mktemp failed"
    _sandbox_dir=$SANDBOX
    export SANDBOX
    atexit sandbox_destroy
    chmod 755 "$SANDBOX" || _sandbox_fail "chmod $SANDBOX"

    QMAILHOME=$SANDBOX/qmail
    export QMAILHOME
    sh "$SUITE_SRC/queue/qmail-setup.sh" -u "$QMAILHOME" >&2 ||
        _sandbox_fail "qmail-setup.sh -u $QMAILHOME failed"
    for _sb_f in "$SUITE_BUILD"/bin/*; do
        [ -e "$_sb_f" ] || continue
        ln -s "$_sb_f" "$QMAILHOME/bin/${_sb_f##*/}" ||
            _sandbox_fail "cannot link $_sb_f"
    done

    printf '%s\n' "$SANDBOX_DOMAIN" >"$QMAILHOME/control/me" &&
        printf '%s\n' "$SANDBOX_DOMAIN" >"$QMAILHOME/control/locals" &&
        printf '%s\n' "$SANDBOX_DOMAIN" >"$QMAILHOME/control/rcpthosts" ||
        _sandbox_fail "cannot write control files"

    SANDBOX_USER=$(id -un) && SANDBOX_UID=$(id -u) && SANDBOX_GID=$(id -g) ||
        _sandbox_fail "id failed"
    SANDBOX_HOME=$SANDBOX/home/$SANDBOX_USER
    SANDBOX_MAILDIR=$SANDBOX_HOME/Maildir
    export SANDBOX_DOMAIN SANDBOX_USER SANDBOX_UID SANDBOX_GID SANDBOX_HOME SANDBOX_MAILDIR
    mkdir -p "$SANDBOX_MAILDIR/cur" "$SANDBOX_MAILDIR/new" "$SANDBOX_MAILDIR/tmp" &&
        chmod 755 "$SANDBOX/home" &&
        chmod 700 "$SANDBOX_HOME" "$SANDBOX_MAILDIR" "$SANDBOX_MAILDIR/cur" \
            "$SANDBOX_MAILDIR/new" "$SANDBOX_MAILDIR/tmp" ||
        _sandbox_fail "cannot make $SANDBOX_MAILDIR"

    # qmail-users(5): =local:user:uid:gid:homedir:dash:ext:
    printf '=%s:%s:%s:%s:%s:::\n.\n' "$SANDBOX_USER" "$SANDBOX_USER" \
        "$SANDBOX_UID" "$SANDBOX_GID" "$SANDBOX_HOME" >"$QMAILHOME/users/assign" ||
        _sandbox_fail "cannot write users/assign"

    PATH=$QMAILHOME/bin:$PATH
    export PATH
}

sandbox_spawn() {
    [ -n "$_sandbox_dir" ] || _sandbox_fail "sandbox_spawn before sandbox_create"
    "$@" </dev/null >>"$_sandbox_dir/spawn.log" 2>&1 &
    SANDBOX_PID=$!
    _sandbox_pids="$_sandbox_pids $SANDBOX_PID"
}

# A process is gone when /proc has no entry or it is a zombie.
_sandbox_alive() {
    [ -r "/proc/$1/stat" ] || return 1
    _sb_stat=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    case $_sb_stat in
    Z* | X* | '') return 1 ;;
    esac
    return 0
}

_sandbox_stop_pids() { # pid...
    [ $# -gt 0 ] || return 0
    for _sb_p in "$@"; do kill -TERM "$_sb_p" 2>/dev/null; done
    _sb_i=0
    while [ "$_sb_i" -lt 100 ]; do
        _sb_any=
        for _sb_p in "$@"; do
            if _sandbox_alive "$_sb_p"; then _sb_any=1; break; fi
        done
        [ -n "$_sb_any" ] || break
        sleep 0.05
        _sb_i=$((_sb_i + 1))
    done
    for _sb_p in "$@"; do
        if _sandbox_alive "$_sb_p"; then kill -KILL "$_sb_p" 2>/dev/null; fi
    done
    for _sb_p in "$@"; do wait "$_sb_p" 2>/dev/null; done
    return 0
}

# pids of this shell and its ancestors: never to be killed
_sandbox_ancestors() {
    read -r _sb_p _sb_rest </proc/self/stat
    while [ -n "$_sb_p" ] && [ "$_sb_p" != 0 ]; do
        echo "$_sb_p"
        _sb_p=$(sed 's/.*) //' "/proc/$_sb_p/stat" 2>/dev/null | cut -d' ' -f2)
    done
}

_sandbox_stragglers() {
    _sb_keep=" $$ $(_sandbox_ancestors | tr '\n' ' ') "
    find /proc/[0-9]*/cwd -maxdepth 0 \
        \( -lname "$SANDBOX" -o -lname "$SANDBOX/*" \) 2>/dev/null |
        while IFS=/ read -r _ _ _sb_p _; do
            case $_sb_keep in *" $_sb_p "*) continue ;; esac
            echo "$_sb_p"
        done
}

sandbox_destroy() {
    [ -n "$_sandbox_dir" ] || return 0
    SANDBOX=$_sandbox_dir
    case $PWD in
    "$SANDBOX" | "$SANDBOX"/*) cd / ;;
    esac
    # shellcheck disable=SC2086
    _sandbox_stop_pids $_sandbox_pids
    _sandbox_pids=
    # shellcheck disable=SC2046
    _sandbox_stop_pids $(_sandbox_stragglers)
    # a test may have left directories without write or search permission
    find "$SANDBOX" -type d ! -perm -700 -exec chmod u+rwx {} + 2>/dev/null
    rm -rf "$SANDBOX" || echo "sandbox.sh: cannot remove $SANDBOX" >&2
    SANDBOX=
    _sandbox_dir=
    return 0
}
