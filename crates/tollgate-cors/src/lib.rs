#![doc = include_str!("../README.md")]

mod allowed_origins;
mod builder;
mod decision;
mod env_list;
mod error;
mod header_name;
mod host;
mod host_form;
mod http_token;
mod method;
mod origin;
mod origin_pattern;
mod policy;
mod port_pattern;
mod public_suffix;
mod request;
mod request_headers;
mod request_path;
mod response_headers;
mod route;
mod route_set;
mod route_trie;
mod scheme;
mod text_conversions;
mod vary;

pub use allowed_origins::{AllowedOrigins, OriginCheck};
pub use builder::{CorsPolicyBuilder, MAX_MAX_AGE};
pub use decision::{
    ActualDecision, ActualRejection, CorsDecision, PreflightDecision, PreflightRejection,
};
pub use error::{
    EntryError, ErrorList, HeaderNameError, MethodError, OriginError, OriginListErrors,
    PolicyError, PolicyErrors, RouteError, RouteSetErrors,
};
pub use header_name::HeaderName;
pub use method::Method;
pub use origin::{MAX_ORIGIN_LEN, Origin};
pub use origin_pattern::{ANY_ORIGIN, OriginPattern};
pub use policy::{CorsPolicy, Credentials};
pub use port_pattern::PortPattern;
pub use request::CorsRequest;
pub use request_headers::{MAX_REQUEST_HEADERS_COUNT, MAX_REQUEST_HEADERS_LEN};
pub use response_headers::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ResponseHeaders, VARY,
};
pub use route::RoutePrefix;
pub use route_set::{ALL_ROUTES, RouteCase, RouteMatch, RouteSet};
pub use vary::Vary;

/// Shared types must be usable across threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CorsPolicy>();
    assert_send_sync::<RouteSet>();
    assert_send_sync::<AllowedOrigins>();
    assert_send_sync::<OriginPattern>();
    assert_send_sync::<CorsDecision<'static>>();
    assert_send_sync::<PolicyErrors>();
};
