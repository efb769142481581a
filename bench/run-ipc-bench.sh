#!/usr/bin/env bash
# run-ipc-bench.sh — the IPC benchmark: ArrowPhoenix (bench/ipc_bench.c)
# against memcpy of the same bytes and against apache-arrow JS
# (bench/ipc_bench.mjs) on the same data in the same run. Prints a table
# with ratios; asserts nothing (it is not part of ctest).
#
#   bench/run-ipc-bench.sh [IPC_BENCH_BINARY] [ROWS] [RUNS]
#   cmake --build build --target bench          (the same, via CMake)
#
# Defaults: build/bench/ipc_bench, 10000000 rows, 5 runs. Ratios use CPU
# time (this machine is shared; CPU time ignores waiting for a core) and
# wall time is shown beside it. Needs node + tests/interop/node_modules for
# the apache-arrow columns (scripts/install-deps.sh --test); without them
# those columns say n/a.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/bench/ipc_bench}
rows=${2:-10000000}
runs=${3:-5}
[ -x "$bin" ] || { echo "run-ipc-bench: $bin is not built (cmake --build build --target ipc_bench)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/aphx-ipc-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$bin" --rows "$rows" --runs "$runs" --data-out "$work/data.stream" --zstd-out "$work/data_zstd.stream" >"$work/ours.txt"
if command -v node >/dev/null 2>&1 && [ -d "$here/../tests/interop/node_modules/apache-arrow" ]; then
  node "$here/ipc_bench.mjs" "$work/data.stream" "$work/data_zstd.stream" "$runs" >"$work/js.txt" 2>"$work/js.err" ||
    echo "run-ipc-bench: apache-arrow side failed: $(head -c 300 "$work/js.err")" >&2
else
  echo "run-ipc-bench: node or tests/interop/node_modules missing: apache-arrow columns are n/a" >&2
  : >"$work/js.txt"
fi

awk '
  FNR == NR { ours[$1] = $2; next }
  { js[$1] = $2; if ($1 ~ /_error$/) { $1 = ""; jserr[FNR] = $0 } }
  function num(x) { return x == "" ? "n/a" : sprintf("%.1f", x) }
  function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2fx", a / b) }
  function row(label, key, jkey) {
    w = ours[key "_ms"]; c = ours[key "_cpu_ms"]
    jw = (jkey == "") ? "" : js[jkey "_ms"]; jc = (jkey == "") ? "" : js[jkey "_cpu_ms"]
    printf "%-22s %10s %10s %12s %12s %12s %12s %14s\n", label, num(w), num(c),
           ratio(c, ours["memcpy_cpu_ms"]), ratio(c, ours["memcpy_fresh_cpu_ms"]),
           num(jw), num(jc), ratio(c, jc)
  }
  END {
    mb = ours["none_bytes"] / 1048576; zmb = ours["zstd_bytes"] / 1048576
    printf "ArrowPhoenix IPC benchmark: %d rows x 5 columns (int64, float64, utf8, dictionary<utf8>, nullable int32)\n", ours["rows"]
    printf "stream format, %.1f MiB uncompressed, %.1f MiB zstd; median of %d runs; apache-arrow JS %s rows\n\n", mb, zmb, ours["runs"], (js["js_rows"] == "" ? "n/a" : js["js_rows"])
    printf "%-22s %10s %10s %12s %12s %12s %12s %14s\n", "", "wall ms", "cpu ms", "vs memcpy", "vs memcpy", "arrow-js", "arrow-js", "ours vs"
    printf "%-22s %10s %10s %12s %12s %12s %12s %14s\n", "", "", "", "(cpu)", "fresh (cpu)", "wall ms", "cpu ms", "arrow-js (cpu)"
    row("memcpy (prefaulted)", "memcpy", "")
    row("memcpy (fresh memory)", "memcpy_fresh", "js_memcpy_fresh")
    row("write uncompressed", "ours_write_none", "js_write_none")
    row("write unc. /dev/null", "ours_write_devnull", "")
    row("read uncompressed", "ours_read_none", "js_read_none")
    row("write zstd", "ours_write_zstd", "js_write_zstd")
    row("read zstd", "ours_read_zstd", "js_read_zstd")
    for (k in jserr) printf "apache-arrow:%s\n", jserr[k]
    printf "\ntargets: read uncompressed <= 1.5x memcpy, write uncompressed <= 2x memcpy (not asserted)\n"
  }' "$work/ours.txt" "$work/js.txt"
