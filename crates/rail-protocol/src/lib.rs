//! Rail's wire protocol, declared once.
//!
//! Every shape that crosses a process boundary lives here: tickets and orders (REST
//! bodies), the WebSocket messages of `/api/socket`, channel names and error codes. The
//! hub, the screen engine and (through ts-rs generated bindings in
//! `ui/src/lib/bindings/`) the UI all use these types, so they cannot drift apart.
//! [`error_text`] puts an error and its causes into the one line a problem detail,
//! an error envelope or a log carries. This crate does no I/O.

pub mod admin;
pub mod channel;
pub mod delivery;
pub mod device;
pub mod discovery;
pub mod error_text;
pub mod guest;
pub mod limits;
pub mod messages;
pub mod order;
pub mod pickup;
pub mod platform;
pub mod problem;
pub mod profile;
pub mod report;
pub mod ticket;

pub use admin::{AdminSession, AuditEntry, FirstSetup, KitchenSetup, Login, SetupState};
pub use channel::{Channel, ChannelError};
pub use delivery::{DeliveryAlert, ScreenReceipt, TicketDelivery};
pub use device::{
    AccessToken, ChannelPosition, Device, DeviceCredentials, DevicePatch, PairApproval,
    PairRequest, PairStatus, PairTicket, PendingPair, Role, TokenRequest,
};
pub use guest::{GuestAccess, GuestLink, TableSession};
pub use messages::{
    ClientMessage, Control, Cursor, Envelope, ErrorCode, Event, Recovery, ServerMessage, Snapshot,
    TicketEvent,
};
pub use order::{
    AddItems, FireCourse, NewOrder, NewOrderItem, Order, OrderCreated, OrderItem, OrderPatch,
    OrderStatus, OrderStatusChanged, StatusChange,
};
pub use pickup::{BoardEntry, BoardStatus};
pub use platform::PlatformEvent;
pub use problem::Problem;
pub use profile::{ScreenProfile, Thresholds};
pub use report::{
    RecordEntry, RecordTimeline, RecordedBoard, ServeFigures, ServiceReport, StationFigures,
    StationThreshold, TicketFigures, TodaySummary,
};
pub use ticket::{
    ActionOutcome, ActionResult, ItemBump, ItemRecall, ItemStatus, OrderSource, OrderType,
    SourceChannel, Ticket, TicketItem, TicketStatus,
};

/// WebSocket close codes the hub uses, and what a client should do on each.
pub mod close_code {
    /// The hub is shutting down or restarting: reconnect soon.
    pub const GOING_AWAY: u16 = 1001;
    /// Authentication or authorisation failed: a retry with the same token will fail too.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A text frame was not valid UTF-8.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// A frame was larger than the hub accepts.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The hub failed internally: reconnect with backoff.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// The device's role or stations changed: reconnect with a fresh access token.
    pub const SERVICE_RESTART: u16 = 1012;
    /// The client could not keep up with its channels (its outbound queue filled):
    /// reconnect and resume from the last sequence it applied.
    pub const TRY_AGAIN_LATER: u16 = 1013;

    /// The reason of the 1008 that ends a removed (revoked) device's sockets, and of
    /// the refusal of its tokens: the client stops retrying and asks to be paired.
    pub const DEVICE_REMOVED: &str = "this device was removed from the hub";

    /// A close frame's payload is at most 125 bytes, two of them the code (RFC 6455
    /// §5.5): a longer reason makes the frame invalid and the client sees a dropped
    /// connection instead of the code.
    pub const MAX_REASON_BYTES: usize = 123;

    /// `reason` cut to [`MAX_REASON_BYTES`] at a character boundary.
    pub fn fit_reason(reason: &str) -> &str {
        if reason.len() <= MAX_REASON_BYTES {
            return reason;
        }
        let mut end = MAX_REASON_BYTES;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        &reason[..end]
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn reasons_fit_a_close_frame_and_stay_text() {
            assert_eq!(fit_reason("token expired"), "token expired");
            let long = "é".repeat(100);
            let cut = fit_reason(&long);
            assert!(cut.len() <= MAX_REASON_BYTES && cut.len() >= MAX_REASON_BYTES - 1);
            assert!(cut.chars().all(|c| c == 'é'));
        }
    }
}

/// Path of the hub's WebSocket endpoint.
pub const SOCKET_PATH: &str = "/api/socket";
/// Header carrying a client-chosen key that makes a REST mutation idempotent.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
