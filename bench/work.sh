#!/usr/bin/env bash
# bench/work.sh [N] [NEEDS] [BIN...] — the work of one match, counted rather than timed: instructions
# and L1 data-cache misses (reads and writes) per match of `duijie eval` under valgrind's cachegrind, on the
# generated catalog of N resources (default 20000) and its first NEEDS needs (default 200).
#
# Wall-clock figures on a shared 2-core machine move ±40% between runs; these counts are the same on
# every run, so a change to the matcher can be judged by them (then confirmed with speed.sh). A match
# is counted as the difference between a run with NEEDS needs and a run with one need (`duijie eval`
# matches every need twice: a warm-up pass and a timed pass), so reading the catalog and building the
# index drop out. BIN defaults to this repository's release `duijie` (built first); give several
# binaries (say, one built from an older commit) to compare them. Needs valgrind and python3.
set -euo pipefail
n=${1:-20000}
needs=${2:-200}
shift $(($# < 2 ? $# : 2))
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$repo/../shared}
data=${BENCH_WORK:-/tmp/duijie-bench}/$n
command -v valgrind >/dev/null || { echo "bench/work.sh needs valgrind (apt-get install valgrind)" >&2; exit 1; }
if [ $# -eq 0 ]; then
  (cd "$repo" && cargo build --release -q -p duijie-server)
  set -- "${CARGO_TARGET_DIR:-$repo/target}/release/duijie"
fi
if [ ! -s "$data/catalog.jsonl" ] || [ ! -s "$data/queries.jsonl" ]; then
  mkdir -p "$data"
  python3 "$shared/bench/gen_catalog.py" "$n" 500 1 "$data" >/dev/null
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/duijie-work.XXXXXX")
trap 'rm -rf "$work"' EXIT
head -1 "$data/queries.jsonl" >"$work/one.jsonl"
head -"$needs" "$data/queries.jsonl" >"$work/many.jsonl"
count=$(wc -l <"$work/many.jsonl")

# counts BIN QUERIES: prints "instructions d1_misses" of one eval run.
counts() {
  valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null \
    "$1" eval --catalog "$data/catalog.jsonl" --queries "$2" 2>&1 >/dev/null |
    awk '/ I +refs:/ {gsub(",", "", $4); i=$4} / D1 +misses:/ {gsub(",", "", $4); d=$4} END {print i, d}'
}

echo "catalog: $data/catalog.jsonl ($n resources); $count needs, each matched twice"
printf '%-60s %16s %20s\n' binary "instructions/match" "L1d misses/match"
for bin in "$@"; do
  read -r i1 d1 < <(counts "$bin" "$work/one.jsonl")
  read -r i2 d2 < <(counts "$bin" "$work/many.jsonl")
  matches=$(( (count - 1) * 2 ))
  printf '%-60s %16d %20d\n' "$bin" $(( (i2 - i1) / matches )) $(( (d2 - d1) / matches ))
done
