//! Who is calling: signed tokens (HS256 JWTs) and what each role may do.
//!
//! A token names one location (restaurant), a role, the stations it may act on and the
//! device it was issued to. The location in the token scopes everything: channel names
//! and ticket ids are looked up inside it, so another restaurant's data is unreachable.

use std::collections::HashMap;
use std::sync::Mutex;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rail_protocol::Channel;
use serde::{Deserialize, Serialize};

use crate::access::{self, Reach};

pub use rail_protocol::Role;

/// The claims of a Rail token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Device id.
    pub sub: String,
    /// Location (restaurant) id.
    pub loc: String,
    pub role: Role,
    /// Stations a `kds` (or `pos`) token may subscribe to and act on; `*` means all.
    #[serde(default)]
    pub stations: Vec<String>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issued at, seconds since the Unix epoch; a token from the future is refused.
    #[serde(default)]
    pub iat: i64,
    /// Not valid before, seconds since the Unix epoch (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The one order a `guest` token may follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// The one table session a `guest` token from a table's link may follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The employee a `staff` token belongs to: it follows `employee:<this>` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee: Option<String>,
}

impl Claims {
    fn station_listed(&self, station: &str) -> bool {
        self.stations.iter().any(|s| s == "*" || s == station)
    }

    /// May this token see and act on `station`'s tickets?
    pub fn may_work_station(&self, station: &str) -> bool {
        match self.role {
            Role::Admin | Role::Expo => true,
            Role::Kds | Role::Pos => self.station_listed(station),
            Role::Operator | Role::Guest | Role::Board | Role::Server | Role::Staff => false,
        }
    }

    /// May this token post and change orders?
    pub fn may_post_orders(&self) -> bool {
        matches!(self.role, Role::Pos | Role::Admin | Role::Server)
    }

    /// May this token publish the platform's events (`POST /api/events`)?
    pub fn may_publish_platform_events(&self) -> bool {
        matches!(self.role, Role::Server | Role::Admin)
    }

    /// May this token read whole orders (every station's items)?
    pub fn may_read_orders(&self) -> bool {
        matches!(
            self.role,
            Role::Pos | Role::Expo | Role::Admin | Role::Server
        )
    }

    /// May this token read speed-of-service reports? The manager, expo (its "today"
    /// strip) and the POS (kitchen times beside its sales).
    pub fn may_read_reports(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Expo | Role::Pos)
    }

    /// May this token replay a station's service in the flight recorder?
    pub fn may_replay_service(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Expo)
    }

    /// May this token read the hub's metrics?
    pub fn may_read_metrics(&self) -> bool {
        matches!(self.role, Role::Operator | Role::Admin)
    }

    /// May this token subscribe to `channel`? Returns the reason when it may not. The
    /// answer comes from the role × channel matrix in [`crate::access`].
    pub fn may_subscribe(&self, channel: &Channel) -> Result<(), String> {
        if matches!(channel, Channel::Location(id) | Channel::Board(id) if id != &self.loc) {
            return Err("this token belongs to another location".into());
        }
        let role = self.role.as_str();
        match (access::reach(self.role)[access::column(channel)], channel) {
            (Reach::Any, _) => Ok(()),
            (Reach::ListedStations, Channel::Kds(station)) if self.station_listed(station) => {
                Ok(())
            }
            (Reach::ListedStations, Channel::Kds(station)) => {
                Err(format!("this token may not watch station {station:?}"))
            }
            (Reach::ItsOrder, Channel::Order(id)) if self.order.as_deref() == Some(id) => Ok(()),
            (Reach::ItsOrder, Channel::Order(_)) => {
                Err("this link follows another order".to_owned())
            }
            (Reach::ItsSession, Channel::Session(id)) if self.session.as_deref() == Some(id) => {
                Ok(())
            }
            (Reach::ItsSession, Channel::Session(_)) => {
                Err("this link follows another party's table".to_owned())
            }
            (Reach::ItsEmployee, Channel::Employee(id)) if self.employee.as_deref() == Some(id) => {
                Ok(())
            }
            (Reach::ItsEmployee, Channel::Employee(_)) => {
                Err("a staff token follows its own employee channel only".to_owned())
            }
            _ => Err(format!("a {role} token may not watch {channel} channels")),
        }
    }
}

