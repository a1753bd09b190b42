#!/usr/bin/env bash
# Builds a Release tree and, for each viewer count, starts a fresh server on one core, runs
# media_load on the other (one ~2.5 Mbit/s publisher + N viewers over loopback) and stops the
# server. Prints media_load's report for every run, then one table row per run.
# Usage: bench/run_media_bench.sh [N...] [DURATIONs] [-- extra media_load flags]
#   e.g. bench/run_media_bench.sh 100 250 500 1000 2000 30s
# Livecart is measured with HTTP-FLV and RTMP viewers (PROTOCOLS="flv" or "rtmp" for one);
# PEER=nginx-rtmp runs nginx with Debian's RTMP module (libnginx-mod-rtmp) instead, RTMP only
# (it has no HTTP-FLV). The largest N with behind = 0 is the figure.
# SERVER_CPU / CLIENT_CPU choose the cores (default 0 and 1). LIVECART_BIN: another livecart
# binary to measure (default build/release/server/livecart), for A/B runs of two builds. LIVECART_FLAGS: livecart flags
# (default "--no-hls --no-record --no-snapshots": the relay alone, as nginx-rtmp runs here;
# LIVECART_FLAGS= measures with the GStreamer outputs on).
set -euo pipefail
cd "$(dirname "$0")/.."

counts=()
duration=30
extra=()
while (($#)); do
  case $1 in
    --) shift; extra=("$@"); break ;;
    *[0-9]s) duration=${1%s} ;;
    *[!0-9]* | '') echo "usage: $0 [N...] [DURATIONs] [-- media_load flags]" >&2; exit 2 ;;
    *) counts+=("$1") ;;
  esac
  shift
done
((${#counts[@]})) || counts=(100 250 500 1000 2000)
peer=${PEER:-livecart}
case $peer in
  livecart) read -r -a protocols <<<"${PROTOCOLS:-flv rtmp}" ;;
  nginx-rtmp) protocols=(rtmp) ;;
  *) echo "PEER is livecart or nginx-rtmp" >&2; exit 2 ;;
esac
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
if (($(nproc) < 2)); then
  echo "warning: one core: server and client share it" >&2
  server_cpu=0 client_cpu=0
fi

./scripts/install-deps.sh
# The bench targets may be off in a tree that `./dev.sh run` configured: turn them on.
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target livecart media_load >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [[ $peer == nginx-rtmp ]]; then
  missing=()
  for p in nginx libnginx-mod-rtmp; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == "install ok installed" ]] || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "run_media_bench: installing ${missing[*]}" >&2
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  nginx_module=$(dpkg -L libnginx-mod-rtmp | grep '/ngx_rtmp_module\.so$' | head -n1)
  [[ -n $nginx_module ]] || { echo "ngx_rtmp_module.so not found in libnginx-mod-rtmp" >&2; exit 1; }
fi

# The publisher's source: 20 s of 720p30 test pattern, x264 ~2.3 Mbit/s + AAC 128 kbit/s, one
# keyframe a second, no B-frames. Made once.
source_flv=build/bench-media/source.flv
if [[ ! -s $source_flv ]]; then
  mkdir -p "$(dirname "$source_flv")"
  echo "run_media_bench: encoding $source_flv (once)" >&2
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -t 20 -c:v libx264 -preset veryfast -tune zerolatency -g 30 -b:v 2300k -maxrate 2300k -bufsize 1200k \
    -pix_fmt yuv420p -c:a aac -b:a 128k -f flv "$source_flv.part"
  mv "$source_flv.part" "$source_flv"
fi

tmp=$(mktemp -d)
server=
stop_server() {
  [[ -n $server ]] || return 0
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=
}
trap 'stop_server; rm -rf "$tmp"' EXIT

# GET on 127.0.0.1 with a bearer token, printing the whole response (bash's /dev/tcp: no curl needed).
http_get() {  # PORT PATH TOKEN
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$2" "$3" >&3
  cat <&3
  exec 3<&-
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    port_open "$p" || { echo "$p"; return; }
  done
}

