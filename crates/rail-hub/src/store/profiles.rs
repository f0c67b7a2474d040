//! Screen profiles in the hub's database, per restaurant, and which devices follow
//! each. The rules (checks, who may, telling the screens) live in [`crate::profiles`].

use rail_protocol::ScreenProfile;

use super::{Store, StoreError};

impl Store {
    /// Every profile of a location, by name.
    ///
    /// # Errors
    /// On database failure or a corrupt row.
    pub fn profiles(&self, location_id: &str) -> Result<Vec<ScreenProfile>, StoreError> {
        self.conn.query_map(
            "SELECT body FROM profiles WHERE location_id = ?1 ORDER BY name",
            [location_id],
            |row| Ok(serde_json::from_str(&row.get::<String>(0)?)?),
        )
    }

    /// One profile by name.
    ///
    /// # Errors
    /// On database failure or a corrupt row.
    pub fn profile(
        &self,
        location_id: &str,
        name: &str,
    ) -> Result<Option<ScreenProfile>, StoreError> {
        let body: Option<String> = self.conn.query_opt(
            "SELECT body FROM profiles WHERE location_id = ?1 AND name = ?2",
            [location_id, name],
            |row| row.get(0),
        )?;
        Ok(body.map(|body| serde_json::from_str(&body)).transpose()?)
    }

    /// The profile a device follows, if it follows one that exists.
    ///
    /// # Errors
    /// On database failure or a corrupt row.
    pub fn device_profile(
        &self,
        location_id: &str,
        device_id: &str,
    ) -> Result<Option<ScreenProfile>, StoreError> {
        let body: Option<String> = self.conn.query_opt(
            "SELECT p.body FROM devices d
                 JOIN profiles p ON p.location_id = d.location_id AND p.name = d.profile
                 WHERE d.location_id = ?1 AND d.id = ?2",
            [location_id, device_id],
            |row| row.get(0),
        )?;
        Ok(body.map(|body| serde_json::from_str(&body)).transpose()?)
    }

    /// Creates or replaces a profile; true when it is new.
    ///
    /// # Errors
    /// On database failure.
    pub fn put_profile(
        &self,
        location_id: &str,
        profile: &ScreenProfile,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let existed = self.profile(location_id, &profile.name)?.is_some();
        self.conn.execute(
            "INSERT INTO profiles (location_id, name, body, updated_at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (location_id, name)
             DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms",
            (
                location_id,
                &profile.name,
                serde_json::to_string(profile)?,
                now_ms,
            ),
        )?;
        Ok(!existed)
    }

    /// Deletes a profile; false when there was none.
    ///
    /// # Errors
    /// On database failure.
    pub fn delete_profile(&self, location_id: &str, name: &str) -> Result<bool, StoreError> {
        let deleted = self.conn.execute(
            "DELETE FROM profiles WHERE location_id = ?1 AND name = ?2",
            [location_id, name],
        )?;
        Ok(deleted > 0)
    }

    /// `(id, name)` of the devices, not removed, that follow a profile.
    ///
    /// # Errors
    /// On database failure.
    pub fn devices_following(
        &self,
        location_id: &str,
        profile: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.conn.query_map(
            "SELECT id, name FROM devices
             WHERE location_id = ?1 AND profile = ?2 AND revoked_at_ms IS NULL
             ORDER BY name",
            [location_id, profile],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
    }
}
