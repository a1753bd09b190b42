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
    redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$data/redis"
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$data/redis" --save "" --appendonly no \
      --daemonize no >"$data/redis.log" 2>&1 &
    redis=$!
    for _ in $(seq 1 100); do redis-cli -p "$redis_port" PING >/dev/null 2>&1 && break; sleep 0.1; done
    redis_args=(--redis "redis://127.0.0.1:$redis_port")
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
ports=()
for i in "${!servers[@]}"; do
  file="$out.$((i + 1))"
  [[ -n "${PEER:-}" ]] && file="$out"
  for _ in $(seq 1 300); do  # up to 30 s for the port line
    grep -q '^http_port=' "$file" && break
    kill -0 "${servers[$i]}" 2>/dev/null || { cat "$data"/*.log >&2; exit 1; }
    sleep 0.1
  done
  port=$(sed -n 's/^http_port=//p' "$file")
  [[ -n "$port" ]] || { echo "server did not start" >&2; exit 1; }
  ports+=("$port")
done

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
status=0
build/release/bench/chat_load --port "${ports[@]}" --path /ws/rooms/demo --viewers "$viewers" --senders 50 \
  --rate "$rate" --duration "$duration" --server-pid "${servers[@]}" $welcome "$@" || status=$?
kill -TERM "${servers[@]}"
wait "${servers[@]}" || true
exit $status
