#!/bin/sh
# Embedded mode (-m filterfile, -M name): the statements it forbids, no
# default delivery, EXITCODE and echo as the answer, ~/.mailfilters and its
# -default files, and the maildroprcs directory that lifts the limits.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

H=$SANDBOX_HOME
M=$SANDBOX_MAILDIR

for bad in 'to "/tmp/x"' 'cc "/tmp/x"' 'xfilter "cat"' 'system "true"' 'dotlock "x" {\n}' \
    'flock "x" {\n}' 'logfile "x"' 'log "x"' 'X=`true`'; do
    filter "if (0)\n{\n$bad\n}\nexit\n"
    md -m
    is "$RC" 75 "-m: $(printf '%b' "$bad" | head -1) is refused (even where it never runs)"
done
filter 'if (/^Subject: Hello/)\n{\n  echo "hello seen"\n  EXITCODE=1\n}\n'
md -m
is "$RC:$OUT" '1:hello seen' '-m: the answer is echo and EXITCODE'
is "$(nfiles "$M/new")" 0 '... and nothing is delivered (no default delivery)'
filter 'echo "[$FOO]"\n'
OUT=$(FOO=bar "$MD" -m "$T/filter" <"$MSG")
is "$OUT" '[]' '-m: the environment is not imported'

# -M
mkdir -m 700 "$H/.mailfilters"
printf 'echo "exact $MAILFILTER"\n' >"$H/.mailfilters/lists-work"
printf 'echo "prefix-default"\n' >"$H/.mailfilters/lists-default"
printf 'echo "default"\n' >"$H/.mailfilters/default"
printf 'echo "dotted"\n' >"$H/.mailfilters/a:b"
chmod 600 "$H/.mailfilters/"*
Mrun() { OUT=$("$MD" -M "$1" <"$MSG" 2>"$T/stderr"); RC=$?; ERR=$(cat "$T/stderr"); }
Mrun lists-work
is "$RC:$OUT" '0:exact lists-work' '-M name reads ~/.mailfilters/name'
Mrun lists-other-thing
is "$OUT" 'prefix-default' '... else name-default, stripping one -part at a time'
Mrun nothing
is "$OUT" 'default' '... else default'
Mrun a.b
is "$OUT" 'dotted' '... with . (and /) in the name read as :'
is "$(nfiles "$M/new")" 0 '-M: nothing delivered'
chmod 750 "$H/.mailfilters"
Mrun lists-work
is "$RC" 75 '~/.mailfilters with group permissions: 75'
chmod 700 "$H/.mailfilters"
rm -f "$H/.mailfilters/default" "$H/.mailfilters/lists-default"
Mrun nothing
is "$RC" 75 'no file found for -M: 75'
Mrun /etc/passwd
is "$RC" 75 '-M with a name starting with /: 75'

# maildroprcs lifts the restrictions for its files
mkdir -p "$QMAILHOME/etc/maildroprcs"
printf 'cc "%s"\n' "$M" >"$QMAILHOME/etc/maildroprcs/deliver"
printf 'cc "%s"\n' "$M" >"$QMAILHOME/etc/maildroprcs/with.dot"
filter "include \"$QMAILHOME/etc/maildroprcs/deliver\"\nEXITCODE=0\n"
md -m
is "$RC:$(nfiles "$M/new")" 0:1 'include of a maildroprcs file: cc is allowed there'
rm -f "$M/new/"*
filter "include \"$QMAILHOME/etc/maildroprcs/with.dot\"\n"
md -m
is "$RC:$(nfiles "$M/new")" 75:0 '... not for a name with a dot'
printf 'cc "%s"\n' "$M" >"$T/other"
filter "include \"$T/other\"\n"
md -m
is "$RC:$(nfiles "$M/new")" 75:0 '... nor for a file elsewhere'

done_testing
