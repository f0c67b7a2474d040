//! Reading a chit's lines as an order: a layout is a set of rules (regular expressions
//! with named captures) for each thing a kitchen chit prints. The defaults read the
//! common layouts — `Order #1042`, `Table: 12`, `Server: Ann`, `2 x Burger`,
//! `2 Burger  12.50`, `Burger x2`, indented or `-`/`+`/`>`/`NO`/`ADD` modifiers,
//! `Note:` and `ALLERGY:` lines, `-- Mains --` course separators, and `VOID`,
//! `ADD-ON` and `REPRINT` headers — and a site can replace any rule in the hub's
//! configuration.
//!
//! A line is tried in a fixed order: blank, ignored, chit kind, header fields, course,
//! allergy, note, modifier keyword, item, indented modifier. What matches nothing
//! before the first item is header decoration (the restaurant's name, a date); after
//! it, the line is kept as an order note, so no printed instruction is dropped.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::chit::Chit;

/// What kind of chit this is, from its header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChitKind {
    /// A new order (or new items of one).
    #[default]
    New,
    /// Items added to an order already sent.
    AddOn,
    /// Items taken off an order: void them on the screens.
    Void,
    /// The same chit again: never a second ticket.
    Reprint,
}

/// One item line with what was printed under it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChitItem {
    pub qty: u32,
    pub name: String,
    pub modifiers: Vec<String>,
    pub notes: Vec<String>,
    pub allergens: Vec<String>,
    pub course: Option<u32>,
}

/// What a chit says, as far as the layout could read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadChit {
    pub kind: ChitKind,
    pub number: Option<String>,
    pub table: Option<String>,
    pub server: Option<String>,
    pub guest: Option<String>,
    /// `dine-in`, `takeout`, `delivery`, `pickup` or `drive-thru`.
    pub order_type: Option<String>,
    pub time: Option<String>,
    pub items: Vec<ChitItem>,
    pub notes: Vec<String>,
}

/// Why a chit could not be read as an order (it still becomes a ticket, as printed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("no line looked like an item (quantity and name)")]
    NoItems,
    #[error("nothing but blank lines was printed")]
    Blank,
}

/// A layout's rules as written in the hub's configuration: every field optional, a
/// field given replaces that rule's defaults. Each rule is a list of regular
/// expressions, tried in order; the capture each needs is named after the field
/// (`number`, `table`, `server`, `guest`, `type`, `time`, `course`), `qty` and `name`
/// for items, `text` for modifiers, notes and allergies.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutRules {
    pub ignore: Option<Vec<String>>,
    pub void: Option<Vec<String>>,
    pub add_on: Option<Vec<String>>,
    pub reprint: Option<Vec<String>>,
    pub number: Option<Vec<String>>,
    pub table: Option<Vec<String>>,
    pub server: Option<Vec<String>>,
    pub guest: Option<Vec<String>>,
    pub order_type: Option<Vec<String>>,
    pub time: Option<Vec<String>>,
    pub course: Option<Vec<String>>,
    pub allergy: Option<Vec<String>>,
    pub note: Option<Vec<String>>,
    pub modifier: Option<Vec<String>>,
    pub item: Option<Vec<String>>,
    pub indented_modifier: Option<Vec<String>>,
    /// Lines printed double size with no quantity are items of one (on by default:
    /// many POSes print each item big and its quantity only when above one).
    pub big_lines_are_items: Option<bool>,
}

/// A rule that did not compile, or lacks the capture it must have.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("layout rule `{rule}`: {pattern:?} is not a valid regular expression: {source}")]
    Regex {
        rule: &'static str,
        pattern: String,
        source: Box<regex::Error>,
    },
    #[error("layout rule `{rule}`: {pattern:?} needs a capture named `{capture}`")]
    MissingCapture {
        rule: &'static str,
        pattern: String,
        capture: &'static str,
    },
}

const PRICE: &str = r"(?:\s{2,}[$€£]?\s?-?\d+[.,]\d{2})?";
const ITEM_NAME: &str = r"(?P<name>[^\d\s].*?)";

