//! The screen profile the hub last gave this screen, kept so that a restart while the
//! hub is unreachable still looks and sounds the way the manager set it.

use rail_protocol::ScreenProfile;
use rusqlite::OptionalExtension;

use super::{Store, StoreError};

impl Store {
    /// The profile kept, if any.
    ///
    /// # Errors
    /// On database failure or an unreadable row.
    pub fn profile(&self) -> Result<Option<ScreenProfile>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM profile WHERE id = 1", [], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(body.map(|body| serde_json::from_str(&body)).transpose()?)
    }

    /// Keeps `profile`, or forgets the one kept.
    ///
    /// # Errors
    /// On database failure.
    pub fn set_profile(&self, profile: Option<&ScreenProfile>) -> Result<(), StoreError> {
        match profile {
            Some(profile) => {
                self.conn.execute(
                    "INSERT INTO profile (id, body) VALUES (1, ?1)
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                    [serde_json::to_string(profile)?],
                )?;
            }
            None => {
                self.conn.execute("DELETE FROM profile", [])?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_kept_replaced_and_forgotten_across_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("screen.db");
        let mut profile = ScreenProfile {
            name: "line".into(),
            timers: rail_protocol::Thresholds::default(),
            language: "es".into(),
            theme: "dark".into(),
            font_scale: 1.2,
            sound_enabled: true,
            volume: 0.5,
            muted_cues: vec!["modified".into()],
            timers_by_order_type: Default::default(),
            timers_by_station: Default::default(),
        };
        {
            let store = Store::open(&path).expect("open");
            assert_eq!(store.profile().expect("read"), None);
            store.set_profile(Some(&profile)).expect("keep");
            profile.language = "en".into();
            store.set_profile(Some(&profile)).expect("replace");
        }
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.profile().expect("read"), Some(profile));
        store.set_profile(None).expect("forget");
        assert_eq!(store.profile().expect("read"), None);
    }
}
