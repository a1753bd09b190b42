#!/usr/bin/env bash
# Livecart's one entry point. Each command installs what is missing (Debian 12 packages),
# builds what changed, and then does its job:
#   ./dev.sh run [livecart flags]   build (Release) and run the server with the demo room live
#   ./dev.sh test                   build with ASan+UBSan and run every test
#   ./dev.sh bench [N] [R]          build (Release) and run the chat load benchmark
set -euo pipefail
cd "$(dirname "$0")"
cmd=${1:-}
shift || true
jobs=$(nproc 2>/dev/null || echo 2)

./scripts/install-deps.sh

configure() {  # build-dir, extra cmake args...
  local dir=$1
  shift
  if [[ ! -f "$dir/CMakeCache.txt" ]]; then
    cmake -S . -B "$dir" "$@" >/dev/null
  fi
}

case "$cmd" in
  run)
    configure build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=OFF
    cmake --build build/release -j"$jobs" --target livecart
    exec build/release/server/livecart --demo --demo-stream --data-dir "${LIVECART_DATA_DIR:-data}" "$@"
    ;;
  test)
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
    configure build/asan -DCMAKE_BUILD_TYPE=Debug -DLIVECART_SANITIZE=ON
    cmake --build build/asan -j"$jobs"
    ctest --test-dir build/asan --output-on-failure -j"$jobs" "$@"
    ;;
  bench)
    exec bench/run_chat_bench.sh "$@"
    ;;
  *)
    echo "usage: ./dev.sh run|test|bench" >&2
    exit 2
    ;;
esac
