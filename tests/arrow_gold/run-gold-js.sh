#!/usr/bin/env bash
# run-gold-js.sh GOLD_BIN CORPORA INTEROP_DIR OUTDIR [CASES_DIR DUMP_BIN] —
# the gold files between our Arrow and apache-arrow (JS), both directions:
# apache-arrow rewrites every gold file (gold_js.mjs --write-js OUTDIR.js) and
# our reader must read those copies as the JSON says; `GOLD_BIN --write-ipc
# OUTDIR --js-dir OUTDIR.js CORPORA` runs that and all our own checks and
# leaves our IPC files in OUTDIR; then gold_js.mjs judges ours with
# apache-arrow. With CASES_DIR the synthetic cases are written too and judged
# against apache-arrow's reading of their JSON (DUMP_BIN, tests/interop's
# interop_dump, adds our reader's rendering; float16 cases need it). Exits 77 (ctest: skipped) with
# the reason when the corpus, node or the npm packages are missing
# (scripts/install-deps.sh --test runs `npm ci` in tests/interop).
set -u
bin=$1; corpora=$2; interop=$3; out=$4; cases=${5:-}; dump=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$corpora/arrow-testing" ]; then
  echo "SKIP: arrow gold files not found at $corpora/arrow-testing (corpus absent)"; exit 77
fi
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (scripts/install-deps.sh --test installs it)"; exit 77
fi
if [ ! -d "$interop/node_modules/apache-arrow" ]; then
  echo "SKIP: $interop/node_modules is missing: run scripts/install-deps.sh --test (npm ci)"; exit 77
fi
rm -rf "$out" "$out.js" && mkdir -p "$out" "$out.js" || exit 1
# 1. apache-arrow's own (faithful) copies of the gold files, for our reader
node "$here/gold_js.mjs" --gold "$corpora/arrow-testing" --write-js "$out.js" || exit 1
# 2. our checks, incl. reading those copies; our IPC files left in $out
"$bin" --write-ipc "$out" --js-dir "$out.js" "$corpora" >"$out.log" 2>&1
rc=$?
tail -n 2 "$out.log"
if [ $rc -ne 0 ]; then
  grep -E '^(FAIL|CASE FAIL)' "$out.log" | head -n 40
  echo "run-gold-js: test_arrow_gold failed (exit $rc); full log in $out.log"
fi
dump_args=()
if [ -n "$cases" ]; then
  "$bin" --write-ipc "$out" --synthetic "$cases" >"$out.synthetic.log" 2>&1
  src=$?
  tail -n 1 "$out.synthetic.log"
  if [ $src -ne 0 ]; then
    grep -E '^(FAIL|CASE FAIL)' "$out.synthetic.log" | head -n 40
    echo "run-gold-js: synthetic cases failed (exit $src); full log in $out.synthetic.log"
    rc=$src
  fi
  dump_args+=(--cases "$cases")
fi
if [ -n "$dump" ] && [ -x "$dump" ]; then
  dump_args+=(--dump "$dump")
elif [ -n "$cases" ]; then
  echo "run-gold-js: note: ${dump:-interop_dump} not built; synthetic float16 cases cannot be judged"
fi
node "$here/gold_js.mjs" --gold "$corpora/arrow-testing" --ours "$out" "${dump_args[@]+"${dump_args[@]}"}"
js=$?
[ $rc -eq 0 ] && [ $js -eq 0 ]
