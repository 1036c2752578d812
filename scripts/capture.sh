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
    [ -n "${PROGRAM_DIR[$name]:-}" ] || die "no program named '$name'"
done

package_flags "${selected[@]}"
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

# capture WHAT FILE COMMAND-LINE DIR COMMAND...: runs COMMAND in DIR (relative to the
# root) and writes `$ COMMAND-LINE`, then what it printed, to FILE; fails, saying so,
# when WHAT (the program or twin it runs) fails.
capture() {
    local what="$1" file="$2" command_line="$3" dir="$4"
    shift 4
    run_limited quiet "$limit" "$scratch/out" "$dir" "$@"
    if [ "$run_status" -ne 0 ] || [ "$run_timed_out" -ne 0 ]; then
        echo "error: $what failed (exit $run_status); nothing captured" >&2
        return 1
    fi
    { echo "\$ $command_line"; stable "$scratch/out"; } >"$file"
    echo "captured $what"
}

failed=0
for program in "${selected[@]}"; do
    read -r -a args <<<"${PROGRAM_ARGS[$program]:-}"
    package="$(package_name "$root/${PROGRAM_DIR[$program]}")"
    command="cargo run -p $package"
    [ "$program" = "$package" ] || command="$command --bin $program"
    [ ${#args[@]} -eq 0 ] || command="$command -- ${args[*]}"
    capture "$program" "$out_dir/$program.rust.txt" "$command" . \
        "$(binary_of "$program" "$bin_dir")" "${args[@]}" || { failed=1; continue; }

    twin="$(twin_of "$program")"
    why="$(twin_missing "$twin")"
    if [ -n "$why" ]; then
        echo "error: the twin of $program cannot run here ($why); nothing captured" >&2
        failed=1
        continue
    fi
    capture "$twin" "$out_dir/$program.python.txt" "python3 $twin${args[*]:+ ${args[*]}}" \
        "${PROGRAM_DIR[$program]}" env PYTHONDONTWRITEBYTECODE=1 "$python" "${twin##*/}" "${args[@]}" ||
        failed=1
done
exit $failed
