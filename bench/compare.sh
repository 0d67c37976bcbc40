#!/bin/sh
# Compares two peerlab builds on one scenario as alternating pairs (old, new, old, new, ...),
# so that both see the same drift of a shared machine; prints every pair's wall seconds (from
# /usr/bin/time) and the ratio new/old, then the median ratio.
#
#   bench/compare.sh OLD_BINARY NEW_BINARY [PAIRS] [-- RUN ARGS]
#   bench/compare.sh /tmp/peerlab-before build/release/peerlab 6
# Default run: scenarios/bitcoin.yaml at 10,000 nodes. OLD_SET and NEW_SET (environment) add
# one `--set` override to each side's runs, to compare two settings of one build:
#   OLD_SET=network.link_model=fifo NEW_SET=network.link_model=flow \
#     bench/compare.sh build/release/peerlab build/release/peerlab 10
set -eu
old=$1
new=$2
pairs=${3:-6}
shift 2
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
  set -- scenarios/bitcoin.yaml --set network.nodes=10000
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Wall seconds of one run of binary $1 (the scenario arguments are the script's).
wall() {
  bin=$1
  set_arg=$2
  shift 2
  [ -n "$set_arg" ] && set -- "$@" --set "$set_arg"
  /usr/bin/time -f %e -o "$out/t" "$bin" run "$@" --out "$out/run" --force --quiet \
    >/dev/null 2>&1 || { echo "run failed: $bin" >&2; exit 1; }
  cat "$out/t"
}
i=1
ratios=""
while [ "$i" -le "$pairs" ]; do
  a=$(wall "$old" "${OLD_SET:-}" "$@")
  b=$(wall "$new" "${NEW_SET:-}" "$@")
  r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
  echo "pair $i: old ${a} s, new ${b} s, new/old $r"
  ratios="$ratios $r"
  i=$((i + 1))
done
echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n |
  awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
        printf "median new/old %.3f (min %.3f, max %.3f, %d pairs)\n", m, v[1], v[NR], NR }'
