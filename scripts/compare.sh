#!/usr/bin/env bash
# Run one program (a release build) and its Python twin, then print the two outputs side by
# side, each with the wall time and CPU time its run took, and say whether both sides did
# the same work. Run `scripts/compare.sh --help`. The work is done by the `programs` tool
# (scripts/src/compare.rs).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/common.sh
source "$root/scripts/common.sh"
programs_command
exec "${programs_cmd[@]}" compare "$@"
