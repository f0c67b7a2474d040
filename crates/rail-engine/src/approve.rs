//! An expo screen pairing another kitchen screen: the codes waiting at the hub, and
//! approving one with the new screen's name, role and stations. The app asks for the
//! settings PIN before either; the hub lets an expo screen pair kds and expo screens
//! only (tills need the manager).

use rail_protocol::{Device, PairApproval, PendingPair};

use crate::engine::Engine;
use crate::pairing::PairingError;

impl Engine {
    /// Codes waiting to be approved at this screen's hub.
    ///
    /// # Errors
    /// [`PairingError`] when the hub cannot be reached or refuses (a station screen
    /// may not see them).
    pub async fn waiting_pairings(&self) -> Result<Vec<PendingPair>, PairingError> {
        let shared = &self.shared;
        let hub = shared.hub_url();
        let url = format!("{}/api/pair", hub.trim_end_matches('/'));
        let bearer = self.bearer().await?;
        let request = shared.http.get(url).bearer_auth(bearer);
        crate::pairing::answer(request, &hub).await
    }

    /// Approves a waiting code.
    ///
    /// # Errors
    /// [`PairingError`] with the hub's reason (unknown code, bad stations, a till).
    pub async fn approve_pairing(&self, approval: &PairApproval) -> Result<Device, PairingError> {
        let shared = &self.shared;
        let hub = shared.hub_url();
        let url = format!("{}/api/pair/approve", hub.trim_end_matches('/'));
        let bearer = self.bearer().await?;
        let request = shared.http.post(url).bearer_auth(bearer).json(approval);
        crate::pairing::answer(request, &hub).await
    }

    async fn bearer(&self) -> Result<String, PairingError> {
        let shared = &self.shared;
        shared
            .access
            .bearer(&shared.http, &shared.hub_url())
            .await
            .map_err(|error| PairingError::Refused(rail_protocol::error_text::with_causes(&error)))
    }
}
