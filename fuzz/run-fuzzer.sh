#!/usr/bin/env bash
# run-fuzzer.sh FUZZER SECONDS [SEED_DIR...] — run a libFuzzer target for a
# bounded time over a scratch corpus (seed dirs are read, never written).
# A crash, leak, timeout or sanitizer report fails the test; the scratch dir
# with the failing input is kept and named in the output.
set -u
fuzzer=$1; secs=$2; shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/aphx-fuzz.XXXXXX")
seeds=()
for d in "$@"; do
  [ -n "$d" ] || continue
  if [ -d "$d" ]; then seeds+=("$d"); else echo "run-fuzzer: seed dir $d is absent; fuzzing without it"; fi
done
mkdir -p "$work/corpus"
cd "$work"
"$fuzzer" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
          corpus "${seeds[@]+"${seeds[@]}"}" >fuzz.log 2>&1
rc=$?
tail -n 25 fuzz.log
if [ $rc -ne 0 ]; then
  echo "run-fuzzer: FAILED (exit $rc); input and log kept in $work"
  exit 1
fi
rm -rf "$work"