/// Why a token was refused, in words short enough for a WebSocket close frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    #[error("token expired")]
    Expired,
    #[error("token not valid yet")]
    NotYetValid,
    #[error("token issued in the future")]
    IssuedInFuture,
    #[error("token must be an HS256 JWT")]
    WrongAlgorithm,
    #[error("token signature does not match this hub")]
    BadSignature,
    #[error("token is not a Rail device token: {0}")]
    BadClaims(&'static str),
    #[error("{}; pair it again", rail_protocol::close_code::DEVICE_REMOVED)]
    Revoked,
    #[error("token is malformed")]
    Malformed,
    #[error("could not sign token: {0}")]
    Signing(String),
}

/// Signs and checks tokens with one shared secret.
pub struct Authority {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Tokens whose signature and form were checked, with their claims. A POS or a
    /// screen sends the same token with every request; decoding it, checking its MAC
    /// and parsing its JSON again each time was the larger part of an order's request
    /// handling before it reached the store. Only what can change with the clock (expiry,
    /// `nbf`, `iat`) is checked again on every use; revocation is the caller's.
    checked: Mutex<HashMap<String, Claims>>,
}

/// At most this many checked tokens are remembered (each a token of a few hundred
/// bytes and its claims); past it the memory starts over. Only tokens this hub signed
/// get in.
const MAX_CHECKED_TOKENS: usize = 1024;

impl Authority {
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Authority {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            checked: Mutex::new(HashMap::new()),
        }
    }

    /// Signs `claims`.
    ///
    /// # Errors
    /// Only if signing itself fails.
    pub fn issue(&self, claims: &Claims) -> Result<String, AuthError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| AuthError::Signing(e.to_string()))
    }

    /// Checks a token's algorithm, signature, expiry, `nbf` and `iat` (each with a
    /// few seconds of leeway for clocks) and returns its claims.
    ///
    /// # Errors
    /// The [`AuthError`] that says what is wrong with it.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        self.verify_at(token, crate::clock::now_ms() / 1000)
    }

    /// [`Authority::verify`] with the time (seconds since the Unix epoch) the claims
    /// are held against.
    fn verify_at(&self, token: &str, now: i64) -> Result<Claims, AuthError> {
        let remembered = self.checked_tokens().get(token).cloned();
        if let Some(claims) = remembered {
            check_times(&claims, now)?;
            return Ok(claims);
        }
        let claims = self.decode(token)?;
        check_times(&claims, now)?;
        let mut checked = self.checked_tokens();
        if checked.len() >= MAX_CHECKED_TOKENS {
            checked.clear();
        }
        checked.insert(token.to_owned(), claims.clone());
        Ok(claims)
    }

    fn checked_tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, Claims>> {
        self.checked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks a token's algorithm, signature and claims' form (and, by the library's
    /// clock, its expiry and `nbf`).
    fn decode(&self, token: &str) -> Result<Claims, AuthError> {
        use jsonwebtoken::errors::ErrorKind;
        // The header alone first: `alg: none` or RS256 is a wrong algorithm, not
        // "malformed JSON" (the library cannot even parse an algorithm it lacks).
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::Json(_)
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::UnsupportedAlgorithm => AuthError::WrongAlgorithm,
            _ => AuthError::Malformed,
        })?;
        if header.alg != Algorithm::HS256 {
            return Err(AuthError::WrongAlgorithm);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::NotYetValid,
                ErrorKind::InvalidSignature => AuthError::BadSignature,
                ErrorKind::InvalidAlgorithm => AuthError::WrongAlgorithm,
                ErrorKind::MissingRequiredClaim(_) => {
                    AuthError::BadClaims("a required claim (exp, sub) is missing")
                }
                ErrorKind::InvalidClaimFormat(_) | ErrorKind::Json(_) => {
                    AuthError::BadClaims("its claims have the wrong form")
                }
                _ => AuthError::Malformed,
            })?
            .claims;
        Ok(claims)
    }
}

/// Clock difference tolerated between the hub and whoever signed a token.
const LEEWAY_SECS: u64 = 5;

