//! Input checks: what a POS posts is refused, with a reason, before anything is
//! written. The limits are `rail_protocol::limits`, which the OpenAPI schemas state.

use rail_protocol::channel::is_valid_id;
use rail_protocol::{ItemStatus, NewOrderItem, OrderItem};

use crate::routing::Routes;
use crate::store::StoreError;

// Limits on what a POS may post, so one bad request cannot bloat every screen (the
// OpenAPI schemas state the same ones).
use rail_protocol::limits::{MAX_COURSE, MAX_ITEMS, MAX_PREP_SECS, MAX_QTY, MAX_SEAT, MAX_TEXT};

pub(crate) fn check_text(what: &str, value: &str) -> Result<(), StoreError> {
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

pub(super) fn check_optional_text(what: &str, value: Option<&String>) -> Result<(), StoreError> {
    value.map_or(Ok(()), |v| check_text(what, v))
}

/// Validates posted items and routes each to a station.
pub(super) fn new_items(
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
        if item.prep_secs.is_some_and(|secs| secs > MAX_PREP_SECS) {
            return Err(StoreError::Invalid(format!(
                "item {:?}: prep time must be at most {MAX_PREP_SECS} seconds",
                item.name
            )));
        }
        if item.seat.is_some_and(|seat| seat == 0 || seat > MAX_SEAT) {
            return Err(StoreError::Invalid(format!(
                "item {:?}: seat must be between 1 and {MAX_SEAT}",
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
            prep_secs: item.prep_secs,
            seat: item.seat,
        });
    }
    Ok(made)
}
