# Sourced by the scripts beside it (not run by itself): their shared errors, and the
# `programs` tool (scripts/src) that reads the registry of programs (each demo crate's
# [[package.metadata.programs]] tables, described in testkit/src/programs.rs) and runs
# them. The caller sets `root` (the workspace root) before sourcing it.

# A usage error: says so on stderr and exits 2.
die() {
    echo "error: $*" >&2
    exit 2
}

need_cargo() {
    command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (https://rustup.rs)"
}

# The command line that runs the `programs` tool on this workspace: $PROGRAMS_BIN when it
# is set (the scripts' tests point it at the tool they built, for a stand-in workspace),
# else `cargo run` of the scripts package, which builds it first when needed.
programs_command() {
    if [ -n "${PROGRAMS_BIN:-}" ]; then
        programs_cmd=("$PROGRAMS_BIN" --workspace "$root")
    else
        need_cargo
        programs_cmd=(cargo run --quiet --manifest-path "$root/Cargo.toml" -p scripts --bin programs --
            --workspace "$root")
    fi
}

# programs ARGS...: runs the tool, e.g. `programs list --tsv`.
programs() {
    programs_command
    "${programs_cmd[@]}" "$@"
}
