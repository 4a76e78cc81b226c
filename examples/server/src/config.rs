//! Settings from environment variables, validated all at once.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tollgate::cors::CorsPolicy;
use tollgate::http::TokenRequirement;
use tollgate::limit::Rate;
use tollgate::scanning::{MAX_KEY_LIST_LEN, ReporterKeys};
use tollgate::store::{DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TIME_TO_LIVE};

use crate::connections::ConnectionTimers;

use crate::logs::LogFilter;

/// Everything the server needs to start.
#[derive(Debug)]
pub struct Settings {
    /// Where to listen (`TOLLGATE_ADDR`).
    pub addr: SocketAddr,
    /// Which database to use (`DATABASE_URL`).
    pub database_url: String,
    /// Whether every request needs a token (`REQUIRE_ACCESS_TOKEN`).
    pub requirement: TokenRequirement,
    /// Which routes answer CORS, and to which origins.
    pub cors: CorsPolicy,
    /// The connection timers (`TOLLGATE_HEADER_READ_TIMEOUT`, `TOLLGATE_KEEP_ALIVE_TIMEOUT`,
    /// `TOLLGATE_SHUTDOWN_GRACE`).
    pub timers: ConnectionTimers,
    /// How long a request may take from its head's arrival to its answer.
    pub request_timeout: Duration,
    /// How long a request waits for a database connection (and, on SQLite, for another
    /// process's lock on the file) before it is answered 503.
    pub database_timeout: Duration,
    /// The verified-token cache (`TOLLGATE_TOKEN_CACHE_TTL`, `TOLLGATE_TOKEN_CACHE_CAPACITY`).
    pub token_cache: TokenCache,
    /// Failed authentications allowed per client address
    /// (`TOLLGATE_AUTH_FAILURES_PER_MINUTE`).
    pub auth_failures: Rate,
    /// The rate limit of tokens with none of their own or their ancestors'
    /// (`TOLLGATE_DEFAULT_RATE_LIMIT`, such as `100/min`; unset, none).
    pub default_rate_limit: Option<Rate>,
    /// How often use counts are saved to the database and read back
    /// (`TOLLGATE_USAGE_SAVE_INTERVAL`).
    pub usage_save_interval: Duration,
    /// How long audit log entries are kept (`TOLLGATE_AUDIT_RETENTION`, such as `90d`, the
    /// default).
    pub audit_retention: Duration,
    /// Tokens neither used nor made in this long are deleted, at start and daily
    /// (`TOLLGATE_PURGE_UNUSED_AFTER`, such as `90d`; unset, never).
    pub purge_unused_after: Option<Duration>,
    /// Which log events are kept (`RUST_LOG`).
    pub log_filter: LogFilter,
    /// The keys secret-scanning reports are signed with (`TOLLGATE_SECRET_SCANNING_KEYS`, the
    /// key list's JSON as the service publishes it, or `TOLLGATE_SECRET_SCANNING_KEYS_FILE`, a
    /// file holding it); `None` (neither set): no report route.
    pub secret_scanning_keys: Option<Arc<ReporterKeys>>,
}

/// The verified-token cache's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCache {
    /// The longest an answer stays cached: without notifications (SQLite), the longest a
    /// change made by another process on the same database goes unseen.
    pub time_to_live: Duration,
    /// The most tokens cached, and the most unknown hashes.
    pub capacity: u64,
}

/// The most `TOLLGATE_TOKEN_CACHE_CAPACITY` allows: some 10 million entries of about 1 KB
/// each would already be more memory than a server of this kind should give to a cache.
const MAX_TOKEN_CACHE_CAPACITY: u64 = 10_000_000;

pub(crate) const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The database when `DATABASE_URL` is unset: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://tollgate.db";
pub(crate) const DEFAULT_AUTH_FAILURES_PER_MINUTE: u32 = 20;

