#!/bin/sh
# Expressions: numbers, operators and their precedence, truth, and the
# functions, each with its exact output (checked against Debian's
# maildrop 2.9.3).
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

ev() { # expression expected
    mdf "X=($1)\necho \$X\nexit\n"
    is "$OUT" "$2" "$1 = $2"
}

# ---- numbers -------------------------------------------------------------------------
ev '1 + 1' 2
ev '1 / 3' 0.3333333333333333148296
ev '5 / 0' inf
ev '0.1 + 0.2' 0.3000000000000000444089
ev '100000000 * 100' 10000000000
ev '"abc" + 1' 1
ev '1e3 + 0' 1000
ev '0 - 5' -5
ev '7 / 2' 3.5
# ---- precedence and associativity ---------------------------------------------------------
ev '1 + 2 * 3' 7
ev '(1 + 2) * 3' 9
ev '2 * (1 + 2)' 6
ev '3 - 1 - 1' 1
ev '8 / 2 / 2' 2
ev '!1 + 1' 1
ev '1 && 0 || 7' 7
ev '4 || 2' 4
ev '5 && 3' 3
ev '0 && 3' 0
ev '"" || 9' 9
# ---- bit operations ----------------------------------------------------------------------------
ev '4 | 2' 6
ev '5 & 3' 1
ev '~5' -6
ev '!0' 1
ev '!"x"' 0
ev '!!5' 1
# ---- comparisons --------------------------------------------------------------------------------
ev '1 < 2' 1
ev '2 <= 1' 0
ev '1 == 1.0' 1
ev '1 != 1' 0
ev '3 > 10' 0
ev '3 gt 10' 1
ev '10 lt 9' 1
ev '"abc" lt "abd"' 1
ev '"a" eq "a"' 1
ev '"a" ne "b"' 1
ev '"b" ge "b"' 1
ev '"a" le "B"' 0
mdf 'echo 1 < 2 < 3\nexit\n'
is "$RC" 75 'comparisons are not associative: a syntax error'
# ---- truth (maildrop 2.9.3's rule) -----------------------------------------------------------------
for v in '0:F' '00:T' '0.:T' '.0:F' '0.0:T' '0.00:F' '0.10:F' '0.01:T' '.:T' ' 0 :F' ':F' ' :F' '-0:T' '0x:T' 'x:T'; do
    val=${v%:*}
    want=${v##*:}
    mdf "X=\"$val\"\nif (\$X)\necho T\nelse\necho F\nexit\n"
    is "$OUT" "$want" "truth of \"$val\" is $want"
done
# ---- assignment -------------------------------------------------------------------------------------
mdf 'Y=(X=5)\necho "$X $Y"\nexit\n'
is "$OUT" '5 5' 'an assignment is an expression: its value is the value'
mdf 'a=b=c\nexit\n'
is "$RC" 75 'a=b=c is a syntax error'
like "$ERR" 'filter\(1\): Syntax error before =' '... before ='
mdf 'X = 5\necho $X\nexit\n'
is "$OUT" 5 'blanks around ='
# ---- functions -------------------------------------------------------------------------------------
ev 'length("hello")' 5
mdf 'X=abc\necho length $X\nexit\n'
is "$OUT" 3 'length takes a primary: length $X'
ev 'substr("hello", 1, 3)' ell
ev 'substr("hello", -1)' ''
ev 'substr("hello", 3)' lo
ev 'substr("hello", 9)' ''
ev 'substr("hello", 1, 0)' ''
mdf 'echo substr "abc", 1\nexit\n'
is "$RC" 75 'substr needs parentheses'
ev 'tolower("AbC")' abc
ev 'toupper("aBc")' ABC
mdf 'echo tolower "ABC" "DEF"\nexit\n'
is "$OUT" abcdef 'tolower of a concatenation'
ev 'length(escape("a|b!c(e)f[g]h\\\\i+j*k?l.m&n;o`p-r~s<t>u^v{w}x\\"y z@,/=%#_:"))' 77
ev 'length(escape("a.b*c"))' 7
mdf "X=escape('a|b\$c(d)e')\necho length(\$X)\nexit\n"
is "$OUT" 13 'escape quotes | $ ( ) (each gets a backslash)'
mdf 'X=getaddr("a@b.c, Foo <d@e.f>, \\"Q Q\\" <g@h.i> (comment)")\necho "[$X]"\nexit\n'
is "$OUT" "$(printf '[a@b.c\nd@e.f\ng@h.i\n]')" 'getaddr: every address followed by a newline'
mdf 'echo getaddr "x <a@b>"\nexit\n'
is "$OUT" "$(printf 'a@b\n')" 'getaddr takes a primary'
ev 'hasaddr("bob@example.org")' 1
ev 'hasaddr("CAROL@EXAMPLE.ORG")' 1
ev 'hasaddr("alice@example.org")' 0
ev 'hasaddr("nobody@example.org")' 0
mdf 'X=time\nif ($X > 1700000000)\necho ok\nexit\n'
is "$OUT" ok 'time: the epoch seconds'
mdf 'echo time()\nexit\n'
is "$RC" 75 'time takes no parentheses'
# lookup
printf '# bad senders\n\n  ^spam@\nfriend@public\n^[^@]*$\n' >"$T/bad.dat"
mdf "echo lookup(\"spam@x.org\", \"$T/bad.dat\")\necho lookup(\"SPAM@x.org\", \"$T/bad.dat\")\necho lookup(\"SPAM@x.org\", \"$T/bad.dat\", \"D\")\necho lookup(\"joe@x.org\", \"$T/bad.dat\")\necho lookup(\"noat\", \"$T/bad.dat\")\nexit\n"
is "$OUT" "$(printf '1\n1\n0\n0\n1')" 'lookup: patterns from a file, caseless unless D'
mdf "X=lookup(\"a\", \"$T/missing.dat\")\necho after\nexit\n"
is "$RC" 75 'lookup of a missing file is fatal (75)'
mdf "exception {\nX=lookup(\"a\", \"$T/missing.dat\")\n}\necho after\nexit\n"
is "$OUT" after '... which an exception block catches'
printf '(unclosed\n' >"$T/badre.dat"
mdf "X=lookup(\"a\", \"$T/badre.dat\")\nexit\n"
is "$RC" 75 'lookup with a bad pattern in the file is fatal'
like "$ERR" 'badre.dat, line 1' '... naming the file and line'
# gdbm is not available
mdf 'X=gdbmopen("x")\nexit\n'
is "$RC" 75 'gdbmopen: not available, a syntax error'

done_testing
