#!/usr/bin/env bash
# Builds a Release tree and runs the WebRTC (WHEP) benchmarks of issue 7:
#   glass  glass-to-glass delay. bench/clock_frames.cpp burns the wall clock into raw 720p30
#          pictures, ffmpeg codes them (x264 veryfast, zerolatency, baseline, GOP 30, 2 Mbit/s)
#          and publishes RTMP to a fresh livecart; headless Chromium plays the room over WHEP and
#          reads each frame's stamp (bench/whep_glass.mjs). For the breakdown: the encoder alone
#          (each coded frame's arrival on ffmpeg's stdout), each frame's arrival at an HTTP-FLV
#          viewer of the room during the WHEP run (encoder + RTMP + relay, no decoding), and the
#          room over HTTP-FLV decoded by ffmpeg and read by `clock_frames read`.
#   load   WHEP viewers per core. For each N, a fresh livecart on one core (--threads 1) with a
#          720p30 2 Mbit/s H.264 + AAC stream published from a file (ffmpeg -c copy) and
#          bench/whep_load.cpp on the other core: N receive-only webrtcbin viewers, H.264 passed
#          through (WHEP_AUDIO=1: they take Opus audio too, which the server makes from the AAC
#          for each viewer); server CPU over the window, RTP bytes each viewer received. N=0 is
#          the server with the publisher alone.
# Usage: bench/run_whep_bench.sh [glass] [load] [N...] [DURATIONs]
#   e.g. bench/run_whep_bench.sh                 # both: 20 s of frames; N = 0 10 25 50, 20 s each
#        bench/run_whep_bench.sh load 0 10 25 50 100 30s
# SERVER_CPU / CLIENT_CPU choose the cores of the load runs (default 0 and 1). LIVECART_BIN:
# another livecart binary. LIVECART_FLAGS: livecart flags (default "--no-hls --no-record
# --no-snapshots": the relay alone). The machine's load average is printed before and after
# every run: on a shared machine the figures move with it.
set -euo pipefail
cd "$(dirname "$0")/.."

parts=()
counts=()
duration=20
for arg in "$@"; do
  case $arg in
    glass | load) parts+=("$arg") ;;
    *[0-9]s) duration=${arg%s} ;;
    *[!0-9]* | '') echo "usage: $0 [glass] [load] [N...] [DURATIONs]" >&2; exit 2 ;;
    *) counts+=("$arg") ;;
  esac
