//! The bot binary against the fakes of Telegram and Drive, with a fake bench: its commands,
//! the refusal, the queue, /cancel, Drive's errors and Telegram going away.

mod common;

use std::time::Duration;

use common::{ANN, BOB, FOLDER, Setup, alive};

const LIMIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn commands_and_a_run_with_its_report_on_drive() {
    let s = Setup::start("commands", true, 0.2).await;
    s.telegram.say(ANN, "Ann", "/start");
    assert!(
        s.wait_text(ANN, "Hello!", LIMIT)
            .await
            .contains("/bench [GROUP...]")
    );
    s.telegram.say(ANN, "Ann", "/status");
    s.wait_text(ANN, "Nothing runs. Waiting: 0.", LIMIT).await;
    s.telegram.say(ANN, "Ann", "/frobnicate");
    s.wait_text(ANN, "I know four commands", LIMIT).await;
    s.telegram.say(ANN, "Ann", "hello there");
    while s
        .texts(ANN)
        .iter()
        .filter(|t| t.starts_with("I know four commands"))
        .count()
        < 2
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.telegram.say(ANN, "Ann", "/bench --out /etc");
    s.wait_text(ANN, "Not run: \"--out\" is neither a group name", LIMIT)
        .await;
    s.telegram.say(ANN, "Ann", "/bench cpu --smoke");
    s.wait_text(ANN, "bench cpu --smoke: running", LIMIT).await;
    s.wait_text(ANN, "bench cpu --smoke: done in", LIMIT).await;
    s.wait_text(ANN, "| fake target | 2.00x | met |", LIMIT)
        .await;
    let links = s.wait_text(ANN, "Uploaded to Google Drive:", LIMIT).await;
    let files = s.drive.files();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["results.json", "results.md", "cpu_speedup.svg"]);
    assert!(
        files
            .iter()
            .all(|f| f.folder == FOLDER && f.bytes > 0 && links.contains(&f.link))
    );
    assert_eq!(
        s.drive.tokens_issued(),
        1,
        "one token, asked with the service account's JWT"
    );
    let sent_chart = s.telegram.events().into_iter().any(|e| {
        matches!(e, common::fakes::telegram::Event::Document { chat, ref name, .. } if chat == ANN && name == "cpu_speedup.svg")
    });
    assert!(sent_chart, "the chart is sent as a document");
    let start = s.bench_log().into_iter().next().expect("bench ran");
    let args = start.splitn(3, ' ').nth(2).expect("start PID ARGS");
    assert!(args.starts_with("cpu --smoke --out "), "bench got {args:?}");
    assert!(
        !s.bot_output().contains("SECRET"),
        "the token is never printed"
    );
}

#[tokio::test]
async fn a_chat_not_on_the_list_gets_one_line_and_nothing_runs() {
    let s = Setup::start("refused", false, 0.2).await;
    s.telegram.say(666, "Eve", "/bench cpu");
    s.wait_text(666, "not on it", LIMIT).await;
    // Ann's run afterwards shows the queue was free: Eve's /bench never went in.
    s.telegram.say(ANN, "Ann", "/bench cpu --smoke");
    s.wait_text(ANN, "Drive uploads are off", LIMIT).await;
    assert_eq!(
        s.texts(666).len(),
        1,
        "one refusal line: {:?}",
        s.texts(666)
    );
    assert_eq!(
        s.bench_log()
            .iter()
            .filter(|l| l.starts_with("start"))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_second_bench_waits_in_the_queue_and_status_is_answered_at_once() {
    let s = Setup::start("queue", false, 1.5).await;
    s.telegram.say(ANN, "Ann", "/bench cpu --smoke");
    s.wait_text(ANN, "running", LIMIT).await;
    s.telegram.say(BOB, "Bob", "/bench io --smoke");
    assert!(
        s.wait_text(BOB, "Queued:", LIMIT)
            .await
            .contains("bench io --smoke is number 1 in the queue")
    );
    let asked = std::time::Instant::now();
    s.telegram.say(BOB, "Bob", "/status");
    let status = s.wait_text(BOB, "Running: bench cpu --smoke", LIMIT).await;
    assert!(
        status.contains("Waiting: 1. Yours is number 1."),
        "{status}"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "answered while the run goes"
    );
    s.wait_text(BOB, "bench io --smoke: done", LIMIT).await;
    let order: Vec<String> = s
        .bench_log()
        .iter()
        .filter(|l| !l.starts_with("child"))
        .map(|l| l[..3].to_string())
        .collect();
    assert_eq!(
        order,
        ["sta", "end", "sta", "end"],
        "never two runs at once"
    );
}

#[tokio::test]
async fn cancel_stops_the_callers_run_and_leaves_no_process() {
    let s = Setup::start("cancel", false, 60.0).await;
    s.telegram.say(ANN, "Ann", "/bench cpu");
    s.wait_text(ANN, "running", LIMIT).await;
    while !s.bench_log().iter().any(|l| l.starts_with("child")) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pids: Vec<u32> = s
        .bench_log()
        .iter()
        .filter_map(|l| l.split(' ').nth(1)?.parse().ok())
        .collect();
    assert!(
        pids.iter().all(|&p| alive(p)),
        "the script and its sleep run"
    );
    s.telegram.say(BOB, "Bob", "/cancel");
    s.wait_text(BOB, "Nothing of yours runs or waits.", LIMIT)
        .await;
    s.telegram.say(ANN, "Ann", "/cancel");
    s.wait_text(ANN, "Stopping your run of bench cpu.", LIMIT)
        .await;
    s.wait_text(
        ANN,
        "bench cpu: cancelled; its processes were killed.",
        LIMIT,
    )
    .await;
    assert!(
        pids.iter().all(|&p| !alive(p)),
        "no process of the run is left: {pids:?}"
    );
    s.telegram.say(ANN, "Ann", "/status");
    s.wait_text(ANN, "Nothing runs.", LIMIT).await;
}

#[tokio::test]
async fn telegram_going_away_and_coming_back_loses_no_command() {
    let mut s = Setup::start("away", false, 0.1).await;
    s.telegram.say(ANN, "Ann", "/start");
    s.wait_text(ANN, "Hello!", LIMIT).await;
    s.telegram.go_away().await;
    s.telegram.say(BOB, "Bob", "/status");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(s.texts(BOB).is_empty());
    s.telegram.come_back().await.expect("the same port again");
    s.wait_text(BOB, "Nothing runs.", LIMIT).await;
    let output = s.bot_output();
    assert!(
        output.matches("Telegram did not answer").count() >= 2,
        "it retried: {output}"
    );
    assert!(
        !output.contains("SECRET"),
        "the token is never printed: {output}"
    );
}
