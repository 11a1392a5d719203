#!/bin/sh
# mariadb-serve.sh -- one MariaDB server for a whole test run (tests/run.pl).
#
#   sh tests/lib/mariadb-serve.sh      (SUITE_SRC set)
#
# Starts a server with tests/lib/mariadb.sh, prints its variables on stdout
# as NAME=VALUE lines (MARIADB_HOST, _PORT, _SOCKET, _USER, _PASSWORD, _DB,
# _PID, _DIR), then the line "ready", and keeps the server until its
# standard input reaches end of file; then it stops the server and removes
# its directory.  If no server can be started it prints "skip REASON" (no
# mariadb-server and no way to install it) or "failed" and exits.
. "$SUITE_SRC/tests/lib/mariadb.sh"
mariadb_start >&2
st=$?
if [ "$st" -eq 2 ]; then
    echo "skip ${MARIADB_SKIP:-mariadb-server is not available}"
    exit 0
elif [ "$st" -ne 0 ]; then
    echo failed
    exit 1
fi
for v in HOST PORT SOCKET USER PASSWORD DB PID DIR; do
    eval "printf 'MARIADB_%s=%s\n' $v \"\$MARIADB_$v\""
done
echo ready
cat >/dev/null
mariadb_stop
exit 0
