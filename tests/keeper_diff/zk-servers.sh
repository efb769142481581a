#!/usr/bin/env bash
# zk-servers.sh — sourced by the keeper interop tests: start Apache ZooKeeper
# 3.8 (Debian package `zookeeper`, standalone from its jars) and `aphx
# keeper` on free loopback ports with the same zoo.cfg settings, each with
# its own temp data dir; stop them by pid. Skips (exit 77) when Java or the
# ZooKeeper jars are missing.
#
#   . zk-servers.sh; zks_start_zookeeper; zks_start_keeper "$aphx"; ...; zks_stop
# After the start functions: ZK_PORT, ZK_PID, KP_PORT, KP_PID, ZKS_WORK.

ZKS_WORK=$(mktemp -d /tmp/aphx-keeper-interop.XXXXXX)
# The system interpreter starts fast (a pyenv shim can take a second).
ZKS_PY=python3
[ -x /usr/bin/python3 ] && ZKS_PY=/usr/bin/python3
ZK_PID=""
KP_PID=""

zks_stop() {
  if [ -n "$ZK_PID" ]; then kill "$ZK_PID" 2>/dev/null; wait "$ZK_PID" 2>/dev/null; ZK_PID=""; fi
  if [ -n "$KP_PID" ]; then kill "$KP_PID" 2>/dev/null; wait "$KP_PID" 2>/dev/null; KP_PID=""; fi
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$ZKS_WORK"
}
trap zks_stop EXIT INT TERM

zks_free_port() {
  "$ZKS_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

zks_wait_imok() { # port name logfile
  for _ in $(seq 1 300); do
    if "$ZKS_PY" - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"ruok")
sys.exit(0 if s.recv(16) == b"imok" else 1)
PY
    then return 0; fi
    sleep 0.1
  done
  echo "$2 did not answer ruok on port $1; its log:" >&2
  tail -30 "$3" >&2
  return 1
}

# The settings both servers get. ZKS_SUPER_DIGEST and ZKS_EXTRA_CFG (extra
# zoo.cfg lines) may be set by the caller.
ZKS_SUPER_DIGEST=${ZKS_SUPER_DIGEST:-super:LVxiMPaAxLDvqJJmnC2tINqpoZU=}
zks_write_cfg() { # file dataDir port
  cat > "$1" <<CFG
tickTime=2000
dataDir=$2
clientPort=$3
clientPortAddress=127.0.0.1
maxClientCnxns=0
forceSync=yes
4lw.commands.whitelist=*
admin.enableServer=false
extendedTypesEnabled=true
DigestAuthenticationProvider.superDigest=$ZKS_SUPER_DIGEST
${ZKS_EXTRA_CFG:-}
CFG
}

zks_start_zookeeper() {
  if ! command -v java >/dev/null || [ ! -f /usr/share/java/zookeeper.jar ]; then
    echo "SKIP: Apache ZooKeeper (Debian package zookeeper) or java is not installed"
    exit 77
  fi
  ZK_PORT=$(zks_free_port)
  mkdir -p "$ZKS_WORK/zk"
  zks_write_cfg "$ZKS_WORK/zk.cfg" "$ZKS_WORK/zk" "$ZK_PORT"
  java -Xmx512m -Dzookeeper.admin.enableServer=false -Dzookeeper.extendedTypesEnabled=true \
    -Dzookeeper.DigestAuthenticationProvider.superDigest="$ZKS_SUPER_DIGEST" \
    -cp "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZKS_WORK/zk.cfg" > "$ZKS_WORK/zk.log" 2>&1 &
  ZK_PID=$!
  zks_wait_imok "$ZK_PORT" "Apache ZooKeeper" "$ZKS_WORK/zk.log"
}

zks_start_keeper() { # aphx binary
  KP_PORT=$(zks_free_port)
  mkdir -p "$ZKS_WORK/keeper"
  zks_write_cfg "$ZKS_WORK/keeper.cfg" "$ZKS_WORK/keeper" "$KP_PORT"
  "$1" keeper --config "$ZKS_WORK/keeper.cfg" > "$ZKS_WORK/keeper.log" 2>&1 &
  KP_PID=$!
  zks_wait_imok "$KP_PORT" "aphx keeper" "$ZKS_WORK/keeper.log"
}
