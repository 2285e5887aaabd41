//! Threads of their own for short CPU work that every request may wait on: password hashing
//! (argon2) and the IAM engine's decisions. Tokio's blocking pool also carries object
//! transfers, and however many of those are in progress, sign-in and decisions still find a
//! free thread here.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Jobs waiting beyond this are refused (the server is overloaded) rather than queued
/// without bound.
const QUEUE: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error("the work pool is overloaded")]
    Busy,
    #[error("the work failed")]
    Failed,
}

struct WorkPool {
    sender: SyncSender<Job>,
}

fn pool() -> &'static WorkPool {
    static POOL: OnceLock<WorkPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .max(2);
        let (sender, receiver) = mpsc::sync_channel::<Job>(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("switchyard-work-{n}"))
                .spawn(move || work(&receiver));
            if let Err(e) = spawned {
                tracing::error!("work pool: cannot start a thread: {e}");
            }
        }
        WorkPool { sender }
    })
}

fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let receiver = receiver.lock().unwrap_or_else(|p| p.into_inner());
            receiver.recv()
        };
        match job {
            // A panicking job loses its answer (the caller sees `Failed`), not the thread.
            Ok(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

/// Runs `work` on the pool and waits for its result without holding an async thread.
pub async fn run<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WorkError> {
    let (answer, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = answer.send(work());
    });
    match pool().sender.try_send(job) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => return Err(WorkError::Busy),
        Err(TrySendError::Disconnected(_)) => return Err(WorkError::Failed),
    }
    result.await.map_err(|_| WorkError::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_and_a_panic_costs_only_its_answer() {
        assert_eq!(run(|| 6 * 7).await.expect("ran"), 42);
        let panicked = run(|| -> u8 { panic!("boom") }).await;
        assert!(matches!(panicked, Err(WorkError::Failed)));
        assert_eq!(run(|| "still here").await.expect("ran"), "still here");
    }
}
