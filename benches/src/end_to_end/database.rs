//! Fresh databases for the end-to-end benchmark: a SQLite file in a scratch directory, or a
//! new database on a PostgreSQL server; each removed when the benchmark is done with it.

use std::path::{Path, PathBuf};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// Where a side keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// SQLite files in this scratch directory.
    Sqlite(PathBuf),
    /// The PostgreSQL server at this URL, whose user may create databases.
    Postgres(String),
}

impl Backend {
    /// The suffix of this backend's report lines: none for SQLite, `_postgres`.
    pub fn suffix(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "",
            Self::Postgres(_) => "_postgres",
        }
    }

    /// The backend's name in notes and `server_writes_<name>` lines.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// A database created for one part of the benchmark.
#[derive(Debug)]
pub struct Database {
    /// Its URL, as `SqlStorage::open` and sqlx take it.
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    File(PathBuf),
    Drop { admin_url: String, name: String },
}

/// A database no other run uses, named after `label`.
///
/// # Panics
/// If PostgreSQL refuses to create it.
pub async fn fresh(backend: &Backend, label: &str) -> Database {
    let name = format!("tollgate_e2e_{label}_{}", std::process::id());
    match backend {
        Backend::Sqlite(dir) => {
            let path = dir.join(format!("{name}.db"));
            remove_sqlite_files(&path);
            Database {
                url: format!("sqlite://{}", path.display()),
                cleanup: Cleanup::File(path),
            }
        }
        Backend::Postgres(admin_url) => {
            let mut admin = PgConnection::connect(admin_url)
                .await
                .expect("connect to PostgreSQL");
            // `name` is made of ASCII letters, digits and `_` only: safe to splice.
            sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
                .execute(&mut admin)
                .await
                .expect("drop a leftover database");
            sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create a database");
            let _ = admin.close().await;
            Database {
                url: with_database(admin_url, &name),
                cleanup: Cleanup::Drop {
                    admin_url: admin_url.clone(),
                    name,
                },
            }
        }
    }
}

impl Database {
    /// Removes the database. Its pools must be closed first (PostgreSQL's is dropped even
    /// with connections left, by `WITH (FORCE)`).
    pub async fn remove(self) {
        match self.cleanup {
            Cleanup::File(path) => remove_sqlite_files(&path),
            Cleanup::Drop { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    // A database left behind costs disk space on a throwaway server, nothing
                    // more: a failure here is reported, not fatal.
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(error) = sqlx::raw_sql(AssertSqlSafe(drop)).execute(&mut admin).await
                    {
                        eprintln!("note: database {name} not dropped: {error}");
                    }
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// `admin_url` naming database `name` instead of its own, its query kept.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(base, query)| (base, Some(query)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

fn remove_sqlite_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        // An absent file is what we want; nothing else that can fail here matters.
        let _ = std::fs::remove_file(file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_replaces_the_admin_one() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5/postgres?sslmode=disable", "db"),
            "postgres://u@127.0.0.1:5/db?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h/postgres", "db"),
            "postgres://u@h/db"
        );
    }
}
