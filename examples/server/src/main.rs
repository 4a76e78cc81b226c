//! The example API server: subjects, aspects and samples behind every tollgate crate.
//!
//! ```text
//! cargo run -p tollgate-example-server
//! cargo run -p tollgate-example-server -- mint --user admin --role admin --name bootstrap --scope full
//! ```
//!
//! Settings come from environment variables (see `Settings` and the README); any invalid
//! setting stops start-up with every problem named and exit status 2. The HTTP contract is
//! `docs/server-api.md`. `serve` logs to stderr (see `install_logs`); stdout carries only the
//! `listening on` line, and `mint` only the token.

use std::process::ExitCode;

use tollgate::scope::{Role, Scope};
use tollgate_example_server::{
    DEFAULT_DATABASE_URL, Settings, install_logs, mint_bootstrap, start,
};

const USAGE: &str = "usage:\n  server\n  server mint --user NAME --role reader|editor|admin --name TOKEN_NAME --scope read-only|edit|admin|full";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => serve().await,
        Some("mint") => mint(&args[1..]).await,
        Some(other) => {
            eprintln!("server: unexpected argument {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

async fn serve() -> ExitCode {
    let settings = match Settings::from_vars(|name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(problems) => {
            for problem in problems {
                eprintln!("server: {problem}");
            }
            return ExitCode::from(2);
        }
    };
    install_logs(&settings.log_filter);
    let stopped = match shutdown_signal() {
        Ok(stopped) => stopped,
        Err(error) => {
            eprintln!("server: cannot listen for signals: {error}");
            return ExitCode::FAILURE;
        }
    };
    let server = match start(settings).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("server: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://{}", server.addr);
    stopped.await;
    match server.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server: shutdown: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Listens for SIGINT (Ctrl-C) and, on Unix, SIGTERM; the future resolves at the first. The
/// handlers are in place when this returns, so a signal sent as soon as the server says it
/// listens is never missed (and never kills it without a shutdown).
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// The `mint` subcommand's flags.
struct MintArgs {
    user: String,
    role: Role,
    name: String,
    scope: Scope,
}

fn parse_mint(args: &[String]) -> Result<MintArgs, String> {
    let (mut user, mut role, mut name, mut scope) = (None, None, None, None);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--user" => user = Some(value.clone()),
            "--role" => role = Some(value.parse::<Role>().map_err(|error| error.to_string())?),
            "--name" => name = Some(value.clone()),
            "--scope" => scope = Some(value.parse::<Scope>().map_err(|error| error.to_string())?),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok(MintArgs {
        user: user.ok_or("--user is required")?,
        role: role.ok_or("--role is required")?,
        name: name.ok_or("--name is required")?,
        scope: scope.ok_or("--scope is required")?,
    })
}

async fn mint(args: &[String]) -> ExitCode {
    let mint = match parse_mint(args) {
        Ok(mint) => mint,
        Err(problem) => {
            eprintln!("server mint: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    match mint_bootstrap(&url, &mint.user, mint.role, &mint.name, mint.scope).await {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("server mint: {error}");
            ExitCode::FAILURE
        }
    }
}
