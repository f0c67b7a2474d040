//! The settings PIN: stored only as an Argon2 hash, so reading `screen.toml` does not
//! reveal it.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use super::SettingsError;

/// Hashes a settings PIN for `settings_pin_hash`.
///
/// # Errors
/// When the PIN is not 4-12 digits, or hashing fails.
pub fn hash_pin(pin: &str) -> Result<String, SettingsError> {
    if !(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SettingsError::Invalid("a PIN is 4 to 12 digits".into()));
    }
    Argon2::default()
        .hash_password(pin.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| SettingsError::Invalid(format!("could not hash the PIN: {e}")))
}

/// True when `pin` matches `hash`.
pub fn verify_pin(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok()
    })
}
