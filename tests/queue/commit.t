#!/bin/sh
# The one-flush commit (queue/qcommit.h, qmail-queue(8), qmail-todo(8)):
# the commit record qmail-queue leaves on its files, the "pending" mode,
# what qmail-todo does with pending entries, with entries from an earlier
# boot (whole or torn by a power loss, played here by editing the record
# and the files), with stale records and with entries that have none, and
# the two-flush order on a file system without extended attributes.
. "$SUITE_SRC/tests/lib/tap.sh"
. "$SUITE_SRC/tests/lib/sandbox.sh"
sandbox_create
Q=$QMAILHOME/queue
T=$SANDBOX/t
mkdir "$T"
DRIVE=$SUITE_BUILD/tests/helpers/qtodo-drive
QC=$SUITE_BUILD/tests/helpers/qcommit
printf 'Subject: hello\n\nbody\n' >"$T/msg"
printf 'Fjoe@example.org\000Tbob@sandbox.example\000\000' >"$T/env"

# inject [PROGRAM]: queues $T/msg with qmail-queue (or PROGRAM); sets ID,
# MESS and TODO
inject() {
    (cd "$Q" && find mess -type f | sort) >"$T/before"
    "${1:-qmail-queue}" <"$T/msg" 1<"$T/env" || { diag "qmail-queue failed: $?"; return 1; }
    ID=$( (cd "$Q" && find mess -type f | sort) | comm -13 "$T/before" - | sed 's|.*/||')
    MESS=$Q/mess/$((ID % 23))/$ID
    TODO=$Q/todo/$((ID % 23))/$ID
}
drive() { : >"$T/log"; (cd "$T" && "$DRIVE" "$T/log" "$@"); }
field() { "$QC" show "$1" | cut -d' ' -f"$2"; } # FILE N: id boot size hmess henv
other_boot() { echo $(($("$QC" boot) / 2 + 1)); }
# flips the byte at OFFSET of FILE, keeping the size
flip() { printf 'X' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
processed() { is "$1" "N$ID:l
todo exit 0
clean exit 0" "$2"; }
removed() {
    is "$1" "todo exit 0
clean exit 0" "$2: nothing reaches qmail-send"
    like "$(cat "$T/log")" "warning: todo/$((ID % 23))/$ID was torn by a crash before its commit; removing it" \
        "$2: logged"
    [ ! -e "$TODO" ] && [ -e "$MESS" ]
    ok $? "$2: the todo entry is gone, the message file is left for qmail-qcheck"
    rm -f "$MESS"
}

# ---- what qmail-queue leaves ------------------------------------------------
inject
is "$(stat -c %a "$TODO")" 644 "a finished entry has mode 0644 (not pending)"
is "$(field "$TODO" 1)" "$ID" "the envelope's record names the message id"
is "$(field "$TODO" 2)" "$("$QC" boot)" "... and this boot"
is "$(field "$TODO" 3)" "$(stat -c %s "$MESS")" "... and the message file's size"
isnt "$(field "$TODO" 5)" 0 "... and a hash of the envelope"
is "$(field "$MESS" 1) $(field "$MESS" 4) $(field "$MESS" 5)" "$ID $(field "$TODO" 4) 0" \
    "the message file carries the same record (no envelope hash)"
processed "$(drive S w1 q)" "a whole entry is processed"

# ---- pending: the writer died before its flush was over -----------------------
if command -v strace >/dev/null 2>&1; then
    # LeakSanitizer cannot run under ptrace (make check SANITIZE=1)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    export ASAN_OPTIONS
    inject
    strace -f -e trace=open,openat -o "$T/trace" "$DRIVE" "$T/log" S w1 q >/dev/null
    grep -q "\"mess/$((ID % 23))/$ID\", O_RDONLY" "$T/trace"
    ok $((!$?)) "a finished entry's message file is not opened for a flush"
    inject
    chmod 0640 "$TODO"
    strace -f -e trace=open,openat -o "$T/trace" "$DRIVE" "$T/log" S w1 q >"$T/out"
    processed "$(cat "$T/out")" "a pending entry is processed"
    grep -q "\"mess/$((ID % 23))/$ID\", O_RDONLY" "$T/trace"
    ok $? "... after qmail-todo opened its message file to flush it"
else
    skip 3 "strace is not installed"
fi

# ---- entries from an earlier boot: checked against the record ---------------
inject
"$QC" set "$TODO" boot "$(other_boot)"
processed "$(drive S w1 q)" "an entry from an earlier boot whose files match its record is processed"

inject
"$QC" set "$TODO" boot "$(other_boot)"
flip "$MESS" 30
removed "$(drive S p300 q)" "earlier boot, message file torn (one byte)"

inject
"$QC" set "$TODO" boot "$(other_boot)"
printf 'Subject: hello\n' >>"$MESS"
removed "$(drive S p300 q)" "earlier boot, message file longer than recorded"

inject
"$QC" set "$TODO" boot "$(other_boot)"
flip "$TODO" 12
removed "$(drive S p300 q)" "earlier boot, envelope torn"

inject
"$QC" set "$TODO" id $((ID + 1))
removed "$(drive S p300 q)" "a record left from a recycled file's previous message (this boot)"

# qmail-qcheck reads the record the same way (queue/qcommit.c), and -r
# removes the entry; a whole entry from an earlier boot is no problem
inject
"$QC" set "$TODO" boot "$(other_boot)"
whole=$TODO
inject
"$QC" set "$TODO" boot "$(other_boot)"
flip "$MESS" 40
entry=todo/$((ID % 23))/$ID
is "$(qmail-qcheck)" "$entry: torn by a crash before its commit (never queued)" "qmail-qcheck reports a torn entry, and only it"
is "$(qmail-qcheck -r)" "$entry: torn by a crash before its commit (never queued): removed" "qmail-qcheck -r removes it"
[ ! -e "$TODO" ] && [ -e "$whole" ]
ok $? "... and leaves the whole one"
rm -f "$MESS" "$whole" "$Q/mess/$(( ${whole##*/} % 23 ))/${whole##*/}"

# ---- no record: committed the old way -----------------------------------------
inject
"$QC" drop "$TODO"
"$QC" set "$MESS" boot "$(other_boot)"
processed "$(drive S w1 q)" "an entry without a record (qmail 1.03) is trusted"

# ---- a file system without extended attributes: the two-flush order -------------
# the files come out of queue/poolq, where qmail-clean put two finished
# envelopes with their records: the record must not stay
rm -f "$Q"/poolq/*
inject && inject && drive S w2 q >/dev/null
rm -f "$Q"/mess/*/*
is "$(for f in "$Q"/poolq/*; do "$QC" show "$f" | cut -d' ' -f1; done | grep -cv none)" 2 \
    "the pool holds two recycled envelopes with records"
inject "$SUITE_BUILD/tests/helpers/qq-noxattr"
is "$("$QC" show "$TODO")" none "without xattrs the envelope has no record, not even a recycled one"
is "$(stat -c %a "$TODO")" 644 "... and mode 0644"
processed "$(drive S w1 q)" "... and is processed"

done_testing
