#!/bin/sh
# Language directories and text processing: lang/en_US and lang/de, the
# lookup order of text files and messages, <=flags=> sections, tags,
# header mode.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
sandbox_create
list_etc_setup
cd "$SANDBOX" || exit 1
T=$SUITE_BUILD/tests/helpers/list-text
TEXTS="top bottom help info faq sub-confirm sub-ok sub-nop sub-bad unsub-confirm unsub-ok unsub-nop
unsub-bad mod-help mod-sub mod-sub-confirm mod-unsub-confirm mod-request mod-reject mod-timeout
post-confirm edit-do edit-list edit-done get-bad digest trailer bounce-warn bounce-probe bounce-num
dig-bounce-num bounce-bottom"

# ---- the language directories -------------------------------------------------------------
for l in en_US de; do
    n=0
    for t in $TEXTS; do [ -f "$SUITE_SRC/lang/$l/text/$t" ] && n=$((n + 1)); done
    is "$n" 32 "lang/$l has the 32 text files"
    test -s "$SUITE_SRC/lang/$l/text/messages" && test -s "$SUITE_SRC/lang/$l/charset"; ok $? "...messages and charset"
    bad=$(cat "$SUITE_SRC"/lang/$l/text/* | grep -o '<#[^#]#>' | sort -u | grep -v -e '<#[LlHhAaRrtcCTXnd0-9]#>')
    is "$bad" "" "...only known tags"
    bad=$(grep -h '^<=' "$SUITE_SRC"/lang/$l/text/* | grep -v -x -e '<=[a-zA-Z0-9^]*=>' -e '<==>')
    is "$bad" "" "...well-formed sections"
done
# the English messages file and the compiled-in table agree
sed -n 's/^    { "\([A-Z_]*\)", "\(.*\)" },$/\1:\2/p' "$SUITE_SRC/list/text-msgs.c" | sed 's/\\"/"/g' >compiled
grep -v '^#' "$SUITE_SRC/lang/en_US/text/messages" >file
cmp -s compiled file; ok $? "lang/en_US/text/messages is the compiled-in table"
is "$(wc -l <compiled | tr -d ' ')" "$(grep -c '^    { "' "$SUITE_SRC/list/text-msgs.c")" "...every entry"
cut -d: -f1 "$SUITE_SRC/lang/de/text/messages" | grep -v '^#' | sort >de.names
cut -d: -f1 file | sort >en.names
is "$(comm -23 de.names en.names)" "" "every German message name exists in English"

# ---- a German list ----------------------------------------------------------------------------
list_make -C "$EZMLM_ETC/de" "$SANDBOX/de" "$SANDBOX_HOME/.qmail-liste" liste example.org
ok $? "ezmlm-make -C \$EZMLM_ETC/de"
is "$(cat de/ezmlmrc)" "$EZMLM_ETC/de" "DIR/ezmlmrc names the language directory"
out=$($T file "$SANDBOX/de" sub-ok A=anna@example.com)
like "$out" '^Willkommen auf der Mailingliste liste@example\.org!' "sub-ok comes in German"
like "$out" 'liste-unsubscribe-anna=example\.com@example\.org' "...with <#l#>, <#t#>, <#H#>"
is "$($T msg "$SANDBOX/de" SUB_WELCOME)" "Willkommen bei liste@example.org" "a German subject"
is "$($T msg "$SANDBOX/de" ERR_CREATE 1=/x)" "cannot create /x" "a message German lacks comes from the default language"
is "$($T msg "$SANDBOX/de" NO_SUCH_NAME)" "NO_SUCH_NAME" "an unknown message is its name"
is "$($T conf "$SANDBOX/de" charset)" "utf-8:Q" "the charset comes from the language directory"
mkdir -p de/text
echo 'Eigener Text für <#L#>.' >de/text/info
is "$($T file "$SANDBOX/de" info)" "Eigener Text für liste." "DIR/text overrides the language directory"
echo 'SUB_WELCOME:Hallo in <#L#>' >de/text/messages
is "$($T msg "$SANDBOX/de" SUB_WELCOME)" "Hallo in liste" "DIR/text/messages overrides single messages"
is "$($T msg "$SANDBOX/de" SUB_GOODBYE)" "Auf Wiedersehen von liste@example.org" "...the others still come from the language"

# ---- an English list and text processing -------------------------------------------------------------
list_make "$SANDBOX/en" "$SANDBOX_HOME/.qmail-en" en example.org
E=$SANDBOX/en
is "$($T msg "$E" TXT_MAILING_LIST)" "contact en-help@example.org; run by ezmlm" "TXT_MAILING_LIST (the Mailing-List: header value)"
is "$($T file "$E" top)" "Hello! This is the ezmlm program. I manage the
en@example.org mailing list." "the default language serves lists without -C"
$T file "$E" nosuch; is $? 1 "a missing text file"

mkdir -p "$E/text"
cat >"$E/text/t" <<'EOF'
# comment
always
<=d=>
digest only
<=D=>
no digest
<=p=>
public
<=HJ=>
both confirmations on
<=^p=>
not public
<==>
end
!A
!R
L=<#L#> l=<#l#> H=<#H#> h=<#h#> A=<#A#> a=<#a#> t=<#t#> R=<#R#> r=<#r#> c=<#c#>
C=<#C#> T=<#T#> X=<#X#> n=<#n#> d=<#d#> 1=<#1#> unknown=<#Q#>. half=<#L
EOF
out=$($T file "$E" t A=anna@example.com R=en-sc.123.cookie-anna=example.com@example.org C=cookie T=123 X=sc. n=42 1=one)
is "$out" "always
no digest
public
both confirmations on
end
   anna@example.com
   en-sc.123.cookie-anna=example.com@example.org
L=en l=en H=example.org h=example.org A=anna@example.com a=anna t=anna=example.com R=en-sc.123.cookie-anna=example.com@example.org r=en-sc.123.cookie-anna=example.com c=sc.123.cookie-anna=example.com
C=cookie T=123 X=sc. n=42 d=$E 1=one unknown=. half=<#L" "sections, legacy !A/!R lines, every tag"
out=$($T file "$E" t l=en-digest R=en-digest-uc.1.x-b=c.d@example.org)
like "$out" 'l=en-digest ' "<#l#> can name the digest list"
like "$out" 'A=\?\?\?\?\? a=\?\?\?\?\? ' "unset values print ?????"
like "$out" 'c=uc\.1\.x-b=c\.d' "<#c#> is <#r#> after LIST-digest-"

ezmlm-make -e -d -h "$E"
out=$($T file "$E" t)
like "$out" 'digest only' "<=d=> shows on a list with -d (the digested flag)"
unlike "$out" 'both confirmations' "<=HJ=>: upper case means off (-h given)"
six=0; [ "$(list_store)" = mysql ] && six=1 # 6: DIR/subdb
is "$($T flag "$E" adhpHJqz0123456789)" "11110111011011${six}000" "flag letters and digits (1, 2, 4 always; 5: DIR/owner always exists)"
ezmlm-make -e -m -s -r -0 parent@example.net -7 m7 "$E"
is "$($T flag "$E" msr0789MSR)" "1111111000" "...m s r 0, and 7 8 9 (their files exist)"

# header mode
printf 'X-List: <#l#>@<#h#>\n\n# comment\nX-Target: <#A#>   \n' >"$E/headeradd"
$T conf "$E" headeradd A=x@y >/dev/null 2>&1; is $? 2 "header mode refuses <#A#>"
printf 'X-List: <#l#>@<#h#> <#L#>\n\n# comment\nX-Num: <#n#>  \t\n' >"$E/headeradd"
is "$($T conf "$E" headeradd n=7)" "X-List: en@example.org en
X-Num: 7" "header mode: tags, no comments, no empty lines, no trailing blanks"

done_testing
