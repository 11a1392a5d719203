# lib.sh -- shared set-up for the tests/local/*.t scripts (POSIX sh).
#
#   . "$SUITE_SRC/tests/local/lib.sh"
#
# Loads tap.sh and sandbox.sh, creates the sandbox, and defines:
#   H            the user's home ($SANDBOX_HOME), mode 0700
#   MSG          a small message file (write others with mkmsg)
#   mkmsg FILE TEXT   writes TEXT (printf %b) to FILE
#   ql [ARG...]  runs qmail-local with stdin from $MSG; sets OUT (stdout and
#                stderr together) and RC.  Arguments are passed as given.
#   qlx LOCAL DASH EXT [SENDER [DOMAIN [DEFAULT]]]
#                ql with the usual user and home: qmail-local -- user $H
#                LOCAL DASH EXT DOMAIN SENDER DEFAULT (DOMAIN defaults to
#                example.org, SENDER to s@x.org, DEFAULT to ./Maildir/)
#   newmail      the names of the files in $SANDBOX_MAILDIR/new (sorted)
#   clearmail    empties $SANDBOX_MAILDIR/new
#   qfile NAME TEXT   writes .qmail file $H/NAME (mode 0600) with TEXT (%b)

. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

H=$SANDBOX_HOME
MSG=$SANDBOX/msg
printf 'Subject: test\n\nbody line\n' >"$MSG"

mkmsg() { printf '%b' "$2" >"$1"; }

ql() {
    OUT=$(qmail-local "$@" <"$MSG" 2>&1)
    RC=$?
}

qlx() {
    ql -- "$SANDBOX_USER" "$H" "$1" "$2" "$3" "${5:-example.org}" "${4-s@x.org}" "${6:-./Maildir/}"
}

newmail() { ls "$SANDBOX_MAILDIR/new" | sort; }
clearmail() { rm -f "$SANDBOX_MAILDIR/new/"* "$SANDBOX_MAILDIR/tmp/"*; }

qfile() {
    printf '%b' "$2" >"$H/$1" && chmod 600 "$H/$1"
}
