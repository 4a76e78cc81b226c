//! Subjects, aspects and samples, with writer lists, in the server's database.
//!
//! Concurrent edits of one record's writer list are last-writer-wins; a production server
//! would lock the row (`SELECT ... FOR UPDATE`) or compare-and-set.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use tollgate::store::StoreError;
use tollgate::writers::WriterList;

/// The two kinds of record that have writer lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Subjects,
    Aspects,
}

impl Kind {
    pub(crate) const ALL: [Kind; 2] = [Kind::Subjects, Kind::Aspects];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Kind::Subjects => "subjects",
            Kind::Aspects => "aspects",
        }
    }
}

/// A subject or aspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) writers: WriterList<String>,
}

/// Record storage over its own pool on the server's database.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    pool: AnyPool,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS example_records (
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    writers     TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE TABLE IF NOT EXISTS example_samples (
    aspect  TEXT NOT NULL,
    subject TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (aspect, subject)
);";

impl Records {
    /// Connects to `url` (already opened once by the token store, so the file exists).
    pub(crate) async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(unavailable)?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(unavailable)?;
        Ok(Self { pool })
    }

    pub(crate) async fn list(&self, kind: Kind) -> Result<Vec<Record>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, description, writers FROM example_records WHERE kind = $1 ORDER BY name",
        )
        .bind(kind.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        rows.iter().map(record_from).collect()
    }

    pub(crate) async fn get(&self, kind: Kind, name: &str) -> Result<Option<Record>, StoreError> {
        let row = sqlx::query(
            "SELECT name, description, writers FROM example_records WHERE kind = $1 AND name = $2",
        )
        .bind(kind.as_str())
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        row.as_ref().map(record_from).transpose()
    }

    /// Inserts a record; `Ok(false)` when the name is taken.
    pub(crate) async fn create(
        &self,
        kind: Kind,
        name: &str,
        description: Option<&str>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("INSERT INTO example_records (kind, name, description, writers) VALUES ($1, $2, $3, '')")
            .bind(kind.as_str())
            .bind(name)
            .bind(description)
            .execute(&self.pool)
            .await;
        match done {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
            Err(error) => Err(unavailable(error)),
        }
    }

    pub(crate) async fn set_description(
        &self,
        kind: Kind,
        name: &str,
        description: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE example_records SET description = $1 WHERE kind = $2 AND name = $3")
            .bind(description)
            .bind(kind.as_str())
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    pub(crate) async fn set_writers(
        &self,
        kind: Kind,
        name: &str,
        writers: &WriterList<String>,
    ) -> Result<(), StoreError> {
        let joined = writers
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n");
        sqlx::query("UPDATE example_records SET writers = $1 WHERE kind = $2 AND name = $3")
            .bind(joined)
            .bind(kind.as_str())
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Deletes a record and the samples that name it.
    pub(crate) async fn delete(&self, kind: Kind, name: &str) -> Result<(), StoreError> {
        let column = match kind {
            Kind::Subjects => "DELETE FROM example_samples WHERE subject = $1",
            Kind::Aspects => "DELETE FROM example_samples WHERE aspect = $1",
        };
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query(column)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        sqlx::query("DELETE FROM example_records WHERE kind = $1 AND name = $2")
            .bind(kind.as_str())
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    pub(crate) async fn sample(
        &self,
        aspect: &str,
        subject: &str,
    ) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT value FROM example_samples WHERE aspect = $1 AND subject = $2")
                .bind(aspect)
                .bind(subject)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
        row.map(|row| row.try_get("value").map_err(corrupt))
            .transpose()
    }

    /// Stores a sample; returns whether it was new.
    pub(crate) async fn put_sample(
        &self,
        aspect: &str,
        subject: &str,
        value: &str,
    ) -> Result<bool, StoreError> {
        let updated =
            sqlx::query("UPDATE example_samples SET value = $1 WHERE aspect = $2 AND subject = $3")
                .bind(value)
                .bind(aspect)
                .bind(subject)
                .execute(&self.pool)
                .await
                .map_err(unavailable)?;
        if updated.rows_affected() > 0 {
            return Ok(false);
        }
        let inserted =
            sqlx::query("INSERT INTO example_samples (aspect, subject, value) VALUES ($1, $2, $3)")
                .bind(aspect)
                .bind(subject)
                .bind(value)
                .execute(&self.pool)
                .await;
        match inserted {
            Ok(_) => Ok(true),
            // A concurrent PUT created it first: this one replaces it.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                Box::pin(self.put_sample(aspect, subject, value))
                    .await
                    .map(|_| false)
            }
            Err(error) => Err(unavailable(error)),
        }
    }

    pub(crate) async fn delete_sample(
        &self,
        aspect: &str,
        subject: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM example_samples WHERE aspect = $1 AND subject = $2")
            .bind(aspect)
            .bind(subject)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() > 0)
    }
}

fn record_from(row: &AnyRow) -> Result<Record, StoreError> {
    let writers: String = row.try_get("writers").map_err(corrupt)?;
    Ok(Record {
        name: row.try_get("name").map_err(corrupt)?,
        description: row.try_get("description").map_err(corrupt)?,
        writers: writers
            .split('\n')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn unavailable(error: sqlx::Error) -> StoreError {
    StoreError::Unavailable(Box::new(error))
}

fn corrupt(error: sqlx::Error) -> StoreError {
    StoreError::Corrupt(error.to_string())
}