# Each start_* sets server (pid), publish_url and play_url (by protocol).
start_livecart() {  # DIR
  local dir=$1 token="bench-$RANDOM$RANDOM"
  taskset -c "$server_cpu" "${LIVECART_BIN:-build/release/server/livecart}" --threads 1 --rtmp-port 0 --http-port 0 --data-dir "$dir" \
    --demo --log-level warn --admin-token "$token" ${LIVECART_FLAGS---no-hls --no-record --no-snapshots} \
    >"$dir/out" 2>"$dir/server.log" &
  server=$!
  for _ in $(seq 1 300); do  # up to 30 s for the port lines
    grep -q '^http_port=' "$dir/out" && break
    kill -0 "$server" 2>/dev/null || { cat "$dir/server.log" >&2; return 1; }
    sleep 0.1
  done
  local http_port rtmp_port key
  http_port=$(sed -n 's/^http_port=//p' "$dir/out")
  rtmp_port=$(sed -n 's/^rtmp_port=//p' "$dir/out")
  [[ -n $http_port && -n $rtmp_port ]] || { echo "livecart did not start" >&2; return 1; }
  key=$(http_get "$http_port" /api/rooms/demo/keys "$token" | sed -n 's/.*"stream_key":"\([^"]*\)".*/\1/p')
  [[ -n $key ]] || { echo "no stream key from /api/rooms/demo/keys" >&2; return 1; }
  publish_url="rtmp://127.0.0.1:$rtmp_port/live/demo?key=$key"
  play_url=([flv]="http://127.0.0.1:$http_port/live/demo.flv" [rtmp]="rtmp://127.0.0.1:$rtmp_port/live/demo")
}

start_nginx() {  # DIR
  local dir=$1 port
  port=$(free_port)
  sed -e "s|@MODULE@|$nginx_module|" -e "s|@PREFIX@|$dir|g" -e "s|@PORT@|$port|" \
    bench/peers/nginx-rtmp/nginx.conf.in >"$dir/nginx.conf"
  taskset -c "$server_cpu" nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/out" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do  # up to 10 s to listen
    port_open "$port" && break
    kill -0 "$server" 2>/dev/null || { cat "$dir/out" "$dir/error.log" >&2; return 1; }
    sleep 0.1
  done
  port_open "$port" || { echo "nginx did not listen on $port" >&2; return 1; }
  publish_url="rtmp://127.0.0.1:$port/live/demo"
  play_url=([rtmp]="rtmp://127.0.0.1:$port/live/demo")
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "server: $peer on core $server_cpu; media_load on core $client_cpu; ${duration} s measured per run"
declare -A play_url
rows=()
status=0
for n in "${counts[@]}"; do
  for protocol in "${protocols[@]}"; do
    dir="$tmp/$peer-$protocol-$n"
    mkdir -p "$dir"
    echo
    echo "== $peer, $protocol, $n viewers"
    if [[ $peer == nginx-rtmp ]]; then start_nginx "$dir"; else start_livecart "$dir"; fi
    rc=0
    taskset -c "$client_cpu" build/release/bench/media_load --file "$source_flv" --publish-url "$publish_url" \
      --url "${play_url[$protocol]}" --viewers "$n" --duration "$duration" --server-pid "$server" --label "$peer" \
      "${extra[@]}" | tee "$dir/report" || rc=$?
    stop_server
    ((rc < 2)) || status=1
    rows+=("$(grep '^ROW ' "$dir/report" | sed 's/^ROW //' || echo "| $peer | $protocol | $n | run failed (exit $rc) |")")
  done
done

echo
echo "| server | protocol | viewers | playing | behind | delay p50 ms | p99 ms | max ms | Mbit/s received | server CPU s per viewer-minute | viewers per core | client CPU |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
exit $status
