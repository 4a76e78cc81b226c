//! Settings from environment variables, validated all at once.

use std::net::SocketAddr;

use tollgate::cors::CorsPolicy;
use tollgate::http::TokenRequirement;

use crate::api::logs::LogFilter;

/// Everything the server needs to start.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) addr: SocketAddr,
    pub(crate) database_url: String,
    pub(crate) requirement: TokenRequirement,
    pub(crate) cors: CorsPolicy,
    pub(crate) log_filter: LogFilter,
}

pub(crate) const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub(crate) const DEFAULT_DATABASE_URL: &str = "sqlite://tollgate.db";

impl Settings {
    /// Reads the settings through `var` (the process environment in `main`, a map in tests).
    /// Returns every problem at once.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
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
        // A default in place of an invalid value is never used: its problem refuses them all.
        let log_filter = LogFilter::from_var(var("RUST_LOG"))
            .map_err(|problem| problems.push(problem))
            .unwrap_or_default();
        match (addr, requirement, cors) {
            (Some(addr), Some(requirement), Some(cors)) if problems.is_empty() => Ok(Self {
                addr,
                database_url,
                requirement,
                cors,
                log_filter,
            }),
            _ => Err(problems),
        }
    }
}
