//! The flight recorder: a station's screen as it stood at any instant of the service,
//! rebuilt from the service record, and the station's events one by one with who
//! caused each and from which device.
//!
//! Every recorded event carries its ticket whole, so a station's board at an instant
//! is the newest recorded state of each of its tickets up to that instant, listed the
//! way a screen lists them: open tickets oldest first, waiting ones, and the recall
//! list. The record is kept apart from the replay history, so the board can be rebuilt
//! after the hub restarted or pruned its history and sent screens a fresh snapshot.

use std::collections::HashMap;

use rail_protocol::{Device, RecordEntry, RecordedBoard, Ticket, TicketStatus};

use crate::store::record::RecordRow;

/// Bumped tickets a screen keeps in its recall list.
pub const RECALL_DEPTH: usize = 20;

/// Devices by id, to name who caused an event.
#[derive(Default)]
pub struct DeviceNames(HashMap<String, (String, String)>);

impl DeviceNames {
    pub fn new(devices: &[Device]) -> Self {
        DeviceNames(
            devices
                .iter()
                .map(|d| (d.id.clone(), (d.name.clone(), d.role.as_str().to_owned())))
                .collect(),
        )
    }
}

/// The recorder's line for one recorded ticket event; `None` for events that are not
/// about a ticket.
pub fn entry(row: &RecordRow, names: &DeviceNames) -> Option<RecordEntry> {
    let event = row.envelope.event.ticket_event()?;
    let (ticket, item_id, by) = (&event.ticket, event.item_id.as_deref(), event.by.clone());
    let device = by.as_deref().and_then(|id| names.0.get(id));
    Some(RecordEntry {
        id: row.id,
        at_ms: row.envelope.ts,
        kind: row.envelope.event.name().to_owned(),
        ticket_id: ticket.id.clone(),
        order_number: ticket.order_number.clone(),
        item: item_id.and_then(|id| {
            ticket
                .items
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.name.clone())
        }),
        by,
        device_name: device.map(|(name, _)| name.clone()),
        device_role: device.map(|(_, role)| role.clone()),
    })
}

/// The board from each ticket's newest recorded state (`latest`, one row per ticket).
pub fn board(
    station: &str,
    at_ms: i64,
    entry: Option<RecordEntry>,
    latest: &[RecordRow],
) -> RecordedBoard {
    let tickets: Vec<&Ticket> = latest
        .iter()
        .filter_map(|row| row.envelope.event.ticket())
        .collect();
    let with_status = |status: TicketStatus| {
        tickets
            .iter()
            .filter(move |t| t.status == status)
            .map(|t| (*t).clone())
    };
    let mut open: Vec<Ticket> = with_status(TicketStatus::Open).collect();
    open.sort_by(|a, b| (a.created_at_ms, &a.id).cmp(&(b.created_at_ms, &b.id)));
    let mut held: Vec<Ticket> = with_status(TicketStatus::Held).collect();
    held.sort_by(|a, b| a.id.cmp(&b.id));
    let mut bumped: Vec<Ticket> = with_status(TicketStatus::Bumped).collect();
    bumped.sort_by(|a, b| (b.bumped_at_ms, &b.id).cmp(&(a.bumped_at_ms, &a.id)));
    bumped.truncate(RECALL_DEPTH);
    RecordedBoard {
        station: station.to_owned(),
        at_ms,
        entry,
        open,
        held,
        bumped,
    }
}

/// Where in the service to stand.
#[derive(Debug, Clone, Copy)]
pub enum Instant {
    /// Just after the last event at or before this time (hub time, ms).
    At(i64),
    /// Just after this recorded event.
    Entry(i64),
}

/// Most events one timeline answer lists.
pub const TIMELINE_LIMIT: u32 = 5_000;

impl crate::hub::Hub {
    fn device_names(&self, location_id: &str) -> Result<DeviceNames, crate::store::StoreError> {
        let devices: Vec<Device> = self
            .lock()
            .store
            .devices(location_id)?
            .into_iter()
            .map(|record| record.device)
            .collect();
        Ok(DeviceNames::new(&devices))
    }

    /// A station's screen as it stood at `instant`.
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not replay the service, `NotFound` for an event
    /// id not of this station; store errors otherwise.
    pub fn recorded_board(
        &self,
        who: &crate::auth::Claims,
        station: &str,
        instant: Instant,
    ) -> Result<RecordedBoard, crate::hub::HubError> {
        may_replay(who)?;
        let names = self.device_names(&who.loc)?;
        let (at_ms, last, latest) = self.read_record(|conn| {
            use crate::store::record;
            let (at_ms, upto) = match instant {
                Instant::At(at_ms) => (at_ms, record::last_at(conn, &who.loc, station, at_ms)?),
                Instant::Entry(id) => {
                    let row = record::entry(conn, &who.loc, station, id)?.ok_or_else(|| {
                        crate::store::StoreError::NotFound(format!(
                            "no recorded event {id} at station {station:?}"
                        ))
                    })?;
                    (row.envelope.ts, Some(id))
                }
            };
            let Some(upto) = upto else {
                return Ok((at_ms, None, Vec::new()));
            };
            let last = record::entry(conn, &who.loc, station, upto)?;
            Ok((
                at_ms,
                last,
                record::latest_per_ticket(conn, &who.loc, station, upto)?,
            ))
        })?;
        let entry = last.as_ref().and_then(|row| entry(row, &names));
        Ok(board(station, at_ms, entry, &latest))
    }

    /// A station's recorded events from `from_ms` to `to_ms`, oldest first.
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not replay the service; store errors otherwise.
    pub fn record_timeline(
        &self,
        who: &crate::auth::Claims,
        station: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<rail_protocol::RecordTimeline, crate::hub::HubError> {
        may_replay(who)?;
        let names = self.device_names(&who.loc)?;
        let rows = self.read_record(|conn| {
            crate::store::record::between(
                conn,
                &who.loc,
                Some(station),
                from_ms,
                to_ms,
                TIMELINE_LIMIT + 1,
            )
        })?;
        let truncated = rows.len() > TIMELINE_LIMIT as usize;
        Ok(rail_protocol::RecordTimeline {
            station: station.to_owned(),
            entries: rows
                .iter()
                .take(TIMELINE_LIMIT as usize)
                .filter_map(|row| entry(row, &names))
                .collect(),
            truncated,
        })
    }
}

fn may_replay(who: &crate::auth::Claims) -> Result<(), crate::hub::HubError> {
    if who.may_replay_service() {
        Ok(())
    } else {
        Err(crate::hub::HubError::Forbidden(format!(
            "a {} token may not replay the service",
            who.role.as_str()
        )))
    }
}
