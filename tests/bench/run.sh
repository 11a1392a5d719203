#!/bin/sh
# make bench: prints throughput and memory figures, as ratios against the
# disk's own fsync rate (measured in the same run) and against peers where
# a part has them.  Benchmarks never fail on slowness.
#
# Parts: tests/bench/<area>.sh, sourced in order (BENCH_ONLY=<area> narrows
# the run).  They may use:
#   bench_fsync_rate      prints the disk's create+write(4 KiB)+fsync+close
#                         rate in files/s (measured once, cached)
#   bench_fsync_measure DIR   measures that rate now, in DIR
#   bench_fsync_measure_in DIR AWAY   ... in DIR itself, files moved to AWAY
#   report NAME VALUE UNIT [NOTE]   prints one aligned figure line
#   ratio A B             prints A/B with two decimals
set -u
BUILD=${1:?usage: run.sh BUILD_DIR}
SUITE_SRC=$(cd "$(dirname "$0")/../.." && pwd)
SUITE_BUILD=$BUILD
export SUITE_SRC SUITE_BUILD
HELPERS=$BUILD/tests/helpers

# bench_fsync_measure DIR: the median of five runs of 1,000 files each in
# new subdirectories of DIR (created).  The rate of this shared disk varies
# several-fold from minute to minute, hence five runs.  The files stay
# until DIR is removed: on ext4 without a journal, freeing inodes makes
# every create in that block group slower for minutes (the allocator walks
# past inodes freed in the last 60 to 360 seconds), which would slow what
# is measured next.
bench_fsync_measure() {
    mkdir -p "$1" || return 1
    for i in 1 2 3 4 5; do mkdir "$1/$i" && "$HELPERS/fsyncrate" "$1/$i" 1000; done | sort -n | sed -n 3p
}

# bench_fsync_measure_in DIR AWAY: the same median, with the files created
# in DIR itself (a queue directory: a new directory may land in another
# block group, where creates cost something else) and moved to AWAY after
# each run.
bench_fsync_measure_in() {
    mkdir -p "$2" || return 1
    for i in 1 2 3 4 5; do "$HELPERS/fsyncrate" "$1" 1000 "$2"; done | sort -n | sed -n 3p
}

_fsync_rate=
bench_fsync_rate() {
    if [ -z "$_fsync_rate" ]; then
        _fsync_dir=$(mktemp -d "${TMPDIR:-/tmp}/fsyncrate.XXXXXX")
        trap 'rm -rf "$_fsync_dir"' EXIT
        _fsync_rate=$(bench_fsync_measure "$_fsync_dir")
    fi
    echo "$_fsync_rate"
}

report() {
    printf '%-58s %12s %-8s %s\n' "$1" "$2" "$3" "${4:-}"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'
}

# measured once here; the parts run in subshells and see it through the
# environment
# (not in $(...): the EXIT trap that removes the files must be this shell's)
bench_fsync_rate >/dev/null
export _fsync_rate
echo "bench: $(nproc) cores, $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
report "disk: create+write 4 KiB+fsync+close" "$(bench_fsync_rate)" "files/s" "(the limit ratios are taken against, unless a part measures its own)"
for part in "$SUITE_SRC"/tests/bench/*.sh; do
    name=$(basename "$part" .sh)
    [ "$name" = run ] && continue
    [ -n "${BENCH_ONLY:-}" ] && [ "$name" != "$BENCH_ONLY" ] && continue
    printf '\n[%s]\n' "$name"
    ( . "$part" ) || echo "bench: part $name failed" >&2
done
