//! The one database handle every SQL store holds: the embedded SQLite file, or a PostgreSQL
//! shared by several instances.
//!
//! The stores write each statement once, with `$1`-style parameters that both drivers accept,
//! and run it through [`on_db!`], which compiles the same code against each pool. The few
//! places where the two SQL dialects differ ask [`Db::dialect`].

use sqlx::{PgPool, SqlitePool};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }
}

impl Dialect {
    /// The position of `needle` in `haystack` (1-based; 0 when absent): SQLite's `instr`,
    /// PostgreSQL's `strpos`.
    pub fn position_function(self) -> &'static str {
        match self {
            Dialect::Sqlite => "instr",
            Dialect::Postgres => "strpos",
        }
    }

    /// A column that orders rows of one table as they were inserted.
    pub fn insertion_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "rowid",
            Dialect::Postgres => "seq",
        }
    }
}

/// Runs `$body` with `$pool` bound to whichever pool `$db` holds. The body is compiled once
/// per driver, so it may build queries, bind values and decode rows as usual.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::storage::db::Db::Sqlite($pool) => $body,
            $crate::storage::db::Db::Postgres($pool) => $body,
        }
    };
}
