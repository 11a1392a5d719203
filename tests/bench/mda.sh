# MDA figures (issue: the filtering MDA): the same realistic 20-rule
# filter, written in maildrop's language and as a procmailrc, run over the
# same 2,000 generated messages (a tenth of them with a ~100 KB base64
# attachment) by our maildrop, Debian's maildrop 2.9.3 and procmail, one
# process per message as an MTA runs them; then one 100 MB message each.
# CPU is user + system time of the delivery processes alone (wait4, no
# shell in between); memory is the peak resident size.  The targets of the
# issue: CPU per message at most half of maildrop's, peak memory on the
# 100 MB message at most maildrop's.
#
# BENCH_MDA_MESSAGES=N changes the number of messages, BENCH_MDA_BIG_MB the
# size of the big one.
N=${BENCH_MDA_MESSAGES:-2000}
BIG_MB=${BENCH_MDA_BIG_MB:-100}
H=$SUITE_BUILD/tests/helpers
OURS=$SUITE_BUILD/bin/maildrop
DEBMD=/usr/bin/maildrop
PROCMAIL=/usr/bin/procmail
W=$(mktemp -d "${TMPDIR:-/tmp}/benchmda.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
# Mark the work directory as the top of a hierarchy (ext4's Orlov
# allocator then spreads its subdirectories over block groups with free
# inodes): on ext4 without a journal every create first walks past the
# inodes freed in its block group in the last minutes, and the test suite
# or an earlier part may just have freed thousands where /tmp lives.  That
# walk costs both maildrops the same absolute time per message and is no
# part of either program.  Elsewhere the attribute is refused: no harm.
chattr +T "$W" 2>/dev/null || true

for h in mdagen mdarun; do
    [ -x "$H/$h" ] || { echo "bench mda: $H/$h missing (make all builds it)"; exit 1; }
done

FOLDERS="Spam debian-devel lkml postfix qmail github important jira invoices meetings bulk auto bounces newsletters shopping family urgent"

# ---- the filter, in maildrop's language (MD is replaced by the Maildir) ----
cat >"$W/mailfilter.in" <<'EOF'
# 20 rules, as a user with a busy mailbox might have them
MD="@MD@"
DEFAULT="$MD/"
if (/^X-Spam-Flag: *YES/)
    to "$MD/.Spam/"
if (/^X-Spam-Level: \*\*\*\*\*/)
    to "$MD/.Spam/"
if (/^Subject:.*(viagra|lottery|winner|casino)/)
    to "$MD/.Spam/"
if (/^List-Id:.*<debian-devel\.lists\.debian\.org>/)
    to "$MD/.debian-devel/"
if (/^List-Id:.*<linux-kernel\.vger\.kernel\.org>/)
    to "$MD/.lkml/"
if (/^List-Id:.*<postfix-users\.postfix\.org>/)
    to "$MD/.postfix/"
if (/^(To|Cc):.*qmail@list\.cr\.yp\.to/)
    to "$MD/.qmail/"
if (/^From:.*@github\.com/)
    to "$MD/.github/"
if (/^From:.*(boss|ceo)@example\.com/ && /^Subject:.*urgent/)
    to "$MD/.important/"
if (/^Subject:.*\[JIRA\]/)
    to "$MD/.jira/"
if (/^Subject:.*invoice/ && /^From:.*@billing\./)
    to "$MD/.invoices/"
if (/^X-Mailer:.*Outlook/ && /^Subject:.*meeting/)
    to "$MD/.meetings/"
if (/^Precedence: *(bulk|junk)/)
    to "$MD/.bulk/"
if (/^Auto-Submitted: *auto-/)
    to "$MD/.auto/"
if (/^Content-Type: *multipart\/report/)
    to "$MD/.bounces/"
if (/^From:.*MAILER-DAEMON/)
    to "$MD/.bounces/"
if (/^Subject:.*(order|shipping) (confirmation|update)/)
    to "$MD/.shopping/"
if (/^To:.*family/)
    to "$MD/.family/"
if (/^Subject:.*urgent/)
    to "$MD/.urgent/"
if (/unsubscribe/:b)
    to "$MD/.newsletters/"
EOF

# ---- the same as a procmailrc ----
cat >"$W/procmailrc.in" <<'EOF'
MD=@MD@
DEFAULT=@MD@/
:0
* ^X-Spam-Flag: *YES
$MD/.Spam/
:0
* ^X-Spam-Level: \*\*\*\*\*
$MD/.Spam/
:0
* ^Subject:.*(viagra|lottery|winner|casino)
$MD/.Spam/
:0
* ^List-Id:.*<debian-devel\.lists\.debian\.org>
$MD/.debian-devel/
:0
* ^List-Id:.*<linux-kernel\.vger\.kernel\.org>
$MD/.lkml/
:0
* ^List-Id:.*<postfix-users\.postfix\.org>
$MD/.postfix/
:0
* ^(To|Cc):.*qmail@list\.cr\.yp\.to
$MD/.qmail/
:0
* ^From:.*@github\.com
$MD/.github/
:0
* ^From:.*(boss|ceo)@example\.com
* ^Subject:.*urgent
$MD/.important/
:0
* ^Subject:.*\[JIRA\]
$MD/.jira/
:0
* ^Subject:.*invoice
* ^From:.*@billing\.
$MD/.invoices/
:0
* ^X-Mailer:.*Outlook
* ^Subject:.*meeting
$MD/.meetings/
:0
* ^Precedence: *(bulk|junk)
$MD/.bulk/
:0
* ^Auto-Submitted: *auto-
$MD/.auto/
:0
* ^Content-Type: *multipart/report
$MD/.bounces/
:0
* ^From:.*MAILER-DAEMON
$MD/.bounces/
:0
* ^Subject:.*(order|shipping) (confirmation|update)
$MD/.shopping/
:0
* ^To:.*family
$MD/.family/
:0
* ^Subject:.*urgent
$MD/.urgent/
:0 B
* unsubscribe
$MD/.newsletters/
EOF

mkmd() { # dir: a Maildir with every folder of the filter
    rm -rf "$1"
    mkdir -p "$1/tmp" "$1/new" "$1/cur"
    for f in $FOLDERS; do
        mkdir -p "$1/.$f/tmp" "$1/.$f/new" "$1/.$f/cur"
        : >"$1/.$f/maildirfolder"
    done
}
filter_for() { # template maildir output
    sed "s|@MD@|$2|g" "$1" >"$3"
    chmod 600 "$3"
}
routing() { # maildir: "folder=count ..." for the folders that got mail
    for d in "$1" "$1"/.*; do
        case $d in */. | */..) continue ;; esac
        [ -d "$d/new" ] || continue
        c=$(ls "$d/new" | wc -l)
        name=${d##*/}
        [ "$d" = "$1" ] && name=INBOX
        [ "$c" -gt 0 ] && printf '%s=%s ' "$name" "$c"
    done
}
field() { # name line
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

mkdir "$W/msgs" "$W/big"
"$H/mdagen" "$W/msgs" "$N" || exit 1
"$H/mdagen" -big "$W/big/m" "$BIG_MB" || exit 1
echo "messages: $N generated ($(du -sk "$W/msgs" | cut -f1) KB), one of $BIG_MB MB"

# name, command (words; the filter file is appended)
rcfile() { # label maildir: writes the label's filter for that Maildir
    case $1 in
    procmail) filter_for "$W/procmailrc.in" "$2" "$W/rc.$1" ;;
    *) filter_for "$W/mailfilter.in" "$2" "$W/rc.$1" ;;
    esac
}
# The delivered files stay until the end (removed by the EXIT trap): freeing
# thousands of inodes makes the next program's Maildir creates slower for a
# minute or more on ext4 without a journal (see run.sh).  For the same
# reason every program runs ROUNDS times, the programs taking turns, and the
# lowest CPU figure of each counts: whoever ran just after some other
# process freed files pays for it, so one round alone is not fair.
ROUNDS=${BENCH_MDA_ROUNDS:-3}
run_small() { # label round prog args...
    label=$1 round=$2
    shift 2
    md=$W/md.$label.$round
    mkmd "$md"
    rcfile "$label" "$md"
    res=$("$H/mdarun" "$W/msgs" -- "$@" "$W/rc.$label")
    c=$(field cpu_us "$res")
    eval "prev=\${cpu_$label:-}"
    if [ -z "$prev" ] || [ "$c" -lt "$prev" ]; then eval "cpu_$label=\$c"; fi
    eval "fail_$label=\$(( \${fail_$label:-0} + $(field failed "$res") ))"
    eval "route_$label=\$(routing \"\$md\")"
}
run_big() { # label prog args...
    label=$1
    shift
    md=$W/mdbig.$label
    mkmd "$md"
    rcfile "$label" "$md"
    res=$("$H/mdarun" "$W/big" -- "$@" "$W/rc.$label")
    eval "rss_$label=\$(field maxrss_kb \"\$res\")"
    eval "bigfail_$label=\$(field failed \"\$res\")"
}

