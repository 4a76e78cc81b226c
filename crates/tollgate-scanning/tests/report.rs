//! Reports: parsing within bounds, the token kept secret, and the answer's exact format.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use tollgate_scanning::{ItemError, Label, Report, ReportError, ReportLimits, answer};
use tollgate_token::TokenHash;

const LIMITS: ReportLimits = ReportLimits::DEFAULT;

fn parse_json(value: &serde_json::Value) -> Result<Report, ReportError> {
    Report::parse(value.to_string().as_bytes())
}

/// An item with a token of `len` bytes and the given other fields.
fn item_with(field: &str, len: usize) -> serde_json::Value {
    let mut item = json!({"token": "tg_x", "type": "t", "url": "u", "source": "s"});
    item[field] = json!("a".repeat(len));
    item
}

#[test]
fn github_shaped_reports_are_read() {
    let body = br#"[
        {"token":"NMIfyYncKcRALEXAMPLE","type":"mycompany_api_token","url":"https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/foo/bar.txt","source":"content"},
        {"token":"tg_second","type":"mycompany_api_token","url":"","source":"npm","new_field":{"nested":[1,2,3]}}
    ]"#;
    let report = Report::parse(body).unwrap();
    assert_eq!(report.len(), 2);
    let [first, second] = report.tokens() else {
        panic!("two tokens")
    };
    assert_eq!(first.expose_secret(), "NMIfyYncKcRALEXAMPLE");
    assert_eq!(first.token_type(), "mycompany_api_token");
    assert_eq!(
        first.url(),
        "https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/foo/bar.txt"
    );
    assert_eq!(first.source(), "content");
    assert_eq!(first.hash(), TokenHash::of("NMIfyYncKcRALEXAMPLE"));
    assert_eq!(second.expose_secret(), "tg_second");
    assert_eq!(second.url(), "");
    assert_eq!(second.source(), "npm");
}

#[test]
fn only_the_token_is_required() {
    let report = parse_json(&json!([
        {"token": "a"},
        {"token": "b", "type": null, "url": null, "source": null},
    ]))
    .unwrap();
    for token in report.tokens() {
        assert_eq!(
            (token.token_type(), token.url(), token.source()),
            ("", "", "")
        );
    }
    assert!(Report::parse(b"[]").unwrap().is_empty());
    assert!(Report::parse(b" [ ] \n").unwrap().is_empty());
    // Duplicates are kept: the server decides.
    assert_eq!(
        parse_json(&json!([{"token": "a"}, {"token": "a"}]))
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn debug_never_shows_the_token() {
    let secret = "tg_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1qHCnl";
    let report = parse_json(&json!([{"token": secret, "type": "tollgate", "url": "https://example.com/x", "source": "commit"}])).unwrap();
    for shown in [
        format!("{report:?}"),
        format!("{report:#?}"),
        format!("{:?}", report.tokens()[0]),
    ] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(!shown.contains("0123456789"), "{shown}");
        assert!(shown.contains("<redacted, 52 bytes>"), "{shown}");
        assert!(shown.contains("https://example.com/x"), "{shown}");
        assert!(shown.contains("tollgate"), "{shown}");
    }
}

#[test]
fn missing_tokens_are_refused_naming_the_item() {
    for item in [
        json!({"type": "t"}),
        json!({"token": null, "type": "t"}),
        json!({}),
    ] {
        assert_eq!(
            parse_json(&json!([{"token": "ok"}, item])).unwrap_err(),
            ReportError::Item {
                index: 1,
                reason: ItemError::MissingToken
            },
            "{item}"
        );
    }
}

#[test]
fn field_bounds() {
    let fields = [
        ("token", LIMITS.max_token_len, 512),
        ("type", LIMITS.max_type_len, 256),
        ("url", LIMITS.max_url_len, 2048),
        ("source", LIMITS.max_source_len, 256),
    ];
    for (field, max, documented) in fields {
        assert_eq!(max, documented);
        assert!(
            parse_json(&json!([item_with(field, max)])).is_ok(),
            "{field}"
        );
        assert_eq!(
            parse_json(&json!([{"token": "ok"}, {"token": "ok"}, item_with(field, max + 1)]))
                .unwrap_err(),
            ReportError::Item {
                index: 2,
                reason: ItemError::TooLong {
                    field,
                    len: max + 1,
                    max
                }
            },
            "{field}"
        );
    }
    let refusal = parse_json(&json!([item_with("token", 513)])).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "token 0 of the report: the token is 513 bytes, more than 512"
    );
    assert!(!refusal.is_too_large());
}

