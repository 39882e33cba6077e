//! The incremental export (agents, admins and API tokens with `read`): pages of records in
//! change order, read from one snapshot, with a cursor that never skips a change.

use helpdesk_api_types::export::{
    CaseExportPage, ContactExportPage, ExportQuery, OrganizationExportPage, StreamEntryExportPage,
};
use helpdesk_store::export::{changed_after, ExportTable, Position};
use helpdesk_store::{cases as case_store, crm as crm_store, AnyConnection};

use crate::{Actor, AppError, Services};

pub const DEFAULT_EXPORT_PAGE: i64 = 100;
pub const MAX_EXPORT_PAGE: i64 = 1000;

fn parse_cursor(cursor: Option<&str>) -> Result<Position, AppError> {
    let bad = || AppError::field("cursor", "is not a cursor returned by this export");
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(Position::default()),
        Some(c) => {
            let (seq, id) = c.split_once('.').ok_or_else(bad)?;
            let seq: i64 = seq.parse().map_err(|_| bad())?;
            let id: i64 = id.parse().map_err(|_| bad())?;
            if seq < 0 || id < 0 {
                return Err(bad());
            }
            Ok(Position { seq, id })
        }
    }
}

fn cursor_of(p: Position) -> String {
    format!("{}.{}", p.seq, p.id)
}

/// One page: the ids changed after the cursor (in order), the new cursor, whether more wait.
type Changes = (Vec<i64>, String, bool);

fn changes(
    c: &mut AnyConnection,
    table: ExportTable,
    q: &ExportQuery,
) -> Result<Changes, AppError> {
    let limit = q.limit.unwrap_or(DEFAULT_EXPORT_PAGE);
    if !(1..=MAX_EXPORT_PAGE).contains(&limit) {
        return Err(AppError::field(
            "limit",
            format!("must be between 1 and {MAX_EXPORT_PAGE}"),
        ));
    }
    let from = parse_cursor(q.cursor.as_deref())?;
    let mut rows = changed_after(c, table, from, limit + 1)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().map(|(_, p)| *p).unwrap_or(from);
    Ok((
        rows.into_iter().map(|(id, _)| id).collect(),
        cursor_of(next),
        has_more,
    ))
}

/// Puts records loaded in id order back in change order.
fn in_order<T>(ids: &[i64], mut items: Vec<T>, id: impl Fn(&T) -> i64) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for want in ids {
        if let Some(pos) = items.iter().position(|t| id(t) == *want) {
            out.push(items.swap_remove(pos));
        }
    }
    out
}

impl Services {
    pub fn export_cases(&self, actor: &Actor, q: &ExportQuery) -> Result<CaseExportPage, AppError> {
        actor.staff_read()?;
        let now = self.now();
        self.db.read_snapshot(|c| {
            let (ids, next_cursor, has_more) = changes(c, ExportTable::Cases, q)?;
            let rows = case_store::cases_by_ids(c, &ids)?;
            let items = crate::cases::cases_dto(c, rows, now)?;
            Ok(CaseExportPage {
                items: in_order(&ids, items, |i| i.id),
                next_cursor,
                has_more,
            })
        })
    }

    pub fn export_contacts(
        &self,
        actor: &Actor,
        q: &ExportQuery,
    ) -> Result<ContactExportPage, AppError> {
        actor.staff_read()?;
        self.db.read_snapshot(|c| {
            let (ids, next_cursor, has_more) = changes(c, ExportTable::Contacts, q)?;
            let rows = crm_store::contacts_by_ids(c, &ids)?;
            let items = crate::crm::contacts_dto(c, rows)?;
            Ok(ContactExportPage {
                items: in_order(&ids, items, |i| i.id),
                next_cursor,
                has_more,
            })
        })
    }

    pub fn export_organizations(
        &self,
        actor: &Actor,
        q: &ExportQuery,
    ) -> Result<OrganizationExportPage, AppError> {
        actor.staff_read()?;
        self.db.read_snapshot(|c| {
            let (ids, next_cursor, has_more) = changes(c, ExportTable::Organizations, q)?;
            let items = crm_store::organizations_by_ids(c, &ids)?
                .into_iter()
                .map(crate::crm::organization_dto)
                .collect::<Result<_, _>>()?;
            Ok(OrganizationExportPage {
                items: in_order(&ids, items, |i| i.id),
                next_cursor,
                has_more,
            })
        })
    }

    /// Stream entries of every kind (public, internal, system): the export is for staff.
    pub fn export_stream_entries(
        &self,
        actor: &Actor,
        q: &ExportQuery,
    ) -> Result<StreamEntryExportPage, AppError> {
        actor.staff_read()?;
        self.db.read_snapshot(|c| {
            let (ids, next_cursor, has_more) = changes(c, ExportTable::StreamEntries, q)?;
            let rows = case_store::stream_entries_by_ids(c, &ids)?;
            let items = crate::attachments::entries_with_files(c, rows)?;
            Ok(StreamEntryExportPage {
                items: in_order(&ids, items, |i| i.id),
                next_cursor,
                has_more,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_named() {
        let p = Position { seq: 7042, id: 15 };
        assert_eq!(parse_cursor(Some(&cursor_of(p))).unwrap(), p);
        assert_eq!(parse_cursor(None).unwrap(), Position::default());
        for bad in ["x", "1", "1.x", "-1.2", "1.2.3"] {
            assert!(parse_cursor(Some(bad)).is_err(), "{bad}");
        }
    }
}
