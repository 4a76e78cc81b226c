//! A record store for tests: records numbered by position, each with its own list, a parent,
//! or (past the end) missing.

use tollgate_writers::{Protection, ProtectionLookup, WriterList};

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Own(WriterList<String>),
    Parent(u32),
}

#[derive(Debug, Clone)]
pub(crate) struct Graph(pub(crate) Vec<Node>);

impl ProtectionLookup<u32> for Graph {
    type Principal = String;

    fn protection(&self, record: &u32) -> Option<Protection<'_, u32, String>> {
        let index = usize::try_from(*record).ok()?;
        Some(match self.0.get(index)? {
            Node::Own(list) => Protection::Own(list),
            Node::Parent(parent) => Protection::InheritsFrom(parent),
        })
    }
}

pub(crate) fn writers(names: &[&str]) -> WriterList<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}
