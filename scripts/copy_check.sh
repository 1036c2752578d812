#!/usr/bin/env bash
# Prove that every program can be copied into a fresh crate: for each, follow the
# `To copy:` line of its `//!` header in a new crate and build it. Run
# `scripts/copy_check.sh --help` for the details.
set -uo pipefail

usage() {
    cat <<EOF
Usage: scripts/copy_check.sh [--verbose] [PROGRAM...]

For every program (see scripts/run_all.sh --list), or only the PROGRAMs named:
  1. reads the 'To copy:' paragraph of its //! header: either one or more
     \`cargo add ...\` commands, each in backticks, or 'To copy: no dependencies';
  2. makes a fresh crate in a temporary directory (cargo new) and runs those
     cargo add commands in it as a user does, against the live registry;
  3. copies the program in as src/main.rs: a src/main.rs with the modules beside it
     in src/ (src/bin and src/lib.rs left out), or a src/bin/NAME.rs alone;
  4. builds it.
Only where cargo cannot reach the registry does it run that command again with
--offline (against cargo's cache) and build offline, and it says so: a note
line, and "(offline: registry unreachable)" on the program's line.
It prints one line per program and fails if any program has no 'To copy:' line,
a cargo add the registry refuses, or a copy that does not build. The copies
share one target directory, so dependencies build once: \$COPY_CHECK_TARGET_DIR,
or copy-check/ in the workspace's target directory. The programs are the
registry's (scripts/run_all.sh --list).

Options:
  --verbose   after a failed line, print what cargo said
  -h, --help  print this help and exit

Exit status: 0 if every copy builds, 1 if any does not, 2 for bad arguments,
128 + N when stopped by signal N.
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/common.sh
source "$root/scripts/common.sh"

verbose=0
selected=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --verbose) verbose=1 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) selected+=("$1") ;;
    esac
    shift
done

cd "$root" || die "cannot enter $root"
need_cargo
# The registry's programs, in order, with each one's source file.
declare -a PROGRAMS=()
declare -A PROGRAM_SOURCE=()
listing="$(programs list --tsv)" || exit 2
while IFS=$'\t' read -r name _ _ source _; do
    [ -n "$name" ] || continue
    PROGRAMS+=("$name")
    PROGRAM_SOURCE[$name]="$source"
done <<<"$listing"
for name in "${selected[@]}"; do
    [ -n "$name" ] && [ -n "${PROGRAM_SOURCE[$name]:-}" ] || die "no program named '$name' (see scripts/run_all.sh --list)"
done

to_check=()
for program in "${PROGRAMS[@]}"; do
    if [ ${#selected[@]} -eq 0 ] || [[ " ${selected[*]} " == *" $program "* ]]; then
        to_check+=("$program")
    fi
done

target_dir="${COPY_CHECK_TARGET_DIR:-$(programs target-dir)/copy-check}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT
trap 'exit 129' HUP
trap 'exit 143' TERM

# Whether cargo's LOG says it could not reach the registry (as opposed to refusing the
# command): only then is the command tried again offline, against what cargo has cached.
unreachable() {
    grep -Eqi "resolve host|network failure|spurious network|failed to download|download of .* failed|timed out|timeout was reached|connection (refused|reset)|failed to query replaced source|could not connect" "$1"
}

# The text of the `To copy:` paragraph in the //! header of FILE, after `To copy:`,
# on one line: from that line to the header's next blank line or its end. Prints
# nothing when the header has no `To copy:`.
to_copy_text() {
    awk '
        !/^\/\/!/ { if (started) exit; next }
        { started = 1; line = $0; sub(/^\/\/! ?/, "", line) }
        found && line ~ /^[[:space:]]*$/ { exit }
        !found && index(line, "To copy:") { found = 1; line = substr(line, index(line, "To copy:") + 8) }
        found { text = text " " line }
        END { if (found) print text }' "$1"
}

# The first line of LOG that says what went wrong (cargo's first `error`), else its
# last line.
first_error() {
    local line
    line="$(grep -m 1 -E '^(error|fatal)' "$1")"
    [ -n "$line" ] || line="$(tail -n 1 "$1")"
    echo "$line"
}

report() { # STATUS PROGRAM DETAIL
    printf '%-7s %-24s %s\n' "$1" "$2" "$3"
}

failed=0
fail() { # PROGRAM DETAIL [LOG]
    report FAILED "$1" "$2"
    failed=$((failed + 1))
    if [ $verbose -eq 1 ] && [ -n "${3:-}" ]; then sed 's/^/        | /' "$3"; fi
}

# check PROGRAM: copies and builds it, then prints its line.
check() {
    local program="$1" source="${PROGRAM_SOURCE[$1]}" text commands=() cmd words crate log offline=0
    text="$(to_copy_text "$root/$source")"
    if [ -z "$text" ]; then
        fail "$program" "no 'To copy:' line in the //! header of $source"
        return
    fi
    # Every `cargo add ...` in backticks, in order.
    while IFS= read -r cmd; do
        commands+=("$cmd")
    done < <(grep -o '`cargo add [^`]*`' <<<"$text" | tr -d '`')
    if [ ${#commands[@]} -eq 0 ] && ! grep -Eq '^[[:space:]]*no dependencies' <<<"$text"; then
        fail "$program" "its 'To copy:' names no \`cargo add\` command and does not say 'no dependencies':$text"
        return
    fi

    crate="$scratch/$program"
    log="$scratch/$program.log"
    if ! cargo new --quiet --vcs none --name "$program" "$crate" >"$log" 2>&1; then
        fail "$program" "cargo new: $(first_error "$log")" "$log"
        return
    fi
    for cmd in "${commands[@]}"; do
        # Split into words as a shell would, quotes included, without running
        # anything: xargs parses quotes and prints each word on a line of its own.
        words=()
        while IFS= read -r word; do words+=("$word"); done < <(xargs -n 1 printf '%s\n' <<<"$cmd" 2>/dev/null)
        # As a user runs it: against the live registry.
        if ! (cd "$crate" && cargo "${words[@]:1}" --quiet) >"$log" 2>&1; then
            if ! unreachable "$log"; then
                fail "$program" "$cmd: $(first_error "$log")" "$log"
                return
            fi
            echo "note: $program: the registry cannot be reached ($(first_error "$log")); falling back to cargo's offline cache for: $cmd"
            offline=1
            if ! (cd "$crate" && cargo "${words[@]:1}" --offline --quiet) >"$log" 2>&1; then
                fail "$program" "$cmd (offline): $(first_error "$log")" "$log"
                return
            fi
        fi
    done

    case "$source" in
        */src/main.rs)
            # The crate's own program: main.rs with its modules.
            local entry
            for entry in "$root/${source%/main.rs}"/*; do
                case "${entry##*/}" in bin | lib.rs) continue ;; esac
                cp -R "$entry" "$crate/src/"
            done
            ;;
        */src/bin/*/main.rs) cp -R "$root/${source%/main.rs}"/. "$crate/src/" ;;
        *) cp "$root/$source" "$crate/src/main.rs" ;;
    esac

    local build=(cargo build)
    [ "$offline" -eq 0 ] || build+=(--offline)
    if ! (cd "$crate" && CARGO_TARGET_DIR="$target_dir" "${build[@]}") >"$log" 2>&1; then
        fail "$program" "build: $(first_error "$log")" "$log"
        return
    fi
    local warnings detail
    warnings="$(grep -c '^warning: ' "$log" | head -n 1)"
    warnings=$((warnings - $(grep -c '^warning: .* generated [0-9]* warning' "$log")))
    if [ ${#commands[@]} -eq 0 ]; then detail="no dependencies"; else detail="$(printf '%s; ' "${commands[@]}")"; detail="${detail%; }"; fi
    [ "$offline" -eq 0 ] || detail="$detail (offline: registry unreachable)"
    [ "$warnings" -eq 0 ] || detail="$detail ($warnings warnings)"
    report ok "$program" "$detail"
}

echo "==> each program copied into a fresh crate and built (target: $target_dir)"
for program in "${to_check[@]}"; do
    check "$program"
done
echo "${#to_check[@]} programs: $((${#to_check[@]} - failed)) copy and build, $failed do not"
[ $failed -eq 0 ]
