//! Paired devices: pairing by code, the exchange of a device's secret for short-lived
//! access tokens, renaming, reassigning and revoking — and the live side of it, which
//! sockets belong to which device, so that a revoked screen is cut off at once.
//!
//! A revoked device is refused twice over: its secret no longer buys tokens, and
//! every token already issued to it (they name the device in `sub`) is refused by
//! [`Hub::verify`] and its open sockets are closed with 1008.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use rail_protocol::channel::is_valid_id;
use rail_protocol::{
    close_code, AccessToken, ChannelPosition, Device, DeviceCredentials, DevicePatch, PairApproval,
    PairRequest, PairStatus, PairTicket, PendingPair, Role, ScreenProfile, TokenRequest,
};
use tokio::sync::broadcast;

use crate::auth::{self, AuthError, Claims};
use crate::clock::now_ms;
use crate::cluster::DeviceChange;
use crate::fanout::Positions;
use crate::hub::Hub;
use crate::store::devices::{DeviceRecord, PairRecord};
use crate::store::kitchen::checks::check_text;
use crate::store::StoreError;

/// Pairing requests that may wait at once: the endpoint needs no token, so this
/// bounds what a stranger on the network can make the hub keep.
pub const MAX_WAITING_PAIRINGS: usize = 32;

/// Why a device operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("this device was removed from the hub; pair it again")]
    Revoked,
    #[error("{0}")]
    NotFound(String),
    #[error("this pairing expired; ask for a new code")]
    Expired,
    #[error("{MAX_WAITING_PAIRINGS} screens are already waiting to be paired; approve or let them expire first")]
    TooManyWaiting,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// What the hub tells the open sockets of one device.
#[derive(Debug, Clone)]
pub struct DeviceNotice {
    pub location_id: String,
    pub device_id: String,
    pub notice: Notice,
}

/// What a device's socket must do.
#[derive(Debug, Clone)]
pub enum Notice {
    /// Close with this code and reason.
    Close { code: u16, reason: &'static str },
    /// Send the device its screen profile (none: its own settings).
    Profile(Option<Arc<ScreenProfile>>),
    /// Notices were missed: look up the device's state afresh.
    Missed,
}

/// Close reason sent to the sockets of a revoked device.
pub const REVOKED_REASON: &str = close_code::DEVICE_REMOVED;
/// Close reason sent when a device's role or stations changed: it reconnects with a
/// fresh token that carries the new ones.
pub const REASSIGNED_REASON: &str = "this device was reassigned; reconnect";

/// What the hub knows live about devices: which are revoked and how many sockets each
/// has open, and the channel on which sockets hear that theirs must close.
pub struct DeviceWatch {
    revoked: RwLock<HashSet<(String, String)>>,
    online: Mutex<HashMap<(String, String), u32>>,
    /// Where each device stands on its channels, kept after its sockets close.
    positions: Mutex<HashMap<(String, String), Arc<Positions>>>,
    notices: broadcast::Sender<DeviceNotice>,
}

impl DeviceWatch {
    /// Starts from the revoked devices kept in the database.
    pub fn new(revoked: Vec<(String, String)>) -> Self {
        DeviceWatch {
            revoked: RwLock::new(revoked.into_iter().collect()),
            online: Mutex::new(HashMap::new()),
            positions: Mutex::new(HashMap::new()),
            notices: broadcast::channel(64).0,
        }
    }

    /// Is `device` of `location` revoked?
    pub fn is_revoked(&self, location_id: &str, device_id: &str) -> bool {
        self.revoked
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(&(location_id.to_owned(), device_id.to_owned()))
    }

    pub(crate) fn revoke(&self, location_id: &str, device_id: &str) {
        self.revoked
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert((location_id.to_owned(), device_id.to_owned()));
        self.kick(
            location_id,
            device_id,
            close_code::POLICY_VIOLATION,
            REVOKED_REASON,
        );
    }

