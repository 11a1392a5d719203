#!/bin/sh
# Statements: if/elsif/else and the layout rules, while, foreach, exception,
# exit, include, import, unset, echo, log, logfile, backticks, system,
# xfilter, dotlock, flock -- with their exact outputs.
. "$SUITE_SRC/tests/mda/maildrop-lib.sh"

st() { # expected name filter
    mdf "$3"
    is "$OUT" "$1" "$2"
}
nl() { printf '%b' "$1"; }

# ---- if ----------------------------------------------------------------------------------------
st yes 'if with a block' 'if (1)\n{\necho yes\n}\nexit\n'
st no 'if/else with single statements on the next line' 'if (0)\necho yes\nelse\necho no\nexit\n'
st b 'elsif' 'if (0)\n{\necho a\n}\nelsif (1)\n{\necho b\n}\nelse\n{\necho c\n}\nexit\n'
st c 'elsif chain to else' 'if (0)\necho a\nelsif (0)\necho b\nelse\necho c\nexit\n'
st a 'a blank line after if () is an empty body: the next statement always runs' 'if (0)\n\necho a\nexit\n'
st a '{ on the line after if, statements right after {' 'if (1)\n{echo a\n}\nexit\n'
st a 'comments after ) } and else' 'if (1) # c\n{\n echo a\n}  # comment\nelse # c\n{\n echo b\n}\nexit\n'
st semi '; is a newline: if (1) ; statement' 'if (1) ; echo semi\nexit\n'
st in-braces '{ stmt; } on one line' '{ echo in-braces; }\nexit\n'
for bad in 'if (1) {\necho a\n}\nexit\n' 'if (1)\n{\necho a\n} else {\necho b\n}\nexit\n' \
    'if (1)\n{\necho a\n}\n\nelse\n{\necho b\n}\nexit\n' 'if (0) echo a\nexit\n' \
    '{ echo a }\nexit\n' 'if (0)\n{ echo a\n}\nelse if (1)\n{\necho c\n}\nexit\n' \
    'exception\n{\necho in\n}\nexit\n'; do
    mdf "$bad"
    is "$RC" 75 "layout rule: $(nl "$bad" | head -2 | tr '\n' ' ')is a syntax error"
done
# ---- while ---------------------------------------------------------------------------------------
st 3 'while' 'N=0\nwhile ($N < 3)\n N=$N+1\necho $N\nexit\n'
st '' 'while (0) never runs' 'while (0)\necho never\nexit\n'
# ---- foreach ---------------------------------------------------------------------------------------
st "$(nl 'To: Bob <bob@example.org>, Carol C <carol@example.org>\nSubject: Hello  folded  again')" \
    'foreach over header lines, in message order' \
    'foreach /^(Subject|To): .*/\n{\necho $MATCH\n}\nexit\n'
st "$(nl 'Body line 1 1\nBody line 2 2')" 'foreach /re/:b sets MATCH and MATCH1 per line' \
    'foreach /Body line (.)/:b\n{\necho "$MATCH $MATCH1"\n}\nexit\n'
st "$(nl 'foo o\nfoo o\nfoo o')" 'foreach (expr) =~ /re/: every match' \
    'S="foo bar foo baz foo"\nforeach $S =~ /f(o)o/\n{\necho "$MATCH $MATCH1"\n}\nexit\n'
