# Sourced by the scripts beside it (not run by itself): their shared options and errors,
# finding the workspace's programs, and running one program under a time limit in a
# process group of its own, so that it and every process it started can be stopped
# together.
#
# The caller sets `root` (the workspace root) before sourcing it, and `scratch` (a
# temporary directory it removes), then calls `install_traps` before running anything.

# Members of the workspace that are tools, not demos: the benchmark, the book's checks,
# the scripts' tests and the tests' helpers. They have no lesson to run or mutate.
NOT_DEMOS=(bench book scripts testkit)

# The arguments a program runs with here, where it needs any: a server demo serves
# itself a few requests and exits. Its Python twin gets the same arguments.
declare -A PROGRAM_ARGS=(
    [async-web]="--demo"
)

# Python modules outside the standard library that some twins import: a twin that imports
# one is skipped, not failed, where that module is not installed.
TWIN_MODULES=(aiohttp redis)

# A usage error: says so on stderr and exits 2.
die() {
    echo "error: $*" >&2
    exit 2
}

need_cargo() {
    command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (https://rustup.rs)"
}

# The options of run_all.sh and compare.sh that say which binaries run and for how long:
# --no-build, --bin-dir DIR and --timeout SECONDS. `run_defaults` sets their defaults
# (build, the debug binaries, $RUN_ALL_TIMEOUT or 60 s) and the Python that runs twins
# ($PYTHON or python3); `run_option ARGS...` takes the option that starts ARGS, setting
# build, bin_dir or limit, and sets `option_args` to the number of arguments it took
# (0 or 1), for the caller to shift past.
run_defaults() {
    limit="${RUN_ALL_TIMEOUT:-60}"
    build=1
    bin_dir=""
    python="${PYTHON:-python3}"
}

run_option() {
    option_args=0
    case "$1" in
        --no-build) build=0 ;;
        --bin-dir)
            [ $# -ge 2 ] || die "--bin-dir needs a directory"
            [ -d "$2" ] || die "--bin-dir: '$2' is not a directory"
            bin_dir="$(cd "$2" && pwd)"
            build=0
            option_args=1
            ;;
        --timeout)
            [ $# -ge 2 ] || die "--timeout needs a number of seconds"
            limit="$2"
            option_args=1
            ;;
    esac
}

# Once the options are read: checks the time limit, and makes a relative path to
# $python absolute, since a twin runs in its crate's directory.
check_run_options() {
    case "$limit" in
        '' | *[!0-9]* | 0) die "the time limit must be a whole number of seconds above 0, not '$limit'" ;;
    esac
    case "$python" in /*) ;; */*) python="$PWD/$python" ;; esac
}

