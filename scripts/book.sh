#!/usr/bin/env bash
# Builds the book into target/book/ with mdBook 0.5 (installed with `cargo install` when it is
# missing) and fails on any error or warning mdBook prints, such as an include that does not
# resolve. Then, with --check, runs the book's own tests: every link, anchor and image resolves,
# every page renders in headless Chromium, the captured output is current.
#   scripts/book.sh            build
#   scripts/book.sh --check    build, then check
#   scripts/book.sh --serve    serve it on http://127.0.0.1:3000 (PORT=... for another port)
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
    "" | --check | --serve) ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

mdbook="mdbook"
if ! "$mdbook" --version 2>/dev/null | grep -q '^mdbook v0\.5'; then
    mdbook="${CARGO_HOME:-$HOME/.cargo}/bin/mdbook"
fi
if ! "$mdbook" --version 2>/dev/null | grep -q '^mdbook v0\.5'; then
    echo "==> installing mdBook 0.5 (cargo install mdbook --locked --version ^0.5)"
    cargo install mdbook --locked --version '^0.5'
    mdbook="${CARGO_HOME:-$HOME/.cargo}/bin/mdbook"
fi

if [ "${1:-}" = "--serve" ]; then
    exec "$mdbook" serve book --hostname 127.0.0.1 --port "${PORT:-3000}"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "==> mdbook build book (into target/book/)"
"$mdbook" build book 2>&1 | tee "$log"
if grep -E 'ERROR|WARN' "$log" >/dev/null; then
    echo "error: mdbook reported the problems above" >&2
    exit 1
fi
echo "the book is in target/book/index.html"

if [ "${1:-}" = "--check" ]; then
    echo "==> cargo test -p book (links, anchors, images, Chromium, captured output)"
    cargo test -p book --locked
fi
