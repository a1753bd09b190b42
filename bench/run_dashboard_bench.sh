#!/usr/bin/env bash
# Builds a Release tree, starts livecart on a fresh data dir (server on core 0), creates a room
# with one product, and runs dashboard_load on core 1: VIEWERS viewers send impressions and
# clicks at RATE/s while comments probe the delay from an event to the first dashboard snapshot
# that shows it. Prints the load generator's report and the server's analytics counters.
# Usage: bench/run_dashboard_bench.sh [VIEWERS] [RATE] [DURATION] [extra dashboard_load flags]
# SERVER_CPU / CLIENT_CPU choose the cores (default 0 and 1).
set -euo pipefail
cd "$(dirname "$0")/.."
viewers=${1:-500}
rate=${2:-2000}
duration=${3:-30}
shift $(( $# < 3 ? $# : 3 ))
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
if (($(nproc) < 2)); then
  echo "warning: one core: server and client share it" >&2
  server_cpu=0 client_cpu=0
fi

./scripts/install-deps.sh
# The bench targets may be off in a tree that `./dev.sh run` configured: turn them on.
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target livecart dashboard_load >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

data=$(mktemp -d)
out=$(mktemp)
admin=bench-admin-token-0123456789
# One I/O thread: the server has one core.
taskset -c "$server_cpu" build/release/server/livecart --threads 1 --http-port 0 --rtmp-port 0 --data-dir "$data" \
  --admin-token "$admin" --no-hls --no-record --no-snapshots --log-level warn >"$out" 2>"$data/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data" "$out"' EXIT
for _ in $(seq 1 300); do  # up to 30 s for the port line
  grep -q '^http_port=' "$out" && break
  kill -0 $server 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/^http_port=//p' "$out")
[[ -n "$port" ]] || { echo "server did not start" >&2; exit 1; }
metrics() { curl -sf "http://127.0.0.1:$port/metrics"; }
# jieba's dictionary loads on a thread of its own at start; comments before it are not cut.
for _ in $(seq 1 300); do  # up to 30 s
  words=$(metrics | sed -n 's/^livecart_hot_words_dictionary_words //p')
  [[ "${words:-0}" != 0 ]] && break
  sleep 0.1
done
[[ "${words:-0}" != 0 ]] || { echo "jieba's dictionary did not load (python3-jieba?)" >&2; exit 1; }

api() { curl -sf -X "$1" -H "Authorization: Bearer $2" -d "$4" "http://127.0.0.1:$port$3"; }
room=$(api POST "$admin" /api/rooms '{"id":"bench","title":"看板压测"}')
host_key=$(echo "$room" | sed -n 's/.*"host_key":"\([^"]*\)".*/\1/p')
operator_key=$(echo "$room" | sed -n 's/.*"operator_key":"\([^"]*\)".*/\1/p')
api POST "$host_key" /api/rooms/bench/products \
  '{"sku":"soy","title":"低钠酱油 500ml","price_cents":1990,"stock":1000000}' >/dev/null

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "server on core $server_cpu (jieba: $words words), dashboard_load on core $client_cpu; load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
taskset -c "$client_cpu" build/release/bench/dashboard_load --port "$port" --room bench --sku soy \
  --operator-token "$operator_key" --viewers "$viewers" --rate "$rate" --duration "$duration" \
  --comments-file tests/data/cooking_show_comments.txt --server-pid "$server" "$@" || status=$?
echo "server metrics:"
metrics | grep -E '^livecart_(analytics_|chat_messages_total|chat_rejected_total|ws_rejected_frames_total|ws_frames_dropped_total|ws_slow_consumer_disconnects_total|suggestions_total)' |
  grep -v ' 0$' || true
kill -TERM $server
wait $server || true
if grep -qiE 'error|warn' "$data/server.log"; then
  echo "server log:"
  grep -iE 'error|warn' "$data/server.log" | tail -20
fi
exit $status
