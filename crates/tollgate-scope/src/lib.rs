#![doc = include_str!("../README.md")]

mod access;
mod decision;
mod error;
mod grant;
mod mint;
mod operation;
mod resource;
mod scope;
#[cfg(feature = "serde")]
mod serde_text;
mod user;

pub use access::Access;
pub use decision::{Decision, Denial, check};
pub use error::{ParseAccessError, ParseRoleError, ParseScopeError, ResourceNameError};
pub use grant::{Grants, check_with_grants};
pub use mint::{MintDenial, check_mint, highest_usable_scope};
pub use operation::Operation;
pub use resource::ResourceName;
pub use scope::Scope;
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
    send_sync::<Decision<MintDenial<RoleShortfall>>>();
};
