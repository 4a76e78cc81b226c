//! Integration tests for tollgate-cors: one binary, one module per theme.
//!
//! Each module is marked `cfg(test)` so that its helpers, like its tests, may unwrap.

#[cfg(test)]
mod evaluation;
#[cfg(test)]
mod jub0bs_origin_patterns;
#[cfg(test)]
mod peer_pitfalls;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod refocus_matrix;
#[cfg(all(test, feature = "serde"))]
mod serde_forms;
