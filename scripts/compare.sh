#!/usr/bin/env bash
# Run one program and its Python twin, then print the two outputs side by side, each
# with the wall time and CPU time its run took. Run `scripts/compare.sh --help`.
set -uo pipefail

usage() {
    cat <<EOF
Usage: scripts/compare.sh [--no-build | --bin-dir DIR] [--timeout SECONDS] PROGRAM

Runs PROGRAM (see scripts/run_all.sh --list), then its Python twin (CRATE/NAME.py,
with - in NAME as _), each under a time limit and with the same arguments, and
prints their output (stdout and stderr) side by side: Rust on the left, Python on
the right, line by line.

Each side's wall time is measured around its run; its CPU time (user + system) is
what the shell's \`times\` builtin reports for the processes it reaped during that
run: the program and every child it waited for. No other tool is needed.

Options:
  --no-build         use the debug binary already built in the target directory
  --bin-dir DIR      run the binary in DIR instead of building (e.g. target/release)
  --timeout SECONDS  time limit per side (default: \$RUN_ALL_TIMEOUT or 60)
  -h, --help         print this help and exit

Environment: PYTHON, the Python to run the twin with (default: python3);
COLUMNS, the width to print in (default: the terminal's, else 160).
Exit status: 0 if both sides ran and exited 0, 1 if either failed or the twin
cannot run here, 2 for bad arguments, 128 + N when stopped by signal N.
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/common.sh
source "$root/scripts/common.sh"

run_defaults
program=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --no-build | --bin-dir | --timeout) run_option "$@"; shift "$option_args" ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *)
            [ -z "$program" ] || die "one program at a time, not '$program' and '$1'"
            program="$1"
            ;;
    esac
    shift
done
check_run_options
[ -n "$program" ] || die "name a program to compare (see scripts/run_all.sh --list)"

cd "$root" || die "cannot enter $root"
load_programs
[ -n "${PROGRAM_DIR[$program]:-}" ] || die "no program named '$program' (see scripts/run_all.sh --list)"

twin="$(twin_of "$program")"
why="$(twin_missing "$twin")"
if [ -n "$why" ]; then
    echo "error: cannot run the twin $twin: $why" >&2
    exit 1
fi

if [ $build -eq 1 ] || [ -z "$bin_dir" ]; then
    need_cargo
fi
if [ $build -eq 1 ]; then
    package="$(package_name "$root/${PROGRAM_DIR[$program]}")"
    cargo build --quiet -p "$package" --bin "$program" || { echo "error: the build failed" >&2; exit 1; }
fi
[ -n "$bin_dir" ] || bin_dir="$(debug_dir)"
bin="$(binary_of "$program" "$bin_dir")"
[ -x "$bin" ] || { echo "error: $bin not found (run without --no-build)" >&2; exit 1; }

scratch="$(mktemp -d)"
install_traps

# The CPU seconds (user + system) of the children this shell reaped between two
# snapshots of `times`, whose second line is theirs, e.g. `0m1.250s 0m0.031s`. The
# snapshots are taken by this shell itself (a subshell has children of its own).
cpu_between() {
    awk 'FNR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, part, "m"); sub("s", "", part[2]); t += part[1] * 60 + part[2] }
        total += (FILENAME == ARGV[1] ? -t : t)
    }
    END { printf "%.2f", total }' "$1" "$2"
}

# measure SIDE DIR COMMAND...: runs COMMAND quietly into $scratch/SIDE and sets
# SIDE_result, SIDE_kind, SIDE_wall and SIDE_cpu.
measure() {
    local side="$1" dir="$2" start
    shift 2
    start="$(now)"
    times >"$scratch/times-before"
    run_limited quiet "$limit" "$scratch/$side" "$dir" "$@"
    times >"$scratch/times-after"
    printf -v "${side}_cpu" '%s' "$(cpu_between "$scratch/times-before" "$scratch/times-after")"
    printf -v "${side}_wall" '%s' "$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')"
    describe_run "$scratch/$side" "$limit"
    printf -v "${side}_result" '%s' "$result"
    printf -v "${side}_kind" '%s' "$result_kind"
}

read -r -a args <<<"${PROGRAM_ARGS[$program]:-}"
echo "running $program${args[*]:+ ${args[*]}}, then $python $twin${args[*]:+ ${args[*]}}..."
measure rust . "$bin" "${args[@]}"
# No bytecode: the run leaves no __pycache__ in the source tree.
measure python "${PROGRAM_DIR[$program]}" env PYTHONDONTWRITEBYTECODE=1 "$python" "${twin##*/}" "${args[@]}"

# Two columns, each line of one output beside the same line of the other; a line wider
# than its column wraps onto the next rows of that column.
width="${COLUMNS:-}"
if [ -z "$width" ] && [ -t 1 ]; then width="$(tput cols 2>/dev/null)"; fi
[ -n "$width" ] || width=160
case "$width" in '' | *[!0-9]*) width=160 ;; esac
[ "$width" -ge 40 ] || width=40
awk -v w=$(((width - 3) / 2)) \
    -v lhead="Rust: $program" -v rhead="Python: $twin" \
    -v lfoot="$rust_result, wall ${rust_wall} s, CPU ${rust_cpu} s" \
    -v rfoot="$python_result, wall ${python_wall} s, CPU ${python_cpu} s" '
    function row(l, r) {
        do {
            printf "%-" w "s | %s\n", substr(l, 1, w), substr(r, 1, w)
            l = substr(l, w + 1); r = substr(r, w + 1)
        } while (l != "" || r != "")
    }
    function rule(  s) { while (length(s) < w) s = s "-"; return s }
    FILENAME == ARGV[1] { left[++nl] = $0; next }
    { right[++nr] = $0 }
    END {
        row(lhead, rhead)
        row(rule(), rule())
        n = nl > nr ? nl : nr
        for (i = 1; i <= n; i++) row(left[i], right[i])
        row(rule(), rule())
        row(lfoot, rfoot)
    }' "$scratch/rust" "$scratch/python"

[ "$rust_kind" != failed ] && [ "$python_kind" != failed ]
