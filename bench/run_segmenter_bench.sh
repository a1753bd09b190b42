#!/usr/bin/env bash
# Builds a Release tree and runs segmenter_bench pinned to one core: comments per second
# (items_per_second) for WordSegmenter::cut alone and for HotWords::add_comment (segment +
# count), over tests/data/cooking_show_comments.txt with jieba's dictionary. The bench checks
# its answers against a reference before timing and exits non-zero if they differ.
# Usage: bench/run_segmenter_bench.sh [CORE] [REPETITIONS] [extra segmenter_bench flags]
# PEER=python-jieba times Debian's python3-jieba instead, jieba.lcut(comment, HMM=False) over
# the same corpus on the same core (segmentation only, no counting).
set -euo pipefail
cd "$(dirname "$0")/.."
core=${1:-1}
repetitions=${2:-5}
shift $(( $# < 2 ? $# : 2 ))
corpus=tests/data/cooking_show_comments.txt

./scripts/install-deps.sh
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); pinned to core $core"

if [[ "${PEER:-}" == python-jieba ]]; then
  # Debian's interpreter: python3-jieba is installed for it, not for a pyenv or venv python.
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  taskset -c "$core" /usr/bin/python3 - "$corpus" "$repetitions" <<'EOF'
import logging, statistics, sys, time
import jieba
jieba.setLogLevel(logging.WARNING)
jieba.initialize()  # loads the dictionary (or jieba's cache of it) before timing
comments = open(sys.argv[1], encoding="utf-8").read().splitlines()
for c in comments:
    jieba.lcut(c, HMM=False)
rates = []
for _ in range(int(sys.argv[2])):
    n, start = 0, time.process_time()
    while time.process_time() - start < 1.0:
        for c in comments:
            jieba.lcut(c, HMM=False)
        n += len(comments)
    rates.append(n / (time.process_time() - start))
print(f"python3 {sys.version.split()[0]}, jieba {jieba.__version__}: jieba.lcut(HMM=False) over {len(comments)} comments")
print("comments/s (CPU time) per repetition: " + ", ".join(f"{r:,.0f}" for r in rates))
print(f"median {statistics.median(rates):,.0f} comments/s")
EOF
  exit 0
fi

# The bench targets may be off in a tree that `./dev.sh run` configured: turn them on.
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIVECART_TESTS=OFF -DLIVECART_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target segmenter_bench >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c "$core" build/release/bench/segmenter_bench --benchmark_repetitions="$repetitions" \
  --benchmark_report_aggregates_only=true --benchmark_min_time=1 "$@"