st "$(nl 'a@b\nc@d')" 'foreach over getaddr' 'foreach (getaddr("a@b, X <c@d>")) =~ /.+/\n{\necho $MATCH\n}\nexit\n'
st 'Subject: Hello  folded  again' 'foreach (/pattern/) in parentheses' 'foreach (/^Sub.*/)\n{\necho $MATCH\n}\nexit\n'
mdf 'foreach 5\n{\n}\nexit\n'
is "$RC" 75 'foreach needs a pattern'
# ---- exit, EXITCODE ------------------------------------------------------------------------------------
mdf 'echo a\nexit\necho b\n'
is "$OUT" a 'exit stops filtering'
is "$RC" 0 '... with EXITCODE (unset: 0)'
mdf 'EXITCODE=3\nexit\n'
is "$RC" 3 'exit with EXITCODE=3'
mdf 'EXITCODE=abc\nexit\n'
is "$RC" 0 'EXITCODE=abc is 0'
# ---- exception --------------------------------------------------------------------------------------------
st in 'exception { } runs its block' 'exception {\necho in\n}\nexit\n'
st after 'exception catches a failing xfilter' 'exception {\nxfilter "exit 1"\necho not-here\n}\necho after\nexit\n'
st after 'exception catches a missing include' 'exception {\n include "/nonexistent/file"\n}\necho after\nexit\n'
st after 'exception catches a failed delivery' "exception {\n to \"$T/no/such/dir/mbox\"\n}\necho after\nexit\n"
mdf 'exception {\nexit\n}\necho after\n'
is "$OUT" '' 'exit inside exception is not caught (2.9.3)'
# ---- include ------------------------------------------------------------------------------------------------
printf 'echo "included $X"\nY=2\n' >"$T/inc1"
st "$(nl 'included 1\n2')" 'include runs another file with the same variables' "X=1\ninclude \"$T/inc1\"\necho \$Y\nexit\n"
printf 'echo in-home\n' >"$HOME/.inc-home"
st in-home 'include of a path computed from $HOME' 'include "$HOME/.inc-home"\nexit\n'
st "$(nl 'included 5\n2')" 'include with a path built at run time' "D=\"$T\"\nX=5\ninclude \"\$D/inc1\"\necho \$Y\nexit\n"
mdf "include \"$T/missing\"\necho after\nexit\n"
is "$RC" 75 'a missing include is fatal (75)'
# ---- import, unset ---------------------------------------------------------------------------------------------
OUT=$(FOO=bar "$MD" "$T/filter" <"$MSG" 2>&1)
mdf 'echo "[$FOO]"\nexit\n'
OUT=$(FOO=bar "$MD" "$T/filter" <"$MSG" 2>&1)
is "$OUT" '[bar]' 'manual mode imports the environment'
mdf 'FOO=x\nimport FOO\necho "[$FOO]"\nimport NOSUCHVAR\necho "[$NOSUCHVAR]"\nexit\n'
OUT=$(FOO=bar "$MD" "$T/filter" <"$MSG" 2>&1)
is "$OUT" "$(nl '[bar]\n[]')" 'import: the original environment value, or empty'
st '[]' 'unset' 'X=1\nunset X\necho "[$X]"\nexit\n'
mdf 'PATH=/x\nimport PATH\necho $PATH\nexit\n'
OUT=$(PATH=/a:/b "$SUITE_BUILD/bin/maildrop" "$T/filter" <"$MSG" 2>&1)
is "$OUT" /a:/b 'import PATH gives the original PATH back'
# ---- backticks, system ---------------------------------------------------------------------------------------------
st '[a  b] 0' 'backticks: newlines become spaces, ends trimmed' 'X=`printf "a\\n b  \\n\\n"`\necho "[$X] $RETURNCODE"\nexit\n'
st 3 'backticks set RETURNCODE' 'Y=`exit 3`\necho "$RETURNCODE"\nexit\n'
st 'Subject: Hello' 'backticks get the message on stdin' 'X=`grep "^Subject"`\necho "$X"\nexit\n'
st "$(nl 'sys\n4')" 'system: stdin /dev/null, RETURNCODE' 'system "cat; echo sys; exit 4"\necho $RETURNCODE\nexit\n'
st 'v=7' 'children see the variables as their environment' 'V=7\nX=`echo v=$V`\necho "$X"\nexit\n'
# ---- xfilter -------------------------------------------------------------------------------------------------------
mdf 'xfilter "sed s/Hello/Bye/"\necho "$SIZE $LINES"\nif (/^Subject: Bye/)\necho replaced\nexit\n'
is "$OUT" "$(nl '175 8\nreplaced')" 'xfilter replaces the message; SIZE and LINES follow'
mdf 'xfilter "exit 1"\necho after\nexit\n'
is "$RC" 75 'xfilter failing: 75'
like "$ERR" 'Unable to filter message' '... "Unable to filter message"'
mdf 'xfilter "cat >/dev/null"\necho after\nexit\n'
is "$RC" 75 'xfilter writing nothing: 75 (the message would be lost)'
# ---- echo, log, logfile ------------------------------------------------------------------------------------------------
mdf "logfile \"$T/log\"\nlog \"first\\\\tline\"\nlog \"x\\\\c\"\nlog \"y\"\nexit\n"
is "$(cat "$T/log")" "$(nl 'first\tline\nxy')" 'log writes to the logfile with echo escapes'
# ---- dotlock, flock ---------------------------------------------------------------------------------------------------------
mdf "dotlock \"$T/lk\" {\n  X=\`ls $T/lk\`\n  echo \"held: \$X\"\n}\nexit\n"
is "$OUT" "held: $T/lk" 'dotlock holds the named file during its block'
test ! -e "$T/lk"; ok $? '... and removes it after'
mdf "dotlock \"$T/lk2\" {\n  exit\n}\n"
test ! -e "$T/lk2"; ok $? 'a dotlock is removed when exit ends the run inside it'
mdf "flock \"$T/fl\" {\n  X=\`flock -n $T/fl true || echo busy\`\n  echo \"[\$X]\"\n}\nexit\n"
is "$OUT" '[busy]' 'flock holds an flock() lock during its block'

done_testing
