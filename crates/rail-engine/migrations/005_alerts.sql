-- Delivery alerts the hub raised (`kds:ticket-undelivered`) and not yet cleared
-- (`kds:ticket-delivered`), for the expo view: a station's screens do not have a ticket.
CREATE TABLE alerts (
    ticket_id TEXT PRIMARY KEY,
    body      TEXT NOT NULL
);
