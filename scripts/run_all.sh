#!/usr/bin/env bash
# Build the workspace once, then run every program of every demo crate in tutorial order,
# each under a time limit (with --python, each followed by its Python twin), and end with
# a summary table. Exits non-zero if any run failed.
# Run `scripts/run_all.sh --help` for the options.
set -uo pipefail

usage() {
    cat <<EOF
Usage: scripts/run_all.sh [--list] [--python] [--no-build | --bin-dir DIR] [--timeout SECONDS] [PROGRAM...]

Builds the workspace once, then runs each program (or only the PROGRAMs named) in
tutorial order, each under a time limit, and prints a summary table.
The programs are every binary of every demo crate (every workspace member but
bench, book, scripts and testkit): in the order of the root Cargo.toml's members,
a crate's src/main.rs (named as its package), then each src/bin/NAME.rs.
A program that exits non-zero or runs past its limit counts as failed; one past
its limit is killed together with every process it started. One whose first line
is 'skipped: REASON' and that exits 0 shows as skipped.

Options:
  --list             print the programs, in order, and exit
  --python           after each program, run its Python twin (CRATE/NAME.py, with
                     - in NAME as _) the same way; the summary gains a Python column
  --no-build         use the debug binaries already built in the target directory
  --bin-dir DIR      run the binaries in DIR instead of building (e.g. target/release)
  --timeout SECONDS  time limit per run (default: \$RUN_ALL_TIMEOUT or 60)
  -h, --help         print this help and exit

Environment: PYTHON, the Python to run twins with (default: python3).
Exit status: 0 if every run passed or was skipped, 1 if any failed, 2 for bad
arguments, 128 + N when stopped by signal N (Ctrl-C: 130).
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/common.sh
source "$root/scripts/common.sh"

run_defaults
list=0
with_python=0
selected=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --list) list=1 ;;
        --python) with_python=1 ;;
        --no-build | --bin-dir | --timeout) run_option "$@"; shift "$option_args" ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) selected+=("$1") ;;
    esac
    shift
done
check_run_options

cd "$root" || die "cannot enter $root"
load_programs

if [ $list -eq 1 ]; then
    printf '%s\n' "${PROGRAMS[@]}"
    exit 0
fi

# Keep the programs' own order, whatever order they were named in.
to_run=()
if [ ${#selected[@]} -eq 0 ]; then
    to_run=("${PROGRAMS[@]}")
else
    for name in "${selected[@]}"; do
        [ -n "$name" ] && [ -n "${PROGRAM_DIR[$name]:-}" ] || die "no program named '$name' (see --list)"
    done
    for program in "${PROGRAMS[@]}"; do
        for name in "${selected[@]}"; do
            if [ "$program" = "$name" ]; then
                to_run+=("$program")
                break
            fi
        done
    done
fi

if [ $build -eq 1 ] || [ -z "$bin_dir" ]; then
    need_cargo
fi
if [ $build -eq 1 ]; then
    package_flags "${to_run[@]}"
    echo "==> cargo build --bins ${packages[*]}"
    cargo build --bins "${packages[@]}" || { echo "error: the build failed" >&2; exit 1; }
fi
[ -n "$bin_dir" ] || bin_dir="$(debug_dir)"

scratch="$(mktemp -d)"
install_traps

# One column of the summary per language: a result and the seconds it took.
results=()
seconds=()
py_results=()
py_seconds=()
declare -A count=([ok]=0 [skipped]=0 [failed]=0)
declare -A py_count=([ok]=0 [skipped]=0 [failed]=0)

elapsed_since() {
    awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

for program in "${to_run[@]}"; do
    read -r -a args <<<"${PROGRAM_ARGS[$program]:-}"
    bin="$(binary_of "$program" "$bin_dir")"
    echo
    echo "==================== $program${args[*]:+ ${args[*]}} ===================="
    start="$(now)"
    if [ ! -x "$bin" ]; then
        echo "error: $bin not found (run without --no-build)" >&2
        result="failed (not built)"
        result_kind=failed
    else
        run_limited show "$limit" "$scratch/out" . "$bin" "${args[@]}"
        describe_run "$scratch/out" "$limit"
    fi
    results+=("$result")
    seconds+=("$(elapsed_since "$start")")
    count[$result_kind]=$((count[$result_kind] + 1))

    [ $with_python -eq 1 ] || continue
    twin="$(twin_of "$program")"
    why="$(twin_missing "$twin")"
    if [ -n "$why" ]; then
        py_results+=("skipped ($why)")
        py_seconds+=("-")
        py_count[skipped]=$((py_count[skipped] + 1))
        continue
    fi
    echo
    echo "-------------------- $program: $python $twin${args[*]:+ ${args[*]}} --------------------"
    start="$(now)"
    # No bytecode: the run leaves no __pycache__ in the source tree.
    run_limited show "$limit" "$scratch/out" "${PROGRAM_DIR[$program]}" \
        env PYTHONDONTWRITEBYTECODE=1 "$python" "${twin##*/}" "${args[@]}"
    describe_run "$scratch/out" "$limit"
    py_results+=("$result")
    py_seconds+=("$(elapsed_since "$start")")
    py_count[$result_kind]=$((py_count[$result_kind] + 1))
done

echo
echo "==================== summary ===================="
if [ $with_python -eq 1 ]; then
    printf '%-24s %-28s %8s   %-28s %8s\n' "program" "result" "seconds" "python" "seconds"
    for i in "${!to_run[@]}"; do
        printf '%-24s %-28s %8s   %-28s %8s\n' "${to_run[$i]}" "${results[$i]}" "${seconds[$i]}" \
            "${py_results[$i]}" "${py_seconds[$i]}"
    done
else
    printf '%-24s %-28s %8s\n' "program" "result" "seconds"
    for i in "${!to_run[@]}"; do
        printf '%-24s %-28s %8s\n' "${to_run[$i]}" "${results[$i]}" "${seconds[$i]}"
    done
fi
echo "${#to_run[@]} programs: ${count[ok]} ok, ${count[skipped]} skipped, ${count[failed]} failed"
if [ $with_python -eq 1 ]; then
    echo "${#to_run[@]} Python twins: ${py_count[ok]} ok, ${py_count[skipped]} skipped, ${py_count[failed]} failed"
fi
[ "${count[failed]}" -eq 0 ] && [ "${py_count[failed]}" -eq 0 ]