fn defaults(rule: &'static str) -> Vec<String> {
    let list: Vec<String> = match rule {
        "ignore" => vec![
            r"(?i)^\s*[*=#-]*\s*(?:kitchen|kitchen (?:order|ticket|chit)|order|chit|grill|fry|fryer|salad|bar|expo|pizza|prep|hot line|cold line|printer\s*\d*)\s*[*=#-]*\s*$".into(),
            r"(?i)^\s*(?:sub\s*total|total|tax|vat|change|cash|card|balance due|thank you)\b".into(),
        ],
        "void" => vec![r"(?i)^\s*[*!=#\s-]*\b(?:void|voided|cancel|cancelled|canceled|delete|deleted)\b".into()],
        "add_on" => vec![r"(?i)^\s*[*!=#\s-]*\b(?:add[- ]?on|addition|added items?|additional items?)\b".into()],
        "reprint" => vec![r"(?i)^\s*[*!=#\s-]*\b(?:reprint|re-print|reprinted|copy|duplicate)\b".into()],
        "number" => vec![
            r"(?i)\b(?:order|ord|check|chk|ticket|tkt|bill|receipt|invoice)\s*(?:#|no\.?|num(?:ber)?\.?)?\s*:?\s*#?\s*(?P<number>[A-Z]?\d[\w-]*)".into(),
            r"^\s*#\s*(?P<number>[A-Z]?\d[\w-]*)\s*$".into(),
        ],
        "table" => vec![r"(?i)\b(?:table|tbl|tab)\s*(?:#|no\.?)?\s*:?\s*(?P<table>[A-Z]?\d[\w-]*)".into()],
        "server" => vec![r"(?i)\b(?:server|srv|waiter|waitress|employee|emp|cashier|staff|clerk|user)\s*:\s*(?P<server>[^\d\s].*?)\s*(?:$|\s{2,})".into()],
        "guest" => vec![r"(?i)\b(?:guest|customer|cust|name)\s*:\s*(?P<guest>[^\d\s].*?)\s*(?:$|\s{2,})".into()],
        "order_type" => vec![r"(?i)^\s*[*=#-]*\s*(?P<type>dine[- ]?in|eat[- ]?in|for here|take[- ]?out|take[- ]?away|to[- ]?go|pick[- ]?up|collection|delivery|drive[- ]?thru|drive[- ]?through)\b".into()],
        "time" => vec![r"\b(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)\b".into()],
        "course" => vec![
            r"(?i)^\s*[-=*#~]{2,}\s*(?P<course>course\s*\d+|starters?|appetizers?|apps|firsts?|mains?|entr[eé]es?|seconds?|desserts?)\s*[-=*#~]{2,}\s*$".into(),
            r"(?i)^\s*(?P<course>course\s*\d+)\s*$".into(),
        ],
        "allergy" => vec![r"(?i)^\s*[*!]*\s*(?:allergy|allergies|allergen|allergens|allergic)\b(?:\s*to)?\s*[:\-]?\s*(?P<text>.*?)\s*[*!]*\s*$".into()],
        "note" => vec![r"(?i)^\s*[*!]*\s*(?:note|notes|comment|comments|special|instructions?|memo|request)\s*[:\-]\s*(?P<text>.+?)\s*[*!]*\s*$".into()],
        "modifier" => vec![
            r"^\s*[-+>~]\s*(?P<text>\S.*?)\s*$".into(),
            r"^\s+\*\s*(?P<text>\S.*?)\s*$".into(),
            r"(?i)^\s*(?P<text>(?:no|add|sub|extra|xtra|light|lite|side|on side|with|w/o?|without|hold|only|swap|well done|medium|rare|gf|gluten free)\b.*?)\s*$".into(),
        ],
        "item" => vec![
            format!(r"^\s*(?P<qty>\d{{1,3}})\s*[xX×*]\s*{ITEM_NAME}{PRICE}\s*$"),
            format!(r"^\s*(?P<qty>\d{{1,3}})\s+{ITEM_NAME}{PRICE}\s*$"),
            format!(r"^\s*{ITEM_NAME}\s+[xX×]\s*(?P<qty>\d{{1,3}}){PRICE}\s*$"),
        ],
        "indented_modifier" => vec![r"^(?:\s{2,}|\t)(?P<text>\S.*?)\s*$".into()],
        _ => Vec::new(),
    };
    list
}

/// A compiled layout.
#[derive(Debug, Clone)]
pub struct Layout {
    ignore: Vec<Regex>,
    void: Vec<Regex>,
    add_on: Vec<Regex>,
    reprint: Vec<Regex>,
    number: Vec<Regex>,
    table: Vec<Regex>,
    server: Vec<Regex>,
    guest: Vec<Regex>,
    order_type: Vec<Regex>,
    time: Vec<Regex>,
    course: Vec<Regex>,
    allergy: Vec<Regex>,
    note: Vec<Regex>,
    modifier: Vec<Regex>,
    item: Vec<Regex>,
    indented_modifier: Vec<Regex>,
    big_lines_are_items: bool,
}

