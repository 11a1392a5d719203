# maildrop-lib.sh -- shared set-up for the maildrop tests (tests/mda/lang-*,
# deliver-*, mode-*, bad-*, explain-*.t).  POSIX sh, sourced.
#
# Loads tap.sh and sandbox.sh, creates the sandbox, exports HOME as the
# sandbox user's home (so manual mode never falls back to a real home),
# and defines:
#   MD            our maildrop
#   T             a scratch directory
#   MSG           a small message (mkmsg writes others)
#   mkmsg FILE TEXT   writes TEXT (printf %b) to FILE
#   filter TEXT   writes TEXT (printf %b) to $T/filter (mode 600)
#   md [ARG...]   runs "$MD ARG... $T/filter" with stdin from $MSG; sets
#                 OUT (stdout), ERR (stderr) and RC
#   mdf TEXT [ARG...]   filter TEXT, then md ARG...
#   mkmaildir DIR     a Maildir (tmp new cur)
#   nfiles DIR        how many files DIR holds
#   REAL          Debian's maildrop 2.9 if installed, else empty
#   real [ARG...] runs "$REAL ARG... $T/filter" like md; sets ROUT RERR RRC
#   stripmaildrop N   prints the stderr of a syntax error with the file
#                     name removed

. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

MD=$SUITE_BUILD/bin/maildrop
T=$SANDBOX/t
mkdir -p "$T"
HOME=$SANDBOX_HOME
export HOME
unset MAILDROP_OLD_REGEXP VERBOSE MAILDIRQUOTA
MSG=$T/msg
printf 'Return-Path: <bob@example.org>\nFrom: "Alice A" <alice@example.org>\nTo: Bob <bob@example.org>, carol@example.org (Carol C)\nSubject: Hello\n folded  again\n\nBody line 1\nBody line 2\n' >"$MSG"

mkmsg() { printf '%b' "$2" >"$1"; }

filter() {
    printf '%b' "$1" >"$T/filter"
    chmod 600 "$T/filter"
}

md() {
    OUT=$("$MD" "$@" "$T/filter" <"$MSG" 2>"$T/stderr")
    RC=$?
    ERR=$(cat "$T/stderr")
}

mdf() {
    filter "$1"
    shift
    md "$@"
}

mkmaildir() { mkdir -p "$1/tmp" "$1/new" "$1/cur"; }

nfiles() { find "$1" -maxdepth 1 -type f | wc -l | tr -d ' '; }

REAL=
if [ -x /usr/bin/maildrop ] && /usr/bin/maildrop -v 2>&1 | grep -q '^maildrop 2\.9'; then
    REAL=/usr/bin/maildrop
fi

real() {
    ROUT=$("$REAL" "$@" "$T/filter" <"$MSG" 2>"$T/rstderr")
    RRC=$?
    RERR=$(cat "$T/rstderr")
}
