//! docs/server-api.md "Records and writer lists": samples written while their aspect or subject is
//! being deleted. Whichever comes first, no sample may outlive either of its records, and no
//! request may fail with a server error (a deadlock or a lock wait surfacing as 500 or 503).

use http::Method;
use serde_json::json;
use sqlx::{AnyConnection, Connection, Row};
use tokio::task::JoinSet;

use crate::support::{Reply, TestServer, send};

on_every_backend![
    a_sample_never_outlives_its_deleted_aspect,
    a_sample_never_outlives_its_deleted_subject,
    samples_never_outlive_records_deleted_together,
];

/// How many times each race is run; each round uses records of its own.
const ROUNDS: usize = 12;

/// How many clients write samples at once during a round.
const WRITERS: usize = 6;

/// The most PUTs one writer sends in a round before giving up on seeing its record deleted.
const MAX_PUTS: usize = 400;

/// In each round, aspect `cpu{round}` and subject `host{round}` are created, writers PUT their
/// one sample over and over (half of them deleting it after each PUT, so that PUTs both insert
/// and update it), and the aspect is deleted among those requests.
async fn a_sample_never_outlives_its_deleted_aspect(server: &TestServer) {
    for round in 0..ROUNDS {
        let (aspect, subject) = (format!("cpu{round}"), format!("host{round}"));
        race(server, &[&aspect], &[&subject], &[("aspects", &aspect)]).await;
    }
}

/// As above, but the subject is deleted.
async fn a_sample_never_outlives_its_deleted_subject(server: &TestServer) {
    for round in 0..ROUNDS {
        let (aspect, subject) = (format!("cpu{round}"), format!("host{round}"));
        race(server, &[&aspect], &[&subject], &[("subjects", &subject)]).await;
    }
}

/// Two aspects and two subjects, the four samples they make written at once, and all four
/// records deleted at once: deletes of aspects and of subjects that share samples must not
/// deadlock one another or the writers.
async fn samples_never_outlive_records_deleted_together(server: &TestServer) {
    for round in 0..ROUNDS {
        let aspects = [format!("cpu{round}"), format!("mem{round}")];
        let subjects = [format!("host{round}"), format!("peer{round}")];
        let aspects = [aspects[0].as_str(), aspects[1].as_str()];
        let subjects = [subjects[0].as_str(), subjects[1].as_str()];
        let deleted = [
            ("subjects", subjects[1]),
            ("aspects", aspects[0]),
            ("subjects", subjects[0]),
            ("aspects", aspects[1]),
        ];
        race(server, &aspects, &subjects, &deleted).await;
    }
}

/// Creates `aspects` and `subjects` and one sample for each pair, then, all at once, has
/// [`WRITERS`] clients per sample PUT it until its aspect or subject is gone, and deletes each
/// record in `deleted` (a kind and a name). Asserts that every request was answered as the
/// API says (a PUT 200, 201 or 404; a sample's DELETE 204 or 404; a record's DELETE 204) and
/// that no sample of a deleted record is left, neither in the database nor through the API.
async fn race(server: &TestServer, aspects: &[&str], subjects: &[&str], deleted: &[(&str, &str)]) {
    let admin = &server.admin_token;
    for aspect in aspects {
        server.record(admin, "aspects", aspect).await;
    }
    for subject in subjects {
        server.record(admin, "subjects", subject).await;
    }
    let samples: Vec<String> = aspects
        .iter()
        .flat_map(|aspect| {
            subjects
                .iter()
                .map(move |subject| format!("/v1/aspects/{aspect}/samples/{subject}"))
        })
        .collect();
    for sample in &samples {
        server
            .put(admin, sample, json!({"value": "0"}))
            .await
            .ok(201);
    }

    // Every answer the API does not allow, as "request: status body".
    let mut wrong = Vec::new();
    let mut writers = JoinSet::new();
    for sample in &samples {
        for writer in 0..WRITERS {
            let (client, url, token) = (server.client.clone(), server.url(sample), admin.clone());
            writers.spawn(async move {
                for put in 0..MAX_PUTS {
                    let request = client
                        .request(Method::PUT, &url)
                        .bearer_auth(&token)
                        .json(&json!({"value": format!("{writer}.{put}")}));
                    let reply = send(request).await;
                    match reply.status {
                        200 | 201 => {}
                        404 => return None,
                        _ => return Some(described(&reply)),
                    }
                    // Half the writers also delete the sample, so that the next PUT inserts it.
                    if writer % 2 == 1 {
                        let request = client.request(Method::DELETE, &url).bearer_auth(&token);
                        let reply = send(request).await;
                        if !matches!(reply.status, 204 | 404) {
                            return Some(described(&reply));
                        }
                    }
                }
                None
            });
        }
    }
    // Let the writers get going, so that the deletes land among their PUTs.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut deletes = JoinSet::new();
    for (index, (kind, name)) in deleted.iter().enumerate() {
        let request = server
            .request(Method::DELETE, &format!("/v1/{kind}/{name}"))
            .bearer_auth(admin);
        deletes.spawn(async move { (index, send(request).await) });
    }
    // The records whose DELETE succeeded, as (kind, name).
    let mut gone = Vec::new();
    for (index, reply) in deletes.join_all().await {
        if reply.status == 204 {
            gone.push(deleted[index]);
        } else {
            wrong.push(described(&reply));
        }
    }
    wrong.extend(writers.join_all().await.into_iter().flatten());

    for sample in &samples {
        let parts: Vec<&str> = sample.split('/').collect();
        let (aspect, subject) = (parts[3], parts[5]);
        if gone.contains(&("aspects", aspect)) || gone.contains(&("subjects", subject)) {
            let reply = server.get(admin, sample).await;
            if reply.status != 404 {
                wrong.push(described(&reply));
            }
        }
    }
    let orphans = orphan_samples(&server.database_url).await;
    assert!(
        orphans.is_empty() && wrong.is_empty(),
        "samples left without their aspect or subject: {orphans:?}; wrong answers: {wrong:#?}"
    );

    // The records left standing go too, so that the next round starts from nothing.
    for aspect in aspects {
        let path = format!("/v1/aspects/{aspect}");
        if !deleted.contains(&("aspects", aspect)) {
            server.delete(admin, &path).await.ok(204);
        }
    }
    for subject in subjects {
        let path = format!("/v1/subjects/{subject}");
        if !deleted.contains(&("subjects", subject)) {
            server.delete(admin, &path).await.ok(204);
        }
    }
}

/// `reply` in a line: the request, the status and the body.
fn described(reply: &Reply) -> String {
    format!("{}: {} {}", reply.request, reply.status, reply.text)
}

/// Every stored sample whose aspect or subject does not exist, as (aspect, subject).
async fn orphan_samples(database_url: &str) -> Vec<(String, String)> {
    let mut connection = AnyConnection::connect(database_url).await.unwrap();
    let rows = sqlx::query(
        "SELECT aspect, subject FROM example_samples AS s
         WHERE NOT EXISTS (SELECT 1 FROM example_records AS r
                           WHERE r.kind = 'aspects' AND r.name = s.aspect)
            OR NOT EXISTS (SELECT 1 FROM example_records AS r
                           WHERE r.kind = 'subjects' AND r.name = s.subject)",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    connection.close().await.unwrap();
    rows.iter()
        .map(|row| (row.get("aspect"), row.get("subject")))
        .collect()
}
