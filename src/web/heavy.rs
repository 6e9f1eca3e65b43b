//! The heavy reads: the two that go through every open need in the country,
//! `GET /api/v1/demand` without a course and the coordinator's overview. At
//! national scale each takes a tenth of a second of CPU or more and tens of
//! megabytes, so many of them at once could swamp a small machine. Three
//! things keep them in bounds:
//!
//! - they take turns, as many at once as there are cores, and wait for their
//!   turn without holding a database connection;
//! - requests waiting for the same read share the next answer ([`Shared`]),
//!   and while the data's version is unchanged the answer is given again
//!   without a turn, as the everyday reads' kept answers are
//!   ([`crate::web::cache`]);
//! - a shared answer is sent from one buffer, a slice at a time, and every
//!   course's demand gzipped to clients that take it
//!   ([`crate::web::encoding`]): 8.7 MB of JSON at national scale.

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use tokio::sync::{Mutex, Semaphore, SemaphorePermit};

use super::encoding::Encoded;
use super::pages::coordinator::dashboard::Dashboard;
use crate::db::version::DataVersion;
use crate::error::AppError;

/// The turns, and the answers shared, of one process.
pub struct HeavyReads {
    turns: Semaphore,
    /// The coordinators' overview, which is the same for every coordinator.
    pub overview: Shared<Arc<Dashboard>>,
    /// Every course's demand as coordinators see it, as JSON.
    pub demand: Shared<Encoded>,
}

impl Default for HeavyReads {
    /// One turn per core: more at once would only wait for the CPU while
    /// holding their memory and pooled connections that light requests need
    /// (at 64 at once the pool ran dry, and some of them got 503).
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self { turns: Semaphore::new(cores), overview: Shared::default(), demand: Shared::default() }
    }
}

impl HeavyReads {
    /// Waits for a turn; the turn ends when the permit is dropped.
    pub async fn turn(&self) -> Result<SemaphorePermit<'_>, AppError> {
        self.turns.acquire().await.map_err(|_| AppError::Internal(anyhow::anyhow!("the heavy reads' turns are closed")))
    }
}

/// What an answer was computed under: the data's version, read before it
/// was computed, and the day (which terms have begun).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub version: DataVersion,
    pub today: NaiveDate,
}

impl Stamp {
    /// Whether an answer stamped `self` may stand for one asked under
    /// `asked`: computed the same day from data at least as new. (An answer
    /// of a newer version than the request read is newer than the request.)
    fn vouches_for(&self, asked: &Stamp) -> bool {
        self.today == asked.today && self.version >= asked.version
    }
}

/// The latest answer of one read: when its computation began, and what it
/// was computed under (none when the cache of answers is off).
pub struct Shared<V> {
    latest: Mutex<Option<Latest<V>>>,
}

struct Latest<V> {
    began: Instant,
    stamp: Option<Stamp>,
    answer: V,
}

impl<V> Default for Shared<V> {
    fn default() -> Self {
        Self { latest: Mutex::new(None) }
    }
}

/// How a shared read was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    /// The latest answer, computed under the data's version the request read.
    Kept,
    /// A computation that began after the request arrived: its own, or
    /// another request's that it waited for.
    Fresh,
}

