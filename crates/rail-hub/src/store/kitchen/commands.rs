//! The kitchen's transactional commands: each loads the order and its tickets,
//! changes them, re-derives the tickets (`derive`), stores what changed and appends
//! its events, all in the caller's transaction.

use std::collections::HashMap;

use crate::store::Db;
use rail_protocol::channel::is_valid_id;
use rail_protocol::{
    ActionOutcome, Event, ItemRecall, ItemStatus, NewOrder, Order, OrderCreated, OrderStatus,
    OrderStatusChanged, Ticket, TicketEvent, TicketStatus,
};

use super::checks::{check_optional_text, check_text, new_items};
use super::derive::{
    derive_ticket, order_channels, stations, ticket_channels, ticket_event, Cause,
};
use super::OrderCommand;
use rail_protocol::limits::MAX_COURSE;

use crate::delivery::{ArrivalKey, ScreenProof};
use crate::routing::Routes;
use crate::store::deliveries::{self, Claim};
use crate::store::events::{append, Published};
use crate::store::StoreError;

fn publish(
    tx: &Db,
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

pub(super) fn load_order(conn: &Db, location_id: &str, id: &str) -> Result<Order, StoreError> {
    let body: Option<String> = conn.query_opt(
        "SELECT body FROM orders WHERE location_id = ?1 AND id = ?2",
        (location_id, id),
        |row| row.get(0),
    )?;
    let body = body.ok_or_else(|| StoreError::NotFound(format!("no order {id:?}")))?;
    Ok(serde_json::from_str(&body)?)
}

fn save_order(tx: &Db, order: &Order) -> Result<(), StoreError> {
    write_order(
        tx,
        "INSERT INTO orders (location_id, id, number, body, created_at_ms, table_session)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (location_id, id) DO UPDATE SET number = excluded.number,
             body = excluded.body, table_session = excluded.table_session",
        order,
    )?;
    Ok(())
}

/// Writes a new order; `Conflict` when its id is taken (found by the insert itself
/// rather than a look beforehand: one statement fewer on every order).
fn insert_order(tx: &Db, order: &Order) -> Result<(), StoreError> {
    let inserted = write_order(
        tx,
        "INSERT INTO orders (location_id, id, number, body, created_at_ms, table_session)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (location_id, id) DO NOTHING",
        order,
    )?;
    if inserted == 0 {
        return Err(StoreError::Conflict(format!(
            "order {:?} already exists",
            order.id
        )));
    }
    Ok(())
}

/// Runs `sql`, an insert of the order's row, with its columns; answers the rows written.
fn write_order(tx: &Db, sql: &str, order: &Order) -> Result<usize, StoreError> {
    tx.execute(
        sql,
        (
            &order.location_id,
            &order.id,
            &order.number,
            serde_json::to_string(order)?,
            order.created_at_ms,
            &order.table_session,
        ),
    )
}

pub(super) fn load_ticket(conn: &Db, location_id: &str, id: &str) -> Result<Ticket, StoreError> {
    let body: Option<String> = conn.query_opt(
        "SELECT body FROM tickets WHERE location_id = ?1 AND id = ?2",
        (location_id, id),
        |row| row.get(0),
    )?;
    let body = body.ok_or_else(|| StoreError::NotFound(format!("no ticket {id:?}")))?;
    Ok(serde_json::from_str(&body)?)
}

/// An order's tickets; read on every change to the order (index `tickets_by_order`).
pub(super) const ORDER_TICKETS: &str =
    "SELECT body FROM tickets WHERE location_id = ?1 AND order_id = ?2";

pub(super) fn order_tickets(
    conn: &Db,
    location_id: &str,
    order_id: &str,
) -> Result<HashMap<String, Ticket>, StoreError> {
    let tickets = conn.query_map(ORDER_TICKETS, (location_id, order_id), |row| {
        let ticket: Ticket = serde_json::from_str(&row.get::<String>(0)?)?;
        Ok((ticket.station.clone(), ticket))
    })?;
    Ok(tickets.into_iter().collect())
}

fn save_ticket(tx: &Db, ticket: &Ticket) -> Result<(), StoreError> {
    tx.execute("INSERT INTO tickets (location_id, id, order_id, station, status, version, created_at_ms, bumped_at_ms, body, fire_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (location_id, id) DO UPDATE SET
             status = excluded.status, version = excluded.version, created_at_ms = excluded.created_at_ms,
             bumped_at_ms = excluded.bumped_at_ms, body = excluded.body, fire_at_ms = excluded.fire_at_ms", (
            &ticket.location_id,
            &ticket.id,
            &ticket.order_id,
            &ticket.station,
            ticket.status.as_str(),
            ticket.version,
            ticket.created_at_ms,
            ticket.bumped_at_ms,
            serde_json::to_string(ticket)?,
            ticket.scheduled_fire(),
        ))?;
    Ok(())
}

