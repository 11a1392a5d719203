#!/bin/sh
# qmail-setup (queue/qmail-setup.sh): the qmail 1.03 home tree with its
# modes, idempotence and repair, clear errors, system mode's owners (as root,
# in a private mount namespace so the machine's /etc is not touched), and
# the test sandbox built on top of it (tests/lib/sandbox.sh).
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"

setup=$SUITE_SRC/queue/qmail-setup.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/setup.XXXXXX") || BAIL_OUT "mktemp failed"
atexit 'rm -rf "$T"'
qh=$T/qh

mode() { stat -c %a "$1" 2>/dev/null; }

out=$(sh "$setup" -u "$qh" 2>&1)
ok $? "qmail-setup -u exits 0"
is "$out" "" "... and prints nothing"

check_modes() { # label
    for spec in \
        ".:755" "bin:755" "control:755" "users:755" "alias:2755" \
        "queue:750" "queue/pid:700" "queue/intd:700" "queue/todo:750" \
        "queue/bounce:700" "queue/lock:750" "queue/mess:750" "queue/info:700" \
        "queue/local:700" "queue/remote:700" "queue/mess/0:750" \
        "queue/mess/5:750" "queue/mess/22:750" "queue/todo/3:750" "queue/info/0:700" \
        "queue/info/22:700" "queue/local/11:700" "queue/remote/22:700" \
        "queue/lock/tcpto:644" "queue/lock/sendmutex:600" \
        "queue/lock/trigger:622"; do
        p=${spec%:*}
        is "$(mode "$qh/$p")" "${spec##*:}" "$1: $p has mode ${spec##*:}"
    done
}
check_modes "first run"

# todo is split like mess (todo/<id%23>/<id>, as in notqmail's big-todo);
# qmail-queue still accepts a flat todo/ of qmail 1.03
for d in mess todo info local remote; do
    n=$(find "$qh/queue/$d" -mindepth 1 -maxdepth 1 -type d | wc -l)
    is "$n" 23 "queue/$d has 23 split subdirectories"
done
[ ! -e "$qh/queue/mess/23" ]
ok $? "there is no queue/mess/23"
for d in pid intd bounce; do
    is "$(find "$qh/queue/$d" -mindepth 1 | wc -l)" 0 "queue/$d is flat and empty"
done
is "$(wc -c <"$qh/queue/lock/tcpto" | tr -d ' ')" 1024 "queue/lock/tcpto is 1024 bytes"
is "$(od -An -v -tx1 "$qh/queue/lock/tcpto" | tr -d ' \n' | tr -d 0)" "" \
    "... all of them zero"
[ -f "$qh/queue/lock/sendmutex" ] && [ ! -s "$qh/queue/lock/sendmutex" ]
ok $? "queue/lock/sendmutex is an empty file"
[ -p "$qh/queue/lock/trigger" ]
ok $? "queue/lock/trigger is a FIFO"
is "$(find "$qh" ! -user "$(id -u)" | wc -l)" 0 "everything belongs to the invoking user"

# ---- idempotence and repair -------------------------------------------------
listing() { (cd "$qh" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort); }
echo "data" >"$qh/control/me"
before=$(listing)
printf 'KEEP' | dd of="$qh/queue/lock/tcpto" conv=notrunc 2>/dev/null
out=$(sh "$setup" -u "$qh" 2>&1)
ok $? "a second run exits 0"
is "$out" "" "... and prints nothing"
is "$(listing)" "$before" "... and leaves the tree exactly as it was"
is "$(head -c 4 "$qh/queue/lock/tcpto")" KEEP "... keeping tcpto's contents"
is "$(cat "$qh/control/me")" data "... and existing control files"

chmod 777 "$qh/queue/mess/5" "$qh/queue/info"
chmod 600 "$qh/queue/lock/tcpto"
rmdir "$qh/queue/intd" "$qh/queue/remote/7"
rm -f "$qh/queue/lock/trigger" "$qh/queue/lock/sendmutex"
head -c 100 /dev/zero >"$qh/queue/lock/tcpto.new" && mv "$qh/queue/lock/tcpto.new" "$qh/queue/lock/tcpto"
sh "$setup" -u "$qh/" >/dev/null 2>&1
ok $? "a run on a damaged tree (and HOME with a trailing slash) exits 0"
is "$(listing)" "$before" "... and repairs modes, missing parts and tcpto's size"
check_modes "after repair"

