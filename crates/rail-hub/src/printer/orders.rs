//! From a printed chit to the hub's orders: a new chit creates the order (or adds its
//! items when another station's chit for the same order came first), an add-on adds
//! items, a void voids the matching items, a reprint or a chit printed twice changes
//! nothing. A chit the layout cannot read still becomes a ticket showing what was
//! printed, so nothing the POS sent is lost.
//!
//! Orders are matched by their printed number within a business day (which ends at
//! 04:00 UTC, after the last late service), and every chit is applied under an
//! idempotency key made from its printer, that day and its exact text: the hub
//! records the key with the change in one transaction, so the same chit again — a POS
//! retrying after a dropped connection, a reprint — is answered from the record.

use rail_printer::chit::Chit;
use rail_printer::layout::{ChitItem, ChitKind, ReadChit};
use rail_protocol::limits::{MAX_COURSE, MAX_ITEMS, MAX_QTY, MAX_TEXT};
use rail_protocol::{ItemStatus, NewOrder, NewOrderItem, OrderType};

use super::config::Printer;
use crate::auth::{Claims, Role};
use crate::hub::{Hub, HubError};
use crate::routing::Routes;
use crate::store::kitchen_ops::OrderCommand;
use crate::store::{IdempotencyKey, StoreError};

/// What became of one chit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created {
        order: String,
        items: usize,
    },
    Added {
        order: String,
        items: usize,
    },
    Voided {
        order: String,
        items: usize,
    },
    /// A reprint of an order the hub has, or a chit it already applied.
    Unchanged {
        order: String,
    },
    /// Not readable as an order: kept as printed, on its own ticket.
    KeptAsPrinted {
        order: String,
        why: String,
    },
}

/// Lines of an unread chit shown on its ticket (a chit is rarely longer).
const MAX_PRINTED_LINES: usize = 60;
/// Seconds after midnight UTC at which a business day ends.
const DAY_ENDS_AT_SECS: i64 = 4 * 3600;

/// Applies one chit received by `printer` at `now_ms`.
///
/// # Errors
/// When the hub cannot store it (the caller logs the chit's text with the error).
pub fn apply(hub: &Hub, printer: &Printer, chit: &Chit, now_ms: i64) -> Result<Outcome, HubError> {
    let day = (now_ms / 1000 - DAY_ENDS_AT_SECS).div_euclid(86_400);
    let text = chit.text();
    let key = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("{}\n{day}\n{text}", printer.name).as_bytes(),
    );
    let idem = IdempotencyKey {
        key: format!("chit-{key}"),
        request: format!("printer {} chit {key}", printer.name),
    };
    let who = Claims {
        employee: None,
        order: None,
        session: None,
        sub: format!("printer:{}", printer.name),
        loc: printer.location.clone(),
        role: Role::Pos,
        stations: vec!["*".into()],
        exp: i64::MAX,
        iat: 0,
        nbf: None,
    };
    let read = match printer.layout.read(chit) {
        Ok(read) => read,
        Err(why) => return keep_as_printed(hub, &who, &idem, printer, chit, &why.to_string(), day),
    };
    match apply_read(hub, &who, &idem, printer, chit, &read, &key, day) {
        // The hub refused what the chit asks (an add-on to a cancelled order, say):
        // the kitchen still sees what was printed.
        Err(HubError::Store(
            error @ (StoreError::Conflict(_) | StoreError::Invalid(_) | StoreError::NotFound(_)),
        )) => keep_as_printed(hub, &who, &idem, printer, chit, &error.to_string(), day),
        other => other,
    }
}

