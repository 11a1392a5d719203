#!/bin/sh
# qmail-lspawn: the spawn protocol (qmail.md 3.3, 4.1) driven by
# tests/helpers/spawndrive, the per-command checks and their texts, the
# users/cdb lookup rules (section 8), the qmail-getpw fallback, the exit
# code mapping, report truncation, concurrency and bad commands.
. "$SUITE_SRC/tests/local/lib.sh"

DRIVE=$SUITE_BUILD/tests/helpers/spawndrive
[ -x "$DRIVE" ] || BAIL_OUT "missing $DRIVE"
command -v qmail-newu >/dev/null 2>&1 || skip_all "qmail-newu is not built yet"

CMDS=$SANDBOX/cmds
# cmd SLOT PATH SENDER RECIPIENT: appends one spawn command to $CMDS
cmd() {
    printf "\\$(printf '%03o' "$1")" >>"$CMDS"
    printf '%s\000%s\000%s\000' "$2" "$3" "$4" >>"$CMDS"
}
# drive: runs qmail-lspawn on $CMDS (then empties it); output in $OUT
drive() {
    OUT=$("$DRIVE" qmail-lspawn ./Maildir/ <"$CMDS" 2>"$SANDBOX/drive.err")
    : >"$CMDS"
}
# replies without the first (concurrency) and last (exit) lines, sorted
replies() { printf '%s\n' "$OUT" | sed '1d;$d' | LC_ALL=C sort; }
compile() { (cd "$QMAILHOME" && qmail-newu) || BAIL_OUT "qmail-newu failed"; }

U=$SANDBOX_USER
D=$SANDBOX_DOMAIN
M=$QMAILHOME/queue/mess
printf 'Subject: spawned\n\nbody\n' >"$M/5/28"
: >"$CMDS"
compile

# ---- the protocol ---------------------------------------------------------------------
drive
is "$OUT" "concurrency 120
exit 0" "announces 120, exits 0 at end of input"

cmd 0 5/28 s@x.org "$U@$D"
drive
is "$OUT" "concurrency 120
0: Kdid 1+0+0\\n
exit 0" "a delivery through users/cdb: K and qmail-local's report"
f=$(newmail)
is "$(sed -n 1,2p "$SANDBOX_MAILDIR/new/$f")" "Return-Path: <s@x.org>
Delivered-To: $U@$D" "  ... delivered to the user's Maildir"
clearmail

cmd 3 5/28 s@x.org "@$D"
drive
is "$(replies)" "3: K" "an empty local part: silent success"

