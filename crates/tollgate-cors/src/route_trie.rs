//! A segment trie whose edges, keyed by (parent node, segment), live in one hash table.
//!
//! The table is built once from configuration. A lookup hashes the request segment (with a
//! per-process random seed) and compares it only with stored segments, so its cost depends
//! on the segment, not on the number of routes, and it allocates nothing. The table needs
//! lookups by hash and an equality of our own (ASCII case ignored for a case-insensitive
//! set), which `hashbrown::HashTable` offers and `std`'s `HashMap` does not.

use core::hash::{BuildHasher, Hasher};

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use crate::route::RoutePrefix;
use crate::route_set::RouteCase;

/// One step down the trie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    /// The node reached.
    pub(crate) node: usize,
    /// Whether a listed prefix ends there.
    pub(crate) terminal: bool,
}

#[derive(Debug, Clone)]
struct Edge {
    parent: usize,
    /// Lowercased for a case-insensitive set.
    segment: Box<[u8]>,
    step: Step,
}

/// The trie of a listed route set.
#[derive(Debug, Clone)]
pub(crate) struct RouteTrie {
    edges: HashTable<Edge>,
    hasher: RandomState,
    case: RouteCase,
}

/// Node 0 is the root; every other node is the child of exactly one edge.
const ROOT: usize = 0;

impl RouteTrie {
    /// Builds the trie; `prefixes` are already lowercased for a case-insensitive set.
    pub(crate) fn build(prefixes: &[RoutePrefix], case: RouteCase) -> Self {
        let mut trie = Self {
            edges: HashTable::new(),
            hasher: RandomState::default(),
            case,
        };
        for prefix in prefixes {
            let mut node = ROOT;
            let mut segments = prefix.segments().map(str::as_bytes).peekable();
            while let Some(segment) = segments.next() {
                let terminal = segments.peek().is_none();
                node = trie.insert(node, segment, terminal);
            }
        }
        trie
    }

    /// The root node, where every walk starts.
    pub(crate) const fn root() -> usize {
        ROOT
    }

    /// The step from `node` along `segment`, if there is one.
    pub(crate) fn child(&self, node: usize, segment: &[u8]) -> Option<Step> {
        let hash = self.hash(node, segment);
        let edge = self.edges.find(hash, |edge| {
            edge.parent == node && self.same_segment(&edge.segment, segment)
        })?;
        Some(edge.step)
    }

    /// Adds the edge from `parent` along `segment` unless it exists (marking it terminal if
    /// asked); returns the node it leads to.
    fn insert(&mut self, parent: usize, segment: &[u8], terminal: bool) -> usize {
        let hash = self.hash(parent, segment);
        let next_node = self.edges.len() + 1;
        let case = self.case;
        let hasher = &self.hasher;
        let entry = self.edges.entry(
            hash,
            |edge| edge.parent == parent && same_segment(case, &edge.segment, segment),
            |edge| edge_hash(hasher, case, edge.parent, &edge.segment),
        );
        let edge = entry
            .or_insert_with(|| Edge {
                parent,
                segment: segment.into(),
                step: Step {
                    node: next_node,
                    terminal: false,
                },
            })
            .into_mut();
        edge.step.terminal |= terminal;
        edge.step.node
    }

    fn hash(&self, parent: usize, segment: &[u8]) -> u64 {
        edge_hash(&self.hasher, self.case, parent, segment)
    }

    fn same_segment(&self, stored: &[u8], segment: &[u8]) -> bool {
        same_segment(self.case, stored, segment)
    }
}

fn same_segment(case: RouteCase, stored: &[u8], segment: &[u8]) -> bool {
    match case {
        RouteCase::Sensitive => stored == segment,
        RouteCase::Insensitive => stored.eq_ignore_ascii_case(segment),
    }
}

/// The hash of an edge: the parent, then the segment's bytes (lowercased for a
/// case-insensitive set, a few at a time through a small buffer, so nothing is allocated).
fn edge_hash(hasher: &RandomState, case: RouteCase, parent: usize, segment: &[u8]) -> u64 {
    let mut state = hasher.build_hasher();
    state.write_usize(parent);
    state.write_usize(segment.len());
    match case {
        RouteCase::Sensitive => state.write(segment),
        RouteCase::Insensitive => {
            const CHUNK: usize = 32;
            for chunk in segment.chunks(CHUNK) {
                let mut buffer = [0u8; CHUNK];
                // `chunks` hands out at most `CHUNK` bytes, so the split is in range.
                let (lower, _) = buffer.split_at_mut(chunk.len());
                for (slot, byte) in lower.iter_mut().zip(chunk) {
                    *slot = byte.to_ascii_lowercase();
                }
                state.write(lower);
            }
        }
    }
    state.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie(prefixes: &[&str], case: RouteCase) -> RouteTrie {
        let prefixes: Vec<RoutePrefix> = prefixes
            .iter()
            .map(|text| RoutePrefix::parse(text).unwrap())
            .collect();
        RouteTrie::build(&prefixes, case)
    }

    fn walk(trie: &RouteTrie, segments: &[&str]) -> Option<Step> {
        let start = Step {
            node: RouteTrie::root(),
            terminal: false,
        };
        segments.iter().try_fold(start, |step, segment| {
            trie.child(step.node, segment.as_bytes())
        })
    }

    #[test]
    fn shared_segments_share_nodes_and_only_prefix_ends_are_terminal() {
        let trie = trie(&["/v1/bots", "/v1/rooms", "/v2"], RouteCase::Sensitive);
        assert_eq!(trie.edges.len(), 4, "v1, bots, rooms, v2");
        assert!(!walk(&trie, &["v1"]).unwrap().terminal);
        assert!(walk(&trie, &["v1", "bots"]).unwrap().terminal);
        assert!(walk(&trie, &["v2"]).unwrap().terminal);
        assert_eq!(walk(&trie, &["bots"]), None);
        assert_eq!(walk(&trie, &["v1", "Bots"]), None);
    }

    #[test]
    fn a_prefix_listed_after_a_longer_one_marks_the_existing_node() {
        let trie = trie(&["/v1/bots/x", "/v1/bots"], RouteCase::Sensitive);
        assert_eq!(trie.edges.len(), 3);
        assert!(walk(&trie, &["v1", "bots"]).unwrap().terminal);
        assert!(walk(&trie, &["v1", "bots", "x"]).unwrap().terminal);
    }

    #[test]
    fn insensitive_trie_matches_any_case_even_past_the_hash_buffer() {
        let long = format!("/v1/{}", "b".repeat(70));
        let trie = trie(&["/v1/bots", &long], RouteCase::Insensitive);
        assert!(walk(&trie, &["V1", "BoTs"]).unwrap().terminal);
        assert!(walk(&trie, &["v1", &"B".repeat(70)]).unwrap().terminal);
    }

    #[test]
    fn many_routes_stay_reachable() {
        let texts: Vec<String> = (0..5_000).map(|n| format!("/r{n}/x")).collect();
        let prefixes: Vec<RoutePrefix> = texts
            .iter()
            .map(|text| RoutePrefix::parse(text).unwrap())
            .collect();
        let trie = RouteTrie::build(&prefixes, RouteCase::Sensitive);
        for n in (0..5_000).step_by(97) {
            let first = format!("r{n}");
            assert!(walk(&trie, &[&first, "x"]).unwrap().terminal, "{first}");
        }
        assert_eq!(walk(&trie, &["r5000"]), None);
    }
}