/// Applies a chit the layout read.
#[allow(clippy::too_many_arguments)]
fn apply_read(
    hub: &Hub,
    who: &Claims,
    idem: &IdempotencyKey,
    printer: &Printer,
    chit: &Chit,
    read: &ReadChit,
    key: &uuid::Uuid,
    day: i64,
) -> Result<Outcome, HubError> {
    if read.items.len() > MAX_ITEMS {
        tracing::warn!(printer = %printer.name, items = read.items.len(), kept = MAX_ITEMS,
            text = %chit.text(), "a chit has more items than an order may hold; the rest are only in this log");
    }
    let number = read.number.clone().unwrap_or_else(|| short(key));
    let order_id = format!("chit-{day}-{}", id_part(&number));
    let existing = match hub.order(who, &order_id) {
        Ok(order) => Some(order),
        Err(HubError::Store(StoreError::NotFound(_))) => None,
        Err(error) => return Err(error),
    };
    match (read.kind, existing) {
        (ChitKind::Reprint, Some(_)) => Ok(Outcome::Unchanged { order: order_id }),
        (ChitKind::Void, Some(order)) => {
            let mut voided = 0;
            let mut taken: Vec<&str> = Vec::new();
            for item in &read.items {
                let named = |status: ItemStatus| {
                    order.items.iter().find(|candidate| {
                        candidate.status == status
                            && !taken.contains(&candidate.id.as_str())
                            && candidate.name.trim().eq_ignore_ascii_case(item.name.trim())
                            && (printer.route || candidate.station == printer.station)
                    })
                };
                let matching = named(ItemStatus::Pending);
                if matching.is_none() {
                    // Voided already: this chit again (a POS retrying), or a second
                    // void of the same item. Nothing to do, nothing to show.
                    if let Some(done) = named(ItemStatus::Voided) {
                        taken.push(&done.id);
                        voided += 1;
                        continue;
                    }
                }
                let Some(matching) = matching else {
                    tracing::warn!(printer = %printer.name, order = %order_id, item = %item.name,
                        "a void chit names an item the order does not have open; showing the chit");
                    continue;
                };
                taken.push(&matching.id);
                let command = OrderCommand::VoidItem {
                    item_id: matching.id.clone(),
                    remove: false,
                };
                let item_idem = IdempotencyKey {
                    key: format!("{}-{}", idem.key, matching.id),
                    request: format!("{} void {}", idem.request, matching.id),
                };
                hub.change_order(who, Some(&item_idem), &order_id, &command)?;
                voided += 1;
            }
            if voided < read.items.len() {
                let why = format!(
                    "a void chit for order {number}: {} of its {} items matched no open item",
                    read.items.len() - voided,
                    read.items.len()
                );
                keep_as_printed(hub, who, idem, printer, chit, &why, day)?;
            }
            Ok(Outcome::Voided {
                order: order_id,
                items: voided,
            })
        }
        (ChitKind::Void, None) => {
            let why = format!("a void chit for order {number}, which the hub does not have");
            keep_as_printed(hub, who, idem, printer, chit, &why, day)
        }
        (_, Some(_)) => {
            let items = items(&read.items, printer, &*hub.routes_for(&who.loc)?);
            let count = items.len();
            let mutation =
                hub.change_order(who, Some(idem), &order_id, &OrderCommand::AddItems(items))?;
            if mutation.replayed {
                return Ok(Outcome::Unchanged { order: order_id });
            }
            fire_all_courses(hub, who, idem, &order_id, read)?;
            Ok(Outcome::Added {
                order: order_id,
                items: count,
            })
        }
        (_, None) => {
            let order = new_order(
                &order_id,
                &number,
                read,
                printer,
                &*hub.routes_for(&who.loc)?,
            );
            let count = order.items.len();
            let mutation = hub.create_order(who, Some(idem), &order)?;
            if mutation.replayed {
                return Ok(Outcome::Unchanged { order: order_id });
            }
            fire_all_courses(hub, who, idem, &order_id, read)?;
            Ok(Outcome::Created {
                order: order_id,
                items: count,
            })
        }
    }
}

