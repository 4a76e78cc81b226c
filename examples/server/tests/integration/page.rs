//! docs/server-api.md "Token page": `/` redirects to `/tokens`; the page, its style and its
//! script are served without a token, with a policy that allows only them.

use crate::support::{Backend, TestServer, send};

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; \
    frame-ancestors 'none'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_is_served_with_strict_headers_and_no_inline_code() {
    let server = TestServer::start(Backend::Sqlite, &[]).await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = no_redirects.get(server.url("/")).send().await.unwrap();
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()["location"], "/tokens");

    for (path, content_type) in [
        ("/tokens", "text/html; charset=utf-8"),
        ("/tokens.css", "text/css; charset=utf-8"),
        ("/tokens.js", "text/javascript; charset=utf-8"),
    ] {
        let reply = send(server.request(http::Method::GET, path)).await;
        reply.expect(200);
        for (name, value) in [
            ("content-type", content_type),
            ("content-security-policy", POLICY),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
        ] {
            assert_eq!(reply.header(name), Some(value), "{path}: {name}");
        }
    }
    let html = send(server.request(http::Method::GET, "/tokens"))
        .await
        .text;
    // Every script and style is a file of its own: the policy allows nothing inline.
    assert!(html.contains(r#"<script src="/tokens.js" defer></script>"#));
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains("<style") && !html.contains("style="));
    let handlers = html.split(" on").skip(1).filter(|rest| {
        let name_end = rest
            .find(|c: char| !c.is_ascii_lowercase())
            .unwrap_or(rest.len());
        name_end > 0 && rest[name_end..].starts_with('=')
    });
    assert_eq!(handlers.count(), 0, "an inline event handler");
    // Every field has its label.
    for id in html
        .split(r#" id=""#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
    {
        let is_field = html.contains(&format!(r#"<input id="{id}""#))
            || html.contains(&format!(r#"<select id="{id}""#))
            || html.contains(&format!(r#"<textarea id="{id}""#));
        if is_field {
            assert!(
                html.contains(&format!(r#"<label for="{id}""#)),
                "{id} has no label"
            );
        }
    }
    server.stop().await;
}
