//! Routing rules: which station cooks an item.
//!
//! An item names its station outright, or is routed by its name, then its category;
//! expo needs no rule because it watches the whole location.

use std::collections::HashMap;

use rail_protocol::NewOrderItem;
use serde::{Deserialize, Serialize};

/// Item → station rules. Names and categories match case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Routes {
    pub by_item: HashMap<String, String>,
    pub by_category: HashMap<String, String>,
    /// Where items no rule matches go; `None` refuses them.
    pub default_station: Option<String>,
}

impl Default for Routes {
    /// A typical four-station kitchen plus a bar.
    fn default() -> Self {
        let by_category = [
            ("burgers", "grill"),
            ("steaks", "grill"),
            ("grill", "grill"),
            ("fries", "fry"),
            ("fried", "fry"),
            ("sides", "fry"),
            ("pasta", "saute"),
            ("saute", "saute"),
            ("mains", "saute"),
            ("salads", "salad"),
            ("cold", "salad"),
            ("desserts", "salad"),
            ("drinks", "bar"),
        ]
        .into_iter()
        .map(|(category, station)| (category.to_owned(), station.to_owned()))
        .collect();
        Routes {
            by_item: HashMap::new(),
            by_category,
            default_station: None,
        }
    }
}

impl Routes {
    /// The station for `item`, if any rule gives one.
    pub fn station_for(&self, item: &NewOrderItem) -> Option<String> {
        if let Some(station) = &item.station {
            return Some(station.clone());
        }
        let lookup = |map: &HashMap<String, String>, key: &str| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        lookup(&self.by_item, &item.name)
            .or_else(|| {
                item.category
                    .as_deref()
                    .and_then(|c| lookup(&self.by_category, c))
            })
            .or_else(|| self.default_station.clone())
    }
}
