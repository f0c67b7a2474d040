//! Group commit in the store: one open transaction that many mutations join, each in a
//! savepoint of its own, so a refused mutation takes nothing of the others with it and
//! the batch costs one commit. The hub decides when a batch opens and commits
//! (`crate::group_commit`); nothing here is visible to another connection until then.

use crate::store::Db;

use super::{run_mutation, IdempotencyKey, Mutation, Published, Store, StoreError};

/// A mutation's savepoint: rolled back unless released, on an error or a panic alike,
/// so a batch never commits half of one mutation.
struct JobSavepoint<'c> {
    conn: &'c Db,
    released: bool,
}

impl<'c> JobSavepoint<'c> {
    fn open(conn: &'c Db) -> Result<Self, StoreError> {
        conn.execute_batch("SAVEPOINT job")?;
        Ok(Self {
            conn,
            released: false,
        })
    }

    fn release(mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("RELEASE job")?;
        self.released = true;
        Ok(())
    }
}

impl Drop for JobSavepoint<'_> {
    fn drop(&mut self) {
        if !self.released {
            if let Err(error) = self.conn.execute_batch("ROLLBACK TO job; RELEASE job") {
                tracing::error!(%error, "rolling back a refused mutation failed");
            }
        }
    }
}

impl Store {
    /// Whether a batch's transaction is open.
    pub(crate) fn batch_is_open(&self) -> bool {
        self.conn.in_transaction()
    }

    /// Opens a batch's transaction (taking the write lock now, not at the first write).
    ///
    /// # Errors
    /// On database failure.
    pub(crate) fn begin_batch(&mut self) -> Result<(), StoreError> {
        self.conn.begin()
    }

    /// Commits the batch: every mutation in it is durable, or (on an error) none is.
    ///
    /// # Errors
    /// When the commit fails; the batch is then rolled back.
    pub(crate) fn commit_batch(&mut self) -> Result<(), StoreError> {
        self.conn.commit()
    }

    /// One mutation inside the open batch, as [`Store::mutate`] does alone: on any
    /// error, nothing of it stays in the batch.
    ///
    /// # Errors
    /// What `change` returns, [`StoreError::IdempotencyMismatch`], or database errors.
    pub(crate) fn mutate_in_batch<F>(
        &mut self,
        location_id: &str,
        idempotency: Option<&IdempotencyKey>,
        now_ms: i64,
        change: F,
    ) -> Result<Mutation, StoreError>
    where
        F: FnOnce(&Db) -> Result<(u16, String, Vec<Published>), StoreError>,
    {
        let savepoint = JobSavepoint::open(&self.conn)?;
        let mutation = run_mutation(&self.conn, location_id, idempotency, now_ms, change)?;
        savepoint.release()?;
        Ok(mutation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(conn: &Db, text: &str) -> Result<(u16, String, Vec<Published>), StoreError> {
        conn.execute("INSERT INTO meta (key, value) VALUES (?1, 'x')", [text])?;
        Ok((201, text.to_owned(), Vec::new()))
    }

    fn keys(store: &Store) -> Vec<String> {
        store
            .conn
            .query_map(
                "SELECT key FROM meta WHERE key LIKE 'job-%' ORDER BY key",
                (),
                |row| row.get(0),
            )
            .expect("rows")
    }

    /// A SQLite file and a throwaway PostgreSQL database, each with what keeps it.
    fn stores() -> Vec<(Store, Box<dyn std::any::Any>)> {
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = Store::open(&dir.path().join("hub.db")).expect("sqlite store");
        let server = crate::testing::TempPostgres::start().expect("throwaway PostgreSQL");
        let url = server.new_database().expect("database");
        let postgres = Store::open_postgres(&url).expect("postgres store");
        vec![(sqlite, Box::new(dir)), (postgres, Box::new(server))]
    }

    #[test]
    fn a_refused_mutation_leaves_the_rest_of_its_batch_whole() {
        for (mut store, _keep) in stores() {
            let engine = store.engine();
            store.begin_batch().expect("begin");
            assert!(store.batch_is_open());
            store
                .mutate_in_batch("l", None, 1, |c| note(c, "job-1"))
                .expect("first");
            let refused = store.mutate_in_batch("l", None, 1, |c| {
                note(c, "job-2")?;
                Err(StoreError::Invalid("no".into()))
            });
            assert!(matches!(refused, Err(StoreError::Invalid(_))), "{engine:?}");
            // A statement the database itself refuses (the key is taken): PostgreSQL
            // then refuses everything else in the transaction until the savepoint is
            // rolled back, which must not cost the rest of the batch.
            let failed = store.mutate_in_batch("l", None, 1, |c| note(c, "job-1"));
            assert!(failed.is_err(), "{engine:?}: a duplicate key");
            let key = IdempotencyKey {
                key: "k".into(),
                request: "r".into(),
            };
            store
                .mutate_in_batch("l", Some(&key), 1, |c| note(c, "job-3"))
                .expect("third");
            // The same key again in the same batch: the stored answer, nothing written.
            let again = store
                .mutate_in_batch("l", Some(&key), 1, |c| note(c, "job-4"))
                .expect("replay");
            assert!(again.replayed);
            assert_eq!(again.body, "job-3");
            // Nothing is visible to another connection before the commit.
            let reader = store.reader().expect("reader").expect("a shared database");
            let seen = |reader: &Db| -> i64 {
                reader
                    .query_row(
                        "SELECT COUNT(*) FROM meta WHERE key LIKE 'job-%'",
                        (),
                        |r| r.get(0),
                    )
                    .expect("count")
            };
            assert_eq!(seen(&reader), 0, "{engine:?}");
            store.commit_batch().expect("commit");
            assert!(!store.batch_is_open());
            assert_eq!(seen(&reader), 2, "{engine:?}");
            assert_eq!(keys(&store), ["job-1", "job-3"], "{engine:?}");
        }
    }

    #[test]
    fn a_panicking_mutation_is_rolled_back_before_the_batch_commits() {
        for (mut store, _keep) in stores() {
            store.begin_batch().expect("begin");
            store
                .mutate_in_batch("l", None, 1, |c| note(c, "job-1"))
                .expect("first");
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = store.mutate_in_batch("l", None, 1, |c| {
                    note(c, "job-2")?;
                    panic!("a bug in a mutation");
                });
            }));
            assert!(panicked.is_err());
            store.commit_batch().expect("commit");
            assert_eq!(keys(&store), ["job-1"], "{:?}", store.engine());
        }
    }
}
