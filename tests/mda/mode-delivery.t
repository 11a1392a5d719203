#!/bin/sh
# Delivery mode: no filter file on the command line (or -d user).  The
# system maildroprc ($QMAILHOME/etc/maildroprc in sandbox mode) and
# ~/.mailfilter, the environment not imported, $DEFAULT, the checks on the
# home directory and the filter file, -d through users/cdb, and maildrop
# run from a .qmail file by qmail-local.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

H=$SANDBOX_HOME
M=$SANDBOX_MAILDIR
RC_FILE=$QMAILHOME/etc/maildroprc
mkdir -p "$QMAILHOME/etc"
mkmaildir "$M/.Lists"
touch "$M/.Lists/maildirfolder"

dm() { # run maildrop in delivery mode; sets OUT ERR RC
    OUT=$("$MD" "$@" <"$MSG" 2>"$T/stderr")
    RC=$?
    ERR=$(cat "$T/stderr")
}
mf() { printf '%b' "$1" >"$H/.mailfilter"; chmod 600 "$H/.mailfilter"; }
clean() { rm -f "$M/new/"* "$M/.Lists/new/"* "$H/.mailfilter" "$RC_FILE"; }

dm
is "$RC" 0 'no .mailfilter: exit 0'
is "$(nfiles "$M/new")" 1 '... delivered to $HOME/Maildir/ (the default mailbox)'
clean

mf 'if (/^Subject: Hello/)\n{\n  to "$HOME/Maildir/.Lists/"\n}\n'
dm
is "$RC:$(nfiles "$M/.Lists/new"):$(nfiles "$M/new")" 0:1:0 '.mailfilter routes the message into a folder'
clean

mf 'if (/^Subject: nothing/)\n  to "$HOME/Maildir/.Lists/"\n'
dm
is "$RC:$(nfiles "$M/new")" 0:1 'no rule matched: the default delivery'
clean

mf 'echo "$HOME|$LOGNAME|$DEFAULT|$MAILFILTER|$SHELL|$FOO|$LANG"\nexit\n'
OUT=$(FOO=bar LANG=C.UTF-8 "$MD" <"$MSG" 2>&1)
is "$OUT" "$H|$SANDBOX_USER|$M/|.mailfilter|$(getent passwd "$(id -u)" | cut -d: -f7)||C.UTF-8" \
    'the variables: HOME LOGNAME DEFAULT MAILFILTER SHELL'
clean
mf 'echo "[$FOO] [$LANG]"\nexit\n'
OUT=$(FOO=bar LANG=C.UTF-8 "$MD" <"$MSG" 2>&1)
is "$OUT" '[] [C.UTF-8]' 'the environment is not imported, except LANG, LANGUAGE and LC_*'
mf 'import FOO\necho "[$FOO]"\nexit\n'
OUT=$(FOO=bar "$MD" <"$MSG" 2>&1)
is "$OUT" '[bar]' '... import still reaches it'
mf 'echo "[$VERBOSE]"\nexit\n'
dm -V 5
is "$OUT|$ERR" '[]|' '-V is ignored in delivery mode'
clean

# the filter file's permissions
mf 'to "$HOME/Maildir/.Lists/"\n'
chmod 602 "$H/.mailfilter"
dm
is "$RC:$(nfiles "$M/new"):$(nfiles "$M/.Lists/new")" 75:0:0 'a world-writable .mailfilter: 75, nothing delivered'
like "$ERR" 'world-writable' '... says why'
chmod 620 "$H/.mailfilter"
dm
is "$RC:$(nfiles "$M/.Lists/new")" 0:1 'group-writable is accepted (as Debian'"'"'s maildrop)'
rm -f "$M/.Lists/new/"*
chmod 600 "$H/.mailfilter"
chown nobody "$H/.mailfilter" 2>/dev/null
if [ "$(stat -c %u "$H/.mailfilter")" != "$(id -u)" ]; then
    dm
    is "$RC:$(nfiles "$M/new")" 75:0 'a .mailfilter owned by someone else: 75'
else
    skip 'cannot chown' 1
fi
clean
mkdir "$H/.mailfilter"
dm
is "$RC:$(nfiles "$M/new")" 75:0 'a .mailfilter that is not a file: 75'
rmdir "$H/.mailfilter"

# the home directory
chmod 1700 "$H"
dm
is "$RC:$ERR:$(nfiles "$M/new")" '75::0' 'a sticky home: 75 at once, silently (mail held)'
chmod 707 "$H"
dm
is "$RC:$(nfiles "$M/new")" 75:0 'a world-writable home: 75'
chmod 700 "$H"

