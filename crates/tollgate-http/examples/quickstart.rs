//! A notes service behind tollgate: API tokens, scopes, CORS for one web page, and a writer
//! list per note. Run it, then use the token it prints:
//!
//! ```text
//! cargo run -p tollgate-http --features axum --example quickstart
//! curl -X PUT localhost:3000/notes/todo -H "Authorization: Bearer $TOKEN" -d 'buy milk'
//! curl localhost:3000/notes/todo -H "Authorization: Bearer $TOKEN"
//! ```

use std::collections::HashMap;
use std::error::Error;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use tollgate_cors::CorsPolicy;
use tollgate_http::{
    AuthLayer, CallerToken, CorsLayer, Realm, Refusal, ScopeLayer, TokenRequirement, refusal,
};
use tollgate_scope::{Limits, Role, Scope};
use tollgate_store::chrono::Utc;
use tollgate_store::{MemoryStorage, TokenRequest, TokenService, UserName};
use tollgate_token::{TokenFormat, TokenName};
use tollgate_writers::{Actor, AdminOverride, WriteDecision, WriterList};

/// Each note's text and who may change it.
type Notes = Arc<Mutex<HashMap<String, (String, WriterList<String>)>>>;

/// From the outside in: CORS, authentication, the scope check (reads for `GET`, writes
/// otherwise), then the handlers.
fn app(tokens: Arc<TokenService<MemoryStorage>>) -> Result<Router, Box<dyn Error>> {
    let cors = CorsPolicy::builder()
        .routes("/notes")
        .allowed_origins("https://app.example.com")
        .build()?;
    let auth = AuthLayer::new(tokens, Realm::new("notes")?, TokenRequirement::Required);
    Ok(Router::new()
        .route("/notes/{name}", get(read).put(write))
        .with_state(Notes::default())
        .layer(ScopeLayer::by_method())
        .layer(auth)
        .layer(CorsLayer::new(cors)))
}

async fn read(State(notes): State<Notes>, Path(name): Path<String>) -> Result<String, Refusal> {
    let notes = notes.lock().unwrap_or_else(PoisonError::into_inner);
    let (text, _) = notes
        .get(&name)
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "not_found", "no such note"))?;
    Ok(text.clone())
}

/// Creates the note, its author its only writer, or changes it if the caller is a writer.
async fn write(
    State(notes): State<Notes>,
    CallerToken(caller): CallerToken,
    realm: Realm,
    Path(name): Path<String>,
    text: String,
) -> Result<StatusCode, Refusal> {
    let user = caller.token.owner.to_string();
    let mut notes = notes.lock().unwrap_or_else(PoisonError::into_inner);
    let (stored, writers) = notes
        .entry(name)
        .or_insert_with(|| (String::new(), WriterList::from([user.clone()])));
    match writers.permits(
        Actor::authenticated(user.as_str()),
        AdminOverride::NotRequested,
    ) {
        WriteDecision::Allow(_) => *stored = text,
        WriteDecision::Deny(denial) => return Err(refusal::writer_denial(denial, &realm)),
    }
    Ok(StatusCode::NO_CONTENT)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let tokens = Arc::new(TokenService::new(
        MemoryStorage::new(),
        TokenFormat::new("qs")?,
    ));
    let alice = tokens
        .create_user(UserName::new("alice")?, Role::Editor, Utc::now())
        .await?;
    let request = TokenRequest::new(
        alice.name,
        TokenName::new("laptop")?,
        Limits::new(Scope::Edit),
    );
    let secret = tokens.create_token(&request, Utc::now()).await?.secret;
    println!("TOKEN={}", secret.expose_secret());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app(tokens)?).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    /// A token of `scope` for a new editor named `user`.
    async fn token(tokens: &TokenService<MemoryStorage>, user: &str, scope: Scope) -> String {
        let user = tokens
            .create_user(UserName::new(user).unwrap(), Role::Editor, Utc::now())
            .await
            .unwrap();
        let request =
            TokenRequest::new(user.name, TokenName::new("t").unwrap(), Limits::new(scope));
        let created = tokens.create_token(&request, Utc::now()).await.unwrap();
        created.secret.expose_secret().to_owned()
    }

    async fn send(app: &Router, method: &str, token: &str, body: &str) -> (StatusCode, String) {
        let request = Request::builder()
            .method(method)
            .uri("/notes/todo")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body.to_owned()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn notes_are_written_by_their_writers_and_read_by_every_token() {
        let tokens = Arc::new(TokenService::new(
            MemoryStorage::new(),
            TokenFormat::new("qs").unwrap(),
        ));
        let alice = token(&tokens, "alice", Scope::Edit).await;
        let bob = token(&tokens, "bob", Scope::Edit).await;
        let reader = token(&tokens, "carol", Scope::ReadOnly).await;
        let app = app(tokens).unwrap();

        assert_eq!(
            send(&app, "PUT", &alice, "buy milk").await.0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            send(&app, "GET", &reader, "").await,
            (StatusCode::OK, "buy milk".to_owned())
        );
        // Bob may write, but not alice's note; carol's token may not write at all.
        let (status, body) = send(&app, "PUT", &bob, "buy beer").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("not_a_writer"), "{body}");
        let (status, body) = send(&app, "PUT", &reader, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("insufficient_scope"), "{body}");
        assert_eq!(
            send(&app, "GET", "qs_forged", "").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
}
