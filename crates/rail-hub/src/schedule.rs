//! Scheduled orders: a pickup or delivery wanted at a time (`dueAtMs`) has each
//! station's ticket held and fired so that every station finishes together by then.
//!
//! A station cooks its items side by side, so its part takes as long as its longest
//! item: it fires at the due time less that prep time (the rule is
//! `store/kitchen/derive.rs`'s `fire_at`). Prep times come from the order's items, else
//! the menu table in the hub's configuration (`[prep_times]`, by item name), else a
//! default (`default_prep_minutes`, 5). Fire times live in the tickets table, so a hub
//! restarted between scheduling and firing fires on time (or at once, if the time
//! passed while it was down). The scheduler below sleeps until the next fire time and
//! wakes early when an order changes.
//!
//! Edge cases: a due time already past (or a prep time longer than the time left)
//! fires at once; a course held by the POS stays held until the POS fires it and then
//! follows the schedule (at once if its time has come); a ticket already on the rail is
//! never taken back by a later change to the due time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rail_protocol::limits::MAX_PREP_SECS;
use rail_protocol::NewOrderItem;

use crate::clock::now_ms;
use crate::hub::{Hub, HubError};

/// The menu's prep times.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepTimes {
    /// Item name (lower case) → seconds.
    by_item: BTreeMap<String, u32>,
    /// For items the order and the menu say nothing about.
    pub default_secs: u32,
}

impl Default for PrepTimes {
    fn default() -> Self {
        PrepTimes {
            by_item: BTreeMap::new(),
            default_secs: 300,
        }
    }
}

fn minutes_to_secs(what: &str, minutes: f64) -> Result<u32, String> {
    let secs = minutes * 60.0;
    if !(secs.is_finite() && (0.0..=f64::from(MAX_PREP_SECS)).contains(&secs)) {
        return Err(format!(
            "{what}: {minutes} minutes is not a prep time (0 to {} minutes)",
            MAX_PREP_SECS / 60
        ));
    }
    Ok(secs.round() as u32)
}

impl PrepTimes {
    /// From the configuration file's minutes.
    ///
    /// # Errors
    /// A negative, endless or day-long prep time, named.
    pub fn from_minutes(
        by_item: BTreeMap<String, f64>,
        default_minutes: Option<f64>,
    ) -> Result<Self, String> {
        let mut times = PrepTimes::default();
        if let Some(minutes) = default_minutes {
            times.default_secs = minutes_to_secs("default_prep_minutes", minutes)?;
        }
        for (item, minutes) in by_item {
            let secs = minutes_to_secs(&format!("prep_times.{item:?}"), minutes)?;
            times.by_item.insert(item.to_lowercase(), secs);
        }
        Ok(times)
    }

    /// Gives every item its prep time: its own, else the menu's, else the default.
    pub fn fill(&self, items: &mut [NewOrderItem]) {
        for item in items {
            if item.prep_secs.is_none() {
                let listed = self.by_item.get(&item.name.to_lowercase()).copied();
                item.prep_secs = Some(listed.unwrap_or(self.default_secs));
            }
        }
    }
}

/// The scheduler never sleeps longer than this, so a clock step (NTP) or a missed
/// wake-up costs at most this much lateness.
const LONGEST_SLEEP: Duration = Duration::from_secs(1);

impl Hub {
    /// Fires every ticket whose time has come; answers how many events that made.
    ///
    /// # Errors
    /// Store failures.
    pub fn fire_scheduled(&self) -> Result<usize, HubError> {
        let now = now_ms();
        let mut state = self.lock();
        let published = state.store.fire_scheduled(now)?;
        self.announce(&mut state, &published, now);
        drop(state);
        if !published.is_empty() {
            self.metrics
                .events_published
                .fetch_add(published.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(published.len())
    }

    /// The next fire time (hub time), if a ticket waits for one.
    ///
    /// # Errors
    /// Store failures.
    pub fn next_fire_at(&self) -> Result<Option<i64>, HubError> {
        Ok(self.lock().store.next_fire_at()?)
    }
}

/// Fires scheduled tickets at their time, for as long as the hub runs. With nothing
/// scheduled it only waits to be told of a change; it writes nothing until a fire time
/// has come.
pub async fn run(hub: Arc<Hub>) {
    loop {
        let next = match hub.next_fire_at() {
            Ok(next) => next,
            Err(error) => {
                tracing::warn!(%error, "could not read the next fire time");
                None
            }
        };
        let due = next.filter(|at| *at <= now_ms());
        if due.is_none() {
            let wait = next.map_or(LONGEST_SLEEP, |at| {
                let ahead = u64::try_from(at.saturating_sub(now_ms())).unwrap_or(0);
                Duration::from_millis(ahead).min(LONGEST_SLEEP)
            });
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = hub.schedule_changed.notified() => {}
            }
            continue;
        }
        // Fired off the async workers: it is a SQLite transaction like any write.
        let firing = hub.clone();
        match tokio::task::spawn_blocking(move || firing.fire_scheduled()).await {
            Ok(Ok(events)) if events > 0 => tracing::info!(events, "fired scheduled tickets"),
            // Something was due and nothing fired (or firing failed): never spin on it.
            Ok(Ok(_)) => tokio::time::sleep(LONGEST_SLEEP).await,
            Ok(Err(error)) => {
                tracing::warn!(%error, "could not fire scheduled tickets");
                tokio::time::sleep(LONGEST_SLEEP).await;
            }
            Err(error) => tracing::error!(%error, "the scheduler's task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, prep_secs: Option<u32>) -> NewOrderItem {
        serde_json::from_value(serde_json::json!({ "name": name, "prepSecs": prep_secs }))
            .expect("item")
    }

    #[test]
    fn an_items_own_prep_time_wins_then_the_menu_then_the_default() {
        let menu = PrepTimes::from_minutes(
            [("Ribeye".to_owned(), 12.0), ("Salad".to_owned(), 0.5)].into(),
            Some(4.0),
        )
        .expect("menu");
        let mut items = vec![
            item("ribeye", None),
            item("SALAD", None),
            item("Ribeye", Some(60)),
            item("Soup", None),
        ];
        menu.fill(&mut items);
        let secs: Vec<Option<u32>> = items.iter().map(|i| i.prep_secs).collect();
        assert_eq!(secs, [Some(720), Some(30), Some(60), Some(240)]);
    }

    #[test]
    fn nonsense_prep_times_are_refused_by_name() {
        for (menu, default) in [
            (BTreeMap::from([("Stew".to_owned(), -1.0)]), None),
            (BTreeMap::from([("Stew".to_owned(), f64::INFINITY)]), None),
            (BTreeMap::new(), Some(24.0 * 60.0 + 1.0)),
        ] {
            let error = PrepTimes::from_minutes(menu, default).expect_err("refused");
            assert!(
                error.contains("Stew") || error.contains("default_prep_minutes"),
                "{error}"
            );
        }
    }
}
