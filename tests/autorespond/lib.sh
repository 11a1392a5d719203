# lib.sh -- shared set-up for the tests/autorespond/*.t scripts (POSIX sh).
#
#   . "$SUITE_SRC/tests/autorespond/lib.sh"
#
# Loads tap.sh and sandbox.sh, creates the sandbox, and defines:
#   H, U, D      the user's home, login and the sandbox domain
#   T            a scratch directory
#   QMAILQUEUE   a recorder: each queued message goes to $QQ_DIR/m.<pid>,
#                its envelope to $QQ_DIR/e.<pid>; it sleeps $QQ_SLEEP seconds
#                first if set, and exits $QQ_EXIT (default 0)
#   reset_qq     empties $QQ_DIR
#   nreplies     prints how many messages were queued
#   reply        prints the queued message (the only one, or the newest)
#   renvelope    prints its envelope with NULs as '|'
#   normalize    (filter) replaces the Date and Message-ID values by DATE, MSGID
#   qfile NAME TEXT    writes the .qmail file $H/NAME (printf %b), mode 0600
#   deliver EXT SENDER MSGFILE
#                runs qmail-local for $U-EXT@$D (the .qmail-EXT file) with
#                envelope sender SENDER and the message from MSGFILE; sets
#                OUT (its output) and RC (its exit code)
#   newmail      how many messages are in $SANDBOX_MAILDIR/new
#   clearmail    empties it

. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

H=$SANDBOX_HOME
U=$SANDBOX_USER
D=$SANDBOX_DOMAIN
T=$SANDBOX/t
mkdir "$T" || exit 1
QQ_DIR=$T/qq
export QQ_DIR
mkdir "$QQ_DIR" || exit 1
cat >"$T/qq.sh" <<'END'
#!/bin/sh
[ -n "$QQ_SLEEP" ] && sleep "$QQ_SLEEP"
cat >"$QQ_DIR/.m.$$" || exit 54
cat <&1 >"$QQ_DIR/.e.$$" || exit 54
[ "${QQ_EXIT:-0}" = 0 ] || exit "$QQ_EXIT"
mv "$QQ_DIR/.e.$$" "$QQ_DIR/e.$$" && mv "$QQ_DIR/.m.$$" "$QQ_DIR/m.$$"
END
chmod 755 "$T/qq.sh"
QMAILQUEUE=$T/qq.sh
export QMAILQUEUE

reset_qq() { rm -f "$QQ_DIR"/m.* "$QQ_DIR"/e.* "$QQ_DIR"/.m.* "$QQ_DIR"/.e.*; }
nreplies() { ls "$QQ_DIR" | grep -c '^m\.'; }
_newest() { ls -t "$QQ_DIR" | grep "^$1\\." | head -1; }
reply() { _r=$(_newest m); [ -n "$_r" ] && cat "$QQ_DIR/$_r"; }
renvelope() { _r=$(_newest e); [ -n "$_r" ] && tr '\000' '|' <"$QQ_DIR/$_r"; }
normalize() { sed -e 's/^Date: .*/Date: DATE/' -e 's/^Message-ID: <[0-9]*\.[0-9]*\.autoreply@/Message-ID: <MSGID@/'; }

qfile() { printf '%b' "$2" >"$H/$1" && chmod 600 "$H/$1"; }

deliver() {
    OUT=$(qmail-local -- "$U" "$H" "$U-$1" - "$1" "$D" "$2" ./Maildir/ <"$3" 2>&1)
    RC=$?
}

newmail() { ls "$SANDBOX_MAILDIR/new" | wc -l | tr -d ' '; }
clearmail() { rm -f "$SANDBOX_MAILDIR/new/"* "$SANDBOX_MAILDIR/tmp/"*; }
