#!/bin/sh
# ezmlm-make: a new list from the default template, byte for byte; the
# option letters; the template language; bad input.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
. "$SUITE_SRC/tests/list/etc.sh"
sandbox_create
list_etc_setup
cd "$SANDBOX" || exit 1
B=$EZMLM_BIN
Q=$SANDBOX_HOME/.qmail-list
L=$SANDBOX/lists/list
mkdir -p "$SANDBOX/lists"

# ---- the default list -----------------------------------------------------------
list_make "$L" "$Q" list example.org 2>err; ok $? "ezmlm-make DIR DOT LOCAL HOST"
is "$(cat err)" "" "...quietly"
is "$(stat -c %a "$L")" "700" "DIR is private (umask 077)"
is "$(stat -c %a "$L/editor")" "600" "...and so are its files"
is "$(stat -c %s "$L/key")" "128" "DIR/key: 128 random bytes"
is "$(stat -c %a "$L/key")" "600" "...mode 0600"
is "$(cat "$L/outlocal")" "list" "outlocal"
is "$(cat "$L/outhost")" "example.org" "outhost"
is "$(cat "$L/dot")" "$Q" "dot"
is "$(cat "$L/ezmlmrc")" "" "ezmlmrc: empty for the default template"
is "$(od -An -c "$L/digestcode" | tr -d ' ')" '\n' "digestcode: an empty line"
printf '%s\n' "|$B/ezmlm-reject '$L'" "|$B/ezmlm-checksub -n '$L' deny" "|$B/ezmlm-send '$L'" \
    "|$B/ezmlm-warn '$L' || exit 0" >exp
cmp -s exp "$L/editor"; ok $? "editor: reject, deny check, send, warn"
printf '%s\n' "|$B/ezmlm-weed" "|$B/ezmlm-split '$L'" "|$B/ezmlm-request '$L'" "|$B/ezmlm-manage '$L'" \
    "|$B/ezmlm-warn '$L' || exit 0" >exp
cmp -s exp "$L/manager"; ok $? "manager: weed, split, request, manage, warn (7.2's order)"
printf '%s\n' "|$B/ezmlm-weed" "|$B/ezmlm-return -D '$L'" >exp
cmp -s exp "$L/bouncer"; ok $? "bouncer: weed, return -D"
printf '%s\n' "$L/Mailbox" >exp
cmp -s exp "$L/owner"; ok $? "owner: DIR/Mailbox"
printf '%s\n' 'Sender: <<#l#>@<#h#>>' 'Precedence: list' 'X-No-Archive: yes' \
    'List-Post: <mailto:list@example.org>' 'List-Help: <mailto:<#l#>-help@<#h#>>' \
    'List-Unsubscribe: <mailto:<#l#>-unsubscribe@<#h#>>' 'List-Subscribe: <mailto:<#l#>-subscribe@<#h#>>' >exp
cmp -s exp "$L/headeradd"; ok $? "headeradd, run-time tags kept"
printf '%s\n' return-path return-receipt-to content-length precedence x-confirm-reading-to x-pmrqc \
    list-subscribe list-unsubscribe list-help list-post sender >exp
cmp -s exp "$L/headerremove"; ok $? "headerremove"
for f in archived indexed public; do
    test -f "$L/$f" && test ! -s "$L/$f"; ok $? "flag file $f (a and p are the defaults)"
done
for f in digested prefix modpost modsub remote confirmpost addtrailer mimeremove msgsize sublist \
    subdb nowarn subpostonly moderator confirmer digest/bouncer flags config; do
    if [ "$f" = subdb ] && [ "$(list_store)" = mysql ]; then
        like "$(cat "$L/subdb")" '^mysql:127\.0\.0\.1:[0-9]+:[^:]*:[^:]*:[^:]*:t_[a-z0-9_]+$' "subdb: the store line (-6)"
        continue
    fi
    test ! -e "$L/$f"; ok $? "no $f"
done
for d in archive subscribers bounce text digest/subscribers digest/bounce allow/subscribers \
    deny/subscribers mod/subscribers mod/pending mod/accepted mod/rejected mod/unconfirmed; do
    test -d "$L/$d"; ok $? "directory $d"
done
is "$(readlink "$Q")" "$L/editor" ".qmail-list -> DIR/editor"
is "$(readlink "$Q-default")" "$L/manager" ".qmail-list-default -> DIR/manager"
is "$(readlink "$Q-owner")" "$L/owner" ".qmail-list-owner -> DIR/owner"
is "$(readlink "$Q-return-default")" "$L/bouncer" ".qmail-list-return-default -> DIR/bouncer"
is "$(ls -a "$SANDBOX_HOME" | grep -c '^\.qmail-list')" 4 "no other .qmail links"
ezmlm-sub "$L" a@example.org && ezmlm-sub "$L" digest b@example.org && ezmlm-sub "$L" mod c@example.org
ok $? "the subscriber store is ready (main, digest, mod)"

