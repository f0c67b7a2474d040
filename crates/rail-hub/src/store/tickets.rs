//! Orders and tickets: creating, bumping, recalling and listing them, each change
//! written together with the events it produces.

use rail_protocol::{
    channel::is_valid_id, ActionOutcome, Event, ItemStatus, NewOrder, OrderCreated, Ticket,
    TicketEvent, TicketItem, TicketStatus,
};
use rusqlite::{Connection, OptionalExtension, Transaction};

use super::events::{append, Published};
use super::{Store, StoreError};
use crate::routing::Routes;

/// Which tickets of a station to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StationFilter {
    /// On the rail, oldest first.
    Open,
    /// Recently bumped, newest first (the recall list).
    Bumped { limit: u32 },
}

/// Limits on what a POS may post, so one bad request cannot bloat every screen.
const MAX_ITEMS: usize = 200;
const MAX_TEXT: usize = 200;
const MAX_QTY: u32 = 999;

fn check_text(what: &str, value: &str) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what} must not be empty")));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than {MAX_TEXT} characters"
        )));
    }
    Ok(())
}

/// Channels a ticket's events go to: its station, the expo view of its location, and
/// its order.
fn ticket_channels(ticket: &Ticket) -> [String; 3] {
    [
        format!("kds:{}", ticket.station),
        format!("location:{}", ticket.location_id),
        format!("order:{}", ticket.order_id),
    ]
}

fn publish_ticket_event(
    tx: &Transaction<'_>,
    event: &Event,
    ticket: &Ticket,
    now_ms: i64,
) -> Result<Vec<Published>, StoreError> {
    ticket_channels(ticket)
        .iter()
        .map(|channel| append(tx, &ticket.location_id, channel, event, now_ms))
        .collect()
}

fn save_ticket(tx: &Transaction<'_>, ticket: &Ticket) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tickets (location_id, id, order_id, station, status, version, created_at_ms,
                              bumped_at_ms, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (location_id, id) DO UPDATE SET
             status = excluded.status, version = excluded.version,
             bumped_at_ms = excluded.bumped_at_ms, body = excluded.body",
        (
            &ticket.location_id,
            &ticket.id,
            &ticket.order_id,
            &ticket.station,
            ticket.status.as_str(),
            ticket.version,
            ticket.created_at_ms,
            ticket.bumped_at_ms,
            serde_json::to_string(ticket)?,
        ),
    )?;
    Ok(())
}

fn load_ticket(conn: &Connection, location_id: &str, id: &str) -> Result<Ticket, StoreError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM tickets WHERE location_id = ?1 AND id = ?2",
            (location_id, id),
            |row| row.get(0),
        )
        .optional()?;
    let body = body.ok_or_else(|| StoreError::NotFound(format!("no ticket {id:?}")))?;
    Ok(serde_json::from_str(&body)?)
}

/// Splits a posted order into one ticket per station, in the order items were given.
fn split_into_tickets(
    location_id: &str,
    order_id: &str,
    order: &NewOrder,
    routes: &Routes,
    now_ms: i64,
) -> Result<Vec<Ticket>, StoreError> {
    let mut tickets: Vec<Ticket> = Vec::new();
    for (index, item) in order.items.iter().enumerate() {
        check_text("item name", &item.name)?;
        if item.qty == 0 || item.qty > MAX_QTY {
            return Err(StoreError::Invalid(format!(
                "item {:?}: qty must be between 1 and {MAX_QTY}",
                item.name
            )));
        }
        for text in item
            .modifiers
            .iter()
            .chain(&item.allergens)
            .chain(item.notes.iter())
        {
            check_text("modifier, allergen or note", text)?;
        }
        let item_id = item.id.clone().unwrap_or_else(|| (index + 1).to_string());
        if !is_valid_id(&item_id) {
            return Err(StoreError::Invalid(format!(
                "item id {item_id:?} is not a valid id"
            )));
        }
        let station = routes.station_for(item).ok_or_else(|| {
            StoreError::Invalid(format!(
                "item {:?} has no station: give it a `station`, or a `category` the routing rules know",
                item.name
            ))
        })?;
        if !is_valid_id(&station) {
            return Err(StoreError::Invalid(format!(
                "station {station:?} is not a valid id"
            )));
        }
        let line = TicketItem {
            id: item_id,
            name: item.name.clone(),
            qty: item.qty,
            modifiers: item.modifiers.clone(),
            notes: item.notes.clone(),
            allergens: item.allergens.clone(),
            course: item.course.unwrap_or(1),
            status: ItemStatus::Pending,
        };
        if let Some(ticket) = tickets.iter_mut().find(|t| t.station == station) {
            if ticket.items.iter().any(|existing| existing.id == line.id) {
                return Err(StoreError::Invalid(format!(
                    "item id {:?} appears twice",
                    line.id
                )));
            }
            ticket.items.push(line);
            continue;
        }
        tickets.push(Ticket {
            id: Ticket::id_for(order_id, &station),
            order_id: order_id.to_owned(),
            order_number: order.number.clone(),
            location_id: location_id.to_owned(),
            station,
            table: order.table.clone(),
            guest: order.guest.clone(),
            order_type: order.order_type,
            server: order.server.clone(),
            created_at_ms: now_ms,
            rush: order.rush,
            status: TicketStatus::Open,
            version: 1,
            bumped_at_ms: None,
            items: vec![line],
        });
    }
    Ok(tickets)
}

