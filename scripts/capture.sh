#!/usr/bin/env bash
# Runs every program and its Python twin once and writes what each printed (stdout and
# stderr, as a terminal shows them) into book/src/output/PROGRAM.rust.txt and
# PROGRAM.python.txt, for the book's pages to include. The first line of each file is the
# command, `$ ...`; paths are made relative to the workspace, so the files do not change
# with where it lives. The book's tests (cargo test -p book) fail when a program no longer
# prints the lines captured here.
#   scripts/capture.sh [PROGRAM...]    (default: every program)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
# shellcheck source=scripts/common.sh
source "$root/scripts/common.sh"
load_programs
python="${PYTHON:-python3}"
limit="${CAPTURE_TIMEOUT:-120}"

selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${PROGRAMS[@]}")
for name in "${selected[@]}"; do
    [ -n "${PROGRAM_DIR[$name]:-}" ] || { echo "error: no program named '$name'" >&2; exit 2; }
done

packages=()
for program in "${selected[@]}"; do
    package="$(package_name "$root/${PROGRAM_DIR[$program]}")"
    case " ${packages[*]} " in *" -p $package "*) ;; *) packages+=(-p "$package") ;; esac
done
cargo build --quiet --bins "${packages[@]}" || { echo "error: the build failed" >&2; exit 1; }
bin_dir="$(debug_dir)"
out_dir="$root/book/src/output"
mkdir -p "$out_dir"
scratch="$(mktemp -d)"
install_traps

# What a run printed, with this machine's paths replaced by the workspace-relative ones.
stable() {
    sed -e "s#$bin_dir#target/debug#g" -e "s#$root/##g" -e "s#$root#.#g" "$1"
}

failed=0
for program in "${selected[@]}"; do
    read -r -a args <<<"${PROGRAM_ARGS[$program]:-}"
    package="$(package_name "$root/${PROGRAM_DIR[$program]}")"
    command="cargo run -p $package"
    [ "$program" = "$package" ] || command="$command --bin $program"
    [ ${#args[@]} -eq 0 ] || command="$command -- ${args[*]}"
    run_limited quiet "$limit" "$scratch/out" . "$(binary_of "$program" "$bin_dir")" "${args[@]}"
    if [ "$run_status" -ne 0 ] || [ "$run_timed_out" -ne 0 ]; then
        echo "error: $program failed (exit $run_status); nothing captured" >&2
        failed=1
        continue
    fi
    { echo "\$ $command"; stable "$scratch/out"; } >"$out_dir/$program.rust.txt"
    echo "captured $program"

    twin="$(twin_of "$program")"
    why="$(twin_missing "$twin")"
    if [ -n "$why" ]; then
        echo "error: the twin of $program cannot run here ($why); nothing captured" >&2
        failed=1
        continue
    fi
    run_limited quiet "$limit" "$scratch/out" "${PROGRAM_DIR[$program]}" \
        env PYTHONDONTWRITEBYTECODE=1 "$python" "${twin##*/}" "${args[@]}"
    if [ "$run_status" -ne 0 ] || [ "$run_timed_out" -ne 0 ]; then
        echo "error: $twin failed (exit $run_status); nothing captured" >&2
        failed=1
        continue
    fi
    { echo "\$ python3 $twin${args[*]:+ ${args[*]}}"; stable "$scratch/out"; } >"$out_dir/$program.python.txt"
    echo "captured $twin"
done
exit $failed
