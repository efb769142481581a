#!/usr/bin/env bash
# run-keeper-diff.sh — differential test: the scripted sequences of
# keeper_diff_client run against Apache ZooKeeper 3.8 and against `aphx
# keeper`; any difference in the transcripts fails (the diff is printed).
#
#   run-keeper-diff.sh <aphx> <keeper_diff_client>
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
aphx=$1
client=$2
. "$here/zk-servers.sh"

zks_start_zookeeper || exit 1
zks_start_keeper "$aphx" || exit 1
timeout 300 "$client" "127.0.0.1:$ZK_PORT" > "$ZKS_WORK/zookeeper.txt" 2> "$ZKS_WORK/zookeeper.err"
zrc=$?
timeout 300 "$client" "127.0.0.1:$KP_PORT" > "$ZKS_WORK/keeper.txt" 2> "$ZKS_WORK/keeper.err"
krc=$?
if [ $zrc -ne 0 ]; then
  echo "the client failed against Apache ZooKeeper (rc $zrc):"; cat "$ZKS_WORK/zookeeper.err"
  exit 1
fi
steps=$(grep -c '^S' "$ZKS_WORK/zookeeper.txt")
if [ -n "${KEEPER_DIFF_OUT:-}" ]; then
  cp "$ZKS_WORK/zookeeper.txt" "$ZKS_WORK/keeper.txt" "$KEEPER_DIFF_OUT"/
fi
if [ $krc -ne 0 ] || ! diff -u --label zookeeper "$ZKS_WORK/zookeeper.txt" --label keeper "$ZKS_WORK/keeper.txt"; then
  [ $krc -ne 0 ] && { echo "the client failed against the keeper (rc $krc):"; cat "$ZKS_WORK/keeper.err"; }
  nd=$(diff "$ZKS_WORK/zookeeper.txt" "$ZKS_WORK/keeper.txt" | grep -c '^[<>]')
  echo "keeper_diff: $steps steps, transcripts differ ($nd differing lines)"
  exit 1
fi
echo "keeper_diff: $steps steps, identical transcripts on Apache ZooKeeper and the keeper"
