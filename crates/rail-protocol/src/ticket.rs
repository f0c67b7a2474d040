//! Tickets: what a kitchen station sees of an order.
//!
//! The hub splits an order into one ticket per station that has items on it. A ticket
//! carries a `version` that grows with every change, so a screen can apply the same
//! update twice (a replay overlapping a snapshot) without harm: it keeps the higher one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How the guest gets the food; screens colour and filter by it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    TS,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum OrderType {
    #[default]
    DineIn,
    Takeout,
    Delivery,
    Pickup,
    DriveThru,
}

impl OrderType {
    /// The name on the wire and in configuration files.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::DineIn => "dine-in",
            OrderType::Takeout => "takeout",
            OrderType::Delivery => "delivery",
            OrderType::Pickup => "pickup",
            OrderType::DriveThru => "drive-thru",
        }
    }
}

/// Where an order came in from, beside how it is eaten ([`OrderType`]): the till, a
/// self-order kiosk, the restaurant's own online ordering, a delivery platform (named),
/// or the phone. Screens show it with an icon and a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum SourceChannel {
    Pos,
    Kiosk,
    Online,
    ThirdParty,
    Phone,
}

/// `source` of an order: its channel, and for a delivery platform its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct OrderSource {
    pub channel: SourceChannel,
    /// The platform's name for a third-party order ("Uber Eats"), shown on the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub name: Option<String>,
}

/// Where a ticket is in its life at a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum TicketStatus {
    /// On the rail, being cooked.
    #[default]
    Open,
    /// Done at this station; kept for recall.
    Bumped,
    /// Cancelled by the POS.
    Voided,
    /// Only held courses so far: not on the rail until the course is fired.
    Held,
}

impl TicketStatus {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Bumped => "bumped",
            TicketStatus::Voided => "voided",
            TicketStatus::Held => "held",
        }
    }
}

/// State of one line on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ItemStatus {
    #[default]
    Pending,
    /// Bumped on its own (item bump).
    Done,
    /// Cancelled by the POS after it was sent: the cook must stop.
    Voided,
    /// Taken off the order by the POS (a correction).
    Removed,
}

impl ItemStatus {
    /// Still part of the food to make (pending or done), not voided or removed.
    pub fn is_live(self) -> bool {
        matches!(self, ItemStatus::Pending | ItemStatus::Done)
    }
}

/// One line of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketItem {
    pub id: String,
    pub name: String,
    pub qty: u32,
    #[serde(default)]
    pub modifiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub notes: Option<String>,
    #[serde(default)]
    pub allergens: Vec<String>,
    /// Course number; 1 is the first course.
    #[serde(default = "first_course")]
    pub course: u32,
    #[serde(default)]
    pub status: ItemStatus,
    /// Its course has not been fired yet.
    #[serde(default)]
    pub held: bool,
    /// Added by the POS after the ticket first reached the kitchen.
    #[serde(default)]
    pub added: bool,
    /// The guest's seat, when the POS said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub seat: Option<u32>,
}

fn first_course() -> u32 {
    1
}

impl TicketItem {
    /// Still to cook at its station: pending, and its course fired.
    pub fn is_to_cook(&self) -> bool {
        self.status == ItemStatus::Pending && !self.held
    }
}

/// The part of an order one station cooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Ticket {
    /// `<order id>:<station>`; stable across every change of the order.
    pub id: String,
    pub order_id: String,
    /// The number the POS prints and the kitchen calls out.
    pub order_number: String,
    pub location_id: String,
    pub station: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub guest: Option<String>,
    #[serde(default)]
    pub order_type: OrderType,
    /// Where the order came in from, when the POS said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source: Option<OrderSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server: Option<String>,
    /// Order-level note from the POS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub notes: Option<String>,
    /// When the ticket reached the rail, in hub time (ms since the Unix epoch): the
    /// order's arrival, or the moment its course was fired. Every screen times a ticket
    /// from this instant whatever its own clock says.
    #[ts(type = "number")]
    pub created_at_ms: i64,
    #[serde(default)]
    pub rush: bool,
    #[serde(default)]
    pub status: TicketStatus,
    /// Grows with every change; a screen keeps the highest it has seen.
    #[ts(type = "number")]
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub bumped_at_ms: Option<i64>,
    /// A scheduled order's due time (hub time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub due_at_ms: Option<i64>,
    /// When the hub fires (or fired) this station's part of a scheduled order: the due
    /// time less the longest prep time of its items, so every station finishes
    /// together. While it is ahead the ticket is `held`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub fire_at_ms: Option<i64>,
    /// A cook at this station has confirmed the POS's latest changes (items added,
    /// voided, removed). One screen's confirmation goes through the hub, so the
    /// station's other screens stop flagging the ticket too; the next change asks
    /// again.
    #[serde(default)]
    pub changes_acknowledged: bool,
    pub items: Vec<TicketItem>,
}

