//! Reading cases: one case, the filtered list and the agent's queues with their counts.

use super::*;

impl Services {
    pub fn get_case(&self, actor: &Actor, id: i64) -> Result<Case, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            let row = store::case(c, id).map_err(not_found("case"))?;
            let mut dto = case_dto(row, store::case_contact_ids(c, id)?)?;
            dto.sla = self.sla_of(c, id)?;
            Ok(dto)
        })
    }

    pub fn list_cases(&self, actor: &Actor, q: &CaseQuery) -> Result<CasePage, AppError> {
        actor.staff_read()?;
        q.validate()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let now = self.now();
        let filter = case_filter(actor, q, now)?;
        self.db.read(|c| {
            let page = store::list_cases(c, &filter, limit, cursor)?;
            Ok(CasePage {
                items: cases_dto(c, page.items, now)?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    /// The agent's saved views with their counts. Each carries the list query that shows it, so
    /// the app (or an integrator) lists a queue with the same filter that counted it.
    pub fn queues(&self, actor: &Actor) -> Result<Queues, AppError> {
        actor.staff_read()?;
        let now = self.now();
        let active = "new,open,awaiting_customer,information_requested,on_hold";
        self.db.read(|c| {
            let mut views: Vec<(&str, String)> = vec![
                ("mine", format!("status={active}&assignee=me")),
                ("unassigned", format!("status={active}&assignee=none")),
            ];
            if let Some(team) = users::teams_of(c, actor.user_id)?.first() {
                views.push(("team", format!("status={active}&team_id={team}")));
            }
            views.extend([
                (
                    "awaiting_customer",
                    "status=awaiting_customer,information_requested".to_owned(),
                ),
                (
                    "breaching_sla",
                    format!("status={active}&sla=at_risk&sort=sla_due"),
                ),
                ("all_open", format!("status={active}")),
            ]);
            let mut out = Vec::with_capacity(views.len());
            for (key, query) in views {
                let q: CaseQuery = serde_urlencoded::from_str(&query)
                    .map_err(|e| AppError::failed(format!("queue query {query}"), e))?;
                let filter = case_filter(actor, &q, now)?;
                out.push(QueueView {
                    key: key.to_owned(),
                    count: store::count_cases(c, &filter)?,
                    query,
                });
            }
            Ok(Queues { views: out })
        })
    }
}

/// The list filter a query asks for, checked: every bad parameter is named at once.
fn case_filter(
    actor: &Actor,
    q: &CaseQuery,
    now: chrono::NaiveDateTime,
) -> Result<CaseFilter, AppError> {
    let mut p = Problems::default();
    let statuses = split_list(&mut p, "status", q.status.as_deref(), CaseStatus::parse);
    let priorities = split_list(&mut p, "priority", q.priority.as_deref(), Priority::parse);
    let (assignee_id, unassigned) = match q.assignee.as_deref().map(str::trim) {
        None | Some("") => (None, false),
        Some("none") => (None, true),
        Some("me") => (Some(actor.user_id), false),
        Some(id) => match id.parse::<i64>() {
            Ok(n) => (Some(n), false),
            Err(_) => {
                p.add("assignee", "must be a user id, `me` or `none`");
                (None, false)
            }
        },
    };
    let sort = match q.sort.as_deref() {
        None | Some("-created_at") => CaseSort::NewestFirst,
        Some("created_at") => CaseSort::OldestFirst,
        Some("sla_due") => CaseSort::SlaDue,
        Some(_) => {
            p.add("sort", "must be `-created_at`, `created_at` or `sla_due`");
            CaseSort::NewestFirst
        }
    };
    let window = chrono::Duration::minutes(q.sla_within_minutes.unwrap_or(60));
    let sla = match q.sla.as_deref() {
        None | Some("") => None,
        Some("breached") => Some(SlaFilter::Breached { now }),
        Some("breaching_soon") => Some(SlaFilter::DueBy {
            now,
            until: now + window,
        }),
        Some("at_risk") => Some(SlaFilter::AtRisk {
            until: now + window,
        }),
        Some(_) => {
            p.add("sla", "must be `breached`, `breaching_soon` or `at_risk`");
            None
        }
    };
    p.into_result()?;
    Ok(CaseFilter {
        statuses,
        priorities,
        assignee_id,
        unassigned,
        team_id: q.team_id,
        organization_id: q.organization_id,
        requester_id: q.requester_id,
        product_id: q.product_id,
        number: q.number,
        support_line: q.support_line,
        created_from: q.created_from.map(|t| t.naive_utc()),
        created_to: q.created_to.map(|t| t.naive_utc()),
        updated_from: q.updated_from.map(|t| t.naive_utc()),
        updated_to: q.updated_to.map(|t| t.naive_utc()),
        subject_contains: q.q.clone(),
        portal: None,
        sla,
        sort,
    })
}

fn split_list<T>(
    p: &mut Problems,
    field: &str,
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<T, helpdesk_domain::DomainError>,
) -> Vec<T> {
    let mut out = Vec::new();
    for part in text
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(v) = p.check(field, parse(part)) {
            out.push(v);
        }
    }
    out
}
