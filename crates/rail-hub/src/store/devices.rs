//! The device registry and pairing requests in the hub's database. Secrets are kept
//! only as SHA-256 digests (they are 256 random bits, so a fast hash is enough: there
//! is nothing to guess); the logic of pairing lives in [`crate::devices`].

use crate::store::db::Row;
use rail_protocol::{Device, PendingPair, Role};

use super::{Store, StoreError};

/// A device row as the hub reasons about it.
#[derive(Debug, Clone)]
pub struct DeviceRecord {
    pub location_id: String,
    pub device: Device,
    pub secret_sha256: Option<String>,
}

/// A pairing request row.
#[derive(Debug, Clone)]
pub struct PairRecord {
    pub id: String,
    pub code: String,
    pub poll_sha256: String,
    pub pending: PendingPair,
    /// Set once the manager approved it.
    pub approved: Option<(String, String)>,
}

const DEVICE_COLUMNS: &str = "location_id, id, name, role, stations, secret_sha256, paired_at_ms, \
     last_seen_ms, address, app_version, revoked_at_ms, profile";

fn device_row(row: &Row<'_>) -> Result<(String, DeviceRow), StoreError> {
    Ok((
        row.get(0)?,
        DeviceRow {
            id: row.get(1)?,
            name: row.get(2)?,
            role: row.get(3)?,
            stations: row.get(4)?,
            secret_sha256: row.get(5)?,
            paired_at_ms: row.get(6)?,
            last_seen_ms: row.get(7)?,
            address: row.get(8)?,
            app_version: row.get(9)?,
            revoked_at_ms: row.get(10)?,
            profile: row.get(11)?,
        },
    ))
}

struct DeviceRow {
    id: String,
    name: String,
    role: String,
    stations: String,
    secret_sha256: Option<String>,
    paired_at_ms: i64,
    last_seen_ms: Option<i64>,
    address: Option<String>,
    app_version: Option<String>,
    revoked_at_ms: Option<i64>,
    profile: Option<String>,
}

impl DeviceRow {
    fn into_record(self, location_id: String) -> Result<DeviceRecord, StoreError> {
        let role: Role = self
            .role
            .parse()
            .map_err(|e: String| StoreError::Invalid(format!("stored device role: {e}")))?;
        Ok(DeviceRecord {
            location_id,
            secret_sha256: self.secret_sha256,
            device: Device {
                id: self.id,
                name: self.name,
                role,
                stations: serde_json::from_str(&self.stations)?,
                paired_at_ms: self.paired_at_ms,
                last_seen_ms: self.last_seen_ms,
                address: self.address,
                app_version: self.app_version,
                connections: 0,
                revoked_at_ms: self.revoked_at_ms,
                profile: self.profile,
                channels: Vec::new(),
            },
        })
    }
}

fn pair_row(row: &Row<'_>) -> Result<PairRecord, StoreError> {
    let location: Option<String> = row.get(8)?;
    let device: Option<String> = row.get(9)?;
    Ok(PairRecord {
        id: row.get(0)?,
        code: row.get(1)?,
        poll_sha256: row.get(2)?,
        pending: PendingPair {
            code: row.get(1)?,
            name: row.get(3)?,
            app_version: row.get(4)?,
            address: row.get(5)?,
            requested_at_ms: row.get(6)?,
            expires_at_ms: row.get(7)?,
        },
        approved: location.zip(device),
    })
}

const PAIR_COLUMNS: &str = "id, code, poll_sha256, name, app_version, address, requested_at_ms, \
     expires_at_ms, location_id, device_id";

impl Store {
    /// Records a pairing request, after dropping expired ones.
    ///
    /// # Errors
    /// On database failure.
    pub fn insert_pair_request(
        &mut self,
        record: &PairRecord,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM pair_requests WHERE expires_at_ms <= ?1",
            [now_ms],
        )?;
        tx.execute(
            "INSERT INTO pair_requests (id, code, poll_sha256, name, app_version, address,
                 requested_at_ms, expires_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            (
                &record.id,
                &record.code,
                &record.poll_sha256,
                &record.pending.name,
                &record.pending.app_version,
                &record.pending.address,
                record.pending.requested_at_ms,
                record.pending.expires_at_ms,
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Pairing requests not yet expired; `waiting_only` leaves out approved ones.
    ///
    /// # Errors
    /// On database failure.
    pub fn pair_requests(
        &self,
        now_ms: i64,
        waiting_only: bool,
    ) -> Result<Vec<PairRecord>, StoreError> {
        self.conn.query_map(
            &format!(
                "SELECT {PAIR_COLUMNS} FROM pair_requests
                 WHERE expires_at_ms > ?1 AND (?2 = 0 OR device_id IS NULL)
                 ORDER BY requested_at_ms"
            ),
            (now_ms, waiting_only),
            pair_row,
        )
    }

    /// One pairing request by id, expired or not.
    ///
    /// # Errors
    /// On database failure.
    pub fn pair_request(&self, id: &str) -> Result<Option<PairRecord>, StoreError> {
        self.conn.query_opt(
            &format!("SELECT {PAIR_COLUMNS} FROM pair_requests WHERE id = ?1"),
            [id],
            pair_row,
        )
    }

    /// Creates `device` from the waiting request `request_id`, in one transaction.
    ///
    /// # Errors
    /// `Conflict` if the request was approved meanwhile; database failures.
    pub fn approve_pair(
        &mut self,
        request_id: &str,
        location_id: &str,
        device: &Device,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE pair_requests SET location_id = ?2, device_id = ?3
             WHERE id = ?1 AND device_id IS NULL",
            (request_id, location_id, &device.id),
        )?;
        if changed == 0 {
            return Err(StoreError::Conflict(
                "this code was approved already".into(),
            ));
        }
        tx.execute(
            &format!("INSERT INTO devices ({DEVICE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, NULL, ?7, ?8, NULL, ?9)"),
            (
                location_id,
                &device.id,
                &device.name,
                device.role.as_str(),
                serde_json::to_string(&device.stations)?,
                device.paired_at_ms,
                &device.address,
                &device.app_version,
                &device.profile,
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces a device's secret digest (a device collecting its credentials).
    ///
    /// # Errors
    /// `NotFound` for an unknown device; database failures.
    pub fn set_device_secret(
        &self,
        location_id: &str,
        device_id: &str,
        secret_sha256: &str,
    ) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE devices SET secret_sha256 = ?3
             WHERE location_id = ?1 AND id = ?2 AND revoked_at_ms IS NULL",
            (location_id, device_id, secret_sha256),
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("no device {device_id:?}")));
        }
        Ok(())
    }