# ---- the per-command checks ------------------------------------------------------------
cmd 1 5/28 s@x.org nobody
cmd 2 5/2x s@x.org "$U@$D"
cmd 3 "$(awk 'BEGIN { for (i = 0; i < 101; i++) printf "1" }')" s@x.org "$U@$D"
cmd 4 '' s@x.org "$U@$D"
cmd 5 5/29 s@x.org "$U@$D"
cmd 6 5 s@x.org "$U@$D"
cmd 7 /5/28 s@x.org "$U@$D"
cmd 200 5/28 s@x.org "$U@$D"
drive
is "$(replies)" "1: DSorry, address must include host name. (#5.1.3)\\n
200: ZInternal error: delnum too big. (#4.3.5)\\n
2: DInternal error: messid has nonnumerics. (#5.3.5)\\n
3: DInternal error: messid too long. (#5.3.5)\\n
4: DInternal error: messid too short. (#5.3.5)\\n
5: Zqmail-spawn unable to open message. (#4.3.0)\\n
6: ZSorry, message has wrong type. (#4.3.5)\\n
7: DInternal error: messid has nonnumerics. (#5.3.5)\\n" "every check answers with qmail's text"
if [ "$(id -u)" -eq 0 ]; then
    cp "$M/5/28" "$M/6/29" && chown 65534 "$M/6/29"
    cmd 0 6/29 s@x.org "$U@$D"
    drive
    is "$(replies)" "0: ZSorry, message has wrong owner. (#4.3.5)\\n" "a message of another owner: Z"
    rm -f "$M/6/29"
else
    skip "needs root to make a file of another owner"
fi

# ---- concurrency, completion order, slot in use ------------------------------------------
qfile .qmail-slow '|sleep 1; echo slow\n'
qfile .qmail-fast '|echo fast\n'
printf '=%s:%s:%s:%s:%s:-::\n+%s-:%s:%s:%s:%s:-::\n.\n' "$U" "$U" "$SANDBOX_UID" "$SANDBOX_GID" "$H" \
    "$U" "$U" "$SANDBOX_UID" "$SANDBOX_GID" "$H" >"$QMAILHOME/users/assign"
compile
cmd 0 5/28 s@x.org "$U-slow@$D"
cmd 1 5/28 s@x.org "$U-fast@$D"
cmd 0 5/28 s@x.org "$U-fast@$D"
drive
is "$(printf '%s\n' "$OUT" | sed '1d;$d')" "0: ZInternal error: delnum in use. (#4.3.5)\\n
1: Kfast\\ndid 0+0+1\\n
0: Kslow\\ndid 0+0+1\\n" "replies in completion order; a busy slot is refused"
: >"$H/.qmail-par"
qfile .qmail-par "|sleep 1; echo par\n"
i=0
while [ $i -lt 20 ]; do cmd $i 5/28 s@x.org "$U-par@$D"; i=$((i + 1)); done
t0=$(date +%s)
drive
t1=$(date +%s)
is "$(replies | grep -c 'Kpar')" 20 "20 deliveries at once all succeed"
note "20 one-second deliveries took $((t1 - t0)) s"

# ---- report mapping with the real qmail-local ---------------------------------------------
qfile .qmail-perm '|echo "no such list"; exit 100\n'
qfile .qmail-temp '|echo "try later"; exit 111\n'
qfile .qmail-big '|head -c 1048576 /dev/zero | tr "\\\\000" x; exit 100\n'
cmd 0 5/28 s@x.org "$U-perm@$D"
cmd 1 5/28 s@x.org "$U-temp@$D"
cmd 2 5/28 s@x.org "$U-nosuch@$D"
drive
is "$(replies)" "0: Dno such list\\n
1: Ztry later\\n
2: DSorry, no mailbox here by that name. (#5.1.1)\\n" "exit 100 -> D, 111 -> Z, with the text"
cmd 5 5/28 s@x.org "$U-big@$D"
drive
r=$(replies)
xs=$(printf '%s' "$r" | tr -cd x | wc -c | tr -d ' ')
is "$xs" 2966 "1 MB of output: the report keeps 2966 bytes"
like "$r" '^5: Dx+\\nError report too long, sorry\.\\n$' "  ... then 'Error report too long, sorry.'"

# ---- a stand-in qmail-local: arguments and exit codes ----------------------------------------
rm -f "$QMAILHOME/bin/qmail-local"
cat >"$QMAILHOME/bin/qmail-local" <<'EOF'
#!/bin/sh
# prints its arguments; the extension may ask for an exit code or a signal
printf '[%s]' "$@"
case $6 in
exit*) exit "${6#exit}" ;;
kill) kill -9 $$ ;;
esac
exit 0
EOF
chmod 755 "$QMAILHOME/bin/qmail-local"

for c in 0:K 100:D 111:Z 71:Z 74:Z 75:Z 5:D 99:D; do
    n=${c%:*}
    cmd 0 5/28 "s@x.org" "$U-exit$n@$D"
    drive
    is "$(replies)" "0: ${c#*:}[--][$U][$H][$U-exit$n][-][exit$n][$D][s@x.org][./Maildir/]" \
        "exit $n -> ${c#*:} with the output"
done
for c in "112:ZInternal qmail-lspawn bug." "113:ZNot allowed to perform deliveries as root." \
    "115:ZNFS failure in qmail-local." "116:ZUnable to find alias user!" \
    "117:ZTrouble reading users/cdb in qmail-lspawn." "118:ZTemporary failure in qmail-lspawn." \
    "119:ZOut of memory in qmail-lspawn." "120:ZUnable to run qmail-local." \
    "121:ZUnable to run qmail-getpw." "126:DUnable to run qmail-local."; do
    n=${c%%:*}
    cmd 1 5/28 s@x.org "$U-exit$n@$D"
    drive
    is "$(replies)" "1: ${c#*:}\\n" "exit $n -> ${c#*:}"
done
cmd 2 5/28 s@x.org "$U-kill@$D"
drive
is "$(replies)" "2: Zqmail-local crashed.\\n" "killed by a signal: Zqmail-local crashed."

# ---- users/cdb lookups -----------------------------------------------------------------------
{
    printf '=exact:eu:%s:%s:%s:::\n' "$SANDBOX_UID" "$SANDBOX_GID" /h/exact
    printf '=dup:first:%s:%s:%s:::\n' "$SANDBOX_UID" "$SANDBOX_GID" /h/first
    printf '=dup:second:%s:%s:%s:::\n' "$SANDBOX_UID" "$SANDBOX_GID" /h/second
    printf '+wild-:wu:%s:%s:%s:-:pre-:\n' "$SANDBOX_UID" "$SANDBOX_GID" /h/wild
    printf '+wild-long-:wl:%s:%s:%s:-::\n' "$SANDBOX_UID" "$SANDBOX_GID" /h/long
    printf '+ab:abu:%s:%s:%s:-::\n' "$SANDBOX_UID" "$SANDBOX_GID" /h/ab
    printf '+:catch:%s:%s:%s:-::\n' "$SANDBOX_UID" "$SANDBOX_GID" /h/catch
    printf '.\n'
} >"$QMAILHOME/users/assign"
compile
look() { # local -> "user home dash ext" as qmail-local got them
    cmd 0 5/28 s "$1@$D"
    drive
    replies | sed 's/^0: K\[--\]\[\([^]]*\)\]\[\([^]]*\)\]\[[^]]*\]\[\([^]]*\)\]\[\([^]]*\)\].*/\1 \2 \3 \4/'
}
is "$(look exact)" "eu /h/exact  " "exact key"
is "$(look EXACT)" "eu /h/exact  " "exact key, case-insensitive"
cmd 0 5/28 s "EXACT@$D"
drive
like "$(replies)" '\[EXACT\]\[\]\[\]' "  ... qmail-local gets the local part as written"
is "$(look dup)" "first /h/first  " "duplicate keys: the first line wins"
is "$(look wild-X-y)" "wu /h/wild - pre-X-y" "wildcard: ext = pre + rest (case kept)"
is "$(look wild-)" "wu /h/wild - pre-" "wildcard matching the whole local part"
is "$(look wild-long-z)" "wl /h/long - z" "the longer wildcard wins"
is "$(look abc)" "abu /h/ab - c" "a wildcard prefix ending in another wildchar (b)"
is "$(look xa)" "catch /h/catch - xa" "no prefix ends in a wildchar: the catch-all"
is "$(look exact-foo)" "catch /h/catch - exact-foo" "an exact entry is no prefix"
is "$(look Wild-Q)" "wu /h/wild - pre-Q" "wildcard keys are case-insensitive"

# a corrupt users/cdb
printf 'this is not a cdb' >"$QMAILHOME/users/cdb"
cmd 0 5/28 s "exact@$D"
drive
is "$(replies)" "0: ZTrouble reading users/cdb in qmail-lspawn.\\n" "a corrupt users/cdb: Z"

# ---- no users/cdb: qmail-getpw and the sandbox users/passwd --------------------------------------
rm -f "$QMAILHOME/users/cdb"
mkdir -p "$SANDBOX/home/nqbench" "$QMAILHOME/alias"
printf 'nqbench:x:%s:%s::%s:/bin/sh\nalias:x:%s:%s::%s:/bin/sh\n' \
    "$SANDBOX_UID" "$SANDBOX_GID" "$SANDBOX/home/nqbench" \
    "$SANDBOX_UID" "$SANDBOX_GID" "$QMAILHOME/alias" >"$QMAILHOME/users/passwd"
is "$(look nqbench-foo-bar)" "nqbench $SANDBOX/home/nqbench - foo-bar" "qmail-getpw: user plus extension"
is "$(look NQBench)" "nqbench $SANDBOX/home/nqbench  " "qmail-getpw: exact user, any case"
is "$(look nosuch)" "alias $QMAILHOME/alias - nosuch" "qmail-getpw: the alias user"
printf 'nqbench:x:%s:%s::%s:/bin/sh\n' "$SANDBOX_UID" "$SANDBOX_GID" "$SANDBOX/home/nqbench" \
    >"$QMAILHOME/users/passwd"
cmd 0 5/28 s "nosuch@$D"
drive
is "$(replies)" "0: ZUnable to find alias user!\\n" "no alias user: Z"
mv "$QMAILHOME/bin/qmail-getpw" "$QMAILHOME/bin/qmail-getpw.off"
cmd 0 5/28 s "nosuch@$D"
drive
is "$(replies)" "0: ZUnable to run qmail-getpw.\\n" "qmail-getpw missing: Z"
mv "$QMAILHOME/bin/qmail-getpw.off" "$QMAILHOME/bin/qmail-getpw"
rm -f "$QMAILHOME/bin/qmail-local"
cmd 0 5/28 s "nqbench@$D"
drive
is "$(replies)" "0: DUnable to run qmail-local.\\n" "qmail-local missing: D"
ln -s "$SUITE_BUILD/bin/qmail-local" "$QMAILHOME/bin/qmail-local"

# ---- bad commands ---------------------------------------------------------------------------------
printf '=%s:%s:%s:%s:%s:-::\n+%s-:%s:%s:%s:%s:-::\n.\n' "$U" "$U" "$SANDBOX_UID" "$SANDBOX_GID" "$H" \
    "$U" "$U" "$SANDBOX_UID" "$SANDBOX_GID" "$H" >"$QMAILHOME/users/assign"
compile
printf '\001garbage without any nul' >"$CMDS"
drive
is "$OUT" "concurrency 120
exit 0" "a partial command at end of input is dropped"
printf '\377\000\000\000' >"$CMDS"
cmd 0 5/28 s "@$D"
drive
is "$(replies)" "0: K
255: ZInternal error: delnum too big. (#4.3.5)\\n" "an empty command for slot 255, then a good one"
printf '\002' >"$CMDS"
head -c 1200000 /dev/zero | tr '\000' a >>"$CMDS"
printf '\000s\000r@d\000' >>"$CMDS"
cmd 1 5/28 s "@$D"
drive
is "$(replies)" "1: K
2: DInternal error: command too long. (#5.3.5)\\n" "a command over 1 MB is skipped and answered"
printf '\003%s\000\001\002\003\000@\377\376\000' "5/28" >"$CMDS"
drive
is "$(replies)" "3: K" "binary bytes in sender and recipient (empty local part after them)"
printf '\004%s\000%s\000%s\000' 5/28 s "$(printf '%s-a\001b@d' "$U")" >"$CMDS"
drive
like "$(replies)" '^4: DSorry, no mailbox here by that name' "binary bytes in a local part reach qmail-local safely"

dashes=$(awk 'BEGIN { for (i = 0; i < 100000; i++) printf "-" }')
cmd 5 5/28 s "$U-$dashes@$D"
drive
is "$(replies)" "5: DSorry, no mailbox here by that name. (#5.1.1)\\n" "a local part of 100,000 wildchars is looked up quickly"

# the spawner stops when its input closes, even with deliveries running
cmd 0 5/28 s@x.org "$U-slow@$D"
drive
is "$(printf '%s\n' "$OUT" | tail -n 2)" "0: Kslow\\ndid 0+0+1\\n
exit 0" "end of input: waits for the running delivery, reports it, exits 0"

done_testing
