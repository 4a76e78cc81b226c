//! With the `serde` feature, validated types serialize as their text and deserialize through
//! the same validation.

use tollgate_cors::{AllowedOrigins, Origin, OriginPattern, RoutePrefix};

#[test]
fn types_serialize_as_their_normalised_text() {
    let origins =
        AllowedOrigins::from_env_value("https://App.example.com, https://*.example.org").unwrap();
    assert_eq!(
        serde_json::to_string(&origins).unwrap(),
        r#"["https://app.example.com","https://*.example.org"]"#
    );
    let prefix = RoutePrefix::parse("/v1/bots/").unwrap();
    assert_eq!(serde_json::to_string(&prefix).unwrap(), r#""/v1/bots""#);
}

#[test]
fn deserializing_validates() {
    let origin: Origin = serde_json::from_str(r#""HTTPS://A.example.com:443""#).unwrap();
    assert_eq!(origin.as_str(), "https://a.example.com");
    assert!(serde_json::from_str::<Origin>(r#""null""#).is_err());
    assert!(serde_json::from_str::<OriginPattern>(r#""https://*.com""#).is_err());
    assert!(serde_json::from_str::<RoutePrefix>(r#""v1/bots""#).is_err());
    let origins: AllowedOrigins =
        serde_json::from_str(r#"["https://a.example.com", "*"]"#).unwrap();
    assert!(origins.is_any());
}
