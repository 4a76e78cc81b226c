//! `tollgate-writers`: may this principal change a record with this writer list? Next to
//! `cedar-policy` evaluating the same rule.

use std::collections::{HashMap, HashSet};

use cedar_policy::{Context, Entities, Entity, EntityUid, Request, RestrictedExpression};
use tollgate::writers::{Actor, AdminOverride, WriterList};

use super::cedar::CedarCheck;
use super::{DISTINCT_INPUTS, Workload, same};

/// The writer rule in Cedar: an empty list is open to everyone, else only listed principals.
const WRITER_POLICY: &str = r#"
permit (principal, action == Action::"write", resource)
when { resource.writers.isEmpty() || resource.writers.contains(principal) };
"#;

/// How many principals ask, for a list of `size` writers: every writer up to
/// [`DISTINCT_INPUTS`] / 2 of them, and as many who are not on the list.
fn askers(size: usize) -> Vec<String> {
    let listed = size.min(DISTINCT_INPUTS / 2);
    let mut askers = Vec::with_capacity(2 * listed);
    for index in 0..listed {
        askers.push(writer(index.wrapping_mul(7919) % size));
        askers.push(format!("outsider{index:06}"));
    }
    askers
}

fn writer(index: usize) -> String {
    format!("user{index:06}")
}

/// Ours: `WriterList::permits`, a B-tree lookup.
pub struct WriterCheck {
    list: WriterList<String>,
    askers: Vec<String>,
}

impl WriterCheck {
    /// A list of `size` writers.
    pub fn new(size: usize) -> Self {
        Self {
            list: (0..size).map(writer).collect(),
            askers: askers(size),
        }
    }
}

impl Workload for WriterCheck {
    type Input = usize;
    type Output = bool;

    fn input(&self, iteration: usize) -> usize {
        iteration % self.askers.len()
    }

    fn run(&self, index: usize) -> bool {
        let actor = Actor::authenticated(self.askers[index].as_str());
        self.list
            .permits(actor, AdminOverride::NotRequested)
            .is_allowed()
    }
}

fn user(name: &str) -> EntityUid {
    format!(r#"User::"{name}""#)
        .parse()
        .expect("a valid entity id")
}

/// The peer: Cedar's authorizer over a `Record` entity whose `writers` attribute is the set of
/// listed `User`s, deciding one prebuilt request per asker.
pub fn cedar_writer_check(size: usize) -> CedarCheck {
    let record: EntityUid = r#"Record::"r""#.parse().expect("a valid entity id");
    let writers = RestrictedExpression::new_set(
        (0..size).map(|index| RestrictedExpression::new_entity_uid(user(&writer(index)))),
    );
    let attributes = HashMap::from([("writers".to_owned(), writers)]);
    let entity = Entity::new(record.clone(), attributes, HashSet::new()).expect("an entity");
    let write: EntityUid = r#"Action::"write""#.parse().expect("a valid entity id");
    let requests = askers(size)
        .iter()
        .map(|name| {
            Request::new(
                user(name),
                write.clone(),
                record.clone(),
                Context::empty(),
                None,
            )
            .expect("a valid request")
        })
        .collect();
    let entities = Entities::from_entities([entity], None).expect("valid entities");
    CedarCheck::new(WRITER_POLICY, entities, requests)
}

/// Both allow exactly the listed writers.
pub fn check_writers(ours: &WriterCheck, peer: &CedarCheck) -> Result<(), String> {
    for index in 0..ours.askers.len() {
        same(&ours.askers[index], ours.run(index), peer.run(index))?;
        same(&ours.askers[index], ours.run(index), index % 2 == 0)?;
    }
    Ok(())
}
