#![doc = include_str!("../README.md")]

mod actor;
mod decision;
mod depth;
mod error;
mod inherit;
mod list;
mod lockout;

pub use actor::{Actor, AdminOverride, Entitlement};
pub use decision::{AllowReason, WriteDecision, WriteDenial};
pub use depth::DepthLimit;
pub use error::{DepthLimitError, NotAWriter, ResolveError, UnknownPrincipals};
pub use inherit::{Protection, ProtectionLookup, RecordDecision, Resolved, resolve};
pub use list::WriterList;
pub use lockout::{Lockout, WriterEdit};

/// Compile-time check that the shared types can cross threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<WriterList<String>>();
    assert_send_sync::<Actor<'static, str>>();
    assert_send_sync::<WriteDecision>();
    assert_send_sync::<Resolved<'static, str, String>>();
    assert_send_sync::<RecordDecision<'static, str>>();
    assert_send_sync::<ResolveError<String>>();
    assert_send_sync::<UnknownPrincipals<String>>();
};
