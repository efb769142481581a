#!/usr/bin/env bash
# run-bench-smoke.sh — `aphx bench keeper` against the keeper for one second
# per operation: every op must complete requests without errors and print
# well-formed JSON. (The full comparison is bench/keeper-vs-zookeeper.sh.)
#
#   run-bench-smoke.sh <aphx>
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
aphx=$1
. "$here/zk-servers.sh"
zks_start_keeper "$aphx" || exit 1
status=0
for op in create set get mixed; do
  out=$("$aphx" bench keeper --connect "127.0.0.1:$KP_PORT" --op "$op" --clients 2 --depth 4 \
        --seconds 1 --bytes 10 --json) || { echo "bench --op $op failed"; status=1; continue; }
  echo "$out"
  "$ZKS_PY" - "$out" <<'PY' || status=1
import json, sys
r = json.loads(sys.argv[1])
ok = r["ops"] > 0 and r["errors"] == 0 and 0 < r["p50_ms"] <= r["p99_ms"] <= r["p999_ms"] <= r["max_ms"]
if not ok:
    print("bad result for op %s: %s" % (r["op"], r))
sys.exit(0 if ok else 1)
PY
done
exit $status