/// A POS prints a chit when the kitchen is to cook it, and cannot fire a held course
/// later through a printer: course separators order the items on the ticket, and
/// every course on the chit is fired at once.
fn fire_all_courses(
    hub: &Hub,
    who: &Claims,
    idem: &IdempotencyKey,
    order_id: &str,
    read: &ReadChit,
) -> Result<(), HubError> {
    let highest = read
        .items
        .iter()
        .filter_map(|item| item.course)
        .map(|course| course.clamp(1, MAX_COURSE))
        .max();
    if let Some(course) = highest.filter(|c| *c > 1) {
        let fire_idem = IdempotencyKey {
            key: format!("{}-fire", idem.key),
            request: format!("{} fire {course}", idem.request),
        };
        match hub.change_order(who, Some(&fire_idem), order_id, &OrderCommand::Fire(course)) {
            // Nothing held (those courses were fired already): nothing to do.
            Ok(_) | Err(HubError::Store(StoreError::Conflict(_))) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

fn new_order(
    id: &str,
    number: &str,
    read: &ReadChit,
    printer: &Printer,
    routes: &Routes,
) -> NewOrder {
    NewOrder {
        employee_id: None,
        id: Some(id.to_owned()),
        number: clip(number),
        table: read.table.as_deref().map(clip),
        guest: read.guest.as_deref().map(clip),
        order_type: match read.order_type.as_deref() {
            Some("takeout") => OrderType::Takeout,
            Some("delivery") => OrderType::Delivery,
            Some("pickup") => OrderType::Pickup,
            Some("drive-thru") => OrderType::DriveThru,
            _ => OrderType::DineIn,
        },
        server: read.server.as_deref().map(clip),
        rush: false,
        notes: joined(&read.notes),
        items: items(&read.items, printer, routes),
        due_at_ms: None,
        source: None,
        placed_at_ms: None,
    }
}

fn items(read: &[ChitItem], printer: &Printer, routes: &Routes) -> Vec<NewOrderItem> {
    read.iter()
        .take(MAX_ITEMS)
        .map(|item| {
            let mut new = NewOrderItem {
                seat: None,
                id: None,
                name: clip(&item.name),
                qty: item.qty.clamp(1, MAX_QTY),
                modifiers: texts(&item.modifiers),
                notes: joined(&item.notes),
                allergens: texts(&item.allergens),
                category: None,
                station: None,
                course: item.course.map(|c| c.clamp(1, MAX_COURSE)),
                prep_secs: None,
            };
            // The routing rules place what they know; the rest stays at this
            // printer's station.
            let routed = if printer.route {
                routes.station_for(&new)
            } else {
                None
            };
            new.station = Some(routed.unwrap_or_else(|| printer.station.clone()));
            new
        })
        .collect()
}

/// Keeps an unread chit on a ticket of its own, showing the printed lines.
fn keep_as_printed(
    hub: &Hub,
    who: &Claims,
    idem: &IdempotencyKey,
    printer: &Printer,
    chit: &Chit,
    why: &str,
    day: i64,
) -> Result<Outcome, HubError> {
    let key = idem.key.trim_start_matches("chit-");
    let order_id = format!("chit-{day}-unread-{}", short_str(key));
    tracing::warn!(printer = %printer.name, order = %order_id, %why, text = %chit.text(),
        "a chit could not be read as an order; it is shown as printed");
    let lines: Vec<String> = chit
        .lines
        .iter()
        .map(|line| line.text.trim())
        .filter(|text| !text.is_empty())
        .take(MAX_PRINTED_LINES)
        .map(clip)
        .collect();
    let order = NewOrder {
        employee_id: None,
        id: Some(order_id.clone()),
        number: "?".into(),
        table: None,
        guest: None,
        order_type: OrderType::DineIn,
        server: None,
        rush: false,
        notes: Some(clip(&format!("{UNREAD_MARK} {why}"))),
        items: vec![NewOrderItem {
            seat: None,
            id: None,
            name: "Printed chit".into(),
            qty: 1,
            modifiers: lines,
            notes: None,
            allergens: Vec::new(),
            category: None,
            station: Some(printer.station.clone()),
            course: None,
            prep_secs: None,
        }],
        due_at_ms: None,
        source: None,
        placed_at_ms: None,
    };
    let mutation = hub.create_order(who, Some(idem), &order)?;
    if mutation.replayed {
        return Ok(Outcome::Unchanged { order: order_id });
    }
    Ok(Outcome::KeptAsPrinted {
        order: order_id,
        why: why.to_owned(),
    })
}

/// How the notes of a chit kept as printed begin, so the screen can flag it.
pub const UNREAD_MARK: &str = "Printed chit, not read:";

fn clip(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

fn texts(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|t| clip(t))
        .filter(|t| !t.is_empty())
        .collect()
}

fn joined(list: &[String]) -> Option<String> {
    let text = clip(&list.join("; "));
    (!text.is_empty()).then_some(text)
}

/// An order number as the part of an id: letters, digits, `.`, `_`, `-`.
fn id_part(number: &str) -> String {
    let part: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(40)
        .collect();
    if part.is_empty() {
        "x".into()
    } else {
        part
    }
}

fn short(key: &uuid::Uuid) -> String {
    short_str(&key.simple().to_string())
}

fn short_str(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::PrinterFile;
    use crate::store::Store;
    use crate::HubConfig;
    use rail_printer::chit::read_all;
    use rail_printer::codepage::CodePage;

    const NOW: i64 = 1_800_000_000_000;

    fn setup() -> (std::sync::Arc<Hub>, Printer) {
        let store = Store::open_in_memory().expect("store");
        let hub = Hub::with_store(store, HubConfig::default(), Some("secret".into())).expect("hub");
        let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let printer = PrinterFile::new("grill", listen, "bistro", "grill")
            .compile()
            .expect("printer");
        (hub, printer)
    }

    fn chit(text: &str) -> Chit {
        read_all(text.as_bytes(), CodePage::Cp437).remove(0)
    }

    fn orders(hub: &Hub) -> usize {
        let who = Claims {
            employee: None,
            order: None,
            session: None,
            sub: "test".into(),
            loc: "bistro".into(),
            role: Role::Kds,
            stations: vec!["*".into()],
            exp: i64::MAX,
            iat: 0,
            nbf: None,
        };
        hub.tickets(&who, "grill", crate::store::StationFilter::Open)
            .expect("tickets")
            .len()
    }

    #[test]
    fn the_screen_knows_how_an_unread_chit_is_marked() {
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui/src/lib/tickets/card.ts");
        let source = std::fs::read_to_string(&ui).expect("ui/src/lib/tickets/card.ts");
        assert!(
            source.contains(&format!("UNREAD_CHIT_NOTE = \"{UNREAD_MARK}\"")),
            "the UI's UNREAD_CHIT_NOTE must equal the hub's UNREAD_MARK"
        );
    }

    #[test]
    fn a_chit_again_and_a_void_again_change_nothing() {
        let (hub, printer) = setup();
        let new = chit("Order 12\n2 x Burger\n1 x Ribeye\n");
        assert!(matches!(
            apply(&hub, &printer, &new, NOW),
            Ok(Outcome::Created { items: 2, .. })
        ));
        assert!(matches!(
            apply(&hub, &printer, &new, NOW),
            Ok(Outcome::Unchanged { .. })
        ));
        let void = chit("VOID\nOrder 12\n1 x Ribeye\n");
        assert!(matches!(
            apply(&hub, &printer, &void, NOW),
            Ok(Outcome::Voided { items: 1, .. })
        ));
        assert!(matches!(
            apply(&hub, &printer, &void, NOW),
            Ok(Outcome::Voided { items: 1, .. })
        ));
        assert_eq!(orders(&hub), 1, "no ticket for the repeated void");
    }

    #[test]
    fn printed_courses_are_fired_at_once_and_an_add_on_to_them_is_no_problem() {
        let (hub, printer) = setup();
        let first = chit("Order 14\n-- Starters --\n1 x Soup\n-- Mains --\n1 x Steak\n");
        apply(&hub, &printer, &first, NOW).expect("created");
        let add_on = chit("ADD-ON\nOrder 14\n-- Mains --\n1 x Fries\n");
        let outcome = apply(&hub, &printer, &add_on, NOW).expect("added");
        assert!(
            matches!(outcome, Outcome::Added { items: 1, .. }),
            "{outcome:?}"
        );
        assert_eq!(orders(&hub), 1, "no ticket shown as printed");
    }

    #[test]
    fn what_the_hub_refuses_is_shown_as_printed() {
        let (hub, printer) = setup();
        apply(&hub, &printer, &chit("Order 13\n1 x Soup\n"), NOW).expect("created");
        let who = Claims {
            employee: None,
            order: None,
            session: None,
            sub: "till".into(),
            loc: "bistro".into(),
            role: Role::Pos,
            stations: vec![],
            exp: i64::MAX,
            iat: 0,
            nbf: None,
        };
        let day = (NOW / 1000 - DAY_ENDS_AT_SECS).div_euclid(86_400);
        hub.change_order(&who, None, &format!("chit-{day}-13"), &OrderCommand::Cancel)
            .expect("cancelled");
        let add_on = chit("ADD-ON\nOrder 13\n1 x Bread\n");
        let outcome = apply(&hub, &printer, &add_on, NOW).expect("kept");
        assert!(
            matches!(outcome, Outcome::KeptAsPrinted { .. }),
            "{outcome:?}"
        );
    }
}
