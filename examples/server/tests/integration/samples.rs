//! docs/server-api.md "Records and writer lists": samples, which use their aspect's writer list.

use serde_json::json;

use crate::support::TestServer;

on_every_backend![
    samples_are_created_replaced_read_and_deleted,
    samples_inherit_their_aspects_writers_not_their_subjects,
    aspect_and_subject_must_exist,
    deleting_a_record_deletes_its_samples,
];

const SAMPLE: &str = "/v1/aspects/cpu/samples/host1";

async fn samples_are_created_replaced_read_and_deleted(server: &TestServer) {
    let editor = server.user("editor", "editor").await;
    let reader = server.user("reader", "reader").await;
    server.subject_and_aspect(&editor).await;
    let created = server
        .put(&editor, SAMPLE, json!({"value": "42"}))
        .await
        .ok(201);
    assert_eq!(
        created,
        json!({"aspect": "cpu", "subject": "host1", "value": "42"})
    );
    let replaced = server
        .put(&editor, SAMPLE, json!({"value": "43"}))
        .await
        .ok(200);
    assert_eq!(replaced["value"], "43");
    let read = server.get(&reader, SAMPLE).await.ok(200);
    assert_eq!(
        read,
        json!({"aspect": "cpu", "subject": "host1", "value": "43"})
    );
    server
        .put(&reader, SAMPLE, json!({"value": "0"}))
        .await
        .insufficient_scope();
    server.delete(&reader, SAMPLE).await.insufficient_scope();
    server.delete(&editor, SAMPLE).await.ok(204);
    server.get(&reader, SAMPLE).await.refused(404, "not_found");
    server
        .delete(&editor, SAMPLE)
        .await
        .refused(404, "not_found");
}

async fn samples_inherit_their_aspects_writers_not_their_subjects(server: &TestServer) {
    let alice = server.user("alice", "editor").await;
    let bob = server.user("bob", "editor").await;
    let carol = server.user("carol", "editor").await;
    server.subject_and_aspect(&alice).await;
    server.record(&alice, "aspects", "mem").await;
    server
        .add_writers(&alice, "aspects", "cpu", &["alice"])
        .await;
    server
        .add_writers(&carol, "subjects", "host1", &["carol"])
        .await;

    // Aspect `cpu` lists Alice: only she writes its samples. Carol writes the subject, which
    // gives her nothing over the sample.
    server
        .put(&alice, SAMPLE, json!({"value": "1"}))
        .await
        .ok(201);
    for other in [&bob, &carol] {
        server
            .put(other, SAMPLE, json!({"value": "2"}))
            .await
            .not_a_writer();
        server.delete(other, SAMPLE).await.not_a_writer();
    }
    server
        .put(&server.admin_token, SAMPLE, json!({"value": "2"}))
        .await
        .not_a_writer();
    // The administrator's override reaches samples too.
    let overridden = format!("{SAMPLE}?override=admin");
    server
        .put(&server.admin_token, &overridden, json!({"value": "3"}))
        .await
        .ok(200);
    server
        .put(&bob, &overridden, json!({"value": "4"}))
        .await
        .not_a_writer();
    assert_eq!(server.get(&bob, SAMPLE).await.ok(200)["value"], "3");

    // Aspect `mem` is open: anyone who may edit writes its samples, whatever the subject's list.
    let mem = "/v1/aspects/mem/samples/host1";
    server.put(&bob, mem, json!({"value": "5"})).await.ok(201);
    server.delete(&bob, mem).await.ok(204);

    // A change to the aspect's list applies to its samples at once.
    server.add_writers(&alice, "aspects", "cpu", &["bob"]).await;
    server
        .put(&bob, SAMPLE, json!({"value": "6"}))
        .await
        .ok(200);
    server
        .delete(&server.admin_token, &overridden)
        .await
        .ok(204);
}

async fn aspect_and_subject_must_exist(server: &TestServer) {
    let admin = &server.admin_token;
    server.subject_and_aspect(admin).await;
    for path in [
        "/v1/aspects/ghost/samples/host1",
        "/v1/aspects/cpu/samples/ghost",
    ] {
        server
            .put(admin, path, json!({"value": "1"}))
            .await
            .refused(404, "not_found");
        server.get(admin, path).await.refused(404, "not_found");
    }
    server
        .delete(admin, "/v1/aspects/ghost/samples/host1")
        .await
        .refused(404, "not_found");
}

async fn deleting_a_record_deletes_its_samples(server: &TestServer) {
    let admin = &server.admin_token;
    for deleted in ["/v1/aspects/cpu", "/v1/subjects/host1"] {
        server.subject_and_aspect(admin).await;
        server
            .put(admin, SAMPLE, json!({"value": "1"}))
            .await
            .ok(201);
        server.delete(admin, deleted).await.ok(204);
        // Recreated under the same name, it has no samples from before.
        let name = deleted.rsplit('/').next().unwrap();
        let kind = deleted.split('/').nth(2).unwrap();
        server.record(admin, kind, name).await;
        server.get(admin, SAMPLE).await.refused(404, "not_found");
        server.delete(admin, "/v1/aspects/cpu").await.ok(204);
        server.delete(admin, "/v1/subjects/host1").await.ok(204);
    }
}
