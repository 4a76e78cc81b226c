//! docs/server-api.md "Records and writer lists": subjects and aspects, created, read, changed
//! and deleted.

use serde_json::{Value, json};

use crate::support::{KINDS, TestServer};

on_every_backend![
    create_read_update_delete,
    names_are_unique_per_kind_ignoring_case,
    bad_names_are_400,
    descriptions_are_limited_to_4096_characters,
    unknown_records_are_404,
    concurrent_creations_of_one_name_make_one_record,
];

async fn create_read_update_delete(server: &TestServer) {
    let admin = &server.admin_token;
    let reader = server.user("reader", "reader").await;
    for kind in KINDS {
        let base = format!("/v1/{kind}");
        let created = server
            .post(
                admin,
                &base,
                json!({"name": "beta", "description": "second"}),
            )
            .await
            .ok(201);
        assert_eq!(
            created,
            json!({"name": "beta", "description": "second", "writers": []})
        );
        let created = server
            .post(admin, &base, json!({"name": "alpha"}))
            .await
            .ok(201);
        assert_eq!(
            created,
            json!({"name": "alpha", "description": null, "writers": []})
        );

        // Readers read, in name order.
        let listed = server.get(&reader, &base).await.ok(200);
        assert_eq!(
            listed,
            json!([
                {"name": "alpha", "description": null, "writers": []},
                {"name": "beta", "description": "second", "writers": []},
            ])
        );
        let one = server.get(&reader, &format!("{base}/beta")).await.ok(200);
        assert_eq!(one["description"], "second");

        let patched = server
            .patch(
                admin,
                &format!("{base}/alpha"),
                json!({"description": "first"}),
            )
            .await
            .ok(200);
        assert_eq!(
            patched,
            json!({"name": "alpha", "description": "first", "writers": []})
        );
        let one = server.get(admin, &format!("{base}/alpha")).await.ok(200);
        assert_eq!(one["description"], "first");
        let cleared = server
            .patch(
                admin,
                &format!("{base}/alpha"),
                json!({"description": null}),
            )
            .await
            .ok(200);
        assert_eq!(cleared["description"], Value::Null);

        server.delete(admin, &format!("{base}/alpha")).await.ok(204);
        server
            .get(admin, &format!("{base}/alpha"))
            .await
            .refused(404, "not_found");
        let listed = server.get(admin, &base).await.ok(200);
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
    }
}

async fn names_are_unique_per_kind_ignoring_case(server: &TestServer) {
    let admin = &server.admin_token;
    for kind in KINDS {
        server.record(admin, kind, "cpu").await;
        for duplicate in ["cpu", "CPU", "Cpu"] {
            server
                .post(admin, &format!("/v1/{kind}"), json!({"name": duplicate}))
                .await
                .refused(409, "duplicate_name");
        }
        let listed = server.get(admin, &format!("/v1/{kind}")).await.ok(200);
        assert_eq!(
            listed,
            json!([{"name": "cpu", "description": null, "writers": []}])
        );
    }
}

async fn bad_names_are_400(server: &TestServer) {
    let admin = &server.admin_token;
    let too_long = "r".repeat(61);
    for kind in KINDS {
        for bad in [
            "",
            "a b",
            "a.b",
            "a/b",
            "a%2Fb",
            "é",
            "a\nb",
            " a",
            too_long.as_str(),
        ] {
            server
                .post(admin, &format!("/v1/{kind}"), json!({"name": bad}))
                .await
                .refused(400, "invalid_name");
        }
        server.record(admin, kind, &"r".repeat(60)).await;
        server.record(admin, kind, "Mixed_Case-09").await;
        let listed = server.get(admin, &format!("/v1/{kind}")).await.ok(200);
        assert_eq!(listed.as_array().map(Vec::len), Some(2));
    }
}

async fn descriptions_are_limited_to_4096_characters(server: &TestServer) {
    let admin = &server.admin_token;
    // Characters, not bytes: 4096 two-byte characters fit.
    let longest = "é".repeat(4096);
    let too_long = "d".repeat(4097);
    for kind in KINDS {
        let base = format!("/v1/{kind}");
        server
            .post(
                admin,
                &base,
                json!({"name": "long", "description": longest}),
            )
            .await
            .ok(201);
        server
            .post(
                admin,
                &base,
                json!({"name": "longer", "description": too_long}),
            )
            .await
            .refused(400, "invalid_description");
        server
            .patch(
                admin,
                &format!("{base}/long"),
                json!({"description": too_long}),
            )
            .await
            .refused(400, "invalid_description");
        let kept = server.get(admin, &format!("{base}/long")).await.ok(200);
        assert_eq!(kept["description"], longest);
        server
            .get(admin, &format!("{base}/longer"))
            .await
            .refused(404, "not_found");
    }
}

async fn unknown_records_are_404(server: &TestServer) {
    let admin = &server.admin_token;
    for kind in KINDS {
        let path = format!("/v1/{kind}/ghost");
        server.get(admin, &path).await.refused(404, "not_found");
        server
            .patch(admin, &path, json!({"description": "x"}))
            .await
            .refused(404, "not_found");
        server.delete(admin, &path).await.refused(404, "not_found");
        for writers in [format!("{path}/writers"), format!("{path}/writers/admin")] {
            server
                .delete(admin, &writers)
                .await
                .refused(404, "not_found");
        }
        server
            .get(admin, &format!("{path}/writers"))
            .await
            .refused(404, "not_found");
        server
            .post(admin, &format!("{path}/writers"), json!(["admin"]))
            .await
            .refused(404, "not_found");
    }
}

async fn concurrent_creations_of_one_name_make_one_record(server: &TestServer) {
    for kind in KINDS {
        let bodies = ["disk", "DISK", "Disk", "dIsK", "disK", "DiSk"]
            .map(|name| json!({"name": name}))
            .to_vec();
        server
            .assert_one_created(&format!("/v1/{kind}"), bodies)
            .await;
        let listed = server
            .get(&server.admin_token, &format!("/v1/{kind}"))
            .await
            .ok(200);
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
    }
}
