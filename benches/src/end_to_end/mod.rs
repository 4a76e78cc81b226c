//! The end-to-end benchmark's parts (`src/bin/end_to_end.rs` runs them): HTTP servers run
//! in-process on loopback ports and loaded by `wrk`, an external load generator.
//!
//! - [`stack`]: the trivial handler, the tollgate stack around it, serving a router.
//! - [`sql_lookup`]: the peer, an API-key middleware doing one SQL lookup per request.
//! - [`writes`]: the example server, for writes through its whole stack.
//! - [`database`]: fresh SQLite files and PostgreSQL databases, removed afterwards.
//! - [`wrk`]: running wrk and reading its summary; [`probe`]: single requests, to set up data
//!   and check each side's answer before it is loaded.

pub mod database;
pub mod probe;
pub mod sql_lookup;
pub mod stack;
pub mod writes;
pub mod wrk;