    pub(crate) fn kick(&self, location_id: &str, device_id: &str, code: u16, reason: &'static str) {
        self.tell(location_id, device_id, Notice::Close { code, reason });
    }

    /// Tells the open sockets of a device, if it has any.
    pub(crate) fn tell(&self, location_id: &str, device_id: &str, notice: Notice) {
        // No receiver means no socket is open: nobody to tell.
        let _ = self.notices.send(DeviceNotice {
            location_id: location_id.to_owned(),
            device_id: device_id.to_owned(),
            notice,
        });
    }

    /// Sockets open for a device right now.
    pub fn connections(&self, location_id: &str, device_id: &str) -> u32 {
        self.online
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&(location_id.to_owned(), device_id.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Marks a socket of `claims`' device open until the returned guard drops, and
    /// hands it the channel on which it hears that it must close.
    pub fn connect(&self, claims: &Claims) -> DeviceSocket<'_> {
        let key = (claims.loc.clone(), claims.sub.clone());
        *self
            .online
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(key.clone())
            .or_insert(0) += 1;
        let positions = self
            .positions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        DeviceSocket {
            watch: self,
            notices: self.notices.subscribe(),
            key,
            positions,
        }
    }

    /// Where a device stands on each channel it followed since the hub started.
    pub fn positions(&self, location_id: &str, device_id: &str) -> Vec<(String, u64)> {
        self.positions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&(location_id.to_owned(), device_id.to_owned()))
            .map(|positions| positions.all())
            .unwrap_or_default()
    }
}

/// One open socket of a device.
pub struct DeviceSocket<'a> {
    watch: &'a DeviceWatch,
    notices: broadcast::Receiver<DeviceNotice>,
    key: (String, String),
    positions: Arc<Positions>,
}

impl DeviceSocket<'_> {
    /// The device's channel positions, for its subscriber to move forward.
    pub fn positions(&self) -> Arc<Positions> {
        self.positions.clone()
    }

    /// Resolves with the next thing the hub tells this device's sockets.
    pub async fn next_notice(&mut self) -> Notice {
        loop {
            match self.notices.recv().await {
                Ok(told) if told.location_id == self.key.0 && told.device_id == self.key.1 => {
                    return told.notice
                }
                Ok(_) => {}
                // Missed some: the revoked set still says whether a removal was ours.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if self.watch.is_revoked(&self.key.0, &self.key.1) {
                        return Notice::Close {
                            code: close_code::POLICY_VIOLATION,
                            reason: REVOKED_REASON,
                        };
                    }
                    return Notice::Missed;
                }
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

impl Drop for DeviceSocket<'_> {
    fn drop(&mut self) {
        let mut online = self
            .watch
            .online
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = online.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                online.remove(&self.key);
            }
        }
    }
}

/// Compares two digests without an early exit, so timing says nothing of how much of
/// a guess was right.
pub(crate) fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A pairing code as typed: digits only, spaces and dashes ignored.
fn normalise_code(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

fn check_assignment(role: Role, stations: &[String]) -> Result<(), DeviceError> {
    let invalid = |detail: String| DeviceError::Store(StoreError::Invalid(detail));
    if !matches!(role, Role::Kds | Role::Expo | Role::Pos) {
        return Err(invalid(format!(
            "a screen or till is paired as kds, expo or pos, not {role}"
        )));
    }
    if role == Role::Kds && stations.is_empty() {
        return Err(invalid("a kds screen needs at least one station".into()));
    }
    if let Some(bad) = stations.iter().find(|s| *s != "*" && !is_valid_id(s)) {
        return Err(invalid(format!(
            "station {bad:?} is not a station name (letters, digits, - _ . up to 64)"
        )));
    }
    let distinct: HashSet<&String> = stations.iter().collect();
    if distinct.len() != stations.len() {
        return Err(invalid("a station is listed twice".into()));
    }
    Ok(())
}

/// Who may see and approve pairing codes: the manager for any device; an expo
/// screen for kitchen screens only (`role` none: only looking at the codes).
fn may_pair(who: &Claims, role: Option<Role>) -> Result<(), DeviceError> {
    match (who.role, role) {
        (Role::Admin, _) | (Role::Expo, None | Some(Role::Kds | Role::Expo)) => Ok(()),
        (Role::Expo, Some(role)) => Err(DeviceError::Forbidden(format!(
            "an expo screen may pair kitchen screens (kds or expo), not a {role}; the manager pairs tills on the admin page"
        ))),
        (role, _) => Err(DeviceError::Forbidden(format!(
            "a {role} token may not pair devices; the manager or an expo screen may"
        ))),
    }
}

pub(crate) fn admin_only(who: &Claims, what: &str) -> Result<(), DeviceError> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(DeviceError::Forbidden(format!(
            "a {} token may not {what}; the manager's admin token may",
            who.role
        )))
    }
}

