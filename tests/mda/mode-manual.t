#!/bin/sh
# Manual mode (a filter file on the command line) and the options: the
# environment imported, $1.., FROM (-f, Return-Path, MAILER-DAEMON), -A,
# -V, the filter file's checks, bad options.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

mdf 'echo "[$FOO] [$1] [$2] [$MAILFILTER]"\nexit\n'
OUT=$(FOO=bar "$MD" "$T/filter" one two <"$MSG" 2>&1)
is "$OUT" "[bar] [one] [two] [$T/filter]" 'manual mode: environment imported, $1 $2, MAILFILTER'
mdf 'echo "$HOME $PATH $LOCKEXT $LOCKSLEEP $LOCKTIMEOUT $LOCKREFRESH $UMASK [$MAILDIRQUOTA]"\nexit\n'
OUT=$(PATH=$PATH LOCKEXT=x UMASK=000 MAILDIRQUOTA=5S "$MD" "$T/filter" <"$MSG" 2>&1)
is "$OUT" "$HOME $QMAILHOME/bin:/bin:/usr/bin:/usr/local/bin .lock 5 60 15 077 []" 'the reset variables are never imported'

mdf 'echo $FROM\nexit\n'
is "$OUT" 'bob@example.org' 'FROM from the first Return-Path'
md -f 'x@y.example'
is "$OUT" 'x@y.example' '-f sets FROM'
md -fglued@y.example
is "$OUT" 'glued@y.example' '-fvalue glued'
md -f ''
is "$OUT" 'bob@example.org' '-f "" is ignored'
printf 'Subject: none\n\nbody\n' >"$T/norp"
OUT=$("$MD" "$T/filter" <"$T/norp")
is "$OUT" 'MAILER-DAEMON' 'no Return-Path: MAILER-DAEMON'
printf 'From bob@x Fri Nov 20 10:00:00 2026\nReturn-Path: <rp@x.example>\nSubject: s\n\nb\n' >"$T/fromline"
OUT=$("$MD" "$T/filter" <"$T/fromline")
is "$OUT" 'rp@x.example' 'an mbox From_ line first: Return-Path is still found'
printf 'Return-Path: <>\n\nb\n' >"$T/nullrp"
OUT=$("$MD" "$T/filter" <"$T/nullrp")
is "$OUT" '' 'Return-Path: <> gives an empty FROM'

mdf 'if (/^X-A: 1/)\necho seen\nexit\n'
md -A 'X-A: 1'
is "$OUT" seen '-A headers are seen by patterns'
md -A'X-A: 1'
is "$OUT" seen '-A glued'

# -V: debugging on stderr, VERBOSE set
mdf 'X=(/^Subject/)\necho "[$VERBOSE]"\nexit\n'
md -V 3
is "$OUT" '[3]' '-V sets VERBOSE'
like "$ERR" 'on the header: matched' '... and maildrop tells what it does on stderr'
md
is "$ERR" '' 'no -V: nothing on stderr'
mdf 'VERBOSE=9\nX=(/^Subject/)\nexit\n'
like "$ERR" 'matched' 'VERBOSE set by the filter'
md -V 9
like "$ERR" 'Tokenized' '-V 9 shows the tokens'

# the filter file
md
"$MD" "$T/nonexistent" <"$MSG" 2>"$T/stderr"
is "$?" 75 'a missing filter file: 75'
like "$(cat "$T/stderr")" 'nonexistent' '... naming it'
chmod 666 "$T/filter"
md
is "$RC" 75 'a world-writable filter file: 75'
chmod 600 "$T/filter"
mkdir "$T/dir.filter"
"$MD" "$T/dir.filter" <"$MSG" 2>/dev/null
is "$?" 75 'a filter file that is a directory: 75'

# options
md -Z
is "$RC" 75 'an unknown option: 75'
like "$ERR" 'Bad command line arguments' '... "Bad command line arguments"'
md -h
is "$RC" 75 '-h: usage, 75'
OUT=$("$MD" -v)
is "$?" 0 '-v: version, 0'
like "$OUT" '2\.9' '... naming the maildrop it is compatible with'
"$MD" -d <"$MSG" 2>/dev/null
is "$?" 75 '-d without a value: 75'
md -D 1/1
if [ "$(id -u)" = 0 ]; then is "$RC" 0 '-D uid/gid is accepted for root'; else is "$RC" 75 '-D needs root'; fi
mdf 'echo "[$1]"\nexit\n'
OUT=$("$MD" -- "$T/filter" -x <"$MSG")
is "$OUT" '[-x]' '-- ends the options'

done_testing