# ---- option letters --------------------------------------------------------------------
mk() { # DIR-name DOT-name options...
    n=$1; shift; d=$1; shift
    ezmlm-make "$@" "$SANDBOX/lists/$n" "$SANDBOX_HOME/.qmail-$d" "$d" example.org
}
mk dig dig -d; ok $? "-d"
test -f lists/dig/digested; ok $? "...digested"
is "$(readlink "$SANDBOX_HOME/.qmail-dig-digest-owner")" "$SANDBOX/lists/dig/owner" "...LIST-digest-owner link"
is "$(readlink "$SANDBOX_HOME/.qmail-dig-digest-return-default")" "$SANDBOX/lists/dig/digest/bouncer" "...LIST-digest-return-default link"
printf '%s\n' "|$B/ezmlm-weed" "|$B/ezmlm-return -d '$SANDBOX/lists/dig'" >exp
cmp -s exp lists/dig/digest/bouncer; ok $? "...digest/bouncer"
is "$(tail -2 lists/dig/editor)" "|$B/ezmlm-tstdig '$SANDBOX/lists/dig' || exit 99
|$B/ezmlm-get '$SANDBOX/lists/dig' || exit 0" "...editor ends with tstdig and get"
mk dig4 dig4 -d -4 '-m10 -t24'
like "$(cat lists/dig4/editor)" "ezmlm-tstdig -m10 -t24 '" "-4 gives ezmlm-tstdig's options"
is "$(cat lists/dig4/tstdigopts)" "-m10 -t24" "...kept in tstdigopts"

mk mod mod -m; ok $? "-m"
test -f lists/mod/modpost; ok $? "...modpost"
is "$(readlink "$SANDBOX_HOME/.qmail-mod-accept-default")" "$SANDBOX/lists/mod/moderator" "...LIST-accept-default"
is "$(readlink "$SANDBOX_HOME/.qmail-mod-reject-default")" "$SANDBOX/lists/mod/moderator" "...LIST-reject-default"
printf '%s\n' "|$B/ezmlm-reject '$SANDBOX/lists/mod'" "|$B/ezmlm-checksub -n '$SANDBOX/lists/mod' deny" \
    "|$B/ezmlm-store '$SANDBOX/lists/mod'" "|$B/ezmlm-clean '$SANDBOX/lists/mod' || exit 0" \
    "|$B/ezmlm-warn '$SANDBOX/lists/mod' || exit 0" >exp
cmp -s exp lists/mod/editor; ok $? "...editor goes through ezmlm-store"
like "$(cat lists/mod/moderator)" "ezmlm-moderate '" "...moderator runs ezmlm-moderate"
mk mu mu -mu -7 moddb; ok $? "-mu -7"
is "$(cat lists/mu/modpost)" "moddb" "...modpost names the moderators' database"
test -f lists/mu/noreturnposts; ok $? "...noreturnposts"
like "$(cat lists/mu/editor)" "ezmlm-gate '$SANDBOX/lists/mu' \\. digest allow mod" "...subscribers post, others are moderated"
mk uo uo -u; ok $? "-u"
like "$(cat lists/uo/editor)" "ezmlm-checksub '$SANDBOX/lists/uo' \\. digest allow mod && $B/ezmlm-send '" "...only subscribers post"
mk conf conf -y; ok $? "-y"
test -f lists/conf/confirmpost; ok $? "...confirmpost"
is "$(readlink "$SANDBOX_HOME/.qmail-conf-confirm-default")" "$SANDBOX/lists/conf/confirmer" "...LIST-confirm-default"
is "$(readlink "$SANDBOX_HOME/.qmail-conf-discard-default")" "$SANDBOX/lists/conf/confirmer" "...LIST-discard-default"
like "$(cat lists/conf/confirmer)" "ezmlm-confirm '$SANDBOX/lists/conf' \"$B/ezmlm-store -Y '" "...confirmer"
mk pre pre -f; ok $? "-f"
is "$(cat lists/pre/prefix)" "[pre]" "...prefix [LIST]"
mk tr tr -t; ok $? "-t"
test -f lists/tr/addtrailer; ok $? "...addtrailer"
mk x x -x; ok $? "-x"
is "$(cat lists/x/msgsize)" "30000:2" "...msgsize"
grep -qx 'text/html' lists/x/mimeremove; ok $? "...mimeremove lists text/html"
mk sr sr -s -r -8 moddb -9 remdb -l -n -h -j -o -g -b -i -w; ok $? "-s -r -8 -9 and more"
is "$(cat lists/sr/modsub)" "moddb" "...modsub holds -8"
is "$(cat lists/sr/remote)" "remdb" "...remote holds -9"
for f in modcanlist modcanedit nosubconfirm nounsubconfirm modpostonly subgetonly modgetonly threaded nowarn; do
    test -f "lists/sr/$f"; ok $? "...$f"
