# tap.sh -- a small TAP producer for POSIX-sh test scripts.
#
#   . "$SUITE_SRC/tests/lib/tap.sh"
#
#   plan N                  announce N tests (or call done_testing at the end)
#   plan skip_all REASON    skip the whole file (prints "1..0 # SKIP", exits 0)
#   skip_all REASON         the same
#   ok STATUS NAME          passes when STATUS is 0, a shell exit status:
#                               test -p "$f"; ok $? "trigger is a FIFO"
#   ok_run NAME CMD [ARG]...  runs CMD; passes when it exits 0
#   pass NAME / fail NAME   an unconditional result
#   is GOT EXPECTED NAME    string equality; on failure shows got/expected,
#                           or a unified diff when a value has several lines
#   isnt GOT UNEXPECTED NAME
#   like GOT ERE NAME       GOT (all its lines as one string) matches the
#   unlike GOT ERE NAME     extended regular expression ERE (awk syntax)
#   skip REASON [COUNT]     records COUNT (default 1) skipped tests
#   diag MSG...             each MSG (and each line of it) as "# line" on
#                           stderr, which the harness shows
#   note MSG...             the same on stdout (seen in verbose mode)
#   BAIL_OUT REASON         stops the whole run
#   done_testing [N]        prints the plan if none was given, checks the
#                           count and exits: 0 if all passed, else the number
#                           of failures (at most 254), 255 on a wrong count
#
# If the script ends without done_testing, the exit status is still made
# non-zero when a test failed.  Do not use "set -e" in a test script: a
# failing check returns 1, and the script must go on.  Variables: TAP_RUN (tests run so far),
# TAP_FAILED (failures so far).  Internal names start with _tap.

if [ -n "${_TAP_SH_LOADED:-}" ]; then
    return 0
fi
_TAP_SH_LOADED=1

if [ -z "${SUITE_SRC:-}" ]; then
    echo "tap.sh: SUITE_SRC is not set" >&2
    exit 255
fi
. "$SUITE_SRC/tests/lib/atexit.sh"

TAP_RUN=0
TAP_FAILED=0
_tap_plan=
_tap_done=

_tap_clean_name() {
    # a name must stay on one line and must not start a TAP directive
    case $1 in
    *'#'* | *'
'*)
        printf '%s' "$1" | tr '\n' ' ' | sed 's/#/\\#/g' ;;
    *)  printf '%s' "$1" ;;
    esac
}

_tap_result() { # 0|1 name
    TAP_RUN=$((TAP_RUN + 1))
    _tap_n=$(_tap_clean_name "${2:-}")
    if [ "$1" -eq 0 ]; then
        echo "ok $TAP_RUN${_tap_n:+ - $_tap_n}"
        return 0
    fi
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_RUN${_tap_n:+ - $_tap_n}"
    if [ -n "$_tap_n" ]; then
        diag "  Failed test '$_tap_n'"
    else
        diag "  Failed test $TAP_RUN"
    fi
    return 1
}

diag() {
    printf '%s\n' "$@" | sed 's/^/# /' >&2
}

note() {
    printf '%s\n' "$@" | sed 's/^/# /'
}

plan() {
    if [ -n "$_tap_plan" ]; then
        BAIL_OUT "plan given twice"
    fi
    case ${1:-} in
    skip_all)
        shift
        skip_all "$*" ;;
    '' | *[!0-9]*)
        BAIL_OUT "plan: not a number: '${1:-}'" ;;
    esac
    _tap_plan=$1
    echo "1..$1"
}

skip_all() {
    if [ "$TAP_RUN" -gt 0 ]; then
        BAIL_OUT "skip_all after $TAP_RUN tests: $*"
    fi
    echo "1..0 # SKIP $(_tap_clean_name "$*")"
    _tap_plan=0
    _tap_done=1
    exit 0
}

BAIL_OUT() {
    echo "Bail out! $(_tap_clean_name "$*")"
    _tap_done=1
    exit 255
}

ok() {
    case ${1:-} in
    '' | *[!0-9]*)
        _tap_result 1 "${2:-}"
        diag "  ok: the first argument must be an exit status, got '${1:-}'"
        return 1 ;;
    esac
    if [ "$1" -eq 0 ]; then _tap_result 0 "${2:-}"; else _tap_result 1 "${2:-}"; fi
}

