//! The master and workers against a real redis-server that each test starts on a free
//! port (a test prints `skipped:` and passes where redis-server is not installed); the
//! test itself plays a misbehaving peer where one is needed.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{EXE, LIMIT, assert_each_result_once, count, python, run_team, rust};
use redis::TypedCommands;
use testkit::redis::RedisServer;

const TASKS: &str = "broker-demo:tasks";
const GROUP: &str = "workers";

fn connect(server: &RedisServer) -> redis::Connection {
    let redis = redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap();
    redis
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    redis
}

#[test]
fn two_workers_bring_every_result_once() {
    let Some(server) = RedisServer::start("two_workers_bring_every_result_once", Some("pw")) else {
        return;
    };
    let url = server.url();
    let workers = vec![rust(&url, &["worker"]), rust(&url, &["worker"])];
    let (master, workers) = run_team(rust(&url, &["master", "--tasks", "6"]), workers);
    assert_eq!(master.code, Some(0), "{master:?}");
    assert_each_result_once(&master.stdout, 6);
    assert_eq!(count(&master.stdout, "master exit."), 1, "{master:?}");
    let runs: usize = workers.iter().map(|w| count(&w.stdout, "run task ")).sum();
    assert_eq!(
        runs, 6,
        "no worker died, so each task ran once: {workers:?}"
    );
    for w in &workers {
        assert_eq!(w.code, Some(0), "{w:?}");
        assert_eq!(count(&w.stdout, "worker exit."), 1, "{w:?}");
    }
}

#[test]
fn the_default_run_kills_a_worker_and_still_counts_each_result_once() {
    // Its own redis-server, master and workers: every one of them must be gone at the end.
    let out = testkit::run_leaving_nothing(EXE, &[], Duration::from_secs(40));
    assert_eq!(out.code, Some(0), "{out:?}");
    if out.stdout.starts_with("skipped: ") {
        assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
        assert!(
            out.stdout.contains("apt-get install redis-server"),
            "{out:?}"
        );
        testkit::twin::skip("the_default_run_kills_...", "no redis-server on PATH");
        return;
    }
    let text = &out.stdout;
    assert_each_result_once(text, 10);
    assert_eq!(count(text, "Killed worker-"), 1, "{out:?}");
    // The killed worker's task ran twice, the second time on the other worker.
    assert_eq!(count(text, "run task "), 11, "{out:?}");
    let redelivered = testkit::line(text, "task ");
    assert!(
        redelivered.ends_with(" redelivered (delivery 2)"),
        "{out:?}"
    );
    assert_eq!(count(text, "task "), 1, "{out:?}");
    assert_eq!(count(text, "master exit."), 1, "{out:?}");
    assert_eq!(
        count(text, "worker exit."),
        1,
        "only the survivor ends well: {out:?}"
    );
}

#[test]
fn a_wrong_or_missing_password_is_refused_in_one_line() {
    let test = "a_wrong_or_missing_password_is_refused_in_one_line";
    let Some(server) = RedisServer::start(test, Some("right-password")) else {
        return;
    };
    let wrong = server.url_with_password(Some("wrong-password"));
    let missing = server.url_with_password(None);
    let place = format!("Redis at 127.0.0.1:{}: ", server.port);
    for (role, url) in [("master", &wrong), ("worker", &wrong), ("master", &missing)] {
        let error = testkit::assert_usage_error(EXE, &[role, "--redis", url]);
        assert!(error.starts_with(&format!("error: {place}")), "{error}");
        assert!(
            !error.contains("password@"),
            "the URL's password is not shown: {error}"
        );
    }
    // Nothing was put on the queue by a master that was refused.
    assert!(!connect(&server).exists(TASKS).unwrap());
}

