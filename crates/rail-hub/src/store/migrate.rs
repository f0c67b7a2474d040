//! Schema migrations, numbered alike for both engines: migration N brings a SQLite file
//! and a PostgreSQL database to the same tables. SQLite records the number applied in
//! `user_version`; PostgreSQL in `rail_schema`, under an advisory lock so that hubs
//! starting together on one new database migrate it once.

use super::{Db, StoreError};

const SQLITE: &[&str] = &[
    include_str!("../../migrations/sqlite/001_init.sql"),
    include_str!("../../migrations/sqlite/002_tickets_by_order.sql"),
    include_str!("../../migrations/sqlite/003_devices.sql"),
    include_str!("../../migrations/sqlite/004_admin.sql"),
    include_str!("../../migrations/sqlite/005_kitchen_setup.sql"),
    include_str!("../../migrations/sqlite/006_profiles.sql"),
    include_str!("../../migrations/sqlite/007_schedule.sql"),
    include_str!("../../migrations/sqlite/008_service_record.sql"),
    include_str!("../../migrations/sqlite/009_guest_links.sql"),
    include_str!("../../migrations/sqlite/010_board.sql"),
    include_str!("../../migrations/sqlite/011_table_sessions.sql"),
    include_str!("../../migrations/sqlite/012_event_log_layout.sql"),
    include_str!("../../migrations/sqlite/013_deliveries.sql"),
];

const POSTGRES: &[&str] = &[
    include_str!("../../migrations/postgres/001_init.sql"),
    include_str!("../../migrations/postgres/002_tickets_by_order.sql"),
    include_str!("../../migrations/postgres/003_devices.sql"),
    include_str!("../../migrations/postgres/004_admin.sql"),
    include_str!("../../migrations/postgres/005_kitchen_setup.sql"),
    include_str!("../../migrations/postgres/006_profiles.sql"),
    include_str!("../../migrations/postgres/007_schedule.sql"),
    include_str!("../../migrations/postgres/008_service_record.sql"),
    include_str!("../../migrations/postgres/009_guest_links.sql"),
    include_str!("../../migrations/postgres/010_board.sql"),
    include_str!("../../migrations/postgres/011_table_sessions.sql"),
    include_str!("../../migrations/postgres/012_event_log_layout.sql"),
    include_str!("../../migrations/postgres/013_deliveries.sql"),
];

// Every change to the schema is made for both engines.
const _: () = assert!(SQLITE.len() == POSTGRES.len());

/// A number no other code takes PostgreSQL's advisory lock with.
const MIGRATION_LOCK: i64 = 0x5241_494c; // "RAIL"

pub(super) fn migrate(db: &Db) -> Result<(), StoreError> {
    match db.as_sqlite() {
        Some(conn) => sqlite(conn),
        None => postgres(db),
    }
}

fn sqlite(conn: &rusqlite::Connection) -> Result<(), StoreError> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in SQLITE.iter().enumerate().skip(applied) {
        let tx =
            rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn postgres(db: &Db) -> Result<(), StoreError> {
    let tx = db.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock(?1)", [MIGRATION_LOCK])?;
    // Asked first, not `CREATE TABLE IF NOT EXISTS`: the server's notice that the
    // table exists would be printed by every `rail-hub token`.
    let versioned: bool =
        tx.query_row("SELECT to_regclass('rail_schema') IS NOT NULL", (), |row| {
            row.get(0)
        })?;
    if !versioned {
        tx.execute_batch("CREATE TABLE rail_schema (version BIGINT NOT NULL)")?;
    }
    let applied: Option<usize> =
        tx.query_opt("SELECT version FROM rail_schema", (), |row| row.get(0))?;
    if applied.is_none() {
        tx.execute("INSERT INTO rail_schema (version) VALUES (0)", ())?;
    }
    for (index, sql) in POSTGRES.iter().enumerate().skip(applied.unwrap_or(0)) {
        tx.execute_batch(sql)?;
        tx.execute("UPDATE rail_schema SET version = ?1", [index + 1])?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hub's file from before the event log was laid out anew keeps every event and
    /// every channel's position, and the tables take their new layout.
    #[test]
    fn the_event_log_survives_its_new_layout() {
        let conn = rusqlite::Connection::open_in_memory().expect("connection");
        for (index, sql) in SQLITE.iter().enumerate().take(11) {
            conn.execute_batch(sql).expect("an earlier migration");
            conn.pragma_update(None, "user_version", index + 1)
                .expect("version");
        }
        conn.execute_batch(
            "INSERT INTO channels (location_id, channel, last_seq) VALUES
                 ('bistro', 'kds:grill', 2), ('bistro', 'order:7', 1);
             INSERT INTO events (location_id, channel, seq, ts_ms, frame) VALUES
                 ('bistro', 'kds:grill', 1, 10, '{\"a\":1}'),
                 ('bistro', 'kds:grill', 2, 20, '{\"a\":2}'),
                 ('bistro', 'order:7', 1, 20, '{\"b\":1}');",
        )
        .expect("an earlier hub's events");

        sqlite(&conn).expect("migrated");

        let version: usize = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("version");
        assert_eq!(version, SQLITE.len());
        let events: Vec<(String, i64, i64, String)> = conn
            .prepare("SELECT channel, seq, ts_ms, frame FROM events ORDER BY rowid")
            .and_then(|mut s| {
                s.query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                    .collect()
            })
            .expect("events, by rowid");
        assert_eq!(
            events,
            vec![
                ("kds:grill".into(), 1, 10, "{\"a\":1}".into()),
                ("kds:grill".into(), 2, 20, "{\"a\":2}".into()),
                ("order:7".into(), 1, 20, "{\"b\":1}".into()),
            ]
        );
        let positions: Vec<(String, i64)> = conn
            .prepare("SELECT channel, last_seq FROM channels ORDER BY channel")
            .and_then(|mut s| s.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .expect("channels");
        assert_eq!(
            positions,
            vec![("kds:grill".into(), 2), ("order:7".into(), 1)]
        );
        // WITHOUT ROWID: the key is the table.
        assert!(conn.prepare("SELECT rowid FROM channels").is_err());
        // A second event at a taken position is still refused.
        let taken = conn.execute(
            "INSERT INTO events (location_id, channel, seq, ts_ms, frame)
             VALUES ('bistro', 'kds:grill', 2, 30, 'x')",
            (),
        );
        assert!(taken.is_err());
        let indexes: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events'")
            .and_then(|mut s| s.query_map((), |r| r.get(0))?.collect())
            .expect("indexes");
        assert!(
            indexes.iter().any(|name| name == "events_by_age"),
            "{indexes:?}"
        );
    }
}
