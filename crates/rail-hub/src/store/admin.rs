//! The manager's accounts, browser sessions and the audit log in the hub's database.
//! Passwords are kept as Argon2 hashes and session ids as SHA-256 digests, so the
//! database alone logs nobody in.

use rail_protocol::AuditEntry;

use super::{Store, StoreError};

/// A live session: whose, and the token its forms must echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub location_id: String,
    pub username: String,
    pub csrf: String,
    pub expires_at_ms: i64,
}

impl Store {
    /// Sets (or replaces) an account's password hash.
    ///
    /// # Errors
    /// On database failure.
    pub fn set_admin(
        &self,
        location_id: &str,
        username: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO admins (location_id, username, password_hash, created_at_ms)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (location_id, username) DO UPDATE SET password_hash = excluded.password_hash",
            (location_id, username, password_hash, now_ms),
        )?;
        // A new password ends the sessions opened with the old one.
        self.conn.execute(
            "DELETE FROM admin_sessions WHERE location_id = ?1 AND username = ?2",
            (location_id, username),
        )?;
        Ok(())
    }

    /// How many admin accounts the hub has, in every location.
    ///
    /// # Errors
    /// On database failure.
    pub fn admin_count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM admins", (), |row| row.get(0))
    }

    /// An account's password hash.
    ///
    /// # Errors
    /// On database failure.
    pub fn admin_hash(
        &self,
        location_id: &str,
        username: &str,
    ) -> Result<Option<String>, StoreError> {
        self.conn.query_opt(
            "SELECT password_hash FROM admins WHERE location_id = ?1 AND username = ?2",
            (location_id, username),
            |row| row.get(0),
        )
    }

    /// Opens a session, dropping expired ones.
    ///
    /// # Errors
    /// On database failure.
    pub fn open_session(
        &self,
        id_sha256: &str,
        session: &SessionRecord,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM admin_sessions WHERE expires_at_ms <= ?1",
            [now_ms],
        )?;
        self.conn.execute(
            "INSERT INTO admin_sessions (id_sha256, location_id, username, csrf, created_at_ms, expires_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (
                id_sha256,
                &session.location_id,
                &session.username,
                &session.csrf,
                now_ms,
                session.expires_at_ms,
            ),
        )?;
        Ok(())
    }

    /// A session that has not expired.
    ///
    /// # Errors
    /// On database failure.
    pub fn session(
        &self,
        id_sha256: &str,
        now_ms: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.conn.query_opt(
            "SELECT location_id, username, csrf, expires_at_ms FROM admin_sessions
                 WHERE id_sha256 = ?1 AND expires_at_ms > ?2",
            (id_sha256, now_ms),
            |row| {
                Ok(SessionRecord {
                    location_id: row.get(0)?,
                    username: row.get(1)?,
                    csrf: row.get(2)?,
                    expires_at_ms: row.get(3)?,
                })
            },
        )
    }

    /// Ends a session.
    ///
    /// # Errors
    /// On database failure.
    pub fn close_session(&self, id_sha256: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM admin_sessions WHERE id_sha256 = ?1",
            [id_sha256],
        )?;
        Ok(())
    }

    /// Records what someone changed.
    ///
    /// # Errors
    /// On database failure.
    pub fn audit(
        &self,
        location_id: &str,
        at_ms: i64,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO audit_log (location_id, at_ms, actor, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            (location_id, at_ms, actor, action, detail),
        )?;
        Ok(())
    }

    /// The newest `limit` audit entries of a location, newest first.
    ///
    /// # Errors
    /// On database failure.
    pub fn audit_log(&self, location_id: &str, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.conn.query_map(
            "SELECT at_ms, actor, action, detail FROM audit_log
             WHERE location_id = ?1 ORDER BY id DESC LIMIT ?2",
            (location_id, limit),
            |row| {
                Ok(AuditEntry {
                    at_ms: row.get(0)?,
                    actor: row.get(1)?,
                    action: row.get(2)?,
                    detail: row.get(3)?,
                })
            },
        )
    }
}