have_ours=0 have_deb=0 have_pm=0
[ -x "$OURS" ] && have_ours=1
[ -x "$DEBMD" ] && have_deb=1
[ -x "$PROCMAIL" ] && have_pm=1
r=1
while [ $r -le "$ROUNDS" ]; do
    [ "$have_ours" = 1 ] && run_small ours $r "$OURS"
    [ "$have_deb" = 1 ] && run_small debian $r "$DEBMD"
    [ "$have_pm" = 1 ] && run_small procmail $r "$PROCMAIL" -m
    r=$((r + 1))
done
[ "$have_ours" = 1 ] && run_big ours "$OURS"
[ "$have_deb" = 1 ] && run_big debian "$DEBMD"
[ "$have_pm" = 1 ] && run_big procmail "$PROCMAIL" -m

per() { awk -v t="$1" -v n="$N" 'BEGIN { printf "%.0f\n", t / n }'; }

if [ "$have_deb" = 1 ]; then
    deb_per=$(per "$cpu_debian")
    report "mda: CPU per message, Debian's maildrop 2.9.3" "$deb_per" "us/msg" "(best of $ROUNDS rounds; failed: $fail_debian)"
fi
if [ "$have_ours" = 1 ]; then
    o_per=$(per "$cpu_ours")
    note=""
    [ "$have_deb" = 1 ] && note="ratio $(ratio "$o_per" "$deb_per") of Debian's maildrop (target <= 0.50)"
    report "mda: CPU per message, our maildrop" "$o_per" "us/msg" "$note (failed: $fail_ours)"