# The member directories of the workspace, in the order of the root Cargo.toml's
# `members` list (the tutorial's order). Comments in the list are ignored.
workspace_members() {
    awk '
        /^[[:space:]]*members[[:space:]]*=/ { inside = 1 }
        inside {
            line = $0
            sub(/#.*/, "", line)
            while (match(line, /"[^"]*"/)) {
                print substr(line, RSTART + 1, RLENGTH - 2)
                line = substr(line, RSTART + RLENGTH)
            }
            if (index(line, "]")) exit
        }' "$root/Cargo.toml"
}

# The `name` in the [package] table of DIR/Cargo.toml.
package_name() {
    awk '
        /^[[:space:]]*\[/ { section = $0; gsub(/[[:space:]]/, "", section) }
        section == "[package]" && /^[[:space:]]*name[[:space:]]*=/ {
            if (match($0, /"[^"]*"/)) print substr($0, RSTART + 1, RLENGTH - 2)
            exit
        }' "$1/Cargo.toml"
}

# Every program of the workspace, one line each: NAME, crate DIR and SOURCE file (both
# relative to the root), separated by tabs. In member order; within a crate, the
# package's own program (src/main.rs) first, then each src/bin/NAME.rs (or
# src/bin/NAME/main.rs) in name order. Nothing here names today's crates, so a crate that
# is added or split is found as it is.
list_programs() {
    local member name entry bin
    while IFS= read -r member; do
        case " ${NOT_DEMOS[*]} " in *" $member "*) continue ;; esac
        [ -f "$root/$member/Cargo.toml" ] || continue
        name="$(package_name "$root/$member")"
        if [ -n "$name" ] && [ -f "$root/$member/src/main.rs" ]; then
            printf '%s\t%s\t%s\n' "$name" "$member" "$member/src/main.rs"
        fi
        for entry in "$root/$member"/src/bin/*; do
            bin="${entry##*/}"
            if [ -f "$entry" ] && [ "${bin%.rs}" != "$bin" ]; then
                printf '%s\t%s\t%s\n' "${bin%.rs}" "$member" "$member/src/bin/$bin"
            elif [ -f "$entry/main.rs" ]; then
                printf '%s\t%s\t%s\n' "$bin" "$member" "$member/src/bin/$bin/main.rs"
            fi
        done
    done < <(workspace_members)
}

# Fills the arrays PROGRAMS, PROGRAM_DIR and PROGRAM_SOURCE from list_programs.
declare -a PROGRAMS=()
declare -A PROGRAM_DIR=() PROGRAM_SOURCE=()
load_programs() {
    local name dir source
    while IFS=$'\t' read -r name dir source; do
        PROGRAMS+=("$name")
        PROGRAM_DIR[$name]="$dir"
        PROGRAM_SOURCE[$name]="$source"
    done < <(LC_ALL=C list_programs)
}

# Sets `packages` to `-p PACKAGE` for the package of each PROGRAM named, once each.
package_flags() {
    local program package
    packages=()
    for program in "$@"; do
        package="$(package_name "$root/${PROGRAM_DIR[$program]}")"
        case " ${packages[*]} " in *" -p $package "*) ;; *) packages+=(-p "$package") ;; esac
    done
}

# The Python twin of program NAME: `<crate dir>/<NAME with - replaced by _>.py`.
twin_of() {
    echo "${PROGRAM_DIR[$1]}/${1//-/_}.py"
}

# Why the twin TWIN (a path under the root) cannot run here, or nothing when it can.
# Uses $python (the caller's Python command).
declare -A module_missing=()
twin_missing() {
    local twin="$1" module
    [ -f "$root/$twin" ] || { echo "no twin file yet"; return; }
    command -v "$python" >/dev/null 2>&1 || { echo "no $python"; return; }
    for module in "${TWIN_MODULES[@]}"; do
        grep -Eq "^[[:space:]]*(import|from)[[:space:]]+$module([[:space:].,]|\$)" "$root/$twin" ||
            continue
        if [ -z "${module_missing[$module]:-}" ]; then
            if "$python" -c "import $module" >/dev/null 2>&1; then
                module_missing[$module]=no
            else
                module_missing[$module]=yes
            fi
        fi
        [ "${module_missing[$module]}" = no ] || { echo "no $module"; return; }
    done
}

# The binary of program NAME in directory DIR (with the .exe fallback for Windows).
binary_of() {
    local bin="$2/$1"
    if [ ! -x "$bin" ] && [ -x "$bin.exe" ]; then bin="$bin.exe"; fi
    echo "$bin"
}

# The directory cargo builds into, for the debug binaries.
debug_dir() {
    local target_dir
    target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    [ -n "$target_dir" ] || target_dir="$root/target"
    echo "$target_dir/debug"
}

now() {
    # Bash 5 has EPOCHREALTIME (microseconds); older shells get whole seconds.
    if [ -n "${EPOCHREALTIME:-}" ]; then echo "${EPOCHREALTIME/,/.}"; else date +%s; fi
}

# What is running now, for the traps: the program's process group, the watchdog that
# stops it at its time limit, and the tee that shows its output.
run_group=""
run_watchdog=""
run_tee=""

# Stops whatever run is under way: the program with every process it started, its
# watchdog, and its tee.
stop_run() {
    local pid
    for pid in $run_group $run_watchdog $run_tee; do
        kill -KILL -- "-$pid" 2>/dev/null
        # Reaped here, quietly: no "Killed" notice from the shell.
        wait "$pid" 2>/dev/null
    done
    run_group=""
    run_watchdog=""
    run_tee=""
}

