//! Group commit in the store: one open transaction that many mutations join, each in a
//! savepoint of its own, so a refused mutation takes nothing of the others with it and
//! the batch costs one commit. The hub decides when a batch opens and commits
//! (`crate::group_commit`); nothing here is visible to another connection until then.
//!
//! The first mutation of a batch needs no savepoint: the transaction holds nothing
//! else yet, so rolling it back (and opening it again) undoes exactly that mutation.
//! A quiet kitchen's orders each come alone, and a savepoint is not free: SQLite
//! copies every page the savepoint's changes touch into its journal first.

use crate::store::Db;

use super::{run_mutation, IdempotencyKey, Mutation, Published, Store, StoreError};

/// What undoes a mutation unless it is kept, on an error or a panic alike, so a batch
/// never commits half of one mutation: its own savepoint, or for the first mutation of
/// a batch the batch's transaction, rolled back and opened again.
struct JobUndo<'c> {
    conn: &'c Db,
    /// The mutation is the batch's first: no savepoint was opened.
    whole_transaction: bool,
    kept: bool,
}

impl<'c> JobUndo<'c> {
    fn open(conn: &'c Db, first_in_batch: bool) -> Result<Self, StoreError> {
        if !first_in_batch {
            conn.control("SAVEPOINT job")?;
        }
        Ok(Self {
            conn,
            whole_transaction: first_in_batch,
            kept: false,
        })
    }

    /// Keeps the mutation: releases its savepoint, if it has one.
    fn keep(mut self) -> Result<(), StoreError> {
        if !self.whole_transaction {
            self.conn.control("RELEASE job")?;
        }
        self.kept = true;
        Ok(())
    }
}

impl Drop for JobUndo<'_> {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let undone = if self.whole_transaction {
            // Rolled back even if the batch cannot be opened again: the next mutation
            // then opens one itself.
            self.conn.rollback();
            self.conn.begin()
        } else {
            self.conn.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        if let Err(error) = undone {
            tracing::error!(%error, "rolling back a refused mutation failed");
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
        self.conn.begin()?;
        self.batch_is_empty = true;
        Ok(())
    }

    /// Commits the batch: every mutation in it is durable, or (on an error) none is.
    ///
    /// # Errors
    /// When the commit fails; the batch is then rolled back.
    pub(crate) fn commit_batch(&mut self) -> Result<(), StoreError> {
        self.batch_is_empty = false;
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
        let first_in_batch = std::mem::replace(&mut self.batch_is_empty, false);
        let undo = JobUndo::open(&self.conn, first_in_batch)?;
        let mutation = run_mutation(&self.conn, location_id, idempotency, now_ms, change)?;
        undo.keep()?;
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

    /// The first mutation of a batch runs without a savepoint: refused or panicking,
    /// it must still leave nothing behind, and the batch must stay open for the next.
    #[test]
    fn a_batch_whose_first_mutation_fails_keeps_only_the_rest() {
        for (mut store, _keep) in stores() {
            let engine = store.engine();
            store.begin_batch().expect("begin");
            let refused = store.mutate_in_batch("l", None, 1, |c| {
                note(c, "job-1")?;
                Err(StoreError::Invalid("no".into()))
            });
            assert!(matches!(refused, Err(StoreError::Invalid(_))), "{engine:?}");
            assert!(store.batch_is_open(), "{engine:?}: the batch was closed");
            store
                .mutate_in_batch("l", None, 1, |c| note(c, "job-2"))
                .expect("second");
            // The second ran in a savepoint of its own: a third refused after it
            // takes nothing of it.
            let failed = store.mutate_in_batch("l", None, 1, |c| note(c, "job-2"));
            assert!(failed.is_err(), "{engine:?}: a duplicate key");
            store.commit_batch().expect("commit");
            assert_eq!(keys(&store), ["job-2"], "{engine:?}");

            store.begin_batch().expect("begin");
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = store.mutate_in_batch("l", None, 1, |c| {
                    note(c, "job-3")?;
                    panic!("a bug in a mutation");
                });
            }));
            assert!(panicked.is_err());
            assert!(store.batch_is_open(), "{engine:?}: the batch was closed");
            store
                .mutate_in_batch("l", None, 1, |c| note(c, "job-4"))
                .expect("after the panic");
            store.commit_batch().expect("commit");
            assert_eq!(keys(&store), ["job-2", "job-4"], "{engine:?}");
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
