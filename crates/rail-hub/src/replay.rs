//! Starting a subscription: snapshot, exact replay, or an explicit reset.
//!
//! Recovery is binary: either every event after the client's cursor
//! follows, in order and without gaps, or the client is told `reset` and gets a fresh
//! snapshot valid at a stated sequence. Never a silent partial history.

use rail_protocol::{Channel, Control, Cursor, Recovery, ServerMessage, Snapshot};

use crate::store::{StationFilter, Store, StoreError};

/// How a subscription will start, and the frames that start it.
pub struct Plan {
    pub recovery: Recovery,
    /// The `subscribed` message, then replayed events if any.
    pub frames: Vec<String>,
    /// Where the client stands once it has applied the frames: the channel's newest.
    pub seq: u64,
}

/// Decides how `channel` starts for a client that last saw `since`.
///
/// Must run under the same lock that publishes events, so no event can fall between
/// the snapshot or replay and the live stream.
///
/// `alerts` are the location's raised delivery alerts, which a `location:` snapshot
/// carries.
///
/// # Errors
/// On database failure.
pub fn plan(
    store: &Store,
    location_id: &str,
    channel: &Channel,
    since: Option<&Cursor>,
    alerts: impl FnOnce() -> Vec<rail_protocol::DeliveryAlert>,
) -> Result<Plan, StoreError> {
    let name = channel.to_string();
    let position = store.position(location_id, &name)?;
    let recovery = match since {
        None => Recovery::Fresh,
        Some(cursor) if cursor.epoch != store.epoch() => Recovery::Reset,
        Some(cursor) if cursor.seq > position.last_seq => Recovery::Reset,
        Some(cursor) if cursor.seq == position.last_seq => Recovery::Recovered,
        // The first event the client needs must still be kept.
        Some(cursor) => match position.oldest_kept {
            Some(oldest) if oldest <= cursor.seq + 1 => Recovery::Recovered,
            _ => Recovery::Reset,
        },
    };
    let snapshot = match recovery {
        Recovery::Recovered => None,
        Recovery::Fresh | Recovery::Reset => {
            let mut snapshot = snapshot(store, location_id, channel)?;
            if matches!(channel, Channel::Location(_)) {
                snapshot.alerts = alerts();
            }
            Some(snapshot)
        }
    };
    let subscribed = ServerMessage::Control(Control::Subscribed {
        channel: name.clone(),
        epoch: store.epoch().to_owned(),
        seq: match (recovery, since) {
            (Recovery::Recovered, Some(cursor)) => cursor.seq,
            _ => position.last_seq,
        },
        recovery,
        snapshot,
    });
    let mut frames = vec![serde_json::to_string(&subscribed)?];
    if let (Recovery::Recovered, Some(cursor)) = (recovery, since) {
        frames.extend(store.frames_after(location_id, &name, cursor.seq)?);
    }
    Ok(Plan {
        recovery,
        frames,
        seq: position.last_seq,
    })
}

/// The current state of a channel.
fn snapshot(store: &Store, location_id: &str, channel: &Channel) -> Result<Snapshot, StoreError> {
    if let Channel::Order(order_id) = channel {
        // The order as it stands and all its tickets, bumped ones too: whoever follows
        // one order wants each station's progress, not only what is still cooking.
        return match store.order(location_id, order_id) {
            Ok(order) => Ok(Snapshot {
                tickets: store.tickets_of_order(&order)?,
                order: Some(Box::new(order)),
                ..Snapshot::default()
            }),
            Err(StoreError::NotFound(_)) => Ok(Snapshot::default()),
            Err(error) => Err(error),
        };
    }
    if let Channel::Session(session) = channel {
        // One party's orders and every ticket of them, as an order channel has.
        let orders = store.table_session_orders(location_id, session)?;
        let mut tickets = Vec::new();
        for order in &orders {
            tickets.extend(store.tickets_of_order(order)?);
        }
        return Ok(Snapshot {
            tickets,
            orders,
            ..Snapshot::default()
        });
    }
    if let Channel::Board(_) = channel {
        // Numbers and whether they are ready: nothing of the kitchen's tickets.
        return Ok(Snapshot {
            board: store.board(location_id, crate::clock::now_ms())?,
            ..Snapshot::default()
        });
    }
    let tickets = match channel {
        Channel::Kds(station) => store.tickets(location_id, Some(station), StationFilter::Live)?,
        // Expo also sees which stations of the orders at the pass are done.
        Channel::Location(_) => {
            let mut tickets = store.tickets(location_id, None, StationFilter::Live)?;
            tickets.extend(store.done_at_the_pass(location_id, crate::clock::now_ms())?);
            tickets
        }
        // An employee channel is a stream of notices: nothing stands to snapshot.
        Channel::Order(_) | Channel::Session(_) | Channel::Board(_) | Channel::Employee(_) => {
            Vec::new()
        }
        Channel::Table(table) => store
            .tickets(location_id, None, StationFilter::Live)?
            .into_iter()
            .filter(|t| t.table.as_deref() == Some(table.as_str()))
            .collect(),
    };
    Ok(Snapshot {
        tickets,
        ..Snapshot::default()
    })
}
