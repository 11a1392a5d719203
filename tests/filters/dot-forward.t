#!/bin/sh
# dot-forward: addresses forwarded (recorded by a QMAILQUEUE program, fd 0
# and fd 1), address completion from the control files, direct delivery,
# |program and /mbox lines, several files, -n, the exit codes and bad
# input.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

T=$SANDBOX/t
mkdir "$T"
QQ_DIR=$T/qq
export QQ_DIR
cat >"$T/qq.sh" <<'END'
#!/bin/sh
cat >"$QQ_DIR/msg" || exit 54
cat <&1 >"$QQ_DIR/env" || exit 54
echo $$ >"$QQ_DIR/pid"
exit "${QQ_EXIT:-0}"
END
chmod 755 "$T/qq.sh"
QMAILQUEUE=$T/qq.sh
export QMAILQUEUE
reset() { rm -rf "$QQ_DIR" "$T/prog.out" "$T/prog2.out"; mkdir "$QQ_DIR"; }
envelope() { tr '\000' '|' <"$QQ_DIR/env"; }

C=$QMAILHOME/control
printf 'dom.example\n' >"$C/defaultdomain"
printf 'plus.example\n' >"$C/plusdomain"

USER=joe HOST=sandbox.example
UFLINE='From orig@example.net Thu Nov 20 22:38:39 2026
'
RPLINE='Return-Path: <orig@example.net>
'
DTLINE='Delivered-To: joe@sandbox.example
'
NEWSENDER='joe-owner@sandbox.example'
SENDER='orig@example.net'
export USER HOST UFLINE RPLINE DTLINE NEWSENDER SENDER
printf 'Subject: hi\n\nFrom here\n>From there\nlast' >"$T/msg"
{ printf '%s' "$DTLINE"; cat "$T/msg"; } >"$T/queued"
{ printf '%s%s%s' "$UFLINE" "$RPLINE" "$DTLINE"; cat "$T/msg"; } >"$T/preline"
cd "$T" || BAIL_OUT "cd"

# ---- forwarding and completion ----------------------------------------------------------
cat >fwd <<'END'
# forward everything
a@b.example, bob
"Carol C." <carol@host>,z@host+ (a comment)

Dave <dave@d.example>
END
reset
err=$(dot-forward fwd <"$T/msg" 2>&1)
is "$?" 99 "addresses: exit 99"
is "$err" "dot-forward: qp $(cat "$QQ_DIR/pid")" "... prints qp"
cmp -s "$T/queued" "$QQ_DIR/msg"
ok $? "... DTLINE + message queued byte for byte"
is "$(envelope)" "Fjoe-owner@sandbox.example|Ta@b.example|Tbob@sandbox.example|Tcarol@host.dom.example|Tz@host.plus.example|Tdave@d.example||" \
    "... one message, sender NEWSENDER, addresses completed (defaulthost, defaultdomain, plusdomain)"

# ---- direct delivery -------------------------------------------------------------------
printf '\\joe, other@x.example\n' >direct
reset
dot-forward direct <"$T/msg" 2>/dev/null
is "$?" 0 "\\joe plus another address: exit 0 (direct delivery)"
is "$(envelope)" "Fjoe-owner@sandbox.example|Tother@x.example||" "... the other address is still forwarded"
printf 'JOE@Sandbox.Example\n' >direct2
reset
dot-forward direct2 <"$T/msg" 2>/dev/null
is "$?" 0 "USER@HOST (any case): exit 0"
test ! -e "$QQ_DIR/msg"
ok $? "... nothing queued"
printf 'joe\n' >direct3
dot-forward direct3 <"$T/msg"
is "$?" 0 "USER alone: exit 0"

# ---- programs ---------------------------------------------------------------------------
printf '"|cat >%s/prog.out"\n"|cat >%s/prog2.out"\n' "$T" "$T" >progs
reset
dot-forward progs <"$T/msg"
is "$?" 99 "two programs: exit 99"
cmp -s "$T/preline" "$T/prog.out"
ok $? "first program got UFLINE RPLINE DTLINE + message"
cmp -s "$T/preline" "$T/prog2.out"
ok $? "second program got all of it too (input rewound)"
test ! -e "$QQ_DIR/msg"
ok $? "nothing queued for programs alone"
pcode() { # program-exit expected
    printf '"|cat >/dev/null; exit %s"\n' "$1" >pc
    dot-forward pc <"$T/msg" 2>/dev/null
    is "$?" "$2" "program exiting $1: dot-forward exits $2"
}
pcode 0 99
pcode 100 100
pcode 64 100
pcode 65 100
pcode 70 100
pcode 76 100
pcode 77 100
pcode 78 100
pcode 112 100
pcode 1 111
pcode 99 111
pcode 111 111
printf '"|kill -9 $$"\n' >pk
dot-forward pk <"$T/msg" 2>/dev/null
is "$?" 111 "killed program: 111"

