//! The PostgreSQL side of [`super::Db`], on the `postgres` crate (tokio-postgres with
//! a blocking face, which suits the store: its writer is a thread of its own).
//!
//! A statement is prepared once per connection, its `?N` placeholders rewritten to
//! `$N`. Arguments are converted to the type the server inferred for each parameter,
//! so the store binds the same Rust values on both engines. A lost connection is
//! opened again on the next call; until the server answers, calls fail with
//! [`StoreError::Unavailable`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as StdError;

use ::postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use ::postgres::{Client, Statement};
use bytes::BytesMut;

use super::postgres_tls::Target;
use super::{Cell, StoreError, Value};

pub(super) struct Pg {
    target: Target,
    /// Lent to the thread that runs a call (see [`off_runtime`]), then put back.
    client: RefCell<Option<Client>>,
    statements: RefCell<Statements>,
}

type Statements = HashMap<String, Statement>;

impl Pg {
    pub(super) fn connect(url: &str) -> Result<Self, StoreError> {
        let target = Target::parse(url)?;
        let client = off_runtime(|| target.connect()).map_err(unavailable)?;
        Ok(Pg {
            target,
            client: RefCell::new(Some(client)),
            statements: RefCell::new(HashMap::new()),
        })
    }

    /// Runs `op` on a live client, connecting again first if the last one was lost.
    fn with_client<T: Send>(
        &self,
        op: impl FnOnce(&mut Client, &mut Statements) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        let client = self.client.borrow_mut().take();
        let statements = std::mem::take(&mut *self.statements.borrow_mut());
        let target = &self.target;
        let (result, client, statements) = off_runtime(move || {
            let (mut client, mut statements) = match client {
                Some(client) if !client.is_closed() => (client, statements),
                _ => match target.connect() {
                    Ok(client) => (client, Statements::new()),
                    Err(error) => return (Err(unavailable(error)), None, Statements::new()),
                },
            };
            let result = op(&mut client, &mut statements).map_err(|error| match error {
                StoreError::Postgres(error) if connection_lost(&error) => unavailable(error),
                StoreError::Postgres(error) if contention(&error) => {
                    StoreError::Busy(describe(&error))
                }
                other => other,
            });
            (result, Some(client), statements)
        });
        *self.client.borrow_mut() = client;
        *self.statements.borrow_mut() = statements;
        result
    }

    pub(super) fn execute(&self, sql: &str, values: &[Value]) -> Result<usize, StoreError> {
        self.with_client(|client, statements| {
            let statement = prepared(client, statements, sql)?;
            let changed = client.execute(&statement, &arguments(values))?;
            Ok(usize::try_from(changed).unwrap_or(usize::MAX))
        })
    }

    pub(super) fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        self.with_client(|client, _| Ok(client.batch_execute(sql)?))
    }

    pub(super) fn query(
        &self,
        sql: &str,
        values: &[Value],
    ) -> Result<Vec<::postgres::Row>, StoreError> {
        self.with_client(|client, statements| {
            let statement = prepared(client, statements, sql)?;
            Ok(client.query(&statement, &arguments(values))?)
        })
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // Closing the client blocks on its runtime too, which may not happen on a
        // thread running tasks.
        if let Some(client) = self.client.get_mut().take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::Builder::new()
                    .name("pg-close".into())
                    .spawn(move || drop(client));
            }
        }
    }
}

