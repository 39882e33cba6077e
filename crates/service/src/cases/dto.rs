//! Cases and stream entries as the API shows them.

use super::*;

pub(super) fn case_dto(row: store::CaseRow, contact_ids: Vec<i64>) -> Result<Case, AppError> {
    Ok(Case {
        status: row.status,
        priority: row.priority,
        case_type: row.case_type,
        channel: row.channel,
        tags: from_json("case", row.id, "tags", &row.tags)?,
        contact_ids,
        id: row.id,
        number: row.number,
        subject: row.subject,
        description: row.description,
        organization_id: row.organization_id,
        customer_id: row.customer_id,
        requester_id: row.requester_id,
        product_id: row.product_id,
        component_id: row.component_id,
        support_line: row.support_line,
        team_id: row.team_id,
        assignee_id: row.assignee_id,
        system_info: row.system_info,
        created_by_id: row.created_by_id,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        resolution: row.resolution,
        merged_into_id: row.merged_into_id,
        follow_up_of_id: row.follow_up_of_id,
        mailbox_id: row.mailbox_id,
        closed_at: row.closed_at.map(|t| t.and_utc()),
        sla: None,
    })
}

pub(crate) fn entry_dto(row: store::StreamEntryRow) -> Result<StreamEntry, AppError> {
    let kind = StreamKind::from(row.kind);
    let events = match row.events.as_deref() {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            AppError::failed(format!("stream entry {}: unreadable events", row.id), e)
        })?,
        None => Vec::new(),
    };
    Ok(StreamEntry {
        id: row.id,
        case_id: row.case_id,
        kind,
        author_user_id: row.author_user_id,
        author_contact_id: row.author_contact_id,
        body: row.body,
        created_at: row.created_at.and_utc(),
        attachments: Vec::new(),
        email_from: row.email_from,
        thread_rule: row.thread_rule,
        body_html: row.body_html,
        events,
    })
}

pub(super) fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags
        .iter()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
    {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Cases as the API shows them, with their contacts and SLA, in the order given.
pub(crate) fn cases_dto(
    c: &mut AnyConnection,
    rows: Vec<store::CaseRow>,
    now: chrono::NaiveDateTime,
) -> Result<Vec<Case>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let pairs = store::contact_ids_of_cases(c, &ids)?;
    let mut slas = crate::sla::slas_of(c, &ids, now)?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let contacts = pairs
            .iter()
            .filter(|(case, _)| *case == row.id)
            .map(|(_, contact)| *contact)
            .collect();
        let mut dto = case_dto(row, contacts)?;
        dto.sla = slas.remove(&dto.id);
        items.push(dto);
    }
    Ok(items)
}

/// One stream entry with its attachments.
pub(crate) fn one_entry(c: &mut AnyConnection, id: i64) -> Result<StreamEntry, AppError> {
    let row = store::stream_entry(c, id)?;
    crate::attachments::entries_with_files(c, vec![row])?
        .pop()
        .ok_or(AppError::NotFound("stream entry"))
}
