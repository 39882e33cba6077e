//! Field-level audit: the record before and after a change, compared field by field, each
//! difference stored in the transaction of the change.

use chrono::NaiveDateTime;
use helpdesk_api_types::cases::{AuditEntry, AuditPage, PageQuery};
use helpdesk_store::audit::{self as store, NewAuditEntry};
use helpdesk_store::AnyConnection;
use serde::Serialize;
use serde_json::Value;

use crate::{cursor_string, page_params, Actor, AppError, Services};

/// Fields that change with every write and say nothing by themselves.
const SKIPPED: &[&str] = &["updated_at"];

/// Records every top-level field that differs between `before` and `after`.
pub(crate) fn record<T: Serialize>(
    c: &mut AnyConnection,
    actor: Option<&Actor>,
    entity: (&str, i64),
    before: &T,
    after: &T,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let (Value::Object(old), Value::Object(new)) = (
        serde_json::to_value(before).map_err(|e| AppError::failed("the audit snapshot", e))?,
        serde_json::to_value(after).map_err(|e| AppError::failed("the audit snapshot", e))?,
    ) else {
        return Ok(0);
    };
    let mut changed = 0;
    for (field, new_value) in &new {
        let old_value = old.get(field).unwrap_or(&Value::Null);
        if SKIPPED.contains(&field.as_str()) || old_value == new_value {
            continue;
        }
        let text = |v: &Value| (!v.is_null()).then(|| v.to_string());
        store::insert(
            c,
            &NewAuditEntry {
                entity_type: entity.0,
                entity_id: entity.1,
                field,
                old_value: text(old_value),
                new_value: text(new_value),
                actor_user_id: actor.map(|a| a.user_id),
                created_at: now,
            },
        )?;
        changed += 1;
    }
    Ok(changed)
}

impl Services {
    /// The history of a case, organization or contact, oldest change first (agents only).
    pub fn audit_history(
        &self,
        actor: &Actor,
        entity_type: &'static str,
        id: i64,
        q: &PageQuery,
    ) -> Result<AuditPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        self.db.read(|c| {
            let exists = match entity_type {
                "case" => helpdesk_store::cases::case(c, id).map(|_| ()),
                "organization" => helpdesk_store::crm::organization(c, id).map(|_| ()),
                _ => helpdesk_store::crm::contact(c, id).map(|_| ()),
            };
            exists.map_err(crate::users::not_found(entity_type))?;
            let page = store::history(c, entity_type, id, limit, cursor)?;
            Ok(AuditPage {
                items: page
                    .items
                    .into_iter()
                    .map(|r| AuditEntry {
                        id: r.id,
                        field: r.field,
                        old_value: r.old_value,
                        new_value: r.new_value,
                        actor_user_id: r.actor_user_id,
                        created_at: r.created_at.and_utc(),
                    })
                    .collect(),
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }
}
