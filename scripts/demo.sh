#!/usr/bin/env bash
# demo.sh — the README's main job: install, build, run `aphx demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
exec ./build/aphx demo "$@"