impl Ticket {
    /// The id a ticket gets from its order and station.
    pub fn id_for(order_id: &str, station: &str) -> String {
        format!("{order_id}:{station}")
    }

    /// True while the ticket belongs on a station's rail.
    pub fn is_open(&self) -> bool {
        self.status == TicketStatus::Open
    }

    /// The time a ticket held by its order's schedule alone will be fired: held, with
    /// something to cook that no course holds back. A ticket held because the POS
    /// holds its course waits for the POS instead, and answers none.
    pub fn scheduled_fire(&self) -> Option<i64> {
        let schedule_only = self.status == TicketStatus::Held
            && self.items.iter().any(|i| i.status.is_live() && !i.held);
        self.fire_at_ms.filter(|_| schedule_only)
    }

    /// The items still to cook (see [`TicketItem::is_to_cook`]).
    pub fn items_to_cook(&self) -> impl Iterator<Item = &TicketItem> {
        self.items.iter().filter(|item| item.is_to_cook())
    }

    /// Bumps an open ticket: done at its station, at `at_ms`. Returns whether it
    /// changed (a ticket not on the rail is left as it is).
    pub fn bump(&mut self, at_ms: i64) -> bool {
        if self.status != TicketStatus::Open {
            return false;
        }
        self.status = TicketStatus::Bumped;
        self.bumped_at_ms = Some(at_ms);
        true
    }

    /// Brings a bumped ticket back to the rail. Returns whether it changed.
    pub fn recall(&mut self) -> bool {
        if self.status != TicketStatus::Bumped {
            return false;
        }
        self.status = TicketStatus::Open;
        self.bumped_at_ms = None;
        true
    }

    /// True when the POS changed the ticket after it reached the kitchen: an item
    /// added, voided or removed.
    pub fn has_changes(&self) -> bool {
        self.items
            .iter()
            .any(|i| i.added || matches!(i.status, ItemStatus::Voided | ItemStatus::Removed))
    }

    /// True while the ticket's changes wait for a cook to confirm them.
    pub fn flags_changes(&self) -> bool {
        self.has_changes() && !self.changes_acknowledged
    }

    /// A cook confirms the ticket's changes. Returns whether anything changed (there
    /// were changes, not yet confirmed).
    pub fn acknowledge_changes(&mut self) -> bool {
        if !self.flags_changes() {
            return false;
        }
        self.changes_acknowledged = true;
        true
    }

    /// Takes back an item bump: the item is to cook again, and a ticket its bump
    /// took off the rail comes back.
    pub fn recall_item(&mut self, item_id: &str) -> ItemRecall {
        let Some(item) = self.items.iter_mut().find(|i| i.id == item_id) else {
            return ItemRecall::NoSuchItem;
        };
        match item.status {
            ItemStatus::Pending => return ItemRecall::NotDone,
            ItemStatus::Voided | ItemStatus::Removed => return ItemRecall::Voided,
            ItemStatus::Done
                if !matches!(self.status, TicketStatus::Open | TicketStatus::Bumped) =>
            {
                return ItemRecall::TicketNotOpen
            }
            ItemStatus::Done => item.status = ItemStatus::Pending,
        }
        if self.recall() {
            ItemRecall::TicketRecalled
        } else {
            ItemRecall::Recalled
        }
    }

    /// Marks one item of an open ticket done; when nothing is left to cook, the ticket
    /// is bumped with it. What happened says which.
    pub fn bump_item(&mut self, item_id: &str, at_ms: i64) -> ItemBump {
        let Some(item) = self.items.iter_mut().find(|i| i.id == item_id) else {
            return ItemBump::NoSuchItem;
        };
        match item.status {
            ItemStatus::Done => return ItemBump::AlreadyDone,
            ItemStatus::Voided | ItemStatus::Removed => return ItemBump::Voided,
            ItemStatus::Pending if self.status != TicketStatus::Open => {
                return ItemBump::TicketNotOpen
            }
            ItemStatus::Pending => item.status = ItemStatus::Done,
        }
        if self.items_to_cook().next().is_none() {
            self.bump(at_ms);
            ItemBump::TicketBumped
        } else {
            ItemBump::Done
        }
    }
}

