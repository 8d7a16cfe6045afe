//! What the background workers (the demand side's lists, push) share: a wake-up signal; and the
//! server's one lock that survives a panic (workers, the store's connections, the throttles).

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// A flag a worker waits on: raised when there is work, taken when the worker wakes.
#[derive(Default)]
pub struct Signal {
    flag: Mutex<bool>,
    condvar: Condvar,
}

impl Signal {
    /// Marks that there is work and wakes the waiting worker.
    pub fn raise(&self) {
        *lock(&self.flag) = true;
        self.condvar.notify_all();
    }

    /// Waits up to `timeout` for work; returns whether there is some (and lowers the flag).
    pub fn wait(&self, timeout: Duration) -> bool {
        let mut flag = lock(&self.flag);
        if !*flag {
            flag = self
                .condvar
                .wait_timeout(flag, timeout)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        std::mem::take(&mut *flag)
    }
}

/// Locks `mutex` even if a panic poisoned it. Only for state that a panic cannot leave half
/// written (values swapped whole, counters, flags).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
