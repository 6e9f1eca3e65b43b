//! The metrics `GET /metrics` shows, in the Prometheus text format: HTTP
//! requests and their latency by route pattern, plan runs and how long they
//! took, answers to everyday reads given from the cache or computed, and
//! the outbox's depth (read from the database at each scrape, so
//! every instance on one database reports the same, whole outbox).
//!
//! Each `Application` has its own `Metrics`, so counts start at zero with the
//! process and tests that start several apps in one process do not mix them.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::email::outbox::OutboxStatus;

/// Request latency buckets, in seconds: from a cached page to a slow import.
const REQUEST_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
/// Plan durations, in seconds: a small region plans in milliseconds, the
/// whole country with a search limit in tens of seconds (docs/performance.md).
const PLAN_BUCKETS: [f64; 12] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0];

/// The route label of a request no route matched (a 404 for any address):
/// one value, so scanners cannot grow the number of series.
pub const UNMATCHED: &str = "unmatched";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    method: &'static str,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The registry and handles to its metrics (each handle shares its values).
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily<LatencyLabels>,
    plan_runs: Family<OutcomeLabels, Counter>,
    plan_duration: Histogram,
    outbox_depth: Family<StatusLabels, Gauge>,
    answers: Family<OutcomeLabels, Counter>,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::with_prefix("strumpavtal");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status class",
            requests.clone(),
        );
        let latency: HistogramFamily<LatencyLabels> = Family::new_with_constructor(|| Histogram::new(REQUEST_BUCKETS));
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its answer's head, by method and route pattern",
            Unit::Seconds,
            latency.clone(),
        );
        let plan_runs = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "plan_runs",
            "Planner runs by coordinators, by outcome (stored or failed)",
            plan_runs.clone(),
        );
        let plan_duration = Histogram::new(PLAN_BUCKETS);
        registry.register_with_unit(
            "plan_duration",
            "How long a planner run took: reading needs, solving and storing the plan",
            Unit::Seconds,
            plan_duration.clone(),
        );
        let outbox_depth = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "outbox_depth",
            "E-mails in the outbox not yet sent, by status (read from the database at each scrape)",
            outbox_depth.clone(),
        );
        let answers = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "cached_reads",
            "Answers to everyday reads (web::cache): given as kept, or computed because the data changed or they were not kept",
            answers.clone(),
        );
        Arc::new(Self { registry, requests, latency, plan_runs, plan_duration, outbox_depth, answers })
    }

    /// Counts one answered request. `route` is the matched pattern (such as
    /// `/api/v1/cohorts/{id}`) or [`UNMATCHED`], never the raw path.
    pub fn observe_request(&self, method: &actix_web::http::Method, route: String, status: u16, took: Duration) {
        let method = method_label(method);
        let labels = RequestLabels { method, route, status: status_class(status) };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&LatencyLabels { method, route: labels.route }).observe(took.as_secs_f64());
    }

    /// Counts one planner run and, if it stored a plan, how long it took.
    pub fn observe_plan(&self, stored: bool, took: Duration) {
        let outcome = if stored { "stored" } else { "failed" };
        self.plan_runs.get_or_create(&OutcomeLabels { outcome }).inc();
        if stored {
            self.plan_duration.observe(took.as_secs_f64());
        }
    }

    /// Counts one answer to a cached read: `kept` if it came from the cache.
    pub fn observe_cached_read(&self, kept: bool) {
        let outcome = if kept { "kept" } else { "computed" };
        self.answers.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Sets the outbox depth from counts just read, or — when the database
    /// could not be read (`None`) — leaves the metric out rather than show
    /// stale numbers.
    pub fn set_outbox_depth(&self, counts: Option<&[(OutboxStatus, i64)]>) {
        self.outbox_depth.clear();
        let Some(counts) = counts else { return };
        for status in OutboxStatus::OPEN {
            let n = counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
            self.outbox_depth.get_or_create(&StatusLabels { status: status.as_str() }).set(n);
        }
    }

    /// Everything, in the Prometheus text format (version 0.0.4).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The standard methods by name; any other (clients may invent them) as
/// `other`, to keep the number of series bounded.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_pattern_and_status_class() {
        let metrics = Metrics::new();
        let get = actix_web::http::Method::GET;
        metrics.observe_request(&get, "/api/v1/cohorts/{id}".into(), 200, Duration::from_millis(3));
        metrics.observe_request(&get, "/api/v1/cohorts/{id}".into(), 204, Duration::from_millis(30));
        metrics.observe_request(
            &actix_web::http::Method::from_bytes(b"BREW").unwrap(),
            UNMATCHED.into(),
            404,
            Duration::ZERO,
        );
        let text = metrics.encode();
        assert!(
            text.contains(
                r#"strumpavtal_http_requests_total{method="GET",route="/api/v1/cohorts/{id}",status="2xx"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"strumpavtal_http_requests_total{method="other",route="unmatched",status="4xx"} 1"#));
        // 3 ms is within 5 ms; 30 ms only from 50 ms on.
        assert!(text.contains(
            r#"strumpavtal_http_request_duration_seconds_bucket{method="GET",route="/api/v1/cohorts/{id}",le="0.005"} 1"#
        ), "{text}");
        assert!(text.contains(
            r#"strumpavtal_http_request_duration_seconds_bucket{method="GET",route="/api/v1/cohorts/{id}",le="0.05"} 2"#
        ));
    }

    #[test]
    fn outbox_depth_shows_every_open_status_and_nothing_when_unknown() {
        let metrics = Metrics::new();
        metrics.set_outbox_depth(Some(&[(OutboxStatus::Queued, 7), (OutboxStatus::Sent, 40)]));
        let text = metrics.encode();
        assert!(text.contains(r#"strumpavtal_outbox_depth{status="queued"} 7"#), "{text}");
        assert!(text.contains(r#"strumpavtal_outbox_depth{status="sending"} 0"#));
        assert!(text.contains(r#"strumpavtal_outbox_depth{status="failed"} 0"#));
        assert!(!text.contains(r#"status="sent""#));
        metrics.set_outbox_depth(None);
        assert!(!metrics.encode().contains("strumpavtal_outbox_depth{"));
    }
}
