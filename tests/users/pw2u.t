#!/bin/sh
# qmail-pw2u: passwd on stdin -> assign file on stdout, byte for byte as
# qmail 1.03 writes it (the digest's Appendix B transcript), with its
# options and the users/include, exclude, mailnames, subusers and append
# files; the output compiles with qmail-newu.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create

U=$QMAILHOME/users
H=$SANDBOX/homes
mkdir -p "$H/bench" "$H/alias" "$H/other" "$H/Upper"
# homes must be owned by their users: as root we can give them away,
# otherwise every crafted user gets the invoking user's uid
if [ "$(id -u)" = 0 ]; then
    U1=989 U2=993 U3=994
    chown 989 "$H/bench" "$H/Upper" && chown 993 "$H/alias" && chown 994 "$H/other" ||
        BAIL_OUT "chown failed"
else
    U1=$(id -u) U2=$U1 U3=$U1
fi

cat >"$SANDBOX/passwd" <<END
root:x:0:0:root:/root:/bin/bash
nqbench:x:$U1:989:Bench User:$H/bench:/bin/sh
alias:x:$U2:995::$H/alias:/bin/false
END

# ---- Appendix B: two users ---------------------------------------------------------
out=$(qmail-pw2u <"$SANDBOX/passwd")
ok $? "qmail-pw2u exits 0"
is "$out" "=nqbench:nqbench:$U1:989:$H/bench:::
+nqbench-:nqbench:$U1:989:$H/bench:-::
+:alias:$U2:995:$H/alias:-::
=alias:alias:$U2:995:$H/alias:::
+alias-:alias:$U2:995:$H/alias:-::
." "Appendix B output (uid 0 skipped, alias catch-all first)"
qmail-pw2u <"$SANDBOX/passwd" >"$U/assign" && qmail-newu
ok $? "the output compiles with qmail-newu"

# ---- accounts that are skipped -----------------------------------------------------------
cat >"$SANDBOX/passwd2" <<END
alias:x:$U2:995::$H/alias:/bin/false
Upper:x:$U1:989::$H/Upper:/bin/sh
nohome:x:$U1:989::$H/missing:/bin/sh
short:x:$U1:989::$H/bench
notmine:x:$U1:989::$H/other:/bin/sh
END
out=$(qmail-pw2u <"$SANDBOX/passwd2")
if [ "$(id -u)" = 0 ]; then
    exp_other=
else
    exp_other="=notmine:notmine:$U1:989:$H/other:::
+notmine-:notmine:$U1:989:$H/other:-::
"
fi
is "$out" "+:alias:$U2:995:$H/alias:-::
=alias:alias:$U2:995:$H/alias:::
+alias-:alias:$U2:995:$H/alias:-::
$exp_other." "skipped: uppercase name, missing home, too few fields, home owned by another uid"
out=$(qmail-pw2u -u <"$SANDBOX/passwd2" | grep Upper)
is "$out" "=Upper:Upper:$U1:989:$H/Upper:::
+Upper-:Upper:$U1:989:$H/Upper:-::" "-u admits uppercase names"
out=$(qmail-pw2u -H <"$SANDBOX/passwd2" | grep -c '^=')
is "$out" 3 "-H: homes not looked at (alias, nohome, notmine)"
err=$(qmail-pw2u -h <"$SANDBOX/passwd2" 2>&1 >/dev/null)
is "$?" 111 "-h: a missing home is fatal (111)"
like "$err" "^qmail-pw2u: fatal: unable to stat $H/missing" "... naming it"

# ---- break character and dash options --------------------------------------------------
is "$(qmail-pw2u -c + <"$SANDBOX/passwd" | sed -n 2p)" "+nqbench+:nqbench:$U1:989:$H/bench:-::" "-c + changes the break"
is "$(qmail-pw2u -C <"$SANDBOX/passwd")" "=nqbench:nqbench:$U1:989:$H/bench:::
+:alias:$U2:995:$H/alias:-::
=alias:alias:$U2:995:$H/alias:::
." "-C: no extension lines (the catch-all stays)"
is "$(qmail-pw2u -/ <"$SANDBOX/passwd" | sed -n 2,3p)" "+nqbench-:nqbench:$U1:989:$H/bench:-/::
+:alias:$U2:995:$H/alias:-/::" "-/: dash -/"

# ---- users/ files ----------------------------------------------------------------------
printf 'nqbench:bench:nq.bench\n# comment\n' >"$U/mailnames"
printf 'sub:nqbench:pre:\nnocolon\nsub2:alias:x:trailing\n' >"$U/subusers"
printf '=extra:x:1:1:/x:::\nno newline at the end' >"$U/append"
is "$(qmail-pw2u <"$SANDBOX/passwd")" "=bench:nqbench:$U1:989:$H/bench:::
+bench-:nqbench:$U1:989:$H/bench:-::
=nq.bench:nqbench:$U1:989:$H/bench:::
+nq.bench-:nqbench:$U1:989:$H/bench:-::
+:alias:$U2:995:$H/alias:-::
=alias:alias:$U2:995:$H/alias:::
+alias-:alias:$U2:995:$H/alias:-::
=sub:nqbench:$U1:989:$H/bench:-:pre:
+sub-:nqbench:$U1:989:$H/bench:-:pre-:
=sub2:alias:$U2:995:$H/alias:-:x:
+sub2-:alias:$U2:995:$H/alias:-:x-:
=extra:x:1:1:/x:::
no newline at the end." "mailnames, subusers and append"
rm -f "$U/mailnames" "$U/append"

printf 'sub:ghost:pre:\n' >"$U/subusers"
err=$(qmail-pw2u <"$SANDBOX/passwd" 2>&1 >/dev/null)
is "$?" 111 "subuser of an unknown user: exit 111"
is "$err" "qmail-pw2u: fatal: unable to find ghost user for subuser" "... with qmail's message"
rm -f "$U/subusers"

printf 'NQBENCH\n' >"$U/exclude"
is "$(qmail-pw2u <"$SANDBOX/passwd" | grep -c nqbench)" 0 "exclude (case-insensitive)"
rm -f "$U/exclude"
printf 'nqbench\n' >"$U/include"
err=$(qmail-pw2u <"$SANDBOX/passwd" 2>&1 >/dev/null)
is "$?" 111 "include without the alias user: exit 111"
is "$err" "qmail-pw2u: fatal: unable to find alias user" "... alias user required"
printf 'nqbench\nalias\n' >"$U/include"
is "$(qmail-pw2u <"$SANDBOX/passwd" | grep -c '^=')" 2 "include lists the users considered"
rm -f "$U/include"

# ---- bad input ------------------------------------------------------------------------
printf 'nqbench:x:%s:989::%s:/bin/sh\000\nalias:x:%s:995::%s/alias:/bin/false\n' "$U1" "$H/bench" "$U2" "$H" >"$SANDBOX/passwd3"
is "$(qmail-pw2u <"$SANDBOX/passwd3" | grep -c nqbench)" 0 "a line with a NUL byte is skipped"
qmail-pw2u -x </dev/null >/dev/null 2>&1
is "$?" 100 "unknown option: exit 100"
qmail-pw2u </dev/null >/dev/null 2>&1
is "$?" 111 "empty input: no alias user, exit 111"

done_testing
