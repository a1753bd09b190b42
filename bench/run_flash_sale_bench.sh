#!/usr/bin/env bash
# Builds a Release tree, starts livecart on a fresh data dir, stocks a product (STOCK units in a
# flash sale, one per viewer), and runs flash_sale_load: BUYERS viewers over real WebSocket
# connections each buy once at the same moment; exactly STOCK must succeed.
# Usage: bench/run_flash_sale_bench.sh [BUYERS] [STOCK] [extra flash_sale_load flags]
# LIVECART_BIN=PATH runs that server binary (e.g. one built with frame pointers, for perf).
# PAUSE=S waits S seconds between connecting and buying (default 2; longer to attach a profiler).
# PEER=ws-floor runs the same load against bench/peers/ws_floor instead: a bare epoll responder
# that only reads each purchase and answers it, the floor this machine's loopback TCP sets.
set -euo pipefail
cd "$(dirname "$0")/.."
buyers=${1:-10000}
stock=${2:-1000}
shift $(( $# < 2 ? $# : 2 ))

./scripts/install-deps.sh
# The bench targets may be off in a tree that `./dev.sh run` configured: turn them on.
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target livecart flash_sale_load ws_floor >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

data=$(mktemp -d)
out=$(mktemp)
admin=bench-admin-token-0123456789
if [[ "${PEER:-}" == ws-floor ]]; then
  build/release/bench/ws_floor 0 "$stock" "$(nproc)" >"$out" 2>"$data/server.log" &
elif [[ -n "${PEER:-}" ]]; then
  echo "PEER is ws-floor or unset" >&2
  exit 2
else
  "${LIVECART_BIN:-build/release/server/livecart}" --http-port 0 --rtmp-port 0 --data-dir "$data" --admin-token "$admin" \
    --no-hls --no-record --no-snapshots --log-level warn ${SERVER_FLAGS:-} >"$out" 2>"$data/server.log" &
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
api() { curl -sf -X "$1" -H "Authorization: Bearer $admin" -d "$3" "http://127.0.0.1:$port$2"; }
sale=
if [[ -z "${PEER:-}" ]]; then
  api POST /api/rooms '{"id":"flash","title":"秒杀压测"}' >/dev/null
  api POST /api/rooms/flash/products "{\"sku\":\"soy\",\"title\":\"低钠酱油\",\"price_cents\":1990,\"stock\":$stock}" >/dev/null
  ends=$(( $(date +%s) * 1000 + 600000 ))
  sale=$(api POST /api/rooms/flash/flash-sales \
    "{\"sku\":\"soy\",\"price_cents\":990,\"quantity\":$stock,\"limit_per_viewer\":1,\"ends_at_ms\":$ends}" |
    sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
status=0
build/release/bench/flash_sale_load --port "$port" --room flash --sku soy --sale "$sale" --buyers "$buyers" --server-pid "$server" \
  --expect-ok "$stock" --pause "${PAUSE:-2}" "$@" || status=$?
# The reference, from the server itself: the product's stock is gone and the sale sold exactly STOCK.
if [[ -n "${PEER:-}" ]]; then
  kill -TERM $server
  exit $status
fi
shelf=$(api GET /api/rooms/flash/shelf "")
echo "server: $(echo "$shelf" | grep -o '"stock":[0-9-]*' | head -1), orders listed: $(api GET '/api/rooms/flash/orders?limit=200' "" | grep -o '"number"' | wc -l) on the first page"
kill -TERM $server
wait $server || true
exit $status
