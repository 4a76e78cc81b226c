//! Integration tests for `tollgate-writers`: Refocus known answers and property tests.

mod graph;
mod inheritance;
mod list_properties;
mod refocus;
