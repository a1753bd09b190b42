#!/usr/bin/env bash
# Builds a Release tree, starts livecart on a fresh data dir, stocks a product (STOCK units in a
# flash sale, one per viewer), and runs flash_sale_load: BUYERS viewers over real WebSocket
# connections each buy once at the same moment; exactly STOCK must succeed.
# Usage: bench/run_flash_sale_bench.sh [BUYERS] [STOCK] [extra flash_sale_load flags]
# LIVECART_BIN=PATH runs that server binary (e.g. one built with frame pointers, for perf).
# PAUSE=S waits S seconds between connecting and buying (default 2; longer to attach a profiler).
# PEER=ws-floor runs the same load against bench/peers/ws_floor instead: a bare epoll responder
# that only reads each purchase and answers it, the floor this machine's loopback TCP sets.
# REDIS=1 starts a redis-server (a free port, AOF with appendfsync always, in the temp dir) and
# runs the node on it (--redis: the RedisStore holds the stock); this is the way to bench the
# Redis store, rather than SERVER_FLAGS=--redis with a Redis started by hand.
# NODES=2 (implies REDIS=1) starts two nodes on that Redis: the product is stocked through node
# 1, the load starts once node 2 lists the sale, and buyer i buys on node i mod 2. With Redis,
# the script also reports redis-server's CPU in the burst, each node's Redis round trips per
# purchase (livecart_shop_redis_* in /metrics) and the commands Redis ran from the pause to the
# end of the load (INFO commandstats, which counts the commands the Lua scripts call too); those
# counters are read in the pause, so PAUSE must leave time for it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/nodes.sh
buyers=${1:-10000}
stock=${2:-1000}
shift $(( $# < 2 ? $# : 2 ))

./scripts/install-deps.sh
# The bench targets may be off in a tree that `./dev.sh run` configured: turn them on.
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target livecart flash_sale_load ws_floor >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

nodes=${NODES:-1}
use_redis=${REDIS:-0}
(( nodes > 1 )) && use_redis=1
if [[ -n "${PEER:-}" ]] && (( nodes > 1 || use_redis )); then
  echo "PEER runs alone: no NODES or REDIS" >&2
  exit 2
fi
data=$(mktemp -d)
out=$(mktemp)
admin=bench-admin-token-0123456789
servers=()
redis=
trap 'kill ${servers[*]} $redis 2>/dev/null || true; rm -rf "$data" "$out"*' EXIT
redis_args=()
if (( use_redis )); then
  start_redis "$data/redis" --appendonly yes --appendfsync always
fi
if [[ "${PEER:-}" == ws-floor ]]; then
  build/release/bench/ws_floor 0 "$stock" "$(nproc)" >"$out.1" 2>"$data/server.log" &
  servers+=($!)
elif [[ -n "${PEER:-}" ]]; then
  echo "PEER is ws-floor or unset" >&2
  exit 2
else
  for n in $(seq 1 "$nodes"); do
    mkdir -p "$data/node$n"
    "${LIVECART_BIN:-build/release/server/livecart}" --http-port 0 --rtmp-port 0 --data-dir "$data/node$n" --admin-token "$admin" \
      --no-hls --no-record --no-snapshots --log-level warn "${redis_args[@]}" ${SERVER_FLAGS:-} >"$out.$n" 2>"$data/node$n.log" &
    servers+=($!)
  done
fi
port_files=()
for i in "${!servers[@]}"; do port_files+=("$out.$((i + 1))"); done
wait_ports "$data/*.log" "${port_files[@]}"
port=${ports[0]}
api() { curl -sf -X "$1" -H "Authorization: Bearer $admin" -d "$3" "http://127.0.0.1:${4:-$port}$2"; }
sale=
if [[ -z "${PEER:-}" ]]; then
  api POST /api/rooms '{"id":"flash","title":"秒杀压测"}' >/dev/null
  api POST /api/rooms/flash/products "{\"sku\":\"soy\",\"title\":\"低钠酱油\",\"price_cents\":1990,\"stock\":$stock}" >/dev/null
  ends=$(( $(date +%s) * 1000 + 600000 ))
  sale=$(api POST /api/rooms/flash/flash-sales \
    "{\"sku\":\"soy\",\"price_cents\":990,\"quantity\":$stock,\"limit_per_viewer\":1,\"ends_at_ms\":$ends}" |
    sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  # The other nodes learn of the sale through Redis: buying there before they list it would be
  # refused as no such sale, not as sold out.
  for p in "${ports[@]:1}"; do
    for _ in $(seq 1 100); do
      api GET /api/rooms/flash/shelf "" "$p" | grep -q "\"id\":\"$sale\"" && break
      sleep 0.1
    done
    api GET /api/rooms/flash/shelf "" "$p" | grep -q "\"id\":\"$sale\"" ||
      { echo "node on port $p does not list sale $sale" >&2; exit 1; }
  done
fi

# Each node's purchases, their Redis round trips and retries; then every command Redis has run.
redis_counts() {
  for p in "${ports[@]}"; do
    curl -sf "http://127.0.0.1:$p/metrics" | awk -v p="$p" '
      $1 == "livecart_shop_redis_purchases_total" { n = $2 }
      $1 == "livecart_shop_redis_purchase_round_trips_total" { rt = $2 }
      $1 == "livecart_shop_redis_retries_total" { r = $2 }
      END { print "node", p, n + 0, rt + 0, r + 0 }'
  done
  redis-cli -p "$redis_port" INFO commandstats | tr -d '\r' |
    sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),.*/cmd \1 \2/p'
}
redis_report() {  # before-file after-file
  awk 'NR == FNR { was[$1 " " $2] = $3; rt[$2] = $4; r[$2] = $5; next }
    $1 == "node" {
      n = $3 - was["node " $2]; t = $4 - rt[$2]; q = $5 - r[$2]
      printf "  node %d (port %s): %d purchases, %d Redis round trips (%.2f a purchase), %d retries\n",
        ++i, $2, n, t, n ? t / n : 0, q
      N += n; T += t; Q += q
    }
    $1 == "cmd" && $2 != "info" && $3 > was["cmd " $2] { d = $3 - was["cmd " $2]; cmds = cmds " " $2 " " d; C += d }
    END {
      printf "  all nodes: %d purchases, %d round trips (%.2f a purchase), %d retries\n", N, T, N ? T / N : 0, Q
      printf "  redis-server ran %d commands from the pause to the end of the load, INFO aside (%.1f a purchase):%s\n", C, N ? C / N : 0, cmds
    }' "$1" "$2"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "nodes: $nodes$( (( use_redis )) && echo ", Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on port $redis_port (appendfsync always)")"
status=0
build/release/bench/flash_sale_load --port "${ports[@]}" --room flash --sku soy --sale "$sale" --buyers "$buyers" \
  --server-pid "${servers[@]}" ${redis:+--redis-pid "$redis"} --expect-ok "$stock" --pause "${PAUSE:-2}" "$@" \
  >"$data/load.out" &
load=$!
if (( use_redis )); then
  # Redis's counters are read in the pause between connecting and buying, so that they count the
  # burst and not the buyers' joins.
  until grep -q '^connected ' "$data/load.out" || ! kill -0 $load 2>/dev/null; do sleep 0.05; done
  redis_counts >"$data/redis.before"
fi
wait $load || status=$?
cat "$data/load.out"
# The reference, from the server itself: the product's stock is gone and the sale sold exactly STOCK.
if [[ -n "${PEER:-}" ]]; then
  kill -TERM "${servers[@]}"
  exit $status
fi
if (( use_redis )); then
  redis_counts >"$data/redis.after"
  echo "Redis (livecart_shop_redis_* from each node's /metrics, INFO commandstats from redis-server):"
  redis_report "$data/redis.before" "$data/redis.after"
fi
for p in "${ports[@]}"; do
  shelf=$(api GET /api/rooms/flash/shelf "" "$p")
  echo "server on port $p: $(echo "$shelf" | grep -o '"stock":[0-9-]*' | head -1), orders listed: $(api GET '/api/rooms/flash/orders?limit=200' "" "$p" | grep -o '"number"' | wc -l) on the first page"
done
kill -TERM "${servers[@]}"
wait "${servers[@]}" || true
exit $status
