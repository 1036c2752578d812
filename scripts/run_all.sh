#!/usr/bin/env bash
# Build the workspace once, then run every demo in tutorial order, each under a
# time limit, and end with a summary table. Exits non-zero if any demo failed.
# Run `scripts/run_all.sh --help` for the options.
set -uo pipefail

# Each entry: the package name, then the arguments it runs with here.
DEMOS=(
    "fork-demo"
    "spawn-demo"
    "pool-demo"
    "subprocess-demo"
    "queue-demo"
    "pipe-demo"
    "shared-memory"
    "thread-demo"
    "lock-deadlock"
    "multicore-demo"
    "threadlocal-demo"
    "master-worker"
    "distributed-demo"
    "coroutine-demo"
    "async-io"
    "async-web --demo"
)

usage() {
    cat <<EOF
Usage: scripts/run_all.sh [--list] [--no-build | --bin-dir DIR] [--timeout SECONDS] [DEMO...]

Builds the workspace once, then runs each demo (or only the DEMOs named) in
tutorial order, each under a time limit, and prints a summary table.
A demo that exits non-zero or runs past its limit counts as failed; one past
its limit is killed together with every process it started.

Options:
  --list             print the demos, in order, and exit
  --no-build         use the debug binaries already built in the target directory
  --bin-dir DIR      run the binaries in DIR instead of building (e.g. target/release)
  --timeout SECONDS  time limit per demo (default: \$RUN_ALL_TIMEOUT or 60)
  -h, --help         print this help and exit

Exit status: 0 if every demo passed, 1 if any failed, 2 for bad arguments.
EOF
}

die() {
    echo "error: $*" >&2
    exit 2
}

demo_name() { echo "${1%% *}"; }

limit="${RUN_ALL_TIMEOUT:-60}"
build=1
bin_dir=""
selected=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --list)
            for entry in "${DEMOS[@]}"; do demo_name "$entry"; done
            exit 0
            ;;
        --no-build) build=0 ;;
        --bin-dir)
            [ $# -ge 2 ] || die "--bin-dir needs a directory"
            [ -d "$2" ] || die "--bin-dir: '$2' is not a directory"
            bin_dir="$(cd "$2" && pwd)"
            build=0
            shift
            ;;
        --timeout)
            [ $# -ge 2 ] || die "--timeout needs a number of seconds"
            limit="$2"
            shift
            ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) selected+=("$1") ;;
    esac
    shift
done
case "$limit" in
    '' | *[!0-9]* | 0) die "the time limit must be a whole number of seconds above 0, not '$limit'" ;;
esac

# Keep the demos' own order, whatever order they were named in.
to_run=()
if [ ${#selected[@]} -eq 0 ]; then
    to_run=("${DEMOS[@]}")
else
    for name in "${selected[@]}"; do
        found=0
        for entry in "${DEMOS[@]}"; do
            [ "$(demo_name "$entry")" = "$name" ] && found=1
        done
        [ $found -eq 1 ] || die "no demo named '$name' (see --list)"
    done
    for entry in "${DEMOS[@]}"; do
        for name in "${selected[@]}"; do
            if [ "$(demo_name "$entry")" = "$name" ]; then
                to_run+=("$entry")
                break
            fi
        done
    done
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || die "cannot enter $root"
if [ $build -eq 1 ] || [ -z "$bin_dir" ]; then
    command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (https://rustup.rs)"
fi
if [ $build -eq 1 ]; then
    packages=()
    for entry in "${to_run[@]}"; do packages+=(-p "$(demo_name "$entry")"); done
    echo "==> cargo build ${packages[*]}"
    cargo build --bins "${packages[@]}" || { echo "error: the build failed" >&2; exit 1; }
fi
if [ -z "$bin_dir" ]; then
    target_dir="$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    [ -n "$target_dir" ] || target_dir="$root/target"
    bin_dir="$target_dir/debug"
fi

now() {
    # Bash 5 has EPOCHREALTIME (microseconds); older shells get whole seconds.
    if [ -n "${EPOCHREALTIME:-}" ]; then echo "${EPOCHREALTIME/,/.}"; else date +%s; fi
}

scratch="$(mktemp -d)"
current_group=""
cleanup() {
    [ -n "$current_group" ] && kill -KILL -- "-$current_group" 2>/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'echo; echo "interrupted" >&2; exit 130' INT TERM

# Job control puts each background job in a process group of its own, so a
# demo and every process it started can be killed together.
set -m

names=()
results=()
seconds=()
failed=0
for entry in "${to_run[@]}"; do
    read -r -a words <<<"$entry"
    name="${words[0]}"
    bin="$bin_dir/$name"
    if [ ! -x "$bin" ] && [ -x "$bin.exe" ]; then bin="$bin.exe"; fi # Windows
    echo
    echo "==================== $entry ===================="
    start="$(now)"
    if [ ! -x "$bin" ]; then
        echo "error: $bin not found (run without --no-build)" >&2
        status=127
    else
        rm -f "$scratch/timed-out"
        "$bin" "${words[@]:1}" </dev/null &
        current_group=$!
        (
            sleep "$limit"
            echo "$limit" >"$scratch/timed-out"
            kill -TERM -- "-$current_group" 2>/dev/null
            sleep 3
            kill -KILL -- "-$current_group" 2>/dev/null
        ) >/dev/null 2>&1 &
        watchdog=$!
        wait "$current_group"
        status=$?
        # The demo's group may still hold processes it left running: end them.
        kill -KILL -- "-$current_group" 2>/dev/null
        kill -KILL -- "-$watchdog" 2>/dev/null
        wait "$watchdog" 2>/dev/null
        current_group=""
    fi
    end="$(now)"
    elapsed="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
    if [ -e "$scratch/timed-out" ]; then
        result="failed (over ${limit}s, killed)"
        failed=$((failed + 1))
    elif [ $status -ne 0 ]; then
        result="failed (exit $status)"
        failed=$((failed + 1))
    else
        result="ok"
    fi
    names+=("$name")
    results+=("$result")
    seconds+=("$elapsed")
done

echo
echo "==================== summary ===================="
printf '%-18s %-28s %8s\n' "demo" "result" "seconds"
for i in "${!names[@]}"; do
    printf '%-18s %-28s %8s\n' "${names[$i]}" "${results[$i]}" "${seconds[$i]}"
done
echo "${#names[@]} demos: $((${#names[@]} - failed)) ok, $failed failed"
[ $failed -eq 0 ]
