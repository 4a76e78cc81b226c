//! docs/server-api.md "Paged lists": `limit` and `cursor` on every list, the `Link` header,
//! and grants applied before the page is cut.

use serde_json::{Value, json};

use crate::support::{KINDS, Reply, TestServer, text, unique_name};

const OPTIONAL: &[(&str, &str)] = &[("REQUIRE_ACCESS_TOKEN", "false")];

on_every_backend![
    records_come_100_at_a_time_and_links_visit_each_once,
    users_and_tokens_are_paged_by_name_and_by_age,
    limits_outside_1_to_1000_are_400,
    cursors_not_given_by_the_server_are_400,
    grants_filter_before_the_page_is_cut,
    anonymous_readers_page_too with OPTIONAL,
];

/// The target of a reply's `Link: <target>; rel="next"`, if it has one; asserts that the
/// header, when present, is exactly one such link to a path on this server.
pub(crate) fn next_target(reply: &Reply) -> Option<String> {
    let links = reply.header_all("link");
    assert!(links.len() <= 1, "{}: {links:?}", reply.request);
    let link = links.first()?;
    let target = link
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix(">; rel=\"next\""))
        .unwrap_or_else(|| panic!("{}: malformed Link {link:?}", reply.request));
    assert!(target.starts_with("/v1/"), "{link}");
    Some(target.to_owned())
}

/// Every item of the listing at `path`, read as a client would: each page, then the one its
/// `Link` names, until a page has none. Asserts that every page but the last holds `per_page`
/// items and the last at most that, and that the listing ends.
pub(crate) async fn follow(
    server: &TestServer,
    token: Option<&str>,
    path: &str,
    per_page: usize,
) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = Some(path.to_owned());
    let mut pages = 0;
    while let Some(target) = next {
        let reply = match token {
            Some(token) => server.get(token, &target).await,
            None => server.anonymous(http::Method::GET, &target, None).await,
        };
        reply.expect(200);
        let page = reply.body.as_array().unwrap().clone();
        next = next_target(&reply);
        match next {
            Some(_) => assert_eq!(page.len(), per_page, "{}", reply.request),
            None => assert!(page.len() <= per_page, "{}", reply.request),
        }
        items.extend(page);
        pages += 1;
        assert!(pages <= 1000, "the listing at {path} does not end");
    }
    items
}

