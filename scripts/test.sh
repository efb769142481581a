#!/usr/bin/env bash
# test.sh — the whole test suite (the README's test command; .ci/run calls it).
# Installs what it needs, builds three flavours and runs ctest in each:
#   build-asan  every unit and corpus test under ASan+UBSan
#   build-fuzz  every libFuzzer target for a bounded time
#   build       everything, including interop tests against real peers
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
bash scripts/build.sh asan
bash scripts/build.sh fuzz
bash scripts/build.sh release
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
echo "== ASan+UBSan: unit and corpus tests =="
ctest --test-dir build-asan --output-on-failure -LE 'interop|slow' || status=1
echo "== libFuzzer targets (bounded) =="
ctest --test-dir build-fuzz --output-on-failure -L fuzz || status=1
echo "== Release: all tests =="
ctest --test-dir build --output-on-failure || status=1
exit $status