#[test]
fn item_count_bound() {
    let items = |n: usize| json!(vec![json!({"token": "tg_x", "type": "t"}); n]);
    assert_eq!(parse_json(&items(1000)).unwrap().len(), 1000);
    let refusal = parse_json(&items(1001)).unwrap_err();
    assert_eq!(refusal, ReportError::TooManyItems { max: 1000 });
    assert!(refusal.is_too_large());

    // The element past the limit is refused without being read: even one that is broken.
    let mut body = items(1000).to_string();
    body.pop();
    body.push_str(r#",{"token": 5}]"#);
    assert_eq!(
        Report::parse(body.as_bytes()).unwrap_err(),
        ReportError::TooManyItems { max: 1000 }
    );

    let few = ReportLimits {
        max_items: 2,
        ..ReportLimits::DEFAULT
    };
    assert_eq!(
        Report::parse_with(items(3).to_string().as_bytes(), &few).unwrap_err(),
        ReportError::TooManyItems { max: 2 }
    );
    assert!(Report::parse_with(items(2).to_string().as_bytes(), &few).is_ok());
    assert_eq!(ReportLimits::default(), ReportLimits::DEFAULT);
}

#[test]
fn body_size_bound() {
    let max = LIMITS.max_body_len;
    assert_eq!(max, 1024 * 1024);
    // Padding in an ignored field, to exactly the limit and one byte past it.
    let body_of = |len: usize| {
        let shell = r#"[{"token":"tg_x","padding":""}]"#;
        let padding = "x".repeat(len - shell.len());
        format!(r#"[{{"token":"tg_x","padding":"{padding}"}}]"#)
    };
    assert_eq!(body_of(max).len(), max);
    assert_eq!(Report::parse(body_of(max).as_bytes()).unwrap().len(), 1);
    let refusal = Report::parse(body_of(max + 1).as_bytes()).unwrap_err();
    assert_eq!(refusal, ReportError::TooLarge { len: max + 1, max });
    assert!(refusal.is_too_large());
}

#[test]
fn malformed_reports_are_refused_without_quoting_them() {
    let secret = "tg_SECRETSECRETSECRET";
    let cases: [&[u8]; 11] = [
        b"",
        b"not json",
        br#"{"token": "tg_SECRETSECRETSECRET"}"#,
        br#"["tg_SECRETSECRETSECRET"]"#,
        br#"[{"token": 42}]"#,
        br#"[{"token": ["tg_SECRETSECRETSECRET"]}]"#,
        br#"[{"token": "a", "url": 7}]"#,
        br#"[{"token": "tg_SECRETSECRETSECRET", "token": "b"}]"#,
        br#"[{"token": "a"}] [{"token": "tg_SECRETSECRETSECRET"}]"#,
        br#"[{"token": "a"},]"#,
        b"[{\"token\": \"\xff\xfe\"}]",
    ];
    for body in cases {
        let refusal = Report::parse(body).unwrap_err();
        assert!(
            matches!(refusal, ReportError::Malformed { .. }),
            "{body:?}: {refusal:?}"
        );
        assert!(!refusal.to_string().contains(secret), "{refusal}");
        assert!(!format!("{refusal:?}").contains(secret), "{refusal:?}");
    }
    assert_eq!(
        Report::parse(b"[{\"token\": 42}]").unwrap_err(),
        ReportError::Malformed {
            line: 1,
            column: 13
        }
    );
}

#[test]
fn answer_format_snapshot() {
    let report = parse_json(&json!([
        {"token": "abc", "type": "tollgate_api_token", "url": "https://example.com/a"},
        {"token": "", "type": "odd \"type\" \\ é\n"},
    ]))
    .unwrap();
    let labels = [Label::TruePositive, Label::FalsePositive];
    let body = answer(report.tokens().iter().zip(labels));
    assert_eq!(
        body,
        concat!(
            r#"[{"token_hash":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","token_type":"tollgate_api_token","label":"true_positive"},"#,
            r#"{"token_hash":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","token_type":"odd \"type\" \\ é\n","label":"false_positive"}]"#,
        )
    );
    // It is JSON, in the feedback shape, with no token in it.
    let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        parsed,
        json!([
            {"token_hash": TokenHash::of("abc").to_string(), "token_type": "tollgate_api_token", "label": "true_positive"},
            {"token_hash": TokenHash::of("").to_string(), "token_type": "odd \"type\" \\ é\n", "label": "false_positive"},
        ])
    );
    assert!(!body.contains("token_raw"));

    // From a slice of pairs, as a server may collect them.
    let decided: Vec<_> = report
        .tokens()
        .iter()
        .map(|t| (t, Label::FalsePositive))
        .collect();
    let from_pairs = answer(decided.iter().copied());
    assert_eq!(from_pairs.matches("false_positive").count(), 2);

    assert_eq!(answer([]), "[]");
}

#[test]
fn labels_are_the_two_allowed_strings() {
    assert_eq!(Label::TruePositive.as_str(), "true_positive");
    assert_eq!(Label::FalsePositive.to_string(), "false_positive");
}
