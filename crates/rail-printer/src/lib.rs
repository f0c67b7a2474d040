//! The printer door: what a POS prints to a kitchen printer, read as orders.
//!
//! [`escpos`] decodes the printer's byte stream into printed lines, cuts and status
//! answers; [`codepage`] maps the bytes of its text to characters; [`chit`] collects
//! the lines between cuts; [`layout`] reads a chit's lines (order number, table,
//! items, modifiers, void or add-on headers) with configurable rules; [`print`] writes
//! a chit for a real printer (the hub's fallback when no screen has a ticket). The hub
//! owns the sockets and turns what is read here into orders.

pub mod chit;
pub mod codepage;
pub mod escpos;
pub mod layout;
pub mod print;
