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
//! - a shared answer is sent from one buffer, a slice at a time ([`Slices`]),
//!   and every course's demand gzipped to clients that take it
//!   ([`Encoded`]): 8.7 MB of JSON at national scale.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, AcceptEncoding, ContentType, Encoding, Header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use tokio::sync::{Mutex, Semaphore, SemaphorePermit};

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

/// A JSON answer, and the same gzipped. A shared answer is compressed once
/// when computed, then sent to every client that takes gzip: at national
/// scale every course's demand is 8.7 MB plain, a fraction of that
/// gzipped, which is what a coordinator's own system on a municipal network
/// feels.
#[derive(Clone)]
pub struct Encoded {
    plain: Bytes,
    gzip: Option<Bytes>,
}

impl Encoded {
    /// `json`, and gzipped too if `compress`, at gzip's default level:
    /// nationally the 8.7 MB answer became 0.57 MB (1.1 MB at the fastest
    /// level).
    pub fn new(json: Vec<u8>, compress: bool) -> Result<Self, AppError> {
        use std::io::Write;
        let gzip = if compress {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 8), flate2::Compression::default());
            encoder.write_all(&json).map_err(|e| AppError::Internal(e.into()))?;
            Some(Bytes::from(encoder.finish().map_err(|e| AppError::Internal(e.into()))?))
        } else {
            None
        };
        Ok(Self { plain: Bytes::from(json), gzip })
    }

    /// The answer gzipped if `req` takes gzip and it was compressed, plain
    /// otherwise.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        response.content_type(ContentType::json()).insert_header((header::VARY, "accept-encoding"));
        match &self.gzip {
            Some(gzip) if takes_gzip(req) => {
                response.insert_header((header::CONTENT_ENCODING, "gzip")).body(Slices(gzip.clone()))
            }
            _ => response.body(Slices(self.plain.clone())),
        }
    }
}

/// Whether `req`'s `Accept-Encoding` takes gzip before the plain answer,
/// by quality, as HTTP says.
pub fn takes_gzip(req: &HttpRequest) -> bool {
    AcceptEncoding::parse(req)
        .ok()
        .and_then(|accepted| accepted.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        == Some(Encoding::gzip())
}

/// How much of a shared answer is handed to a connection at a time.
const SLICE: usize = 32 * 1024;

/// A body sent a slice at a time from a shared buffer. actix copies every
/// piece of a body it is given into the connection's buffer, and asks for
/// the next only when that buffer has drained; given a whole 8.7 MB answer
/// at once, each slow reader would hold a copy of it.
pub struct Slices(pub Bytes);

impl MessageBody for Slices {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.0.len() as u64)
    }

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        if self.0.is_empty() {
            return Poll::Ready(None);
        }
        let slice = self.0.len().min(SLICE);
        Poll::Ready(Some(Ok(self.0.split_to(slice))))
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

    #[actix_web::test]
    async fn slices_send_the_whole_answer_in_order_a_slice_at_a_time() {
        let answer: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut body = Slices(Bytes::from(answer.clone()));
        assert_eq!(body.size(), BodySize::Sized(100_000));
        let mut pieces = Vec::new();
        while let Some(piece) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await {
            pieces.push(piece.unwrap());
        }
        assert_eq!(pieces.iter().map(Bytes::len).collect::<Vec<_>>(), [SLICE, SLICE, SLICE, 100_000 - 3 * SLICE]);
        assert_eq!(pieces.concat(), answer);
    }
}
