//! The pure part of the kitchen: from an order, the ticket each station should show;
//! which channels a change goes to; which event a changed ticket gets. No SQLite here,
//! so each rule is unit-tested on its own.

use rail_protocol::channel::is_valid_id;
use rail_protocol::{
    Channel, Event, ItemStatus, Order, Ticket, TicketEvent, TicketItem, TicketStatus,
};

/// Why tickets are being re-derived: decides which event a changed ticket gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cause {
    Created,
    Changed,
    Fired,
    ItemBumped(String),
    /// An item bump taken back at the station.
    ItemRecalled(String),
}

/// Channels an order's events go to: its location (expo), the order, its table when
/// the table name can be a channel id, and the table session it was taken in.
pub(super) fn order_channels(order: &Order) -> Vec<String> {
    let mut channels = vec![
        Channel::Location(order.location_id.clone()),
        Channel::Order(order.id.clone()),
    ];
    if let Some(table) = order.table.as_deref().filter(|t| is_valid_id(t)) {
        channels.push(Channel::Table(table.to_owned()));
    }
    if let Some(session) = order.table_session.as_deref() {
        channels.push(Channel::Session(session.to_owned()));
    }
    channels.iter().map(Channel::to_string).collect()
}

/// Channels a ticket's events go to: its station first, then the order's channels.
pub(super) fn ticket_channels(order: &Order, station: &str) -> Vec<String> {
    let mut channels = vec![Channel::Kds(station.to_owned()).to_string()];
    channels.extend(order_channels(order));
    channels
}

/// Stations of the order, in the order their first item was posted.
pub(super) fn stations(order: &Order) -> Vec<String> {
    let mut stations: Vec<String> = Vec::new();
    for item in &order.items {
        if !stations.contains(&item.station) {
            stations.push(item.station.clone());
        }
    }
    stations
}

/// The ticket `station` should show now, given what is stored.
pub(super) fn derive_ticket(
    order: &Order,
    station: &str,
    stored: Option<&Ticket>,
    now_ms: i64,
) -> Ticket {
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
            seat: item.seat,
        })
        .collect();
    let live: Vec<&TicketItem> = items.iter().filter(|i| i.status.is_live()).collect();
    let previous = stored.map(|t| t.status);
    let fire_at_ms = fire_at(order, station);
    // Only a ticket not yet on the rail waits for its fire time: a change to a ticket
    // the cooks already have never takes it away from them.
    let not_yet_on_rail = matches!(previous, None | Some(TicketStatus::Held));
    let waits_for_schedule = not_yet_on_rail && fire_at_ms.is_some_and(|at| now_ms < at);
    let status = if live.is_empty() {
        TicketStatus::Voided
    } else if live.iter().all(|i| i.held) || waits_for_schedule {
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
        due_at_ms: order.due_at_ms,
        fire_at_ms,
        changes_acknowledged: stored.is_some_and(|t| {
            t.changes_acknowledged && change_marks(&t.items) == change_marks(&items)
        }),
        items,
        source: order.source.clone(),
    }
}

/// What a cook confirms when acknowledging a ticket's changes: which items were
/// added, voided or removed. A confirmation holds until this differs (cooking an added
/// item does not ask again).
fn change_marks(items: &[TicketItem]) -> Vec<(&str, bool, Option<ItemStatus>)> {
    items
        .iter()
        .filter_map(|i| {
            let gone = matches!(i.status, ItemStatus::Voided | ItemStatus::Removed);
            (i.added || gone).then_some((i.id.as_str(), i.added, gone.then_some(i.status)))
        })
        .collect()
}

/// When `station`'s part of a scheduled order must start so that it is ready at the
/// order's due time: the due time less the longest prep time among the items it still
/// has to cook, since a station cooks its items side by side. Items of a course the POS
/// holds do not count until it is fired. None for an order wanted as soon as possible,
/// or when nothing is left to cook. An item with no prep time counts as instant: the
/// hub gives every item of a scheduled order one (its own, the menu's, or the default)
/// before it gets here.
pub(super) fn fire_at(order: &Order, station: &str) -> Option<i64> {
    let due = order.due_at_ms?;
    let longest = order
        .items
        .iter()
        .filter(|i| i.station == station && i.status.is_live() && i.course <= order.fired_course)
        .map(|i| i.prep_secs.unwrap_or(0))
        .max()?;
    Some(due.saturating_sub(i64::from(longest) * 1000))
}

/// True when `items` has work to cook that the stored ticket did not have.
fn has_new_work(stored: &Ticket, items: &[TicketItem]) -> bool {
    items
        .iter()
        .any(|item| item.is_to_cook() && !stored.items_to_cook().any(|old| old.id == item.id))
}

