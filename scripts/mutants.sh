#!/usr/bin/env bash
# Mutation testing of the demo crates: cargo-mutants changes the lessons' code one small
# way at a time and checks that some test fails. Run `scripts/mutants.sh --help`.
set -uo pipefail

usage() {
    cat <<EOF
Usage: scripts/mutants.sh [CRATE...] [-- CARGO-MUTANTS-OPTIONS...]

Runs \`cargo mutants -p CRATE\` for every demo crate (every crate with a program in
the registry: see scripts/run_all.sh --list), or for the CRATEs named, one crate at a time, and
prints how many mutants its tests caught, missed, timed out on, and could not
build (unviable), per crate. Installs cargo-mutants (cargo install cargo-mutants
--locked) when it is missing. Exclusions are in .cargo/mutants.toml.

Each crate's full results (missed.txt, caught.txt, logs) are kept in
mutants/CRATE/mutants.out/ in the workspace's target directory.
Options after -- go to cargo mutants, e.g. -- --timeout 120 --jobs 1.
A whole run takes long: minutes per crate on two cores.

Exit status: 0 if no mutant was missed and every run completed, 1 otherwise,
2 for bad arguments.
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/common.sh
source "$root/scripts/common.sh"

selected=()
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        -*) die "unknown option '$1' (see --help; options for cargo mutants go after --)" ;;
        *) selected+=("$1") ;;
    esac
    shift
done

cd "$root" || die "cannot enter $root"
need_cargo

# The demo crates: the packages of the registry's programs, in order, once each.
demo_crates=()
listing="$(programs list --tsv)" || exit 2
while IFS=$'\t' read -r _ package _; do
    [ -n "$package" ] || continue
    case " ${demo_crates[*]} " in *" $package "*) ;; *) demo_crates+=("$package") ;; esac
done <<<"$listing"
for crate in "${selected[@]}"; do
    [ -n "$crate" ] && (cd "$root" && cargo pkgid -q -p "$crate" >/dev/null 2>&1) ||
        die "no crate named '$crate' in the workspace"
done
[ ${#selected[@]} -gt 0 ] || selected=("${demo_crates[@]}")

if ! cargo mutants --version >/dev/null 2>&1; then
    echo "==> cargo install cargo-mutants --locked"
    cargo install cargo-mutants --locked || { echo "error: installing cargo-mutants failed" >&2; exit 1; }
fi

out_root="$(programs target-dir)/mutants"
lines=()
bad=0
for crate in "${selected[@]}"; do
    echo
    echo "==================== cargo mutants -p $crate ===================="
    out="$out_root/$crate"
    rm -rf "$out/mutants.out"
    mkdir -p "$out"
    cargo mutants -p "$crate" --output "$out" "${extra[@]}"
    status=$?
    # Exit codes of cargo mutants: 0 all caught, 2 some missed, 3 some timed out,
    # 4 the tests fail even unmutated; anything else, it did not run.
    case $status in
        0 | 2 | 3) note="" ;;
        4) note="the tests fail before any mutation (see $out/mutants.out/log/baseline.log)" ;;
        *) note="cargo mutants exited $status" ;;
    esac
    counts=()
    for kind in caught missed timeout unviable; do
        file="$out/mutants.out/$kind.txt"
        if [ -f "$file" ]; then counts+=("$(wc -l <"$file" | tr -d ' ')"); else counts+=("-"); fi
    done
    [ "${counts[1]}" = 0 ] && [ -z "$note" ] || bad=$((bad + 1))
    lines+=("$(printf '%-20s %7s %7s %8s %9s   %s' "$crate" "${counts[@]}" "$note")")
done

echo
echo "==================== mutants per crate ===================="
printf '%-20s %7s %7s %8s %9s\n' "crate" "caught" "missed" "timeout" "unviable"
printf '%s\n' "${lines[@]}"
echo "missed mutants are listed in $out_root/CRATE/mutants.out/missed.txt"
[ $bad -eq 0 ]
