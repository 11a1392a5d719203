#!/bin/sh
# make bench: prints throughput and memory figures, as ratios against the
# disk's own fsync rate (measured in the same run) and against peers where
# a part has them.  Benchmarks never fail on slowness.
#
# Parts: tests/bench/<area>.sh, sourced in order (BENCH_ONLY=<area> narrows
# the run).  They may use:
#   bench_fsync_rate      prints the disk's create+write(4 KiB)+fsync+close
#                         rate in files/s (measured once, cached)
#   report NAME VALUE UNIT [NOTE]   prints one aligned figure line
#   ratio A B             prints A/B with two decimals
set -u
BUILD=${1:?usage: run.sh BUILD_DIR}
SUITE_SRC=$(cd "$(dirname "$0")/../.." && pwd)
SUITE_BUILD=$BUILD
export SUITE_SRC SUITE_BUILD
HELPERS=$BUILD/tests/helpers

_fsync_rate=
bench_fsync_rate() {
    if [ -z "$_fsync_rate" ]; then
        # the rate of this shared disk varies several-fold from minute to
        # minute: take the median of five short runs.  The files stay until
        # the bench ends: on ext4 without a journal, freeing inodes makes
        # every create in that block group slower for a minute or more (the
        # allocator walks past recently freed inodes), which would slow
        # the next run and the parts that follow.
        _fsync_dir=$(mktemp -d "${TMPDIR:-/tmp}/fsyncrate.XXXXXX")
        trap 'rm -rf "$_fsync_dir"' EXIT
        _fsync_rate=$(for i in 1 2 3 4 5; do mkdir "$_fsync_dir/$i" &&
            "$HELPERS/fsyncrate" "$_fsync_dir/$i" 1000; done | sort -n | sed -n 3p)
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
report "disk: create+write 4 KiB+fsync+close" "$(bench_fsync_rate)" "files/s" "(the limit every ratio below is taken against)"
for part in "$SUITE_SRC"/tests/bench/*.sh; do
    name=$(basename "$part" .sh)
    [ "$name" = run ] && continue
    [ -n "${BENCH_ONLY:-}" ] && [ "$name" != "$BENCH_ONLY" ] && continue
    printf '\n[%s]\n' "$name"
    ( . "$part" ) || echo "bench: part $name failed" >&2
done
