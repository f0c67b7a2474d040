//! The bump-bar key map: every action a bump bar (or any USB keyboard) can take, and
//! the key it has unless `screen.toml` maps it elsewhere. Keys are DOM
//! `KeyboardEvent.key` names; common bump bars (Logic Controls KB9000 and the like)
//! send digits for positions, arrows, Enter and a few letters. The UI's type and its
//! defaults are generated from here (`ui/src/lib/bindings/KeyAction.ts` and
//! `defaults.json`), never copied by hand.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A bump-bar action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyAction {
    SelectNext,
    SelectPrevious,
    Bump,
    BumpFirst,
    Recall,
    PageNext,
    PagePrevious,
    AllDay,
    Undo,
    ExpoView,
    #[serde(rename = "select_1")]
    Select1,
    #[serde(rename = "select_2")]
    Select2,
    #[serde(rename = "select_3")]
    Select3,
    #[serde(rename = "select_4")]
    Select4,
    #[serde(rename = "select_5")]
    Select5,
    #[serde(rename = "select_6")]
    Select6,
    #[serde(rename = "select_7")]
    Select7,
    #[serde(rename = "select_8")]
    Select8,
    #[serde(rename = "select_9")]
    Select9,
}

/// Every action with its default key, in the order a settings screen lists them.
pub const DEFAULT_KEYMAP: [(KeyAction, &str); 19] = [
    (KeyAction::SelectNext, "ArrowRight"),
    (KeyAction::SelectPrevious, "ArrowLeft"),
    (KeyAction::Bump, "Enter"),
    (KeyAction::BumpFirst, "b"),
    (KeyAction::Recall, "r"),
    (KeyAction::PageNext, "PageDown"),
    (KeyAction::PagePrevious, "PageUp"),
    (KeyAction::AllDay, "a"),
    (KeyAction::Undo, "u"),
    (KeyAction::ExpoView, "e"),
    (KeyAction::Select1, "1"),
    (KeyAction::Select2, "2"),
    (KeyAction::Select3, "3"),
    (KeyAction::Select4, "4"),
    (KeyAction::Select5, "5"),
    (KeyAction::Select6, "6"),
    (KeyAction::Select7, "7"),
    (KeyAction::Select8, "8"),
    (KeyAction::Select9, "9"),
];

impl KeyAction {
    /// The action's name in `screen.toml`'s `[keymap]` and in the UI.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The action named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }

    /// The key it has unless the file maps it elsewhere.
    pub fn default_key(self) -> &'static str {
        DEFAULT_KEYMAP
            .iter()
            .find(|(action, _)| *action == self)
            .map_or("", |(_, key)| *key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_every_action_has_one_default_key() {
        for (action, key) in DEFAULT_KEYMAP {
            assert_eq!(KeyAction::parse(&action.name()), Some(action));
            assert_eq!(action.default_key(), key);
        }
        assert_eq!(KeyAction::Select1.name(), "select_1");
        assert_eq!(KeyAction::parse("explode"), None);
        let mut keys: Vec<&str> = DEFAULT_KEYMAP.iter().map(|(_, k)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), DEFAULT_KEYMAP.len(), "no key does two things");
    }

    /// Writes the defaults the UI needs at run time (the types come from ts-rs):
    /// actions with their keys in order, the cues, languages and themes. `cargo xtask test` fails when
    /// the committed file is stale, as for the bindings.
    #[test]
    fn export_defaults_for_the_ui() {
        let keymap: Vec<(String, &str)> = DEFAULT_KEYMAP
            .iter()
            .map(|(action, key)| (action.name(), *key))
            .collect();
        let cues: Vec<&str> = crate::sound::Cue::ALL.iter().map(|c| c.name()).collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "keymap": keymap,
            "cues": cues,
            "languages": rail_protocol::profile::LANGUAGES,
            "themes": rail_protocol::profile::THEMES,
        }))
        .expect("encode")
            + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui/src/lib/bindings/defaults.json");
        std::fs::write(path, text).expect("write defaults.json");
    }
}
