//! Guests following their order: the POS asks for an order's short link (printed on
//! the receipt as a QR code), a phone opens `/o/<code>` with no login, and the code
//! buys a short-lived `guest` token that reads that one order's channel — nothing of
//! any other order, and nothing at all once the order has been closed for the grace
//! period. Also the pickup board's link: a dining-room screen's address with a
//! `board` token that reads the location's `board:` channel only.

use rail_protocol::{GuestAccess, GuestLink, Role};
use rand::Rng;

use crate::auth::Claims;
use crate::hub::{Hub, HubError};
use crate::store::StoreError;

/// Letters and digits that cannot be misread for one another (no 0/o, 1/l/i).
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// 31^10 ≈ 8·10^14 codes: guessing one is hopeless at any rate a hub answers.
const CODE_LENGTH: usize = 10;
/// How long one guest token lives; the page asks for a fresh one when it runs out.
pub const TOKEN_TTL_SECS: i64 = 3600;

/// Why a guest code opens nothing.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    #[error("no order has this link")]
    Unknown,
    #[error("this order was closed; its link no longer works")]
    Closed,
    #[error(transparent)]
    Hub(#[from] HubError),
}

impl From<StoreError> for GuestError {
    fn from(error: StoreError) -> Self {
        GuestError::Hub(HubError::Store(error))
    }
}

fn fresh_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Whether a code is shaped like one; anything else is refused before the database.
pub fn is_code(code: &str) -> bool {
    code.len() == CODE_LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))
}

impl Hub {
    /// The order's short link (made on first ask; the same code after).
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not post orders; `NotFound` for no such order.
    pub fn guest_link(&self, who: &Claims, order_id: &str) -> Result<GuestLink, HubError> {
        if !who.may_post_orders() {
            return Err(HubError::Forbidden(format!(
                "a {} token may not make guest links",
                who.role.as_str()
            )));
        }
        let code = self.lock().store.guest_code(
            &who.loc,
            order_id,
            &fresh_code(),
            crate::clock::now_ms(),
        )?;
        Ok(GuestLink {
            order_id: order_id.to_owned(),
            path: format!("/o/{code}"),
            code,
        })
    }

    fn still_open(&self, closed_at_ms: Option<i64>, now_ms: i64) -> bool {
        let grace = i64::try_from(self.config.guest_grace.as_millis()).unwrap_or(i64::MAX);
        closed_at_ms.is_none_or(|closed| now_ms < closed.saturating_add(grace))
    }

    /// A guest token for the order `code` opens.
    ///
    /// # Errors
    /// [`GuestError::Unknown`] for a code no order has, [`GuestError::Closed`] past the
    /// grace period after the order closed.
    pub fn guest_access(&self, code: &str, now_ms: i64) -> Result<GuestAccess, GuestError> {
        if !is_code(code) {
            return Err(GuestError::Unknown);
        }
        let target = self
            .lock()
            .store
            .guest_target(code)?
            .ok_or(GuestError::Unknown)?;
        if !self.still_open(target.closed_at_ms, now_ms) {
            return Err(GuestError::Closed);
        }
        let mut claims = crate::auth::claims(
            &target.location_id,
            Role::Guest,
            &[],
            "guest",
            TOKEN_TTL_SECS,
        );
        claims.order = Some(target.order_id.clone());
        let token = self
            .authority
            .issue(&claims)
            .map_err(|e| HubError::Forbidden(e.to_string()))?;
        Ok(GuestAccess {
            token,
            channel: rail_protocol::Channel::Order(target.order_id.clone()).to_string(),
            order_id: target.order_id,
            expires_in_secs: TOKEN_TTL_SECS.unsigned_abs(),
        })
    }

    /// For a guest's subscription: is its order's link still good?
    ///
    /// # Errors
    /// `Forbidden` once the order has been closed for the grace period.
    pub(crate) fn check_guest(&self, who: &Claims, now_ms: i64) -> Result<(), HubError> {
        let Some(order) = who.order.as_deref().filter(|_| who.role == Role::Guest) else {
            return Ok(());
        };
        let closed = self.lock().store.order_closed_at(&who.loc, order)?;
        if self.still_open(closed, now_ms) {
            Ok(())
        } else {
            Err(HubError::Forbidden(GuestError::Closed.to_string()))
        }
    }
}

/// How long a pickup board's token lasts: a screen on a wall is set up once a year.
pub const BOARD_TOKEN_TTL_SECS: i64 = 365 * 24 * 3600;

impl Hub {
    /// The pickup board's address with a year-long `board` token (admin only).
    ///
    /// # Errors
    /// `Forbidden` for anything but an admin.
    pub fn board_link(&self, who: &Claims) -> Result<rail_protocol::pickup::BoardLink, HubError> {
        if who.role != Role::Admin {
            return Err(HubError::Forbidden(
                "only an admin may make a pickup board link".into(),
            ));
        }
        let claims = crate::auth::claims(&who.loc, Role::Board, &[], "board", BOARD_TOKEN_TTL_SECS);
        let token = self
            .authority
            .issue(&claims)
            .map_err(|e| HubError::Forbidden(e.to_string()))?;
        Ok(rail_protocol::pickup::BoardLink {
            path: format!("/board#token={token}"),
            expires_at_ms: claims.exp.saturating_mul(1000),
        })
    }
}
