#!/bin/sh
# Builds build/pgo/peerlab with GCC's profile-guided optimisation: a first build records which
# branches and calls the simulator takes on short training runs, a second build uses that
# profile to lay out and inline the hot paths. Results are the same as the release build's
# (byte-identical files: no floating-point flag changes); only speed differs (docs/performance.md,
# "Tried without a gain").
#
#   bench/pgo-build.sh           # 14 minutes on the 2-core machine (two builds without ccache)
#   build/pgo/peerlab run scenarios/bitcoin.yaml
set -eu
cd "$(dirname "$0")/.."
root=$PWD
dir=build/pgo
# Without ccache: a cached object compiled against an older profile would not match the new one.
unset CMAKE_CXX_COMPILER_LAUNCHER CMAKE_C_COMPILER_LAUNCHER
configure() {
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 $1" \
    -DPEERLAB_BUILD_BENCH=OFF -DPEERLAB_BUILD_FUZZ=OFF -DPEERLAB_WITH_PYTHON=OFF \
    -DPEERLAB_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER_LAUNCHER= >/dev/null
}
echo "pgo-build: 1/3 instrumented build ($dir)"
rm -rf "$dir"
configure "-fprofile-generate -fprofile-update=prefer-atomic"
cmake --build "$dir" -j"$(nproc)" --target peerlab >/dev/null
echo "pgo-build: 2/3 training runs"
train=$(mktemp -d)
trap 'rm -rf "$train"' EXIT
run() { "$dir/peerlab" run "$@" --out "$train/run" --force --quiet >/dev/null; }
# Blocks, then transactions, on one and on two threads (the parallel engine's paths), then the
# other family; a few minutes in all under the instrumented build.
run scenarios/bitcoin.yaml --set network.nodes=3000 --set stop.blocks=12 --threads 1
run scenarios/bitcoin.yaml --set network.nodes=3000 --set stop.blocks=6 --threads 2
run bench/bitcoin_tx.yaml --set network.nodes=2000 --set stop.time=3min --threads 1
run bench/bitcoin_tx.yaml --set network.nodes=2000 --set stop.time=2min --threads 2
run scenarios/tendermint.yaml --set stop.heights=5 --set network.nodes=300 --set groups.validators.nodes=50
echo "pgo-build: 3/3 optimised build"
configure "-fprofile-use -fprofile-correction -Wno-missing-profile -Wno-error=coverage-mismatch"
cmake --build "$dir" -j"$(nproc)" --target peerlab >/dev/null
echo "pgo-build: $root/$dir/peerlab"
