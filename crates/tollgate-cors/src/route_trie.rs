//! A segment trie whose edges live in one open-addressing hash table.
//!
//! Each edge is keyed by (parent node, segment bytes). Looking up a child costs one hash of the
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
    /// Range of the segment bytes in `RouteTrie::segments`.
    start: usize,
    len: usize,
    /// A listed prefix ends at `child` (kept here to save a memory access per step).
    terminal: bool,
}

/// One step down the trie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    /// The node reached.
    pub(crate) node: usize,
    /// Whether a listed prefix ends there.
    pub(crate) terminal: bool,
}

/// The trie of a listed route set.
#[derive(Debug, Clone)]
pub(crate) struct RouteTrie {
    edges: Vec<Edge>,
    mask: usize,
    /// `64 - log2(capacity)`: shifts a hash down to a slot index.
    shift: u32,
    node_count: usize,
    /// Every stored segment, concatenated (lowercased for a case-insensitive set).
    segments: Vec<u8>,
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
            shift: u64::BITS - capacity.trailing_zeros(),
            node_count: 1,
            segments: Vec::new(),
            case,
        };
        for prefix in prefixes {
            let mut node = ROOT;
            let mut last_slot = None;
            for segment in prefix.segments().map(str::as_bytes) {
                let slot = match trie.find(node, segment) {
                    Some(slot) => slot,
                    None => trie.insert(node, segment),
                };
                node = trie.edges.get(slot).map_or(ROOT, |edge| edge.child);
                last_slot = Some(slot);
            }
            if let Some(edge) = last_slot.and_then(|slot| trie.edges.get_mut(slot)) {
                edge.terminal = true;
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
        let edge = self.edges.get(self.find(node, segment)?)?;
        Some(Step {
            node: edge.child,
            terminal: edge.terminal,
        })
    }

    /// The slot of the edge from `node` along `segment`.
    fn find(&self, node: usize, segment: &[u8]) -> Option<usize> {
        let hash = edge_hash(node, segment, self.case);
        let mut index = slot_of(hash, self.shift);
        loop {
            let edge = self.edges.get(index)?;
            if edge.child == ROOT {
                return None;
            }
            if edge.hash == hash && edge.parent == node && self.segment_matches(edge, segment) {
                return Some(index);
            }
            index = (index + 1) & self.mask;
        }
    }

    fn segment_matches(&self, edge: &Edge, segment: &[u8]) -> bool {
        let Some(stored) = self.segments.get(edge.start..edge.start + edge.len) else {
            return false;
        };
        match self.case {
            // A plain loop: segments are short, and a library `memcmp` call costs more.
            RouteCase::Sensitive => {
                stored.len() == segment.len() && stored.iter().zip(segment).all(|(a, b)| a == b)
            }
            RouteCase::Insensitive => stored.eq_ignore_ascii_case(segment),
        }
    }

    /// Adds a new child of `parent`; returns its slot.
    fn insert(&mut self, parent: usize, segment: &[u8]) -> usize {
        let child = self.node_count;
        self.node_count += 1;
        let hash = edge_hash(parent, segment, self.case);
        let edge = Edge {
            hash,
            parent,
            child,
            start: self.segments.len(),
            len: segment.len(),
            terminal: false,
        };
        self.segments.extend_from_slice(segment);
        let mut index = slot_of(hash, self.shift);
        // The table is at most half full, so an empty slot is always found.
        while let Some(slot) = self.edges.get_mut(index) {
            if slot.child == ROOT {
                *slot = edge;
                break;
            }
            index = (index + 1) & self.mask;
        }
        index
    }
}

/// Multiplicative hashing (as in FxHash): each 8-byte word of the segment (lowercased for a
/// case-insensitive set; the last word zero-padded) is folded in with one multiplication. The
/// parent and the length seed the state, so every (parent, segment) edge has its own hash.
/// Words are assembled from fixed-size chunks and shifts, never a variable-length copy, so no
/// `memcpy` call is made per word.
fn edge_hash(parent: usize, segment: &[u8], case: RouteCase) -> u64 {
    const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;
    let byte = |b: u8| match case {
        RouteCase::Sensitive => b,
        RouteCase::Insensitive => b.to_ascii_lowercase(),
    };
    let fold = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    let mut hash = (parent as u64) ^ ((segment.len() as u64) << 48);
    let mut chunks = segment.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        for (slot, &b) in word.iter_mut().zip(chunk) {
            *slot = byte(b);
        }
        hash = fold(hash, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let word = rest
            .iter()
            .rev()
            .fold(0u64, |word, &b| (word << 8) | u64::from(byte(b)));
        hash = fold(hash, word);
    }
    hash
}

/// The high bits of a multiplicative hash are its best mixed, so they pick the slot.
fn slot_of(hash: u64, shift: u32) -> usize {
    // Truncation cannot happen: the shifted value is below the table's capacity.
    (hash >> shift) as usize
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
    fn edge_hash_reads_zero_padded_little_endian_words() {
        let reference = |parent: usize, segment: &[u8]| {
            let mut hash = (parent as u64) ^ ((segment.len() as u64) << 48);
            for chunk in segment.chunks(8) {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word))
                    .wrapping_mul(0x517c_c1b7_2722_0a95);
            }
            hash
        };
        for segment in [
            "",
            "a",
            "v1",
            "resource517",
            "exactly8",
            "sixteen-bytes-ok",
            "x".repeat(21).as_str(),
        ] {
            assert_eq!(
                edge_hash(3, segment.as_bytes(), RouteCase::Sensitive),
                reference(3, segment.as_bytes()),
                "{segment}"
            );
            assert_eq!(
                edge_hash(
                    3,
                    segment.to_ascii_uppercase().as_bytes(),
                    RouteCase::Insensitive
                ),
                reference(3, segment.as_bytes()),
                "{segment}"
            );
        }
    }

    #[test]
    fn shared_segments_share_nodes_and_only_prefix_ends_are_terminal() {
        let trie = trie(&["/v1/bots", "/v1/rooms", "/v2"], RouteCase::Sensitive);
        assert_eq!(trie.node_count, 5, "root, v1, bots, rooms, v2");
        assert!(!walk(&trie, &["v1"]).unwrap().terminal);
        assert!(walk(&trie, &["v1", "bots"]).unwrap().terminal);
        assert!(walk(&trie, &["v2"]).unwrap().terminal);
        assert_eq!(walk(&trie, &["bots"]), None);
        assert_eq!(walk(&trie, &["v1", "Bots"]), None);
    }

    #[test]
    fn a_prefix_listed_after_a_longer_one_marks_the_existing_node() {
        let trie = trie(&["/v1/bots/x", "/v1/bots"], RouteCase::Sensitive);
        assert_eq!(trie.node_count, 4);
        assert!(walk(&trie, &["v1", "bots"]).unwrap().terminal);
        assert!(walk(&trie, &["v1", "bots", "x"]).unwrap().terminal);
    }

    #[test]
    fn insensitive_trie_matches_any_case() {
        let trie = trie(&["/v1/bots"], RouteCase::Insensitive);
        assert!(walk(&trie, &["V1", "BoTs"]).unwrap().terminal);
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
