#!/bin/sh
# Maildir++ quotas: MAILDIRQUOTA and maildirsize, the 26-byte size lines,
# over quota (75, nothing delivered), folders charging their parent, and
# the -w quota warning.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

M=$T/Maildir
mkmaildir "$M"
mkmaildir "$M/.Sub"
touch "$M/.Sub/maildirfolder"
size=$(wc -c <"$MSG" | tr -d ' ')

mdf "MAILDIRQUOTA=\"1000S,5C\"\nto \"$M\"\n"
is "$RC" 0 'MAILDIRQUOTA: the first delivery'
is "$(cat "$M/maildirsize")" "$(printf '1000S,5C\n%12s %12s\n%12s %12s' 0 0 $size 1)" 'maildirsize: the quota line, the usage found, the delivery (12-column numbers)'
mdf "to \"$M\"\n"
is "$RC" 0 'a quota in maildirsize applies without MAILDIRQUOTA'
is "$(sed -n 4p "$M/maildirsize")" "$(printf '%12s %12s' $size 1)" '... a delivery appends "size 1"'
is "$(wc -c <"$M/maildirsize" | tr -d ' ')" $((9 + 26 * 3)) '... 26 bytes per line'
mdf "to \"$M/.Sub/\"\n"
is "$RC:$(nfiles "$M/.Sub/new")" 0:1 'a delivery into a folder'
is "$(sed -n 5p "$M/maildirsize")" "$(printf '%12s %12s' $size 1)" '... is charged to the parent maildir'
test ! -e "$M/.Sub/maildirsize"; ok $? '... which has the only maildirsize'

n=$(nfiles "$M/new")
mdf "to \"$M\"\n"
while [ "$RC" = 0 ] && [ "$(nfiles "$M/new")" -lt 20 ]; do mdf "to \"$M\"\n"; done
is "$RC" 75 'over quota: 75'
like "$ERR" 'maildir over quota' '... "maildir over quota."'
total=$(( $(nfiles "$M/new") + 1 ))
ok $([ $((total * size)) -le 1000 ] && echo 0 || echo 1) "... the quota held: $total messages of $size bytes"
is "$(nfiles "$M/tmp")" 0 '... nothing left in tmp/'
mdf "MAILDIRQUOTA=\"100000S\"\nto \"$M\"\n"
is "$RC" 0 'a larger MAILDIRQUOTA replaces the quota'
is "$(head -1 "$M/maildirsize")" 100000S '... and is written to maildirsize'

# 1C allows one message
M2=$T/M2
mkmaildir "$M2"
mdf "MAILDIRQUOTA=\"1C\"\nto \"$M2\"\n"
is "$RC" 0 '1C: one message fits'
mdf "MAILDIRQUOTA=\"1C\"\nto \"$M2\"\n"
is "$RC" 75 '... the second does not'

# -w: the quota warning
M3=$T/M3
mkmaildir "$M3"
printf 'From: postmaster\nSubject: Your mailbox is almost full\n\nPlease clean up.\n' >"$T/warnmsg"
mdf "MAILDIRQUOTA=\"$((size * 3))S\"\nto \"$M3\"\n" -w 50 -W "$T/warnmsg"
is "$(nfiles "$M3/new")" 1 '-w 50: one message, 33% used: no warning'
mdf "MAILDIRQUOTA=\"$((size * 3))S\"\nto \"$M3\"\n" -w 50 -W "$T/warnmsg"
is "$(nfiles "$M3/new")" 3 '-w 50: 67% used: the warning is delivered too'
w=$(grep -l 'almost full' "$M3/new/"*)
like "$(head -2 "$w")" '^Date: .*
Message-Id: <[0-9]+\.overquota@' '... with Date: and Message-Id: <time.overquota@host> in front'
test -f "$M3/quotawarn"; ok $? '... and the quotawarn file'
mdf "to \"$M3\"\n" -w 50 -W "$T/warnmsg"
is "$RC:$(grep -l 'almost full' "$M3/new/"* | wc -l | tr -d ' ')" '75:1' 'not again within 24 hours (and now over quota: 75)'
mdf "MAILDIRQUOTA=\"1000000S\"\nto \"$M3\"\n" -w 50
is "$RC" 0 'without -W and without the default template: no warning, no error'

done_testing