ok_run() {
    _tap_name=$1
    shift
    "$@"
    _tap_st=$?
    if [ "$_tap_st" -eq 0 ]; then
        _tap_result 0 "$_tap_name"
        return 0
    fi
    _tap_result 1 "$_tap_name"
    diag "  command: $*" "  exit status: $_tap_st"
    return 1
}

pass() { _tap_result 0 "${1:-}"; }
fail() { _tap_result 1 "${1:-}"; }

_tap_show() { # label value
    case $2 in
    *'
'*) diag "$(printf '%13s:' "$1")" "$(printf '%s\n' "$2" | sed 's/^/    /')" ;;
    *)  diag "$(printf '%13s: ' "$1")'$2'" ;;
    esac
}

is() {
    if [ "$1" = "$2" ]; then
        _tap_result 0 "${3:-}"
        return 0
    fi
    _tap_result 1 "${3:-}"
    case $1$2 in
    *'
'*)
        _tap_d=$(mktemp -d "${TMPDIR:-/tmp}/tap.XXXXXX") || return 1
        printf '%s\n' "$2" >"$_tap_d/expected"
        printf '%s\n' "$1" >"$_tap_d/got"
        diag "  diff -u expected got:" "$(cd "$_tap_d" && diff -u expected got | sed '1,2d')"
        rm -rf "$_tap_d" ;;
    *)
        _tap_show got "$1"
        _tap_show expected "$2" ;;
    esac
    return 1
}

isnt() {
    if [ "$1" != "$2" ]; then
        _tap_result 0 "${3:-}"
        return 0
    fi
    _tap_result 1 "${3:-}"
    _tap_show got "$1"
    diag "    expected: anything else"
    return 1
}

_tap_match() { # string ere
    printf '%s' "$1" | _TAP_RE=$2 awk '
        BEGIN { re = ENVIRON["_TAP_RE"] }
        { s = (NR > 1) ? s "\n" $0 : $0 }
        END { exit !(s ~ re) }'
}

like() {
    if _tap_match "$1" "$2"; then
        _tap_result 0 "${3:-}"
        return 0
    fi
    _tap_result 1 "${3:-}"
    _tap_show got "$1"
    _tap_show "doesn't match" "$2"
    return 1
}

unlike() {
    if ! _tap_match "$1" "$2"; then
        _tap_result 0 "${3:-}"
        return 0
    fi
    _tap_result 1 "${3:-}"
    _tap_show got "$1"
    _tap_show matches "$2"
    return 1
}

skip() {
    _tap_why=$(_tap_clean_name "${1:-}")
    _tap_k=${2:-1}
    while [ "$_tap_k" -gt 0 ]; do
        TAP_RUN=$((TAP_RUN + 1))
        echo "ok $TAP_RUN # skip${_tap_why:+ $_tap_why}"
        _tap_k=$((_tap_k - 1))
    done
}

done_testing() {
    if [ -n "${1:-}" ]; then
        if [ -n "$_tap_plan" ] && [ "$_tap_plan" != "$1" ]; then
            diag "done_testing($1) disagrees with plan($_tap_plan)"
        fi
        [ -n "$_tap_plan" ] || { _tap_plan=$1; echo "1..$1"; }
    elif [ -z "$_tap_plan" ]; then
        _tap_plan=$TAP_RUN
        echo "1..$TAP_RUN"
    fi
    _tap_done=1
    if [ "$TAP_RUN" -ne "$_tap_plan" ]; then
        diag "Looks like you planned $_tap_plan tests but ran $TAP_RUN."
        exit 255
    fi
    if [ "$TAP_FAILED" -gt 0 ]; then
        diag "Looks like you failed $TAP_FAILED test(s) of $TAP_RUN."
        [ "$TAP_FAILED" -gt 254 ] && exit 254
        exit "$TAP_FAILED"
    fi
    exit 0
}

_tap_atexit() {
    [ -n "$_tap_done" ] && return 0
    if [ "$TAP_FAILED" -gt 0 ] && [ "$_atexit_status" -eq 0 ]; then
        _atexit_status=1
    fi
    if [ -z "$_tap_plan" ] && [ "$TAP_RUN" -gt 0 ]; then
        diag "Tests were run but no plan was declared and done_testing was not seen."
        [ "$_atexit_status" -eq 0 ] && _atexit_status=254
    elif [ -n "$_tap_plan" ] && [ "$TAP_RUN" -ne "$_tap_plan" ]; then
        diag "Looks like you planned $_tap_plan tests but ran $TAP_RUN."
        [ "$_atexit_status" -eq 0 ] && _atexit_status=255
    fi
    return 0
}
atexit _tap_atexit