/// The server's own words for a failed statement (the client's `Display` says only
/// "db error").
pub(crate) fn describe(error: &::postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

/// Whether `error` says the server is gone or going (the connection closed, a socket
/// error, the server shutting down or starting up), not that a statement was wrong.
fn connection_lost(error: &::postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    if let Some(code) = error.code() {
        // 08: connection exception; 57P: the server is shutting down or starting.
        return code.code().starts_with("08") || code.code().starts_with("57P");
    }
    let mut source = StdError::source(error);
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// A deadlock or serialisation failure: the server broke it by failing this
/// statement; the same change succeeds when tried again.
fn contention(error: &::postgres::Error) -> bool {
    error
        .code()
        .is_some_and(|code| matches!(code.code(), "40P01" | "40001" | "55P03"))
}

/// The server's words when it refused; otherwise the error with its causes (the
/// client's own text for a failed TLS handshake or connection does not say why).
fn unavailable(error: ::postgres::Error) -> StoreError {
    if error.as_db_error().is_some() {
        return StoreError::Unavailable(describe(&error));
    }
    StoreError::Unavailable(rail_protocol::error_text::with_causes(&error))
}

fn prepared(
    client: &mut Client,
    statements: &mut Statements,
    sql: &str,
) -> Result<Statement, StoreError> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare(&placeholders(sql))?;
    statements.insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

fn arguments<'a>(values: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// The postgres client blocks on a runtime of its own, which tokio forbids on a thread
/// that is running tasks: on a worker of a multi-threaded runtime the call is moved off
/// the worker for its duration; on a single-threaded runtime (tests) it runs on a
/// thread of its own.
fn off_runtime<T: Send>(op: impl FnOnce() -> T + Send) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(op),
        Ok(_) => std::thread::scope(|scope| {
            scope
                .spawn(op)
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Err(_) => op(),
    }
}

/// `?1` → `$1` (and a bare `?` → the next number), outside quoted strings.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    let mut next = 1;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                        out.push(digit);
                    }
                } else {
                    out.push_str(&next.to_string());
                    next += 1;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

pub(super) fn cell(row: &::postgres::Row, index: usize) -> Result<Cell, StoreError> {
    let Some(column) = row.columns().get(index) else {
        return Err(StoreError::Column(format!("no column {index}")));
    };
    let ty = column.type_().clone();
    let int = |v: Option<i64>| v.map_or(Cell::Null, Cell::Int);
    Ok(match ty {
        Type::INT8 => int(row.try_get::<_, Option<i64>>(index)?),
        Type::INT4 => int(row.try_get::<_, Option<i32>>(index)?.map(i64::from)),
        Type::INT2 => int(row.try_get::<_, Option<i16>>(index)?.map(i64::from)),
        Type::BOOL => int(row.try_get::<_, Option<bool>>(index)?.map(i64::from)),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(index)?
            .map_or(Cell::Null, Cell::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(index)?
            .map_or(Cell::Null, |v| Cell::Real(f64::from(v))),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(index)?
            .map_or(Cell::Null, Cell::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => row
            .try_get::<_, Option<String>>(index)?
            .map_or(Cell::Null, Cell::Text),
        other => {
            return Err(StoreError::Column(format!(
                "column {index} ({}) has type {other}, which the store does not read",
                column.name()
            )))
        }
    })
}

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                #[allow(clippy::cast_precision_loss)] // stored integers are far below 2^52
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                _ if <&str as ToSql>::accepts(ty) => v.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("an integer cannot be bound to a {ty} parameter").into()),
            },
            Value::TooBig(v) => Err(format!("{v} is too large to store").into()),
            Value::Real(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                _ => Err(format!("a real number cannot be bound to a {ty} parameter").into()),
            },
            Value::Text(v) if <&str as ToSql>::accepts(ty) => v.to_sql(ty, out),
            Value::Text(_) => Err(format!("text cannot be bound to a {ty} parameter").into()),
            Value::Blob(v) if <&[u8] as ToSql>::accepts(ty) => v.to_sql(ty, out),
            Value::Blob(_) => Err(format!("bytes cannot be bound to a {ty} parameter").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?2 AND c = '?' AND d = ?1"),
            "SELECT a FROM t WHERE b = $2 AND c = '?' AND d = $1"
        );
        assert_eq!(placeholders("VALUES (?, ?)"), "VALUES ($1, $2)");
    }
}
