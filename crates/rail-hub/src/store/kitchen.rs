//! Orders and their tickets.
//!
//! The order is the source of truth (items, courses, status); a station's ticket is
//! derived from it plus the ticket's own bump state. Every mutation changes the order
//! or a ticket, then [`sync_tickets`] re-derives the order's tickets, compares them with
//! what is stored and writes one event for each ticket that changed — the right kind of
//! event (new, updated, voided, fired, priority, item bumped) for the right change. All of
//! it happens in the caller's transaction.

use std::collections::HashMap;

use rail_protocol::{
    channel::is_valid_id, ActionOutcome, Event, ItemStatus, NewOrder, NewOrderItem, Order,
    OrderCreated, OrderItem, OrderPatch, OrderStatus, OrderStatusChanged, Ticket, TicketEvent,
    TicketItem, TicketStatus,
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

/// A change the POS (or expo) makes to an order.
#[derive(Debug, Clone)]
pub enum OrderCommand {
    Patch(OrderPatch),
    AddItems(Vec<NewOrderItem>),
    /// Void (`remove: false`) or remove (`remove: true`) one item.
    VoidItem {
        item_id: String,
        remove: bool,
    },
    Cancel,
    Fire(u32),
    Status(OrderStatus),
}

/// Why tickets are being re-derived: decides which event a changed ticket gets.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cause {
    Created,
    Changed,
    Fired,
    ItemBumped(String),
}

// Limits on what a POS may post, so one bad request cannot bloat every screen (the
// OpenAPI schemas state the same ones).
use rail_protocol::limits::{MAX_COURSE, MAX_ITEMS, MAX_QTY, MAX_TEXT};

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

fn check_optional_text(what: &str, value: Option<&String>) -> Result<(), StoreError> {
    value.map_or(Ok(()), |v| check_text(what, v))
}

/// Channels an order's events go to: its location (expo), the order, and its table
/// when the table name can be a channel id.
fn order_channels(order: &Order) -> Vec<String> {
    let mut channels = vec![
        format!("location:{}", order.location_id),
        format!("order:{}", order.id),
    ];
    if let Some(table) = order.table.as_deref().filter(|t| is_valid_id(t)) {
        channels.push(format!("table:{table}"));
    }
    channels
}

/// Channels a ticket's events go to: its station first, then the order's channels.
fn ticket_channels(order: &Order, station: &str) -> Vec<String> {
    let mut channels = vec![format!("kds:{station}")];
    channels.extend(order_channels(order));
    channels
}

fn publish(
    tx: &Transaction<'_>,
    location: &str,
    channels: &[String],
    event: &Event,
    now_ms: i64,
) -> Result<Vec<Published>, StoreError> {
    channels
        .iter()
        .map(|channel| append(tx, location, channel, event, now_ms))
        .collect()
}

fn load_order(conn: &Connection, location_id: &str, id: &str) -> Result<Order, StoreError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM orders WHERE location_id = ?1 AND id = ?2",
            (location_id, id),
            |row| row.get(0),
        )
        .optional()?;
    let body = body.ok_or_else(|| StoreError::NotFound(format!("no order {id:?}")))?;
    Ok(serde_json::from_str(&body)?)
}

