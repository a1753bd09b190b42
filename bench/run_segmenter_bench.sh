#!/usr/bin/env bash
# Builds a Release tree and runs segmenter_bench pinned to one core: comments per second
# (items_per_second) for WordSegmenter::cut alone and for HotWords::add_comment (segment +
# count), over tests/data/cooking_show_comments.txt with jieba's dictionary. The bench checks
# its answers against a reference before timing and exits non-zero if they differ.
# Usage: bench/run_segmenter_bench.sh [CORE] [REPETITIONS] [extra segmenter_bench flags]
set -euo pipefail
cd "$(dirname "$0")/.."
core=${1:-1}
repetitions=${2:-5}
shift $(( $# < 2 ? $# : 2 ))

./scripts/install-deps.sh
# The bench targets may be off in a tree that `./dev.sh run` configured: turn them on.
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target segmenter_bench >/dev/null

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); pinned to core $core"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c "$core" build/release/bench/segmenter_bench --benchmark_repetitions="$repetitions" \
  --benchmark_report_aggregates_only=true --benchmark_min_time=1 "$@"