impl Hub {
    /// Checks a token as [`crate::auth::Authority::verify`] does, and refuses tokens
    /// of revoked devices.
    ///
    /// # Errors
    /// The [`AuthError`] saying what is wrong with the token.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let claims = self.authority.verify(token)?;
        if self.devices.is_revoked(&claims.loc, &claims.sub) {
            return Err(AuthError::Revoked);
        }
        Ok(claims)
    }

    /// A device with no credentials asks to pair; it gets a code to show.
    ///
    /// # Errors
    /// `Invalid` names or versions, `TooManyWaiting`, store failures.
    pub fn request_pairing(
        &self,
        request: &PairRequest,
        address: Option<String>,
    ) -> Result<PairTicket, DeviceError> {
        check_text("name", &request.name)?;
        if let Some(version) = &request.app_version {
            check_text("appVersion", version)?;
        }
        let now = now_ms();
        let mut state = self.lock();
        let waiting = state.store.pair_requests(now, true)?;
        if waiting.len() >= MAX_WAITING_PAIRINGS {
            return Err(DeviceError::TooManyWaiting);
        }
        // Six digits, unique among the codes waiting now.
        let code = loop {
            let code = format!("{:06}", rand::random_range(0..1_000_000u32));
            if !waiting.iter().any(|w| w.code == code) {
                break code;
            }
        };
        let poll_secret = auth::random_secret();
        let expires_at_ms = now + duration_ms(self.config.pairing_ttl);
        let record = PairRecord {
            id: uuid::Uuid::new_v4().to_string(),
            code: code.clone(),
            poll_sha256: auth::sha256_hex(&poll_secret),
            pending: PendingPair {
                code: code.clone(),
                name: request.name.trim().to_owned(),
                app_version: request.app_version.clone(),
                address,
                requested_at_ms: now,
                expires_at_ms,
            },
            approved: None,
        };
        state.store.insert_pair_request(&record, now)?;
        tracing::info!(code = %code, name = %record.pending.name, "a device asks to be paired");
        let tls = self.config.tls.as_ref();
        Ok(PairTicket {
            request_id: record.id,
            code,
            poll_secret,
            expires_at_ms,
            ca_pem: tls.and_then(|tls| tls.ca_pem.clone()),
            hub_fingerprint: tls.map(|tls| tls.fingerprint.clone()),
        })
    }

    /// Where a pairing stands, for the device that asked (it proves so with the poll
    /// secret). Once approved, each call hands out a fresh device secret and voids the
    /// previous one, so a lost answer can be asked for again until the request expires.
    ///
    /// # Errors
    /// `NotFound`, `Unauthorized` (wrong poll secret), `Expired`, store failures.
    pub fn pairing_status(
        &self,
        request_id: &str,
        poll_secret: &str,
    ) -> Result<PairStatus, DeviceError> {
        let now = now_ms();
        let state = self.lock();
        let record = state
            .store
            .pair_request(request_id)?
            .ok_or_else(|| DeviceError::NotFound("no such pairing request".into()))?;
        if !same_digest(&record.poll_sha256, &auth::sha256_hex(poll_secret)) {
            return Err(DeviceError::Unauthorized(
                "this is not the poll secret of that pairing request".into(),
            ));
        }
        if record.pending.expires_at_ms <= now {
            return Err(DeviceError::Expired);
        }
        let Some((location_id, device_id)) = record.approved else {
            return Ok(PairStatus::Pending {
                expires_at_ms: record.pending.expires_at_ms,
            });
        };
        let device = state
            .store
            .device(&location_id, &device_id)?
            .ok_or_else(|| DeviceError::NotFound("the approved device is gone".into()))?;
        if device.device.revoked_at_ms.is_some() {
            return Err(DeviceError::Revoked);
        }
        let secret = auth::random_secret();
        state
            .store
            .set_device_secret(&location_id, &device_id, &auth::sha256_hex(&secret))?;
        Ok(PairStatus::Approved(DeviceCredentials {
            device_id,
            secret,
            location_id,
            name: device.device.name,
            role: device.device.role,
            stations: device.device.stations,
        }))
    }

    /// Pairing requests waiting for the manager of `who`'s location (or its expo
    /// screen).
    ///
    /// # Errors
    /// `Forbidden` for anyone but an admin or an expo screen; store failures.
    pub fn waiting_pairings(&self, who: &Claims) -> Result<Vec<PendingPair>, DeviceError> {
        may_pair(who, None)?;
        let records = self.lock().store.pair_requests(now_ms(), true)?;
        Ok(records.into_iter().map(|r| r.pending).collect())
    }

    /// The manager approves a code: the device is created in the manager's location.
    /// An expo screen may approve kitchen screens (kds or expo) too, behind its own
    /// settings PIN: the person at the pass sets up a new line screen without the
    /// admin page. Tills need the manager: they post orders.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` assignments, `NotFound` (no screen waits with that
    /// code), `Conflict` (approved already), store failures.
    pub fn approve_pairing(
        &self,
        who: &Claims,
        approval: &PairApproval,
    ) -> Result<Device, DeviceError> {
        may_pair(who, Some(approval.role))?;
        check_text("name", &approval.name)?;
        check_assignment(approval.role, &approval.stations)?;
        let profile = approval.profile.clone().filter(|p| !p.is_empty());
        if let Some(profile) = &profile {
            self.check_profile_exists(who, profile)?;
        }
        let code = normalise_code(&approval.code);
        let now = now_ms();
        let mut state = self.lock();
        let record = state
            .store
            .pair_requests(now, false)?
            .into_iter()
            .find(|r| r.code == code)
            .ok_or_else(|| {
                DeviceError::NotFound(format!(
                    "no screen is waiting with code {:?}; codes last {} minutes",
                    approval.code,
                    self.config.pairing_ttl.as_secs() / 60
                ))
            })?;
        let device = Device {
            id: uuid::Uuid::new_v4().to_string(),
            name: approval.name.trim().to_owned(),
            role: approval.role,
            stations: approval.stations.clone(),
            paired_at_ms: now,
            last_seen_ms: None,
            address: record.pending.address.clone(),
            app_version: record.pending.app_version.clone(),
            connections: 0,
            revoked_at_ms: None,
            profile,
            channels: Vec::new(),
        };
        state.store.approve_pair(&record.id, &who.loc, &device)?;
        drop(state);
        tracing::info!(device = %device.id, name = %device.name, by = %who.sub, "device paired");
        self.audit(
            who,
            "pair",
            &format!(
                "{} ({} {}) paired with code {code}",
                device.name,
                device.role,
                device.stations.join(", ")
            ),
        );
        Ok(device)
    }

    /// A paired device exchanges its secret for an access token.
    ///
    /// # Errors
    /// `Unauthorized` (unknown device or wrong secret), `Revoked`, store failures.
    pub fn access_token(
        &self,
        request: &TokenRequest,
        address: Option<&str>,
    ) -> Result<AccessToken, DeviceError> {
        let refused = || DeviceError::Unauthorized("unknown device or wrong secret".into());
        let state = self.lock();
        let record = state
            .store
            .paired_device(&request.device_id)?
            .ok_or_else(refused)?;
        if record.device.revoked_at_ms.is_some() {
            return Err(DeviceError::Revoked);
        }
        let stored = record.secret_sha256.as_deref().ok_or_else(refused)?;
        if !same_digest(stored, &auth::sha256_hex(&request.secret)) {
            return Err(refused());
        }
        let now = now_ms();
        state.store.touch_device(
            &record.device.id,
            now,
            address,
            request.app_version.as_deref(),
        )?;
        drop(state);
        let ttl_secs = i64::try_from(self.config.access_token_ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = auth::claims(
            &record.location_id,
            record.device.role,
            &record.device.stations,
            &record.device.id,
            ttl_secs,
        );
        let token = self.authority.issue(&claims)?;
        Ok(AccessToken {
            token,
            expires_at_ms: claims.exp.saturating_mul(1000),
            location_id: record.location_id,
            name: record.device.name,
            role: record.device.role,
            stations: record.device.stations,
        })
    }

    /// The devices of `who`'s location, with their open sockets counted.
    ///
    /// # Errors
    /// `Forbidden` for anyone but an admin; store failures.
    pub fn devices(&self, who: &Claims) -> Result<Vec<Device>, DeviceError> {
        admin_only(who, "list devices")?;
        let records = self.lock().store.devices(&who.loc)?;
        Ok(records
            .into_iter()
            .map(|r| self.with_connections(r))
            .collect())
    }

    /// The record with what the hub knows live: open sockets, and per channel where
    /// the device stands and how far behind it is.
    fn with_connections(&self, record: DeviceRecord) -> Device {
        let mut device = record.device;
        let location = &record.location_id;
        device.connections = self.devices.connections(location, &device.id);
        let positions = self.devices.positions(location, &device.id);
        if !positions.is_empty() {
            let state = self.lock();
            device.channels = positions
                .into_iter()
                .map(|(channel, seq)| {
                    let newest = match state.store.position(location, &channel) {
                        Ok(position) => position.last_seq,
                        Err(error) => {
                            tracing::warn!(%error, %channel, "could not read a channel's position");
                            seq
                        }
                    };
                    ChannelPosition {
                        channel,
                        seq,
                        lag: newest.saturating_sub(seq),
                    }
                })
                .collect();
        }
        device
    }

    fn device_of(&self, who: &Claims, device_id: &str) -> Result<DeviceRecord, DeviceError> {
        self.lock()
            .store
            .device(&who.loc, device_id)?
            .ok_or_else(|| DeviceError::NotFound(format!("no device {device_id:?} here")))
    }

    /// Renames or reassigns a device. A new role or stations close its sockets (1012),
    /// so it reconnects with a token that carries them.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Invalid`, store failures.
    pub fn change_device(
        &self,
        who: &Claims,
        device_id: &str,
        patch: &DevicePatch,
    ) -> Result<Device, DeviceError> {
        admin_only(who, "change devices")?;
        let record = self.device_of(who, device_id)?;
        let mut device = record.device.clone();
        if let Some(name) = &patch.name {
            check_text("name", name)?;
            device.name = name.trim().to_owned();
        }
        device.role = patch.role.unwrap_or(device.role);
        if let Some(stations) = &patch.stations {
            device.stations = stations.clone();
        }
        let reassigned =
            device.role != record.device.role || device.stations != record.device.stations;
        if reassigned {
            check_assignment(device.role, &device.stations)?;
        }
        let mut new_profile = None;
        if let Some(name) = &patch.profile {
            new_profile = Some(self.check_profile_exists(who, name)?);
            device.profile = Some(name.clone()).filter(|n| !n.is_empty());
        }
        self.lock().store.update_device(&who.loc, &device)?;
        if device.name != record.device.name {
            self.audit(
                who,
                "rename",
                &format!("{} → {}", record.device.name, device.name),
            );
        }
        if device.profile != record.device.profile {
            self.audit(
                who,
                "profile",
                &format!(
                    "{}: {} → {}",
                    device.name,
                    record
                        .device
                        .profile
                        .as_deref()
                        .unwrap_or("its own settings"),
                    device.profile.as_deref().unwrap_or("its own settings")
                ),
            );
            if let Some(profile) = new_profile {
                self.devices
                    .tell(&who.loc, &device.id, Notice::Profile(profile.map(Arc::new)));
                self.tell_other_hubs(&who.loc, &device.id, DeviceChange::Profile);
            }
        }
        if reassigned {
            self.audit(
                who,
                "reassign",
                &format!(
                    "{}: {} {} → {} {}",
                    device.name,
                    record.device.role,
                    record.device.stations.join(", "),
                    device.role,
                    device.stations.join(", ")
                ),
            );
            self.tell_other_hubs(&who.loc, &device.id, DeviceChange::Reassigned);
            self.devices.kick(
                &who.loc,
                &device.id,
                close_code::SERVICE_RESTART,
                REASSIGNED_REASON,
            );
        }
        Ok(self.with_connections(DeviceRecord { device, ..record }))
    }

    /// Revokes a device: its secret buys no more tokens, its tokens are refused, and
    /// its open sockets close with 1008 at once.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, store failures.
    pub fn revoke_device(&self, who: &Claims, device_id: &str) -> Result<Device, DeviceError> {
        admin_only(who, "remove devices")?;
        let record = self.device_of(who, device_id)?;
        let now = now_ms();
        self.lock().store.revoke_device(&who.loc, device_id, now)?;
        self.devices.revoke(&who.loc, device_id);
        self.tell_other_hubs(&who.loc, device_id, DeviceChange::Revoked);
        tracing::info!(device = %device_id, by = %who.sub, "device removed");
        self.audit(who, "revoke", &record.device.name);
        let mut device = self.with_connections(record);
        device.revoked_at_ms = device.revoked_at_ms.or(Some(now));
        Ok(device)
    }
}