fn save_order(tx: &Transaction<'_>, order: &Order) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO orders (location_id, id, number, body, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (location_id, id) DO UPDATE SET number = excluded.number, body = excluded.body",
        (&order.location_id, &order.id, &order.number, serde_json::to_string(order)?, order.created_at_ms),
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

/// An order's tickets; read on every change to the order (index `tickets_by_order`).
const ORDER_TICKETS: &str = "SELECT body FROM tickets WHERE location_id = ?1 AND order_id = ?2";

fn order_tickets(
    conn: &Connection,
    location_id: &str,
    order_id: &str,
) -> Result<HashMap<String, Ticket>, StoreError> {
    let mut stmt = conn.prepare_cached(ORDER_TICKETS)?;
    let bodies = stmt
        .query_map((location_id, order_id), |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    bodies
        .iter()
        .map(|body| {
            let ticket: Ticket = serde_json::from_str(body)?;
            Ok((ticket.station.clone(), ticket))
        })
        .collect()
}

fn save_ticket(tx: &Transaction<'_>, ticket: &Ticket) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tickets (location_id, id, order_id, station, status, version, created_at_ms, bumped_at_ms, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (location_id, id) DO UPDATE SET
             status = excluded.status, version = excluded.version, created_at_ms = excluded.created_at_ms,
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

/// Validates posted items and routes each to a station.
fn new_items(
    items: &[NewOrderItem],
    existing: &[OrderItem],
    routes: &Routes,
    added: bool,
) -> Result<Vec<OrderItem>, StoreError> {
    if items.is_empty() {
        return Err(StoreError::Invalid("at least one item is needed".into()));
    }
    if existing.len() + items.len() > MAX_ITEMS {
        return Err(StoreError::Invalid(format!(
            "an order has at most {MAX_ITEMS} items"
        )));
    }
    let mut made: Vec<OrderItem> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
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
        check_optional_text("category", item.category.as_ref())?;
        let course = item.course.unwrap_or(1);
        if course == 0 || course > MAX_COURSE {
            return Err(StoreError::Invalid(format!(
                "item {:?}: course must be between 1 and {MAX_COURSE}",
                item.name
            )));
        }
        let id = item
            .id
            .clone()
            .unwrap_or_else(|| (existing.len() + index + 1).to_string());
        if !is_valid_id(&id) {
            return Err(StoreError::Invalid(format!(
                "item id {id:?} is not a valid id"
            )));
        }
        if existing.iter().chain(&made).any(|other| other.id == id) {
            return Err(StoreError::Invalid(format!(
                "item id {id:?} appears twice in the order"
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
        made.push(OrderItem {
            id,
            name: item.name.clone(),
            qty: item.qty,
            modifiers: item.modifiers.clone(),
            notes: item.notes.clone(),
            allergens: item.allergens.clone(),
            course,
            station,
            status: ItemStatus::Pending,
            added,
        });
    }
    Ok(made)
}

/// Stations of the order, in the order their first item was posted.
fn stations(order: &Order) -> Vec<String> {
    let mut stations: Vec<String> = Vec::new();
    for item in &order.items {
        if !stations.contains(&item.station) {
            stations.push(item.station.clone());
        }
    }
    stations
}

/// The ticket `station` should show now, given what is stored.
fn derive_ticket(order: &Order, station: &str, stored: Option<&Ticket>, now_ms: i64) -> Ticket {
    let items: Vec<TicketItem> = order
        .items
        .iter()
        .filter(|item| item.station == station)
        .map(|item| TicketItem {
            id: item.id.clone(),
            name: item.name.clone(),
            qty: item.qty,
            modifiers: item.modifiers.clone(),
            notes: item.notes.clone(),
            allergens: item.allergens.clone(),
            course: item.course,
            status: item.status,
            held: item.course > order.fired_course,
            added: item.added,
        })
        .collect();
    let live: Vec<&TicketItem> = items.iter().filter(|i| i.status.is_live()).collect();
    let previous = stored.map(|t| t.status);
    let status = if live.is_empty() {
        TicketStatus::Voided
    } else if live.iter().all(|i| i.held) {
        TicketStatus::Held
    } else {
        match previous {
            // A bumped ticket stays bumped unless new work reached it (items added, a
            // course fired).
            Some(TicketStatus::Bumped) if !stored.is_some_and(|t| has_new_work(t, &items)) => {
                TicketStatus::Bumped
            }
            _ => TicketStatus::Open,
        }
    };
    let reached_rail =
        matches!(previous, Some(TicketStatus::Held) | None) && status != TicketStatus::Held;
    let created_at_ms = match stored {
        Some(ticket) if reached_rail => now_ms.max(ticket.created_at_ms),
        Some(ticket) => ticket.created_at_ms,
        None => order.created_at_ms,
    };
    Ticket {
        id: Ticket::id_for(&order.id, station),
        order_id: order.id.clone(),
        order_number: order.number.clone(),
        location_id: order.location_id.clone(),
        station: station.to_owned(),
        table: order.table.clone(),
        guest: order.guest.clone(),
        order_type: order.order_type,
        server: order.server.clone(),
        notes: order.notes.clone(),
        created_at_ms,
        rush: order.rush,
        status,
        version: stored.map_or(1, |t| t.version),
        bumped_at_ms: if status == TicketStatus::Bumped {
            stored.and_then(|t| t.bumped_at_ms)
        } else {
            None
        },
        items,
    }
}

/// True when `items` has pending, unheld work the stored ticket did not have.
fn has_new_work(stored: &Ticket, items: &[TicketItem]) -> bool {
    items.iter().any(|item| {
        item.status == ItemStatus::Pending
            && !item.held
            && !stored
                .items
                .iter()
                .any(|old| old.id == item.id && old.status == ItemStatus::Pending && !old.held)
    })
}

/// Re-derives every ticket of `order`, stores and announces the ones that changed.
fn sync_tickets(
    tx: &Transaction<'_>,
    order: &Order,
    cause: &Cause,
    by: Option<&str>,
    now_ms: i64,
) -> Result<Vec<Published>, StoreError> {
    let stored = order_tickets(tx, &order.location_id, &order.id)?;
    let mut published = Vec::new();
    for station in stations(order) {
        let previous = stored.get(&station);
        let mut ticket = derive_ticket(order, &station, previous, now_ms);
        let event_body = |ticket: &Ticket, item_id: Option<String>| TicketEvent {
            ticket: ticket.clone(),
            item_id,
            by: by.map(str::to_owned),
        };
        let event = match previous {
            Some(previous) if *previous == ticket => continue,
            None => {
                save_ticket(tx, &ticket)?;
                Event::TicketNew(event_body(&ticket, None))
            }
            Some(previous) => {
                ticket.version = previous.version + 1;
                save_ticket(tx, &ticket)?;
                let body = event_body(&ticket, None);
                match (&cause, previous.status, ticket.status) {
                    (_, before, TicketStatus::Voided) if before != TicketStatus::Voided => {
                        Event::TicketVoided(body)
                    }
                    (_, TicketStatus::Held | TicketStatus::Bumped, TicketStatus::Open) => {
                        Event::TicketFired(body)
                    }
                    (Cause::ItemBumped(item), _, _) => {
                        Event::ItemBumped(event_body(&ticket, Some(item.clone())))
                    }
                    _ if previous.rush != ticket.rush => Event::TicketPriority(body),
                    _ => Event::TicketUpdated(body),
                }
            }
        };
        published.extend(publish(
            tx,
            &order.location_id,
            &ticket_channels(order, &station),
            &event,
            now_ms,
        )?);
    }
    Ok(published)
}

/// Moves the order to `status`, announcing it; no-op when it is already there.
fn set_status(
    tx: &Transaction<'_>,
    order: &mut Order,
    status: OrderStatus,
    now_ms: i64,
) -> Result<Vec<Published>, StoreError> {
    if order.status == status {
        return Ok(Vec::new());
    }
    let previous_status = order.status;
    order.status = status;
    let event = Event::OrderStatus(OrderStatusChanged {
        order_id: order.id.clone(),
        status,
        previous_status,
    });
    publish(
        tx,
        &order.location_id,
        &order_channels(order),
        &event,
        now_ms,
    )
}

/// After a bump: fire the next held course when nothing fired is left to cook, or call
/// the order ready when nothing at all is.
fn after_bump(
    tx: &Transaction<'_>,
    order: &mut Order,
    by: &str,
    now_ms: i64,
) -> Result<Vec<Published>, StoreError> {
    let tickets = order_tickets(tx, &order.location_id, &order.id)?;
    let cooking = tickets.values().any(|t| t.status == TicketStatus::Open);
    if cooking {
        return Ok(Vec::new());
    }
    let next_course = order
        .items
        .iter()
        .filter(|i| i.status.is_live() && i.course > order.fired_course)
        .map(|i| i.course)
        .min();
    let mut published = Vec::new();
    match next_course {
        Some(course) => {
            order.fired_course = course;
            order.version += 1;
            save_order(tx, order)?;
            published.extend(sync_tickets(tx, order, &Cause::Fired, Some(by), now_ms)?);
            published.extend(publish(
                tx,
                &order.location_id,
                &order_channels(order),
                &Event::OrderUpdated(order.clone()),
                now_ms,
            )?);
        }
        None if !matches!(
            order.status,
            OrderStatus::Cancelled | OrderStatus::Served | OrderStatus::Completed
        ) =>
        {
            published.extend(set_status(tx, order, OrderStatus::Ready, now_ms)?);
            save_order(tx, order)?;
        }
        None => {}
    }
    Ok(published)
}

/// Creates an order and its tickets.
pub(crate) fn create_order(
    tx: &Transaction<'_>,
    location_id: &str,
    posted: &NewOrder,
    routes: &Routes,
    now_ms: i64,
) -> Result<(OrderCreated, Vec<Published>), StoreError> {
    check_text("order number", &posted.number)?;
    check_optional_text("table", posted.table.as_ref())?;
    check_optional_text("guest", posted.guest.as_ref())?;
    check_optional_text("server", posted.server.as_ref())?;
    check_optional_text("notes", posted.notes.as_ref())?;
    let id = match &posted.id {
        Some(id) if is_valid_id(id) => id.clone(),
        Some(id) => {
            return Err(StoreError::Invalid(format!(
                "order id {id:?} is not a valid id"
            )))
        }
        None => uuid::Uuid::now_v7().simple().to_string(),
    };
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE location_id = ?1 AND id = ?2)",
        (location_id, &id),
        |row| row.get(0),
    )?;
    if exists {
        return Err(StoreError::Conflict(format!("order {id:?} already exists")));
    }
    let items = new_items(&posted.items, &[], routes, false)?;
    let first_course = items.iter().map(|i| i.course).min().unwrap_or(1);
    let order = Order {
        id,
        location_id: location_id.to_owned(),
        number: posted.number.clone(),
        table: posted.table.clone(),
        guest: posted.guest.clone(),
        order_type: posted.order_type,
        server: posted.server.clone(),
        rush: posted.rush,
        notes: posted.notes.clone(),
        status: OrderStatus::Pending,
        fired_course: first_course,
        created_at_ms: now_ms,
        version: 1,
        items,
    };
    save_order(tx, &order)?;
    let mut published = sync_tickets(tx, &order, &Cause::Created, None, now_ms)?;
    let tickets = order_tickets(tx, location_id, &order.id)?;
    let tickets: Vec<Ticket> = stations(&order)
        .iter()
        .filter_map(|s| tickets.get(s).cloned())
        .collect();
    let created = OrderCreated {
        order_id: order.id.clone(),
        tickets,
    };
    published.extend(publish(
        tx,
        location_id,
        &order_channels(&order),
        &Event::OrderCreated(created.clone()),
        now_ms,
    )?);
    Ok((created, published))
}

/// Applies a POS change to an order.
pub(crate) fn change_order(
    tx: &Transaction<'_>,
    location_id: &str,
    order_id: &str,
    command: &OrderCommand,
    routes: &Routes,
    by: &str,
    now_ms: i64,
) -> Result<(Order, Vec<Published>), StoreError> {
    let mut order = load_order(tx, location_id, order_id)?;
    if order.status == OrderStatus::Cancelled && !matches!(command, OrderCommand::Status(_)) {
        return Err(StoreError::Conflict(format!(
            "order {} was cancelled",
            order.number
        )));
    }
    let mut published = Vec::new();
    let mut cause = Cause::Changed;
    match command {
        OrderCommand::Patch(patch) => {
            check_optional_text("table", patch.table.as_ref())?;
            check_optional_text("guest", patch.guest.as_ref())?;
            check_optional_text("server", patch.server.as_ref())?;
            check_optional_text("notes", patch.notes.as_ref())?;
            if let Some(rush) = patch.rush {
                order.rush = rush;
            }
            for (field, value) in [
                (&mut order.notes, &patch.notes),
                (&mut order.table, &patch.table),
                (&mut order.guest, &patch.guest),
                (&mut order.server, &patch.server),
            ] {
                if value.is_some() {
                    field.clone_from(value);
                }
            }
        }
        OrderCommand::AddItems(items) => {
            let added = new_items(items, &order.items, routes, true)?;
            order.items.extend(added);
        }
        OrderCommand::VoidItem { item_id, remove } => {
            let item = order
                .items
                .iter_mut()
                .find(|i| &i.id == item_id)
                .ok_or_else(|| {
                    StoreError::NotFound(format!("order {} has no item {item_id:?}", order.number))
                })?;
            if !item.status.is_live() {
                return Err(StoreError::Conflict(format!(
                    "item {item_id:?} is already voided or removed"
                )));
            }
            item.status = if *remove {
                ItemStatus::Removed
            } else {
                ItemStatus::Voided
            };
        }
        OrderCommand::Cancel => {
            for item in order.items.iter_mut().filter(|i| i.status.is_live()) {
                item.status = ItemStatus::Voided;
            }
            published.extend(set_status(tx, &mut order, OrderStatus::Cancelled, now_ms)?);
        }
        OrderCommand::Fire(course) => {
            if *course == 0 || *course > MAX_COURSE {
                return Err(StoreError::Invalid(format!(
                    "course must be between 1 and {MAX_COURSE}"
                )));
            }
            let held = order.items.iter().any(|i| {
                i.status.is_live() && i.course <= *course && i.course > order.fired_course
            });
            if !held {
                return Err(StoreError::Conflict(format!(
                    "order {} has no held items up to course {course}",
                    order.number
                )));
            }
            order.fired_course = *course;
            cause = Cause::Fired;
        }
        OrderCommand::Status(status) => {
            published.extend(set_status(tx, &mut order, *status, now_ms)?);
        }
    }
    order.version += 1;
    save_order(tx, &order)?;
    published.extend(sync_tickets(tx, &order, &cause, Some(by), now_ms)?);
    published.extend(publish(
        tx,
        location_id,
        &order_channels(&order),
        &Event::OrderUpdated(order.clone()),
        now_ms,
    )?);
    Ok((order, published))
}

/// Marks a ticket done at its station (or, with `recall`, brings it back).
pub(crate) fn bump_ticket(
    tx: &Transaction<'_>,
    location_id: &str,
    ticket_id: &str,
    by: &str,
    recall: bool,
    now_ms: i64,
) -> Result<(ActionOutcome, Ticket, Vec<Published>), StoreError> {
    let mut ticket = load_ticket(tx, location_id, ticket_id)?;
    let mut order = load_order(tx, location_id, &ticket.order_id)?;
    let voided = || {
        StoreError::Conflict(format!(
            "ticket {} (order {}) was voided by the POS",
            ticket.id, ticket.order_number
        ))
    };
    let (outcome, event): (ActionOutcome, fn(TicketEvent) -> Event) = match (recall, ticket.status)
    {
        (_, TicketStatus::Voided) => return Err(voided()),
        (_, TicketStatus::Held) => {
            return Err(StoreError::Conflict(format!(
                "ticket {} is held until its course is fired",
                ticket.id
            )))
        }
        (false, TicketStatus::Bumped) => {
            return Ok((ActionOutcome::AlreadyBumped, ticket, Vec::new()))
        }
        (true, TicketStatus::Open) => return Ok((ActionOutcome::AlreadyOpen, ticket, Vec::new())),
        (false, TicketStatus::Open) => {
            ticket.status = TicketStatus::Bumped;
            ticket.bumped_at_ms = Some(now_ms);
            (ActionOutcome::Bumped, Event::TicketBumped)
        }
        (true, TicketStatus::Bumped) => {
            ticket.status = TicketStatus::Open;
            ticket.bumped_at_ms = None;
            (ActionOutcome::Recalled, Event::TicketRecalled)
        }
    };
    ticket.version += 1;
    save_ticket(tx, &ticket)?;
    let body = TicketEvent {
        ticket: ticket.clone(),
        item_id: None,
        by: Some(by.to_owned()),
    };
    let mut published = publish(
        tx,
        location_id,
        &ticket_channels(&order, &ticket.station),
        &event(body),
        now_ms,
    )?;
    if recall {
        if order.status == OrderStatus::Ready {
            published.extend(set_status(tx, &mut order, OrderStatus::Preparing, now_ms)?);
            save_order(tx, &order)?;
        }
    } else {
        published.extend(after_bump(tx, &mut order, by, now_ms)?);
    }
    let ticket = load_ticket(tx, location_id, ticket_id)?;
    Ok((outcome, ticket, published))
}

/// Marks one item done; the ticket is bumped with its last pending item.
pub(crate) fn bump_item(
    tx: &Transaction<'_>,
    location_id: &str,
    ticket_id: &str,
    item_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<(ActionOutcome, Ticket, Vec<Published>), StoreError> {
    let ticket = load_ticket(tx, location_id, ticket_id)?;
    let mut order = load_order(tx, location_id, &ticket.order_id)?;
    let item = order
        .items
        .iter_mut()
        .find(|i| i.id == item_id && i.station == ticket.station)
        .ok_or_else(|| {
            StoreError::NotFound(format!("ticket {ticket_id} has no item {item_id:?}"))
        })?;
    // A finished item answers the same way whether or not it took the ticket with it,
    // so a retried item bump always gets "already bumped".
    match item.status {
        ItemStatus::Done => return Ok((ActionOutcome::AlreadyBumped, ticket, Vec::new())),
        ItemStatus::Voided | ItemStatus::Removed => {
            return Err(StoreError::Conflict(format!(
                "item {item_id:?} was voided by the POS"
            )))
        }
        ItemStatus::Pending if ticket.status != TicketStatus::Open => {
            return Err(StoreError::Conflict(format!(
                "ticket {ticket_id} is {}, not on the rail",
                ticket.status.as_str()
            )))
        }
        ItemStatus::Pending => item.status = ItemStatus::Done,
    }
    order.version += 1;
    save_order(tx, &order)?;
    let mut published = sync_tickets(
        tx,
        &order,
        &Cause::ItemBumped(item_id.to_owned()),
        Some(by),
        now_ms,
    )?;
    let updated = load_ticket(tx, location_id, ticket_id)?;
    let nothing_left = !updated
        .items
        .iter()
        .any(|i| i.status == ItemStatus::Pending && !i.held);
    if nothing_left {
        let (_, _, more) = bump_ticket(tx, location_id, ticket_id, by, false, now_ms)?;
        published.extend(more);
    }
    Ok((
        ActionOutcome::Bumped,
        load_ticket(tx, location_id, ticket_id)?,
        published,
    ))
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

    /// One order by id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when it does not exist in this location.
    pub fn order(&self, location_id: &str, id: &str) -> Result<Order, StoreError> {
        load_order(self.conn(), location_id, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by bench-peer's POS ramp: without an index this read scanned every
    /// ticket of the location, so orders got slower as the day went on.
    #[test]
    fn an_orders_tickets_are_found_by_index_not_by_scanning_the_location() {
        let store = Store::open_in_memory().expect("store");
        let plan: Vec<String> = store
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {ORDER_TICKETS}"))
            .expect("plan")
            .query_map(("loc", "order"), |row| row.get::<_, String>(3))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("plan rows");
        assert!(
            plan.iter()
                .any(|step| step.contains("tickets_by_order (location_id=? AND order_id=?)")),
            "{plan:?}"
        );
    }
}
