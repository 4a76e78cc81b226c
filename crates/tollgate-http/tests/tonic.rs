//! The layers in a real gRPC server (tonic, over loopback), called by a real gRPC client: a
//! valid token's call succeeds, and refusals reach the client as gRPC statuses
//! (`UNAUTHENTICATED`, `PERMISSION_DENIED`) with the `WWW-Authenticate` challenge in the
//! status's metadata. gRPC-Web calls from a page pass the CORS layer, preflights included.
//!
//! Body types: tonic's server hands requests over with `tonic::body::Body`, which the
//! [`AuthLayer`] cannot rebuild from bytes (it needs `From<Bytes>`), and tonic's services answer
//! with it too, which the layers cannot make a refusal of (they need `From<String>`). axum's
//! body can do both, so the layers run on axum's body between two conversions:
//!
//! ```text
//! Server::builder().layer(
//!     ServiceBuilder::new()
//!         .map_request(|request: Request<tonic::body::Body>| request.map(axum::body::Body::new))
//!         .layer(cors).layer(auth).layer(scope)
//!         .map_response(|response: Response<tonic::body::Body>| response.map(axum::body::Body::new)),
//! )
//! .add_service(service)
//! ```
//!
//! or, the same in axum's terms, `Routes::new(service).into_axum_router()` with the layers
//! added by `Router::layer`, served by `Server::builder().serve(addr, router)`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::Utc;
use http::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tollgate_cors::CorsPolicy;
use tollgate_http::{AuthLayer, CorsLayer, Realm, Refusal, ScopeLayer, TokenRequirement, refusal};
use tollgate_scope::{Limits, Operation, Role, Scope};
use tollgate_store::{MemoryStorage, TokenRequest, TokenService, UserName};
use tollgate_token::{TokenFormat, TokenName};
use tonic::Code;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Server};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_web::GrpcWebLayer;
use tower::ServiceBuilder;

/// The page allowed to call the service with gRPC-Web.
const PAGE: &str = "https://app.example.com";

/// Tokens of one editor: `writer` (edit), `reader` (read-only), `limited` (edit, once a
/// minute), and `unknown`, well formed but from another service's store.
struct Tokens {
    service: Arc<TokenService<MemoryStorage>>,
    writer: String,
    reader: String,
    limited: String,
    unknown: String,
}

/// A token service holding one editor's tokens with these names and limits, and their secrets.
async fn service_with(
    tokens: Vec<(&str, Limits)>,
) -> (Arc<TokenService<MemoryStorage>>, Vec<String>) {
    let service = Arc::new(TokenService::new(
        MemoryStorage::new(),
        TokenFormat::new("tg").unwrap(),
    ));
    let now = Utc::now();
    let alice = UserName::new("alice").unwrap();
    service
        .create_user(alice.clone(), Role::Editor, now)
        .await
        .unwrap();
    let mut secrets = Vec::new();
    for (name, limits) in tokens {
        let request = TokenRequest::new(alice.clone(), TokenName::new(name).unwrap(), limits);
        let created = service.create_token(&request, now).await.unwrap();
        secrets.push(created.secret.expose_secret().to_owned());
    }
    (service, secrets)
}

async fn tokens() -> Tokens {
    let once_a_minute = Limits {
        rate_limit: Some("1/min".parse().unwrap()),
        ..Limits::new(Scope::Edit)
    };
    let (service, secrets) = service_with(vec![
        ("writer", Limits::new(Scope::Edit)),
        ("reader", Limits::new(Scope::ReadOnly)),
        ("limited", once_a_minute),
    ])
    .await;
    let (_, elsewhere) = service_with(vec![("writer", Limits::new(Scope::Edit))]).await;
    let [writer, reader, limited] = <[String; 3]>::try_from(secrets).unwrap();
    Tokens {
        service,
        writer,
        reader,
        limited,
        unknown: elsewhere.into_iter().next().unwrap(),
    }
}

