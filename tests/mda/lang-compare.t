#!/bin/sh
# The same filters through Debian's maildrop 2.9.3 (when installed) and
# ours: standard output and exit status must agree.  (Known, documented
# differences -- a message match is 1, not 2 -- are avoided here.)
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

[ -n "$REAL" ] || skip_all "Debian's maildrop 2.9 is not installed"

cmpf() { # filter-text
    filter "$1"
    md a1 a2
    real a1 a2
    is "$OUT|rc=$RC" "$ROUT|rc=$RRC" "same output: $(printf '%b' "$1" | head -3 | tr '\n\\' ';/' | cut -c1-70)"
}

while IFS= read -r f; do
    [ -n "$f" ] && cmpf "$f"
done <<'EOF'
Y=hello\necho $Y post\nexit\n
echo "a" 'b'   "c"\nexit\n
X="\\$HOME"\necho length($X)\nX="\\\\$HOME"\necho $X\nexit\n
echo 1/3\nA=5\necho $A - 1\necho $A -1\nexit\n
echo 0.1+0.2\necho 100000000*100\necho 1/3\necho 5 / 0\necho 1e3+0\necho "abc"+1\necho 0 - 5\necho 4|2\necho 5&3\necho ~5\nexit\n
echo 00 && 1\necho -0 && 1\necho "0." && 1\necho ".0" && 1\necho "0.000" && 1\necho " 0 " && 1\necho "" || 9\nexit\n
echo 1 + 2 * 3\necho (1 + 2) * 3\necho 3 - 1 - 1\necho 8 / 2 / 2\necho 1 && 0 || 7\necho !1 + 1\nexit\n
echo 1 lt 2\necho "abc" lt "abd"\necho 10 lt 9\necho 3 gt 10\necho 3 > 10\nexit\n
echo substr("hello", 1, 3)\necho substr("hello",-1)\necho substr("hello", 3)\nexit\n
echo tolower("ABC")\necho toupper("abc")\necho tolower "ABC" "DEF"\nexit\n
X=escape("a|b!c(e)f[g]h+j*k?l.m&n;o`p-r~s<t>u^v{w}x y")\necho length($X)\nexit\n
echo getaddr("a@b.c, Foo <d@e.f>")\nexit\n
echo hasaddr("bob@example.org")\necho hasaddr("CAROL@example.org")\necho hasaddr("alice@example.org")\nexit\n
echo "a\\101b\\tc\\c"\necho "x"\nexit\n
if (0)\n\necho a\nexit\n
if (0)\necho a\nelse\necho b\nexit\n
if (0)\n{\necho a\n}\nelsif (1)\n{\necho b\n}\nexit\n
{echo a\n}\nexit\n
{ echo a; }\nexit\n
if (1) ; echo semi\nexit\n
if (0)\r\necho a\r\necho b\r\nexit\r\n
X=1\rif ($X)\recho cr\rexit\r
echo "a\\\r\n   b"\nexit\n
X="abc\\\n    def"\necho $X\nX="abc\\  # c\n   def"\necho $X\nX="abc\\  def"\necho $X\nexit\n
"to"=5\necho $to\nexit\n
echo foo#bar\nX=5 # c\necho $X\nexit\n
echo ${HOME-WORD}x\nexit\n
N=0\nwhile ($N < 3)\n N=$N+1\necho $N\nexit\n
foreach /^(To|Subject): .*/\n{\necho $MATCH\n}\nexit\n
S="foo bar foo baz foo"\nforeach $S =~ /f(o)o/\n{\necho "$MATCH $MATCH1"\n}\nexit\n
X=(/Body/:b,10,0.5)\necho $X\nX=(/Body/:hb,1)\necho $X\nX=(/Body/:b3)\necho $X\nexit\n
S="foo bar foo baz foo"\nX=($S =~ /foo/:1)\necho $X\nX=($S =~ /(b)(a)(.)/)\necho "$X $MATCH $MATCH1 $MATCH2 $MATCH3"\nexit\n
if (/^subject: hello/:D)\necho D\nif (/^subject: hello/)\necho noD\nif (/Body line 1/:w)\necho w\nif (/Body line 1/:hw)\necho hw\nexit\n
echo "$SIZE $LINES $FROM $1 $2"\nexit\n
xfilter "sed s/Hello/Bye/"\necho "$SIZE $LINES"\nif (/^Subject: Bye/)\necho replaced\nexit\n
X=`printf "a\\n b  \\n\\n"`\necho "[$X] $RETURNCODE"\nY=`exit 3`\necho "$RETURNCODE"\nexit\n
system "echo sys; exit 4"\necho $RETURNCODE\nexit\n
exception {\nxfilter "exit 1"\n}\necho after\nexit\n
exception {\n include "/nonexist"\n}\necho after\nexit\n
cc "|cat > /dev/null; exit 5"\necho $EXITCODE\nexit\n
to "|cat > /dev/null; exit 5"\n
EXITCODE=3\nexit\n
unset FROM\necho "[$FROM]"\nexit\n
echo "$LOCKEXT $UMASK $MAILFILTER $HOSTNAME $LOCKSLEEP $LOCKTIMEOUT $LOCKREFRESH"\nexit\n
if (1) {\necho a\n}\nexit\n
if (1)\n{\necho a\n} else {\necho b\n}\nexit\n
if (1)\n{\necho a\n}\n\nelse\n{\necho b\n}\nexit\n
{ echo a }\nexit\n
echo else\nexit\n
echo "unterminated\nexit\n
a=b=c\nexit\n
echo 1 < 2 < 3\nexit\n
echo time()\nexit\n
echo - 5\nexit\n
exception\n{\necho in\n}\nexit\n
EOF

done_testing
