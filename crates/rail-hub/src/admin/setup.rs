//! First start: a hub with no admin account makes a one-time setup code, prints it
//! and writes it beside its database (`setup-code`, readable by the hub's user only).
//! The admin page asks for that code with the first account's restaurant, user name
//! and password, and signs the manager in. The code proves the person at the page
//! can read the hub's console or files, so nobody else on the network can claim a
//! fresh hub first. Once an account exists, setup is closed and the file removed.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rail_protocol::{FirstSetup, Login};

use super::{AdminError, SignedIn};
use crate::hub::Hub;

/// The setup code a fresh hub waits for, and the file it wrote it to.
#[derive(Default)]
pub struct SetupCode(Mutex<Option<(String, Option<PathBuf>)>>);

impl SetupCode {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(String, Option<PathBuf>)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Twelve digits in groups of four: easy to read off a console and type, and 10^12
/// guesses behind a limit of five failures per address per five minutes.
fn new_code() -> String {
    let digits = format!("{:012}", rand::random_range(0..1_000_000_000_000u64));
    format!("{}-{}-{}", &digits[..4], &digits[4..8], &digits[8..])
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

impl Hub {
    /// At start: with no admin account, makes the setup code and writes it to `file`
    /// (if given). Answers the code to print, or none when the hub is set up.
    ///
    /// # Errors
    /// On store failure; a file that cannot be written is logged, not fatal (the
    /// printed code still works).
    pub fn open_first_setup(&self, file: Option<&Path>) -> Result<Option<String>, AdminError> {
        if self.lock().store.admin_count()? > 0 {
            if let Some(file) = file {
                let _ = std::fs::remove_file(file);
            }
            return Ok(None);
        }
        let code = new_code();
        let written = file.and_then(|file| match write_private(file, &format!("{code}\n")) {
            Ok(()) => Some(file.to_owned()),
            Err(error) => {
                tracing::warn!(%error, file = %file.display(), "could not write the setup code");
                None
            }
        });
        *self.setup.lock() = Some((code.clone(), written));
        Ok(Some(code))
    }

    /// Whether the admin page should offer first-start setup: a code was made and
    /// no account was created since (on the page or by `rail-hub admin`).
    pub fn setup_needed(&self) -> bool {
        self.setup.lock().is_some() && self.has_no_admin()
    }

    fn has_no_admin(&self) -> bool {
        match self.lock().store.admin_count() {
            Ok(count) => count == 0,
            Err(error) => {
                tracing::error!(%error, "could not count admin accounts");
                false
            }
        }
    }

    /// Creates the first account with the setup code, and signs it in. A wrong code
    /// counts against the address like a wrong password.
    ///
    /// # Errors
    /// `WrongCredentials` (wrong code, or setup already done), `TooManyAttempts`,
    /// `WeakPassword`, `Invalid` names, store failures.
    pub fn first_setup(&self, setup: &FirstSetup, address: &str) -> Result<SignedIn, AdminError> {
        self.login_limiter
            .check(address)
            .map_err(AdminError::TooManyAttempts)?;
        let open = self.has_no_admin();
        let mut waiting = self.setup.lock();
        let matches = open
            && waiting.as_ref().is_some_and(|(code, _)| {
                let typed: String = setup
                    .setup_code
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                let expected: String = code.chars().filter(char::is_ascii_digit).collect();
                crate::devices::same_digest(&typed, &expected)
            });
        if !matches {
            drop(waiting);
            self.login_limiter.failed(address);
            tracing::warn!(%address, "wrong first-start setup code");
            return Err(AdminError::WrongSetupCode);
        }
        self.set_admin_password(&setup.location, &setup.username, &setup.password)?;
        if let Some((_, Some(file))) = waiting.take() {
            let _ = std::fs::remove_file(file);
        }
        drop(waiting);
        tracing::info!(location = %setup.location, user = %setup.username, "first admin account created");
        self.sign_in(
            &Login {
                location: setup.location.clone(),
                username: setup.username.clone(),
                password: setup.password.clone(),
            },
            address,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(code: &str, password: &str) -> FirstSetup {
        FirstSetup {
            setup_code: code.into(),
            location: "bistro".into(),
            username: "ana".into(),
            password: password.into(),
        }
    }

    #[test]
    fn the_first_account_needs_the_code_and_closes_setup_behind_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("setup-code");
        let hub = Hub::open(
            &dir.path().join("hub.db"),
            crate::HubConfig::default(),
            None,
        )
        .expect("hub");
        let code = hub
            .open_first_setup(Some(&file))
            .expect("setup")
            .expect("a fresh hub needs setup");
        assert!(hub.setup_needed());
        assert_eq!(std::fs::read_to_string(&file).expect("file").trim(), code);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            hub.first_setup(&setup("0000-0000-0000", "long enough password"), "10.0.0.9"),
            Err(AdminError::WrongSetupCode)
        ));
        assert!(matches!(
            hub.first_setup(&setup(&code, "short"), "10.0.0.9"),
            Err(AdminError::WeakPassword)
        ));
        assert!(hub.setup_needed(), "a refused attempt leaves setup open");
        let typed = code.replace('-', " ");
        let signed_in = hub
            .first_setup(&setup(&typed, "long enough password"), "10.0.0.9")
            .expect("set up");
        assert_eq!(signed_in.session.username, "ana");
        assert!(!hub.setup_needed());
        assert!(!file.exists(), "the code's file goes with it");
        assert!(matches!(
            hub.first_setup(&setup(&code, "another long password"), "10.0.0.9"),
            Err(AdminError::WrongSetupCode)
        ));
        // A restart of a hub with an account offers no setup.
        assert_eq!(hub.open_first_setup(Some(&file)).expect("reopen"), None);
    }

    #[test]
    fn guessing_the_code_is_held_back_like_guessing_a_password() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hub = Hub::open(
            &dir.path().join("hub.db"),
            crate::HubConfig::default(),
            None,
        )
        .expect("hub");
        let code = hub.open_first_setup(None).expect("setup").expect("code");
        for _ in 0..super::super::LOGIN_ATTEMPTS {
            let _ = hub.first_setup(&setup("1111-1111-1111", "long enough password"), "10.0.0.7");
        }
        assert!(matches!(
            hub.first_setup(&setup(&code, "long enough password"), "10.0.0.7"),
            Err(AdminError::TooManyAttempts(_))
        ));
    }
}