impl Settings {
    /// Reads the settings through `var` (the process environment in `main`, a map in tests).
    ///
    /// # Errors
    ///
    /// Every problem at once, one sentence each naming the variable.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let addr_text = var("TOLLGATE_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr = addr_text
            .parse::<SocketAddr>()
            .map_err(|_| {
                problems.push(format!(
                    "TOLLGATE_ADDR={addr_text:?} is not an address such as 127.0.0.1:8080"
                ))
            })
            .ok();
        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite://")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            // Only the scheme is repeated: the rest of the URL may carry a password.
            let scheme = database_url
                .split_once(':')
                .map_or("", |(scheme, _)| scheme);
            problems.push(format!(
                "DATABASE_URL with scheme {scheme:?} must start with sqlite:// or postgres://"
            ));
        }
        let requirement = match var("REQUIRE_ACCESS_TOKEN").as_deref().map(str::trim) {
            None | Some("true") => Some(TokenRequirement::Required),
            Some("false") => Some(TokenRequirement::Optional),
            Some(other) => {
                problems.push(format!(
                    "REQUIRE_ACCESS_TOKEN={other:?} must be true or false"
                ));
                None
            }
        };
        let routes = var("CORS_ROUTES").unwrap_or_default();
        let origins = var("CORS_ALLOWED_ORIGINS").unwrap_or_else(|| "*".to_owned());
        let cors = CorsPolicy::builder()
            .routes(&routes)
            .allowed_origins(&origins)
            .build()
            .map_err(|errors| problems.push(format!("CORS settings: {errors}")))
            .ok();
        let mut duration = |name: &str, default: Duration| {
            let Some(text) = var(name) else {
                return default;
            };
            parse_duration(&text).unwrap_or_else(|| {
                problems.push(format!(
                    "{name}={text:?} must be a whole number of seconds or milliseconds from 1ms to 3600s, such as 10s or 500ms"
                ));
                default
            })
        };
        let timers = ConnectionTimers {
            header_read: duration("TOLLGATE_HEADER_READ_TIMEOUT", Duration::from_secs(10)),
            keep_alive: duration("TOLLGATE_KEEP_ALIVE_TIMEOUT", Duration::from_secs(5)),
            shutdown_grace: duration("TOLLGATE_SHUTDOWN_GRACE", Duration::from_secs(10)),
        };
        let request_timeout = duration("TOLLGATE_REQUEST_TIMEOUT", Duration::from_secs(30));
        let database_timeout = duration("TOLLGATE_DATABASE_TIMEOUT", Duration::from_secs(1));
        let usage_save_interval = duration("TOLLGATE_USAGE_SAVE_INTERVAL", Duration::from_secs(10));
        let token_cache = TokenCache {
            time_to_live: duration("TOLLGATE_TOKEN_CACHE_TTL", DEFAULT_CACHE_TIME_TO_LIVE),
            capacity: token_cache_capacity(&var, &mut problems),
        };
        let auth_failures = auth_failures_per_minute(&var, &mut problems);
        let default_rate_limit = var("TOLLGATE_DEFAULT_RATE_LIMIT").and_then(|text| {
            text.trim()
                .parse()
                .map_err(|error| {
                    problems.push(format!("TOLLGATE_DEFAULT_RATE_LIMIT={text:?}: {error}"));
                })
                .ok()
        });
        let mut days = |name: &str| {
            var(name).and_then(|text| {
                parse_days(&text)
                    .ok_or_else(|| {
                        problems.push(format!(
                            "{name}={text:?} must be a whole number of days from 1 to 3650, such as 90d"
                        ));
                    })
                    .ok()
            })
        };
        let audit_retention =
            days("TOLLGATE_AUDIT_RETENTION").unwrap_or(Duration::from_secs(90 * DAY_SECONDS));
        let purge_unused_after = days("TOLLGATE_PURGE_UNUSED_AFTER");
        // A default in place of an invalid value is never used: its problem refuses them all.
        let log_filter = LogFilter::from_var(var("RUST_LOG"))
            .map_err(|problem| problems.push(problem))
            .unwrap_or_default();
        let secret_scanning_keys = secret_scanning_keys(&var, &mut problems);
        match (addr, requirement, cors, auth_failures) {
            (Some(addr), Some(requirement), Some(cors), Some(auth_failures))
                if problems.is_empty() =>
            {
                Ok(Self {
                    addr,
                    database_url,
                    requirement,
                    cors,
                    timers,
                    request_timeout,
                    database_timeout,
                    token_cache,
                    auth_failures,
                    default_rate_limit,
                    usage_save_interval,
                    audit_retention,
                    purge_unused_after,
                    log_filter,
                    secret_scanning_keys,
                })
            }
            _ => Err(problems),
        }
    }
}

const DAY_SECONDS: u64 = 24 * 60 * 60;

