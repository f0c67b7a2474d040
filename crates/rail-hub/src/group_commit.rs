//! Group commit: mutations that arrive while another is being written share its
//! transaction, so a burst of orders costs one commit instead of one each.
//!
//! Each mutation still runs alone under the hub's lock, in a savepoint of its own
//! (`store::batch`). When it is done it looks at whether other mutations are waiting
//! for the lock: if so, it leaves the transaction open for them and waits; if not (or
//! the batch is full), it commits the batch, publishes every member's events in the
//! order they were written, and wakes the members. Every request is therefore answered
//! only once its change is committed and its events are out, in order; alone, a
//! mutation commits at once, as before. Anything else that takes the lock (a
//! subscription's snapshot, a read, another kind of write) first commits an open batch,
//! so nothing outside a batch ever sees its uncommitted changes.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, SyncSender};

use crate::hub::{Hub, HubError, State};
use crate::store::{IdempotencyKey, Mutation, Published, StoreError};

/// At most this many mutations share a commit, so the first in a long burst waits for
/// a bounded number of others.
const MAX_BATCH: usize = 64;

/// A mutation written in the open batch, waiting for its commit.
pub(crate) struct Member {
    published: Vec<Published>,
    now: i64,
    done: SyncSender<Result<(), String>>,
}

impl Hub {
    /// Commits the open batch, if any, publishes its members' events in order and
    /// answers them. Called with the lock held.
    pub(crate) fn finish_batch(&self, state: &mut State) {
        if !state.store.batch_is_open() {
            return;
        }
        let members = std::mem::take(&mut state.batch);
        match state.store.commit_batch() {
            Ok(()) if members.is_empty() => {}
            Ok(()) => {
                self.metrics.commits.fetch_add(1, Ordering::Relaxed);
                self.metrics
                    .mutations
                    .fetch_add(members.len() as u64, Ordering::Relaxed);
                let events: usize = members.iter().map(|m| m.published.len()).sum();
                self.metrics
                    .events_published
                    .fetch_add(events as u64, Ordering::Relaxed);
                for member in &members {
                    self.announce(state, &member.published, member.now);
                }
                for member in members {
                    // A member that stopped waiting has nobody to tell.
                    let _ = member.done.send(Ok(()));
                }
            }
            Err(error) => {
                tracing::error!(%error, members = members.len(), "a batch of changes failed to commit");
                let why = error.to_string();
                for member in members {
                    let _ = member.done.send(Err(why.clone()));
                }
            }
        }
    }

    /// Runs a store mutation in the open batch (opening one if none is) and answers once
    /// the batch has committed and the mutation's events are published.
    pub(crate) fn mutate<F>(
        &self,
        location: &str,
        idem: Option<&IdempotencyKey>,
        change: F,
    ) -> Result<Mutation, HubError>
    where
        F: FnOnce(&rusqlite::Connection, i64) -> Result<(u16, String, Vec<Published>), StoreError>,
    {
        self.mutators_waiting.fetch_add(1, Ordering::SeqCst);
        let mut state = self.lock_for_batch();
        self.mutators_waiting.fetch_sub(1, Ordering::SeqCst);
        if !state.store.batch_is_open() {
            state.store.begin_batch()?;
        }
        let now = crate::clock::now_ms();
        let outcome = state
            .store
            .mutate_in_batch(location, idem, now, |conn| change(conn, now));
        let (done, committed) = sync_channel(1);
        let mutation = match outcome {
            Ok(mut mutation) => {
                state.batch.push(Member {
                    published: std::mem::take(&mut mutation.published),
                    now,
                    done,
                });
                mutation
            }
            // Its savepoint is rolled back; the batch goes on without it.
            Err(error) => {
                self.close_batch_unless_joined(&mut state);
                return Err(error.into());
            }
        };
        self.close_batch_unless_joined(&mut state);
        drop(state);
        match committed.recv() {
            Ok(Ok(())) => Ok(mutation),
            Ok(Err(why)) => Err(StoreError::CommitFailed(why).into()),
            Err(_) => Err(StoreError::CommitFailed("the batch was dropped".into()).into()),
        }
    }

    /// Leaves the batch open for a mutation waiting for the lock, or commits it.
    fn close_batch_unless_joined(&self, state: &mut State) {
        let joined = self.mutators_waiting.load(Ordering::SeqCst) > 0;
        if !joined || state.batch.len() >= MAX_BATCH {
            self.finish_batch(state);
        }
    }
}
