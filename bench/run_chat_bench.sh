#!/usr/bin/env bash
# Builds a Release tree, starts livecart with the demo room, runs chat_load against it and
# stops the server. Usage: bench/run_chat_bench.sh [VIEWERS] [RATE] [DURATION] [extra chat_load flags]
# PEER=node-ws runs the same load against the Node.js peer in bench/peers/node-ws instead.
# NODES=2 starts a redis-server and two livecart nodes sharing it (--redis) on this machine;
# the viewers (and senders) alternate between the nodes, so half of each message's deliveries
# cross through Redis pub/sub.
# Chat rate limits are raised so that the benchmark's senders are not refused (each sender
# chats at RATE/50 messages/s, far above a viewer's normal limit).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/nodes.sh
viewers=${1:-5000}
rate=${2:-200}
duration=${3:-20}
shift $(( $# < 3 ? $# : 3 ))

./scripts/install-deps.sh
# The bench targets may be off in a tree that `./dev.sh run` configured: turn them on.
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target livecart chat_load >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

data=$(mktemp -d)
out=$(mktemp)
welcome=--wait-welcome
if [[ "${PEER:-}" == node-ws ]]; then
  (cd bench/peers/node-ws && npm ci --silent --no-audit --no-fund)
  PORT=0 node bench/peers/node-ws/server.js >"$out" 2>"$data/server.log" &
  welcome=
  server=$!
  servers=($server)
else
  redis_args=()
  if [[ "${NODES:-1}" == 2 ]]; then
    start_redis "$data/redis" --appendonly no
  fi
  servers=()
  for n in $(seq 1 "${NODES:-1}"); do
    mkdir -p "$data/node$n"
    build/release/server/livecart --http-port 0 --rtmp-port 0 --data-dir "$data/node$n" --demo --log-level warn \
      --admin-token bench-admin-token-0123456789 --chat-rate 1000 --chat-burst 1000 "${redis_args[@]}" \
      >"$out.$n" 2>"$data/node$n.log" &
    servers+=($!)
  done
fi
trap 'kill ${servers[*]} ${redis:-} 2>/dev/null || true; rm -rf "$data" "$out"*' EXIT
port_files=()
for i in "${!servers[@]}"; do port_files+=("$out.$((i + 1))"); done
[[ -n "${PEER:-}" ]] && port_files=("$out")
wait_ports "$data/*.log" "${port_files[@]}"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
status=0
build/release/bench/chat_load --port "${ports[@]}" --path /ws/rooms/demo --viewers "$viewers" --senders 50 \
  --rate "$rate" --duration "$duration" --server-pid "${servers[@]}" $welcome "$@" || status=$?
kill -TERM "${servers[@]}"
wait "${servers[@]}" || true
exit $status
