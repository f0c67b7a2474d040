//! The manager's side of the hub: accounts (Argon2 passwords), browser sessions for
//! the admin page (an HttpOnly, SameSite=Strict cookie plus a CSRF token the page
//! echoes on every change), a limit on login attempts, and the audit log. The page
//! itself is in [`page`]; what it calls is the same REST API tokens use.

pub mod page;
pub mod setup;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use rail_protocol::{AdminSession, AuditEntry, Login, Role};

use crate::auth::Claims;
use crate::clock::now_ms;
use crate::hub::Hub;
use crate::store::admin::SessionRecord;
use crate::store::StoreError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rail_admin";
/// The header a signed-in page sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a sign-in lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Failed sign-ins allowed from one address per [`LOGIN_WINDOW`].
pub const LOGIN_ATTEMPTS: u32 = 5;
/// The window of [`LOGIN_ATTEMPTS`].
pub const LOGIN_WINDOW: Duration = Duration::from_secs(300);
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

/// Why signing in or managing accounts failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    #[error("wrong location, user name or password")]
    WrongCredentials,
    #[error("wrong setup code, or this hub is set up already (sign in instead)")]
    WrongSetupCode,
    #[error("too many failed sign-ins from this address; try again in {0} seconds")]
    TooManyAttempts(u64),
    #[error("a password needs at least {MIN_PASSWORD} characters")]
    WeakPassword,
    #[error("{0}")]
    Invalid(String),
    #[error("could not hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Failed sign-ins per address, forgotten after [`LOGIN_WINDOW`].
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Err(seconds to wait)` while `address` has used up its attempts.
    fn check(&self, address: &str) -> Result<(), u64> {
        let mut failures = self.lock();
        failures.retain(|_, (_, since)| since.elapsed() < LOGIN_WINDOW);
        match failures.get(address) {
            Some((count, since)) if *count >= LOGIN_ATTEMPTS => Err(LOGIN_WINDOW
                .saturating_sub(since.elapsed())
                .as_secs()
                .max(1)),
            _ => Ok(()),
        }
    }

    fn failed(&self, address: &str) {
        let mut failures = self.lock();
        let entry = failures
            .entry(address.to_owned())
            .or_insert((0, Instant::now()));
        entry.0 += 1;
    }

    fn succeeded(&self, address: &str) {
        self.lock().remove(address);
    }
}

/// An Argon2 hash of `password`.
///
/// # Errors
/// A password shorter than [`MIN_PASSWORD`], or a hashing failure.
pub fn hash_password(password: &str) -> Result<String, AdminError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AdminError::WeakPassword);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AdminError::Hash(e.to_string()))
}

fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A session's cookie id and what the page learns about it.
pub struct SignedIn {
    pub cookie_id: String,
    pub session: AdminSession,
}

impl Hub {
    /// Sets an account's password (`rail-hub admin`).
    ///
    /// # Errors
    /// A weak password, a bad location or user name, or a store failure.
    pub fn set_admin_password(
        &self,
        location: &str,
        username: &str,
        password: &str,
    ) -> Result<(), AdminError> {
        if !rail_protocol::channel::is_valid_id(location) {
            return Err(AdminError::Invalid(format!(
                "{location:?} is not a location id"
            )));
        }
        if !rail_protocol::channel::is_valid_id(username) {
            return Err(AdminError::Invalid(format!(
                "{username:?} is not a user name (letters, digits, - _ .)"
            )));
        }
        let hash = hash_password(password)?;
        let now = now_ms();
        let state = self.lock();
        state.store.set_admin(location, username, &hash, now)?;
        state
            .store
            .audit(location, now, "rail-hub admin", "password", username)?;
        Ok(())
    }

    /// Signs a manager in from `address`; a wrong password counts against the address.
    ///
    /// # Errors
    /// `WrongCredentials`, `TooManyAttempts`, store failures.
    pub fn sign_in(&self, login: &Login, address: &str) -> Result<SignedIn, AdminError> {
        self.login_limiter
            .check(address)
            .map_err(AdminError::TooManyAttempts)?;
        let hash = self
            .lock()
            .store
            .admin_hash(&login.location, &login.username)?;
        // Verify against something even for an unknown account, so the time taken
        // does not tell which accounts exist.
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        if !(password_matches(&hash, &login.password) && known) {
            self.login_limiter.failed(address);
            tracing::warn!(%address, location = %login.location, user = %login.username, "failed admin sign-in");
            return Err(AdminError::WrongCredentials);
        }
        self.login_limiter.succeeded(address);
        let now = now_ms();
        let cookie_id = crate::auth::random_secret();
        let record = SessionRecord {
            location_id: login.location.clone(),
            username: login.username.clone(),
            csrf: crate::auth::random_secret(),
            expires_at_ms: now + i64::try_from(SESSION_TTL.as_millis()).unwrap_or(i64::MAX),
        };
        let state = self.lock();
        state
            .store
            .open_session(&crate::auth::sha256_hex(&cookie_id), &record, now)?;
        state.store.audit(
            &record.location_id,
            now,
            &format!("admin:{}", record.username),
            "sign-in",
            address,
        )?;
        drop(state);
        Ok(SignedIn {
            cookie_id,
            session: self.admin_session_of(record),
        })
    }

    fn admin_session_of(&self, record: SessionRecord) -> AdminSession {
        AdminSession {
            location: record.location_id,
            username: record.username,
            csrf: record.csrf,
            expires_at_ms: record.expires_at_ms,
            hub_fingerprint: self.config.tls.as_ref().map(|tls| tls.fingerprint.clone()),
        }
    }

    /// The session behind a cookie id, with the claims it acts under.
    ///
    /// # Errors
    /// On store failure.
    pub fn admin_session(
        &self,
        cookie_id: &str,
    ) -> Result<Option<(Claims, AdminSession)>, StoreError> {
        let now = now_ms();
        let Some(record) = self
            .lock()
            .store
            .session(&crate::auth::sha256_hex(cookie_id), now)?
        else {
            return Ok(None);
        };
        let claims = Claims {
            employee: None,
            order: None,
            session: None,
            sub: format!("admin:{}", record.username),
            loc: record.location_id.clone(),
            role: Role::Admin,
            stations: vec!["*".into()],
            exp: record.expires_at_ms / 1000,
            iat: now / 1000,
            nbf: None,
        };
        Ok(Some((claims, self.admin_session_of(record))))
    }

    /// Signs out.
    ///
    /// # Errors
    /// On store failure.
    pub fn sign_out(&self, cookie_id: &str) -> Result<(), StoreError> {
        self.lock()
            .store
            .close_session(&crate::auth::sha256_hex(cookie_id))
    }

    /// Records a change in the audit log; a failure to record is logged, not fatal
    /// (the change itself is already made).
    pub fn audit(&self, who: &Claims, action: &str, detail: &str) {
        let recorded = self
            .lock()
            .store
            .audit(&who.loc, now_ms(), &who.sub, action, detail);
        if let Err(error) = recorded {
            tracing::error!(%error, action, "could not record an audit entry");
        }
    }

    /// The newest audit entries of `who`'s location.
    ///
    /// # Errors
    /// `Forbidden` for anyone but an admin; store failures.
    pub fn audit_log(
        &self,
        who: &Claims,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, crate::devices::DeviceError> {
        if who.role != Role::Admin {
            return Err(crate::devices::DeviceError::Forbidden(
                "only the manager reads the audit log".into(),
            ));
        }
        Ok(self.lock().store.audit_log(&who.loc, limit.min(1000))?)
    }
}

/// An Argon2 hash of a random password, verified against for unknown accounts.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&crate::auth::random_secret()).unwrap_or_default());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_and_checked() {
        assert!(matches!(
            hash_password("short"),
            Err(AdminError::WeakPassword)
        ));
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2"));
        assert!(password_matches(&hash, "correct horse battery"));
        assert!(!password_matches(&hash, "correct horse battery!"));
        assert!(
            DUMMY_HASH.starts_with("$argon2"),
            "a real hash, as slow as any"
        );
        assert!(!password_matches(&DUMMY_HASH, ""));
    }

    #[test]
    fn an_address_is_held_back_after_its_failed_attempts() {
        let limiter = LoginLimiter::default();
        for _ in 0..LOGIN_ATTEMPTS {
            assert!(limiter.check("10.0.0.9").is_ok());
            limiter.failed("10.0.0.9");
        }
        let wait = limiter.check("10.0.0.9").expect_err("held back");
        assert!(wait > 0 && wait <= LOGIN_WINDOW.as_secs());
        assert!(
            limiter.check("10.0.0.10").is_ok(),
            "other addresses are not"
        );
        limiter.succeeded("10.0.0.9");
        assert!(limiter.check("10.0.0.9").is_ok());
    }
}
