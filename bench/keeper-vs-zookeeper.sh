#!/usr/bin/env bash
# keeper-vs-zookeeper.sh — side-by-side benchmark of Apache ZooKeeper 3.8
# (Debian package `zookeeper`, run standalone from its jars) and `aphx
# keeper`, with the same zoo.cfg settings (fsync on: forceSync=yes), on
# loopback ports, loaded by `aphx bench keeper` (the official C client's
# async API). Prints each result, the keeper/ZooKeeper ratios and each
# server's resident memory (VmRSS and peak VmHWM from /proc/PID/status),
# then stops both servers by pid.
#
#   bench/keeper-vs-zookeeper.sh [--aphx build/aphx] [--seconds 10]
#       [--ops "set create get mixed"] [--clients 8] [--depth 32] [--bytes 100]
#       [--warmup 5]
#
# The JVM gets a warm-up run (set, --warmup seconds) before measuring, and
# so does the keeper, so neither is measured cold. ZooKeeper's heap is the
# one zkServer.sh would give it (-Xmx1000m).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
aphx=${APHX:-$here/build/aphx}
seconds=10
ops="set create get mixed"
clients=8
depth=32
bytes=100
warmup=5
while [ $# -gt 0 ]; do
  case "$1" in
    --aphx) aphx=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --depth) depth=$2; shift 2 ;;
    --bytes) bytes=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "keeper-vs-zookeeper: unknown option $1" >&2; exit 2 ;;
  esac
done

[ -x "$aphx" ] || { echo "keeper-vs-zookeeper: $aphx not built (cmake --build build --target aphx)" >&2; exit 2; }
zkjar=/usr/share/java/zookeeper.jar
[ -f "$zkjar" ] || { echo "keeper-vs-zookeeper: Apache ZooKeeper not installed (apt-get install zookeeper)" >&2; exit 2; }
command -v java >/dev/null || { echo "keeper-vs-zookeeper: java not found" >&2; exit 2; }

work=$(mktemp -d /tmp/aphx-keeper-bench.XXXXXX)
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3   # starts faster than a pyenv shim
zk_pid=""
kp_pid=""
cleanup() {
  [ -n "$zk_pid" ] && kill "$zk_pid" 2>/dev/null && wait "$zk_pid" 2>/dev/null || true
  [ -n "$kp_pid" ] && kill "$kp_pid" 2>/dev/null && wait "$kp_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ruok → imok within a bounded wait.
wait_imok() {
  local port=$1 name=$2
  for _ in $(seq 1 300); do
    if "$py" - "$port" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"ruok")
sys.exit(0 if s.recv(16) == b"imok" else 1)
EOF
    then return 0; fi
    sleep 0.1
  done
  echo "keeper-vs-zookeeper: $name did not answer ruok on port $port" >&2
  return 1
}

write_cfg() { # file dataDir port
  cat > "$1" <<EOF
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$2
clientPort=$3
clientPortAddress=127.0.0.1
maxClientCnxns=0
forceSync=yes
snapCount=100000
preAllocSize=65536
4lw.commands.whitelist=ruok,srvr,mntr
admin.enableServer=false
EOF
}

zk_port=$(free_port)
kp_port=$(free_port)
mkdir -p "$work/zk" "$work/keeper"
write_cfg "$work/zk.cfg" "$work/zk" "$zk_port"
write_cfg "$work/keeper.cfg" "$work/keeper" "$kp_port"

java -Xmx1000m -Dzookeeper.admin.enableServer=false \
  -cp "$zkjar:/usr/share/java/slf4j-nop.jar" \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$work/zk.cfg" > "$work/zk.log" 2>&1 &
zk_pid=$!
"$aphx" keeper --config "$work/keeper.cfg" --log-level warn > "$work/keeper.log" 2>&1 &
kp_pid=$!
wait_imok "$zk_port" "Apache ZooKeeper" || { tail -20 "$work/zk.log" >&2; exit 1; }
wait_imok "$kp_port" "aphx keeper" || { tail -20 "$work/keeper.log" >&2; exit 1; }

zk_version=$("$py" - "$zk_port" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"srvr")
data = b""
while True:
    b = s.recv(4096)
    if not b: break
    data += b
print(data.decode().splitlines()[0].split(":", 1)[1].strip().split(",")[0])
EOF
)
echo "Apache ZooKeeper $zk_version (pid $zk_pid, port $zk_port) vs aphx keeper (pid $kp_pid, port $kp_port)"
echo "load: $clients clients x $depth outstanding, $bytes-byte values, ${seconds}s per op, fsync on"