#[test]
fn no_redis_and_a_bad_url_are_one_line_errors() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = format!("redis://:secret@127.0.0.1:{port}"); // nothing listens there now
    let error = testkit::assert_usage_error(EXE, &["worker", "--redis", &closed]);
    assert!(
        error.starts_with(&format!("error: Redis at 127.0.0.1:{port}: ")),
        "{error}"
    );
    assert!(!error.contains("secret"), "{error}");
    for url in ["nonsense", "http://127.0.0.1:6379"] {
        let error = testkit::assert_usage_error(EXE, &["master", "--redis", url]);
        assert!(error.starts_with("error: not a Redis URL"), "{error}");
    }
}

/// The test is the master: bad messages first (one not even UTF-8), then one good task,
/// for a worker started by `worker` (Rust or Python), which must log, ack and drop each
/// bad one and still do the good one.
fn a_malformed_task_is_logged_and_acked_and_dropped(test: &str, worker: common::Starter) {
    let Some(server) = RedisServer::start(test, None) else {
        return;
    };
    let mut redis = connect(&server);
    redis.xgroup_create_mkstream(TASKS, GROUP, "$").unwrap();
    let too_long = format!(
        r#"{{"run": 7, "id": 1, "n": 2, "pad": "{}"}}"#,
        "x".repeat(2000)
    );
    let bad = [
        "{not json",
        r#"{"run": 7, "id": 1, "n": -5}"#,
        r#"{"run": 7, "id": 1}"#,
        r#"{"id": 1, "n": 2}"#,
        &too_long,
    ];
    for task in bad {
        redis.xadd(TASKS, "*", &[("task", task)]).unwrap();
    }
    redis
        .xadd(TASKS, "*", &[("task", &b"\xff\xfe"[..])])
        .unwrap();
    redis.xadd(TASKS, "*", &[("other", "field")]).unwrap();
    let good = r#"{"run": 7, "id": 7, "n": 12}"#;
    redis.xadd(TASKS, "*", &[("task", good)]).unwrap();
    let worker = std::thread::spawn({
        let url = server.url();
        move || testkit::command_within(worker(&url, &["worker", "--name", "w"]), LIMIT)
    });
    let reply = redis.blpop("broker-demo:7:results", 30.0).unwrap();
    let [_, reply] = reply.expect("a reply to the good task");
    assert_eq!(
        reply.replace(' ', ""),
        r#"{"id":7,"square":144,"worker":"w"}"#
    );
    redis.set("broker-demo:7:done", 1).unwrap();
    let told = Instant::now();
    let worker = worker.join().unwrap();
    // It looks for its master's "done" when no task is waiting, at least once a second or
    // so; its own patience (15 s without a task) is not what ended it.
    let waited = told.elapsed();
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    assert_eq!(worker.code, Some(0), "{worker:?}");
    assert_eq!(count(&worker.stdout, "malformed task "), 7, "{worker:?}");
    assert_eq!(
        count(&worker.stdout, "run task 12 * 12..."),
        1,
        "{worker:?}"
    );
    let pending = redis.xpending(TASKS, GROUP).unwrap();
    assert_eq!(pending.count(), 0, "every message was acked");
    assert_eq!(redis.xlen(TASKS).unwrap(), 0, "and deleted");
}

#[test]
fn a_malformed_task_is_logged_and_acked_and_the_rest_is_done() {
    let test = "a_malformed_task_is_logged_and_acked_and_the_rest_is_done";
    a_malformed_task_is_logged_and_acked_and_dropped(test, rust);
}

#[test]
fn a_malformed_task_is_logged_and_acked_by_a_python_worker_too() {
    let test = "a_malformed_task_is_logged_and_acked_by_a_python_worker_too";
    if let Some(why) = testkit::twin::missing(&["redis"]) {
        testkit::twin::skip(test, &why);
        return;
    }
    a_malformed_task_is_logged_and_acked_and_dropped(test, python);
}

