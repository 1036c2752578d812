//! The queue on Redis, the parts master and workers share: a connection with deadlines,
//! putting a task, taking the next one, and reading a message off the broker.

use std::error::Error;
use std::{thread, time::Duration};

use redis::streams::{StreamAutoClaimOptions, StreamId, StreamReadOptions};
use redis::{Connection, RedisResult, TypedCommands};
use serde::de::DeserializeOwned;

use crate::{CLAIM_AFTER, GROUP, MAX_MESSAGE, NETWORK_LIMIT, TASKS, Task};

/// A run's own key: `results`, the list its replies go to, or `done`, set when it is.
pub fn key(run: u64, what: &str) -> String {
    format!("broker-demo:{run}:{what}")
}

/// Acks entry `id` and deletes it: the stream every run shares keeps only tasks to do.
pub fn finish(redis: &mut Connection, id: &str) -> RedisResult<()> {
    redis.xack(TASKS, GROUP, &[id])?;
    redis.xdel(TASKS, &[id])?;
    Ok(())
}

/// Puts `task` on the queue, for any worker.
pub fn put(redis: &mut Connection, task: &Task) -> RedisResult<Option<String>> {
    let json = serde_json::to_string(task).expect("numbers always serialize");
    redis.xadd(TASKS, "*", &[("task", json)])
}

/// The next task for worker `me`, and how many times it has been delivered: first one a
/// worker has held longer than CLAIM_AFTER (XAUTOCLAIM), else a new one (XREADGROUP,
/// waiting up to 1 s). `None` if there is none, or no queue yet.
pub fn next_task(redis: &mut Connection, me: &str) -> RedisResult<Option<(StreamId, usize)>> {
    let idle_ms = CLAIM_AFTER.as_millis() as usize;
    let one = StreamAutoClaimOptions::default().count(1);
    let mut entries = match redis.xautoclaim_options(TASKS, GROUP, me, idle_ms, "0", one) {
        Ok(reply) => reply.claimed,
        Err(e) if e.code() == Some("NOGROUP") => {
            thread::sleep(Duration::from_secs(1)); // the master has not started yet
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    if entries.is_empty() {
        let new = StreamReadOptions::default()
            .group(GROUP, me)
            .count(1)
            .block(1000);
        let read = redis.xread_options(&[TASKS], &[">"], &new)?;
        entries = read
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .collect();
    }
    let Some(entry) = entries.pop() else {
        return Ok(None);
    };
    // The broker counts the deliveries, this one included.
    let pending = redis.xpending_count(TASKS, GROUP, &entry.id, &entry.id, 1)?;
    let deliveries = pending.ids.first().map_or(1, |p| p.times_delivered);
    Ok(Some((entry, deliveries)))
}

/// A connection whose every command must be answered within NETWORK_LIMIT, with its
/// HOST:PORT for messages (the URL itself may hold a password).
pub fn connect(url: &str) -> Result<(Connection, String), Box<dyn Error>> {
    let client = redis::Client::open(url)
        .map_err(|e| format!("not a Redis URL (redis://[:PASSWORD@]HOST:PORT): {e}"))?;
    let addr = client.get_connection_info().addr().to_string();
    let failed = |e: redis::RedisError| match e.is_timeout() {
        true => format!("Redis at {addr} did not answer in {NETWORK_LIMIT:?}"),
        false => format!("Redis at {addr}: {e}"),
    };
    let mut redis = client
        .get_connection_with_timeout(NETWORK_LIMIT)
        .map_err(failed)?;
    redis.set_read_timeout(Some(NETWORK_LIMIT))?;
    redis.set_write_timeout(Some(NETWORK_LIMIT))?;
    redis.ping().map_err(failed)?; // a wrong or missing password fails here
    Ok((redis, addr))
}

/// A message off the broker, or `None` if it is too long or not what we expect.
pub fn parse<T: DeserializeOwned>(json: &str) -> Option<T> {
    (json.len() <= MAX_MESSAGE).then(|| serde_json::from_str(json).ok())?
}