# the system maildroprc
printf 'SYSVAR=fromrc\n' >"$RC_FILE"
mf 'echo "[$SYSVAR]"\nexit\n'
dm
is "$OUT" '[fromrc]' 'the system maildroprc runs first'
printf 'exit\n' >"$RC_FILE"
mf 'echo "mailfilter"\n'
dm
is "$RC:$OUT:$(nfiles "$M/new")" '0::0' 'exit in maildroprc: .mailfilter is skipped, nothing delivered'
printf 'to "$HOME/Maildir/.Lists"\n' >"$RC_FILE"
dm
is "$RC:$(nfiles "$M/.Lists/new"):$(nfiles "$M/new")" 0:1:0 'to in maildroprc delivers'
rm -f "$M/.Lists/new/"*
printf 'cc "$HOME/Maildir/.Lists"\n' >"$RC_FILE"
mf 'if (/x/)\n{\n'
dm
is "$RC:$(nfiles "$M/.Lists/new"):$(nfiles "$M/new")" 75:0:0 'a syntax error in .mailfilter: 75 before maildroprc delivers anything'
printf 'if (\n' >"$RC_FILE"
mf 'exit\n'
dm
is "$RC" 75 'a syntax error in maildroprc: 75'
clean

# $DEFAULT
printf './Maildir/.Lists/\n' >"$QMAILHOME/control/defaultdelivery"
mf 'echo $DEFAULT\n'
dm
is "$OUT|$(nfiles "$M/.Lists/new")" "$H/Maildir/.Lists/|1" 'control/defaultdelivery gives DEFAULT'
rm -f "$QMAILHOME/control/defaultdelivery" "$M/.Lists/new/"*
mv "$M" "$H/Maildir.away"
mf 'echo $DEFAULT\nexit\n'
dm
is "$OUT" "/var/mail/$SANDBOX_USER" 'without a Maildir: /var/mail/$LOGNAME'
mv "$H/Maildir.away" "$M"
mf 'DEFAULT=""\n'
dm
is "$RC" 75 'an empty DEFAULT: 75'
like "$ERR" 'DEFAULT mailbox not defined' '... "DEFAULT mailbox not defined."'
clean

# -d user, through users/cdb
V=$SANDBOX/home/virt
mkdir -p "$V"
mkmaildir "$V/Maildir"
chmod 700 "$V"
printf '=virtual:%s:%s:%s:%s:::\n.\n' "$SANDBOX_USER" "$SANDBOX_UID" "$SANDBOX_GID" "$V" >"$QMAILHOME/users/assign"
(cd "$QMAILHOME" && qmail-newu) || fail 'qmail-newu'
printf 'echo "$HOME $LOGNAME"\n' >"$V/.mailfilter"
chmod 600 "$V/.mailfilter"
dm -d virtual
is "$RC:$OUT" "0:$V $SANDBOX_USER" '-d user: found in users/cdb, home from there'
is "$(nfiles "$V/Maildir/new")" 1 '... delivered into that home'
dm -d VIRTUAL
is "$RC" 0 '... the name is looked up in lower case'
dm -d no-such-user-here
is "$RC" 67 '-d unknown user: 67'
dm -d virtual a1 a2
printf 'echo "$1 $2"\nexit\n' >"$V/.mailfilter"
dm -d virtual a1 a2
is "$OUT" 'a1 a2' '-d: the other arguments are $1 $2'

# from a .qmail file, through qmail-local
rm -f "$M/new/"*
mf 'if (/^Subject: Hello/)\n  to "$HOME/Maildir/.Lists/"\n'
printf '| maildrop\n' >"$H/.qmail-md"
OUT=$(qmail-local -- "$SANDBOX_USER" "$H" "$SANDBOX_USER-md" - md example.org s@x.org ./Maildir/ <"$MSG" 2>&1)
is "$?:$(nfiles "$M/.Lists/new")" 0:1 '"| maildrop" in a .qmail file, run by qmail-local'
printf '| preline maildrop\n' >"$H/.qmail-md"
mf 'echo "$FROM"\nexit\n'
OUT=$(qmail-local -- "$SANDBOX_USER" "$H" "$SANDBOX_USER-md" - md example.org sender@x.org ./Maildir/ <"$MSG" 2>&1)
like "$OUT" 'sender@x\.org' '"| preline maildrop": FROM from the Return-Path preline adds'

done_testing
