//! Counting failures per key (a user name, a client address) inside a sliding window.
//!
//! A key with `max_failures` failures inside `window` is refused until the oldest of them
//! leaves the window. The counters sit behind [`FailureCounters`]: the console keeps them in
//! its database ([`sql::SqlFailureCounters`]), so that a restart forgives nothing and
//! instances sharing a database share their lock-outs; [`MemoryFailureCounters`] is one
//! instance's own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::client::ClientAddr;

pub mod sql;

/// Beyond this many tracked keys the least recently failed ones are forgotten, so a flood of
/// random user names cannot grow memory without bound.
const MAX_TRACKED_KEYS: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum FailureCountersError {
    /// A shared counter store did not answer. (The in-memory counters never fail.)
    #[error("failure counters: {0}")]
    Unavailable(String),
}

/// Failures per key inside a sliding window, with the lock-out decision.
#[async_trait]
pub trait FailureCounters: Send + Sync {
    /// `Some(retry_after)` while the key is locked out.
    async fn check(&self, key: &str) -> Result<Option<Duration>, FailureCountersError>;
    async fn record_failure(&self, key: &str) -> Result<(), FailureCountersError>;
    /// Forgets a key's failures, after a success.
    async fn reset(&self, key: &str) -> Result<(), FailureCountersError>;
}

/// The counters of one instance, in memory.
pub struct MemoryFailureCounters {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

#[async_trait]
impl FailureCounters for MemoryFailureCounters {
    async fn check(&self, key: &str) -> Result<Option<Duration>, FailureCountersError> {
        Ok(self.check_at(key, Instant::now()).err())
    }

    async fn record_failure(&self, key: &str) -> Result<(), FailureCountersError> {
        self.record_failure_at(key, Instant::now());
        Ok(())
    }

    async fn reset(&self, key: &str) -> Result<(), FailureCountersError> {
        self.lock().remove(key);
        Ok(())
    }
}

impl MemoryFailureCounters {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        MemoryFailureCounters {
            max_failures: max_failures.max(1) as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A panic while holding the lock leaves only counters behind; keep using them.
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(retry_after)` while the key is locked out at `now`.
    fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut failures = self.lock();
        let Some(times) = failures.get_mut(key) else {
            return Ok(());
        };
        prune(times, now, self.window);
        if times.len() >= self.max_failures {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        if times.is_empty() {
            failures.remove(key);
        }
        Ok(())
    }

    fn record_failure_at(&self, key: &str, now: Instant) {
        let mut failures = self.lock();
        if failures.len() >= MAX_TRACKED_KEYS && !failures.contains_key(key) {
            failures.retain(|_, times| {
                prune(times, now, self.window);
                !times.is_empty()
            });
            if failures.len() >= MAX_TRACKED_KEYS {
                let stalest = failures
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(k, _)| k.clone());
                if let Some(stalest) = stalest {
                    failures.remove(&stalest);
                }
            }
        }
        let times = failures.entry(key.to_string()).or_default();
        prune(times, now, self.window);
        times.push_back(now);
        // Only the newest `max_failures` matter for the decision.
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }
}

/// Throttled attempts, counted per key and window instead of written one by one: a refusal
/// costs the server almost nothing, so each one must not cost it an audit row either.
pub struct ThrottleWindows {
    window: Duration,
    open: Mutex<HashMap<String, OpenWindow>>,
}

struct OpenWindow {
    started: Instant,
    attempts: u64,
    actor: String,
    client: ClientAddr,
}

/// A throttling window that has passed, with its count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosedWindow {
    pub key: String,
    pub actor: String,
    pub client: ClientAddr,
    pub attempts: u64,
    pub length: Duration,
}

impl ThrottleWindows {
    pub fn new(window: Duration) -> Self {
        ThrottleWindows {
            window,
            open: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, OpenWindow>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a throttled attempt. True when it opens a window for `key` (the caller writes
    /// one event then); false when it is counted in the open one.
    pub fn note(&self, key: &str, actor: &str, client: ClientAddr) -> bool {
        self.note_at(key, actor, client, Instant::now())
    }

    fn note_at(&self, key: &str, actor: &str, client: ClientAddr, now: Instant) -> bool {
        let mut open = self.lock();
        if let Some(window) = open.get_mut(key)
            && now.duration_since(window.started) < self.window
        {
            window.attempts += 1;
            return false;
        }
        if open.len() >= MAX_TRACKED_KEYS && !open.contains_key(key) {
            // A flood of keys: the stalest window loses its count (its start was written).
            let stalest = open
                .iter()
                .min_by_key(|(_, w)| w.started)
                .map(|(k, _)| k.clone());
            if let Some(stalest) = stalest {
                open.remove(&stalest);
            }
        }
        open.insert(
            key.to_string(),
            OpenWindow {
                started: now,
                attempts: 1,
                actor: actor.to_string(),
                client,
            },
        );
        true
    }

    /// Takes the windows that have passed and held more than their first attempt.
    pub fn closed(&self) -> Vec<ClosedWindow> {
        self.closed_at(Instant::now())
    }

    fn closed_at(&self, now: Instant) -> Vec<ClosedWindow> {
        let mut open = self.lock();
        let mut closed = Vec::new();
        open.retain(|key, window| {
            if now.duration_since(window.started) < self.window {
                return true;
            }
            if window.attempts > 1 {
                closed.push(ClosedWindow {
                    key: key.clone(),
                    actor: window.actor.clone(),
                    client: window.client,
                    attempts: window.attempts,
                    length: self.window,
                });
            }
            false
        });
        closed
    }
}

fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_out_after_max_failures_and_forgives_after_the_window() {
        let limiter = MemoryFailureCounters::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(limiter.check_at("alice", t0).is_ok(), "attempt {i}");
            limiter.record_failure_at("alice", t0 + Duration::from_secs(i));
        }
        let retry = limiter
            .check_at("alice", t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(retry, Duration::from_secs(50));
        // Other keys are unaffected.
        assert!(limiter.check_at("bob", t0).is_ok());
        // The oldest failure leaves the window at t0 + 60 s.
        assert!(
            limiter
                .check_at("alice", t0 + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[tokio::test]
    async fn reset_forgives_failures() {
        let limiter = MemoryFailureCounters::new(1, Duration::from_secs(60));
        limiter.record_failure("k").await.expect("record");
        assert!(limiter.check("k").await.expect("check").is_some());
        limiter.reset("k").await.expect("reset");
        assert!(limiter.check("k").await.expect("check").is_none());
    }

    #[test]
    fn throttled_attempts_are_counted_once_per_window() {
        let windows = ThrottleWindows::new(Duration::from_secs(60));
        let client = ClientAddr(std::net::IpAddr::from([192, 0, 2, 1]));
        let t0 = Instant::now();
        assert!(windows.note_at("k", "a", client, t0));
        for i in 1..50 {
            assert!(!windows.note_at("k", "a", client, t0 + Duration::from_secs(i % 59)));
        }
        assert!(windows.closed_at(t0 + Duration::from_secs(59)).is_empty());
        let closed = windows.closed_at(t0 + Duration::from_secs(60));
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].attempts, 50);
        // The next attempt opens a new window.
        assert!(windows.note_at("k", "a", client, t0 + Duration::from_secs(61)));
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_keys() {
        let limiter = MemoryFailureCounters::new(5, Duration::from_secs(60));
        let now = Instant::now();
        for i in 0..(MAX_TRACKED_KEYS + 10) {
            limiter.record_failure_at(&format!("user-{i}"), now);
        }
        assert!(limiter.lock().len() <= MAX_TRACKED_KEYS);
    }
}
