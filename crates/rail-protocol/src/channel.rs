//! Channel names: `location:<id>`, `kds:<station>`, `order:<id>`, `table:<id>`,
//! `session:<id>`, `board:<location id>`, `employee:<id>`.
//!
//! Channel names never carry the restaurant: the hub scopes every channel to the
//! location in the client's token, so `kds:grill` of one restaurant can never be reached
//! with another restaurant's token, whatever name it asks for.

use std::fmt;
use std::str::FromStr;

/// A parsed, validated channel name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Location(String),
    Kds(String),
    Order(String),
    Table(String),
    /// One party's stay at a table: the orders taken while they sat there, and none of
    /// the next party's (a table channel carries every party's).
    Session(String),
    /// The location's pickup board: takeout, pickup and delivery orders preparing or
    /// ready, by number, and nothing else.
    Board(String),
    /// One employee's handheld: their orders ready and served, notifications.
    Employee(String),
}

/// Why a channel name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelError {
    UnknownKind(String),
    BadId(String),
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelError::UnknownKind(name) => write!(
                f,
                "unknown channel {name:?}: expected location:<id>, kds:<station>, order:<id>, table:<id>, session:<id>, board:<id> or employee:<id>"
            ),
            ChannelError::BadId(name) => write!(
                f,
                "bad channel id in {name:?}: 1-64 characters of a-z, A-Z, 0-9, '-', '_' or '.'"
            ),
        }
    }
}

impl std::error::Error for ChannelError {}

/// Ids are used in channel names, URLs and SQL keys: keep them plain.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl FromStr for Channel {
    type Err = ChannelError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let (kind, id) = name
            .split_once(':')
            .ok_or_else(|| ChannelError::UnknownKind(name.to_owned()))?;
        if !is_valid_id(id) {
            return Err(ChannelError::BadId(name.to_owned()));
        }
        let id = id.to_owned();
        match kind {
            "location" => Ok(Channel::Location(id)),
            "kds" => Ok(Channel::Kds(id)),
            "order" => Ok(Channel::Order(id)),
            "table" => Ok(Channel::Table(id)),
            "session" => Ok(Channel::Session(id)),
            "board" => Ok(Channel::Board(id)),
            "employee" => Ok(Channel::Employee(id)),
            _ => Err(ChannelError::UnknownKind(name.to_owned())),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channel::Location(id) => write!(f, "location:{id}"),
            Channel::Kds(id) => write!(f, "kds:{id}"),
            Channel::Order(id) => write!(f, "order:{id}"),
            Channel::Table(id) => write!(f, "table:{id}"),
            Channel::Session(id) => write!(f, "session:{id}"),
            Channel::Board(id) => write!(f, "board:{id}"),
            Channel::Employee(id) => write!(f, "employee:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_kind() {
        for name in [
            "location:loc-1",
            "kds:grill",
            "order:A.17",
            "table:T_5",
            "session:0193c1",
            "board:loc-1",
            "employee:e7",
        ] {
            let channel: Channel = name.parse().expect("valid channel");
            assert_eq!(channel.to_string(), name);
        }
    }

    #[test]
    fn refuses_unknown_kinds_and_bad_ids() {
        assert!(matches!(
            "waiter:1".parse::<Channel>(),
            Err(ChannelError::UnknownKind(_))
        ));
        assert!(matches!(
            "kds".parse::<Channel>(),
            Err(ChannelError::UnknownKind(_))
        ));
        assert!(matches!(
            "kds:".parse::<Channel>(),
            Err(ChannelError::BadId(_))
        ));
        assert!(matches!(
            "kds:gr ill".parse::<Channel>(),
            Err(ChannelError::BadId(_))
        ));
        assert!(matches!(
            "kds:a:b".parse::<Channel>(),
            Err(ChannelError::BadId(_))
        ));
        let long = format!("kds:{}", "x".repeat(65));
        assert!(matches!(
            long.parse::<Channel>(),
            Err(ChannelError::BadId(_))
        ));
    }
}