fn compile(
    rule: &'static str,
    given: &Option<Vec<String>>,
    captures: &[&'static str],
) -> Result<Vec<Regex>, LayoutError> {
    let patterns = given.clone().unwrap_or_else(|| defaults(rule));
    patterns
        .into_iter()
        .map(|pattern| {
            let regex = Regex::new(&pattern).map_err(|source| LayoutError::Regex {
                rule,
                pattern: pattern.clone(),
                source: Box::new(source),
            })?;
            for capture in captures {
                if !regex.capture_names().any(|name| name == Some(capture)) {
                    return Err(LayoutError::MissingCapture {
                        rule,
                        pattern,
                        capture,
                    });
                }
            }
            Ok(regex)
        })
        .collect()
}

impl Default for Layout {
    fn default() -> Self {
        // The defaults are tested to compile; an empty layout is the fallback that
        // cannot fail.
        Layout::new(&LayoutRules::default()).unwrap_or_else(|_| Layout::empty())
    }
}

impl Layout {
    /// Compiles `rules` over the defaults.
    ///
    /// # Errors
    /// When a rule is not a valid regular expression or lacks its named capture.
    pub fn new(rules: &LayoutRules) -> Result<Self, LayoutError> {
        Ok(Layout {
            ignore: compile("ignore", &rules.ignore, &[])?,
            void: compile("void", &rules.void, &[])?,
            add_on: compile("add_on", &rules.add_on, &[])?,
            reprint: compile("reprint", &rules.reprint, &[])?,
            number: compile("number", &rules.number, &["number"])?,
            table: compile("table", &rules.table, &["table"])?,
            server: compile("server", &rules.server, &["server"])?,
            guest: compile("guest", &rules.guest, &["guest"])?,
            order_type: compile("order_type", &rules.order_type, &["type"])?,
            time: compile("time", &rules.time, &["time"])?,
            course: compile("course", &rules.course, &["course"])?,
            allergy: compile("allergy", &rules.allergy, &["text"])?,
            note: compile("note", &rules.note, &["text"])?,
            modifier: compile("modifier", &rules.modifier, &["text"])?,
            item: compile("item", &rules.item, &["qty", "name"])?,
            indented_modifier: compile("indented_modifier", &rules.indented_modifier, &["text"])?,
            big_lines_are_items: rules.big_lines_are_items.unwrap_or(true),
        })
    }

    fn empty() -> Self {
        Layout {
            ignore: Vec::new(),
            void: Vec::new(),
            add_on: Vec::new(),
            reprint: Vec::new(),
            number: Vec::new(),
            table: Vec::new(),
            server: Vec::new(),
            guest: Vec::new(),
            order_type: Vec::new(),
            time: Vec::new(),
            course: Vec::new(),
            allergy: Vec::new(),
            note: Vec::new(),
            modifier: Vec::new(),
            item: Vec::new(),
            indented_modifier: Vec::new(),
            big_lines_are_items: false,
        }
    }

    /// Reads `chit` as an order.
    ///
    /// # Errors
    /// When nothing on it looks like an item: the caller keeps the chit as printed.
    pub fn read(&self, chit: &Chit) -> Result<ReadChit, Unreadable> {
        if !chit.has_text() {
            return Err(Unreadable::Blank);
        }
        let mut read = ReadChit::default();
        let mut course = None;
        for line in &chit.lines {
            self.read_line(&line.text, line.big, &mut read, &mut course);
        }
        if read.items.is_empty() {
            return Err(Unreadable::NoItems);
        }
        Ok(read)
    }

    fn read_line(&self, text: &str, big: bool, read: &mut ReadChit, course: &mut Option<u32>) {
        if text.trim().is_empty() || is_rule(text) || any_match(&self.ignore, text) {
            return;
        }
        // The kind header may share its line with the order number ("VOID Order 12").
        let mut header = false;
        if read.kind == ChitKind::New {
            for (rules, kind) in [
                (&self.void, ChitKind::Void),
                (&self.add_on, ChitKind::AddOn),
                (&self.reprint, ChitKind::Reprint),
            ] {
                if any_match(rules, text) {
                    read.kind = kind;
                    header = true;
                    break;
                }
            }
        }
        // Header fields appear before the items; after them a "12:30" or "Table"
        // inside an item's note is not a header.
        if read.items.is_empty() {
            for (rules, capture, field) in [
                (&self.number, "number", &mut read.number),
                (&self.table, "table", &mut read.table),
                (&self.server, "server", &mut read.server),
                (&self.guest, "guest", &mut read.guest),
                (&self.time, "time", &mut read.time),
            ] {
                if let Some(value) = first_capture(rules, text, capture) {
                    header = true;
                    field.get_or_insert(value);
                }
            }
            if let Some(kind) = first_capture(&self.order_type, text, "type") {
                header = true;
                read.order_type.get_or_insert(order_type(&kind).to_owned());
            }
        }
        if header {
            return;
        }
        if let Some(name) = first_capture(&self.course, text, "course") {
            *course = course_number(&name);
            return;
        }
        if let Some(allergy) = first_capture(&self.allergy, text, "text") {
            match read.items.last_mut() {
                Some(item) if !allergy.is_empty() => item.allergens.push(allergy),
                _ => read.notes.push(text.trim().to_owned()),
            }
            return;
        }
        if let Some(note) = first_capture(&self.note, text, "text") {
            match read.items.last_mut() {
                Some(item) => item.notes.push(note),
                None => read.notes.push(note),
            }
            return;
        }
        if let Some(modifier) = first_capture(&self.modifier, text, "text") {
            if let Some(item) = read.items.last_mut() {
                item.modifiers.push(modifier);
                return;
            }
        }
        // A big line before the order's number or table is the restaurant's name or
        // a station banner, not an item.
        let past_header = read.number.is_some() || read.table.is_some() || !read.items.is_empty();
        if let Some(item) = self.item_line(text, big && past_header) {
            read.items.push(ChitItem {
                course: *course,
                ..item
            });
            return;
        }
        if let Some(item) = read.items.last_mut() {
            match first_capture(&self.indented_modifier, text, "text") {
                Some(modifier) => item.modifiers.push(modifier),
                None => read.notes.push(text.trim().to_owned()),
            }
        }
    }

    fn item_line(&self, text: &str, big: bool) -> Option<ChitItem> {
        for rule in &self.item {
            let Some(captures) = rule.captures(text) else {
                continue;
            };
            let qty = captures.name("qty")?.as_str().parse().ok()?;
            let name = captures.name("name")?.as_str().trim();
            if qty == 0 || name.is_empty() {
                continue;
            }
            return Some(ChitItem {
                qty,
                name: name.to_owned(),
                ..ChitItem::default()
            });
        }
        let name = text.trim();
        let starts_with_letter = name.chars().next().is_some_and(char::is_alphabetic);
        (self.big_lines_are_items && big && starts_with_letter).then(|| ChitItem {
            qty: 1,
            name: name.to_owned(),
            ..ChitItem::default()
        })
    }
}

/// A line of only dashes, equals signs, stars or underscores: a separator.
fn is_rule(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || matches!(c, '-' | '=' | '*' | '_' | '~' | '.' | '#'))
}

