//! `rail-hub printer test FILE`: how the chits in a captured stream would be read, so
//! an installer can check a site's layout before pointing the POS at the hub.

use std::fmt::Write;

use rail_printer::chit::read_all;
use rail_printer::codepage::CodePage;
use rail_printer::layout::Layout;

use super::config::Printer;

/// The report for `bytes`, read as `printer` would (default layout and CP437 without
/// one): each chit's text, then what was read from it or why nothing could be.
pub fn report(bytes: &[u8], printer: Option<&Printer>, json: bool) -> String {
    let default_layout = Layout::default();
    let (layout, page) = match printer {
        Some(printer) => (printer.layout.as_ref(), printer.code_page),
        None => (&default_layout, CodePage::default()),
    };
    let chits = read_all(bytes, page);
    if json {
        let list: Vec<serde_json::Value> = chits
            .iter()
            .map(|chit| {
                let read = match layout.read(chit) {
                    Ok(read) => serde_json::json!({ "read": read }),
                    Err(why) => serde_json::json!({ "unreadable": why.to_string() }),
                };
                serde_json::json!({ "text": chit.text(), "cut": chit.cut, "result": read })
            })
            .collect();
        return format!("{}\n", serde_json::Value::Array(list));
    }
    let mut out = String::new();
    if chits.is_empty() {
        out.push_str("no chit: nothing but blank lines or commands was printed\n");
    }
    for (n, chit) in chits.iter().enumerate() {
        let _ = writeln!(
            out,
            "── chit {} ({}) ──",
            n + 1,
            if chit.cut { "cut" } else { "no cut at the end" }
        );
        for line in &chit.lines {
            let style = match (line.big, line.bold) {
                (true, _) => "BIG ",
                (false, true) => "bold",
                _ => "    ",
            };
            let _ = writeln!(out, "  {style} │ {}", line.text);
        }
        match layout.read(chit) {
            Err(why) => {
                let _ = writeln!(out, "  → not read ({why}): it would be shown as printed");
            }
            Ok(read) => {
                let _ = writeln!(
                    out,
                    "  → {:?} order {}",
                    read.kind,
                    read.number.as_deref().unwrap_or("(no number)")
                );
                for (label, value) in [
                    ("table", &read.table),
                    ("server", &read.server),
                    ("guest", &read.guest),
                    ("type", &read.order_type),
                    ("time", &read.time),
                ] {
                    if let Some(value) = value {
                        let _ = writeln!(out, "    {label}: {value}");
                    }
                }
                for item in &read.items {
                    let course = item
                        .course
                        .map(|c| format!(" (course {c})"))
                        .unwrap_or_default();
                    let _ = writeln!(out, "    {} × {}{course}", item.qty, item.name);
                    for modifier in &item.modifiers {
                        let _ = writeln!(out, "        {modifier}");
                    }
                    for note in &item.notes {
                        let _ = writeln!(out, "        note: {note}");
                    }
                    for allergen in &item.allergens {
                        let _ = writeln!(out, "        ALLERGY: {allergen}");
                    }
                }
                for note in &read.notes {
                    let _ = writeln!(out, "    order note: {note}");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_shows_the_text_and_what_was_read() {
        let stream = b"\x1b@Order 12\nTable 4\n\x1b!\x30 2 x Burger\n\x1b!\x00  - no onion\n\x1dV\x00Hello\n";
        let report = report(stream, None, false);
        assert!(report.contains("── chit 1 (cut) ──"), "{report}");
        assert!(report.contains("New order 12"), "{report}");
        assert!(report.contains("table: 4"), "{report}");
        assert!(report.contains("2 × Burger"), "{report}");
        assert!(report.contains("no onion"), "{report}");
        assert!(
            report.contains("── chit 2 (no cut at the end) ──"),
            "{report}"
        );
        assert!(
            report.contains("not read (no line looked like an item"),
            "{report}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&super::report(stream, None, true)).expect("json");
        assert_eq!(json[0]["result"]["read"]["items"][0]["name"], "Burger");
        assert!(json[1]["result"]["unreadable"].is_string());
    }
}