/// What [`Ticket::bump_item`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemBump {
    /// The item is done; others remain.
    Done,
    /// The item was the last to cook: the ticket is bumped too.
    TicketBumped,
    /// Done earlier: nothing changed (a retry gets the same kind of answer).
    AlreadyDone,
    /// The POS voided or removed it: nothing to bump.
    Voided,
    /// The ticket is not on the rail (held, bumped or voided).
    TicketNotOpen,
    NoSuchItem,
}

/// What [`Ticket::recall_item`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRecall {
    /// The item is to cook again.
    Recalled,
    /// The item is to cook again, and its ticket is back on the rail.
    TicketRecalled,
    /// Not done: nothing to take back (a retry gets the same kind of answer).
    NotDone,
    /// The POS voided or removed it.
    Voided,
    /// The ticket is held or voided.
    TicketNotOpen,
    NoSuchItem,
}

/// What a bump or recall did at the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ActionOutcome {
    Bumped,
    /// Bumped earlier (by this or another screen): nothing changed.
    AlreadyBumped,
    Recalled,
    /// Already on the rail: nothing changed.
    AlreadyOpen,
    /// The ticket's changes are confirmed at its station.
    Acknowledged,
    /// Confirmed earlier, or nothing to confirm: nothing changed.
    AlreadyAcknowledged,
}

