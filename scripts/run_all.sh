#!/usr/bin/env bash
# Build the programs once, then run every program in tutorial order, each under a time
# limit (with --python, each followed by its Python twin on one or more interpreters), and
# end with a summary table. Exits non-zero if any run failed.
# Run `scripts/run_all.sh --help` for the options. The work is done by the `programs`
# tool (scripts/src/run_all.rs), which reads the registry of programs in the demo crates'
# Cargo.toml files; it replaces this shell, so a signal sent here reaches it.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/common.sh
source "$root/scripts/common.sh"
programs_command
exec "${programs_cmd[@]}" run-all "$@"
