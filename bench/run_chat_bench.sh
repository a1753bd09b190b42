#!/usr/bin/env bash
# Builds a Release tree, starts livecart with the demo room, runs chat_load against it and
# stops the server. Usage: bench/run_chat_bench.sh [VIEWERS] [RATE] [DURATION] [extra chat_load flags]
# PEER=node-ws runs the same load against the Node.js peer in bench/peers/node-ws instead.
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
else
  build/release/server/livecart --http-port 0 --data-dir "$data" --demo --log-level warn \
    --chat-rate 1000 --chat-burst 1000 >"$out" 2>"$data/server.log" &
fi
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data" "$out"' EXIT
for _ in $(seq 1 300); do  # up to 30 s for the port line
  grep -q '^http_port=' "$out" && break
  kill -0 $server 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/^http_port=//p' "$out")
[[ -n "$port" ]] || { echo "server did not start" >&2; exit 1; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
status=0
build/release/bench/chat_load --port "$port" --path /ws/rooms/demo --viewers "$viewers" --senders 50 \
  --rate "$rate" --duration "$duration" --server-pid "$server" $welcome "$@" || status=$?
kill -TERM $server
wait $server || true
exit $status