fn any_match(rules: &[Regex], text: &str) -> bool {
    rules.iter().any(|rule| rule.is_match(text))
}

fn first_capture(rules: &[Regex], text: &str, name: &str) -> Option<String> {
    rules.iter().find_map(|rule| {
        rule.captures(text)
            .and_then(|c| c.name(name).map(|m| m.as_str().trim().to_owned()))
    })
}

fn order_type(printed: &str) -> &'static str {
    let key: String = printed
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    match key.as_str() {
        "takeout" | "takeaway" | "togo" => "takeout",
        "pickup" | "collection" => "pickup",
        "delivery" => "delivery",
        "drivethru" | "drivethrough" => "drive-thru",
        _ => "dine-in",
    }
}

fn course_number(printed: &str) -> Option<u32> {
    let lower = printed.to_lowercase();
    if let Some(digits) = lower.strip_prefix("course") {
        return digits.trim().parse().ok();
    }
    if ["starter", "appetizer", "apps", "first"]
        .iter()
        .any(|w| lower.starts_with(w))
    {
        Some(1)
    } else if ["main", "entr", "second"]
        .iter()
        .any(|w| lower.starts_with(w))
    {
        Some(2)
    } else if lower.starts_with("dessert") {
        Some(3)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escpos::Line;

    fn chit(lines: &[(&str, bool)]) -> Chit {
        Chit {
            lines: lines
                .iter()
                .map(|(text, big)| Line {
                    text: (*text).to_owned(),
                    bold: *big,
                    big: *big,
                })
                .collect(),
            cut: true,
        }
    }

    #[test]
    fn the_defaults_compile() {
        assert!(Layout::new(&LayoutRules::default()).is_ok());
    }

    #[test]
    fn a_typical_chit_reads_as_an_order() {
        let read = Layout::default()
            .read(&chit(&[
                ("    BISTRO 21", true),
                ("KITCHEN", true),
                ("Order #1042        12:31 PM", false),
                ("Table: 12   Server: Ann", false),
                ("DINE IN", false),
                ("--------------------------", false),
                ("-- Starters --", false),
                ("1 x Soup of the Day", true),
                ("-- Mains --", false),
                ("2 x Burger", true),
                ("   - no onion", false),
                ("   + extra cheese", false),
                ("   Note: one well done", false),
                ("   ALLERGY: sesame", false),
                ("1 Fries   4.50", true),
                ("Steak Frites", true),
                ("   medium rare", false),
                ("Cola x3", false),
            ]))
            .expect("readable");
        assert_eq!(read.kind, ChitKind::New);
        assert_eq!(read.number.as_deref(), Some("1042"));
        assert_eq!(read.table.as_deref(), Some("12"));
        assert_eq!(read.server.as_deref(), Some("Ann"));
        assert_eq!(read.time.as_deref(), Some("12:31 PM"));
        assert_eq!(read.order_type.as_deref(), Some("dine-in"));
        let summary: Vec<(u32, &str, Option<u32>)> = read
            .items
            .iter()
            .map(|i| (i.qty, i.name.as_str(), i.course))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, "Soup of the Day", Some(1)),
                (2, "Burger", Some(2)),
                (1, "Fries", Some(2)),
                (1, "Steak Frites", Some(2)),
                (3, "Cola", Some(2)),
            ]
        );
        let burger = &read.items[1];
        assert_eq!(burger.modifiers, vec!["no onion", "extra cheese"]);
        assert_eq!(burger.notes, vec!["one well done"]);
        assert_eq!(burger.allergens, vec!["sesame"]);
        assert_eq!(read.items[3].modifiers, vec!["medium rare"]);
    }

    #[test]
    fn void_add_on_and_reprint_headers_set_the_kind() {
        let layout = Layout::default();
        for (header, kind) in [
            ("*** VOID ***", ChitKind::Void),
            ("** ADD-ON **", ChitKind::AddOn),
            ("REPRINT", ChitKind::Reprint),
            ("VOID  Order 7", ChitKind::Void),
        ] {
            let read = layout
                .read(&chit(&[
                    (header, true),
                    ("Order 7", false),
                    ("1 Burger", true),
                ]))
                .expect("readable");
            assert_eq!(read.kind, kind, "{header}");
            assert_eq!(read.number.as_deref(), Some("7"), "{header}");
        }
    }

    #[test]
    fn a_chit_without_items_is_unreadable_not_lost() {
        let layout = Layout::default();
        assert_eq!(
            layout.read(&chit(&[("Hello kitchen", false)])),
            Err(Unreadable::NoItems)
        );
        assert_eq!(
            layout.read(&chit(&[("   ", false)])),
            Err(Unreadable::Blank)
        );
    }

    #[test]
    fn a_site_rule_replaces_a_default_and_is_checked() {
        let rules = LayoutRules {
            number: Some(vec![r"^CHK\s+(?P<number>\d+)".into()]),
            ..LayoutRules::default()
        };
        let read = Layout::new(&rules)
            .expect("valid")
            .read(&chit(&[("CHK 55", false), ("1 Tea", false)]))
            .expect("readable");
        assert_eq!(read.number.as_deref(), Some("55"));

        let missing = LayoutRules {
            item: Some(vec![r"^(?P<qty>\d+) (.+)$".into()]),
            ..LayoutRules::default()
        };
        let error = Layout::new(&missing).expect_err("no name capture");
        assert!(error.to_string().contains("`name`"), "{error}");
        let invalid = LayoutRules {
            table: Some(vec!["(".into()]),
            ..LayoutRules::default()
        };
        assert!(Layout::new(&invalid).is_err());
    }
}
