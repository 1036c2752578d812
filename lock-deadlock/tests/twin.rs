//! The Python twins print the Rust programs' lines, numbers aside, and lock_deadlock.py
//! shows what the tutorial's race does on the build it runs on.

use std::time::Duration;
use testkit::{number_after, run_within, twin};

const DIR: &str = env!("CARGO_MANIFEST_DIR");
/// lock_deadlock.py takes a few seconds; this only turns a hang into a failure.
const LIMIT: Duration = Duration::from_secs(60);

/// Runs the Rust program `exe` and its twin `script` on each interpreter; `None` (after
/// saying why) where the twin cannot run here. All must exit 0.
fn both(test: &str, exe: &str, script: &str) -> Option<(String, Vec<twin::Run>)> {
    let (rust, runs) = twin::run_both(test, DIR, script, &[], exe, run_within, LIMIT)?;
    Some((rust.stdout, runs))
}

/// The tutorial's own race, run as written: with the GIL it loses nothing, free-threaded
/// it loses updates within the twin's bounded number of tries, and the twin says which
/// build it ran on.
#[test]
fn lock_deadlock_py_prints_the_same_lines_and_loses_updates_only_without_the_gil() {
    let test = "lock_deadlock_py_prints_the_same_lines_and_loses_updates_only_without_the_gil";
    let exe = env!("CARGO_BIN_EXE_lock-deadlock");
    let Some((rust, runs)) = both(test, exe, "lock_deadlock.py") else {
        return;
    };
    twin::each(&runs, |run| {
        let (build, python) = run.out.stdout.split_once('\n').unwrap();
        assert_eq!(build, run.python.build_line());

        let naive = "naive: `balance = balance + n` from 2 threads runs in Python: balance = ";
        let balance: i64 = number_after(python, naive);
        let after = format!("{naive}{balance} after ");
        let changes: u64 = number_after(python, &after);
        let outcome = testkit::line_after(python, &format!("{after}{changes} changes ("));
        if run.python.gil {
            // One thread at a time, switched only between calls: nothing is lost.
            let tries: u32 = number_after(outcome, "none lost in ");
            assert_eq!(
                (balance, outcome),
                (0, format!("none lost in {tries} tries)").as_str()),
                "{python}"
            );
        } else {
            let tries = outcome
                .strip_prefix("updates lost, on try ")
                .and_then(|t| t.strip_suffix(')')?.split_once(" of "))
                .unwrap_or_else(|| panic!("no update lost in the tries allowed:\n{python}"));
            let (at, of): (u32, u32) = (tries.0.parse().unwrap(), tries.1.parse().unwrap());
            assert!(balance != 0 && (1..=of).contains(&at), "{python}");
        }

        // Where Rust shows what Python cannot (the naive race refused at compile time, atomic
        // integers), Python says in one line what it does instead. The "no update was lost"
        // note depends on the run, on either side.
        let lines_but = |out: &str, own: &[&str]| -> String {
            out.lines()
                .filter(|l| {
                    !own.iter().any(|o| l.starts_with(o)) && !l.contains("no update was lost")
                })
                .map(|l| format!("{l}\n"))
                .collect()
        };
        let rust_only = [
            "naive: `balance += n` on one plain i64 from 2 threads does not compile (E0499)",
            "fetch_add: balance = ",
        ];
        let python_only = [naive, "fetch_add: Python has no atomic integers"];
        for (out, own) in [(&rust[..], &rust_only), (python, &python_only)] {
            for line in own {
                assert!(out.contains(line), "no {line:?} in\n{out}");
            }
        }
        twin::assert_same_lines(
            &lines_but(&rust, &rust_only),
            &lines_but(python, &python_only),
        );
        // Python's lock does what Rust's Mutex does: nothing lost, after twice one thread's
        // work; and one thread alone loses nothing there too.
        let one: u64 = number_after(python, "split load/store, 1 thread: balance = 0 after ");
        for line in [
            format!(
                "split load/store, 1 thread: balance = 0 after {one} changes (lost updates: 0)"
            ),
            format!("Mutex: balance = 0 after {} changes", 2 * one),
        ] {
            assert!(
                python.lines().any(|l| l == line),
                "no {line:?} in\n{python}"
            );
        }
    });
}

#[test]
fn deadlock_py_deadlocks_for_real_and_then_finishes_with_one_lock_order() {
    let test = "deadlock_py_deadlocks_for_real_and_then_finishes_with_one_lock_order";
    let exe = env!("CARGO_BIN_EXE_deadlock");
    let Some((rust, runs)) = both(test, exe, "deadlock.py") else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out.stdout;
        twin::assert_same_lines(&rust, python);
        // The same deadlock, reported the same way, and every round of the fix done, as in Rust.
        for line in [
            "deadlock detected: no progress for 1.0 s",
            "  thread-1 holds lock A and waits for lock B",
            "  thread-2 holds lock B and waits for lock A",
            testkit::line(&rust, "with a fixed lock order: done"),
        ] {
            assert!(
                python.lines().any(|l| l == line),
                "no {line:?} in\n{python}"
            );
        }
    });
}