bench() { # port op secs
  "$aphx" bench keeper --connect "127.0.0.1:$1" --op "$2" --clients "$clients" \
    --depth "$depth" --bytes "$bytes" --seconds "$3" --json
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One measured run: the bench's JSON plus the server's CPU seconds (from
# /proc/PID/stat) and the load generator's own CPU seconds, so a result
# that is bound by the client (2 shared cores) can be recognised.
measure() { # pid port op
  local t0 t1 out
  t0=$(cpu_ticks "$1")
  out=$(/usr/bin/time -f '%U %S' -o "$work/time.txt" "$aphx" bench keeper --connect "127.0.0.1:$2" \
        --op "$3" --clients "$clients" --depth "$depth" --bytes "$bytes" --seconds "$seconds" --json)
  t1=$(cpu_ticks "$1")
  local hz; hz=$(getconf CLK_TCK)
  local client; client=$(awk '{print $1 + $2}' "$work/time.txt")
  echo "${out%\}},\"server_cpu_s\":$(awk -v a="$t0" -v b="$t1" -v h="$hz" 'BEGIN{printf "%.2f", (b-a)/h}'),\"client_cpu_s\":$client}"
}

if [ "$warmup" -gt 0 ]; then
  echo "warming up both servers ($warmup s of set each)..."
  bench "$zk_port" set "$warmup" > /dev/null
  bench "$kp_port" set "$warmup" > /dev/null
fi

results="$work/results.jsonl"
: > "$results"
for op in $ops; do
  zk=$(measure "$zk_pid" "$zk_port" "$op")
  kp=$(measure "$kp_pid" "$kp_port" "$op")
  echo "{\"server\":\"zookeeper\",\"r\":$zk}" >> "$results"
  echo "{\"server\":\"keeper\",\"r\":$kp}" >> "$results"
done

rss() { awk -v k="$2" '$1==k":" {print $2}' "/proc/$1/status"; }
zk_rss=$(rss "$zk_pid" VmRSS); zk_hwm=$(rss "$zk_pid" VmHWM)
kp_rss=$(rss "$kp_pid" VmRSS); kp_hwm=$(rss "$kp_pid" VmHWM)

"$py" - "$results" "$zk_rss" "$zk_hwm" "$kp_rss" "$kp_hwm" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
zk_rss, zk_hwm, kp_rss, kp_hwm = (int(x) for x in sys.argv[2:6])
by = {}
for r in rows:
    by.setdefault(r["r"]["op"], {})[r["server"]] = r["r"]
print()
print("%-7s %12s %12s %7s | %9s %9s %7s | %9s %9s | %s" % (
    "op", "zk ops/s", "keeper ops/s", "ratio", "zk p99", "kp p99", "ratio",
    "zk p50", "kp p50", "errors zk/kp"))
for op, d in by.items():
    z, k = d["zookeeper"], d["keeper"]
    ratio = k["ops_per_sec"] / z["ops_per_sec"] if z["ops_per_sec"] else float("inf")
    p99r = k["p99_ms"] / z["p99_ms"] if z["p99_ms"] else float("inf")
    print("%-7s %12.0f %12.0f %6.2fx | %7.2fms %7.2fms %6.2fx | %7.2fms %7.2fms | %d/%d" % (
        op, z["ops_per_sec"], k["ops_per_sec"], ratio, z["p99_ms"], k["p99_ms"], p99r,
        z["p50_ms"], k["p50_ms"], z["errors"], k["errors"]))
print()
print("CPU per operation (server / load generator), microseconds:")
for op, d in by.items():
    z, k = d["zookeeper"], d["keeper"]
    per = lambda r, key: 1e6 * r.get(key, 0) / r["ops"] if r["ops"] else 0
    print("  %-7s ZooKeeper %6.1f / %6.1f   keeper %6.1f / %6.1f" % (
        op, per(z, "server_cpu_s"), per(z, "client_cpu_s"),
        per(k, "server_cpu_s"), per(k, "client_cpu_s")))
print()
print("resident memory after the run: ZooKeeper %.1f MB (peak %.1f MB), keeper %.1f MB (peak %.1f MB); keeper/zk = %.3f" % (
    zk_rss / 1024, zk_hwm / 1024, kp_rss / 1024, kp_hwm / 1024, kp_rss / zk_rss))
print()
print("raw results (JSON, one per run):")
for r in rows:
    print("  %s %s" % (r["server"], json.dumps(r["r"])))
EOF