    /// A paired device by id, in whichever location holds it (paired devices have
    /// random ids; devices registered by `rail-hub token` hold no secret).
    ///
    /// # Errors
    /// On database failure or a corrupt row.
    pub fn paired_device(&self, device_id: &str) -> Result<Option<DeviceRecord>, StoreError> {
        let row = self.conn.query_opt(
            &format!(
                "SELECT {DEVICE_COLUMNS} FROM devices
                     WHERE id = ?1 AND (secret_sha256 IS NOT NULL OR revoked_at_ms IS NOT NULL)
                     ORDER BY paired_at_ms DESC LIMIT 1"
            ),
            [device_id],
            device_row,
        )?;
        row.map(|(location, row)| row.into_record(location))
            .transpose()
    }

    /// One device of a location.
    ///
    /// # Errors
    /// On database failure or a corrupt row.
    pub fn device(
        &self,
        location_id: &str,
        device_id: &str,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        let row = self.conn.query_opt(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE location_id = ?1 AND id = ?2"),
            [location_id, device_id],
            device_row,
        )?;
        row.map(|(location, row)| row.into_record(location))
            .transpose()
    }

    /// Records a device that holds a token signed by `rail-hub token` (no secret), so
    /// it shows in the device list and can be revoked. Known devices stay as they are.
    ///
    /// # Errors
    /// On database failure.
    pub fn register_device(&self, location_id: &str, device: &Device) -> Result<(), StoreError> {
        self.conn.execute(
            &format!(
                "INSERT INTO devices ({DEVICE_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, NULL, NULL, NULL, NULL, NULL)
                 ON CONFLICT (location_id, id) DO NOTHING"
            ),
            (
                location_id,
                &device.id,
                &device.name,
                device.role.as_str(),
                serde_json::to_string(&device.stations)?,
                device.paired_at_ms,
            ),
        )?;
        Ok(())
    }

    /// Every device of a location, revoked ones included, in pairing order.
    ///
    /// # Errors
    /// On database failure or a corrupt row.
    pub fn devices(&self, location_id: &str) -> Result<Vec<DeviceRecord>, StoreError> {
        self.conn
            .query_map(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices WHERE location_id = ?1
                     ORDER BY paired_at_ms, id"
                ),
                [location_id],
                device_row,
            )?
            .into_iter()
            .map(|(location, row)| row.into_record(location))
            .collect()
    }

    /// `(location, device id)` of every revoked device.
    ///
    /// # Errors
    /// On database failure.
    pub fn revoked_devices(&self) -> Result<Vec<(String, String)>, StoreError> {
        revoked(&self.conn)
    }

    /// Notes that a device was heard from.
    ///
    /// # Errors
    /// On database failure.
    pub fn touch_device(
        &self,
        device_id: &str,
        now_ms: i64,
        address: Option<&str>,
        app_version: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE devices SET last_seen_ms = ?2, address = COALESCE(?3, address),
                 app_version = COALESCE(?4, app_version)
             WHERE id = ?1",
            (device_id, now_ms, address, app_version),
        )?;
        Ok(())
    }

    /// Saves a device's name, role, stations and profile.
    ///
    /// # Errors
    /// On database failure.
    pub fn update_device(&self, location_id: &str, device: &Device) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE devices SET name = ?3, role = ?4, stations = ?5, profile = ?6
             WHERE location_id = ?1 AND id = ?2",
            (
                location_id,
                &device.id,
                &device.name,
                device.role.as_str(),
                serde_json::to_string(&device.stations)?,
                &device.profile,
            ),
        )?;
        Ok(())
    }

    /// Revokes a device for good: its secret is forgotten too.
    ///
    /// # Errors
    /// On database failure.
    pub fn revoke_device(
        &self,
        location_id: &str,
        device_id: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, ?3), secret_sha256 = NULL
             WHERE location_id = ?1 AND id = ?2",
            (location_id, device_id, now_ms),
        )?;
        Ok(())
    }
}

/// `(location, device id)` of every revoked device, on any connection.
///
/// # Errors
/// On database failure.
pub fn revoked(conn: &super::Db) -> Result<Vec<(String, String)>, StoreError> {
    conn.query_map(
        "SELECT location_id, id FROM devices WHERE revoked_at_ms IS NOT NULL",
        (),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
}
