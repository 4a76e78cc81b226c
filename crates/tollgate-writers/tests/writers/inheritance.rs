//! Property tests for inheritance: chains within the limit resolve to the root's list, cycles
//! are errors, and any parent graph gets the answer a straightforward walk gives.

use proptest::prelude::*;
use tollgate_writers::{DepthLimit, ResolveError, resolve};

use crate::graph::{Graph, Node, writers};

fn limit() -> impl Strategy<Value = DepthLimit> {
    (0..=12u32).prop_filter_map("at most the maximum", |hops| DepthLimit::new(hops).ok())
}

/// Records `0..hops` each inherit from the next; record `hops` owns `root`.
fn chain(hops: u32) -> Graph {
    let mut nodes: Vec<Node> = (1..=hops).map(Node::Parent).collect();
    nodes.push(Node::Own(writers(&["root-writer"])));
    Graph(nodes)
}

/// Records `0..tail` lead into a loop of `cycle` records: `tail..tail + cycle`.
fn lasso(tail: u32, cycle: u32) -> Graph {
    let last = tail + cycle - 1;
    Graph(
        (0..=last)
            .map(|i| Node::Parent(if i == last { tail } else { i + 1 }))
            .collect(),
    )
}

/// The same rules, written as a walk that remembers every record it visits.
fn remembered_walk(graph: &Graph, start: u32, limit: u32) -> Result<(u32, u32), ResolveError<u32>> {
    let node = |id: u32| graph.0.get(id as usize);
    let mut visited = vec![start];
    let mut current = start;
    loop {
        match node(current) {
            None if visited.len() == 1 => {
                return Err(ResolveError::UnknownRecord { record: current });
            }
            None => {
                let child = visited[visited.len() - 2];
                return Err(ResolveError::UnknownParent {
                    child,
                    parent: current,
                });
            }
            Some(Node::Own(_)) => return Ok((current, visited.len() as u32 - 1)),
            Some(Node::Parent(parent)) => {
                if visited.contains(parent) {
                    return Err(ResolveError::Cycle { record: *parent });
                }
                if visited.len() as u32 - 1 == limit {
                    return Err(ResolveError::TooDeep {
                        record: start,
                        limit,
                    });
                }
                visited.push(*parent);
                current = *parent;
            }
        }
    }
}

fn node(records: u32) -> impl Strategy<Value = Node> {
    prop_oneof![
        1 => Just(Node::Own(writers(&["w"]))),
        // Parents may point one or two past the end: missing records.
        4 => (0..records + 2).prop_map(Node::Parent),
    ]
}

fn graph() -> impl Strategy<Value = Graph> {
    (1..10u32).prop_flat_map(|records| {
        prop::collection::vec(node(records), records as usize).prop_map(Graph)
    })
}

proptest! {
    #[test]
    fn chains_up_to_the_limit_resolve_to_the_root(limit in limit(), shorter in 0..=12u32) {
        let hops = shorter.min(limit.get());
        let graph = chain(hops);
        let resolved = resolve(&graph, &0, limit).unwrap();
        prop_assert_eq!(*resolved.record(), hops);
        prop_assert_eq!(resolved.depth(), hops);
        prop_assert!(resolved.list().contains("root-writer"));
    }

    #[test]
    fn chains_past_the_limit_are_too_deep(limit in limit(), extra in 1..4u32) {
        let graph = chain(limit.get() + extra);
        prop_assert_eq!(
            resolve(&graph, &0, limit),
            Err(ResolveError::TooDeep { record: 0, limit: limit.get() })
        );
    }

    #[test]
    fn cycles_error(limit in limit(), tail in 0..8u32, cycle in 1..8u32) {
        let graph = lasso(tail, cycle);
        let result = resolve(&graph, &0, limit);
        // The loop closes at hop `tail + cycle`; the walk sees hops up to `limit + 1`.
        if tail + cycle <= limit.get() + 1 {
            prop_assert_eq!(result, Err(ResolveError::Cycle { record: tail }));
        } else {
            prop_assert_eq!(result, Err(ResolveError::TooDeep { record: 0, limit: limit.get() }));
        }
    }

    #[test]
    fn any_graph_matches_a_walk_that_remembers(graph in graph(), start in 0..11u32, limit in limit()) {
        let expected = remembered_walk(&graph, start, limit.get());
        let actual = resolve(&graph, &start, limit).map(|r| (*r.record(), r.depth()));
        prop_assert_eq!(actual, expected);
    }
}

#[test]
fn the_maximum_limit_still_classifies_a_long_cycle() {
    let max = DepthLimit::MAX.get();
    let graph = lasso(1, max);
    assert_eq!(
        resolve(&graph, &0, DepthLimit::MAX),
        Err(ResolveError::Cycle { record: 1 })
    );
}
