#!/bin/sh
# The filter language's lexical rules (maildropfilter(7), the digest's §2),
# one by one with their exact output; each was checked against Debian's
# maildrop 2.9.3.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

lx() { # expected-output name filter-text
    mdf "$3"
    is "$OUT" "$1" "$2"
    is "$RC" 0 "... exit 0"
}

lx 'hellopost' 'consecutive strings concatenate, even across blanks' 'Y=hello\necho $Y post\nexit\n'
lx 'abc' 'different quotes concatenate' 'X="a" '"'b'"'   "c"\necho $X\nexit\n'
lx 'xyz' 'a word and a quoted string concatenate' 'echo x"y"z\nexit\n'
lx '6' 'a backslash before a dollar sign stays (length 6)' 'X="\\$HOME"\necho length($X)\nexit\n'
lx '$HOME' 'two backslashes: one backslash, which protects the dollar sign' 'X="\\\\$HOME"\necho $X\nexit\n'
lx '1/3' '1/3 is one word' 'echo 1/3\nexit\n'
lx '4' '$A - 1 is a subtraction' 'A=5\necho $A - 1\nexit\n'
lx '5-1' '$A -1 is two words' 'A=5\necho $A -1\nexit\n'
lx '-5' 'a word may start with -' 'echo -5\nexit\n'
lx 'foo' '# starts a comment where a token may start' 'echo foo#bar\nexit\n'
lx '5' 'a comment after a statement' 'X=5 # comment\necho $X\nexit\n'
lx 'ab' 'backslash-newline joins lines outside quotes' 'echo a \\\n b\nexit\n'
lx 'abcdef' 'backslash-newline in a string drops the next line'"'"'s indentation' 'X="abc\\\n    def"\necho $X\nexit\n'
lx 'abcdef' 'backslash, blanks, comment, newline in a string' 'X="abc\\  # comment\n    def"\necho $X\nexit\n'
lx 'abc  def' 'backslash and blanks before text stay' 'X="abc\\  def"\necho $X\nexit\n'
lx 'x' '${HOME-WORD} is the variable named HOME-WORD' 'echo ${HOME-WORD}x\nexit\n'
lx '5' '"to"=5 sets the variable to' '"to"=5\necho $to\nexit\n'
lx '12' '$A$B' 'A=1;B=2\nX=$A$B\necho $X\nexit\n'
lx "$(printf '1\n2')" '; separates statements, empty statements are fine' 'echo 1 ; ; echo 2\nexit\n'
lx 'cr' 'a lone CR is a newline' 'X=1\rif ($X)\recho cr\rexit\r'
lx "$(printf 'a\nb')" 'CRLF is two newlines: the if body is the empty line' 'if (0)\r\necho a\r\necho b\r\nexit\r\n'
lx '3.5' '/ followed by a blank is division' 'echo 7 / 2\nexit\n'
lx '/a/b' 'after = a / starts a word' 'X=/a/b\necho $X\nexit\n'
lx 'yes' '$ in a pattern is substituted' 'V=Hel\nif (/^Subject: $V/)\necho yes\nexit\n'
lx 'yes' 'a $ that names no variable stays' 'if (/in$/)\necho yes\nexit\n'
lx 'yes' 'an escaped slash inside a pattern' 'X="a/b"\nif ($X =~ /a\\/b/)\necho yes\nexit\n'
lx 'a|b|c' 'echo: newline escapes, and c-escape at the end suppresses the newline' 'echo "a|b|\\c"\necho "c"\nexit\n'
lx 'A	B' 'echo: octal and tab escapes' 'echo "\\101\\tB"\nexit\n'
lx "it's" "a single-quoted string with an escaped quote inside" "echo 'it\\\\'s'\nexit\n"

# $1 and $2 come from the command line: set them
mdf 'echo "$1|$2|$3"\nexit\n'
OUT=$("$MD" "$T/filter" a1 a2 <"$MSG" 2>&1)
is "$OUT" 'a1|a2|' 'arguments after the filter file are $1 $2'

mdf 'echo ${NOPE\nexit\n'
is "$OUT" '${NOPE' 'an unterminated ${ stays literal'
like "$ERR" 'filter\(1\): Terminating \} is missing' '... with a warning naming the line'

mdf 'echo else\nexit\n'
is "$RC" 75 'a keyword is never a word: echo else is a syntax error'
like "$ERR" 'filter\(1\): Syntax error' '... with file and line'

mdf 'echo a \\x\nexit\n'
is "$RC" 75 'a backslash outside quotes followed by text is an error'

mdf 'echo "unterminated\nexit\n'
is "$RC" 75 'a string cannot hold a raw newline'
like "$ERR" "filter\\(1\\): Missing '" '... "Missing '"'"', \", or `."'

mdf 'include /tmp/x\nexit\n'
is "$RC" 75 'after include a / starts a pattern (a syntax error here)'

done_testing
