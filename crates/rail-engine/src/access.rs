//! The screen's credentials, and the bearer token they give for each call.
//!
//! A screen holds either a token written into its configuration (signed by
//! `rail-hub token`), or — once paired — a device id and secret that it trades at the
//! hub for access tokens living minutes. Those are fetched on first use, renewed a
//! while before they expire, and fetched afresh when the hub refuses one (a hub that
//! restarted with another key, a screen offline past its token's life) or reassigns
//! the device. A revoked device gets no new token, and the engine says so.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rail_protocol::{AccessToken, DeviceCredentials, Problem, TokenRequest};
use serde::{Deserialize, Serialize};

use crate::engine::now_ms;

/// How the screen proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A token given in the configuration, used as it is.
    Token(String),
    /// A paired device's id and secret.
    Device(PairedDevice),
}

/// What pairing left on the screen: the hub it was paired with and its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairedDevice {
    pub hub_url: String,
    /// The hub's own certificate authority (PEM), trusted for this hub alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    #[serde(flatten)]
    pub credentials: DeviceCredentials,
}

/// Why no bearer token could be had.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// The hub removed this device: only pairing again helps.
    #[error("this screen was removed from the hub; pair it again")]
    Revoked,
    /// The hub refused the device's secret.
    #[error("the hub refused this screen's credentials: {0}")]
    Refused(String),
    /// The hub could not be asked (network, or a failure on its side): try later.
    #[error("could not get an access token: {0}")]
    Unavailable(String),
    /// The address answered with a certificate this screen does not trust: another
    /// hub, or someone in between. The secret was not sent.
    #[error("the hub's certificate is not one this screen trusts: {0}")]
    Untrusted(String),
}

/// A failed call: a certificate the screen does not trust, or the hub out of reach.
fn failed_call(error: &reqwest::Error) -> AccessError {
    let text = rail_protocol::error_text::with_causes(error);
    if text.contains("certificate") || text.contains("UnknownIssuer") {
        AccessError::Untrusted(text)
    } else {
        AccessError::Unavailable(text)
    }
}

/// Renew a token when less than this share of its life is left.
const RENEW_WHEN_LEFT: f64 = 0.25;

/// Hands out bearer tokens for the screen's credential.
pub struct Access {
    credential: Credential,
    app_version: String,
    current: Mutex<Option<(AccessToken, i64)>>,
}

impl Access {
    pub fn new(credential: Credential) -> Self {
        Access {
            credential,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            current: Mutex::new(None),
        }
    }

    /// The credential this screen holds.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The stations the hub last assigned this device, if it is a paired one and has
    /// had a token.
    pub fn assigned(&self) -> Option<AccessToken> {
        self.lock().as_ref().map(|(token, _)| token.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(AccessToken, i64)>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets the current access token, so the next call fetches a new one.
    pub fn forget(&self) {
        self.lock().take();
    }

    /// A bearer token for the next call.
    ///
    /// # Errors
    /// [`AccessError`] when a paired device cannot get a token.
    pub async fn bearer(
        &self,
        client: &reqwest::Client,
        hub_url: &str,
    ) -> Result<String, AccessError> {
        let device = match &self.credential {
            Credential::Token(token) => return Ok(token.clone()),
            Credential::Device(device) => device,
        };
        let now = now_ms();
        if let Some((token, fetched_at)) = self.lock().as_ref() {
            let life = (token.expires_at_ms - fetched_at).max(1) as f64;
            let left = (token.expires_at_ms - now) as f64;
            if left / life > RENEW_WHEN_LEFT {
                return Ok(token.token.clone());
            }
        }
        let fresh = fetch(client, hub_url, device, &self.app_version).await?;
        let bearer = fresh.token.clone();
        *self.lock() = Some((fresh, now));
        Ok(bearer)
    }
}

async fn fetch(
    client: &reqwest::Client,
    hub_url: &str,
    device: &PairedDevice,
    app_version: &str,
) -> Result<AccessToken, AccessError> {
    let url = format!("{}/api/token", hub_url.trim_end_matches('/'));
    let response = client
        .post(url)
        .timeout(Duration::from_secs(10))
        .json(&TokenRequest {
            device_id: device.credentials.device_id.clone(),
            secret: device.credentials.secret.clone(),
            app_version: Some(app_version.to_owned()),
        })
        .send()
        .await
        .map_err(|e| failed_call(&e))?;
    let status = response.status();
    if status.is_success() {
        return response
            .json::<AccessToken>()
            .await
            .map_err(|e| AccessError::Unavailable(format!("unreadable answer: {e}")));
    }
    let problem = response.json::<Problem>().await.ok();
    match (status.as_u16(), problem) {
        (401, Some(problem)) if problem.code == "DEVICE_REVOKED" => Err(AccessError::Revoked),
        (401 | 403, problem) => Err(AccessError::Refused(
            problem
                .and_then(|p| p.detail)
                .unwrap_or_else(|| status.to_string()),
        )),
        (_, problem) => Err(AccessError::Unavailable(
            problem
                .and_then(|p| p.detail)
                .unwrap_or_else(|| status.to_string()),
        )),
    }
}

/// Reads a paired device's credentials, if the file exists.
///
/// # Errors
/// When the file exists but cannot be read or parsed.
pub fn load_paired(path: &Path) -> Result<Option<PairedDevice>, std::io::Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Saves a paired device's credentials, readable by this user only, replacing the
/// file in one step (a crash leaves the old file or the new one, never half of one).
///
/// # Errors
/// When the file cannot be written.
pub fn save_paired(path: &Path, device: &PairedDevice) -> Result<(), std::io::Error> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(device)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rail_protocol::Role;

    fn device() -> PairedDevice {
        PairedDevice {
            hub_url: "http://127.0.0.1:1".into(),
            ca_pem: Some("-----BEGIN CERTIFICATE-----\n…".into()),
            credentials: DeviceCredentials {
                device_id: "d-1".into(),
                secret: "s".into(),
                location_id: "loc".into(),
                name: "Grill".into(),
                role: Role::Kds,
                stations: vec!["grill".into()],
            },
        }
    }

    #[test]
    fn paired_credentials_survive_a_round_trip_and_stay_private() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("device.json");
        assert_eq!(load_paired(&path).expect("absent is fine"), None);
        save_paired(&path, &device()).expect("save");
        assert_eq!(load_paired(&path).expect("load"), Some(device()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "{").expect("write");
        assert!(load_paired(&path).is_err());
    }

    #[tokio::test]
    async fn a_configured_token_is_used_as_it_is_and_an_unreachable_hub_is_unavailable() {
        let client = reqwest::Client::new();
        let access = Access::new(Credential::Token("t".into()));
        assert_eq!(
            access
                .bearer(&client, "http://127.0.0.1:1")
                .await
                .expect("token"),
            "t"
        );
        let access = Access::new(Credential::Device(device()));
        assert!(matches!(
            access.bearer(&client, "http://127.0.0.1:1").await,
            Err(AccessError::Unavailable(_))
        ));
    }
}