/// The run id of the first task on the queue, once a master has put one there.
fn first_run(redis: &mut redis::Connection) -> u64 {
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < LIMIT, "the master put no tasks");
        let first = redis.xrange_count(TASKS, "-", "+", 1).unwrap();
        if let Some(entry) = first.ids.first() {
            let task: serde_json::Value =
                serde_json::from_str(&entry.get::<String>("task").unwrap()).unwrap();
            return task["run"].as_u64().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_master_drops_malformed_and_extra_replies() {
    let test = "the_master_drops_malformed_and_extra_replies";
    let Some(server) = RedisServer::start(test, Some("pw")) else {
        return;
    };
    let url = server.url();
    let master = std::thread::spawn({
        let url = url.clone();
        move || testkit::command_within(rust(&url, &["master", "--tasks", "2"]), LIMIT)
    });
    // Bad replies, where the master's replies go.
    let mut redis = connect(&server);
    let results = format!("broker-demo:{}:results", first_run(&mut redis));
    redis.rpush(&results, "junk").unwrap();
    let extra = r#"{"id": 99, "square": 1, "worker": "w"}"#;
    redis.rpush(&results, extra).unwrap();
    let worker = testkit::command_within(rust(&url, &["worker"]), LIMIT);
    let master = master.join().unwrap();
    assert_eq!(master.code, Some(0), "{master:?}");
    assert_each_result_once(&master.stdout, 2);
    assert_eq!(
        count(&master.stdout, "malformed reply dropped"),
        1,
        "{master:?}"
    );
    assert_eq!(
        count(&master.stdout, "Extra reply to task 99 dropped"),
        1,
        "{master:?}"
    );
    assert_eq!(worker.code, Some(0), "{worker:?}");
}

#[test]
fn a_task_that_kills_its_workers_is_given_up_after_three_deliveries() {
    let test = "a_task_that_kills_its_workers_is_given_up_after_three_deliveries";
    let Some(server) = RedisServer::start(test, Some("pw")) else {
        return;
    };
    let url = server.url();
    // Task 2 kills each worker it is run on: three of these four die on it.
    let workers = (0..4)
        .map(|_| rust(&url, &["worker", "--crash-on-task", "2"]))
        .collect();
    let (master, workers) = run_team(rust(&url, &["master", "--tasks", "3"]), workers);
    assert_eq!(master.code, Some(0), "{master:?}");
    let gave_up = testkit::line(&master.stdout, "Gave up task 2 (");
    assert!(gave_up.ends_with(") after 3 deliveries"), "{gave_up}");
    assert_eq!(count(&master.stdout, "Put task "), 3, "{master:?}");
    assert_eq!(
        count(&master.stdout, "Result: "),
        2,
        "the others are done: {master:?}"
    );
    let crashed = workers.iter().filter(|w| w.code == Some(3)).count();
    let ended = workers.iter().filter(|w| w.code == Some(0)).count();
    assert_eq!((crashed, ended), (3, 1), "{workers:?}");
    let runs: usize = workers.iter().map(|w| count(&w.stdout, "run task ")).sum();
    assert_eq!(runs, 2 + 3, "task 2 ran three times, no more: {workers:?}");
}

#[test]
fn a_worker_without_a_master_stops_waiting() {
    let Some(server) = RedisServer::start("a_worker_without_a_master_stops_waiting", None) else {
        return;
    };
    let start = Instant::now();
    let worker = testkit::command_within(rust(&server.url(), &["worker"]), LIMIT);
    assert_eq!(worker.code, Some(0), "{worker:?}");
    assert_eq!(count(&worker.stdout, "worker exit."), 1, "{worker:?}");
    // It waits its patience (15 s) for a first task, then gives up.
    assert!(
        start.elapsed() > Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_queue_that_is_not_a_stream_is_an_error() {
    let test = "a_queue_that_is_not_a_stream_is_an_error";
    let Some(server) = RedisServer::start(test, None) else {
        return;
    };
    connect(&server).set(TASKS, "not a stream").unwrap();
    let worker = testkit::command_within(rust(&server.url(), &["worker"]), LIMIT);
    assert_eq!(worker.code, Some(1), "{worker:?}");
    assert!(worker.stderr.starts_with("error: "), "{worker:?}");
    assert!(worker.stderr.contains("WRONGTYPE"), "{worker:?}");
    assert_eq!(worker.stderr.lines().count(), 1, "{worker:?}");
}

/// The default run with only `dir` on its PATH, so `redis-server` is whatever `dir` holds.
fn default_run_with_path(dir: &std::path::Path) -> testkit::Outcome {
    let mut cmd = std::process::Command::new(EXE);
    cmd.env("PATH", dir);
    testkit::command_within(cmd, LIMIT)
}

#[test]
fn without_redis_server_the_default_run_says_how_to_install_it() {
    let empty = std::env::temp_dir().join(format!("broker-demo-no-redis-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let out = default_run_with_path(&empty);
    std::fs::remove_dir_all(&empty).unwrap();
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    assert!(out.stdout.starts_with("skipped: "), "{out:?}");
    assert!(
        out.stdout.contains("apt-get install redis-server"),
        "{out:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_redis_server_that_cannot_start_is_an_error_not_a_skip() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("broker-demo-bad-redis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fake = dir.join("redis-server");
    std::fs::write(&fake, "not a program").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = default_run_with_path(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.starts_with("error: "), "{out:?}");
}

#[test]
fn help_names_the_roles() {
    let help = testkit::assert_help(EXE);
    assert!(help.contains("master") && help.contains("worker"), "{help}");
}

/// Takes one task from the queue as consumer `me` (waiting for the master to create it),
/// acks it, and returns its JSON.
fn take_task(redis: &mut redis::Connection, me: &str) -> serde_json::Value {
    let start = Instant::now();
    let one = redis::streams::StreamReadOptions::default()
        .group(GROUP, me)
        .count(1)
        .block(200);
    loop {
        assert!(start.elapsed() < LIMIT, "no task came");
        let Ok(read) = redis.xread_options(&[TASKS], &[">"], &one) else {
            std::thread::sleep(Duration::from_millis(50)); // no group yet
            continue;
        };
        let Some(entry) = read
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .next()
        else {
            continue;
        };
        redis.xack(TASKS, GROUP, &[&entry.id]).unwrap();
        return serde_json::from_str(&entry.get::<String>("task").unwrap()).unwrap();
    }
}

/// A reply that names a wrong square is not believed: the master logs it as that worker's
/// error and puts the task on the queue again, and a real worker brings the right one.
#[test]
fn a_wrong_answer_is_that_workers_error_and_its_task_goes_out_again() {
    let test = "a_wrong_answer_is_that_workers_error_and_its_task_goes_out_again";
    let Some(server) = RedisServer::start(test, Some("pw")) else {
        return;
    };
    let url = server.url();
    let master = std::thread::spawn({
        let url = url.clone();
        move || testkit::command_within(rust(&url, &["master", "--tasks", "2"]), LIMIT)
    });
    // The test is a rogue worker: it takes a task and answers it wrong, where the task says.
    let mut redis = connect(&server);
    let task = take_task(&mut redis, "rogue");
    let (run, id, n) = (&task["run"], &task["id"], task["n"].as_u64().unwrap());
    let wrong = n * n + 1;
    let reply = serde_json::json!({"id": id, "square": wrong, "worker": "rogue"});
    let results = format!("broker-demo:{run}:results");
    redis.rpush(results, reply.to_string()).unwrap();
    let worker = testkit::command_within(rust(&url, &["worker"]), LIMIT);
    let master = master.join().unwrap();
    assert_eq!(master.code, Some(0), "{master:?}");
    assert_each_result_once(&master.stdout, 2);
    let why = format!("master: rogue answered {n} * {n} = {wrong}: wrong; task {id} goes back\n");
    assert!(master.stderr.contains(&why), "{master:?}");
    assert_eq!(worker.code, Some(0), "{worker:?}");
}

/// Two masters on one Redis at once, sharing the workers: each gets the results of its
/// own tasks, each once, and nothing of the other's.
#[test]
fn two_masters_on_one_redis_never_cross() {
    let test = "two_masters_on_one_redis_never_cross";
    let Some(server) = RedisServer::start(test, Some("pw")) else {
        return;
    };
    let url = server.url();
    let other = std::thread::spawn({
        let url = url.clone();
        move || testkit::command_within(rust(&url, &["master", "--tasks", "3"]), LIMIT)
    });
    let workers = vec![rust(&url, &["worker"]), rust(&url, &["worker"])];
    let (master, workers) = run_team(rust(&url, &["master", "--tasks", "3"]), workers);
    for m in [&master, &other.join().unwrap()] {
        assert_eq!(m.code, Some(0), "{m:?}");
        assert_each_result_once(&m.stdout, 3);
    }
    for w in &workers {
        assert_eq!(w.code, Some(0), "{w:?}");
    }
}

/// A Redis that accepts the connection and never answers: a one-line error within a few
/// seconds that says so, not a hang.
#[test]
fn a_redis_that_never_answers_is_given_up_in_seconds() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap(); // the kernel accepts, no one answers
    let port = silent.local_addr().unwrap().port();
    let start = Instant::now();
    let url = format!("redis://127.0.0.1:{port}");
    let out = testkit::command_within(rust(&url, &["worker"]), LIMIT);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let said = format!("error: Redis at 127.0.0.1:{port} did not answer in 5s\n");
    assert_eq!(out.stderr, said);
}

#[test]
fn the_number_of_tasks_is_bounded() {
    for tasks in ["0", "1001", "4000000000"] {
        let out = testkit::run_within(
            EXE,
            &["master", "--redis", "redis://x", "--tasks", tasks],
            LIMIT,
        );
        assert_eq!(out.code, Some(2), "{out:?}");
        assert!(
            out.stderr
                .starts_with(&format!("error: invalid value '{tasks}' for '--tasks")),
            "{out:?}"
        );
    }
}

/// Starts `demo` (a default run, in a process group of its own), waits for its
/// redis-server, sends the demo `signal`, and checks that the server goes with it.
#[cfg(unix)]
pub fn assert_redis_server_goes_with_the_demo(mut demo: std::process::Command, signal: &str) {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let mut demo = demo
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let group = format!("-{}", demo.id());
    let kill_all = || {
        std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .status()
    };
    let first = BufReader::new(demo.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let port: u16 = testkit::number_after(&first, "Started redis-server on 127.0.0.1:");
    let pid = demo.id().to_string();
    let signalled = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status();
    assert!(signalled.unwrap().success());
    demo.wait().unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        if start.elapsed() > Duration::from_secs(5) {
            let _ = kill_all();
            panic!("redis-server on port {port} outlived the demo (SIG{signal}) by 5 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = kill_all(); // the master and the worker, which would soon end without Redis
}

#[cfg(unix)]
#[test]
fn the_demos_redis_server_goes_when_the_demo_is_terminated_or_killed() {
    if std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        testkit::twin::skip("the_demos_redis_server_goes_...", "no redis-server on PATH");
        return;
    }
    for signal in ["TERM", "KILL"] {
        assert_redis_server_goes_with_the_demo(std::process::Command::new(EXE), signal);
    }
}

#[cfg(unix)]
#[test]
fn the_twins_redis_server_goes_when_the_twin_is_terminated() {
    let test = "the_twins_redis_server_goes_when_the_twin_is_terminated";
    if let Some(why) = testkit::twin::missing(&["redis"]) {
        testkit::twin::skip(test, &why);
        return;
    }
    if std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        testkit::twin::skip(test, "no redis-server on PATH");
        return;
    }
    let mut twin = python("", &[]);
    twin.env_remove("REDIS_URL");
    assert_redis_server_goes_with_the_demo(twin, "TERM");
}