fn duration_ms(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_typed() {
        assert_eq!(normalise_code("483 921"), "483921");
        assert_eq!(normalise_code(" 48-39-21 "), "483921");
    }

    #[test]
    fn digests_compare_equal_only_when_equal() {
        let a = auth::sha256_hex("secret");
        assert!(same_digest(&a, &auth::sha256_hex("secret")));
        assert!(!same_digest(&a, &auth::sha256_hex("secreT")));
        assert!(!same_digest(&a, "short"));
    }

    #[test]
    fn the_manager_pairs_anything_an_expo_screen_only_kitchen_screens() {
        let who = |role: Role| Claims {
            session: None,
            employee: None,
            order: None,
            sub: "d".into(),
            loc: "l".into(),
            role,
            stations: vec!["*".into()],
            exp: 0,
            iat: 0,
            nbf: None,
        };
        for role in [Role::Kds, Role::Expo, Role::Pos] {
            assert!(may_pair(&who(Role::Admin), Some(role)).is_ok());
        }
        assert!(may_pair(&who(Role::Expo), None).is_ok());
        assert!(may_pair(&who(Role::Expo), Some(Role::Kds)).is_ok());
        assert!(may_pair(&who(Role::Expo), Some(Role::Expo)).is_ok());
        assert!(may_pair(&who(Role::Expo), Some(Role::Pos)).is_err());
        for role in [Role::Kds, Role::Pos, Role::Operator] {
            assert!(may_pair(&who(role), None).is_err(), "{role}");
        }
    }

    #[test]
    fn assignments_are_checked() {
        assert!(check_assignment(Role::Kds, &["grill".into()]).is_ok());
        assert!(check_assignment(Role::Expo, &[]).is_ok());
        assert!(check_assignment(Role::Kds, &[]).is_err());
        assert!(check_assignment(Role::Admin, &[]).is_err());
        assert!(check_assignment(Role::Kds, &["grill".into(), "grill".into()]).is_err());
        assert!(check_assignment(Role::Kds, &["bad station".into()]).is_err());
    }
}
