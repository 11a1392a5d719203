#!/bin/sh
# Every class of syntax error: exit 75, a message naming the file and the
# line, and nothing delivered -- not even by a cc that comes before the
# error, because the whole filter is parsed before anything runs.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

M=$SANDBOX_MAILDIR
bad() { # line name filter-body (appended after a cc) [file]
    mdf "cc \"$M\"\n$3"
    is "$RC" 75 "$2: exit 75"
    like "$ERR" "${4:-filter}\\($1\\): " "... the message names the file (${4:-filter}) and line $1"
    is "$(nfiles "$M/new")" 0 '... nothing delivered (the cc before it did not run)'
    rm -f "$M/new/"*
}

bad 2 'an unterminated string' 'echo "abc\nexit\n'
bad 2 "an unterminated '...' string" "echo 'abc\nexit\n"
bad 2 'an unterminated `...` string' 'X=`date\nexit\n'
bad 5 'a { without }' 'if (1)\n{\necho a\n'
bad 2 'a } without {' '}\nexit\n'
bad 5 '} else { on one line' 'if (1)\n{\necho a\n} else {\necho b\n}\nexit\n'
bad 7 'a blank line before else' 'if (1)\n{\necho a\n}\n\nelse\n{\necho b\n}\nexit\n'
bad 2 'else without if' 'else\necho b\nexit\n'
bad 2 'elsif without if' 'elsif (1)\necho b\nexit\n'
bad 2 'if (x) statement on one line' 'if (1) echo a\nexit\n'
bad 2 'a missing )' 'if (1\necho a\nexit\n'
bad 2 'a missing (' 'if 1)\necho a\nexit\n'
bad 2 'a bad regular expression' 'if (/a(b/)\necho a\nexit\n'
bad 2 'a bad regular expression after =~' 'if ("x" =~ /[z/)\necho a\nexit\n'
bad 2 'an unterminated pattern' 'if (/abc)\necho a\nexit\n'
bad 2 'a stray character' 'echo a ^ b\nexit\n'
bad 2 'a backslash followed by text' 'echo a \\b\nexit\n'
bad 2 'a=b=c' 'a=b=c\nexit\n'
bad 2 'a non-associative comparison' 'X=(1 < 2 < 3)\nexit\n'
bad 2 'a keyword used as a word' 'echo while\nexit\n'
bad 4 'a statement after } on the same line' '{\necho a\n} echo b\nexit\n'
bad 2 'exception without {' 'exception\n{\n}\nexit\n'
bad 2 'foreach without a pattern' 'foreach (1)\n{\n}\nexit\n'
bad 2 'substr with one argument' 'X=substr("a")\nexit\n'
bad 2 'an expression nested too deeply' "X=$(i=0; while [ $i -lt 300 ]; do printf '('; i=$((i+1)); done)1$(i=0; while [ $i -lt 300 ]; do printf ')'; i=$((i+1)); done)\nexit\n"

# a syntax error in an include that can be read now
printf 'echo ok\nif (\n' >"$T/inc.bad"
bad 2 'a syntax error in an included file' "include \"$T/inc.bad\"\nexit\n" 'inc\.bad'
# a file including itself
printf 'include "%s"\n' "$T/self" >"$T/self"
bad 1 'a file including itself' "include \"$T/self\"\nexit\n" self
like "$ERR" 'recursion' '... reported as recursion'

done_testing
