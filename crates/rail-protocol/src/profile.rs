//! Screen profiles: how a group of screens looks and sounds — timer colours, language,
//! theme, text size, sound — kept on the hub and taken live by the paired screens that
//! the manager assigns to them, so twelve screens are set once and alike.
//!
//! A screen with a profile follows it over its own file's values for those settings;
//! a screen without one keeps its own. The hub hands a paired screen its profile when
//! the socket opens (in `ready`) and again whenever the manager changes it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Languages a screen speaks.
pub const LANGUAGES: &[&str] = &["en", "es"];
/// Looks a screen can take.
pub const THEMES: &[&str] = &["dark", "high-contrast"];
/// Text size relative to the default: the smallest and largest a screen takes.
pub const FONT_SCALE_RANGE: std::ops::RangeInclusive<f64> = 0.8..=1.6;
/// Sound cues a screen plays, by name.
pub const CUES: &[&str] = &[
    "new-ticket",
    "rush",
    "modified",
    "voided",
    "link-lost",
    "link-restored",
    "order-ready",
    "undelivered",
];

/// Timer colour thresholds, in minutes: green under `warn_after_min`, yellow under
/// `late_after_min`, red beyond. Snake case in a screen's TOML file (`[timers]`),
/// camel case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct Thresholds {
    #[serde(alias = "warn_after_min")]
    pub warn_after_min: f64,
    #[serde(alias = "late_after_min")]
    pub late_after_min: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warn_after_min: 5.0,
            late_after_min: 10.0,
        }
    }
}

impl Thresholds {
    /// `None` when the thresholds make sense, else why not.
    pub fn problem(&self) -> Option<String> {
        let finite = self.warn_after_min.is_finite() && self.late_after_min.is_finite();
        (!(finite && self.warn_after_min > 0.0 && self.late_after_min > self.warn_after_min))
            .then(|| "timers: need 0 < warn after < late after (minutes)".to_owned())
    }
}

/// A screen profile (`GET /api/profiles`, `PUT /api/profiles/{name}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct ScreenProfile {
    /// Letters, digits, `-`, `_`, `.`; the key the devices name it by.
    #[schemars(length(min = 1, max = 64))]
    pub name: String,
    pub timers: Thresholds,
    /// Timer colours for some order types instead of `timers` (a drive-thru is late
    /// sooner than a table).
    #[serde(default)]
    pub timers_by_order_type: BTreeMap<crate::OrderType, Thresholds>,
    /// Timer colours for some stations instead of `timers`; when a station's and an
    /// order type's both apply, the stricter of each threshold wins.
    #[serde(default)]
    pub timers_by_station: BTreeMap<String, Thresholds>,
    /// One of [`LANGUAGES`].
    pub language: String,
    /// One of [`THEMES`].
    pub theme: String,
    /// Within [`FONT_SCALE_RANGE`].
    pub font_scale: f64,
    pub sound_enabled: bool,
    /// 0 to 1.
    pub volume: f32,
    /// Cues not to play (see [`CUES`]).
    #[serde(default)]
    pub muted_cues: Vec<String>,
}

impl ScreenProfile {
    /// The thresholds a screen with this profile times a ticket of `order_type` at
    /// `station` by: the station's or the order type's instead of `timers`, and when
    /// both are set the stricter of each (the screens' own rule).
    pub fn thresholds_for(&self, order_type: crate::OrderType, station: &str) -> Thresholds {
        let applicable: Vec<&Thresholds> = [
            self.timers_by_station.get(station),
            self.timers_by_order_type.get(&order_type),
        ]
        .into_iter()
        .flatten()
        .collect();
        if applicable.is_empty() {
            return self.timers;
        }
        Thresholds {
            warn_after_min: applicable
                .iter()
                .map(|t| t.warn_after_min)
                .fold(f64::INFINITY, f64::min),
            late_after_min: applicable
                .iter()
                .map(|t| t.late_after_min)
                .fold(f64::INFINITY, f64::min),
        }
    }

