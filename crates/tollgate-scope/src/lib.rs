#![doc = include_str!("../README.md")]

mod access;
mod decision;
mod derive;
mod error;
mod grant;
mod kind;
mod limits;
mod operation;
mod resource;
mod scope;
#[cfg(feature = "serde")]
mod serde_text;
mod signature_key;
mod user;

pub use access::Access;
pub use decision::{Decision, Denial, check};
pub use derive::{DeriveDenial, Exceeded, LimitsRequest, derive, highest_usable_scope};
pub use error::{
    InvalidLimits, ParseAccessError, ParseKindError, ParseRoleError, ParseScopeError,
    ResourceNameError,
};
pub use grant::Grants;
pub use kind::TokenKind;
pub use limits::{LimitDenial, Limits, Use};
pub use operation::Operation;
pub use resource::ResourceName;
pub use scope::Scope;
pub use signature_key::{SignatureKey, SignatureKeyError};
pub use user::{Role, RoleShortfall, UserPermissions};

/// Compile-time check that the shared types can cross threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Scope>();
    send_sync::<Role>();
    send_sync::<Operation>();
    send_sync::<Access>();
    send_sync::<ResourceName>();
    send_sync::<Grants>();
    send_sync::<Decision<Denial<RoleShortfall>>>();
    send_sync::<Limits>();
    send_sync::<DeriveDenial<RoleShortfall>>();
    send_sync::<Decision<LimitDenial<RoleShortfall>>>();
};
