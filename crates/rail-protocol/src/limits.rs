//! What a POS may post: the hub enforces these, and the OpenAPI schemas state them, so
//! an integrator's request is refused by the document before the kitchen.

/// Items in one order.
pub const MAX_ITEMS: usize = 200;
/// Characters in any text: order number, item name, modifier, note, table…
pub const MAX_TEXT: usize = 200;
/// Quantity of one line.
pub const MAX_QTY: u32 = 999;
/// Highest course number.
pub const MAX_COURSE: u32 = 20;
/// Highest seat number at a table.
pub const MAX_SEAT: u32 = 99;
/// Longest prep time an item may take, in seconds (a day).
pub const MAX_PREP_SECS: u32 = 86_400;
/// Ids (orders, items, stations, tables as channels): as [`crate::channel::is_valid_id`]
/// checks them.
pub const ID_PATTERN: &str = "^[A-Za-z0-9._-]{1,64}$";
/// Text must hold something other than spaces.
pub const TEXT_PATTERN: &str = r"\S";
