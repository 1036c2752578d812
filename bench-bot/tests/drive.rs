//! Drive answering errors: each is reported to the user in one line, and the bot serves on.

mod common;

use std::time::Duration;

use common::{ANN, Setup};

const LIMIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn drive_errors_are_reported_and_the_bot_serves_on() {
    let s = Setup::start("drive-errors", true, 0.1).await;
    s.drive.fail_next(&[500, 401]);
    s.telegram.say(ANN, "Ann", "/bench cpu --smoke");
    let first = s.wait_text(ANN, "The Drive upload failed", LIMIT).await;
    assert!(
        first.contains("results.json: Drive answered HTTP 500: Backend Error"),
        "{first}"
    );
    s.telegram.say(ANN, "Ann", "/bench cpu --smoke");
    s.wait_text(
        ANN,
        "HTTP 401: Request had invalid authentication credentials.",
        LIMIT,
    )
    .await;
    s.telegram.say(ANN, "Ann", "/bench cpu --smoke");
    s.wait_text(ANN, "Uploaded to Google Drive:", LIMIT).await;
    assert_eq!(
        s.drive.files().len(),
        3,
        "only the third run's files arrived"
    );
}
