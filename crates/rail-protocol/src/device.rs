//! Devices and pairing: how a screen (or a till) gets its credentials from a hub
//! without anyone copying a token, and how it turns them into short-lived access
//! tokens.
//!
//! A screen with no credentials asks to pair ([`PairRequest`]) and shows the code it
//! is given ([`PairTicket`]). The manager approves that code ([`PairApproval`]),
//! choosing the device's name, role and stations; the screen, polling with the
//! ticket's private `poll_secret`, then collects its [`DeviceCredentials`]: a device
//! id and a long-lived secret. It exchanges those for access tokens ([`TokenRequest`]
//! → [`AccessToken`]) that live minutes. Revoking the device refuses the exchange and
//! every token already issued to it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a device is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Role {
    /// A point of sale: posts and changes orders.
    Pos,
    /// A station screen: sees and bumps its stations' tickets.
    Kds,
    /// The expeditor's screen: sees and bumps every station.
    Expo,
    /// Everything within its location.
    Admin,
    /// Monitoring: reads `/metrics`, nothing else.
    Operator,
    /// A guest following one order through a short link: reads that order's channel,
    /// nothing else. Never a paired device.
    Guest,
    /// A pickup board in the dining room: reads its location's `board:` channel (order
    /// numbers and whether they are ready), nothing else.
    Board,
    /// The restaurant's platform back end: publishes its events (`POST /api/events`)
    /// and follows the location's channels.
    Server,
    /// An employee's handheld: follows its own `employee:<id>` channel only.
    Staff,
}

impl Role {
    /// Every role, in the order the docs list them.
    pub const ALL: [Role; 9] = [
        Role::Pos,
        Role::Kds,
        Role::Expo,
        Role::Admin,
        Role::Operator,
        Role::Guest,
        Role::Board,
        Role::Server,
        Role::Staff,
    ];

    /// The role's name as tokens and messages spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Pos => "pos",
            Role::Kds => "kds",
            Role::Expo => "expo",
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Guest => "guest",
            Role::Board => "board",
            Role::Server => "server",
            Role::Staff => "staff",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown role {text:?}; one of {}", names.join(", "))
            })
    }
}

/// `POST /api/pair`: a device with no credentials asks to be paired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct PairRequest {
    /// What the device calls itself (its host name, say); the manager may rename it.
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub name: String,
    /// The app's version, shown in the device list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub app_version: Option<String>,
}

/// The answer to a [`PairRequest`]: the code to show, and how to ask for the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PairTicket {
    /// Names the request in `GET /api/pair/{requestId}`.
    pub request_id: String,
    /// Six digits the screen shows and the manager types to approve it.
    pub code: String,
    /// Sent as the bearer token when polling: only the screen that asked can collect
    /// the credentials.
    pub poll_secret: String,
    /// After this the code is void and the screen must ask again.
    #[ts(type = "number")]
    pub expires_at_ms: i64,
    /// The hub's own certificate authority (PEM) when it serves HTTPS with it: the
    /// screen trusts this CA alone for this hub from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ca_pem: Option<String>,
    /// Fingerprint of the hub's certificate authority, shown on the screen and on the
    /// admin page so a person can see they match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hub_fingerprint: Option<String>,
}

/// `GET /api/pair/{requestId}`: where a pairing stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(tag = "status", rename_all = "camelCase")]
#[ts(export)]
pub enum PairStatus {
    /// Not approved yet: ask again in a second or two.
    #[serde(rename_all = "camelCase")]
    Pending {
        #[ts(type = "number")]
        expires_at_ms: i64,
    },
    /// Approved: the device's credentials. Asking again before the request expires
    /// hands out a new secret and voids the previous one.
    Approved(DeviceCredentials),
}

/// What a paired device keeps: who it is, and the secret that proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct DeviceCredentials {
    pub device_id: String,
    /// Long-lived; exchanged for access tokens. Never shown to anyone.
    pub secret: String,
    pub location_id: String,
    pub name: String,
    pub role: Role,
    pub stations: Vec<String>,
}

/// `POST /api/pair/approve`: the manager approves a code and says what the device is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct PairApproval {
    /// The six digits the screen shows (spaces allowed).
    #[schemars(length(min = 1, max = 16))]
    pub code: String,
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub name: String,
    /// `kds`, `expo` or `pos`.
    pub role: Role,
    /// The stations a `kds` screen shows (at least one) or a `pos` may follow.
    #[serde(default)]
    pub stations: Vec<String>,
    /// The screen profile it follows (timer colours, language, look, sound); none
    /// keeps the screen's own settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub profile: Option<String>,
}

/// `POST /api/token`: a paired device asks for an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct TokenRequest {
    pub device_id: String,
    pub secret: String,
    /// The app's version, kept in the device list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub app_version: Option<String>,
}

/// A short-lived token, and what it lets the device do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccessToken {
    /// `Authorization: Bearer <token>` for REST and the socket.
    pub token: String,
    /// Ask for the next one before this.
    #[ts(type = "number")]
    pub expires_at_ms: i64,
    pub location_id: String,
    pub name: String,
    pub role: Role,
    pub stations: Vec<String>,
}

/// A device as the manager sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub stations: Vec<String>,
    #[ts(type = "number")]
    pub paired_at_ms: i64,
    /// When it last asked for a token or opened a socket.
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
    /// The address it last came from.
    pub address: Option<String>,
    pub app_version: Option<String>,
    /// Open sockets right now.
    pub connections: u32,
    #[ts(type = "number | null")]
    pub revoked_at_ms: Option<i64>,
    /// The screen profile it follows, if any.
    pub profile: Option<String>,
    /// Where it stands on each channel it follows (since the hub started).
    pub channels: Vec<ChannelPosition>,
}

/// How far behind a device is on one channel: the last event the hub handed its
/// socket, against the channel's newest. A device offline keeps the position it had
/// when it left, so its lag grows with every order it misses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChannelPosition {
    pub channel: String,
    /// The last sequence number handed to the device.
    #[ts(type = "number")]
    pub seq: u64,
    /// Events on the channel it has not been handed yet.
    #[ts(type = "number")]
    pub lag: u64,
}

/// `PATCH /api/devices/{id}`: rename or reassign a device. Absent fields stay.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct DevicePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stations: Option<Vec<String>>,
    /// A screen profile's name, or `""` for none (the screen's own settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub profile: Option<String>,
}

/// A pairing waiting for the manager, as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PendingPair {
    pub code: String,
    pub name: String,
    pub app_version: Option<String>,
    pub address: Option<String>,
    #[ts(type = "number")]
    pub requested_at_ms: i64,
    #[ts(type = "number")]
    pub expires_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_back_from_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_value(role).expect("encode"),
                serde_json::json!(role.as_str())
            );
        }
        assert!("chef".parse::<Role>().is_err());
    }

    #[test]
    fn a_pending_and_an_approved_pairing_are_told_apart_by_status() {
        let pending: PairStatus =
            serde_json::from_str(r#"{"status":"pending","expiresAtMs":5}"#).expect("pending");
        assert_eq!(pending, PairStatus::Pending { expires_at_ms: 5 });
        let approved = PairStatus::Approved(DeviceCredentials {
            device_id: "d".into(),
            secret: "s".into(),
            location_id: "l".into(),
            name: "Grill".into(),
            role: Role::Kds,
            stations: vec!["grill".into()],
        });
        let text = serde_json::to_string(&approved).expect("encode");
        assert!(
            text.starts_with(r#"{"status":"approved","deviceId":"d""#),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<PairStatus>(&text).expect("decode"),
            approved
        );
    }
}
