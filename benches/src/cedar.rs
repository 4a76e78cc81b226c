//! The `cedar-policy` side of the writer and scope comparisons: an authorizer, a policy set,
//! entities and prebuilt requests, of which only `is_authorized` is timed.

use cedar_policy::{Authorizer, Decision, Entities, PolicySet, Request};

use super::Workload;

/// Cedar deciding prebuilt requests against fixed policies and entities.
pub struct CedarCheck {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    requests: Vec<Request>,
}

impl CedarCheck {
    /// Parses `policies` (Cedar text) and keeps everything for the timed calls.
    pub fn new(policies: &str, entities: Entities, requests: Vec<Request>) -> Self {
        Self {
            authorizer: Authorizer::new(),
            policies: policies.parse().expect("valid Cedar policies"),
            entities,
            requests,
        }
    }
}

impl Workload for CedarCheck {
    type Input = usize;
    type Output = bool;

    fn input(&self, iteration: usize) -> usize {
        iteration % self.requests.len()
    }

    fn run(&self, index: usize) -> bool {
        let response =
            self.authorizer
                .is_authorized(&self.requests[index], &self.policies, &self.entities);
        response.decision() == Decision::Allow
    }
}