/// The CORS policy of a page calling the health service with gRPC-Web: the request headers
/// gRPC-Web clients send, and the response headers the page must read to learn why a call
/// failed.
fn cors() -> CorsLayer {
    let policy = CorsPolicy::builder()
        .routes("/grpc.health.v1.Health")
        .allowed_origins(PAGE)
        .allowed_methods(["POST"])
        .allowed_headers([
            "authorization",
            "content-type",
            "x-grpc-web",
            "x-user-agent",
            "grpc-timeout",
        ])
        .exposed_headers([
            "grpc-status",
            "grpc-message",
            "www-authenticate",
            "tollgate-error-code",
        ])
        .build()
        .unwrap();
    CorsLayer::new(policy)
}

/// The health service behind CORS, authentication (tokens required, realm "grpc") and a
/// scope check (every call writes, as far as this server is concerned), with gRPC-Web, served
/// on a loopback port: its address.
async fn serve(tokens: &Tokens) -> SocketAddr {
    let auth = AuthLayer::new(
        Arc::clone(&tokens.service),
        Realm::new("grpc").unwrap(),
        TokenRequirement::Required,
    );
    let layers = ServiceBuilder::new()
        // tonic's body to one the layers can rebuild from bytes and make refusals of...
        .map_request(|request: Request<tonic::body::Body>| request.map(axum::body::Body::new))
        .layer(cors())
        .layer(auth)
        .layer(ScopeLayer::new(Operation::WriteData))
        // ...and the service's responses to the same body type.
        .map_response(|response: Response<tonic::body::Body>| response.map(axum::body::Body::new))
        // gRPC-Web calls to gRPC ones, inside the layers: they see gRPC-Web calls as they are.
        .layer(GrpcWebLayer::new());
    let (_, health) = tonic_health::server::health_reporter();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = Server::builder()
        // gRPC-Web comes over HTTP/1.1 too.
        .accept_http1(true)
        .layer(layers)
        .add_service(health)
        .serve_with_incoming(TcpIncoming::from(listener));
    tokio::spawn(server);
    address
}

/// A health check of the whole server at `address`, with `token` as a bearer token.
async fn check(
    address: SocketAddr,
    token: Option<&str>,
) -> Result<HealthCheckResponse, tonic::Status> {
    let channel = Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut request = tonic::Request::new(HealthCheckRequest {
        service: String::new(),
    });
    if let Some(token) = token {
        let value = format!("Bearer {token}").parse().unwrap();
        request.metadata_mut().insert("authorization", value);
    }
    let answer = HealthClient::new(channel).check(request).await;
    answer.map(tonic::Response::into_inner)
}

/// A refused call's code, its `WWW-Authenticate` challenge and its tollgate error code.
fn refusal_of(status: &tonic::Status) -> (Code, Option<&str>, Option<&str>) {
    let metadata = status.metadata();
    let text = |name| metadata.get(name).map(|value| value.to_str().unwrap());
    (
        status.code(),
        text("www-authenticate"),
        text("tollgate-error-code"),
    )
}

#[tokio::test]
async fn a_call_with_a_valid_token_succeeds() {
    let tokens = tokens().await;
    let address = serve(&tokens).await;
    let answer = check(address, Some(&tokens.writer)).await.unwrap();
    assert_eq!(answer.status(), ServingStatus::Serving);
}

#[tokio::test]
async fn a_call_without_a_token_is_unauthenticated_with_the_challenge() {
    let tokens = tokens().await;
    let address = serve(&tokens).await;
    let status = check(address, None).await.unwrap_err();
    assert_eq!(
        refusal_of(&status),
        (
            Code::Unauthenticated,
            Some("Bearer realm=\"grpc\""),
            Some("missing_token")
        ),
        "{status:?}"
    );
    assert_eq!(
        status.message(),
        "this request needs an access token: send `Authorization: Bearer <token>`"
    );
}

#[tokio::test]
async fn a_read_only_token_is_denied_a_write_with_the_insufficient_scope_challenge() {
    let tokens = tokens().await;
    let address = serve(&tokens).await;
    let status = check(address, Some(&tokens.reader)).await.unwrap_err();
    assert_eq!(
        refusal_of(&status),
        (
            Code::PermissionDenied,
            Some("Bearer realm=\"grpc\", error=\"insufficient_scope\""),
            Some("insufficient_scope")
        ),
        "{status:?}"
    );
}

