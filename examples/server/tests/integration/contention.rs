//! Many clients writing at once, more than the server has database connections: each write
//! waits its turn, a few milliseconds each, and none is refused 503 for having waited past the
//! database timeout.
//!
//! A regression test: SQLite lets one writer in at a time and makes the others poll for its
//! lock with a growing back-off (up to 100 ms between tries), so with a pool of several
//! connections a write could keep missing its turn for a whole second although every turn was
//! short. The store now gives SQLite one writer connection, which serves writes in turn (the
//! store's own tests check that it does; reads have connections of their own). The database
//! timeout here is a few seconds, not the default second: the turns are milliseconds on a
//! quiet machine, and the test must not fail for a busy one.

use http::Method;
use serde_json::json;
use tokio::task::JoinSet;

use crate::support::{TestServer, send};

on_every_backend![concurrent_writers_all_get_their_turn with PATIENT];

const PATIENT: &[(&str, &str)] = &[("TOLLGATE_DATABASE_TIMEOUT", "3s")];

/// Clients writing at once.
const WRITERS: usize = 32;
/// Rounds of writes per client: each puts a sample under the shared aspect (whose row every
/// sample write locks) and changes its subject's description.
const ROUNDS: usize = 25;

async fn concurrent_writers_all_get_their_turn(server: &TestServer) {
    server.record(&server.admin_token, "aspects", "cpu").await;
    let subjects: Vec<String> = (0..WRITERS).map(|n| format!("host{n}")).collect();
    for subject in &subjects {
        server
            .record(&server.admin_token, "subjects", subject)
            .await;
    }
    let mut writers = JoinSet::new();
    for subject in subjects {
        let sample = server
            .request(Method::PUT, &format!("/v1/aspects/cpu/samples/{subject}"))
            .bearer_auth(&server.admin_token);
        let description = server
            .request(Method::PATCH, &format!("/v1/subjects/{subject}"))
            .bearer_auth(&server.admin_token);
        writers.spawn(async move {
            let mut refused = Vec::new();
            for round in 0..ROUNDS {
                let sample = sample
                    .try_clone()
                    .unwrap()
                    .json(&json!({"value": round.to_string()}));
                let description = description
                    .try_clone()
                    .unwrap()
                    .json(&json!({"description": round.to_string()}));
                for request in [sample, description] {
                    let reply = send(request).await;
                    if !(200..300).contains(&reply.status) {
                        refused.push(format!(
                            "{}: {} {}",
                            reply.request, reply.status, reply.text
                        ));
                    }
                }
            }
            refused
        });
    }
    let refused: Vec<String> = writers.join_all().await.into_iter().flatten().collect();
    assert!(
        refused.is_empty(),
        "{} refused, first: {:?}",
        refused.len(),
        refused.first()
    );
}
