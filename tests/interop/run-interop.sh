#!/usr/bin/env bash
# run-interop.sh SRC_DIR COMMAND ARGS... — runs tests/interop/interop.mjs
# COMMAND from SRC_DIR (tests/interop). Exits 77 (ctest: skipped) with the
# reason when node or the npm packages (scripts/install-deps.sh --test runs
# `npm ci` there) are missing.
set -u
src=$1; shift
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (scripts/install-deps.sh --test installs it)"; exit 77
fi
if [ ! -d "$src/node_modules/apache-arrow" ]; then
  echo "SKIP: $src/node_modules is missing: run scripts/install-deps.sh --test (npm ci)"; exit 77
fi
cd "$src" && exec node interop.mjs "$@"
