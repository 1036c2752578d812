#!/usr/bin/env bash
# Builds CPython 3.14 twice from the upstream source tarball that Debian's archive carries:
# the default build (with the GIL) and the free-threaded one (`--disable-gil`, python3.14t).
# Each gets pip and what the twins import (aiohttp, redis-py, python-telegram-bot and
# cryptography), so every twin runs on it.
#
#   scripts/python.sh           build what is missing (about 4 minutes a build on 2 cores),
#                               then print the two interpreters' paths, one a line
#   scripts/python.sh --print   print the paths of those already built, build nothing
#
# The builds go to a cache outside the work tree, $PYTHON_CACHE or
# ~/.cache/concurrency-twins/python, so a second run is instant. The archive's address is
# the first Debian mirror named in this machine's apt sources ($PYTHON_MIRROR, a Debian
# mirror's URL, takes its place); the tarball's checksum is checked before anything is
# built from it.
set -euo pipefail

VERSION=3.14.7
TARBALL="python3.14_${VERSION}.orig.tar.xz"
SHA256=3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81
# What the twins import beyond the standard library, as pip names them and as imported.
PACKAGES="aiohttp redis python-telegram-bot cryptography"
IMPORTS="aiohttp, redis, telegram, cryptography"
cache="${PYTHON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/concurrency-twins/python}"

die() {
    echo "error: $*" >&2
    exit 1
}

# The interpreter of build NAME (3.14 or 3.14t) in the cache.
interpreter() {
    echo "$cache/$VERSION${1#3.14}/bin/python$1"
}

# The file that says build NAME was installed whole: until it is there, the build counts
# as missing (a build stopped half-way is built again, and --print does not list it).
finished() {
    echo "$cache/$VERSION${1#3.14}/.installed"
}

# The first `debian` archive (not debian-security) that apt's sources name.
mirror() {
    local line
    {
        cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
        cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p'
    } | while read -r line; do
        case "$line" in */debian | */debian/) echo "${line%/}"; break ;; esac
    done
    # A missing sources file, or the loop leaving early, is no error here.
    return 0
}

fetch_source() {
    local tarball="$cache/$TARBALL" base
    if [ ! -f "$tarball" ] || ! echo "$SHA256  $tarball" | sha256sum -c --status; then
        base="${PYTHON_MIRROR:-$(mirror)}"
        [ -n "$base" ] || die "no Debian archive in /etc/apt/sources.list{,.d}: cannot fetch $TARBALL"
        command -v curl >/dev/null || die "curl is needed to fetch $TARBALL"
        echo "fetching $TARBALL from $base" >&2
        curl -fsSL --retry 3 -o "$tarball.part" "$base/pool/main/p/python3.14/$TARBALL" ||
            { rm -f "$tarball.part"; die "could not fetch $base/pool/main/p/python3.14/$TARBALL"; }
        echo "$SHA256  $tarball.part" | sha256sum -c --status ||
            { rm -f "$tarball.part"; die "$TARBALL has the wrong sha256 (expected $SHA256): not building from it"; }
        mv "$tarball.part" "$tarball"
    fi
}

# build NAME CONFIGURE-FLAGS...: builds and installs one interpreter where it is missing,
# then the packages the twins import where they are missing.
build() {
    local name="$1" prefix
    shift
    prefix="$(dirname "$(dirname "$(interpreter "$name")")")"
    if [ ! -e "$(finished "$name")" ]; then
        rm -rf "$prefix"
        compile "$name" "$prefix" "$@"
    fi
    "$(interpreter "$name")" -c "import $IMPORTS" 2>/dev/null ||
        "$(interpreter "$name")" -m pip install --quiet --root-user-action=ignore $PACKAGES ||
        die "pip could not install $PACKAGES into Python $name"
}

# compile NAME PREFIX CONFIGURE-FLAGS...: builds CPython from the tarball into PREFIX.
compile() {
    local name="$1" prefix="$2" src
    shift 2
    fetch_source
    src="$(mktemp -d)"
    # shellcheck disable=SC2064 # the directory is known now
    trap "rm -rf '$src'" RETURN
    echo "building Python $name into $prefix (a few minutes)" >&2
    tar -xJf "$cache/$TARBALL" -C "$src" --strip-components=1
    (
        cd "$src"
        ./configure --prefix="$prefix" --with-ensurepip=install "$@" >"$src/configure.log" 2>&1 ||
            { tail -n 30 "$src/configure.log" >&2; exit 1; }
        make -j"$(nproc)" >"$src/make.log" 2>&1 || { tail -n 30 "$src/make.log" >&2; exit 1; }
        make install >"$src/install.log" 2>&1 || { tail -n 30 "$src/install.log" >&2; exit 1; }
    ) || die "building Python $name failed (the lines above are the end of its log)"
    local missing
    missing="$("$(interpreter "$name")" -c '
import importlib.util as u
print(" ".join(m for m in ("ssl", "ctypes", "sqlite3", "lzma", "zlib") if u.find_spec(m) is None))')"
    [ -z "$missing" ] || die "Python $name was built without: $missing (install their -dev headers)"
    touch "$(finished "$name")"
}

case "${1:-}" in
    --print)
        for name in 3.14 3.14t; do
            [ -e "$(finished "$name")" ] && interpreter "$name"
        done
        exit 0
        ;;
    -h | --help)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    "") ;;
    *) echo "error: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

mkdir -p "$cache"
build 3.14
build 3.14t --disable-gil
interpreter 3.14
interpreter 3.14t
