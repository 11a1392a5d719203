# atexit.sh -- one exit trap shared by the test libraries (POSIX sh).
#
# A shell has a single EXIT trap, so tap.sh, sandbox.sh and mariadb.sh all
# register their clean-up here instead of calling trap themselves:
#
#   atexit 'some_function'      run at exit, last registered runs first
#
# The hooks run once, on normal exit and on HUP, INT or TERM (the script then
# exits 129, 130 or 143).  A hook may change the final exit status by
# assigning _atexit_status.  Register only idempotent commands: they may also
# have been called explicitly before exit.
#
# Sourced more than once, it does nothing the second time.  Traps are not
# inherited by subshells, so call the libraries' start functions in the main
# shell, never inside $(...) or ( ... ).

if [ -n "${_ATEXIT_SH_LOADED:-}" ]; then
    return 0
fi
_ATEXIT_SH_LOADED=1
_atexit_cmds=
_atexit_status=0

atexit() {
    # newest first, so clean-up runs in reverse order of set-up
    if [ -z "$_atexit_cmds" ]; then
        _atexit_cmds=$1
    else
        _atexit_cmds="$1
$_atexit_cmds"
    fi
}

_atexit_run() {
    _atexit_status=$1
    trap - EXIT HUP INT TERM
    _atexit_list=$_atexit_cmds
    _atexit_cmds=
    _atexit_ifs=$IFS
    IFS='
'
    set -f
    for _atexit_c in $_atexit_list; do
        IFS=$_atexit_ifs
        set +f
        eval "$_atexit_c" || :
    done
    IFS=$_atexit_ifs
    set +f
    exit "$_atexit_status"
}

trap '_atexit_run "$?"' EXIT
trap '_atexit_run 129' HUP
trap '_atexit_run 130' INT
trap '_atexit_run 143' TERM
