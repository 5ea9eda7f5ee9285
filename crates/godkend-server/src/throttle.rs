//! Failed logins per account and per address, in a sliding window: after too many, a login is refused
//! (429) before the password is looked at, until the window has passed.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Failed logins per account and per address, in a sliding window.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: HashMap<String, VecDeque<Instant>>,
}

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed logins allowed per account in [`WINDOW`].
pub const PER_ACCOUNT: usize = 5;
/// Failed logins allowed per address in [`WINDOW`] (an office behind one address has many users).
pub const PER_ADDRESS: usize = 20;

impl Throttle {
    fn recent(&mut self, key: &str) -> usize {
        let now = Instant::now();
        match self.failures.get_mut(key) {
            Some(q) => {
                while q.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
                    q.pop_front();
                }
                q.len()
            }
            None => 0,
        }
    }

    /// Whether a login for `account` from `address` may be tried now.
    pub fn allowed(&mut self, account: &str, address: &str) -> bool {
        self.recent(&format!("konto:{}", account.to_lowercase())) < PER_ACCOUNT
            && self.recent(&format!("adresse:{address}")) < PER_ADDRESS
    }

    pub fn failed(&mut self, account: &str, address: &str) {
        let now = Instant::now();
        for key in [format!("konto:{}", account.to_lowercase()), format!("adresse:{address}")] {
            self.failures.entry(key).or_default().push_back(now);
        }
        // Bounded: old entries go when the map grows.
        if self.failures.len() > 100_000 {
            self.failures.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= WINDOW));
        }
    }

    pub fn succeeded(&mut self, account: &str) {
        self.failures.remove(&format!("konto:{}", account.to_lowercase()));
    }
}
