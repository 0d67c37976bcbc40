#!/bin/sh
# The parallel engine's speed-up curve: runs one scenario with each thread count in turn
# (1, 2, 4, 8, then again), so every count sees the same drift of a shared machine, and prints
# each run's wall and CPU seconds and peak RSS (from /usr/bin/time), then each count's median
# wall time and its speed-up over 1 thread. Results are the same for every count (checked: the
# summaries are compared byte for byte).
#
#   bench/threads.sh [BINARY] [ROUNDS] [-- RUN ARGS]
#   bench/threads.sh build/release/peerlab 3
#   bench/threads.sh build/release/peerlab 1 -- bench/bitcoin_tx.yaml
# Default run: scenarios/bitcoin.yaml (10,000 nodes). THREADS overrides the counts, e.g.
# THREADS="1 2" for the 2-core figure alone.
set -eu
bin=${1:-build/release/peerlab}
rounds=${2:-3}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
  set -- scenarios/bitcoin.yaml
fi
counts=${THREADS:-1 2 4 8}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
round=1
while [ "$round" -le "$rounds" ]; do
  for t in $counts; do
    /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$bin" run "$@" --threads "$t" \
      --out "$out/run" --force --quiet >/dev/null 2>&1 || { echo "run failed: $t threads" >&2; exit 1; }
    read -r wall user sys rss < "$out/time"
    echo "round $round: threads $t: wall $wall s, cpu $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') s, peak RSS $((rss / 1024)) MB"
    echo "$t $wall" >> "$out/walls"
    if [ -f "$out/summary.first" ]; then
      cmp -s "$out/summary.first" "$out/run/summary.json" || { echo "summary.json differs at $t threads" >&2; exit 1; }
    else
      cp "$out/run/summary.json" "$out/summary.first"
    fi
  done
  round=$((round + 1))
done
# Median wall time per count, and the speed-up over the first count.
for t in $counts; do
  awk -v t="$t" '$1 == t { print $2 }' "$out/walls" | sort -n |
    awk -v t="$t" '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print t, m }'
done | awk 'NR == 1 { base = $2 } { printf "threads %s: median wall %.2f s, speed-up %.2f\n", $1, $2, base / $2 }'
