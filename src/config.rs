//! Settings, layered: `config/default.toml` (compiled in, so the binary runs
//! from any folder), then the file given with `--config`, then environment
//! variables `STRUMPAVTAL__SECTION__KEY`.

use std::path::Path;

use serde::Deserialize;

use crate::splitting::{SplitRule, VatRate};

/// The checked-in defaults; every setting has one.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub agreements: AgreementSettings,
    pub pricing: PricingSettings,
    pub planning: PlanningSettings,
    pub email: EmailSettings,
    pub web: WebSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on; port 0 picks a free one.
    pub bind: String,
    /// Largest JSON body accepted, in bytes.
    pub json_limit_bytes: usize,
    /// Largest CSV import accepted, in bytes.
    pub import_limit_bytes: usize,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// On SIGTERM or Ctrl-C, how long requests in flight (and e-mails being
    /// sent) may take to finish before the process stops anyway.
    pub shutdown_timeout_seconds: u64,
    /// Megabytes of answers to everyday reads kept while the data is
    /// unchanged (`web::cache`); 0 keeps none.
    pub answer_cache_mb: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    /// How long an SQLite writer waits for another one before giving up.
    pub busy_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementSettings {
    pub min_years: u32,
    pub max_years: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricingSettings {
    pub default_split_rule: SplitRule,
    pub vat_rate_percent: u32,
    /// A confirmed cohort's default cancellation deadline: this many days
    /// before it begins.
    pub cancellation_notice_days: u32,
}

impl PricingSettings {
    pub fn vat(&self) -> VatRate {
        VatRate(self.vat_rate_percent)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanningSettings {
    /// Search nodes one group of needs may use to prove the most firm seats
    /// at the lowest cost; past it the plan reports how far off it may be.
    pub node_limit: u64,
    /// Further nodes to prove the tie-breaks: fewest split needs, earliest terms.
    pub tie_break_node_limit: u64,
}

impl PlanningSettings {
    pub fn limits(&self) -> crate::planning::Limits {
        crate::planning::Limits { seats_and_cost: self.node_limit, tie_breaks: self.tie_break_node_limit }
    }
}

/// The web pages' sign-in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// How long a sign-in lasts.
    pub session_hours: i64,
    /// Send cookies only over HTTPS. Browsers treat `localhost` as secure,
    /// so this stays on for local use; turn it off only behind a proxy that
    /// speaks plain HTTP to browsers on other hosts.
    pub secure_cookies: bool,
    /// Sign-in attempts one client address may make in a minute; more are
    /// refused with 429 until the quota refills.
    pub sign_in_attempts_per_minute: u32,
}

/// How e-mail leaves the service (docs/operations.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    pub transport: EmailTransport,
    /// The sender, e.g. `Strumpavtal <noreply@strumpavtal.example>`.
    pub from: String,
    /// Where replies go: the regional coordinators.
    pub reply_to: String,
    /// For the `file` transport: one `.eml` file per e-mail here.
    pub file_dir: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_user: Option<String>,
    pub smtp_password: Option<String>,
    /// How long one SMTP step (connecting, or waiting for one answer) may
    /// take before the attempt counts as failed, so a server that hangs
    /// never holds a sender for long.
    pub smtp_timeout_seconds: f64,
    /// Attempts before an e-mail is marked `failed`.
    pub max_attempts: u32,
    /// The first retry's delay; each further retry waits twice as long.
    pub backoff_seconds: f64,
    /// How long a summary waits for more changes to fold into it.
    pub coalesce_seconds: f64,
    /// How often the worker looks for due e-mail.
    pub poll_interval_ms: u64,
    /// How long a worker holds an e-mail it is sending; if its process dies,
    /// another (or the restarted one) sends it once this has passed.
    pub lease_seconds: f64,
    /// Whether `serve` starts the worker that sends e-mail.
    pub worker: bool,
    /// E-mails the worker sends at the same time.
    pub senders: usize,
}

impl EmailSettings {
    /// How long a worker holds an e-mail it is sending.
    pub fn lease(&self) -> chrono::Duration {
        duration(self.lease_seconds)
    }

    /// How long one SMTP step may take.
    pub fn smtp_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.smtp_timeout_seconds)
    }

    /// The first retry's delay.
    pub fn first_backoff(&self) -> chrono::Duration {
        duration(self.backoff_seconds)
    }

    /// How long a summary waits for more changes to fold into it.
    pub fn coalesce(&self) -> chrono::Duration {
        duration(self.coalesce_seconds)
    }
}