/// The event for a changed `ticket`, re-derived because of `cause`, given the stored
/// one (`None`: the ticket is new).
pub(super) fn ticket_event(
    cause: &Cause,
    previous: Option<&Ticket>,
    ticket: &Ticket,
    by: Option<&str>,
) -> Event {
    let body = |item_id: Option<String>| TicketEvent {
        ticket: ticket.clone(),
        item_id,
        by: by.map(str::to_owned),
    };
    let Some(previous) = previous else {
        return Event::TicketNew(body(None));
    };
    match (cause, previous.status, ticket.status) {
        (_, before, TicketStatus::Voided) if before != TicketStatus::Voided => {
            Event::TicketVoided(body(None))
        }
        (Cause::ItemRecalled(item), TicketStatus::Bumped, TicketStatus::Open) => {
            Event::TicketRecalled(body(Some(item.clone())))
        }
        (Cause::ItemRecalled(item), _, _) => Event::TicketUpdated(body(Some(item.clone()))),
        (_, TicketStatus::Held | TicketStatus::Bumped, TicketStatus::Open) => {
            Event::TicketFired(body(None))
        }
        (Cause::ItemBumped(item), _, _) => Event::ItemBumped(body(Some(item.clone()))),
        _ if previous.rush != ticket.rush => Event::TicketPriority(body(None)),
        _ => Event::TicketUpdated(body(None)),
    }
}

#[cfg(test)]
mod tests {
    use rail_protocol::{ItemStatus, OrderItem, OrderStatus, OrderType};

    use super::*;

    fn item(id: &str, station: &str, course: u32) -> OrderItem {
        OrderItem {
            seat: None,
            id: id.into(),
            name: format!("dish {id}"),
            qty: 1,
            modifiers: Vec::new(),
            notes: None,
            allergens: Vec::new(),
            course,
            station: station.into(),
            status: ItemStatus::Pending,
            added: false,
            prep_secs: None,
        }
    }

    fn order(items: Vec<OrderItem>) -> Order {
        Order {
            table_session: None,
            employee_id: None,
            id: "o1".into(),
            location_id: "bistro".into(),
            number: "17".into(),
            table: Some("T4".into()),
            guest: None,
            order_type: OrderType::DineIn,
            server: None,
            rush: false,
            notes: None,
            status: OrderStatus::Pending,
            fired_course: 1,
            created_at_ms: 1_000,
            version: 1,
            due_at_ms: None,
            items,
            source: None,
        }
    }

    #[test]
    fn a_station_sees_only_its_items_and_later_courses_held() {
        let mut order = order(vec![
            item("a", "grill", 1),
            item("b", "fry", 1),
            item("c", "grill", 2),
        ]);
        order.source = Some(rail_protocol::OrderSource {
            channel: rail_protocol::SourceChannel::ThirdParty,
            name: Some("Uber Eats".into()),
        });
        let ticket = derive_ticket(&order, "grill", None, 5_000);
        assert_eq!(
            ticket.source, order.source,
            "the ticket says where the order came from"
        );
        let ids: Vec<&str> = ticket.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(
            ticket.items.iter().map(|i| i.held).collect::<Vec<_>>(),
            [false, true]
        );
        assert_eq!(
            (ticket.status, ticket.created_at_ms, ticket.version),
            (TicketStatus::Open, 1_000, 1),
            "timed from the order's arrival"
        );
        assert_eq!(stations(&order), ["grill", "fry"]);
    }

    #[test]
    fn all_held_is_held_nothing_live_is_voided_and_firing_restarts_the_timer() {
        let mut order = order(vec![item("a", "grill", 2)]);
        let held = derive_ticket(&order, "grill", None, 5_000);
        assert_eq!(held.status, TicketStatus::Held);
        order.fired_course = 2;
        let fired = derive_ticket(&order, "grill", Some(&held), 9_000);
        assert_eq!(
            (fired.status, fired.created_at_ms),
            (TicketStatus::Open, 9_000),
            "on the rail from the moment it was fired"
        );
        order.items[0].status = ItemStatus::Voided;
        assert_eq!(
            derive_ticket(&order, "grill", Some(&fired), 9_500).status,
            TicketStatus::Voided
        );
    }

    #[test]
    fn a_bumped_ticket_stays_bumped_unless_new_work_reaches_it() {
        let mut order = order(vec![item("a", "grill", 1)]);
        let mut bumped = derive_ticket(&order, "grill", None, 5_000);
        assert!(bumped.bump(6_000));
        let again = derive_ticket(&order, "grill", Some(&bumped), 7_000);
        assert_eq!(
            (again.status, again.bumped_at_ms),
            (TicketStatus::Bumped, Some(6_000))
        );
        order.items.push(OrderItem {
            added: true,
            ..item("b", "grill", 1)
        });
        let reopened = derive_ticket(&order, "grill", Some(&bumped), 8_000);
        assert_eq!(
            (reopened.status, reopened.bumped_at_ms),
            (TicketStatus::Open, None)
        );
    }