done
mk off off -AP; ok $? "-A -P turn the defaults off"
test ! -e lists/off/archived && test ! -e lists/off/indexed && test ! -e lists/off/public; ok $? "...no archived, indexed, public"
mk own own -5 'owner@example.net'; ok $? "-5"
is "$(cat lists/own/owner)" "owner@example.net" "...owner forwards"
mk from from -3 'Boss <boss@example.org>'; ok $? "-3"
is "$(tail -1 lists/from/headeradd)" "From: Boss <boss@example.org>" "...From: line in headeradd"
is "$(tail -1 lists/from/headerremove)" "from" "...from in headerremove"
is "$(cat lists/from/fromheader)" "Boss <boss@example.org>" "...fromheader"
mk subl subl -0 'parent@example.net'; ok $? "-0"
is "$(cat lists/subl/sublist)" "parent@example.net" "...sublist"
is "$(head -1 lists/subl/editor)" "|$B/ezmlm-send '$SANDBOX/lists/subl'" "...no reject or deny check on a sublist"
test "$(grep -c -e List-Post -e Sender -e Precedence lists/subl/headeradd)" = 0; ok $? "...headeradd without List-Post, Sender, Precedence"
mk sdb sdb -6 std; ok $? "-6 std"
is "$(cat lists/sdb/subdb)" "std" "...subdb"
mk my my -6 'mysql:127.0.0.1:1:u:p:db:t' 2>err; is $? 111 "-6 mysql with a server that does not answer: 111"
like "$(cat err)" 'MySQL server 127\.0\.0\.1:1: cannot connect' "...naming the server"
test ! -e lists/my; ok $? "...before making anything"
mk pg pg -6 'pgsql:localhost::u:p:db:t' 2>err; is $? 111 "-6 pgsql: 111, no such store in this build"
like "$(cat err)" 'not available' "...saying the store is not available"
test ! -e lists/pg; ok $? "...before making anything"

# ---- the template language ---------------------------------------------------------------------
cat >t1 <<'EOF'
7.2.2 - test template
text before the first tag is ignored
</one/>
B=<#B#> C=<#C#> D=<#D#> F=<#F#> H=<#H#> L=<#L#> T=<#T#> X=<#X#>
0=<#0#> 1=<#1#> 2=<#2#> 3=<#3#> 9=<#9#> keep=<#A#><#l#><#n#> half=<#L
# a comment line, not copied
</#a/>
a is on
</#A/>
a is off
</#^a/>
not a either
</two#b/>
never
</three#9/>
nine given
</three#^9/>
nine missing
</+newdir/>
</:-x/one/>
</four#E/>
kept
EOF
ezmlm-make -C "$SANDBOX/t1" -9 nine "$SANDBOX/lists/t" "$SANDBOX_HOME/.qmail-e1-e2-name" name example.org 2>err
ok $? "a template given with -C"
is "$(cat lists/t/one)" "B=$B C= D=$SANDBOX/lists/t F=-aBCDEFGHIJKLMNOpQRSTUVWXYZ H=example.org L=name T=$SANDBOX_HOME/.qmail-e1-e2-name X=$SANDBOX/t1
0= 1=e1 2=e2 3= 9=nine keep=<#A#><#l#><#n#> half=<#L
a is on" "build-time tags; run-time tags copied; conditions; comments skipped"
test ! -e lists/t/two; ok $? "a file whose conditions fail is not made"
is "$(cat lists/t/three)" "nine given" "digits test the -N arguments"
test -d lists/t/newdir; ok $? "</+dir/> makes a directory"
is "$(readlink "$SANDBOX_HOME/.qmail-e1-e2-name-x")" "$SANDBOX/lists/t/one" "</:suffix/target/> links"
is "$(cat lists/t/four)" "kept" "#E: written on a new list"

cp "$EZMLM_ETC/default/ezmlmrc" "$SANDBOX_HOME/.ezmlmrc"
sed -i 's/^Precedence: list$/Precedence: bulk/' "$SANDBOX_HOME/.ezmlmrc"
ezmlm-make -c "$SANDBOX/lists/c" "$SANDBOX_HOME/.qmail-c" c example.org; ok $? "-c"
grep -q 'Precedence: bulk' lists/c/headeradd; ok $? "...uses .ezmlmrc next to DOT"
ezmlm-make -C "$EZMLM_ETC/en_US" "$SANDBOX/lists/cdir" "$SANDBOX_HOME/.qmail-cdir" cdir example.org
ok $? "-C with a directory"
is "$(cat lists/cdir/ezmlmrc)" "$EZMLM_ETC/en_US" "...which becomes the list's configuration directory"