#[tokio::test]
async fn unknown_and_malformed_tokens_are_unauthenticated_as_invalid_tokens() {
    let tokens = tokens().await;
    let address = serve(&tokens).await;
    for token in [tokens.unknown.as_str(), "tg_not_a_token"] {
        let status = check(address, Some(token)).await.unwrap_err();
        assert_eq!(
            refusal_of(&status),
            (
                Code::Unauthenticated,
                Some("Bearer realm=\"grpc\", error=\"invalid_token\""),
                Some("invalid_token")
            ),
            "{token}: {status:?}"
        );
    }
    let status = check(address, Some(&tokens.unknown)).await.unwrap_err();
    assert_eq!(
        status.message(),
        "the token is not valid: it is unknown, revoked or expired"
    );
}

/// A token over its rate limit: `RESOURCE_EXHAUSTED`, with `Retry-After` and the `RateLimit`
/// fields in the metadata; a call it may make carries the fields too.
#[tokio::test]
async fn a_token_over_its_rate_limit_is_refused_as_resource_exhausted() {
    let tokens = tokens().await;
    let address = serve(&tokens).await;
    let channel = Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = HealthClient::new(channel);
    let call = || {
        let mut request = tonic::Request::new(HealthCheckRequest::default());
        let value = format!("Bearer {}", tokens.limited).parse().unwrap();
        request.metadata_mut().insert("authorization", value);
        request
    };
    let allowed = client.check(call()).await.unwrap();
    assert_eq!(
        allowed.metadata().get("ratelimit-policy").unwrap(),
        "\"rate\";q=1;w=60"
    );
    let status = client.check(call()).await.unwrap_err();
    let metadata = status.metadata();
    assert_eq!(
        refusal_of(&status),
        (Code::ResourceExhausted, None, Some("rate_limited")),
        "{status:?}"
    );
    let wait: u64 = metadata
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        metadata.get("ratelimit-policy").unwrap(),
        "\"rate\";q=1;w=60"
    );
}

