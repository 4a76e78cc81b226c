//! A segment trie whose edges live in one open-addressing hash table.
//!
//! Each edge is keyed by (parent node, segment text). Looking up a child costs one hash of the
//! segment and a short probe, whatever the number of routes, and allocates nothing. The table is
//! built once from configuration and kept at most half full; request segments only choose
//! which existing probe chain to read, so they cannot make lookups slower than the longest chain
//! the configuration produced.

use crate::route::RoutePrefix;
use crate::route_set::RouteCase;

/// Node 0 is the root; it is never anyone's child, so `child == 0` marks an empty slot.
const ROOT: usize = 0;

#[derive(Debug, Clone, Copy, Default)]
struct Edge {
    hash: u64,
    parent: usize,
    child: usize,
    /// Range of the segment text in `RouteTrie::segments`.
    start: usize,
    len: usize,
}

/// The trie of a listed route set.
#[derive(Debug, Clone)]
pub(crate) struct RouteTrie {
    edges: Vec<Edge>,
    mask: usize,
    /// `terminal[node]`: a listed prefix ends at this node.
    terminal: Vec<bool>,
    /// Every stored segment, concatenated (lowercased for a case-insensitive set).
    segments: String,
    case: RouteCase,
}

impl RouteTrie {
    /// Builds the trie; `prefixes` are already lowercased for a case-insensitive set.
    pub(crate) fn build(prefixes: &[RoutePrefix], case: RouteCase) -> Self {
        let segment_count: usize = prefixes
            .iter()
            .map(|prefix| prefix.segments().count())
            .sum();
        let capacity = segment_count.saturating_mul(2).max(8).next_power_of_two();
        let mut trie = Self {
            edges: vec![Edge::default(); capacity],
            mask: capacity - 1,
            terminal: vec![false],
            segments: String::new(),
            case,
        };
        for prefix in prefixes {
            let mut node = ROOT;
            for segment in prefix.segments() {
                node = match trie.child(node, segment) {
                    Some(child) => child,
                    None => trie.insert(node, segment),
                };
            }
            if let Some(flag) = trie.terminal.get_mut(node) {
                *flag = true;
            }
        }
        trie
    }

    /// The root node, where every walk starts.
    pub(crate) const fn root() -> usize {
        ROOT
    }

    /// Whether a listed prefix ends at `node`.
    pub(crate) fn is_terminal(&self, node: usize) -> bool {
        self.terminal.get(node).copied().unwrap_or(false)
    }

    /// The child of `node` along `segment`, if any.
    pub(crate) fn child(&self, node: usize, segment: &str) -> Option<usize> {
        let hash = edge_hash(node, segment, self.case);
        let mut index = slot_of(hash, self.mask);
        loop {
            let edge = self.edges.get(index)?;
            if edge.child == ROOT {
                return None;
            }
            if edge.hash == hash && edge.parent == node && self.segment_matches(edge, segment) {
                return Some(edge.child);
            }
            index = (index + 1) & self.mask;
        }
    }

    fn segment_matches(&self, edge: &Edge, segment: &str) -> bool {
        let Some(stored) = self.segments.get(edge.start..edge.start + edge.len) else {
            return false;
        };
        match self.case {
            RouteCase::Sensitive => stored == segment,
            RouteCase::Insensitive => stored.eq_ignore_ascii_case(segment),
        }
    }

    fn insert(&mut self, parent: usize, segment: &str) -> usize {
        let child = self.terminal.len();
        self.terminal.push(false);
        let hash = edge_hash(parent, segment, self.case);
        let edge = Edge {
            hash,
            parent,
            child,
            start: self.segments.len(),
            len: segment.len(),
        };
        self.segments.push_str(segment);
        let mut index = slot_of(hash, self.mask);
        // The table is at most half full, so an empty slot is always found.
        while let Some(slot) = self.edges.get_mut(index) {
            if slot.child == ROOT {
                *slot = edge;
                break;
            }
            index = (index + 1) & self.mask;
        }
        child
    }
}

/// FNV-1a over the segment (lowercased for a case-insensitive set), mixed with the parent.
fn edge_hash(parent: usize, segment: &str, case: RouteCase) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in segment.as_bytes() {
        let byte = match case {
            RouteCase::Sensitive => byte,
            RouteCase::Insensitive => byte.to_ascii_lowercase(),
        };
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash ^= (parent as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // Final avalanche so that the low bits used for the slot depend on every input bit.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

fn slot_of(hash: u64, mask: usize) -> usize {
    // Truncation is intended: only the low bits select the slot.
    (hash as usize) & mask
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

    fn walk(trie: &RouteTrie, segments: &[&str]) -> Option<usize> {
        segments
            .iter()
            .try_fold(RouteTrie::root(), |node, segment| trie.child(node, segment))
    }

    #[test]
    fn shared_segments_share_nodes_and_only_prefix_ends_are_terminal() {
        let trie = trie(&["/v1/bots", "/v1/rooms", "/v2"], RouteCase::Sensitive);
        assert_eq!(trie.terminal.len(), 5, "root, v1, bots, rooms, v2");
        let v1 = walk(&trie, &["v1"]).unwrap();
        assert!(!trie.is_terminal(v1));
        assert!(trie.is_terminal(walk(&trie, &["v1", "bots"]).unwrap()));
        assert!(trie.is_terminal(walk(&trie, &["v2"]).unwrap()));
        assert_eq!(walk(&trie, &["bots"]), None);
        assert_eq!(walk(&trie, &["v1", "Bots"]), None);
    }

    #[test]
    fn insensitive_trie_matches_any_case() {
        let trie = trie(&["/v1/bots"], RouteCase::Insensitive);
        assert!(trie.is_terminal(walk(&trie, &["V1", "BoTs"]).unwrap()));
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
            assert!(
                trie.is_terminal(walk(&trie, &[&first, "x"]).unwrap()),
                "{first}"
            );
        }
        assert_eq!(walk(&trie, &["r5000"]), None);
    }
}
