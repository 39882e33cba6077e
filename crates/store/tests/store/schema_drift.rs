//! `schema.rs` against the whole schema the migrations create, on each backend: every table and
//! column the migrations make is declared with a compatible type and the same nullability, and
//! everything declared exists. No list of tables is kept by hand: a table added to the
//! migrations and forgotten in `schema.rs` (or the reverse) fails here.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::Text;
use helpdesk_store::AnyConnection;
use helpdesk_test_support::db_test;

/// Columns the migrations create that `schema.rs` leaves out on purpose, with why: the
/// database writes them itself and only raw SQL reads them.
const UNDECLARED: &[(&str, &str, &str)] = &[
    ("cases", "change_seq", EXPORT),
    ("contacts", "change_seq", EXPORT),
    ("organizations", "change_seq", EXPORT),
    ("stream_entries", "change_seq", EXPORT),
    ("cases", "search_vector", SEARCH),
    ("contacts", "search_vector", SEARCH),
    ("organizations", "search_vector", SEARCH),
    ("stream_entries", "search_vector", SEARCH),
    ("kb_articles", "search_vector", SEARCH),
];

/// Tables the same way: SQLite's counter behind `change_seq`.
const UNDECLARED_TABLES: &[(&str, &str)] = &[("change_counter", EXPORT)];

const EXPORT: &str = "stamped by a trigger; the incremental export reads it (store/src/export.rs)";
const SEARCH: &str =
    "PostgreSQL's generated tsvector; full-text search reads it (store/src/search.rs)";

/// A column as declared or as found: its type and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    ty: String,
    nullable: bool,
}

type Tables = BTreeMap<String, BTreeMap<String, Column>>;

/// The tables of `schema.rs`, read from its `diesel::table!` blocks.
fn declared() -> Tables {
    let src = include_str!("../../src/schema.rs");
    let mut tables = Tables::new();
    let mut current: Option<String> = None;
    for line in src.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix('{').map(str::trim) {
            if let Some((table, _pk)) = name.split_once(" (") {
                current = Some(table.trim().to_owned());
                tables.entry(table.trim().to_owned()).or_default();
            }
            continue;
        }
        if line == "}" {
            current = None;
            continue;
        }
        let (Some(table), Some((col, ty))) = (&current, line.split_once(" -> ")) else {
            continue;
        };
        let ty = ty.trim_end_matches(',');
        let (ty, nullable) = match ty
            .strip_prefix("Nullable<")
            .and_then(|t| t.strip_suffix('>'))
        {
            Some(inner) => (inner, true),
            None => (ty, false),
        };
        tables.get_mut(table).unwrap().insert(
            col.trim().to_owned(),
            Column {
                ty: ty.to_owned(),
                nullable,
            },
        );
    }
    tables
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

/// The tables the migrations made, from the database's own catalog. SQLite's full-text indexes
/// (virtual tables and their shadow tables) are the search's, read by raw SQL, and left out.
fn migrated(conn: &mut AnyConnection) -> Tables {
    let rows: Vec<Found> = match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                    c.data_type::text AS data_type, c.is_nullable::text AS is_nullable \
             FROM information_schema.columns c \
             JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
               AND c.table_name <> '__diesel_schema_migrations'",
        )
        .load(c)
        .unwrap(),
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
                    CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 'NO' ELSE 'YES' END AS is_nullable \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
               AND m.name <> '__diesel_schema_migrations' \
               AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
               AND NOT EXISTS (SELECT 1 FROM sqlite_master v \
                               WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' \
                                 AND m.name LIKE v.name || '\\_%' ESCAPE '\\')",
        )
        .load(c)
        .unwrap(),
    };
    let mut tables = Tables::new();
    for r in rows {
        tables.entry(r.table_name).or_default().insert(
            r.column_name,
            Column {
                ty: r.data_type,
                nullable: r.is_nullable == "YES",
            },
        );
    }
    tables
}

/// Whether a column of `found` type holds what diesel's `declared` type reads and writes.
fn compatible(declared: &str, found: &str, postgres: bool) -> bool {
    let found = found.to_ascii_lowercase();
    if postgres {
        return match declared {
            "BigInt" => found == "bigint",
            "Integer" => found == "integer",
            "Bool" => found == "boolean",
            "Text" => found == "text" || found == "character varying",
            "Timestamp" => found == "timestamp without time zone",
            "Date" => found == "date",
            _ => false,
        };
    }
    // SQLite keeps any value in any column; the declared type is what diesel must agree with.
    match declared {
        "BigInt" | "Integer" => found.contains("int"),
        "Bool" => found.contains("bool") || found.contains("int"),
        "Text" => found.contains("text") || found.contains("char") || found.contains("clob"),
        "Timestamp" => found.contains("timestamp") || found.contains("datetime"),
        "Date" => found == "date",
        _ => false,
    }
}

db_test!(fn schema_rs_matches_the_migrated_schema(t) {
    let mut conn = t.db.conn().unwrap();
    let postgres = matches!(&mut **conn, AnyConnection::Postgresql(_));
    let declared = declared();
    let migrated = migrated(&mut conn);
    assert!(declared.len() > 40, "schema.rs was read: {} tables", declared.len());
    assert!(migrated.len() > 40, "the catalog was read: {} tables", migrated.len());

    let mut problems = Vec::new();
    let excused = |t: &str| UNDECLARED_TABLES.iter().any(|(name, _why)| *name == t);
    for table in migrated.keys().filter(|t| !declared.contains_key(*t) && !excused(t)) {
        problems.push(format!("table {table} is created by the migrations but not in schema.rs"));
    }
    for table in declared.keys().filter(|t| !migrated.contains_key(*t)) {
        problems.push(format!("table {table} is in schema.rs but no migration creates it"));
    }
    for (table, columns) in &declared {
        let Some(found) = migrated.get(table) else { continue };
        for (name, want) in columns {
            match found.get(name) {
                None => problems.push(format!("{table}.{name} is in schema.rs but not in the database")),
                Some(have) => {
                    if !compatible(&want.ty, &have.ty, postgres) {
                        problems.push(format!("{table}.{name}: schema.rs says {}, the database {}", want.ty, have.ty));
                    }
                    if want.nullable != have.nullable {
                        problems.push(format!(
                            "{table}.{name}: schema.rs says {}, the database {}",
                            if want.nullable { "nullable" } else { "NOT NULL" },
                            if have.nullable { "nullable" } else { "NOT NULL" },
                        ));
                    }
                }
            }
        }
        for name in found.keys().filter(|n| !columns.contains_key(*n)) {
            let excused = UNDECLARED.iter().any(|(t, c, _why)| t == table && c == name);
            if !excused {
                problems.push(format!("{table}.{name} is in the database but not in schema.rs"));
            }
        }
    }
    assert!(problems.is_empty(), "schema.rs has drifted from the migrations:\n{}", problems.join("\n"));
});