# ---- mbox ---------------------------------------------------------------------------------
printf 'From old Thu Jan 01 00:00:00 1970\n\nold\n\n' >"$T/mbox"
printf '/%s/mbox\n' "${T#/}" >tombox
dot-forward tombox <"$T/msg"
is "$?" 99 "/path: exit 99"
{ printf 'From old Thu Jan 01 00:00:00 1970\n\nold\n\n%s%s%s' "$UFLINE" "$RPLINE" "$DTLINE"
  printf 'Subject: hi\n\n>From here\n>>From there\nlast\n\n'; } >"$T/mbox.expected"
cmp -s "$T/mbox.expected" "$T/mbox"
ok $? "/path: appended with From_ line, Return-Path, Delivered-To, mboxrd quoting, blank line"
printf '/%s/nodir/mbox\n' "${T#/}" >badmbox
err=$(dot-forward badmbox <"$T/msg" 2>&1)
is "$?" 111 "/path in a missing directory: 111"
like "$err" "^dot-forward: fatal: unable to open " "... message"

# ---- several files, empty files -------------------------------------------------------------
printf '# only a comment\n\n' >empty
: >empty2
printf 'second@x.example\n' >second
reset
dot-forward missing empty empty2 second <"$T/msg" 2>/dev/null
is "$?" 99 "missing and empty files are skipped, the next one used"
is "$(envelope)" "Fjoe-owner@sandbox.example|Tsecond@x.example||" "... its address forwarded"
dot-forward missing empty </dev/null
is "$?" 0 "no usable file: exit 0"
dot-forward </dev/null
is "$?" 0 "no file at all: exit 0"

# ---- -n -----------------------------------------------------------------------------------
reset
out=$(dot-forward -n fwd progs 2>&1 </dev/null)
is "$?" 99 "-n on a forwarding file: exit 99"
is "$out" "forward a@b.example
forward bob@sandbox.example
forward carol@host.dom.example
forward z@host.plus.example
forward dave@d.example" "-n prints the forwards"
test ! -e "$QQ_DIR/msg"
ok $? "-n queues nothing"
out=$(dot-forward -n progs 2>&1 </dev/null)
is "$out" "pipe through cat >$T/prog.out
pipe through cat >$T/prog2.out" "-n prints the programs"
test ! -e "$T/prog.out"
ok $? "... without running them"
is "$(dot-forward -n tombox 2>&1)" "append to $T/mbox" "-n prints mbox deliveries"
is "$(dot-forward -n direct 2>&1)" "forward other@x.example
direct delivery" "-n shows direct delivery"
out=$(dot-forward -n empty missing 2>&1)
is "$?" 0 "-n with nothing to do: 0"
is "$out" "skipping empty file empty
direct delivery" "... and says so"

# ---- failures -------------------------------------------------------------------------------
reset
err=$(QQ_EXIT=31 dot-forward fwd <"$T/msg" 2>&1)
is "$?" 100 "queue refuses: 100"
is "$err" "dot-forward: fatal: unable to forward message: mail server permanently rejected message (#5.3.0)" "... message"
QQ_EXIT=71 dot-forward fwd <"$T/msg" 2>/dev/null
is "$?" 111 "queue fails temporarily: 111"
printf 'a@b.example, "unterminated\n' >badq
err=$(dot-forward badq <"$T/msg" 2>&1)
is "$?" 111 "unterminated quote: 111"
is "$err" 'dot-forward: fatal: unable to parse this line: a@b.example, "unterminated' "... naming the line"
printf 'Joe <joe@x.example\n' >badangle
dot-forward badangle <"$T/msg" 2>/dev/null
is "$?" 111 "unclosed angle bracket: 111"
printf 'a@b.example\000x\n' >nul
dot-forward nul <"$T/msg" 2>/dev/null
is "$?" 111 "NUL byte in the file: 111"
mkdir dirfile
err=$(dot-forward dirfile <"$T/msg" 2>&1)
is "$?" 111 "unreadable file (a directory): 111"
like "$err" "^dot-forward: fatal: unable to read dirfile: " "... message"
printf 'x@y.example\n' >noperm
chmod 000 noperm
if [ "$(id -u)" = 0 ]; then
    skip "root can read a mode-000 file" 1
else
    dot-forward noperm <"$T/msg" 2>/dev/null
    is "$?" 111 "unopenable file: 111"
fi
dot-forward -x fwd </dev/null 2>/dev/null
is "$?" 100 "unknown option: 100"
reset
cat "$T/msg" | dot-forward progs 2>/dev/null
is "$?" 111 "two programs on an unseekable input: 111"

done_testing
