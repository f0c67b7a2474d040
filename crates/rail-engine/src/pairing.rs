//! Pairing from the screen's side: ask the hub for a code, show it, and wait until the
//! manager approves it; the answer is the device's credentials, saved by the caller.

use std::time::Duration;

use rail_protocol::{PairRequest, PairStatus, PairTicket, Problem};
use serde::Serialize;
use ts_rs::TS;

use crate::access::PairedDevice;

/// Why pairing did not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PairingError {
    #[error("cannot reach the hub at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("the hub refused: {0}")]
    Refused(String),
    #[error("the code expired before it was approved; ask for a new one")]
    Expired,
    #[error("the hub's answer could not be read: {0}")]
    Unreadable(String),
}

/// How a screen app started, for its window's first question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppMode {
    /// The engine runs (configured or paired); false: show the pairing screen.
    pub paired: bool,
    /// A hub address to offer when pairing.
    pub hub_url: Option<String>,
    /// The name to ask under (the host name).
    pub name: String,
    /// Kiosk mode: text fields get an on-screen keyboard.
    pub kiosk: bool,
}

/// The code a screen shows while the manager approves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PairCode {
    pub code: String,
    #[ts(type = "number")]
    pub expires_at_ms: i64,
    /// The hub's CA fingerprint, to compare with the admin page's (HTTPS hubs).
    pub hub_fingerprint: Option<String>,
}

/// How often a waiting screen asks whether it was approved.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

fn api(hub_url: &str, path: &str) -> String {
    format!("{}{path}", hub_url.trim_end_matches('/'))
}

/// Sends a pairing call (the clients of [`crate::tls`] bound each in time).
async fn send(
    request: reqwest::RequestBuilder,
    hub_url: &str,
) -> Result<reqwest::Response, PairingError> {
    request.send().await.map_err(|e| PairingError::Unreachable {
        url: hub_url.to_owned(),
        detail: e.to_string(),
    })
}

/// Sends a call and reads its JSON answer, or the hub's reason for refusing it.
pub(crate) async fn answer<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    hub_url: &str,
) -> Result<T, PairingError> {
    let response = send(request, hub_url).await?;
    if !response.status().is_success() {
        return Err(PairingError::Refused(problem_of(response).await));
    }
    response
        .json()
        .await
        .map_err(|e| PairingError::Unreadable(e.to_string()))
}

async fn problem_of(response: reqwest::Response) -> String {
    let status = response.status();
    match response.json::<Problem>().await {
        Ok(problem) => problem.detail.unwrap_or(problem.title),
        Err(_) => status.to_string(),
    }
}

/// Asks `hub_url` to pair this screen; the ticket's code is what the screen shows. An
/// `https://` hub is taken on trust for this one call: the screen has no CA for it
/// yet. From the answer on, [`client_for`] trusts only the CA the hub handed over.
///
/// # Errors
/// [`PairingError`] when the hub cannot be reached or refuses.
pub async fn request(hub_url: &str, name: &str) -> Result<PairTicket, PairingError> {
    let client = if hub_url.starts_with("https://") {
        crate::tls::first_contact_client()
    } else {
        crate::tls::http_client(None)
    }
    .map_err(|e| PairingError::Unreadable(e.to_string()))?;
    let request = client.post(api(hub_url, "/api/pair")).json(&PairRequest {
        name: name.to_owned(),
        app_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
    });
    answer(request, hub_url).await
}

/// The client for the rest of the pairing: it trusts the CA in `ticket` alone, if the
/// hub handed one over.
///
/// # Errors
/// When that CA is not a certificate.
pub fn client_for(ticket: &PairTicket) -> Result<reqwest::Client, PairingError> {
    crate::tls::http_client(ticket.ca_pem.as_deref())
        .map_err(|e| PairingError::Refused(format!("the hub's certificate authority: {e}")))
}

/// Asks once whether the pairing was approved: `None` while it waits.
///
/// # Errors
/// [`PairingError::Expired`] once the code is void; others when the hub cannot be
/// asked (worth asking again) or refuses.
pub async fn check(
    client: &reqwest::Client,
    hub_url: &str,
    ticket: &PairTicket,
) -> Result<Option<PairedDevice>, PairingError> {
    let request = client
        .get(api(hub_url, &format!("/api/pair/{}", ticket.request_id)))
        .bearer_auth(&ticket.poll_secret);
    let response = send(request, hub_url).await?;
    match response.status().as_u16() {
        200 => {}
        410 => return Err(PairingError::Expired),
        _ => return Err(PairingError::Refused(problem_of(response).await)),
    }
    match response.json::<PairStatus>().await {
        Ok(PairStatus::Pending { .. }) => Ok(None),
        Ok(PairStatus::Approved(credentials)) => Ok(Some(PairedDevice {
            hub_url: hub_url.to_owned(),
            ca_pem: ticket.ca_pem.clone(),
            credentials,
        })),
        Err(error) => Err(PairingError::Unreadable(error.to_string())),
    }
}

/// Waits for approval, asking every [`POLL_INTERVAL`]; a hub briefly unreachable is
/// asked again until the code expires.
///
/// # Errors
/// [`PairingError::Expired`], or a refusal.
pub async fn wait(
    client: &reqwest::Client,
    hub_url: &str,
    ticket: &PairTicket,
) -> Result<PairedDevice, PairingError> {
    loop {
        match check(client, hub_url, ticket).await {
            Ok(Some(device)) => return Ok(device),
            Ok(None) => {}
            Err(PairingError::Unreachable { url, detail }) => {
                tracing::debug!(%url, %detail, "hub unreachable while waiting for approval");
                if crate::engine::now_ms() > ticket.expires_at_ms {
                    return Err(PairingError::Expired);
                }
            }
            Err(other) => return Err(other),
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
