# reformail-lib.sh -- shared by tests/mda/reformail-*.t (sourced, not run).
#
#   RF        our reformail
#   DEB       Debian's /usr/bin/reformail (maildrop 2.9.3), empty if absent
#   T         a scratch directory, removed at exit
#
#   rf_case NAME INPUT EXPECTED STATUS [ARG]...
#       runs our reformail with ARGs on INPUT: the exit status must be
#       STATUS and the output the bytes of the file EXPECTED; then the same
#       for Debian's reformail (skipped when it is not installed), so that
#       every expected file is known to be what the original writes.
#   rf_ours NAME INPUT EXPECTED STATUS [ARG]...
#       the same for our reformail only (deliberate differences).
#   rf_same NAME INPUT [ARG]...
#       ours and Debian's give the same output and exit status.
#   mk FILE FORMAT [ARG]...   printf FORMAT into $T/FILE
. "$SUITE_SRC/tests/lib/tap.sh"

RF=$SUITE_BUILD/bin/reformail
DEB=/usr/bin/reformail
[ -x "$DEB" ] || DEB=
T=$(mktemp -d "${TMPDIR:-/tmp}/reformail.XXXXXX") || BAIL_OUT "mktemp"
_rf_cleanup() { rm -rf "$T"; }
atexit _rf_cleanup

mk() {
    _mk_f=$1
    shift
    # shellcheck disable=SC2059
    printf "$@" >"$T/$_mk_f"
}

_rf_check() { # label name prog input expected status args...
    _l=$1 _n=$2 _p=$3 _i=$4 _e=$5 _s=$6
    shift 6
    "$_p" "$@" <"$_i" >"$T/.out" 2>"$T/.err"
    _st=$?
    if [ "$_st" = "$_s" ] && cmp -s "$_e" "$T/.out"; then
        pass "$_n ($_l)"
        return 0
    fi
    fail "$_n ($_l)"
    diag "  exit status $_st (expected $_s)" "  stderr: $(cat "$T/.err")"
    diag "  expected:" "$(od -c "$_e" | head -20)" "  got:" "$(od -c "$T/.out" | head -20)"
    return 1
}

rf_case() {
    _c_n=$1 _c_i=$2 _c_e=$3 _c_s=$4
    shift 4
    _rf_check ours "$_c_n" "$RF" "$_c_i" "$_c_e" "$_c_s" "$@"
    if [ -n "$DEB" ]; then
        _rf_check "Debian's reformail" "$_c_n" "$DEB" "$_c_i" "$_c_e" "$_c_s" "$@"
    else
        skip "Debian's reformail is not installed"
    fi
}

rf_ours() {
    _c_n=$1 _c_i=$2 _c_e=$3 _c_s=$4
    shift 4
    _rf_check ours "$_c_n" "$RF" "$_c_i" "$_c_e" "$_c_s" "$@"
}

rf_same() {
    _c_n=$1 _c_i=$2
    shift 2
    if [ -z "$DEB" ]; then
        skip "Debian's reformail is not installed"
        return 0
    fi
    "$DEB" "$@" <"$_c_i" >"$T/.deb" 2>/dev/null
    _c_s=$?
    _rf_check "same as Debian's" "$_c_n" "$RF" "$_c_i" "$T/.deb" "$_c_s" "$@"
}
