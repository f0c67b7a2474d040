//! Group commit: mutations that arrive while another is being written share its
//! transaction, so a burst of orders costs one commit instead of one each.
//!
//! Each mutation still runs alone under the hub's lock, in a savepoint of its own
//! (`store::batch`). The REST API's mutations go to one writer thread (`Hub::write`):
//! it takes every request queued (up to [`MAX_BATCH`]), runs them one after another in
//! the open batch, commits once, publishes every member's events in the order they
//! were written, and only then answers each request. A request never waits for a
//! thread of its own to be scheduled or for the lock to be handed over, and a burst
//! of orders shares one commit. Mutations from elsewhere (the escalation and schedule
//! tasks) call `Hub::mutate` on their own thread: one that finds others waiting for the
//! lock leaves the transaction open for them and waits; otherwise it commits at once.
//! Anything else that takes the lock (a subscription's snapshot, a read, another kind
//! of write) first commits an open batch, so nothing outside a batch ever sees its
//! uncommitted changes.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use crate::hub::{Hub, HubError, State};
use crate::store::{IdempotencyKey, Mutation, Published, StoreError};

/// At most this many mutations share a commit, so the first in a long burst waits for
/// a bounded number of others.
const MAX_BATCH: usize = 64;

/// A mutation's commit outcome, as its batch reports it.
type Committed = Receiver<Result<(), String>>;

thread_local! {
    /// On the writer thread, while a request runs: the commits its mutations wait for.
    /// `mutate` leaves them here instead of waiting, since the writer itself commits
    /// the batch once every request taken has run.
    static DEFERRED: RefCell<Option<Vec<Committed>>> = const { RefCell::new(None) };
}

/// A request's change, as the writer runs it.
type Change = Box<dyn FnOnce(&Hub) -> Result<Mutation, HubError> + Send>;

/// A REST mutation queued for the writer thread.
pub(crate) struct Job {
    hub: Arc<Hub>,
    run: Change,
    /// The answer, once committed; `None` when the request panicked (nothing of it was
    /// written: its savepoint rolled back).
    reply: tokio::sync::oneshot::Sender<Option<Result<Mutation, HubError>>>,
}

/// The queue of the hub's writer thread.
pub(crate) type Writer = std::sync::mpsc::Sender<Job>;

/// Starts a hub's writer thread; it ends when the hub (holding the queue) is dropped.
pub(crate) fn start_writer() -> std::io::Result<Writer> {
    let (queue, jobs) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("hub-writer".into())
        .spawn(move || write_jobs(&jobs))?;
    Ok(queue)
}

/// The writer thread: each round runs every queued request in one batch.
fn write_jobs(jobs: &std::sync::mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let hub = Arc::clone(&first.hub);
        let mut taken = vec![first];
        while taken.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => taken.push(job),
                Err(_) => break,
            }
        }
        let mut ran = Vec::with_capacity(taken.len());
        for job in taken {
            DEFERRED.with(|waits| *waits.borrow_mut() = Some(Vec::new()));
            let Job { hub, run, reply } = job;
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| run(&hub)));
            let waits = DEFERRED
                .with(|waits| waits.borrow_mut().take())
                .unwrap_or_default();
            ran.push((reply, outcome, waits));
        }
        // Commits the batch (unless a reader already did) and publishes its events.
        drop(hub.lock());
        for (reply, outcome, waits) in ran {
            let answer = match outcome {
                Err(_) => None,
                Ok(result) => Some(match waits.iter().find_map(commit_failure) {
                    Some(why) => Err(StoreError::CommitFailed(why).into()),
                    None => result,
                }),
            };
            // A request whose caller went away has nobody to tell.
            let _ = reply.send(answer);
        }
    }
}

/// Why a mutation's batch did not commit, if it did not.
fn commit_failure(committed: &Committed) -> Option<String> {
    match committed.try_recv() {
        Ok(Ok(())) => None,
        Ok(Err(why)) => Some(why),
        Err(_) => Some("the batch was dropped".into()),
    }
}

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
                let commits: Vec<(&[Published], i64)> = members
                    .iter()
                    .map(|member| (member.published.as_slice(), member.now))
                    .collect();
                self.announce_commits(state, &commits);
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
        F: FnOnce(&crate::store::Db, i64) -> Result<(u16, String, Vec<Published>), StoreError>,
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
                if DEFERRED.with(|waits| waits.borrow().is_none()) {
                    self.close_batch_unless_joined(&mut state);
                }
                return Err(error.into());
            }
        };
        let deferred = DEFERRED.with(|waits| match waits.borrow_mut().as_mut() {
            Some(waits) => {
                waits.push(committed);
                None
            }
            None => Some(committed),
        });
        // On the writer thread, which commits once all its requests have run.
        let Some(committed) = deferred else {
            return Ok(mutation);
        };
        self.close_batch_unless_joined(&mut state);
        drop(state);
        match committed.recv() {
            Ok(Ok(())) => Ok(mutation),
            Ok(Err(why)) => Err(StoreError::CommitFailed(why).into()),
            Err(_) => Err(StoreError::CommitFailed("the batch was dropped".into()).into()),
        }
    }

    /// Runs a REST mutation on the writer thread, in the batch it is writing, and
    /// answers once that batch is committed and published. `None` when the request
    /// panicked or the writer is gone: nothing of it was written.
    pub(crate) async fn write<F>(self: &Arc<Self>, run: F) -> Option<Result<Mutation, HubError>>
    where
        F: FnOnce(&Hub) -> Result<Mutation, HubError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job {
            hub: Arc::clone(self),
            run: Box::new(run),
            reply,
        };
        self.writer.send(job).ok()?;
        answer.await.ok().flatten()
    }

    /// Leaves the batch open for a mutation waiting for the lock, or commits it.
    fn close_batch_unless_joined(&self, state: &mut State) {
        let joined = self.mutators_waiting.load(Ordering::SeqCst) > 0;
        if !joined || state.batch.len() >= MAX_BATCH {
            self.finish_batch(state);
        }
    }
}
