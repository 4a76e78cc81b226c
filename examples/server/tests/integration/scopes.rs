//! docs/server-api.md "Users and roles": every role with every scope against each operation class.
//! A token's scope is capped by its user's role; too low either way is 403 `insufficient_scope`.

use http::Method;
use serde_json::json;
use tollgate::scope::{Role, Scope};

use crate::support::{TestServer, unique_name};

on_every_backend![scope_and_role_table];

/// The operation classes, each as one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Read,
    Write,
    ReadUsers,
    CreateUsers,
    ManageTokens,
}

impl Class {
    const ALL: [Class; 5] = [
        Class::Read,
        Class::Write,
        Class::ReadUsers,
        Class::CreateUsers,
        Class::ManageTokens,
    ];

    /// Whether the table in docs/server-api.md allows this class to `scope` and `role`.
    fn allowed(self, role: Role, scope: Scope) -> bool {
        let (needs_scope, needs_role) = match self {
            Class::Read => (Scope::ReadOnly, Role::Reader),
            Class::Write => (Scope::Edit, Role::Editor),
            Class::ReadUsers => (Scope::Admin, Role::Admin),
            // Issuing the new user's first credential is an account act (issue 14).
            Class::CreateUsers => (Scope::Full, Role::Admin),
            Class::ManageTokens => (Scope::Full, Role::Reader),
        };
        let rank = |role: Role| Role::ALL.iter().position(|r| *r == role);
        scope >= needs_scope && rank(role) >= rank(needs_role)
    }

    /// Sends this class's request with `token`; the status expected on success.
    async fn send(self, server: &TestServer, token: &str) -> (crate::support::Reply, u16) {
        let (method, path, body, status) = match self {
            Class::Read => (Method::GET, "/v1/subjects", None, 200),
            Class::Write => (
                Method::POST,
                "/v1/subjects",
                Some(json!({"name": unique_name("subject")})),
                201,
            ),
            Class::ReadUsers => (Method::GET, "/v1/users", None, 200),
            Class::CreateUsers => (
                Method::POST,
                "/v1/users",
                Some(json!({"name": unique_name("user"), "role": "reader"})),
                201,
            ),
            Class::ManageTokens => (Method::GET, "/v1/tokens", None, 200),
        };
        (
            server.call(method, token, path, body.as_ref()).await,
            status,
        )
    }
}

async fn scope_and_role_table(server: &TestServer) {
    for role in Role::ALL {
        let user = format!("{}1", role.as_str());
        for scope in Scope::ALL {
            let token = server.mint(&user, role, scope).await;
            for class in Class::ALL {
                let (reply, status) = class.send(server, &token).await;
                if class.allowed(role, scope) {
                    assert_eq!(
                        reply.status, status,
                        "{role:?} {scope:?} {class:?}: {}",
                        reply.text
                    );
                } else {
                    assert_eq!(
                        reply.status, 403,
                        "{role:?} {scope:?} {class:?}: {}",
                        reply.text
                    );
                    reply.insufficient_scope();
                }
            }
        }
    }
}