/// Re-derives every ticket of `order`, stores and announces the ones that changed.
fn sync_tickets(
    tx: &Db,
    order: &Order,
    cause: &Cause,
    by: Option<&str>,
    now_ms: i64,
) -> Result<Vec<Published>, StoreError> {
    let stored = order_tickets(tx, &order.location_id, &order.id)?;
    Ok(write_tickets(tx, order, stored, cause, by, now_ms)?.0)
}

/// [`sync_tickets`] given the tickets `stored` for the order (by station); also
/// answers every ticket of the order as it now stands.
fn write_tickets(
    tx: &Db,
    order: &Order,
    mut stored: HashMap<String, Ticket>,
    cause: &Cause,
    by: Option<&str>,
    now_ms: i64,
) -> Result<(Vec<Published>, HashMap<String, Ticket>), StoreError> {
    let mut published = Vec::new();
    for station in stations(order) {
        let previous = stored.get(&station);
        let mut ticket = derive_ticket(order, &station, previous, now_ms);
        if previous == Some(&ticket) {
            continue;
        }
        if let Some(previous) = previous {
            ticket.version = previous.version + 1;
        }
        let event = ticket_event(cause, previous, &ticket, by);
        save_ticket(tx, &ticket)?;
        published.extend(publish(
            tx,
            &order.location_id,
            &ticket_channels(order, &station),
            &event,
            now_ms,
        )?);
        stored.insert(station, ticket);
    }
    Ok((published, stored))
}

/// Moves the order to `status`, announcing it; no-op when it is already there.
fn set_status(
    tx: &Db,
    order: &mut Order,
    status: OrderStatus,
    now_ms: i64,
) -> Result<Vec<Published>, StoreError> {
    if order.status == status {
        return Ok(Vec::new());
    }
    let previous_status = order.status;
    order.status = status;
    // A guest's link works until a grace period after the order closes.
    let closed = matches!(
        status,
        OrderStatus::Served | OrderStatus::Completed | OrderStatus::Cancelled
    );
    tx.execute(
        "UPDATE orders SET closed_at_ms = ?3, status_at_ms = ?4 WHERE location_id = ?1 AND id = ?2",
        (
            &order.location_id,
            &order.id,
            closed.then_some(now_ms),
            now_ms,
        ),
    )?;
    let event = Event::OrderStatus(OrderStatusChanged {
        order_id: order.id.clone(),
        status,
        previous_status,
    });
    let mut channels = order_channels(order);
    // The server who took it hears on their handheld: ready, served, and the rest.
    if let Some(employee) = &order.employee_id {
        channels.push(rail_protocol::Channel::Employee(employee.clone()).to_string());
    }
    let mut published = publish(tx, &order.location_id, &channels, &event, now_ms)?;
    published.extend(announce_board(tx, order, now_ms)?);
    Ok(published)
}

