//! The SQLite side of [`super::Db`]: statements from the connection's cache, arguments
//! bound borrowed, columns read as [`Cell`]s.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::Connection;

use super::{Cell, StoreError, Value};

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(v),
            Value::TooBig(v) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("{v} is too large to store").into(),
                ))
            }
            Value::Real(v) => ValueRef::Real(v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
            Value::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

pub(super) fn execute(conn: &Connection, sql: &str, values: &[Value]) -> Result<usize, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    Ok(statement.execute(rusqlite::params_from_iter(values))?)
}

/// Calls `each` with every row until it returns `false`.
pub(super) fn query(
    conn: &Connection,
    sql: &str,
    values: &[Value],
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(values))?;
    while let Some(row) = rows.next()? {
        if !each(row)? {
            break;
        }
    }
    Ok(())
}

pub(super) fn cell(row: &rusqlite::Row<'_>, index: usize) -> Result<Cell, StoreError> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(v) => Cell::Int(v),
        ValueRef::Real(v) => Cell::Real(v),
        ValueRef::Text(v) => Cell::Text(
            String::from_utf8(v.to_vec())
                .map_err(|_| StoreError::Column(format!("column {index}: text is not UTF-8")))?,
        ),
        ValueRef::Blob(v) => Cell::Blob(v.to_vec()),
    })
}
