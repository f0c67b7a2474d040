//! Guests following their order: the POS asks for an order's short link (printed on
//! the receipt as a QR code), a phone opens `/o/<code>` with no login, and the code
//! buys a short-lived `guest` token that reads that one order's channel — nothing of
//! any other order, and nothing at all once the order has been closed for the grace
//! period. A table's party gets the same from a table session: seated by the POS, its
//! code reads `session:<id>`, which carries the orders taken while that party sat
//! there, so seating the next party cannot leak theirs. Also the pickup board's link:
//! a dining-room screen's address with a `board` token that reads the location's
//! `board:` channel only.

use rail_protocol::{Channel, GuestAccess, GuestLink, Role, TableSession};
use rand::Rng;

use crate::auth::Claims;
use crate::hub::{Hub, HubError};
use crate::store::{IdempotencyKey, Mutation, StoreError};

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
    #[error("this table's party has left; its link no longer works")]
    Left,
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

    /// A guest token for the order, or the table session, `code` opens.
    ///
    /// # Errors
    /// [`GuestError::Unknown`] for a code nothing has, [`GuestError::Closed`] past the
    /// grace period after the order closed, [`GuestError::Left`] past it after the
    /// party left.
    pub fn guest_access(&self, code: &str, now_ms: i64) -> Result<GuestAccess, GuestError> {
        if !is_code(code) {
            return Err(GuestError::Unknown);
        }
        let (order, session) = {
            let state = self.lock();
            (
                state.store.guest_target(code)?,
                state.store.table_session_by_code(code)?,
            )
        };
        let mut claims = crate::auth::claims("", Role::Guest, &[], "guest", TOKEN_TTL_SECS);
        let access = if let Some(target) = order {
            if !self.still_open(target.closed_at_ms, now_ms) {
                return Err(GuestError::Closed);
            }
            claims.loc = target.location_id;
            claims.order = Some(target.order_id.clone());
            GuestAccess {
                token: String::new(),
                channel: Channel::Order(target.order_id.clone()).to_string(),
                order_id: Some(target.order_id),
                table_id: None,
                expires_in_secs: TOKEN_TTL_SECS.unsigned_abs(),
            }
        } else if let Some(session) = session {
            if !self.still_open(session.closed_at_ms, now_ms) {
                return Err(GuestError::Left);
            }
            claims.loc = session.location_id;
            claims.session = Some(session.id.clone());
            GuestAccess {
                token: String::new(),
                channel: Channel::Session(session.id).to_string(),
                order_id: None,
                table_id: Some(session.table_id),
                expires_in_secs: TOKEN_TTL_SECS.unsigned_abs(),
            }
        } else {
            return Err(GuestError::Unknown);
        };
        let token = self
            .authority
            .issue(&claims)
            .map_err(|e| HubError::Forbidden(e.to_string()))?;
        Ok(GuestAccess { token, ..access })
    }

    /// For a guest's subscription: is its link still good?
    ///
    /// # Errors
    /// `Forbidden` once the order has been closed, or the party gone, for the grace
    /// period.
    pub(crate) fn check_guest(&self, who: &Claims, now_ms: i64) -> Result<(), HubError> {
        if who.role != Role::Guest {
            return Ok(());
        }
        let state = self.lock();
        let (closed, gone) = match (who.order.as_deref(), who.session.as_deref()) {
            (Some(order), _) => (
                state.store.order_closed_at(&who.loc, order),
                GuestError::Closed,
            ),
            (None, Some(session)) => (
                state.store.table_session_closed_at(&who.loc, session),
                GuestError::Left,
            ),
            (None, None) => return Ok(()),
        };
        let closed = match closed {
            Ok(closed) => closed,
            // A token naming nothing that exists opens nothing, as any refusal.
            Err(StoreError::NotFound(_)) => {
                return Err(HubError::Forbidden("this link opens nothing".into()))
            }
            Err(error) => return Err(error.into()),
        };
        drop(state);
        if self.still_open(closed, now_ms) {
            Ok(())
        } else {
            Err(HubError::Forbidden(gone.to_string()))
        }
    }

    /// Seats a party at `table`: a fresh session and link, closing the last party's.
    /// A retry with the same idempotency key answers the same session.
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not post orders; `Invalid` for a bad table name.
    pub fn seat_table(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        table: &str,
    ) -> Result<Mutation, HubError> {
        Self::may_seat(who)?;
        let id = uuid::Uuid::now_v7().simple().to_string();
        let code = fresh_code();
        self.mutate(&who.loc, idem, |tx, now| {
            let stored =
                crate::store::sessions::open_table_session(tx, &who.loc, table, &id, &code, now)?;
            Ok((
                201,
                serde_json::to_string(&table_session(stored))?,
                Vec::new(),
            ))
        })
    }

    /// The party sitting at `table` now.
    ///
    /// # Errors
    /// `Forbidden` as for seating; `NotFound` when nobody is seated there.
    pub fn seated_at(&self, who: &Claims, table: &str) -> Result<TableSession, HubError> {
        Self::may_seat(who)?;
        self.lock()
            .store
            .open_table_session_at(&who.loc, table)?
            .map(table_session)
            .ok_or_else(|| {
                HubError::Store(StoreError::NotFound(format!(
                    "table {table:?} has no open session"
                )))
            })
    }

    /// The party at `table` left: its link works for the grace period, then stops.
    ///
    /// # Errors
    /// `Forbidden` as for seating; `NotFound` when nobody is seated there.
    pub fn clear_table(&self, who: &Claims, table: &str) -> Result<TableSession, HubError> {
        Self::may_seat(who)?;
        let stored =
            self.lock()
                .store
                .close_table_session(&who.loc, table, crate::clock::now_ms())?;
        Ok(table_session(stored))
    }

    fn may_seat(who: &Claims) -> Result<(), HubError> {
        if who.may_post_orders() {
            Ok(())
        } else {
            Err(HubError::Forbidden(format!(
                "a {} token may not seat tables",
                who.role.as_str()
            )))
        }
    }
}

fn table_session(stored: crate::store::sessions::StoredSession) -> TableSession {
    TableSession {
        table_id: stored.table_id,
        session_id: stored.id,
        path: format!("/o/{}", stored.code),
        code: stored.code,
        opened_at_ms: stored.opened_at_ms,
        closed_at_ms: stored.closed_at_ms,
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