done
((${#parts[@]})) || parts=(glass load)
((${#counts[@]})) || counts=(0 10 25 50)
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
if (($(nproc) < 2)); then
  echo "warning: one core: server and client share it" >&2
  server_cpu=0 client_cpu=0
fi
width=1280 height=720 fps=30
warmup=3

./scripts/install-deps.sh
# The bench targets may be off in a tree that `./dev.sh run` configured: turn them on.
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target livecart web clock_frames whep_load >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
bin=build/release/bench

tmp=$(mktemp -d)
server=
publisher=
stop_publisher() {
  [[ -n $publisher ]] || return 0
  kill -TERM "$publisher" 2>/dev/null || true
  wait "$publisher" 2>/dev/null || true
  publisher=
}
stop_server() {
  stop_publisher
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
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# Starts livecart (on `cpus`, a taskset list) with the demo room; sets server, http_port,
# publish_url and token.
start_livecart() {  # DIR CPUS [extra flags]
  local dir=$1 cpus=$2
  shift 2
  token="bench-$RANDOM$RANDOM"
  taskset -c "$cpus" "${LIVECART_BIN:-build/release/server/livecart}" --rtmp-port 0 --http-port 0 --data-dir "$dir" \
    --demo --log-level warn --admin-token "$token" ${LIVECART_FLAGS---no-hls --no-record --no-snapshots} "$@" \
    >"$dir/out" 2>"$dir/server.log" &
  server=$!
  for _ in $(seq 1 300); do  # up to 30 s for the port lines
    grep -q '^http_port=' "$dir/out" && break
    kill -0 "$server" 2>/dev/null || { cat "$dir/server.log" >&2; return 1; }
    sleep 0.1
  done
  local rtmp_port key
  http_port=$(sed -n 's/^http_port=//p' "$dir/out")
  rtmp_port=$(sed -n 's/^rtmp_port=//p' "$dir/out")
  [[ -n $http_port && -n $rtmp_port ]] || { echo "livecart did not start" >&2; return 1; }
  key=$(http_get "$http_port" /api/rooms/demo/keys "$token" | sed -n 's/.*"stream_key":"\([^"]*\)".*/\1/p')
  [[ -n $key ]] || { echo "no stream key from /api/rooms/demo/keys" >&2; return 1; }
  publish_url="rtmp://127.0.0.1:$rtmp_port/live/demo?key=$key"
}

wait_live() {  # up to 20 s for the demo room to go live
  for _ in $(seq 1 200); do
    http_get "$http_port" /api/rooms/demo "$token" | grep -q '"live":true' && return 0
    kill -0 "$publisher" 2>/dev/null || { echo "the publisher exited" >&2; return 1; }
    sleep 0.1
  done
  echo "the room did not go live" >&2
  return 1
}

# x264 as a low-latency encoder is set up for live shopping: OBS's veryfast preset, no B-frames
# (baseline), one keyframe a second, 2 Mbit/s.
x264_flags=(-c:v libx264 -preset veryfast -tune zerolatency -profile:v baseline -g 30 -b:v 2000k -maxrate 2000k
  -bufsize 1000k -pix_fmt yuv420p)
raw_input=(-f rawvideo -pix_fmt yuv420p -s "${width}x${height}" -framerate "$fps" -i -)
decode_flags=(-fflags nobuffer -flags low_delay -threads 1)
raw_output=(-an -f rawvideo -pix_fmt yuv420p -fps_mode passthrough -)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
status=0

run_glass() {
  local seconds=$duration total=$((duration + warmup + 4))
  echo
  echo "== glass to glass: ${width}x${height} at $fps fps, $seconds s measured after a $warmup s warm-up (load average $(load_average))"

  # In these pipelines the reader stops first and ffmpeg fails on the closed pipe: the reader's
  # status is the run's, not pipefail's.
  local rc=0
  set +o pipefail
  echo "-- the encoder alone: clock_frames | ffmpeg x264 → FLV on a pipe, each frame's arrival (no decoding)"
  "$bin/clock_frames" write --width "$width" --height "$height" --fps "$fps" --seconds "$total" --log "$tmp/encoder-stamps" |
    ffmpeg -nostdin -hide_banner -loglevel error "${raw_input[@]}" "${x264_flags[@]}" -flush_packets 1 -f flv - \
      2>"$tmp/encoder.log" |
    "$bin/clock_frames" flv-times --log "$tmp/encoder-stamps" --fps "$fps" --warmup "$warmup" --seconds "$seconds" \
      --label encoder >"$tmp/glass-encoder" || rc=$?
  set -o pipefail
  ((rc == 0)) || status=1
  cat "$tmp/glass-encoder"
  echo "(load average $(load_average))"

  local dir="$tmp/glass"
  mkdir -p "$dir"
  start_livecart "$dir" "0-$(($(nproc) - 1))"
  # Publishes until stopped: long enough for both players below.
  ("$bin/clock_frames" write --width "$width" --height "$height" --fps "$fps" --log "$dir/stamps" |
    ffmpeg -nostdin -hide_banner -loglevel error "${raw_input[@]}" "${x264_flags[@]}" -flush_packets 1 \
      -f flv "$publish_url") 2>"$dir/publisher.log" &
  publisher=$!
  wait_live

  echo "-- WHEP in headless Chromium: clock_frames | ffmpeg x264 → RTMP → livecart → WHEP → Chromium"
  echo "   and at the same time each frame's arrival at an HTTP-FLV viewer of the room (curl, no decoding)"
  curl -sN "http://127.0.0.1:$http_port/live/demo.flv" |
    "$bin/clock_frames" flv-times --log "$dir/stamps" --fps "$fps" --warmup "$warmup" --seconds "$((seconds + 5))" \
      --label http-flv-arrival >"$tmp/glass-flv-arrival" &
  local arrivals=$!
  node bench/whep_glass.mjs --base "http://127.0.0.1:$http_port" --room demo --seconds "$seconds" \
    --warmup "$warmup" --label whep --json "$dir/whep.json" | tee "$tmp/glass-whep" || status=1
  wait "$arrivals" || true  # the job's status is curl's, cut off when the reader stops
  grep -q '^RESULT ' "$tmp/glass-flv-arrival" || status=1
  cat "$tmp/glass-flv-arrival"
  echo "(load average $(load_average))"

  set +o pipefail
  echo "-- HTTP-FLV decoded by ffmpeg: clock_frames | ffmpeg x264 → RTMP → livecart → HTTP-FLV → ffmpeg decode"
  ffmpeg -nostdin -hide_banner -loglevel error "${decode_flags[@]}" -probesize 65536 -analyzeduration 0 \
    -i "http://127.0.0.1:$http_port/live/demo.flv" "${raw_output[@]}" 2>"$dir/flv-player.log" |
    "$bin/clock_frames" read --width "$width" --height "$height" --warmup "$warmup" --seconds "$seconds" \
      --label http-flv-decoded >"$tmp/glass-flv" || rc=$?
  set -o pipefail
  ((rc == 0)) || status=1
  cat "$tmp/glass-flv"
  echo "(load average $(load_average))"
  stop_server
  grep -h '^RESULT ' "$tmp"/glass-* >"$tmp/glass-results" || true
}

run_load() {
  # The publisher's source: 20 s of 720p30 test pattern, x264 2 Mbit/s baseline (what WebRTC
  # viewers take), AAC 128 kbit/s, one keyframe a second. Made once.
  local source_flv=build/bench-whep/source.flv
  if [[ ! -s $source_flv ]]; then
    mkdir -p "$(dirname "$source_flv")"
    echo "run_whep_bench: encoding $source_flv (once)" >&2
    ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 \
      -t 20 "${x264_flags[@]}" -c:a aac -b:a 128k -f flv "$source_flv.part"
    mv "$source_flv.part" "$source_flv"
  fi
  local rows=()
  for n in "${counts[@]}"; do
    local dir="$tmp/load-$n"
    mkdir -p "$dir"
    echo
    echo "== WHEP load: $n viewers, server on core $server_cpu, publisher and whep_load on core $client_cpu, ${duration} s measured (load average $(load_average))"
    start_livecart "$dir" "$server_cpu" --threads 1
    taskset -c "$client_cpu" ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$source_flv" \
      -c copy -f flv "$publish_url" 2>"$dir/publisher.log" &
    publisher=$!
    wait_live
    rc=0
    taskset -c "$client_cpu" "$bin/whep_load" --url "http://127.0.0.1:$http_port/whep/demo" --viewers "$n" \
      --duration "$duration" --server-pid "$server" ${WHEP_AUDIO:+--audio} | tee "$dir/report" || rc=$?
    echo "(load average $(load_average))"
    grep -c 'whep.*ended\|error' "$dir/server.log" >/dev/null && grep -m5 'error\|warn' "$dir/server.log" || true
    stop_server
    ((rc == 0)) || status=1
    rows+=("$(grep '^ROW ' "$dir/report" | sed "s/^ROW //; s/|\$/| $(load_average | cut -d' ' -f1) |/" || echo "| livecart | | $n | run failed (exit $rc) |")")
  done
  echo
  echo "| server | media | viewers | receiving | silent | Mbit/s per viewer min | p50 | server CPU (one core) | viewers per core | client CPU | load avg after |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
}

for part in "${parts[@]}"; do "run_$part"; done
if [[ -s $tmp/glass-results ]]; then
  echo
  echo "glass to glass (ms):"
  cat "$tmp/glass-results"
fi
exit $status
