#!/usr/bin/env bash
# run-exec-bench.sh — the executor benchmark: ArrowPhoenix (bench/exec_bench.c)
# against DuckDB (bench/exec_bench.mjs, threads=1) on the same generated data
# in the same run. Prints a table with times, ratios (ours / DuckDB; < 1 means
# we are faster) and whether the result checksums agree. Asserts nothing.
#
#   bench/run-exec-bench.sh [EXEC_BENCH_BINARY] [ROWS] [RUNS]
#
# Defaults: build/bench/exec_bench, 10000000 rows, 3 runs. Ratios use CPU
# time (the machine is shared; CPU time ignores waiting for a core); wall
# time is shown beside it. Needs node + tests/interop/node_modules for the
# DuckDB columns (scripts/install-deps.sh --test); without them: n/a.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/bench/exec_bench}
rows=${2:-10000000}
runs=${3:-3}
[ -x "$bin" ] || { echo "run-exec-bench: $bin is not built (cmake --build build --target exec_bench)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/aphx-exec-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$bin" --rows "$rows" --runs "$runs" >"$work/ours.txt"
if command -v node >/dev/null 2>&1 && [ -d "$here/../tests/interop/node_modules/@duckdb/node-api" ]; then
  node "$here/exec_bench.mjs" "$rows" "$runs" >"$work/duck.txt" 2>"$work/duck.err" ||
    { echo "run-exec-bench: DuckDB side failed: $(head -c 300 "$work/duck.err")" >&2; : >"$work/duck.txt"; }
else
  echo "run-exec-bench: node or @duckdb/node-api missing: DuckDB columns are n/a" >&2
  : >"$work/duck.txt"
fi

awk -v rows="$rows" '
  FNR == NR { ours[$1] = $2; next }
  { duck[$1] = $2 }
  function num(x) { return x == "" ? "n/a" : sprintf("%.1f", x) }
  function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2fx", a / b) }
  END {
    printf "executor benchmark, %s rows, single thread (ms; ratio = ours / DuckDB, CPU time)\n", rows
    printf "%-10s %10s %10s %10s %10s %8s  %s\n", "query", "ours_cpu", "ours_wall", "duck_cpu", "duck_wall", "ratio", "results"
    split("sum filter group_int group_str join topn", q, " ")
    for (i = 1; i <= 6; i++) {
      k = q[i]
      same = (duck[k "_result"] == "") ? "n/a" : (ours[k "_result"] == duck[k "_result"] ? "same" : "DIFFER " ours[k "_result"] " vs " duck[k "_result"])
      printf "%-10s %10s %10s %10s %10s %8s  %s\n", k, num(ours[k "_cpu_ms"]), num(ours[k "_ms"]),
             num(duck[k "_cpu_ms"]), num(duck[k "_ms"]), ratio(ours[k "_cpu_ms"], duck[k "_cpu_ms"]), same
    }
  }' "$work/ours.txt" "$work/duck.txt"
