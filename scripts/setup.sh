#!/usr/bin/env bash
# Installs every Debian/Ubuntu package peerlab needs. Idempotent and non-interactive: packages
# already installed are skipped, so running it again costs a second.
set -euo pipefail

packages=(
  # build (ccache: scripts/test reuses objects of earlier builds, in any checkout)
  cmake ninja-build g++ pkg-config ccache
  # C++ libraries
  libyaml-cpp-dev libssl-dev libgtest-dev libboost-graph-dev libeigen3-dev libsqlite3-dev
  # command lines (header-only; cli/README.md)
  libcli11-dev
  # JSON: every JSON file and text form is read and written with nlohmann-json (util/json.hpp)
  nlohmann-json3-dev
  # Tendermint wire messages (families/tendermint/proto): protobuf runtime and protoc
  libprotobuf-dev protobuf-compiler
  # ns-3 (packet-level backend); find_package(ns3) also needs the ns3 helpers and GSL
  libns3-dev ns3 libgsl-dev libxml2-dev
  # Python side (Debian's /usr/bin/python3)
  python3 python3-dev python3-venv pybind11-dev python3-pybind11
  python3-numpy python3-pandas python3-pytest python3-matplotlib python3-bitcoinlib
  python3-networkx python3-scipy libspectra-dev python3-tqdm python3-distributed python3-yaml
  python3-pytest-xdist
  # `pip install .` without PyPI (pyproject.toml, setup.py): the build backend and bdist_wheel
  python3-setuptools python3-wheel
  # wire fuzzing: libFuzzer target (tests/fuzz, -DPEERLAB_LIBFUZZER=ON)
  clang-14 libclang-rt-14-dev
  # interoperability: a real node to talk to (tests/python/test_{chain,litecoind}_interop.py
  # run /usr/lib/litecoin/litecoind on regtest and fail without it)
  litecoind
  # `peerlab report`'s browser test (tests/python/test_report.py) opens the page in headless
  # Chromium with no network
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
else
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# `import peerlab` for the user: a venv over Debian's interpreter that sees Debian's packages
# (numpy, pandas, dask ...) and, through a .pth file, this checkout's package (python/) and
# its compiled module (build/release/python/, there once built). Offline: nothing from PyPI.
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$repo/.venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$repo/.venv"
fi
site="$("$repo/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
printf '%s\n%s\n' "$repo/python" "$repo/build/release/python" > "$site/peerlab-checkout.pth"