/// Tells the pickup board where a takeout, pickup or delivery order stands: once it
/// is on a station's rail (an order for later appears when it fires), and when it
/// leaves.
fn announce_board(tx: &Db, order: &Order, now_ms: i64) -> Result<Vec<Published>, StoreError> {
    let Some(entry) = rail_protocol::pickup::entry(order, now_ms) else {
        return Ok(Vec::new());
    };
    let on_the_rail: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM tickets WHERE location_id = ?1 AND order_id = ?2
                        AND status IN ('open', 'bumped'))",
        (&order.location_id, &order.id),
        |row| row.get(0),
    )?;
    if !on_the_rail && entry.status != rail_protocol::BoardStatus::Gone {
        return Ok(Vec::new());
    }
    let channel = rail_protocol::Channel::Board(order.location_id.clone()).to_string();
    publish(
        tx,
        &order.location_id,
        &[channel],
        &Event::BoardOrder(entry),
        now_ms,
    )
}

/// After a bump: fire the next held course when nothing fired is left to cook, or call
/// the order ready when nothing at all is.
fn after_bump(
    tx: &Db,
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
    tx: &Db,
    location_id: &str,
    posted: &NewOrder,
    routes: &Routes,
    by: &str,
    now_ms: i64,
) -> Result<(OrderCreated, Vec<Published>), StoreError> {
    check_text("order number", &posted.number)?;
    check_optional_text("table", posted.table.as_ref())?;
    check_optional_text("guest", posted.guest.as_ref())?;
    check_optional_text("server", posted.server.as_ref())?;
    if let Some(employee) = posted.employee_id.as_deref().filter(|e| !is_valid_id(e)) {
        return Err(StoreError::Invalid(format!(
            "employeeId {employee:?}: 1-64 letters, digits, - _ . (it names the server's channel)"
        )));
    }
    check_optional_text("notes", posted.notes.as_ref())?;
    check_optional_text(
        "source name",
        posted.source.as_ref().and_then(|s| s.name.as_ref()),
    )?;
    let id = match &posted.id {
        Some(id) if is_valid_id(id) => id.clone(),
        Some(id) => {
            return Err(StoreError::Invalid(format!(
                "order id {id:?} is not a valid id"
            )))
        }
        None => uuid::Uuid::now_v7().simple().to_string(),
    };
    let items = new_items(&posted.items, &[], routes, false)?;
    let first_course = items.iter().map(|i| i.course).min().unwrap_or(1);
    let order = Order {
        employee_id: posted.employee_id.clone(),
        id,
        location_id: location_id.to_owned(),
        number: posted.number.clone(),
        table: posted.table.clone(),
        table_session: crate::store::sessions::open_session_of(
            tx,
            location_id,
            posted.table.as_deref(),
        )?,
        guest: posted.guest.clone(),
        order_type: posted.order_type,
        server: posted.server.clone(),
        rush: posted.rush,
        notes: posted.notes.clone(),
        status: OrderStatus::Pending,
        fired_course: first_course,
        created_at_ms: placed_at(posted.placed_at_ms, now_ms),
        version: 1,
        due_at_ms: posted.due_at_ms,
        items,
        source: posted.source.clone(),
    };
    insert_order(tx, &order)?;
    // A new order has no tickets yet: nothing to read before writing them.
    let (mut published, tickets) = write_tickets(
        tx,
        &order,
        HashMap::new(),
        &Cause::Created,
        Some(by),
        now_ms,
    )?;
    published.extend(announce_board(tx, &order, now_ms)?);
    let tickets: Vec<Ticket> = stations(&order)
        .iter()
        .filter_map(|s| tickets.get(s).cloned())
        .collect();
    let created = OrderCreated {
        order_id: order.id.clone(),
        tickets,
        table_id: order.table.clone(),
        employee_id: order.employee_id.clone(),
        total: None,
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
    tx: &Db,
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
    let session_before = order.table_session.clone();
    match command {
        OrderCommand::Patch(patch) => {
            check_optional_text("table", patch.table.as_ref())?;
            check_optional_text("guest", patch.guest.as_ref())?;
            check_optional_text("server", patch.server.as_ref())?;
            check_optional_text("notes", patch.notes.as_ref())?;
            if let Some(rush) = patch.rush {
                order.rush = rush;
            }
            if let Some(due) = patch.due_at_ms {
                order.due_at_ms = Some(due);
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
            if patch.table.is_some() {
                // Moved to another table: it joins the party sitting there, if any.
                order.table_session = crate::store::sessions::open_session_of(
                    tx,
                    location_id,
                    order.table.as_deref(),
                )?;
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
    let mut channels = order_channels(&order);
    if let Some(left) = session_before.filter(|s| order.table_session.as_ref() != Some(s)) {
        // The party it was taken for hears that it moved away, and nothing after.
        channels.push(rail_protocol::Channel::Session(left).to_string());
    }
    published.extend(publish(
        tx,
        location_id,
        &channels,
        &Event::OrderUpdated(order.clone()),
        now_ms,
    )?);
    Ok((order, published))
}

/// Marks a ticket done at its station (or, with `recall`, brings it back).
pub(crate) fn bump_ticket(
    tx: &Db,
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
        // The same rules the screens apply to show a bump before the hub answers.
        (false, TicketStatus::Open) => {
            ticket.bump(now_ms);
            (ActionOutcome::Bumped, Event::TicketBumped)
        }
        (true, TicketStatus::Bumped) => {
            ticket.recall();
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
    tx: &Db,
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
    if updated.items_to_cook().next().is_none() {
        let (_, _, more) = bump_ticket(tx, location_id, ticket_id, by, false, now_ms)?;
        published.extend(more);
    }
    Ok((
        ActionOutcome::Bumped,
        load_ticket(tx, location_id, ticket_id)?,
        published,
    ))
}

/// Takes back an item bump: the item is to cook again, and a ticket its bump took off
/// the rail comes back (`kds:ticket-recalled`, the order no longer ready at the pass).
/// The same rule as [`Ticket::recall_item`], which screens apply before the hub answers.
pub(crate) fn recall_item(
    tx: &Db,
    location_id: &str,
    ticket_id: &str,
    item_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<(ActionOutcome, Ticket, Vec<Published>), StoreError> {
    let ticket = load_ticket(tx, location_id, ticket_id)?;
    let mut preview = ticket.clone();
    match preview.recall_item(item_id) {
        ItemRecall::NoSuchItem => {
            return Err(StoreError::NotFound(format!(
                "ticket {ticket_id} has no item {item_id:?}"
            )))
        }
        ItemRecall::NotDone => return Ok((ActionOutcome::AlreadyOpen, ticket, Vec::new())),
        ItemRecall::Voided => {
            return Err(StoreError::Conflict(format!(
                "item {item_id:?} was voided by the POS"
            )))
        }
        ItemRecall::TicketNotOpen => {
            return Err(StoreError::Conflict(format!(
                "ticket {ticket_id} is {}, not on the rail or recallable",
                ticket.status.as_str()
            )))
        }
        ItemRecall::Recalled | ItemRecall::TicketRecalled => {}
    }
    let mut order = load_order(tx, location_id, &ticket.order_id)?;
    if let Some(item) = order
        .items
        .iter_mut()
        .find(|i| i.id == item_id && i.station == ticket.station)
    {
        item.status = ItemStatus::Pending;
    }
    order.version += 1;
    let mut published = Vec::new();
    if order.status == OrderStatus::Ready {
        published.extend(set_status(tx, &mut order, OrderStatus::Preparing, now_ms)?);
    }
    save_order(tx, &order)?;
    published.extend(sync_tickets(
        tx,
        &order,
        &Cause::ItemRecalled(item_id.to_owned()),
        Some(by),
        now_ms,
    )?);
    Ok((
        ActionOutcome::Recalled,
        load_ticket(tx, location_id, ticket_id)?,
        published,
    ))
}

/// A cook confirms the POS's changes to a ticket, for every screen of its station
/// (`kds:ticket-updated` with `changesAcknowledged`).
pub(crate) fn acknowledge_changes(
    tx: &Db,
    location_id: &str,
    ticket_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<(ActionOutcome, Ticket, Vec<Published>), StoreError> {
    let mut ticket = load_ticket(tx, location_id, ticket_id)?;
    if !ticket.acknowledge_changes() {
        return Ok((ActionOutcome::AlreadyAcknowledged, ticket, Vec::new()));
    }
    let order = load_order(tx, location_id, &ticket.order_id)?;
    ticket.version += 1;
    save_ticket(tx, &ticket)?;
    let published = publish(
        tx,
        location_id,
        &ticket_channels(&order, &ticket.station),
        &Event::TicketUpdated(TicketEvent {
            ticket: ticket.clone(),
            item_id: None,
            by: Some(by.to_owned()),
        }),
        now_ms,
    )?;
    Ok((ActionOutcome::Acknowledged, ticket, published))
}

/// What came of an arrival no screen of its station had in time.
#[derive(Debug)]
pub(crate) enum Escalated {
    /// The alert is raised: expo and the order's followers are told.
    Raised(Box<Ticket>),
    /// The ticket is no longer on the rail (bumped, voided, held again): nothing to say.
    OffTheRail,
    /// A screen connected to another hub of the group proved it meanwhile.
    Proven { screen: String, at_ms: i64 },
    /// Another hub raised it already, or this one did before it started again.
    RaisedBefore,
}

/// What a sweep of delivery proofs and overdue arrivals did in the store.
#[derive(Debug)]
pub(crate) struct Settled {
    /// Alerts the proofs answered (the all-clear said for each ticket).
    pub cleared: usize,
    /// What came of each overdue arrival, in the order given.
    pub escalated: Vec<Escalated>,
}

/// Keeps screens' `proofs` of arrivals in `location` and raises the alerts for
/// `overdue` arrivals no screen of their station proved in time, unless they need none
/// or another hub raised them (`kds:ticket-undelivered`, with the fallback printer each
/// goes to); for every alert the proofs answer, here or through another hub, says that
/// a screen has the ticket now (`kds:ticket-delivered`). Every row of `deliveries` is
/// taken before any channel's, so hubs doing this at once lock in one order.
pub(crate) fn settle_deliveries(
    tx: &Db,
    location: &str,
    proofs: &[ScreenProof],
    overdue: &[ArrivalKey],
    printers: &std::collections::BTreeMap<String, String>,
    now_ms: i64,
) -> Result<(Settled, Vec<Published>), StoreError> {
    let mut cleared = deliveries::keep_proofs(tx, location, proofs, now_ms)?;
    // One all-clear per ticket, for its earliest alert still standing.
    cleared.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    cleared.dedup_by(|later, earlier| later.0 == earlier.0);
    let mut escalated = Vec::with_capacity(overdue.len());
    for arrival in overdue {
        let ticket = match load_ticket(tx, &arrival.location, &arrival.ticket_id) {
            Ok(ticket) if ticket.is_open() => ticket,
            Ok(_) | Err(StoreError::NotFound(_)) => {
                escalated.push(Escalated::OffTheRail);
                continue;
            }
            Err(error) => return Err(error),
        };
        escalated.push(match deliveries::claim_alert(tx, arrival, now_ms)? {
            Claim::Raise => Escalated::Raised(Box::new(ticket)),
            Claim::Proven { screen, at_ms } => Escalated::Proven { screen, at_ms },
            Claim::Raised => Escalated::RaisedBefore,
        });
    }
    let mut published = Vec::new();
    for (ticket_id, posted_at_ms) in &cleared {
        match load_ticket(tx, location, ticket_id) {
            Ok(ticket) => published.extend(announce_delivery(
                tx,
                &ticket,
                true,
                *posted_at_ms,
                printers,
                now_ms,
            )?),
            Err(StoreError::NotFound(_)) => {}
            Err(error) => return Err(error),
        }
    }
    for (arrival, outcome) in overdue.iter().zip(&escalated) {
        if let Escalated::Raised(ticket) = outcome {
            published.extend(announce_delivery(
                tx,
                ticket,
                false,
                arrival.posted_at_ms,
                printers,
                now_ms,
            )?);
        }
    }
    let settled = Settled {
        cleared: cleared.len(),
        escalated,
    };
    Ok((settled, published))
}

fn announce_delivery(
    tx: &Db,
    ticket: &Ticket,
    delivered: bool,
    posted_at_ms: i64,
    printers: &std::collections::BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Vec<Published>, StoreError> {
    let order = load_order(tx, &ticket.location_id, &ticket.order_id)?;
    let alert = rail_protocol::DeliveryAlert {
        ticket_id: ticket.id.clone(),
        order_id: order.id.clone(),
        order_number: ticket.order_number.clone(),
        station: ticket.station.clone(),
        posted_at_ms,
        printer: printers.get(&ticket.station).cloned(),
    };
    let event = if delivered {
        Event::TicketDelivered(alert)
    } else {
        Event::TicketUndelivered(alert)
    };
    publish(
        tx,
        &ticket.location_id,
        &order_channels(&order),
        &event,
        now_ms,
    )
}

/// Fires every ticket whose scheduled time has come: each order with such a ticket is
/// re-derived at `now_ms`, so its waiting stations go on the rail (`kds:ticket-fired`)
/// with their timers starting now.
pub(crate) fn fire_scheduled(tx: &Db, now_ms: i64) -> Result<Vec<Published>, StoreError> {
    // Hubs sharing a PostgreSQL store each run this: one at a time, and each reads what
    // is due only once the one before it committed, so no ticket is fired twice.
    tx.exclusive("rail-schedule")?;
    let due: Vec<(String, String)> = tx.query_map(
        "SELECT DISTINCT location_id, order_id FROM tickets
         WHERE fire_at_ms IS NOT NULL AND fire_at_ms <= ?1",
        [now_ms],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let mut published = Vec::new();
    for (location_id, order_id) in due {
        let order = load_order(tx, &location_id, &order_id)?;
        let fired = sync_tickets(tx, &order, &Cause::Fired, None, now_ms)?;
        if !fired.is_empty() {
            published.extend(fired);
            published.extend(announce_board(tx, &order, now_ms)?);
        }
    }
    Ok(published)
}

/// The earliest fire time the scheduler waits for, if any ticket waits.
pub(crate) fn next_fire_at(conn: &Db) -> Result<Option<i64>, StoreError> {
    conn.query_row(
        "SELECT MIN(fire_at_ms) FROM tickets WHERE fire_at_ms IS NOT NULL",
        (),
        |row| row.get(0),
    )
}

/// How far back a POS may date an order: a till offline for a whole service, no more.
const OLDEST_PLACED: i64 = 6 * 3600 * 1000;

/// When the kitchen times an order from: when the POS says it was placed, bounded to
/// the last six hours (a wrong till clock cannot make every ticket hours late, nor
/// early).
fn placed_at(placed_at_ms: Option<i64>, now_ms: i64) -> i64 {
    placed_at_ms.map_or(now_ms, |at| at.clamp(now_ms - OLDEST_PLACED, now_ms))
}

#[cfg(test)]
mod placed_tests {
    use super::*;

    #[test]
    fn an_order_is_timed_from_when_it_was_placed_within_reason() {
        let now = 10 * OLDEST_PLACED;
        assert_eq!(placed_at(None, now), now);
        assert_eq!(placed_at(Some(now - 90_000), now), now - 90_000);
        assert_eq!(
            placed_at(Some(now + 60_000), now),
            now,
            "never in the future"
        );
        assert_eq!(
            placed_at(Some(0), now),
            now - OLDEST_PLACED,
            "at most six hours back"
        );
    }
}