/// Response to `POST /api/tickets/{id}/bump` and `/recall`: the outcome and the ticket
/// as it now is (with the version of the event the change produced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[ts(export)]
pub struct ActionResult {
    pub outcome: ActionOutcome,
    pub ticket: Ticket,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, status: ItemStatus, held: bool) -> TicketItem {
        TicketItem {
            seat: None,
            id: id.into(),
            name: id.into(),
            qty: 1,
            modifiers: Vec::new(),
            notes: None,
            allergens: Vec::new(),
            course: 1,
            status,
            held,
            added: false,
        }
    }

    fn ticket(items: Vec<TicketItem>) -> Ticket {
        Ticket {
            changes_acknowledged: false,
            id: "o:grill".into(),
            order_id: "o".into(),
            order_number: "1".into(),
            location_id: "l".into(),
            station: "grill".into(),
            table: None,
            guest: None,
            order_type: OrderType::DineIn,
            server: None,
            notes: None,
            created_at_ms: 0,
            rush: false,
            status: TicketStatus::Open,
            version: 1,
            bumped_at_ms: None,
            items,
            due_at_ms: None,
            fire_at_ms: None,
            source: None,
        }
    }

    #[test]
    fn only_pending_items_of_fired_courses_are_to_cook() {
        let t = ticket(vec![
            item("a", ItemStatus::Pending, false),
            item("b", ItemStatus::Pending, true),
            item("c", ItemStatus::Done, false),
            item("d", ItemStatus::Voided, false),
        ]);
        let ids: Vec<&str> = t.items_to_cook().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a"]);
    }

    #[test]
    fn bump_and_recall_change_only_what_they_apply_to() {
        let mut t = ticket(vec![item("a", ItemStatus::Pending, false)]);
        assert!(t.bump(5));
        assert_eq!((t.status, t.bumped_at_ms), (TicketStatus::Bumped, Some(5)));
        assert!(!t.bump(6), "a bumped ticket stays as it was bumped");
        assert_eq!(t.bumped_at_ms, Some(5));
        assert!(t.recall());
        assert_eq!((t.status, t.bumped_at_ms), (TicketStatus::Open, None));
        assert!(!t.recall());
        t.status = TicketStatus::Voided;
        assert!(
            !t.bump(7) && !t.recall(),
            "a voided ticket neither bumps nor recalls"
        );
    }

    #[test]
    fn the_last_item_to_cook_bumps_the_ticket_and_held_ones_do_not_count() {
        let mut t = ticket(vec![
            item("a", ItemStatus::Pending, false),
            item("b", ItemStatus::Pending, false),
            item("later", ItemStatus::Pending, true),
        ]);
        assert_eq!(t.bump_item("a", 1), ItemBump::Done);
        assert_eq!(t.status, TicketStatus::Open);
        assert_eq!(t.bump_item("a", 2), ItemBump::AlreadyDone);
        assert_eq!(t.bump_item("b", 3), ItemBump::TicketBumped);
        assert_eq!((t.status, t.bumped_at_ms), (TicketStatus::Bumped, Some(3)));
        assert_eq!(
            t.bump_item("b", 4),
            ItemBump::AlreadyDone,
            "a retry of the last item"
        );
        assert_eq!(t.bump_item("later", 4), ItemBump::TicketNotOpen);
        assert_eq!(t.bump_item("zz", 4), ItemBump::NoSuchItem);
        let mut voided = ticket(vec![item("v", ItemStatus::Voided, false)]);
        assert_eq!(voided.bump_item("v", 1), ItemBump::Voided);
    }

    #[test]
    fn an_item_recall_takes_its_bump_back_and_reopens_the_ticket_it_closed() {
        let mut t = ticket(vec![
            item("a", ItemStatus::Pending, false),
            item("b", ItemStatus::Pending, false),
            item("v", ItemStatus::Voided, false),
        ]);
        assert_eq!(t.recall_item("a"), ItemRecall::NotDone);
        t.bump_item("a", 1);
        assert_eq!(t.recall_item("a"), ItemRecall::Recalled);
        assert_eq!(
            (t.items[0].status, t.status),
            (ItemStatus::Pending, TicketStatus::Open)
        );
        t.bump_item("a", 2);
        assert_eq!(t.bump_item("b", 3), ItemBump::TicketBumped);
        assert_eq!(t.recall_item("b"), ItemRecall::TicketRecalled);
        assert_eq!((t.status, t.bumped_at_ms), (TicketStatus::Open, None));
        assert_eq!(
            t.items_to_cook().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
        assert_eq!(t.recall_item("v"), ItemRecall::Voided);
        assert_eq!(t.recall_item("zz"), ItemRecall::NoSuchItem);
        t.status = TicketStatus::Voided;
        assert_eq!(t.recall_item("a"), ItemRecall::TicketNotOpen);
    }

    #[test]
    fn changes_are_flagged_until_acknowledged() {
        let mut t = ticket(vec![item("a", ItemStatus::Pending, false)]);
        assert!(
            !t.flags_changes() && !t.acknowledge_changes(),
            "nothing to confirm"
        );
        t.items[0].added = true;
        assert!(t.flags_changes());
        assert!(t.acknowledge_changes());
        assert!(!t.flags_changes() && t.has_changes());
        assert!(
            !t.acknowledge_changes(),
            "a second confirmation changes nothing"
        );
        let voided = ticket(vec![item("v", ItemStatus::Voided, false)]);
        assert!(voided.flags_changes());
    }

    /// Writes the cases of the item rule for the UI's copy of it to be checked against
    /// (`ui/src/lib/tickets/rules.test.ts`); `cargo xtask test` fails when the
    /// committed file is stale, as for the TypeScript bindings.
    #[test]
    fn export_ticket_rules_for_the_ui() {
        let mut cases = Vec::new();
        for status in [
            ItemStatus::Pending,
            ItemStatus::Done,
            ItemStatus::Voided,
            ItemStatus::Removed,
        ] {
            for held in [false, true] {
                let mut case = item("x", status, held);
                case.held = held;
                cases.push(serde_json::json!({
                    "status": status, "held": held, "toCook": case.is_to_cook()
                }));
            }
        }
        let mut changes = Vec::new();
        for status in [
            ItemStatus::Pending,
            ItemStatus::Done,
            ItemStatus::Voided,
            ItemStatus::Removed,
        ] {
            for added in [false, true] {
                for acknowledged in [false, true] {
                    let mut case = ticket(vec![item("x", status, false)]);
                    case.items[0].added = added;
                    case.changes_acknowledged = acknowledged;
                    changes.push(serde_json::json!({
                        "status": status, "added": added, "changesAcknowledged": acknowledged,
                        "flagsChanges": case.flags_changes()
                    }));
                }
            }
        }
        let text = serde_json::to_string_pretty(
            &serde_json::json!({ "toCook": cases, "flagsChanges": changes }),
        )
        .expect("encode")
            + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui/src/lib/bindings/ticketRules.json");
        std::fs::write(path, text).expect("write ticketRules.json");
    }
}
