//! What the service tells its operators: logs on standard error (as text or
//! JSON lines) and the metrics behind `GET /metrics` (`metrics.rs`).

pub mod metrics;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Logs to standard error; `RUST_LOG` overrides `log.filter`.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests start many apps in one process) is harmless.
    let _ = match settings.format {
        LogFormat::Text => builder.try_init(),
        // One JSON object a line, the event's fields beside `timestamp`,
        // `level`, `target` and `message`, for a log collector to index.
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