# programs: qmail's modes on regular files, symbolic links left alone
cp /bin/true "$qh/bin/qmail-queue"
cp /bin/true "$qh/bin/qmail-lspawn"
cp /bin/true "$qh/bin/qmail-send"
cp /bin/true "$qh/bin/ezmlm-send"
cp /bin/true "$T/target"
chmod 640 "$T/target"
ln -s "$T/target" "$qh/bin/qmail-local"
sh "$setup" -u "$qh" >/dev/null 2>&1
ok $? "a run with programs in bin exits 0"
is "$(mode "$qh/bin/qmail-queue")" 4711 "bin/qmail-queue gets 4711"
is "$(mode "$qh/bin/qmail-lspawn")" 700 "bin/qmail-lspawn gets 700"
is "$(mode "$qh/bin/qmail-send")" 711 "bin/qmail-send gets 711"
is "$(mode "$qh/bin/ezmlm-send")" 755 "other programs get 755"
is "$(mode "$T/target")" 640 "a symbolic link's target is not touched"

# ---- errors -------------------------------------------------------------------
out=$(sh "$setup" 2>&1)
is "$?" 100 "no arguments: exit 100"
like "$out" "^usage: qmail-setup" "... with a usage line"
out=$(sh "$setup" -u relative/dir 2>&1)
is "$?" 111 "a relative HOME: exit 111"
like "$out" "absolute path" "... saying it must be absolute"
mkdir -p "$T/bad/queue"
: >"$T/bad/queue/todo"
out=$(sh "$setup" -u "$T/bad" 2>&1)
is "$?" 111 "a file where a directory belongs: exit 111"
like "$out" "^qmail-setup: fatal: $T/bad/queue/todo exists but is not a directory" \
    "... naming it"
[ -f "$T/bad/queue/todo" ]
ok $? "... and the file is left alone"
if [ "$(id -u)" -ne 0 ]; then
    out=$(sh "$setup" -s "$T/sys" 2>&1)
    is "$?" 111 "system mode as a normal user: exit 111"
    like "$out" "needs root" "... saying it needs root"
else
    out=$(su nobody -s /bin/sh -c "sh '$setup' -s '$T/sys'" 2>&1)
    is "$?" 111 "system mode as a normal user (nobody): exit 111"
    like "$out" "needs root" "... saying it needs root"
fi

# ---- system mode, as root, with a private copy of /etc ------------------------
sysmode() {
    # runs in a new mount namespace; /etc is a throwaway copy there
    cp -a /etc "$T/etc" &&
        unshare -m sh -c '
            mount --make-rprivate / && mount --bind "$1/etc" /etc || exit 77
            sh "$2" -s "$1/sys" >"$1/sys.out" 2>&1 || exit 1
            sh "$2" -s "$1/sys" >>"$1/sys.out" 2>&1 || exit 2
            for u in alias qmaild qmaill qmailp qmailq qmailr qmails; do
                getent passwd "$u" | cut -d: -f1,6,7
            done >"$1/users"
            for u in alias qmaild qmaill qmailp qmailq qmailr qmails; do
                id -gn "$u"
            done >"$1/groups"
            cd "$1/sys" && find . -maxdepth 3 ! -path "*/[0-9]*" -printf "%p %U %G %m %y\n" |
                while read -r p u g m y; do
                    echo "$p $(getent passwd "$u" | cut -d: -f1):$(getent group "$g" | cut -d: -f1) $m $y"
                done | LC_ALL=C sort >"$1/tree"
            cd "$1/sys/queue" && find . -path "./*/[0-9]*" -printf "%u:%g %m\n" |
                sort | uniq -c | sed "s/^ *//" >"$1/split"
        ' sh "$T" "$setup"
}
if [ "$(id -u)" -ne 0 ]; then
    skip "system mode needs root" 6
elif ! command -v unshare >/dev/null 2>&1; then
    skip "unshare is not installed" 6
else
    mkdir -p "$T/sys/bin"
    cp /bin/true "$T/sys/bin/qmail-queue"
    cp /bin/true "$T/sys/bin/qmail-start"
    sysmode
    st=$?
    if [ "$st" -eq 77 ]; then
        skip "cannot make a private mount namespace" 6
    else
        is "$st" 0 "system mode runs twice in a private namespace"
        is "$(grep -c '^qmail-setup: created' "$T/sys.out")" 9 \
            "... creating 2 groups and 7 users the first time only"
        is "$(cat "$T/users")" "alias:$T/sys/alias:/usr/sbin/nologin
