#!/bin/sh
# Runs the full benchmark suite, Rust beside Python, and writes results/:
#   results.md (the table), results.json (every figure, min/median/max, the environment and
#   the calibration), cpu_speedup.svg, io_wall.svg, io_memory.svg, realworld.svg.
# Python: python3, and beside it in the cpu, locks and realworld groups the CPython 3.14 and
# free-threaded 3.14t that scripts/python.sh builds (a build not there says n/a); or the
# interpreters BENCH_PYTHON names, colon-separated, the first standing for python3.
# Arguments go to bench: groups (cpu io spawn ipc locks realworld), --quick, --baseline, e.g.
#   scripts/bench.sh --quick                  # the full run's cpu sizes; fewer variants,
#                                             # worker counts, N and bytes; about a minute
#                                             # with python3 alone, more with 3.14 and 3.14t
#   scripts/bench.sh cpu realworld            # two groups, full run
#   scripts/bench.sh --out DIR                # write to DIR instead of results/ (or BENCH_OUT)
#   scripts/bench.sh --baseline OLD/results.json   # each target beside an earlier run's
# How far to trust it: two quick runs in a row, the second against the first, then the full
# run against the second; the targets tables show every status and how far each figure moved.
# The full run needs about 2 GiB of free memory (1M asyncio tasks); with python3 alone it took
# nine minutes on a quiet 2-vCPU machine, with 3.14 and 3.14t 19 min 25 s on a busy one.
# Figures are noisy on a busy machine: run it when nothing else is compiling (the report's
# first lines give the load average and the calibration: two plain busy threads' speedup).
set -eu
cd "$(dirname "$0")/.."
# An --out among the arguments wins over BENCH_OUT and results/ (bench takes one --out).
for arg in "$@"; do
    case "$arg" in --out | --out=*) exec cargo run --quiet -p bench --release -- "$@" ;; esac
done
exec cargo run --quiet -p bench --release -- --out "${BENCH_OUT:-results}" "$@"
