//! The actix-web example: `cargo run -p tollgate-example-actix`.
//!
//! Settings, from the environment, as the axum server reads them:
//!
//! - `TOLLGATE_ADDR`: where to listen, `127.0.0.1:8081` by default (the axum server takes
//!   8080, so both can run);
//! - `DATABASE_URL`: the token database, `sqlite://tollgate.db` by default: the axum server's,
//!   so that its `mint` command makes tokens for this service too;
//! - `CORS_ROUTES` and `CORS_ALLOWED_ORIGINS`: which routes answer CORS, to which origins
//!   (none, and `*`, by default).

use std::net::SocketAddr;
use std::process::ExitCode;

use tollgate::cors::CorsPolicy;
use tollgate_example_actix::{State, bind, run};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match actix_web::rt::System::new().block_on(serve()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), String> {
    let var = |name: &str| std::env::var(name).ok();
    let addr_text = var("TOLLGATE_ADDR").unwrap_or_else(|| "127.0.0.1:8081".to_owned());
    let addr: SocketAddr = addr_text.parse().map_err(|_| {
        format!("TOLLGATE_ADDR={addr_text:?} is not an address such as 127.0.0.1:8081")
    })?;
    let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://tollgate.db".to_owned());
    let cors = CorsPolicy::builder()
        .routes(&var("CORS_ROUTES").unwrap_or_default())
        .allowed_origins(&var("CORS_ALLOWED_ORIGINS").unwrap_or_else(|| "*".to_owned()))
        .build()
        .map_err(|errors| format!("CORS settings: {errors}"))?;
    let state = State::open(&database_url, cors)
        .await
        .map_err(|error| error.to_string())?;
    let tokens = state.tokens.clone();
    let (server, bound) = bind(state, addr).map_err(|error| format!("network: {error}"))?;
    tracing::info!(%bound, "listening");
    run(server, tokens)
        .await
        .map_err(|error| format!("network: {error}"))
}