    /// Every reason the profile would be refused, in words a manager can act on; empty
    /// when it is good.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !crate::channel::is_valid_id(&self.name) {
            problems.push(format!(
                "profile name {:?}: letters, digits, - _ . up to 64",
                self.name
            ));
        }
        problems.extend(self.timers.problem());
        for (order_type, timers) in &self.timers_by_order_type {
            if let Some(problem) = timers.problem() {
                problems.push(format!("{} {problem}", order_type.as_str()));
            }
        }
        for (station, timers) in &self.timers_by_station {
            if !crate::channel::is_valid_id(station) {
                problems.push(format!(
                    "station {station:?}: letters, digits, - _ . up to 64"
                ));
            } else if let Some(problem) = timers.problem() {
                problems.push(format!("station {station} {problem}"));
            }
        }
        if !LANGUAGES.contains(&self.language.as_str()) {
            problems.push(format!(
                "language {:?}: one of {}",
                self.language,
                LANGUAGES.join(", ")
            ));
        }
        if !THEMES.contains(&self.theme.as_str()) {
            problems.push(format!(
                "theme {:?}: one of {}",
                self.theme,
                THEMES.join(", ")
            ));
        }
        if !FONT_SCALE_RANGE.contains(&self.font_scale) {
            problems.push(format!(
                "text size {}: between {} and {}",
                self.font_scale,
                FONT_SCALE_RANGE.start(),
                FONT_SCALE_RANGE.end()
            ));
        }
        if !(0.0..=1.0).contains(&self.volume) {
            problems.push(format!("volume {}: between 0 and 1", self.volume));
        }
        for cue in &self.muted_cues {
            if !CUES.contains(&cue.as_str()) {
                problems.push(format!("muted cue {cue:?}: one of {}", CUES.join(", ")));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ScreenProfile {
        ScreenProfile {
            name: "line".into(),
            timers: Thresholds::default(),
            timers_by_order_type: BTreeMap::new(),
            timers_by_station: BTreeMap::new(),
            language: "en".into(),
            theme: "dark".into(),
            font_scale: 1.0,
            sound_enabled: true,
            volume: 1.0,
            muted_cues: Vec::new(),
        }
    }

    #[test]
    fn a_good_profile_has_no_problems_and_each_bad_field_is_named() {
        assert!(profile().problems().is_empty());
        type Spoil = fn(&mut ScreenProfile);
        let cases: [(Spoil, &str); 9] = [
            (|p| p.name = "two words".into(), "profile name"),
            (|p| p.timers.late_after_min = 1.0, "timers"),
            (|p| p.timers.warn_after_min = f64::NAN, "timers"),
            (|p| p.language = "fr".into(), "language"),
            (|p| p.theme = "pink".into(), "theme"),
            (|p| p.font_scale = 3.0, "text size"),
            (|p| p.muted_cues = vec!["boom".into()], "muted cue"),
            (
                |p| {
                    p.timers_by_order_type.insert(
                        crate::OrderType::DriveThru,
                        Thresholds {
                            warn_after_min: 4.0,
                            late_after_min: 2.0,
                        },
                    );
                },
                "drive-thru timers",
            ),
            (
                |p| {
                    p.timers_by_station
                        .insert("two words".into(), Thresholds::default());
                },
                "station \"two words\"",
            ),
        ];
        for (spoil, expected) in cases {
            let mut bad = profile();
            spoil(&mut bad);
            let problems = bad.problems();
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(problems[0].contains(expected), "{problems:?}");
        }
    }

    #[test]
    fn order_types_are_named_alike_in_files_and_on_the_wire() {
        for order_type in [
            crate::OrderType::DineIn,
            crate::OrderType::Takeout,
            crate::OrderType::Delivery,
            crate::OrderType::Pickup,
            crate::OrderType::DriveThru,
        ] {
            assert_eq!(
                serde_json::to_value(order_type).expect("encode"),
                serde_json::json!(order_type.as_str())
            );
        }
    }

    #[test]
    fn thresholds_read_both_spellings_and_write_camel_case() {
        let from_toml: Thresholds =
            serde_json::from_str(r#"{"warn_after_min":2,"late_after_min":4}"#).expect("snake");
        let from_ui: Thresholds =
            serde_json::from_str(r#"{"warnAfterMin":2,"lateAfterMin":4}"#).expect("camel");
        assert_eq!(from_toml, from_ui);
        assert_eq!(
            serde_json::to_string(&from_ui).expect("encode"),
            r#"{"warnAfterMin":2.0,"lateAfterMin":4.0}"#
        );
    }
}
