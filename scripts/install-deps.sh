#!/usr/bin/env bash
# install-deps.sh — installs everything ArrowPhoenix needs on Debian 12, as
# root (or through sudo). Safe to run again: it only installs what is missing.
#
#   scripts/install-deps.sh          build + demo dependencies
#   scripts/install-deps.sh --test   also the test peers (Apache ZooKeeper,
#                                    kazoo, clang/libFuzzer, node + npm packages)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

pkgs=(build-essential cmake pkg-config libzstd-dev liblz4-dev zlib1g-dev libxxhash-dev
      libedit-dev libcmocka-dev libzookeeper-mt-dev libuv1-dev libssl-dev)
if [ $want_test = 1 ]; then
  pkgs+=(clang libclang-rt-14-dev zookeeper default-jre-headless python3 python3-kazoo
         python3-pytest python3-mock python3-objgraph
         nodejs npm procps)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may already have its own node/npm outside dpkg: use it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ $want_test = 1 ] && [ -f tests/interop/package-lock.json ]; then
  if [ ! -d tests/interop/node_modules ] || [ tests/interop/package-lock.json -nt tests/interop/node_modules ]; then
    echo "install-deps: npm ci (tests/interop)"
    (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
