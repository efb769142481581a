#!/usr/bin/env bash
# build.sh [release|asan|fuzz] — configure and build one flavour.
#   release -> build/       (the binary build/aphx)
#   asan    -> build-asan/  (Debug, ASan+UBSan)
#   fuzz    -> build-fuzz/  (clang, libFuzzer targets, ASan+UBSan)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
werror=OFF
[ -n "${CI:-}" ] && werror=ON
case $flavour in
  release) cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DAPHX_WERROR=$werror >/dev/null
           cmake --build build -j"$jobs" ;;
  asan)    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAPHX_WERROR=$werror >/dev/null
           cmake --build build-asan -j"$jobs" ;;
  fuzz)    CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAPHX_FUZZ=ON \
             -DAPHX_WERROR=$werror >/dev/null
           cmake --build build-fuzz -j"$jobs" ;;
  *) echo "usage: scripts/build.sh [release|asan|fuzz]" >&2; exit 2 ;;
esac
