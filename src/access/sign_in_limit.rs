//! How fast one client address may try passwords. The lockout after five
//! failures protects each account; this keeps one address from trying a
//! few passwords on every account in turn.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Past this many addresses, those whose quota has refilled are forgotten.
const ADDRESSES_KEPT: usize = 10_000;

pub struct SignInLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl SignInLimiter {
    /// `per_minute` attempts at once, refilled at that rate.
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self { limiter: RateLimiter::keyed(Quota::per_minute(per_minute)) }
    }

    /// Counts an attempt from `address`: fine, or how long it must wait.
    pub fn attempt(&self, address: IpAddr) -> Result<(), Duration> {
        if self.limiter.len() > ADDRESSES_KEPT {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&address).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_quota_and_then_waits_while_others_go_on() {
        let limiter = SignInLimiter::new(NonZeroU32::new(3).unwrap());
        let (one, other): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(limiter.attempt(one), Ok(()));
        }
        let wait = limiter.attempt(one).unwrap_err();
        // Three a minute: the next one refills within twenty seconds.
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20), "{wait:?}");
        assert_eq!(limiter.attempt(other), Ok(()));
    }
}
