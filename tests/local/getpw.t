#!/bin/sh
# qmail-getpw (qmail.md 4.2): longest user prefix before a '-', the checks
# on a candidate, the alias fallback, the output format.  The sandbox's
# users/passwd serves as the user database.
. "$SUITE_SRC/tests/local/lib.sh"

PW=$QMAILHOME/users/passwd
HB=$SANDBOX/home
mkdir -p "$HB/nqbench" "$HB/a" "$HB/a-b" "$HB/other" "$HB/long31" "$HB/long32" "$QMAILHOME/alias"
OTHER_UID=$((SANDBOX_UID + 1))
l31=$(awk 'BEGIN { for (i = 0; i < 31; i++) printf "l" }')
l32=${l31}l
{
    printf 'nqbench:x:%s:%s::%s:/bin/sh\n' "$SANDBOX_UID" "$SANDBOX_GID" "$HB/nqbench"
    printf 'a:x:%s:%s::%s:/bin/sh\n' "$SANDBOX_UID" "$SANDBOX_GID" "$HB/a"
    printf 'a-b:x:%s:%s::%s:/bin/sh\n' "$SANDBOX_UID" "$SANDBOX_GID" "$HB/a-b"
    printf 'other:x:%s:%s::%s:/bin/sh\n' "$OTHER_UID" "$SANDBOX_GID" "$HB/other"
    printf 'gone:x:%s:%s::%s:/bin/sh\n' "$SANDBOX_UID" "$SANDBOX_GID" "$HB/gone"
    printf '%s:x:%s:%s::%s:/bin/sh\n' "$l31" "$SANDBOX_UID" "$SANDBOX_GID" "$HB/long31"
    printf '%s:x:%s:%s::%s:/bin/sh\n' "$l32" "$SANDBOX_UID" "$SANDBOX_GID" "$HB/long32"
    printf 'alias:x:%s:%s::%s:/bin/sh\n' "$SANDBOX_UID" "$SANDBOX_GID" "$QMAILHOME/alias"
} >"$PW"

gp() { OUT=$(qmail-getpw "$@" | tr '\000' '|'); RC=$?; }
ID="$SANDBOX_UID|$SANDBOX_GID"

gp nqbench-foo-bar
is "$OUT" "nqbench|$ID|$HB/nqbench|-|foo-bar|" "user-ext: six NUL-terminated fields"
gp nqbench
is "$OUT" "nqbench|$ID|$HB/nqbench|||" "exact user: empty dash and ext"
gp NQBench-X.y
is "$OUT" "nqbench|$ID|$HB/nqbench|-|X.y|" "the user name is looked up in lower case, ext kept"
gp nqbench-
is "$OUT" "nqbench|$ID|$HB/nqbench|-||" "a trailing '-': dash -, empty ext"
gp a-b-c
is "$OUT" "a-b|$ID|$HB/a-b|-|c|" "the longest prefix wins (a-b before a)"
gp a-x
is "$OUT" "a|$ID|$HB/a|-|x|" "a shorter prefix when the longer is no user"
gp other
is "$OUT" "alias|$ID|$QMAILHOME/alias|-|other|" "a home not owned by the user: no match"
gp gone-x
is "$OUT" "alias|$ID|$QMAILHOME/alias|-|gone-x|" "a missing home: no match"
gp "$l31"
is "$OUT" "$l31|$ID|$HB/long31|||" "a 31-byte user name matches"
gp "$l32"
is "$OUT" "alias|$ID|$QMAILHOME/alias|-|$l32|" "a 32-byte user name does not"
gp nosuch-user
is "$OUT" "alias|$ID|$QMAILHOME/alias|-|nosuch-user|" "no user: the alias user, ext = the whole local part"
gp ''
is "$OUT" "alias|$ID|$QMAILHOME/alias|-||" "the empty local part goes to the alias user"
gp -- -x
is "$OUT" "alias|$ID|$QMAILHOME/alias|-|--|" "'--' is a local part like any other"
grep -v '^alias:' "$PW" >"$PW.new" && mv "$PW.new" "$PW"
qmail-getpw nosuch >/dev/null
is "$?" 116 "no alias user: exit 116"
qmail-getpw
is "$?" 100 "no argument: exit 100"

done_testing
