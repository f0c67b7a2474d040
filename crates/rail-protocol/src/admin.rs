//! The admin page's own bodies: signing in, who is signed in, and the audit log.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `POST /admin/api/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct Login {
    /// The restaurant (location id) the account belongs to.
    pub location: String,
    pub username: String,
    pub password: String,
}

/// Who is signed in, and what the page needs to act for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AdminSession {
    pub location: String,
    pub username: String,
    /// Sent back as `X-CSRF-Token` with every change: a page on another site can make
    /// the browser send the cookie, but cannot read this.
    pub csrf: String,
    #[ts(type = "number")]
    pub expires_at_ms: i64,
    /// The hub's certificate fingerprint, to compare with a pairing screen's.
    pub hub_fingerprint: Option<String>,
}

/// One line of the audit log: who changed what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub at_ms: i64,
    /// `admin:<username>` for the admin page, else the token's device.
    pub actor: String,
    /// `pair`, `rename`, `reassign`, `revoke`, `login`, …
    pub action: String,
    pub detail: String,
}

/// A restaurant's stations and routing rules (`GET`/`PUT /api/kitchen`). Items name
/// their station outright, or are routed by item name, then by category, then to the
/// default station; names and categories match case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct KitchenSetup {
    /// Every station of the kitchen; every rule must name one of them.
    pub stations: Vec<String>,
    /// Category → station.
    #[serde(default)]
    pub by_category: std::collections::BTreeMap<String, String>,
    /// Item name → station, before categories.
    #[serde(default)]
    pub by_item: std::collections::BTreeMap<String, String>,
    /// Where items no rule matches go; none refuses them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub default_station: Option<String>,
}

/// `POST /admin/api/setup`: the first account of a hub that has none, proven by the
/// one-time setup code the hub printed (and wrote beside its database) at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct FirstSetup {
    pub setup_code: String,
    /// The restaurant's id (letters, digits, `-`, `_`, `.`); its screens and tills
    /// belong to it.
    pub location: String,
    pub username: String,
    pub password: String,
}

/// `GET /admin/api/setup`: whether the hub still waits for its first account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SetupState {
    pub needed: bool,
}
