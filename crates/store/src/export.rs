//! The change sequence behind the incremental export (see the `change_sequence` migration).

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::AnyConnection;
use crate::StoreError;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTable {
    Cases,
    Contacts,
    Organizations,
    StreamEntries,
}

impl ExportTable {
    fn name(self) -> &'static str {
        match self {
            ExportTable::Cases => "cases",
            ExportTable::Contacts => "contacts",
            ExportTable::Organizations => "organizations",
            ExportTable::StreamEntries => "stream_entries",
        }
    }
}

/// A position in the change sequence: after the change `seq` of row `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub seq: i64,
    pub id: i64,
}

#[derive(QueryableByName)]
struct Changed {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    change_seq: i64,
}

/// Rows changed after `after`, in change order, at most `limit`. On PostgreSQL only changes of
/// transactions older than every running one are returned, so nothing can later appear before
/// the last row returned.
pub fn changed_after(
    conn: &mut AnyConnection,
    table: ExportTable,
    after: Position,
    limit: i64,
) -> Result<Vec<(i64, Position)>, StoreError> {
    let t = table.name();
    let rows: Vec<Changed> = match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(format!(
            "SELECT id, change_seq FROM {t} \
             WHERE change_seq < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
             AND (change_seq, id) > ($1, $2) ORDER BY change_seq, id LIMIT $3"
        ))
        .bind::<BigInt, _>(after.seq)
        .bind::<BigInt, _>(after.id)
        .bind::<BigInt, _>(limit)
        .load(c)?,
        AnyConnection::Sqlite(c) => diesel::sql_query(format!(
            "SELECT id, change_seq FROM {t} \
             WHERE change_seq > ?1 OR (change_seq = ?1 AND id > ?2) \
             ORDER BY change_seq, id LIMIT ?3"
        ))
        .bind::<BigInt, _>(after.seq)
        .bind::<BigInt, _>(after.id)
        .bind::<BigInt, _>(limit)
        .load(c)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                Position {
                    seq: r.change_seq,
                    id: r.id,
                },
            )
        })
        .collect())
}
