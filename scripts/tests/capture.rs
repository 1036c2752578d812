//! Tests for `scripts/capture.sh` on a stand-in workspace: it writes each program's and
//! each twin's output for the book, and an interpreter's own file only where that
//! interpreter's lines differ from the first interpreter's.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::process::Command;

use common::{Workspace, run};

#[test]
fn each_interpreter_whose_lines_differ_gets_its_own_file() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip(
            "each_interpreter_whose_lines_differ_gets_its_own_file",
            &why,
        );
        return;
    }
    let ws = Workspace::new("capture", &["demo"]);
    ws.program("demo", "echo unused");
    // The twin names the interpreter it runs on: python3 and python3.99t differ.
    ws.file(
        "demo/demo.py",
        "import os, sys\nprint('hello from', os.path.basename(sys.executable))\n",
    );
    let mut ask = Command::new("python3");
    ask.args([
        "-c",
        "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])",
    ]);
    let answer = run(ask, 60).stdout;
    let (executable, version) = answer.trim().split_once('\n').unwrap();
    let other = ws.root.join("python3.99t");
    std::os::unix::fs::symlink(executable, &other).unwrap();
    let capture = || {
        let mut cmd = ws.script(
            "capture.sh",
            &[
                "--interpreter",
                "python3",
                "--interpreter",
                other.to_str().unwrap(),
            ],
        );
        // The stand-in's own target directory, so its build does not wait for the real one.
        cmd.env("CARGO_TARGET_DIR", ws.root.join("target"));
        let out = run(cmd, 600);
        assert_eq!(out.code, Some(0), "{out:?}");
    };
    capture();
    let output = ws.root.join("book/src/output");
    let read = |name: &str| fs::read_to_string(output.join(name)).unwrap();
    assert_eq!(read("demo.rust.txt"), "$ cargo run -p demo\n");
    assert_eq!(
        read("demo.python.txt"),
        "$ python3 demo/demo.py\nhello from python3\n"
    );
    let own = format!("demo.python-{version}.txt");
    assert_eq!(
        read(&own),
        "$ python3.99t demo/demo.py\nhello from python3.99t\n"
    );

    // Once both print the same lines, the interpreter's own file goes.
    ws.file("demo/demo.py", "print('hello')\n");
    capture();
    assert_eq!(read("demo.python.txt"), "$ python3 demo/demo.py\nhello\n");
    assert!(!output.join(&own).exists(), "{own} was kept");
}
