//! [`Limiter`]: a counting semaphore for the blocking pool, so that a flood of heavy requests
//! queues behind a few workers instead of taking every core from the block producer.

use std::sync::{Arc, Condvar, Mutex};

/// At most `n` holders at once; the rest wait.
#[derive(Clone, Debug)]
pub(crate) struct Limiter(Arc<(Mutex<usize>, Condvar)>);

/// A held place; dropping it gives it back.
#[derive(Debug)]
pub(crate) struct Permit(Arc<(Mutex<usize>, Condvar)>);

impl Limiter {
    /// `n` places (at least one).
    pub(crate) fn new(n: usize) -> Self {
        Self(Arc::new((Mutex::new(n.max(1)), Condvar::new())))
    }

    /// Waits for a place (on a blocking-pool thread).
    pub(crate) fn acquire(&self) -> Permit {
        let (free, freed) = &*self.0;
        let mut free = free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Permit(self.0.clone())
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let (free, freed) = &*self.0;
        *free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        freed.notify_one();
    }
}
