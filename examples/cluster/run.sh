#!/usr/bin/env bash
# Starts the three-node example cluster on this machine (see README.md). Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"
AGENT=${AGENT:-agent}
export REMOTE_WRITE_URL=${REMOTE_WRITE_URL:-}
pids=()
trap 'kill ${pids[*]} 2>/dev/null; wait' EXIT INT TERM
for i in 0 1 2; do
  node=$(printf "\x$(printf %x $((97 + i)))")   # a, b, c
  port=$((12345 + i))
  NODE=$node "$AGENT" run config.river \
    --server.http.listen-addr=127.0.0.1:$port \
    --storage.path=data-$node \
    --cluster.enabled \
    --cluster.node-name=$node \
    --cluster.advertise-address=127.0.0.1:$port \
    --cluster.join-addresses=127.0.0.1:12345 > agent-$node.log 2>&1 &
  pids+=($!)
  echo "node $node: http://127.0.0.1:$port (log: agent-$node.log)"
done
wait