    #[test]
    fn each_change_gets_its_own_event() {
        let order = order(vec![item("a", "grill", 1), item("b", "grill", 1)]);
        let stored = derive_ticket(&order, "grill", None, 0);
        let kind = |event: Event| serde_json::to_value(&event).expect("event")["type"].clone();
        assert_eq!(
            kind(ticket_event(&Cause::Created, None, &stored, None)),
            "kds:ticket-new"
        );
        let mut voided = stored.clone();
        voided.status = TicketStatus::Voided;
        assert_eq!(
            kind(ticket_event(&Cause::Changed, Some(&stored), &voided, None)),
            "kds:ticket-voided"
        );
        let mut held = stored.clone();
        held.status = TicketStatus::Held;
        assert_eq!(
            kind(ticket_event(&Cause::Fired, Some(&held), &stored, None)),
            "kds:ticket-fired"
        );
        let mut one_done = stored.clone();
        one_done.items[0].status = ItemStatus::Done;
        let bumped = ticket_event(
            &Cause::ItemBumped("a".into()),
            Some(&stored),
            &one_done,
            Some("grill-1"),
        );
        let value = serde_json::to_value(&bumped).expect("event");
        assert_eq!(
            (
                value["type"].clone(),
                value["data"]["itemId"].clone(),
                value["data"]["by"].clone()
            ),
            ("kds:item-bumped".into(), "a".into(), "grill-1".into())
        );
        let mut rushed = stored.clone();
        rushed.rush = true;
        assert_eq!(
            kind(ticket_event(&Cause::Changed, Some(&stored), &rushed, None)),
            "kds:ticket-priority"
        );
        let mut noted = stored.clone();
        noted.notes = Some("allergy: nuts".into());
        assert_eq!(
            kind(ticket_event(&Cause::Changed, Some(&stored), &noted, None)),
            "kds:ticket-updated"
        );
    }

    #[test]
    fn events_go_to_the_station_then_the_location_order_and_table() {
        let mut order = order(vec![item("a", "grill", 1)]);
        assert_eq!(
            ticket_channels(&order, "grill"),
            ["kds:grill", "location:bistro", "order:o1", "table:T4"]
        );
        order.table = Some("Patio 4".into());
        assert_eq!(
            order_channels(&order),
            ["location:bistro", "order:o1"],
            "a table name that cannot be a channel id gets no channel"
        );
    }

    fn timed(id: &str, station: &str, course: u32, prep_secs: u32) -> OrderItem {
        OrderItem {
            prep_secs: Some(prep_secs),
            ..item(id, station, course)
        }
    }

    #[test]
    fn each_station_fires_its_longest_item_before_the_due_time() {
        let mut order = order(vec![
            timed("steak", "grill", 1, 720),
            timed("burger", "grill", 1, 480),
            timed("salad", "salad", 1, 120),
            timed("cake", "salad", 2, 900),
        ]);
        order.due_at_ms = Some(3_600_000);
        // The grill's part takes as long as the steak; the held cake does not count.
        assert_eq!(fire_at(&order, "grill"), Some(3_600_000 - 720_000));
        assert_eq!(fire_at(&order, "salad"), Some(3_600_000 - 120_000));
        order.due_at_ms = None;
        assert_eq!(fire_at(&order, "grill"), None, "as soon as possible");
    }

    #[test]
    fn a_scheduled_ticket_waits_then_fires_with_its_timer_starting_then() {
        let mut order = order(vec![timed("steak", "grill", 1, 600)]);
        order.due_at_ms = Some(1_000_000);
        let waiting = derive_ticket(&order, "grill", None, 100_000);
        assert_eq!(waiting.status, TicketStatus::Held);
        assert_eq!(waiting.fire_at_ms, Some(400_000));
        assert_eq!(
            waiting.scheduled_fire(),
            Some(400_000),
            "the scheduler waits for it"
        );
        let fired = derive_ticket(&order, "grill", Some(&waiting), 400_050);
        assert_eq!(fired.status, TicketStatus::Open);
        assert_eq!(fired.created_at_ms, 400_050, "timed from when it was fired");
        assert_eq!(fired.scheduled_fire(), None);
        assert!(matches!(
            ticket_event(&Cause::Fired, Some(&waiting), &fired, None),
            Event::TicketFired(_)
        ));
        // Moving the due time later never takes a ticket back from the cooks.
        order.due_at_ms = Some(5_000_000);
        assert_eq!(
            derive_ticket(&order, "grill", Some(&fired), 400_100).status,
            TicketStatus::Open
        );
    }

    #[test]
    fn a_past_due_time_fires_at_once_and_a_held_course_waits_for_the_pos() {
        let mut order = order(vec![
            timed("steak", "grill", 1, 600),
            timed("cake", "salad", 2, 60),
        ]);
        order.due_at_ms = Some(1_000);
        let late = derive_ticket(&order, "grill", None, 50_000);
        assert_eq!(
            late.status,
            TicketStatus::Open,
            "due already: straight to the rail"
        );
        let course_held = derive_ticket(&order, "salad", None, 50_000);
        assert_eq!(course_held.status, TicketStatus::Held);
        assert_eq!(
            course_held.scheduled_fire(),
            None,
            "held by its course, not by the schedule: the scheduler leaves it to the POS"
        );
    }
}