impl<V: Clone> Shared<V> {
    /// The latest answer if `stamp` is given and the answer was computed
    /// under it (the data has not changed since); otherwise an answer whose
    /// computation began after this call did: computed by `compute`, or by
    /// another request's call that began its computation while this one
    /// waited. So no answer is older than its request's data (a client that
    /// has just changed something sees the change), and however many
    /// requests pile up behind a computation, the next one serves them all.
    /// One computation runs at a time (the lock is fair: first come, first
    /// served).
    pub async fn get<F>(&self, stamp: Option<Stamp>, compute: impl FnOnce() -> F) -> Result<(V, Given), AppError>
    where
        F: Future<Output = Result<V, AppError>>,
    {
        let arrived = Instant::now();
        let mut latest = self.latest.lock().await;
        if let Some(kept) = latest.as_ref() {
            if let (Some(kept_under), Some(asked)) = (&kept.stamp, &stamp)
                && kept_under.vouches_for(asked)
            {
                return Ok((kept.answer.clone(), Given::Kept));
            }
            if kept.began > arrived {
                return Ok((kept.answer.clone(), Given::Fresh));
            }
        }
        let began = Instant::now();
        let answer = compute().await?;
        *latest = Some(Latest { began, stamp, answer: answer.clone() });
        Ok((answer, Given::Fresh))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[actix_web::test]
    async fn requests_waiting_for_a_computation_share_the_next_one() {
        let shared = Arc::new(Shared::<usize>::default());
        let computations = Arc::new(AtomicUsize::new(0));
        let slow = |computations: Arc<AtomicUsize>| async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(computations.fetch_add(1, Ordering::SeqCst) + 1)
        };
        // The first request computes; the ten that arrive while it runs
        // wait, and share the computation that begins after them.
        let first = tokio::spawn({
            let (shared, computations) = (Arc::clone(&shared), Arc::clone(&computations));
            async move { shared.get(None, || slow(computations)).await.map(|(n, _)| n) }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        let waiting: Vec<_> = (0..10)
            .map(|_| {
                let (shared, computations) = (Arc::clone(&shared), Arc::clone(&computations));
                tokio::spawn(async move { shared.get(None, || slow(computations)).await.map(|(n, _)| n) })
            })
            .collect();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        for request in waiting {
            assert_eq!(request.await.unwrap().unwrap(), 2, "the computation that began after they arrived");
        }
        assert_eq!(computations.load(Ordering::SeqCst), 2);
    }

    #[actix_web::test]
    async fn an_answer_older_than_the_request_is_not_used() {
        let shared = Shared::<usize>::default();
        assert_eq!(shared.get(None, || async { Ok(1) }).await.unwrap(), (1, Given::Fresh));
        assert_eq!(shared.get(None, || async { Ok(2) }).await.unwrap(), (2, Given::Fresh), "computed again");
    }

    fn stamp(version: i64, day: u32) -> Option<Stamp> {
        Some(Stamp { version: DataVersion(version), today: NaiveDate::from_ymd_opt(2026, 12, day).unwrap() })
    }

    #[actix_web::test]
    async fn an_answer_is_given_again_while_the_data_s_version_vouches_for_it() {
        let shared = Shared::<usize>::default();
        let computed = |n| async move { Ok(n) };
        assert_eq!(shared.get(stamp(7, 1), || computed(1)).await.unwrap(), (1, Given::Fresh));
        assert_eq!(shared.get(stamp(7, 1), || computed(2)).await.unwrap(), (1, Given::Kept), "nothing changed");
        // A request that read the version before a change that the kept
        // answer already shows: the newer answer will do.
        assert_eq!(shared.get(stamp(6, 1), || computed(3)).await.unwrap(), (1, Given::Kept));
        assert_eq!(shared.get(stamp(8, 1), || computed(4)).await.unwrap(), (4, Given::Fresh), "the data changed");
        assert_eq!(shared.get(stamp(8, 2), || computed(5)).await.unwrap(), (5, Given::Fresh), "a new day");
        // With the cache off nothing is given again, nor kept to be.
        assert_eq!(shared.get(None, || computed(6)).await.unwrap(), (6, Given::Fresh));
        assert_eq!(shared.get(stamp(8, 2), || computed(7)).await.unwrap(), (7, Given::Fresh));
    }

    #[actix_web::test]
    async fn a_failed_computation_is_not_shared() {
        let shared = Shared::<usize>::default();
        assert!(shared.get(stamp(1, 1), || async { Err(AppError::Unavailable("down".into())) }).await.is_err());
        assert_eq!(shared.get(stamp(1, 1), || async { Ok(3) }).await.unwrap(), (3, Given::Fresh));
    }
}