/// Holds a token's time-bound claims against `now` (seconds since the Unix epoch),
/// each with [`LEEWAY_SECS`] of leeway.
fn check_times(claims: &Claims, now: i64) -> Result<(), AuthError> {
    let leeway = LEEWAY_SECS as i64;
    if claims.exp < now - leeway {
        return Err(AuthError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + leeway) {
        return Err(AuthError::NotYetValid);
    }
    if claims.iat > now + leeway {
        return Err(AuthError::IssuedInFuture);
    }
    Ok(())
}

/// Claims for a new token valid for `ttl_secs` from now.
pub fn claims(
    location: &str,
    role: Role,
    stations: &[String],
    device: &str,
    ttl_secs: i64,
) -> Claims {
    let now = crate::clock::now_ms() / 1000;
    Claims {
        sub: device.to_owned(),
        loc: location.to_owned(),
        role,
        stations: stations.to_vec(),
        exp: now + ttl_secs,
        iat: now,
        nbf: None,
        order: None,
        session: None,
        employee: None,
    }
}

/// SHA-256 of `text` as lowercase hex: how device secrets, poll secrets and session ids
/// are kept, so the database alone lets nobody in (they are 256 random bits, so a fast
/// hash is enough: there is nothing to guess).
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 32 random bytes as hex, for a new signing secret.
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_its_own_tokens_and_refuses_forged_or_expired_ones() {
        let authority = Authority::new("secret-a");
        let good = claims("loc", Role::Kds, &["grill".into()], "screen-1", 60);
        let token = authority.issue(&good).expect("sign");
        assert_eq!(authority.verify(&token).expect("valid"), good);

        let forged = Authority::new("secret-b").issue(&good).expect("sign");
        assert!(matches!(
            authority.verify(&forged),
            Err(AuthError::BadSignature)
        ));

        let old = claims("loc", Role::Kds, &[], "screen-1", -3600);
        let expired = authority.issue(&old).expect("sign");
        assert!(matches!(
            authority.verify(&expired),
            Err(AuthError::Expired)
        ));
        assert!(matches!(
            authority.verify("not.a.token"),
            Err(AuthError::Malformed)
        ));
    }

    #[test]
    fn a_token_checked_before_is_still_held_to_the_clock() {
        let authority = Authority::new("secret-a");
        let good = claims("loc", Role::Kds, &["grill".into()], "screen-1", 60);
        let token = authority.issue(&good).expect("sign");
        let now = good.iat;
        assert_eq!(authority.verify_at(&token, now).expect("valid"), good);
        assert_eq!(authority.checked_tokens().len(), 1, "remembered");
        assert_eq!(
            authority.verify_at(&token, now + 30).expect("still valid"),
            good
        );
        assert!(matches!(
            authority.verify_at(&token, good.exp + LEEWAY_SECS as i64 + 1),
            Err(AuthError::Expired)
        ));
        assert!(matches!(
            authority.verify_at(&token, good.iat - LEEWAY_SECS as i64 - 1),
            Err(AuthError::IssuedInFuture)
        ));
        // A token with another signature is checked in full, not matched to this one.
        let mut forged = token.clone();
        let last = forged.pop().expect("a signature");
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(matches!(
            authority.verify_at(&forged, now),
            Err(AuthError::BadSignature | AuthError::Malformed)
        ));
        assert_eq!(
            authority.checked_tokens().len(),
            1,
            "refused tokens are not kept"
        );
    }

    #[test]
    fn the_memory_of_checked_tokens_is_bounded() {
        let authority = Authority::new("secret-a");
        for n in 0..=MAX_CHECKED_TOKENS {
            let token = authority
                .issue(&claims("loc", Role::Kds, &[], &format!("screen-{n}"), 60))
                .expect("sign");
            authority.verify(&token).expect("valid");
            assert!(authority.checked_tokens().len() <= MAX_CHECKED_TOKENS);
        }
    }

    #[test]
    fn roles_reach_only_their_channels() {
        let kds = claims("loc", Role::Kds, &["grill".into()], "d", 60);
        assert!(kds
            .may_subscribe(&"kds:grill".parse().expect("channel"))
            .is_ok());
        assert!(kds
            .may_subscribe(&"kds:fry".parse().expect("channel"))
            .is_err());
        assert!(kds
            .may_subscribe(&"location:loc".parse().expect("channel"))
            .is_err());
        assert!(!kds.may_post_orders());

        let expo = claims("loc", Role::Expo, &[], "d", 60);
        assert!(expo
            .may_subscribe(&"location:loc".parse().expect("channel"))
            .is_ok());
        assert!(expo
            .may_subscribe(&"location:other".parse().expect("channel"))
            .is_err());
        assert!(expo
            .may_subscribe(&"kds:fry".parse().expect("channel"))
            .is_ok());

        let pos = claims("loc", Role::Pos, &[], "d", 60);
        assert!(pos.may_post_orders());
        assert!(pos
            .may_subscribe(&"kds:grill".parse().expect("channel"))
            .is_err());
    }
}
