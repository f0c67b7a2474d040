//! Each restaurant's stations and routing rules, kept in the hub's database and edited
//! on the admin page; the configuration file's rules are only the seed a restaurant
//! starts with. A change applies to the next order and is recorded in the audit log.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rail_protocol::channel::is_valid_id;
use rail_protocol::{KitchenSetup, Role};

use crate::auth::Claims;
use crate::clock::now_ms;
use crate::devices::DeviceError;
use crate::hub::Hub;
use crate::routing::Routes;
use crate::store::kitchen::checks::check_text;
use crate::store::{Store, StoreError};

/// Most rules one kitchen may have.
pub const MAX_RULES: usize = 1000;

impl Routes {
    /// The rules as the admin page shows them; the stations are every one a rule names.
    pub fn to_setup(&self) -> KitchenSetup {
        let mut stations: Vec<String> = self
            .by_category
            .values()
            .chain(self.by_item.values())
            .chain(self.default_station.iter())
            .cloned()
            .collect();
        stations.sort();
        stations.dedup();
        KitchenSetup {
            stations,
            by_category: self
                .by_category
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            by_item: self
                .by_item
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            default_station: self.default_station.clone(),
        }
    }

    fn from_setup(setup: &KitchenSetup) -> Self {
        Routes {
            by_item: setup.by_item.clone().into_iter().collect(),
            by_category: setup.by_category.clone().into_iter().collect(),
            default_station: setup.default_station.clone(),
        }
    }
}

fn invalid(detail: String) -> DeviceError {
    DeviceError::Store(StoreError::Invalid(detail))
}

/// Refuses a setup that would misroute an order, in words a manager understands.
fn check(setup: &KitchenSetup) -> Result<(), DeviceError> {
    if setup.stations.is_empty() {
        return Err(invalid("a kitchen needs at least one station".into()));
    }
    let mut seen = HashSet::new();
    for station in &setup.stations {
        if station.trim().is_empty() {
            return Err(invalid("a station needs a name".into()));
        }
        if !is_valid_id(station) {
            return Err(invalid(format!(
                "station {station:?} is not a station name (letters, digits, - _ . up to 64)"
            )));
        }
        if !seen.insert(station.to_lowercase()) {
            return Err(invalid(format!("station {station:?} is listed twice")));
        }
    }
    if setup.by_category.len() + setup.by_item.len() > MAX_RULES {
        return Err(invalid(format!("at most {MAX_RULES} rules")));
    }
    let known = |station: &str| setup.stations.iter().any(|s| s == station);
    for (what, rules) in [("category", &setup.by_category), ("item", &setup.by_item)] {
        let mut keys = HashSet::new();
        for (key, station) in rules {
            check_text(what, key).map_err(DeviceError::Store)?;
            if !keys.insert(key.to_lowercase()) {
                return Err(invalid(format!("the {what} {key:?} has two rules")));
            }
            if !known(station) {
                return Err(invalid(format!(
                    "the {what} {key:?} goes to station {station:?}, which is not one of the kitchen's stations"
                )));
            }
        }
    }
    if let Some(station) = &setup.default_station {
        if !known(station) {
            return Err(invalid(format!(
                "the default station {station:?} is not one of the kitchen's stations"
            )));
        }
    }
    Ok(())
}

impl Store {
    fn kitchen_setup(&self, location_id: &str) -> Result<Option<KitchenSetup>, StoreError> {
        let body: Option<String> = self.conn().query_opt(
            "SELECT body FROM kitchen_setup WHERE location_id = ?1",
            [location_id],
            |row| row.get(0),
        )?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }

    fn set_kitchen_setup(
        &self,
        location_id: &str,
        setup: &KitchenSetup,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO kitchen_setup (location_id, body, updated_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (location_id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms",
            (location_id, serde_json::to_string(setup)?, now_ms),
        )?;
        Ok(())
    }
}

impl Hub {
    /// The routing rules orders of `location_id` follow now: the restaurant's own, or
    /// the configuration file's until it has some.
    ///
    /// # Errors
    /// On store failure.
    pub fn routes_for(&self, location_id: &str) -> Result<Arc<Routes>, StoreError> {
        // Read inside an open batch of changes, not after committing it: no change in a
        // batch touches the kitchen's setup, and committing here, before every order,
        // would end every batch after its first order.
        let mut state = self.lock_for_batch();
        // Hubs sharing a PostgreSQL store do not see each other's edits to the
        // kitchen: there the routes are read for every order.
        let shared = state.store.engine() == crate::store::Engine::Postgres;
        if let Some(routes) = state.routes.get(location_id).filter(|_| !shared) {
            return Ok(Arc::clone(routes));
        }
        let routes = Arc::new(match state.store.kitchen_setup(location_id)? {
            Some(setup) => Routes::from_setup(&setup),
            None => self.config.routes.clone(),
        });
        state
            .routes
            .insert(location_id.to_owned(), Arc::clone(&routes));
        Ok(routes)
    }

