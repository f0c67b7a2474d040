//! Who is calling: signed tokens (HS256 JWTs) and what each role may do.
//!
//! A token names one location (restaurant), a role, the stations it may act on and the
//! device it was issued to. The location in the token scopes everything: channel names
//! and ticket ids are looked up inside it, so another restaurant's data is unreachable.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rail_protocol::Channel;
use serde::{Deserialize, Serialize};

/// What a device is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A point of sale: posts and changes orders.
    Pos,
    /// A station screen: sees and bumps its stations' tickets.
    Kds,
    /// The expeditor's screen: sees and bumps every station.
    Expo,
    /// Everything within its location.
    Admin,
}

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
    #[serde(default)]
    pub iat: i64,
}

impl Role {
    /// The role's name as tokens and messages spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Pos => "pos",
            Role::Kds => "kds",
            Role::Expo => "expo",
            Role::Admin => "admin",
        }
    }
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
        }
    }

    /// May this token post and change orders?
    pub fn may_post_orders(&self) -> bool {
        matches!(self.role, Role::Pos | Role::Admin)
    }

    /// May this token subscribe to `channel`? Returns the reason when it may not.
    pub fn may_subscribe(&self, channel: &Channel) -> Result<(), String> {
        match channel {
            Channel::Kds(station) if self.may_work_station(station) => Ok(()),
            Channel::Kds(station) => Err(format!("this token may not watch station {station:?}")),
            Channel::Location(id) if id != &self.loc => {
                Err("this token belongs to another location".into())
            }
            Channel::Location(_) if self.role == Role::Kds => {
                Err("a kds token may only watch its stations; use an expo token".into())
            }
            Channel::Location(_) | Channel::Order(_) | Channel::Table(_) => Ok(()),
        }
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    #[error("token expired")]
    Expired,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("could not sign token: {0}")]
    Signing(String),
}

/// Signs and checks tokens with one shared secret.
pub struct Authority {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl Authority {
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Authority {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
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

    /// Checks a token's signature and expiry and returns its claims.
    ///
    /// # Errors
    /// [`AuthError::Expired`] or [`AuthError::Invalid`].
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Ok(data.claims),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(AuthError::Expired)
            }
            Err(e) => Err(AuthError::Invalid(e.to_string())),
        }
    }
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
    }
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
            Err(AuthError::Invalid(_))
        ));

        let old = claims("loc", Role::Kds, &[], "screen-1", -3600);
        let expired = authority.issue(&old).expect("sign");
        assert!(matches!(
            authority.verify(&expired),
            Err(AuthError::Expired)
        ));
        assert!(matches!(
            authority.verify("not.a.token"),
            Err(AuthError::Invalid(_))
        ));
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