# ---- bad input ---------------------------------------------------------------------------------------
ezmlm-make 2>err; is $? 100 "no arguments: 100"
like "$(cat err)" '^ezmlm-make: usage: ' "...usage"
ezmlm-make "$SANDBOX/lists/u1" "$SANDBOX_HOME/.qmail-u1" u1 2>/dev/null; is $? 100 "no host: 100"
test ! -e lists/u1; ok $? "...nothing made"
ezmlm-make lists/rel "$SANDBOX_HOME/.qmail-rel" rel example.org 2>err; is $? 100 "relative DIR: 100"
like "$(cat err)" 'must start with a slash' "...says so"
ezmlm-make "$SANDBOX/lists/rel" .qmail-rel rel example.org 2>/dev/null; is $? 100 "relative DOT: 100"
ezmlm-make "$SANDBOX/lists/q'uote" "$SANDBOX_HOME/.qmail-q" q example.org 2>err; is $? 100 "a quote in DIR: 100"
ezmlm-make "$SANDBOX/lists/nl
x" "$SANDBOX_HOME/.qmail-nl" nl example.org 2>/dev/null; is $? 100 "a newline in DIR: 100"
ezmlm-make "$SANDBOX/lists/nl2" "$SANDBOX_HOME/.qmail-nl2" "nl
2" example.org 2>/dev/null; is $? 100 "a newline in LOCAL: 100"
ezmlm-make -Q "$SANDBOX/lists/o" "$SANDBOX_HOME/.qmail-o" o example.org; ok $? "-Q (a free letter) is accepted"
ezmlm-make -% "$SANDBOX/lists/o2" "$SANDBOX_HOME/.qmail-o2" o2 example.org 2>/dev/null; is $? 100 "a bad option: 100"
ezmlm-make "$L" "$Q" list example.org 2>err; is $? 111 "an existing DIR without -e: 111"
like "$(cat err)" 'unable to create' "...unable to create"
rm -rf lists/l2; ln -s /nowhere "$SANDBOX_HOME/.qmail-l2"
ezmlm-make "$SANDBOX/lists/l2" "$SANDBOX_HOME/.qmail-l2" l2 example.org 2>/dev/null; is $? 111 "an existing .qmail file without -e: 111"
ezmlm-make -C "$SANDBOX/none" "$SANDBOX/lists/n" "$SANDBOX_HOME/.qmail-n" n example.org 2>err; is $? 100 "a missing template: 100"
like "$(cat err)" 'does not exist' "...does not exist"
test ! -e lists/n; ok $? "...and DIR is not made"
printf '7.2.2\n</../escape/>\nx\n' >t2
ezmlm-make -C "$SANDBOX/t2" "$SANDBOX/lists/t2" "$SANDBOX_HOME/.qmail-t2" t2 example.org 2>err; is $? 100 "a period in a tag: 100"
test ! -e lists/escape; ok $? "...nothing written outside DIR"
printf '7.2.2\n</open\nx\n' >t3
ezmlm-make -C "$SANDBOX/t3" "$SANDBOX/lists/t3" "$SANDBOX_HOME/.qmail-t3" t3 example.org 2>err; is $? 100 "a tag without />: 100"
printf '7.2.2\n</#a/>\nx\n' >t4
ezmlm-make -C "$SANDBOX/t4" "$SANDBOX/lists/t4" "$SANDBOX_HOME/.qmail-t4" t4 example.org 2>err; is $? 100 "a continuation with no file: 100"
printf '7.2.2\n</:nolink/>\n' >t5
ezmlm-make -C "$SANDBOX/t5" "$SANDBOX/lists/t5" "$SANDBOX_HOME/.qmail-t5" t5 example.org 2>err; is $? 100 "a link tag without a target: 100"
printf '6.0 - old\n</f/>\nx\n' >t6
ezmlm-make -C "$SANDBOX/t6" "$SANDBOX/lists/t6" "$SANDBOX_HOME/.qmail-t6" t6 example.org 2>err; ok $? "another template version is accepted"
like "$(cat err)" '^ezmlm-make: warning: the ezmlmrc version differs' "...with a warning"
: >t7
ezmlm-make -C "$SANDBOX/t7" "$SANDBOX/lists/t7" "$SANDBOX_HOME/.qmail-t7" t7 example.org 2>/dev/null; is $? 111 "an empty template: 111"
ezmlm-make -V 2>err; is $? 0 "-V: 0"
is "$(cat err)" "ezmlm-make version: ezmlm-idx-7.2.2" "...version line"

done_testing