    /// The restaurant's stations and rules, for the admin page.
    ///
    /// # Errors
    /// `Forbidden` for anyone but an admin; store failures.
    pub fn kitchen(&self, who: &Claims) -> Result<KitchenSetup, DeviceError> {
        if who.role != Role::Admin {
            return Err(DeviceError::Forbidden(
                "only the manager edits the kitchen".into(),
            ));
        }
        Ok(match self.lock().store.kitchen_setup(&who.loc)? {
            Some(setup) => setup,
            None => self.config.routes.to_setup(),
        })
    }

    /// Replaces the restaurant's stations and rules; the next order follows them.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` setups (see the checks), store failures.
    pub fn set_kitchen(
        &self,
        who: &Claims,
        setup: &KitchenSetup,
    ) -> Result<KitchenSetup, DeviceError> {
        if who.role != Role::Admin {
            return Err(DeviceError::Forbidden(
                "only the manager edits the kitchen".into(),
            ));
        }
        let mut setup = setup.clone();
        setup.stations = setup.stations.iter().map(|s| s.trim().to_owned()).collect();
        setup.by_category = trimmed(&setup.by_category);
        setup.by_item = trimmed(&setup.by_item);
        setup.default_station = setup
            .default_station
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        check(&setup)?;
        let before = self.kitchen(who)?;
        {
            // The cached routes change under the same lock as the stored setup, so no
            // order can be routed by the old rules once the new ones are stored.
            let mut state = self.lock();
            state.store.set_kitchen_setup(&who.loc, &setup, now_ms())?;
            state
                .routes
                .insert(who.loc.clone(), Arc::new(Routes::from_setup(&setup)));
        }
        self.audit(who, "routing", &describe_change(&before, &setup));
        Ok(setup)
    }
}

fn trimmed(rules: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    rules
        .iter()
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// "burgers → grill2 (was grill); + station grill2" — what the audit log says.
fn describe_change(before: &KitchenSetup, after: &KitchenSetup) -> String {
    let mut changes = Vec::new();
    for station in after
        .stations
        .iter()
        .filter(|s| !before.stations.contains(s))
    {
        changes.push(format!("+ station {station}"));
    }
    for station in before
        .stations
        .iter()
        .filter(|s| !after.stations.contains(s))
    {
        changes.push(format!("- station {station}"));
    }
    for (what, old, new) in [
        ("category", &before.by_category, &after.by_category),
        ("item", &before.by_item, &after.by_item),
    ] {
        for (key, station) in new {
            match old.get(key) {
                Some(was) if was == station => {}
                Some(was) => changes.push(format!("{what} {key} → {station} (was {was})")),
                None => changes.push(format!("{what} {key} → {station}")),
            }
        }
        for key in old.keys().filter(|k| !new.contains_key(*k)) {
            changes.push(format!("{what} {key} removed"));
        }
    }
    if before.default_station != after.default_station {
        changes.push(format!(
            "default station {}",
            after.default_station.as_deref().unwrap_or("none")
        ));
    }
    if changes.is_empty() {
        "no change".into()
    } else {
        changes.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> KitchenSetup {
        KitchenSetup {
            stations: vec!["grill".into(), "fry".into()],
            by_category: [("burgers".to_owned(), "grill".to_owned())].into(),
            by_item: BTreeMap::new(),
            default_station: Some("fry".into()),
        }
    }

    /// A change to a good setup, and what the refusal must say.
    type Case = (fn(&mut KitchenSetup), &'static str);

    #[test]
    fn a_setup_that_would_misroute_is_refused_with_its_reason() {
        assert!(check(&setup()).is_ok());
        let cases: [Case; 5] = [
            (|s| s.stations.clear(), "at least one station"),
            (|s| s.stations.push("GRILL".into()), "listed twice"),
            (|s| s.stations.push(" ".into()), "needs a name"),
            (
                |s| {
                    s.by_category.insert("fish".into(), "sea".into());
                },
                "not one of the kitchen's stations",
            ),
            (
                |s| s.default_station = Some("bar".into()),
                "default station",
            ),
        ];
        for (change, reason) in cases {
            let mut bad = setup();
            change(&mut bad);
            let error = check(&bad).expect_err("refused").to_string();
            assert!(error.contains(reason), "{error} should say {reason}");
        }
    }

    #[test]
    fn the_audit_says_what_changed() {
        let before = setup();
        let mut after = setup();
        after.stations.push("grill2".into());
        after.by_category.insert("burgers".into(), "grill2".into());
        after.default_station = None;
        assert_eq!(
            describe_change(&before, &after),
            "+ station grill2; category burgers → grill2 (was grill); default station none"
        );
        assert_eq!(describe_change(&before, &before), "no change");
    }

    #[test]
    fn the_file_rules_read_back_as_a_setup_with_their_stations() {
        let setup = Routes::default().to_setup();
        assert!(setup.stations.contains(&"grill".to_owned()));
        assert!(check(&setup).is_ok());
        assert_eq!(Routes::from_setup(&setup).to_setup(), setup);
    }
}
