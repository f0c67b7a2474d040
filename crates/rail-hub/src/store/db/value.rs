//! The values that cross the store's database boundary, in both directions: statement
//! arguments (`ToValue`, `Args`) and column values read back (`Cell`, `FromColumn`).
//! Both engines see the same few kinds — integer, real, text, blob, null — so the
//! store's code reads and binds the same Rust types whichever engine it runs on.

use super::super::StoreError;

/// One statement argument, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Null,
    Int(i64),
    /// An unsigned number past `i64::MAX`: refused when bound.
    TooBig(u64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// Something the store binds as a statement argument.
pub trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
signed!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                i64::try_from(*self).map_or(Value::TooBig(*self as u64), Value::Int)
            }
        }
    )*};
}
unsigned!(u64, usize);

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl ToValue for Value<'_> {
    fn to_value(&self) -> Value<'_> {
        *self
    }
}

/// A statement's arguments: `()`, a tuple, an array or a slice of values.
pub trait Args {
    fn values(&self) -> Vec<Value<'_>>;
}

impl Args for () {
    fn values(&self) -> Vec<Value<'_>> {
        Vec::new()
    }
}

impl<T: ToValue, const N: usize> Args for [T; N] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

impl<T: ToValue> Args for &[T] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

impl<T: ToValue> Args for Vec<T> {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

macro_rules! tuple_args {
    ($($name:ident $index:tt),+) => {
        impl<$($name: ToValue),+> Args for ($($name,)+) {
            fn values(&self) -> Vec<Value<'_>> {
                vec![$(self.$index.to_value()),+]
            }
        }
    };
}
tuple_args!(A 0);
tuple_args!(A 0, B 1);
tuple_args!(A 0, B 1, C 2);
tuple_args!(A 0, B 1, C 2, D 3);
tuple_args!(A 0, B 1, C 2, D 3, E 4);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);

/// A column value as read, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "null",
            Cell::Int(_) => "integer",
            Cell::Real(_) => "real",
            Cell::Text(_) => "text",
            Cell::Blob(_) => "blob",
        }
    }
}

/// A Rust type a column value is read into.
pub trait FromColumn: Sized {
    /// # Errors
    /// When the value is of another kind or out of the type's range.
    fn from_cell(cell: Cell) -> Result<Self, StoreError>;
}

fn mismatch(cell: &Cell, wanted: &str) -> StoreError {
    StoreError::Column(format!("expected {wanted}, found {}", cell.kind()))
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl FromColumn for $t {
            fn from_cell(cell: Cell) -> Result<Self, StoreError> {
                match cell {
                    Cell::Int(v) => <$t>::try_from(v).map_err(|_| {
                        StoreError::Column(format!("{v} is out of range for {}", stringify!($t)))
                    }),
                    other => Err(mismatch(&other, "an integer")),
                }
            }
        }
    )*};
}
integer!(i32, i64, u8, u16, u32, u64, usize);

impl FromColumn for bool {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Int(v) => Ok(v != 0),
            other => Err(mismatch(&other, "a boolean")),
        }
    }
}

impl FromColumn for f64 {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Real(v) => Ok(v),
            #[allow(clippy::cast_precision_loss)] // column values far below 2^52
            Cell::Int(v) => Ok(v as f64),
            other => Err(mismatch(&other, "a number")),
        }
    }
}

impl FromColumn for String {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Text(v) => Ok(v),
            other => Err(mismatch(&other, "text")),
        }
    }
}

impl FromColumn for Vec<u8> {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Blob(v) => Ok(v),
            other => Err(mismatch(&other, "a blob")),
        }
    }
}

impl<T: FromColumn> FromColumn for Option<T> {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

impl FromColumn for Cell {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        Ok(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_out_of_range_are_errors_not_wrapped() {
        assert!(u16::from_cell(Cell::Int(70_000)).is_err());
        assert!(u64::from_cell(Cell::Int(-1)).is_err());
        assert_eq!(u64::from_cell(Cell::Int(7)).ok(), Some(7));
        assert!(matches!(u64::MAX.to_value(), Value::TooBig(_)));
    }

    #[test]
    fn null_reads_as_none_and_a_wrong_kind_is_named() {
        assert_eq!(Option::<String>::from_cell(Cell::Null).ok(), Some(None));
        let error = String::from_cell(Cell::Int(1)).expect_err("integer as text");
        assert_eq!(
            error.to_string(),
            "stored column: expected text, found integer"
        );
    }
}