/// The text of the key-list file at `path`, read no further than a key list may be long.
fn read_key_file(path: &str) -> Result<String, String> {
    // One byte more than a key list may hold, to tell a file that is too long.
    let limit = u64::try_from(MAX_KEY_LIST_LEN).unwrap_or(u64::MAX) + 1;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit).read_to_end(&mut bytes))
        .map_err(|error| error.to_string())?;
    if bytes.len() > MAX_KEY_LIST_LEN {
        return Err(format!(
            "the file is longer than a key list may be ({MAX_KEY_LIST_LEN} bytes)"
        ));
    }
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_owned())
}

/// The secret-scanning reporter's key list, from `TOLLGATE_SECRET_SCANNING_KEYS` (the JSON) or
/// `TOLLGATE_SECRET_SCANNING_KEYS_FILE` (a file holding it, read once, at start); `None` when
/// neither is set. Both, an unreadable file or a list that is not valid is a problem.
fn secret_scanning_keys(
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<Arc<ReporterKeys>> {
    const KEYS: &str = "TOLLGATE_SECRET_SCANNING_KEYS";
    const FILE: &str = "TOLLGATE_SECRET_SCANNING_KEYS_FILE";
    let (text, from) = match (var(KEYS), var(FILE)) {
        (None, None) => return None,
        (Some(_), Some(_)) => {
            problems.push(format!("set {KEYS} or {FILE}, not both"));
            return None;
        }
        (Some(text), None) => (text, KEYS.to_owned()),
        (None, Some(path)) => match read_key_file(&path) {
            Ok(text) => (text, format!("{FILE}={path:?}")),
            Err(problem) => {
                problems.push(format!("{FILE}={path:?}: {problem}"));
                return None;
            }
        },
    };
    ReporterKeys::from_json(&text)
        .map(Arc::new)
        .map_err(|error| problems.push(format!("{from}: {error}")))
        .ok()
}

/// A whole number of days (`90d`), from 1 to 3650 (ten years).
fn parse_days(text: &str) -> Option<Duration> {
    let days: u64 = text.trim().strip_suffix('d')?.parse().ok()?;
    (1..=3650)
        .contains(&days)
        .then(|| Duration::from_secs(days * DAY_SECONDS))
}

/// A whole number of milliseconds (`500ms`) or seconds (`10s`), from 1 ms to one hour: zero
/// would turn a timer off or refuse everything, and past an hour a timer protects nothing.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let duration = if let Some(millis) = text.strip_suffix("ms") {
        Duration::from_millis(millis.parse().ok()?)
    } else {
        Duration::from_secs(text.strip_suffix('s')?.parse().ok()?)
    };
    (Duration::from_millis(1)..=Duration::from_secs(3600))
        .contains(&duration)
        .then_some(duration)
}

/// `TOLLGATE_TOKEN_CACHE_CAPACITY`: a whole number from 1 to [`MAX_TOKEN_CACHE_CAPACITY`].
fn token_cache_capacity(var: &impl Fn(&str) -> Option<String>, problems: &mut Vec<String>) -> u64 {
    const NAME: &str = "TOLLGATE_TOKEN_CACHE_CAPACITY";
    let Some(text) = var(NAME) else {
        return DEFAULT_CACHE_CAPACITY;
    };
    match text.trim().parse() {
        Ok(capacity) if (1..=MAX_TOKEN_CACHE_CAPACITY).contains(&capacity) => capacity,
        _ => {
            problems.push(format!(
                "{NAME}={text:?} must be a whole number from 1 to {MAX_TOKEN_CACHE_CAPACITY}"
            ));
            DEFAULT_CACHE_CAPACITY
        }
    }
}

/// `TOLLGATE_AUTH_FAILURES_PER_MINUTE`: a whole number from 1 (a rate of 0 allows nothing).
fn auth_failures_per_minute(
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<Rate> {
    const NAME: &str = "TOLLGATE_AUTH_FAILURES_PER_MINUTE";
    let text = var(NAME);
    let count = text
        .as_deref()
        .map_or(Some(DEFAULT_AUTH_FAILURES_PER_MINUTE), |text| {
            text.trim().parse().ok()
        });
    let rate = count.and_then(|count| Rate::new(count, Duration::from_secs(60)).ok());
    if rate.is_none() {
        let text = text.unwrap_or_default();
        problems.push(format!("{NAME}={text:?} must be a whole number from 1"));
    }
    rate
}
