//! An argument that is not UTF-8 (`subprocess-demo $'\xff'`) gets a clear error and a non-zero exit,
//! not a panic: the role check reads `args_os`, which takes any bytes.

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_refused_without_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_subprocess-demo"));
    cmd.arg(std::ffi::OsStr::from_bytes(b"\xff"));
    let out = testkit::command_within(cmd, std::time::Duration::from_secs(30));
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stdout.is_empty() && !out.stderr.contains("panicked"),
        "{out:?}"
    );
    assert!(out.stderr.contains("invalid UTF-8"), "{out:?}");
}