/// The `field` of each item, as text (numbers written out).
fn fields(items: &[Value], field: &str) -> Vec<String> {
    items
        .iter()
        .map(|item| match &item[field] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// `count` subjects named `s000`, `s001`, ...: their order is the same in every collation.
async fn subjects(server: &TestServer, count: usize) -> Vec<String> {
    let names: Vec<String> = (0..count).map(|i| format!("s{i:03}")).collect();
    for name in &names {
        server.record(&server.admin_token, "subjects", name).await;
    }
    names
}

async fn records_come_100_at_a_time_and_links_visit_each_once(server: &TestServer) {
    let admin = &server.admin_token;
    let names = subjects(server, 150).await;
    // The first page: the default limit, and a Link that asks for the same limit.
    let first = server.get(admin, "/v1/subjects").await;
    first.expect(200);
    assert_eq!(fields(first.body.as_array().unwrap(), "name"), names[..100]);
    let next = next_target(&first).expect("a next page");
    assert!(next.starts_with("/v1/subjects?limit=100&cursor="), "{next}");
    // Following the links, at any page size, visits each record once, in name order.
    for per_page in [100, 1, 7, 50, 149, 150, 1000] {
        let path = format!("/v1/subjects?limit={per_page}");
        let all = follow(server, Some(admin), &path, per_page).await;
        assert_eq!(fields(&all, "name"), names, "limit={per_page}");
    }
    // Pages show records as `GET /v1/subjects/{name}` does.
    let one = server.get(admin, "/v1/subjects?limit=1").await.ok(200);
    assert_eq!(
        one,
        json!([{"name": "s000", "description": null, "writers": []}])
    );
    // Another kind is listed on its own, and an empty listing has no Link.
    let aspects = server.get(admin, "/v1/aspects").await;
    assert_eq!((aspects.status, &aspects.body), (200, &json!([])));
    assert_eq!(next_target(&aspects), None);
    // A record created behind the cursor is not seen; one ahead of it is, once.
    let page = server.get(admin, "/v1/subjects?limit=2").await;
    let next = next_target(&page).unwrap();
    server.record(admin, "subjects", "a-first").await;
    server.record(admin, "subjects", "s001a").await;
    let rest = follow(server, Some(admin), &next, 2).await;
    let mut expected = names[2..].to_vec();
    expected.insert(0, "s001a".to_owned());
    assert_eq!(fields(&rest, "name"), expected);
}

async fn users_and_tokens_are_paged_by_name_and_by_age(server: &TestServer) {
    let admin = &server.admin_token;
    // Users, created out of order and in mixed case: listed by name ignoring case.
    let mut names = vec!["admin".to_owned()];
    for i in (0..12).rev() {
        let name = if i % 2 == 0 {
            format!("u{i:02}")
        } else {
            format!("U{i:02}")
        };
        server.user(&name, "reader").await;
        names.push(name);
    }
    names[1..].sort_by_key(|name| name.to_ascii_lowercase());
    for per_page in [1, 5, 13, 100] {
        let path = format!("/v1/users?limit={per_page}");
        let all = follow(server, Some(admin), &path, per_page).await;
        assert_eq!(fields(&all, "name"), names, "limit={per_page}");
    }
    // Tokens: the caller's own, oldest first.
    let alice = server.user("alice", "editor").await;
    let mut ids = vec![server.id_of(&alice).await.to_string()];
    for _ in 0..9 {
        let body = json!({"name": unique_name("token")});
        let created = server.post(&alice, "/v1/tokens", body).await.ok(201);
        ids.push(created["id"].to_string());
        // Someone else's token in between is not in Alice's listing.
        server.token(admin, "read-only").await;
    }
    for per_page in [1, 3, 10, 11] {
        let path = format!("/v1/tokens?limit={per_page}");
        let all = follow(server, Some(&alice), &path, per_page).await;
        assert_eq!(fields(&all, "id"), ids, "limit={per_page}");
    }
    // Deleting the token a cursor points at does not lose the rest.
    let page = server.get(&alice, "/v1/tokens?limit=3").await;
    let next = next_target(&page).unwrap();
    server
        .delete(&alice, &format!("/v1/tokens/{}", ids[2]))
        .await
        .ok(204);
    let rest = follow(server, Some(&alice), &next, 3).await;
    assert_eq!(fields(&rest, "id"), ids[3..]);
}

/// Every list, as a caller allowed to read it.
fn lists(server: &TestServer) -> [(&'static str, &str); 4] {
    let admin = server.admin_token.as_str();
    [
        ("/v1/users", admin),
        ("/v1/tokens", admin),
        ("/v1/subjects", admin),
        ("/v1/aspects", admin),
    ]
}

async fn limits_outside_1_to_1000_are_400(server: &TestServer) {
    for (path, token) in lists(server) {
        for limit in [
            "0",
            "1001",
            "",
            "abc",
            "-1",
            "+5",
            "1.5",
            "10000000000000000000000",
            "%31",
        ] {
            let reply = server.get(token, &format!("{path}?limit={limit}")).await;
            reply.refused(400, "invalid_limit");
        }
        for query in ["limit", "limit=5&limit=5"] {
            let reply = server.get(token, &format!("{path}?{query}")).await;
            reply.refused(400, "invalid_limit");
        }
        for limit in ["1", "1000", "007"] {
            server
                .get(token, &format!("{path}?limit={limit}"))
                .await
                .expect(200);
        }
        // Other parameters are ignored, as before.
        server
            .get(token, &format!("{path}?unknown=1&LIMIT=0"))
            .await
            .expect(200);
    }
    // The caller is checked first: who may not list learns nothing from the query.
    let reader = server.user("reader", "reader").await;
    server
        .get(&reader, "/v1/users?limit=0")
        .await
        .insufficient_scope();
    server
        .get(&reader, "/v1/users?cursor=zz")
        .await
        .insufficient_scope();
}

/// `key` as the server writes cursors: lowercase hexadecimal.
fn cursor_of(key: &str) -> String {
    key.bytes().map(|byte| format!("{byte:02x}")).collect()
}

async fn cursors_not_given_by_the_server_are_400(server: &TestServer) {
    let admin = &server.admin_token;
    subjects(server, 3).await;
    server.record(admin, "aspects", "cpu").await;
    for (path, token) in lists(server) {
        let long = "ab".repeat(65);
        for cursor in ["", "z", "abc", "ZZ", "%41", "ff", "c328", &long] {
            let reply = server.get(token, &format!("{path}?cursor={cursor}")).await;
            reply.refused(400, "invalid_cursor");
        }
        let twice = format!("{path}?cursor=61&cursor=61");
        server
            .get(token, &twice)
            .await
            .refused(400, "invalid_cursor");
    }
    // Well-formed, but not a key of that list: a token id that is not a number or not
    // canonical, a user name key in upper case or with a space, a record name with a slash.
    for (path, key) in [
        ("/v1/tokens", "alice"),
        ("/v1/tokens", "07"),
        ("/v1/tokens", "-1"),
        ("/v1/tokens", "0"),
        ("/v1/users", "Admin"),
        ("/v1/users", "a b"),
        ("/v1/subjects", "a/b"),
        ("/v1/aspects", "a b"),
    ] {
        let reply = server
            .get(admin, &format!("{path}?cursor={}", cursor_of(key)))
            .await;
        reply.refused(400, "invalid_cursor");
    }
    // A key the server could have given starts the page after it, whether or not it exists.
    let after = server
        .get(admin, &format!("/v1/subjects?cursor={}", cursor_of("s000")))
        .await
        .ok(200);
    assert_eq!(fields(after.as_array().unwrap(), "name"), ["s001", "s002"]);
    let between = server
        .get(
            admin,
            &format!("/v1/subjects?cursor={}", cursor_of("s0005")),
        )
        .await
        .ok(200);
    assert_eq!(
        fields(between.as_array().unwrap(), "name"),
        ["s001", "s002"]
    );
}

async fn grants_filter_before_the_page_is_cut(server: &TestServer) {
    let admin = &server.admin_token;
    let names = subjects(server, 30).await;
    // Read on every third subject; write only, or another kind's name, reads nothing.
    let readable: Vec<String> = names.iter().step_by(3).cloned().collect();
    let mut grants = serde_json::Map::new();
    for name in &readable {
        grants.insert(format!("subjects/{name}"), json!(["read"]));
    }
    grants.insert("subjects/s001".into(), json!(["write", "delete"]));
    grants.insert("aspects/s002".into(), json!(["read"]));
    let body = json!({"name": "granted", "grants": grants});
    let created = server.post(admin, "/v1/tokens", body).await.ok(201);
    let granted = text(&created["token"]);
    for per_page in [1, 3, 4, 10, 100] {
        let path = format!("/v1/subjects?limit={per_page}");
        let all = follow(server, Some(&granted), &path, per_page).await;
        assert_eq!(fields(&all, "name"), readable, "limit={per_page}");
    }
    // Nothing readable of a kind: an empty page, no Link.
    server.record(admin, "aspects", "cpu").await;
    let aspects = server.get(&granted, "/v1/aspects?limit=1").await;
    assert_eq!((aspects.status, &aspects.body), (200, &json!([])));
    assert_eq!(next_target(&aspects), None);
    let body = json!({"name": "nothing", "grants": {}});
    let created = server.post(admin, "/v1/tokens", body).await.ok(201);
    let nothing = server.get(&text(&created["token"]), "/v1/subjects").await;
    assert_eq!((nothing.status, &nothing.body), (200, &json!([])));
    assert_eq!(next_target(&nothing), None);
}

async fn anonymous_readers_page_too(server: &TestServer) {
    let names = subjects(server, 5).await;
    let all = follow(server, None, "/v1/subjects?limit=2", 2).await;
    assert_eq!(fields(&all, "name"), names);
    for kind in KINDS {
        let bad = format!("/v1/{kind}?limit=0");
        let reply = server.anonymous(http::Method::GET, &bad, None).await;
        reply.refused(400, "invalid_limit");
    }
}