/// Creates an order and its tickets; returns the response and the events to publish.
pub(crate) fn create_order(
    tx: &Transaction<'_>,
    location_id: &str,
    order: &NewOrder,
    routes: &Routes,
    now_ms: i64,
) -> Result<(OrderCreated, Vec<Published>), StoreError> {
    check_text("order number", &order.number)?;
    for (what, value) in [
        ("table", &order.table),
        ("guest", &order.guest),
        ("server", &order.server),
    ] {
        if let Some(value) = value {
            check_text(what, value)?;
        }
    }
    if order.items.is_empty() {
        return Err(StoreError::Invalid(
            "an order needs at least one item".into(),
        ));
    }
    if order.items.len() > MAX_ITEMS {
        return Err(StoreError::Invalid(format!(
            "an order has at most {MAX_ITEMS} items"
        )));
    }
    let order_id = match &order.id {
        Some(id) if is_valid_id(id) => id.clone(),
        Some(id) => {
            return Err(StoreError::Invalid(format!(
                "order id {id:?} is not a valid id"
            )))
        }
        None => uuid::Uuid::now_v7().simple().to_string(),
    };
    let inserted = tx.execute(
        "INSERT INTO orders (location_id, id, number, body, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO NOTHING",
        (location_id, &order_id, &order.number, serde_json::to_string(order)?, now_ms),
    )?;
    if inserted == 0 {
        return Err(StoreError::Conflict(format!(
            "order {order_id:?} already exists"
        )));
    }
    let tickets = split_into_tickets(location_id, &order_id, order, routes, now_ms)?;
    let mut published = Vec::new();
    for ticket in &tickets {
        save_ticket(tx, ticket)?;
        let event = Event::TicketNew(TicketEvent {
            ticket: ticket.clone(),
            item_id: None,
            by: None,
        });
        published.extend(publish_ticket_event(tx, &event, ticket, now_ms)?);
    }
    let created = OrderCreated { order_id, tickets };
    published.push(append(
        tx,
        location_id,
        &format!("location:{location_id}"),
        &Event::OrderCreated(created.clone()),
        now_ms,
    )?);
    Ok((created, published))
}

/// Marks a ticket done at its station.
pub(crate) fn bump_ticket(
    tx: &Transaction<'_>,
    location_id: &str,
    ticket_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<(ActionOutcome, Ticket, Vec<Published>), StoreError> {
    let mut ticket = load_ticket(tx, location_id, ticket_id)?;
    match ticket.status {
        TicketStatus::Bumped => return Ok((ActionOutcome::AlreadyBumped, ticket, Vec::new())),
        TicketStatus::Voided => {
            return Err(StoreError::Conflict(format!(
                "ticket {} (order {}) was voided by the POS",
                ticket.id, ticket.order_number
            )))
        }
        TicketStatus::Open => {}
    }
    ticket.status = TicketStatus::Bumped;
    ticket.bumped_at_ms = Some(now_ms);
    ticket.version += 1;
    save_ticket(tx, &ticket)?;
    let event = Event::TicketBumped(TicketEvent {
        ticket: ticket.clone(),
        item_id: None,
        by: Some(by.to_owned()),
    });
    let published = publish_ticket_event(tx, &event, &ticket, now_ms)?;
    Ok((ActionOutcome::Bumped, ticket, published))
}

/// Brings a bumped ticket back onto the rail.
pub(crate) fn recall_ticket(
    tx: &Transaction<'_>,
    location_id: &str,
    ticket_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<(ActionOutcome, Ticket, Vec<Published>), StoreError> {
    let mut ticket = load_ticket(tx, location_id, ticket_id)?;
    match ticket.status {
        TicketStatus::Open => return Ok((ActionOutcome::AlreadyOpen, ticket, Vec::new())),
        TicketStatus::Voided => {
            return Err(StoreError::Conflict(format!(
                "ticket {} (order {}) was voided by the POS",
                ticket.id, ticket.order_number
            )))
        }
        TicketStatus::Bumped => {}
    }
    ticket.status = TicketStatus::Open;
    ticket.bumped_at_ms = None;
    ticket.version += 1;
    save_ticket(tx, &ticket)?;
    let event = Event::TicketRecalled(TicketEvent {
        ticket: ticket.clone(),
        item_id: None,
        by: Some(by.to_owned()),
    });
    let published = publish_ticket_event(tx, &event, &ticket, now_ms)?;
    Ok((ActionOutcome::Recalled, ticket, published))
}

impl Store {
    /// Tickets of one station (or of every station with `station = None`).
    ///
    /// # Errors
    /// On database failure.
    pub fn tickets(
        &self,
        location_id: &str,
        station: Option<&str>,
        filter: StationFilter,
    ) -> Result<Vec<Ticket>, StoreError> {
        let (status, order, limit) = match filter {
            StationFilter::Open => ("open", "created_at_ms ASC", u32::MAX),
            StationFilter::Bumped { limit } => ("bumped", "bumped_at_ms DESC", limit),
        };
        let sql = format!(
            "SELECT body FROM tickets
             WHERE location_id = ?1 AND (?2 IS NULL OR station = ?2) AND status = ?3
             ORDER BY {order}, id LIMIT ?4"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let bodies = stmt
            .query_map((location_id, station, status, limit), |row| {
                row.get::<_, String>(0)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        bodies
            .iter()
            .map(|body| Ok(serde_json::from_str(body)?))
            .collect()
    }

    /// One ticket by id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when it does not exist in this location.
    pub fn ticket(&self, location_id: &str, id: &str) -> Result<Ticket, StoreError> {
        load_ticket(self.conn(), location_id, id)
    }
}