/// Seconds as a duration, to the millisecond. `validate` keeps these
/// settings between 0 and a day, so the milliseconds fit.
fn duration(seconds: f64) -> chrono::Duration {
    chrono::Duration::milliseconds((seconds * 1000.0).round() as i64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailTransport {
    /// Each e-mail written as an `.eml` file under `email.file_dir`.
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain SMTP, for a relay on the same machine or a test server.
    None,
    /// Upgrade with STARTTLS (port 587).
    Starttls,
    /// TLS from the start (port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing filter, e.g. `info` or `strumpavtal=debug,actix_web=info`.
    pub filter: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object a line, for a log collector.
    Json,
}

/// Who may read `GET /metrics` (docs/operations.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Whether `/metrics` answers at all (404 when off).
    pub enabled: bool,
    /// If set, `/metrics` needs `Authorization: Bearer TOKEN`.
    pub token: Option<String>,
}

impl Settings {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_with_env(file, config::Environment::with_prefix("STRUMPAVTAL"))
    }

    fn load_with_env(file: Option<&Path>, env: config::Environment) -> anyhow::Result<Self> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULT_TOML, config::FileFormat::Toml));
        if let Some(file) = file {
            if !file.exists() {
                anyhow::bail!("the configuration file {} does not exist", file.display());
            }
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let settings: Settings = builder
            .add_source(env.prefix_separator("__").separator("__").try_parsing(true))
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let a = &self.agreements;
        if a.min_years == 0 || a.min_years > a.max_years {
            anyhow::bail!(
                "agreements.min_years ({}) must be at least 1 and at most agreements.max_years ({})",
                a.min_years,
                a.max_years
            );
        }
        if self.pricing.vat_rate_percent > 100 {
            anyhow::bail!("pricing.vat_rate_percent must be between 0 and 100");
        }
        let e = &self.email;
        for (key, address) in [("email.from", &e.from), ("email.reply_to", &e.reply_to)] {
            if address.parse::<lettre::message::Mailbox>().is_err() {
                anyhow::bail!("{key} ({address:?}) is not an e-mail address");
            }
        }
        if e.max_attempts == 0 {
            anyhow::bail!("email.max_attempts must be at least 1");
        }
        let waits = [
            ("email.backoff_seconds", e.backoff_seconds),
            ("email.coalesce_seconds", e.coalesce_seconds),
            ("email.lease_seconds", e.lease_seconds),
        ];
        for (key, seconds) in waits {
            if !(0.0..=86_400.0).contains(&seconds) {
                anyhow::bail!("{key} must be between 0 and 86400 seconds");
            }
        }
        // A zero socket timeout is refused by the operating system.
        if !(0.001..=3600.0).contains(&e.smtp_timeout_seconds) {
            anyhow::bail!("email.smtp_timeout_seconds must be between 0.001 and 3600");
        }
        if self.web.sign_in_attempts_per_minute == 0 {
            anyhow::bail!("web.sign_in_attempts_per_minute must be at least 1");
        }
        if !(1..=24 * 30).contains(&self.web.session_hours) {
            anyhow::bail!("web.session_hours must be between 1 and 720");
        }
        if self.server.answer_cache_mb > 65_536 {
            anyhow::bail!("server.answer_cache_mb must be at most 65536 (64 GB)");
        }
        if self.server.shutdown_timeout_seconds > 3600 {
            anyhow::bail!("server.shutdown_timeout_seconds must be at most 3600");
        }
        if let Some(token) = &self.metrics.token
            && token.trim().len() < 16
        {
            anyhow::bail!("metrics.token must have at least 16 characters (leave it out for no token)");
        }
        if self.database.pool_size == 0 {
            anyhow::bail!("database.pool_size must be at least 1");
        }
        crate::db::DatabaseTarget::parse(&self.database.url).map_err(anyhow::Error::msg)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::Write;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> config::Environment {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        config::Environment::with_prefix("STRUMPAVTAL").source(Some(map))
    }

    #[test]
    fn defaults_are_safe() {
        let s = Settings::load_with_env(None, env(&[])).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://data/strumpavtal.sqlite");
        assert_eq!((s.agreements.min_years, s.agreements.max_years), (2, 4));
        assert_eq!(s.pricing.default_split_rule, SplitRule::PerSeat);
        assert_eq!(s.pricing.vat_rate_percent, 25);
    }

    #[test]
    fn a_file_overrides_defaults_and_the_environment_overrides_both() {
        let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        writeln!(file, "[server]\nbind = \"0.0.0.0:9000\"\n[agreements]\nmax_years = 5").unwrap();
        let s = Settings::load_with_env(
            Some(file.path()),
            env(&[("STRUMPAVTAL__SERVER__BIND", "127.0.0.1:7000"), ("STRUMPAVTAL__DATABASE__POOL_SIZE", "3")]),
        )
        .unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:7000");
        assert_eq!(s.agreements.max_years, 5);
        assert_eq!(s.agreements.min_years, 2);
        assert_eq!(s.database.pool_size, 3);
    }

    #[test]
    fn inconsistent_settings_are_refused() {
        let err = Settings::load_with_env(None, env(&[("STRUMPAVTAL__AGREEMENTS__MIN_YEARS", "5")])).unwrap_err();
        assert!(err.to_string().contains("min_years"), "{err}");
        let err = Settings::load_with_env(None, env(&[("STRUMPAVTAL__DATABASE__URL", "mysql://x")])).unwrap_err();
        assert!(err.to_string().contains("database.url"), "{err}");
        assert!(Settings::load_with_env(Some(Path::new("/no/such/file.toml")), env(&[])).is_err());
        let err = Settings::load_with_env(None, env(&[("STRUMPAVTAL__METRICS__TOKEN", "short")])).unwrap_err();
        assert!(err.to_string().contains("metrics.token"), "{err}");
        let err = Settings::load_with_env(None, env(&[("STRUMPAVTAL__EMAIL__SMTP_TIMEOUT_SECONDS", "0")])).unwrap_err();
        assert!(err.to_string().contains("email.smtp_timeout_seconds"), "{err}");
        assert!(Settings::load_with_env(None, env(&[("STRUMPAVTAL__LOG__FORMAT", "xml")])).is_err());
        let json = Settings::load_with_env(None, env(&[("STRUMPAVTAL__LOG__FORMAT", "json")])).unwrap();
        assert_eq!(json.log.format, LogFormat::Json);
    }
}
