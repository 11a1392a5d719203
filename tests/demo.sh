#!/bin/sh
# make demo: builds a sandbox home and shows, part by part, what the suite
# does there.  Each part is a file tests/demo/NN-<area>.sh, sourced in
# order with the sandbox (and the running queue) set up by this script;
# a part prints what it does with `say` and shows files with `show`.
set -u
BUILD=${1:?usage: demo.sh BUILD_DIR}
SUITE_SRC=$(cd "$(dirname "$0")/.." && pwd)
SUITE_BUILD=$BUILD
export SUITE_SRC SUITE_BUILD
[ -x "$BUILD/bin/qmail-queue" ] || { echo "demo: run make first" >&2; exit 1; }

. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/lib/queue.sh"

say() { printf '\n== %s\n' "$*"; }
show() { for f in "$@"; do printf -- '--- %s\n' "$f"; cat "$f"; done; }

sandbox_create
# the user's extension addresses user-<ext>@sandbox.example go to ~/.qmail-<ext>
sed -i '$d' "$QMAILHOME/users/assign"
printf '+%s-:%s:%s:%s:%s:-::\n.\n' "$SANDBOX_USER" "$SANDBOX_USER" "$SANDBOX_UID" "$SANDBOX_GID" \
    "$SANDBOX_HOME" >>"$QMAILHOME/users/assign"
(cd "$QMAILHOME" && qmail-newu) || exit 1
printf './Maildir/\n' >"$SANDBOX_HOME/.qmail"
# the queue runs for every part of the demo
queue_start
export QUEUE_LOG QUEUE_PID
say "sandbox home: QMAILHOME=$QMAILHOME (removed when the demo ends)"
(cd "$QMAILHOME" && find . -maxdepth 2 -not -path './bin/*' | sort | sed 's/^/  /')
show "$QMAILHOME/control/me" "$QMAILHOME/users/assign"

status=0
for part in "$SUITE_SRC"/tests/demo/[0-9]*.sh; do
    [ -f "$part" ] || continue
    say "part: $(basename "$part" .sh)"
    if ! ( . "$part" ); then
        echo "demo: part $(basename "$part") failed" >&2
        status=1
    fi
done
queue_stop >/dev/null 2>&1
say "done"
exit $status
