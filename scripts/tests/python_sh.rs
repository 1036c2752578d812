//! Tests for `scripts/python.sh`, the script that builds CPython 3.14 and 3.14t: it lists
//! nothing from an empty cache, refuses a tarball whose checksum differs before building
//! anything, and says so when the tarball cannot be fetched. None of them builds Python:
//! each works in a cache and a stand-in mirror of its own.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python.sh")
}

/// Runs python.sh with `args`, its cache in `cache` and its mirror at `mirror`.
fn run(args: &[&str], cache: &Path, mirror: &str) -> Output {
    Command::new("bash")
        .arg(script())
        .args(args)
        .env("PYTHON_CACHE", cache)
        .env("PYTHON_MIRROR", mirror)
        .output()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("python-sh-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn print_lists_nothing_from_an_empty_cache() {
    let dir = temp("print");
    let out = run(&["--print"], &dir.join("cache"), "file:///nowhere");
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
}

#[test]
fn print_lists_a_build_only_once_it_was_installed_whole() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp("finished");
    let cache = dir.join("cache");
    for build in ["3.14.7", "3.14.7t"] {
        let bin = cache.join(build).join("bin");
        fs::create_dir_all(&bin).unwrap();
        let name = if build.ends_with('t') {
            "python3.14t"
        } else {
            "python3.14"
        };
        fs::write(bin.join(name), "#!/bin/sh\n").unwrap();
        fs::set_permissions(bin.join(name), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let half_way = run(&["--print"], &cache, "file:///nowhere");
    fs::write(cache.join("3.14.7t/.installed"), "").unwrap();
    let one_done = run(&["--print"], &cache, "file:///nowhere");
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&half_way.stdout),
        "",
        "{half_way:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&one_done.stdout),
        format!("{}\n", cache.join("3.14.7t/bin/python3.14t").display()),
        "{one_done:?}"
    );
}

#[test]
fn a_tarball_with_another_checksum_is_refused_before_anything_is_built() {
    let dir = temp("checksum");
    let pool = dir.join("mirror/pool/main/p/python3.14");
    fs::create_dir_all(&pool).unwrap();
    fs::write(
        pool.join("python3.14_3.14.7.orig.tar.xz"),
        b"not the tarball",
    )
    .unwrap();
    let cache = dir.join("cache");
    let mirror = format!("file://{}", dir.join("mirror").display());
    let out = run(&[], &cache, &mirror);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let built = cache.join("3.14.7").exists();
    let kept = cache.join("python3.14_3.14.7.orig.tar.xz").exists();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: python3.14_3.14.7.orig.tar.xz has the wrong sha256"),
        "{stderr}"
    );
    assert!(
        !built,
        "python.sh built from a tarball it should have refused"
    );
    assert!(!kept, "python.sh kept a tarball whose checksum differs");
}

#[test]
fn a_tarball_that_cannot_be_fetched_is_an_error_that_names_it() {
    let dir = temp("fetch");
    let mirror = format!("file://{}", dir.join("empty-mirror").display());
    let out = run(&[], &dir.join("cache"), &mirror);
    fs::remove_dir_all(&dir).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: could not fetch file://")
            && stderr.contains("/pool/main/p/python3.14/python3.14_3.14.7.orig.tar.xz"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_option_is_a_usage_error() {
    let dir = temp("usage");
    let out = run(&["--bogus"], &dir.join("cache"), "file:///nowhere");
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error: unknown option '--bogus'"),
        "{out:?}"
    );
}
