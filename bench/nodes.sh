# Sourced by the bench scripts that start livecart nodes (not run on its own).

# start_redis DIR [redis-server options…]: a redis-server on a free port, its files in DIR (its
# log in DIR.log), up before this returns. Sets redis (its pid), redis_port and redis_args (the
# --redis flag for livecart).
start_redis() {
  local dir=$1
  shift
  redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --save "" "$@" --daemonize no \
    >"$dir.log" 2>&1 &
  redis=$!
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" PING >/dev/null 2>&1 && break; sleep 0.1; done
  redis_args=(--redis "redis://127.0.0.1:$redis_port")
}

# wait_ports LOGS FILE…: server i (of "${servers[@]}") prints http_port=N into the i-th FILE;
# waits up to 30 s for each and sets ports. A server that exits first prints LOGS and fails.
wait_ports() {
  local logs=$1
  shift
  local files=("$@") i port
  ports=()
  for i in "${!servers[@]}"; do
    for _ in $(seq 1 300); do
      grep -q '^http_port=' "${files[$i]}" && break
      kill -0 "${servers[$i]}" 2>/dev/null || { cat $logs >&2; exit 1; }
      sleep 0.1
    done
    port=$(sed -n 's/^http_port=//p' "${files[$i]}")
    [[ -n "$port" ]] || { echo "server did not start" >&2; exit 1; }
    ports+=("$port")
  done
}