# On exit, stop the run and remove the scratch directory. On Ctrl-C (INT), TERM or HUP,
# the same, then exit with 128 + the signal's number, as a shell does.
install_traps() {
    trap 'stop_run; rm -rf "$scratch"' EXIT
    trap 'on_signal INT 2' INT
    trap 'on_signal HUP 1' HUP
    trap 'on_signal TERM 15' TERM
}

on_signal() {
    trap '' INT HUP TERM
    echo >&2
    echo "interrupted (SIG$1): stopping" >&2
    exit $((128 + $2))
}

# run_limited MODE LIMIT OUT DIR COMMAND...
# Runs COMMAND in directory DIR (relative to the root), stdin empty, in a process group
# of its own, for at most LIMIT seconds. MODE `show`: its stdout is shown as it comes and
# saved to OUT, its stderr shown. MODE `quiet`: stdout and stderr both saved to OUT,
# nothing shown. Past its limit it gets TERM, then KILL 3 s later, with every process in
# its group. Once it exits, whatever it left running in its group is killed too.
# Sets run_status (its exit status) and run_timed_out (1 if it was stopped at the limit).
run_limited() {
    local mode="$1" limit="$2" out="$3" dir="$4"
    shift 4
    local flag="$scratch/timed-out"
    rm -f "$flag" "$scratch/fifo"
    # Job control puts each background job in a process group of its own.
    set -m
    if [ "$mode" = show ]; then
        # Through a FIFO rather than a pipeline, so that the program leads its own group
        # and its exit status is its own.
        mkfifo "$scratch/fifo"
        tee "$out" <"$scratch/fifo" &
        run_tee=$!
        (cd "$root/$dir" && exec "$@") >"$scratch/fifo" </dev/null &
    else
        (cd "$root/$dir" && exec "$@") >"$out" 2>&1 </dev/null &
    fi
    run_group=$!
    (
        sleep "$limit"
        echo "$limit" >"$flag"
        kill -TERM -- "-$run_group" 2>/dev/null
        sleep 3
        kill -KILL -- "-$run_group" 2>/dev/null
    ) >/dev/null 2>&1 &
    run_watchdog=$!
    # Back to one group: a command run in the foreground from here on shares the
    # runner's, so a Ctrl-C reaches the runner.
    set +m
    wait "$run_group"
    run_status=$?
    # The program's group may still hold processes it left running: end them.
    kill -KILL -- "-$run_group" 2>/dev/null
    run_group=""
    kill -KILL -- "-$run_watchdog" 2>/dev/null
    wait "$run_watchdog" 2>/dev/null
    run_watchdog=""
    if [ -n "$run_tee" ]; then
        # The tee ends once no writer holds the FIFO; a process that left the group
        # and kept it open is not waited for long.
        local tries=0
        while kill -0 "$run_tee" 2>/dev/null && [ $tries -lt 20 ]; do
            sleep 0.1
            tries=$((tries + 1))
        done
        kill -KILL -- "-$run_tee" 2>/dev/null
        wait "$run_tee" 2>/dev/null
        run_tee=""
    fi
    run_timed_out=0
    [ -e "$flag" ] && run_timed_out=1
    return 0
}

# The result of the last run_limited, whose output is in OUT, with time limit LIMIT:
# sets `result` to `ok`, `skipped (reason)` when its first line of output is
# `skipped: reason` and it exited 0, or `failed (...)`; and `result_kind` to ok, skipped
# or failed.
describe_run() {
    local out="$1" limit="$2" first
    first="$(head -n 1 "$out" 2>/dev/null)"
    if [ "$run_timed_out" -eq 1 ]; then
        result_kind=failed
        result="failed (over ${limit}s, killed)"
    elif [ "$run_status" -ne 0 ]; then
        result_kind=failed
        result="failed (exit $run_status)"
    elif [ "${first#skipped: }" != "$first" ]; then
        result_kind=skipped
        result="skipped (${first#skipped: })"
    else
        result_kind=ok
        result=ok
    fi
}
