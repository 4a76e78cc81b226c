//! The example server, its whole stack, started in-process for the write benchmark, with the
//! records a sample `PUT` needs: one aspect and the subjects the writes cycle through.

use std::net::SocketAddr;

use tollgate::scope::{Role, Scope};
use tollgate_example_server::{Server, Settings, mint_bootstrap, start};

use super::database::Database;
use super::probe::expect_status;

/// The aspect every sample is written under.
pub const ASPECT: &str = "temperature";

/// A running example server and what its write load needs.
#[derive(Debug)]
pub struct WriteServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// A token of an editor, with the edit scope.
    pub token: String,
    /// The subjects the samples are written for.
    pub subjects: Vec<String>,
    server: Server,
    database: Database,
}

/// Starts the example server on `database` with its default settings, on a loopback port, with
/// an editor's token minted the way its `mint` command does. Call within a tokio runtime.
///
/// # Panics
/// If the token cannot be minted or the server does not start.
pub async fn start_server(database: Database) -> WriteServer {
    let token = mint_bootstrap(&database.url, "bench", Role::Editor, "bench", Scope::Edit)
        .await
        .expect("a bootstrap token");
    let url = database.url.clone();
    let settings = Settings::from_vars(|name| match name {
        "TOLLGATE_ADDR" => Some("127.0.0.1:0".to_owned()),
        "DATABASE_URL" => Some(url.clone()),
        _ => None,
    })
    .expect("valid settings");
    let server = start(settings).await.expect("the example server starts");
    WriteServer {
        addr: server.addr,
        token,
        subjects: Vec::new(),
        server,
        database,
    }
}

impl WriteServer {
    /// Creates [`ASPECT`] and `count` subjects through the API, then writes one sample to prove
    /// a `PUT` succeeds. Blocking: call outside the runtime, which serves the requests.
    ///
    /// # Panics
    /// If any of these requests is refused.
    pub fn create_records(&mut self, count: usize) {
        let bearer = format!("Bearer {}", self.token);
        let headers = [
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/json"),
        ];
        let create = |kind: &str, name: &str| {
            let body = format!(r#"{{"name":"{name}"}}"#);
            expect_status(
                self.addr,
                "POST",
                &format!("/v1/{kind}"),
                &headers,
                &body,
                201,
            );
        };
        create("aspects", ASPECT);
        self.subjects = (0..count).map(|index| format!("subject-{index}")).collect();
        for subject in &self.subjects {
            create("subjects", subject);
        }
        let path = format!("/v1/aspects/{ASPECT}/samples/{}", self.subjects[0]);
        expect_status(self.addr, "PUT", &path, &headers, r#"{"value":"0"}"#, 201);
    }

    /// Stops the server (writing pending last uses) and removes its database.
    ///
    /// # Panics
    /// If the server does not stop cleanly.
    pub async fn stop(self) {
        self.server.stop().await.expect("a clean shutdown");
        self.database.remove().await;
    }
}
