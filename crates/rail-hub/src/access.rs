//! What each role may reach: the role × channel matrix, written once. The hub's
//! subscribe check reads it, `docs/protocol.md` shows it (a test keeps the two equal),
//! and the hostile-client tests try every cell of it against a real hub.
//!
//! Every channel is scoped to the token's location before this matrix is asked, so a
//! "yes" never reaches another restaurant. `order:`, `table:` and `session:` channels
//! carry every station's tickets of that order, table or party, and `location:` every kitchen event, so
//! a station screen may watch none of them: a grill screen must not learn fry's
//! tickets through a side door.

use rail_protocol::Channel;

use crate::auth::Role;

/// How far one role reaches into one kind of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Any channel of that kind in the token's location.
    Any,
    /// Only the stations the token lists (`*` lists all).
    ListedStations,
    /// Only the one order the token names (a guest's).
    ItsOrder,
    /// Only the one table session the token names (a guest at a table).
    ItsSession,
    /// Only the employee the token names (a staff handheld's).
    ItsEmployee,
    /// None.
    No,
}

/// The kinds of channel, in the matrix's column order.
pub const CHANNEL_KINDS: [&str; 7] = [
    "kds:<station>",
    "location:<id>",
    "order:<id>",
    "table:<id>",
    "session:<id>",
    "board:<id>",
    "employee:<id>",
];

/// Every role, in the matrix's row order.
pub const ROLES: [Role; 9] = [
    Role::Pos,
    Role::Kds,
    Role::Expo,
    Role::Admin,
    Role::Operator,
    Role::Guest,
    Role::Board,
    Role::Server,
    Role::Staff,
];

/// The matrix: `reach(role)[column]`, columns as in [`CHANNEL_KINDS`].
pub fn reach(role: Role) -> [Reach; 7] {
    use Reach::{Any, ItsEmployee, ItsOrder, ItsSession, ListedStations, No};
    match role {
        // A till follows the orders it posts, and a station only where it is listed.
        Role::Pos => [ListedStations, No, Any, Any, Any, No, No],
        Role::Kds => [ListedStations, No, No, No, No, No, No],
        // Expo runs the pass, not the servers' handhelds.
        Role::Expo => [Any, Any, Any, Any, Any, Any, No],
        Role::Admin | Role::Server => [Any, Any, Any, Any, Any, Any, Any],
        // Monitoring reads /metrics and nothing else.
        Role::Operator => [No, No, No, No, No, No, No],
        // A guest's link opens its own order, or its own party's stay at a table, and
        // nothing of anyone else's.
        Role::Guest => [No, No, ItsOrder, No, ItsSession, No, No],
        // A dining-room screen shows numbers, never a kitchen's tickets.
        Role::Board => [No, No, No, No, No, Any, No],
        // A server's handheld hears of its own orders, not a colleague's.
        Role::Staff => [No, No, No, No, No, No, ItsEmployee],
    }
}

/// The column of `channel` in the matrix.
pub fn column(channel: &Channel) -> usize {
    match channel {
        Channel::Kds(_) => 0,
        Channel::Location(_) => 1,
        Channel::Order(_) => 2,
        Channel::Table(_) => 3,
        Channel::Session(_) => 4,
        Channel::Board(_) => 5,
        Channel::Employee(_) => 6,
    }
}

/// The matrix as the Markdown table `docs/protocol.md` carries.
pub fn markdown() -> String {
    let mut table = format!(
        "| role | {} |\n|---|---|---|---|---|---|---|---|\n",
        CHANNEL_KINDS.join(" | ")
    );
    for role in ROLES {
        let cells: Vec<&str> = reach(role)
            .iter()
            .map(|reach| match reach {
                Reach::Any => "yes",
                Reach::ListedStations => "its stations",
                Reach::ItsOrder => "its order",
                Reach::ItsSession => "its party's",
                Reach::ItsEmployee => "its own",
                Reach::No => "no",
            })
            .collect();
        table.push_str(&format!(
            "| `{}` | {} |\n",
            role.as_str(),
            cells.join(" | ")
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocol_document_shows_this_matrix() {
        let doc = include_str!("../../../docs/protocol.md");
        assert!(
            doc.contains(&markdown()),
            "docs/protocol.md must carry the role × channel matrix exactly as the hub \
             applies it:\n{}",
            markdown()
        );
    }
}
