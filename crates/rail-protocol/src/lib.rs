//! Rail's wire protocol, declared once.
//!
//! Every shape that crosses a process boundary lives here: tickets and orders (REST
//! bodies), the WebSocket messages of `/api/socket`, channel names and error codes. The
//! hub, the screen engine and (through ts-rs generated bindings in
//! `ui/src/lib/bindings/`) the UI all use these types, so they cannot drift apart.
//! This crate does no I/O.

pub mod channel;
pub mod limits;
pub mod messages;
pub mod order;
pub mod problem;
pub mod ticket;

pub use channel::{Channel, ChannelError};
pub use messages::{
    ClientMessage, Control, Cursor, Envelope, ErrorCode, Event, Recovery, ServerMessage, Snapshot,
    TicketEvent,
};
pub use order::{
    AddItems, FireCourse, NewOrder, NewOrderItem, Order, OrderCreated, OrderItem, OrderPatch,
    OrderStatus, OrderStatusChanged, StatusChange,
};
pub use problem::Problem;
pub use ticket::{
    ActionOutcome, ActionResult, ItemStatus, OrderType, Ticket, TicketItem, TicketStatus,
};

/// WebSocket close codes the hub uses, and what a client should do on each.
pub mod close_code {
    /// The hub is shutting down or restarting: reconnect soon.
    pub const GOING_AWAY: u16 = 1001;
    /// Authentication or authorisation failed: a retry with the same token will fail too.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame was larger than the hub accepts.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The hub failed internally: reconnect with backoff.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// The client could not keep up with its channels (its outbound queue filled):
    /// reconnect and resume from the last sequence it applied.
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

/// Path of the hub's WebSocket endpoint (seed 001).
pub const SOCKET_PATH: &str = "/api/socket";
/// Header carrying a client-chosen key that makes a REST mutation idempotent.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