qmaild:$T/sys:/usr/sbin/nologin
qmaill:$T/sys:/usr/sbin/nologin
qmailp:$T/sys:/usr/sbin/nologin
qmailq:$T/sys:/usr/sbin/nologin
qmailr:$T/sys:/usr/sbin/nologin
qmails:$T/sys:/usr/sbin/nologin" "the users have qmail's homes and no login shell"
        is "$(tr '\n' ' ' <"$T/groups")" "nofiles nofiles nofiles nofiles qmail qmail qmail " \
            "... and qmail's groups"
        is "$(cat "$T/tree")" ". root:qmail 755 d
./alias alias:qmail 2755 d
./bin root:qmail 755 d
./bin/qmail-queue qmailq:qmail 4711 f
./bin/qmail-start root:qmail 700 f
./control root:qmail 755 d
./queue qmailq:qmail 750 d
./queue/bounce qmails:qmail 700 d
./queue/info qmails:qmail 700 d
./queue/intd qmailq:qmail 700 d
./queue/local qmails:qmail 700 d
./queue/lock qmailq:qmail 750 d
./queue/lock/sendmutex qmails:qmail 600 f
./queue/lock/tcpto qmailr:qmail 644 f
./queue/lock/trigger qmails:qmail 622 p
./queue/mess qmailq:qmail 750 d
./queue/pid qmailq:qmail 700 d
./queue/poolq qmailq:qmail 700 d
./queue/pools qmails:qmail 700 d
./queue/remote qmails:qmail 700 d
./queue/todo qmailq:qmail 750 d
./users root:qmail 755 d" "the tree has qmail's owners, group and modes"
        is "$(cat "$T/split")" "46 qmailq:qmail 750
69 qmails:qmail 700" "... and so have the split subdirectories"
    fi
fi
! getent passwd qmailq qmails | grep -q "$T"
ok $? "the machine's own /etc is untouched"

# ---- the test sandbox --------------------------------------------------------
sandbox_create
[ -n "$SANDBOX" ] && [ -d "$SANDBOX" ] && [ "$QMAILHOME" = "$SANDBOX/qmail" ]
ok $? "sandbox_create makes \$SANDBOX with QMAILHOME inside"
is "$(mode "$QMAILHOME/queue/mess/5")" 750 "... built by qmail-setup -u"
is "$(cat "$QMAILHOME/control/me")" sandbox.example "... control/me"
is "$(cat "$QMAILHOME/control/locals")" sandbox.example "... control/locals"
is "$(cat "$QMAILHOME/control/rcpthosts")" sandbox.example "... control/rcpthosts"
is "$(cat "$QMAILHOME/users/assign")" "=$(id -un):$(id -un):$(id -u):$(id -g):$SANDBOX_HOME:::
." "... users/assign"
[ -d "$SANDBOX_MAILDIR/new" ] && [ -d "$SANDBOX_MAILDIR/cur" ] && [ -d "$SANDBOX_MAILDIR/tmp" ]
ok $? "... a Maildir in the user's home"
nbin=0
nlink=0
for f in "$SUITE_BUILD"/bin/*; do
    [ -e "$f" ] || continue
    nbin=$((nbin + 1))
    [ "$(readlink "$QMAILHOME/bin/${f##*/}")" = "$f" ] && nlink=$((nlink + 1))
done
is "$nlink" "$nbin" "... bin/ links to every built program"
case :$PATH: in
*":$QMAILHOME/bin:"*) pass "... and PATH has \$QMAILHOME/bin" ;;
*) fail "... and PATH has \$QMAILHOME/bin" ;;
esac
sb=$SANDBOX
sandbox_spawn sleep 300
spawned=$SANDBOX_PID
(cd "$SANDBOX_HOME" && exec sleep 301) &
stray=$!
cd "$SANDBOX_MAILDIR" || :
chmod 0 "$SANDBOX_MAILDIR/new"
sandbox_destroy
[ ! -e "$sb" ]
ok $? "sandbox_destroy removes the sandbox"
! kill -0 "$spawned" 2>/dev/null && ! kill -0 "$stray" 2>/dev/null
ok $? "... and stops the processes it ran or that work inside it"

done_testing
