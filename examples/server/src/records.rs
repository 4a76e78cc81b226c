//! Subjects, aspects and samples, with writer lists, in the server's database.
//!
//! Every change to a record is a compare-and-set on its writer list ([`Records::apply`]): it
//! lands only while the list is still the one the caller was checked against, so a writer removed
//! concurrently can neither act on a stale list nor write it back. Samples are changed the same
//! way against their aspect's list ([`Records::change_sample`]). The order in which writes lock
//! rows, which keeps them from deadlocking one another, is set out at `delete_samples`.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe, Row};
use tollgate::store::{Page, PageSize, StoreError};
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

/// What [`Records::apply`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edit {
    Description,
    Writers,
    Delete,
}

/// What [`Records::change_sample`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SampleChange<'a> {
    Put(&'a str),
    Delete,
}

/// Record storage on the server's database, through the token store's pools.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    /// Writes and transactions: on SQLite the store's one writer connection.
    pool: AnyPool,
    /// Plain reads: on SQLite read-only connections that proceed while a write is under way.
    readers: AnyPool,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS example_records (
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    writers     TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
-- Names are unique per kind ignoring case, as user and token names are: `cpu` and `CPU`
-- would be two records a person cannot tell apart. Names are ASCII, so lower() suffices.
CREATE UNIQUE INDEX IF NOT EXISTS example_records_name_key ON example_records (kind, lower(name));
CREATE TABLE IF NOT EXISTS example_samples (
    aspect  TEXT NOT NULL,
    subject TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (aspect, subject)
);";

impl Records {
    /// The records in the token store's database, through its pools (so its timeouts apply):
    /// `pool` for writes and transactions, `readers` for plain reads (see
    /// `SqlStorage::pool` and `SqlStorage::read_pool`); creates their tables when missing.
    pub(crate) async fn open(pool: AnyPool, readers: AnyPool) -> Result<Self, StoreError> {
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(unavailable)?;
        Ok(Self { pool, readers })
    }

    /// One page of the records of `kind`, by name, starting after the name `after` (at the
    /// first record when `None`); only those named in `only`, when given. Keyset paging on the
    /// primary key, with the names filter in the same query: a page costs the same wherever
    /// it starts, and is short only when it is the last.
    ///
    /// `only` becomes one bound parameter per name: callers pass a token's grants, which hold
    /// at most 64 resources, far below either database's limit on parameters.
    pub(crate) async fn page(
        &self,
        kind: Kind,
        only: Option<&[&str]>,
        after: Option<&str>,
        size: PageSize,
    ) -> Result<Page<Record>, StoreError> {
        if only.is_some_and(<[&str]>::is_empty) {
            return Ok(Page {
                items: Vec::new(),
                more: false,
            });
        }
        let names = only.unwrap_or_default();
        // Every name has at least one character, so all of them come after ''.
        let mut sql = String::from(
            "SELECT name, description, writers FROM example_records WHERE kind = $1 AND name > $2",
        );
        if !names.is_empty() {
            sql.push_str(" AND name IN (");
            sql.push_str(&placeholders(3, names.len()));
            sql.push(')');
        }
        sql.push_str(&format!(" ORDER BY name LIMIT ${}", names.len() + 3));
        // The text is this function's own: placeholders, never a caller's value.
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(kind.as_str())
            .bind(after.unwrap_or_default());
        for name in names {
            query = query.bind(*name);
        }
        // One row more than the page, to learn whether another page follows.
        let fetched = i64::try_from(size.get() + 1).unwrap_or(i64::MAX);
        let rows = query
            .bind(fetched)
            .fetch_all(&self.readers)
            .await
            .map_err(unavailable)?;
        let mut records = rows
            .iter()
            .map(record_from)
            .collect::<Result<Vec<_>, _>>()?;
        let more = records.len() > size.get();
        records.truncate(size.get());
        Ok(Page {
            items: records,
            more,
        })
    }

    pub(crate) async fn get(&self, kind: Kind, name: &str) -> Result<Option<Record>, StoreError> {
        let row = sqlx::query(
            "SELECT name, description, writers FROM example_records WHERE kind = $1 AND name = $2",
        )
        .bind(kind.as_str())
        .bind(name)
        .fetch_optional(&self.readers)
        .await
        .map_err(unavailable)?;
        row.as_ref().map(record_from).transpose()
    }

    /// Inserts a record; `Ok(false)` when the name is taken, ignoring case.
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

    /// Applies `edit` of `record` (its description, its writers, or its deletion with the
    /// samples that name it) if the stored writer list still equals `checked`. `Ok(false)` when
    /// the list changed or the record is gone: the caller must read and check again.
    ///
    /// A deletion removes the record's row first, which holds the row's lock until the commit,
    /// and only then its samples. A sample change locks the aspect's and the subject's rows
    /// before it touches a sample ([`Records::change_sample`]), so it either committed before
    /// the row was deleted, and its sample is among those deleted here, or it finds the row
    /// gone once the deletion commits and changes nothing: no sample outlives its record.
    pub(crate) async fn apply(
        &self,
        kind: Kind,
        checked: &WriterList<String>,
        record: &Record,
        edit: Edit,
    ) -> Result<bool, StoreError> {
        let checked = stored_writers(checked);
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let statement = match edit {
            Edit::Description => sqlx::query(
                "UPDATE example_records SET description = $1 WHERE kind = $2 AND name = $3 AND writers = $4",
            )
            .bind(record.description.as_deref()),
            Edit::Writers => sqlx::query(
                "UPDATE example_records SET writers = $1 WHERE kind = $2 AND name = $3 AND writers = $4",
            )
            .bind(stored_writers(&record.writers)),
            Edit::Delete => sqlx::query(
                "DELETE FROM example_records WHERE kind = $1 AND name = $2 AND writers = $3",
            ),
        };
        let done = statement
            .bind(kind.as_str())
            .bind(&record.name)
            .bind(checked)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        if done.rows_affected() == 0 {
            tx.rollback().await.map_err(unavailable)?;
            return Ok(false);
        }
        if edit == Edit::Delete {
            delete_samples(&mut tx, kind, &record.name).await?;
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(true)
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
                .fetch_optional(&self.readers)
                .await
                .map_err(unavailable)?;
        row.map(|row| row.try_get("value").map_err(corrupt))
            .transpose()
    }

    /// Applies `change` to the sample of `aspect` and `subject` if the aspect's stored writer
    /// list still equals `checked` and both records still exist; the aspect's and the
    /// subject's rows stay locked until the change commits, so neither a writer-list change nor
    /// the deletion of either record can slip in between. `Ok(None)` when they changed: the
    /// caller must read and check again. Otherwise whether the sample was new (put) or was
    /// there (delete).
    pub(crate) async fn change_sample(
        &self,
        aspect: &str,
        subject: &str,
        checked: &WriterList<String>,
        change: SampleChange<'_>,
    ) -> Result<Option<bool>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        // No-op updates: each takes its row's write lock and says whether the row is as checked.
        // The aspect's first, then the subject's: the lock order `delete_samples` relies on.
        let aspect_held = sqlx::query(
            "UPDATE example_records SET writers = writers WHERE kind = 'aspects' AND name = $1 AND writers = $2",
        )
        .bind(aspect)
        .bind(stored_writers(checked))
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        let subject_held = sqlx::query(
            "UPDATE example_records SET name = name WHERE kind = 'subjects' AND name = $1",
        )
        .bind(subject)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if aspect_held.rows_affected() == 0 || subject_held.rows_affected() == 0 {
            tx.rollback().await.map_err(unavailable)?;
            return Ok(None);
        }
        let statement = match change {
            SampleChange::Put(value) => sqlx::query(
                "UPDATE example_samples SET value = $1 WHERE aspect = $2 AND subject = $3",
            )
            .bind(value),
            SampleChange::Delete => {
                sqlx::query("DELETE FROM example_samples WHERE aspect = $1 AND subject = $2")
            }
        };
        let touched = statement
            .bind(aspect)
            .bind(subject)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected()
            > 0;
        let answer = match change {
            SampleChange::Put(_) if touched => false,
            SampleChange::Put(value) => {
                // The aspect's lock serialises writers of its samples: no concurrent insert.
                sqlx::query(
                    "INSERT INTO example_samples (aspect, subject, value) VALUES ($1, $2, $3)",
                )
                .bind(aspect)
                .bind(subject)
                .bind(value)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                true
            }
            SampleChange::Delete => touched,
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(Some(answer))
    }
}

/// Deletes the samples of the record `name` of `kind`, whose row `tx` has just deleted.
///
/// Lock order. A sample change locks the aspect's row, then the subject's, then the sample's;
/// a record's deletion locks the record's row, then the samples that name it, one at a time in
/// the order of (aspect, subject); every other write locks one record row and nothing else.
/// So a transaction waiting for a record row holds at most an aspect's row, which only a
/// sample change waiting for its subject holds; and whoever holds a sample's row holds the
/// rows of its aspect and subject (a sample change, which then waits for nothing) or deletes
/// the aspect or the subject, and deletions take sample rows in one global order. No cycle of
/// waits can form: no deadlock, whatever runs at once.
///
/// Deleting them with one `DELETE ... WHERE aspect = $1` (or `subject = $1`) would lock them
/// in whatever order the plan reads them, which can differ between the two (the primary key's
/// index serves `aspect = $1`, not `subject = $1`), and so could deadlock deletions of aspects
/// and of subjects that share samples. No sample of the record can appear meanwhile:
/// writing one takes the record's row, which `tx` holds.
async fn delete_samples(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    kind: Kind,
    name: &str,
) -> Result<(), StoreError> {
    let (listed, delete) = match kind {
        Kind::Subjects => (
            "SELECT aspect AS other FROM example_samples WHERE subject = $1",
            "DELETE FROM example_samples WHERE subject = $1 AND aspect = $2",
        ),
        Kind::Aspects => (
            "SELECT subject AS other FROM example_samples WHERE aspect = $1",
            "DELETE FROM example_samples WHERE aspect = $1 AND subject = $2",
        ),
    };
    let rows = sqlx::query(listed)
        .bind(name)
        .fetch_all(&mut **tx)
        .await
        .map_err(unavailable)?;
    let mut others = rows
        .iter()
        .map(|row| row.try_get::<String, _>("other").map_err(corrupt))
        .collect::<Result<Vec<_>, _>>()?;
    // One of the two names is fixed, so ordering by the other orders by (aspect, subject). In
    // Rust rather than SQL, so that the order does not depend on the database's collation.
    others.sort_unstable();
    for other in &others {
        sqlx::query(delete)
            .bind(name)
            .bind(other)
            .execute(&mut **tx)
            .await
            .map_err(unavailable)?;
    }
    Ok(())
}

/// `$first, $first+1, ...`: `count` numbered placeholders.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A writer list as stored: its names in order, one per line (deterministic, so comparable).
fn stored_writers(writers: &WriterList<String>) -> String {
    writers
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("\n")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> WriterList<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    async fn records_with_subject(writers: &[&str]) -> (Records, Record) {
        let path = std::env::temp_dir().join(format!(
            "tollgate_records_{}_{}.db",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos())
        ));
        let url = format!("sqlite://{}", path.display());
        let storage = tollgate::store::SqlStorage::open(&url).await.unwrap();
        let records = Records::open(storage.pool().clone(), storage.read_pool().clone())
            .await
            .unwrap();
        assert!(records.create(Kind::Subjects, "s", None).await.unwrap());
        let mut record = records.get(Kind::Subjects, "s").await.unwrap().unwrap();
        record.writers = list(writers);
        assert!(
            records
                .apply(Kind::Subjects, &list(&[]), &record, Edit::Writers)
                .await
                .unwrap()
        );
        (records, record)
    }

    /// Bob was checked against [alice, bob]; alice removed him meanwhile. Bob's write-back of
    /// the stale list, and his delete, must not land.
    #[tokio::test]
    async fn a_change_checked_against_a_stale_list_does_not_land() {
        let (records, mut record) = records_with_subject(&["alice", "bob"]).await;
        let checked_by_bob = record.writers.clone();
        record.writers = list(&["alice"]);
        assert!(
            records
                .apply(Kind::Subjects, &checked_by_bob, &record, Edit::Writers)
                .await
                .unwrap()
        );
        let stale = Record {
            writers: checked_by_bob.clone(),
            ..record.clone()
        };
        for edit in [Edit::Writers, Edit::Description, Edit::Delete] {
            assert!(
                !records
                    .apply(Kind::Subjects, &checked_by_bob, &stale, edit)
                    .await
                    .unwrap(),
                "{edit:?} landed on a stale list"
            );
        }
        let stored = records.get(Kind::Subjects, "s").await.unwrap().unwrap();
        assert_eq!(stored.writers, list(&["alice"]));
    }

    /// A sample change checked against a stale aspect list, or for a deleted subject, does not
    /// land; one checked against the current list does.
    #[tokio::test]
    async fn a_sample_change_checked_against_a_stale_aspect_list_does_not_land() {
        let (records, _) = records_with_subject(&[]).await;
        assert!(records.create(Kind::Aspects, "a", None).await.unwrap());
        let mut aspect = records.get(Kind::Aspects, "a").await.unwrap().unwrap();
        aspect.writers = list(&["alice"]);
        assert!(
            records
                .apply(Kind::Aspects, &list(&[]), &aspect, Edit::Writers)
                .await
                .unwrap()
        );
        let (stale, current) = (list(&["alice", "bob"]), list(&["alice"]));
        let (put, delete) = (SampleChange::Put("1"), SampleChange::Delete);
        // (subject, list checked, change, answer, value of sample "s" afterwards), in order.
        let steps = [
            ("s", &stale, put, None, None),
            ("s", &current, put, Some(true), Some("1")),
            ("s", &current, put, Some(false), Some("1")),
            ("s", &stale, delete, None, Some("1")),
            ("gone", &current, put, None, Some("1")),
            ("s", &current, delete, Some(true), None),
        ];
        for (step, (subject, checked, change, answer, stored)) in steps.into_iter().enumerate() {
            let got = records.change_sample("a", subject, checked, change).await;
            assert_eq!(got.unwrap(), answer, "step {step}");
            let value = records.sample("a", "s").await.unwrap();
            assert_eq!(value.as_deref(), stored, "step {step}");
        }
    }

    /// Record reads do not wait for the writer connection: they answer, from the last commit,
    /// while a write transaction holds it (with one connection they would wait for it until the
    /// database timeout and fail).
    #[tokio::test]
    async fn records_are_read_while_a_write_transaction_is_open() {
        let (records, _) = records_with_subject(&["alice"]).await;
        let mut tx = records.pool.begin().await.unwrap();
        sqlx::query("UPDATE example_records SET description = 'changing'")
            .execute(&mut *tx)
            .await
            .unwrap();
        let stored = records.get(Kind::Subjects, "s").await.unwrap().unwrap();
        assert_eq!(stored.description, None);
        let page = records
            .page(Kind::Subjects, None, None, PageSize::DEFAULT)
            .await
            .unwrap();
        assert_eq!(page.items, vec![stored]);
        assert_eq!(records.sample("a", "s").await.unwrap(), None);
        tx.commit().await.unwrap();
        let stored = records.get(Kind::Subjects, "s").await.unwrap().unwrap();
        assert_eq!(stored.description.as_deref(), Some("changing"));
    }
}
