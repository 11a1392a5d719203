# lib.sh -- shared set-up for the tests/inject/*.t scripts (POSIX sh).
#
#   . "$SUITE_SRC/tests/inject/lib.sh"
#
# Loads tap.sh and sandbox.sh and creates the sandbox with control/me =
# bench.example (the domain of the reference transcripts), then defines:
#   qi VAR=value... CMD ARG...   runs CMD in a clean environment: only PATH,
#                QMAILHOME, USER=joe and the given assignments
#   mask         filter: generated Date and Message-ID stamps (only those in
#                qmail-inject's own format) become DATE and STAMP.PID
#   expect       filter for expected text from a here-document: appends '|'
#   QQ           a recording queue program ($QQ_DIR/msg, $QQ_DIR/env, exit
#                $QQ_EXIT); reset_qq empties $QQ_DIR; envelope prints the
#                envelope with each NUL shown as '|'
#
# Comparisons are made on "output|" so that a missing or extra final
# newline is seen.

. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
SANDBOX_DOMAIN=bench.example
sandbox_create

qi() { env -i PATH="$PATH" QMAILHOME="$QMAILHOME" USER=joe "$@"; }

mask() {
    sed -E -e 's/^((Resent-)?Date: )[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} -0000$/\1DATE/' \
        -e 's/^((Resent-)?Message-ID: <)[0-9]{14}\.[0-9]+\.qmail@/\1STAMP.PID.qmail@/'
}

expect() { cat; printf '|'; }

QQ_DIR=$SANDBOX/qq
QQ=$SANDBOX/qq.sh
export QQ_DIR
cat >"$QQ" <<'END'
#!/bin/sh
cat >"$QQ_DIR/msg" || exit 54
cat <&1 >"$QQ_DIR/env" || exit 54
exit "${QQ_EXIT:-0}"
END
chmod 755 "$QQ"
reset_qq() { rm -rf "$QQ_DIR"; mkdir "$QQ_DIR"; }
envelope() { tr '\000' '|' <"$QQ_DIR/env"; }
