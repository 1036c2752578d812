#!/bin/sh
# Runs the full benchmark suite, Rust beside Python, and writes results/:
#   results.md (the table), results.json (every figure, min/median/max, the environment),
#   cpu_speedup.svg, io_wall.svg, io_memory.svg.
# Arguments go to bench: groups (cpu io spawn ipc locks) and --quick, e.g.
#   scripts/bench.sh --quick      # under a minute on 2 cores
#   scripts/bench.sh cpu io       # two groups, full sizes
#   scripts/bench.sh --out DIR    # write to DIR instead of results/ (or set BENCH_OUT)
# The full run takes several minutes and needs about 2 GiB of free memory (1M asyncio tasks).
# Figures are noisy on a busy machine: run it when nothing else is compiling.
set -eu
cd "$(dirname "$0")/.."
out="${BENCH_OUT:-results}"
exec cargo run --quiet -p bench --release -- --out "$out" "$@"