/// Why the layers answer gRPC calls in gRPC's terms: the plain refusal (HTTP 401 with a JSON
/// body, no `grpc-status`) reaches a tonic client as `INTERNAL`, its JSON read as a message
/// whose first byte, `{`, is no valid compression flag. If this starts failing, tonic reads
/// such answers differently now, and the crate's documentation of gRPC should say so.
#[tokio::test]
async fn a_plain_http_refusal_reaches_a_tonic_client_as_internal() {
    let plain = tower::service_fn(|_: Request<axum::body::Body>| async {
        let realm = Realm::new("grpc").unwrap();
        let refused: Refusal = refusal::missing_token(&realm);
        Ok::<Response<axum::body::Body>, core::convert::Infallible>(refused.to_response())
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // A server of that one answer to every call, as an axum router.
    let router = axum::Router::new().fallback_service(plain);
    tokio::spawn(Server::builder().serve_with_incoming(router, TcpIncoming::from(listener)));
    let status = check(address, None).await.unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(
        status.message().contains("invalid compression flag: 123"),
        "{status:?}"
    );
    // The headers do reach the client, as metadata.
    assert_eq!(
        refusal_of(&status).1,
        Some("Bearer realm=\"grpc\""),
        "{status:?}"
    );
}

/// The same layers on tonic's routes as an axum router, served as one service: the other
/// composition, with axum's body from the start.
#[tokio::test]
async fn the_layers_work_on_tonics_routes_as_an_axum_router() {
    let tokens = tokens().await;
    let auth = AuthLayer::new(
        Arc::clone(&tokens.service),
        Realm::new("grpc").unwrap(),
        TokenRequirement::Required,
    );
    let (_, health) = tonic_health::server::health_reporter();
    let router = Routes::new(health)
        .into_axum_router()
        .layer(ScopeLayer::new(Operation::WriteData))
        .layer(auth);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(Server::builder().serve_with_incoming(router, TcpIncoming::from(listener)));

    let answer = check(address, Some(&tokens.writer)).await.unwrap();
    assert_eq!(answer.status(), ServingStatus::Serving);
    let status = check(address, Some(&tokens.reader)).await.unwrap_err();
    assert_eq!(refusal_of(&status).0, Code::PermissionDenied, "{status:?}");
    let status = check(address, None).await.unwrap_err();
    assert_eq!(refusal_of(&status).0, Code::Unauthenticated, "{status:?}");
}

/// An HTTP/1.1 exchange with the server at `address`, as a browser's gRPC-Web client makes it:
/// the response's status line, its header fields (names in lower case), and its body.
async fn http1(
    address: SocketAddr,
    head: &str,
    body: &[u8],
) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{head}\r\nhost: {address}\r\norigin: {PAGE}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let end = answer
        .windows(4)
        .position(|four| four == b"\r\n\r\n")
        .unwrap();
    let head = String::from_utf8(answer[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_owned();
    let fields = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    (status, fields, answer[end + 4..].to_vec())
}

/// The value of the field `name` among `fields`.
fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(found, _)| found == name)
        .map(|(_, value)| value.as_str())
}

/// A page's gRPC-Web client: its preflight is answered by the CORS layer, a call without a
/// token is refused in gRPC-Web's terms with the headers the page may read, and a call with a
/// token is answered.
#[tokio::test]
async fn grpc_web_calls_from_a_page_pass_cors() {
    let tokens = tokens().await;
    let address = serve(&tokens).await;
    let route = "/grpc.health.v1.Health/Check";

    let (status, fields, _) = http1(
        address,
        &format!(
            "OPTIONS {route} HTTP/1.1\r\naccess-control-request-method: POST\r\n\
             access-control-request-headers: authorization,content-type,x-grpc-web,x-user-agent"
        ),
        b"",
    )
    .await;
    assert_eq!(status, "HTTP/1.1 204 No Content", "{fields:?}");
    assert_eq!(field(&fields, "access-control-allow-origin"), Some(PAGE));
    assert_eq!(field(&fields, "access-control-allow-methods"), Some("POST"));
    let allowed = field(&fields, "access-control-allow-headers").unwrap();
    assert!(allowed.contains("x-grpc-web"), "{allowed}");

    // One gRPC-Web message: not compressed, empty (a check of the whole server).
    let message = [0_u8; 5];
    let call = |token: Option<&str>| {
        let mut head = format!(
            "POST {route} HTTP/1.1\r\ncontent-type: application/grpc-web+proto\r\nx-grpc-web: 1"
        );
        if let Some(token) = token {
            head.push_str(&format!("\r\nauthorization: Bearer {token}"));
        }
        head
    };
    let (status, fields, body) = http1(address, &call(None), &message).await;
    assert_eq!(status, "HTTP/1.1 200 OK", "{fields:?}");
    assert_eq!(field(&fields, "grpc-status"), Some("16"), "{fields:?}");
    // The base type, whatever suffix the call named.
    assert_eq!(field(&fields, "content-type"), Some("application/grpc-web"));
    assert_eq!(
        field(&fields, "www-authenticate"),
        Some("Bearer realm=\"grpc\"")
    );
    assert_eq!(field(&fields, "access-control-allow-origin"), Some(PAGE));
    assert_eq!(
        field(&fields, "access-control-expose-headers"),
        Some("grpc-status,grpc-message,www-authenticate,tollgate-error-code"),
        "{fields:?}"
    );
    assert_eq!(
        (field(&fields, "content-length"), body.len()),
        (Some("0"), 0)
    );

    let (status, fields, body) = http1(address, &call(Some(&tokens.writer)), &message).await;
    assert_eq!(status, "HTTP/1.1 200 OK", "{fields:?}");
    assert_eq!(field(&fields, "grpc-status"), None, "{fields:?}");
    assert_eq!(field(&fields, "access-control-allow-origin"), Some(PAGE));
    // gRPC-Web carries the status in a trailers frame at the end of the body.
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("grpc-status:0"), "{text:?}");
}