else
    report "mda: CPU per message, our maildrop" "n/a" "" "(no $OURS yet: skipped)"
fi
if [ "$have_pm" = 1 ]; then
    p_per=$(per "$cpu_procmail")
    note=""
    [ "$have_deb" = 1 ] && note="ratio $(ratio "$p_per" "$deb_per") of Debian's maildrop"
    report "mda: CPU per message, procmail" "$p_per" "us/msg" "$note (failed: $fail_procmail)"
fi

if [ "$have_deb" = 1 ]; then
    report "mda: peak memory, $BIG_MB MB message, Debian's maildrop" "$rss_debian" "KB" "(failed: $bigfail_debian)"
fi
if [ "$have_ours" = 1 ]; then
    note=""
    [ "$have_deb" = 1 ] && note="ratio $(ratio "$rss_ours" "$rss_debian") of Debian's maildrop (target <= 1.00)"
    report "mda: peak memory, $BIG_MB MB message, our maildrop" "$rss_ours" "KB" "$note (failed: $bigfail_ours)"
else
    report "mda: peak memory, $BIG_MB MB message, our maildrop" "n/a" "" "(no $OURS yet: skipped)"
fi
if [ "$have_pm" = 1 ]; then
    note=""
    [ "$have_deb" = 1 ] && note="ratio $(ratio "$rss_procmail" "$rss_debian") of Debian's maildrop"
    report "mda: peak memory, $BIG_MB MB message, procmail" "$rss_procmail" "KB" "$note (failed: $bigfail_procmail)"
fi

# where the messages went: our maildrop must route exactly as Debian's
if [ "$have_deb" = 1 ]; then
    echo "routing, Debian's maildrop: $route_debian"
    if [ "$have_ours" = 1 ]; then
        if [ "$route_ours" = "$route_debian" ]; then
            echo "routing, our maildrop: the same"
        else
            echo "routing, our maildrop: DIFFERENT: $route_ours"
        fi
    fi
    if [ "$have_pm" = 1 ]; then
        if [ "$route_procmail" = "$route_debian" ]; then
            echo "routing, procmail: the same"
        else
            echo "routing, procmail: $route_procmail"
        fi
    fi
fi
exit 0
