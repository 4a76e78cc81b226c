#![doc = include_str!("../README.md")]

mod allowed_origins;
mod builder;
mod decision;
mod env_list;
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

pub mod error;

pub use allowed_origins::{AllowedOrigins, OriginCheck};
pub use builder::CorsPolicyBuilder;
pub use decision::{CorsDecision, CorsDenial};
pub use origin::Origin;
pub use origin_pattern::OriginPattern;
pub use policy::{CorsCredentials, CorsPolicy};
pub use port_pattern::PortPattern;
pub use request::CorsRequest;
pub use response_headers::{CorsHeader, ResponseHeaders};
pub use route::RoutePrefix;
pub use route_set::{RouteCase, RouteMatch, RouteSet};
pub use vary::Vary;

/// Shared types must be usable across threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CorsPolicy>();
    assert_send_sync::<RouteSet>();
    assert_send_sync::<AllowedOrigins>();
    assert_send_sync::<OriginPattern>();
    assert_send_sync::<CorsDecision<'static>>();
    assert_send_sync::<error::PolicyErrors>();
};
