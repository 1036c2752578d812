//! bench-bot's fakes of Telegram and Google Drive, shared by its `--demo` and its tests.

pub mod fakes;
