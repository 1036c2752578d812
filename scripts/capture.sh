#!/usr/bin/env bash
# Runs every program and its Python twin once and writes what each printed into
# book/src/output/ (PROGRAM.rust.txt, PROGRAM.python.txt, and PROGRAM.python-VERSION.txt
# for an interpreter whose lines differ), for the book's pages to include; the book's
# tests (cargo test -p book) fail when a program no longer prints the lines captured here.
#   scripts/capture.sh [--interpreter PYTHON]... [--all-interpreters] [PROGRAM...]
# See `scripts/capture.sh --help`; the work is done by the `programs` tool
# (scripts/src/capture.rs).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/common.sh
source "$root/scripts/common.sh"
programs_command
exec "${programs_cmd[@]}" capture "$@"
