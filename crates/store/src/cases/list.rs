//! Listing cases: the filters, sorts and portal scope of the case list, keyset-paged, and their counts.

use super::*;

/// Which cases a portal user may see: those where their contact is the requester or one of the
/// contacts, and, when allowed, every case of their organization.
#[derive(Debug, Clone, Copy)]
pub struct PortalScope {
    pub contact_id: i64,
    pub organization_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    #[default]
    NewestFirst,
    OldestFirst,
    /// Cases with a running SLA deadline, the soonest first.
    SlaDue,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub statuses: Vec<CaseStatus>,
    pub priorities: Vec<Priority>,
    pub assignee_id: Option<i64>,
    pub unassigned: bool,
    pub team_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub product_id: Option<i64>,
    pub number: Option<i64>,
    pub support_line: Option<i32>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    pub updated_from: Option<NaiveDateTime>,
    pub updated_to: Option<NaiveDateTime>,
    pub subject_contains: Option<String>,
    pub portal: Option<PortalScope>,
    pub sla: Option<SlaFilter>,
    pub sort: CaseSort,
}

/// Cases by their SLA clocks, as of `now`.
#[derive(Debug, Clone, Copy)]
pub enum SlaFilter {
    /// A clock is breached, or a running one is past due.
    Breached { now: NaiveDateTime },
    /// Not breached, and a running clock is due by `until`.
    DueBy {
        now: NaiveDateTime,
        until: NaiveDateTime,
    },
    /// Breached, or a running clock is due by `until` (the "breaching SLA" queue).
    AtRisk { until: NaiveDateTime },
}

/// Applies a [`CaseFilter`]'s conditions (not its order or cursor) to a boxed query over
/// `cases LEFT JOIN case_sla`; shared by the list and the counts.
macro_rules! filter_cases {
    ($q:ident, $f:expr) => {{
        let f: &CaseFilter = $f;
        let mut q = $q;
        // One value compares with `=`: PostgreSQL plans `= ANY($1)` without knowing it is a single
        // value and then cannot walk the (team_id, status, id) index in order.
        match f.statuses.as_slice() {
            [] => {}
            [one] => q = q.filter(cases::status.eq(*one)),
            many => q = q.filter(cases::status.eq_any(many.to_vec())),
        }
        match f.priorities.as_slice() {
            [] => {}
            [one] => q = q.filter(cases::priority.eq(*one)),
            many => q = q.filter(cases::priority.eq_any(many.to_vec())),
        }
        if let Some(v) = f.assignee_id {
            q = q.filter(cases::assignee_id.eq(v));
        }
        if f.unassigned {
            q = q.filter(cases::assignee_id.is_null());
        }
        if let Some(v) = f.team_id {
            q = q.filter(cases::team_id.eq(v));
        }
        if let Some(v) = f.organization_id {
            q = q.filter(cases::organization_id.eq(v));
        }
        if let Some(v) = f.requester_id {
            q = q.filter(cases::requester_id.eq(v));
        }
        if let Some(v) = f.product_id {
            q = q.filter(cases::product_id.eq(v));
        }
        if let Some(v) = f.number {
            q = q.filter(cases::number.eq(v));
        }
        if let Some(v) = f.support_line {
            q = q.filter(cases::support_line.eq(v));
        }
        if let Some(v) = f.created_from {
            q = q.filter(cases::created_at.ge(v));
        }
        if let Some(v) = f.created_to {
            q = q.filter(cases::created_at.lt(v));
        }
        if let Some(v) = f.updated_from {
            q = q.filter(cases::updated_at.ge(v));
        }
        if let Some(v) = f.updated_to {
            q = q.filter(cases::updated_at.lt(v));
        }
        if let Some(text) = &f.subject_contains {
            q = q.filter(lower(cases::subject).like(like_pattern(text)).escape('\\'));
        }
        if let Some(scope) = f.portal {
            let as_contact = case_contacts::table
                .filter(case_contacts::contact_id.eq(scope.contact_id))
                .select(case_contacts::case_id);
            let mine = cases::requester_id
                .eq(scope.contact_id)
                .or(cases::id.eq_any(as_contact));
            q = match scope.organization_id {
                Some(org) => q.filter(mine.or(cases::organization_id.eq(org))),
                None => q.filter(mine),
            };
        }
        match f.sla {
            None => {}
            // The clocks are joined in (left): cases without them match neither.
            Some(SlaFilter::Breached { now }) => {
                q = q.filter(case_sla::breached.eq(true).or(case_sla::due_at.le(now)));
            }
            Some(SlaFilter::AtRisk { until }) => {
                q = q.filter(case_sla::breached.eq(true).or(case_sla::due_at.le(until)));
            }
            Some(SlaFilter::DueBy { now, until }) => {
                q = q
                    .filter(case_sla::breached.eq(false))
                    .filter(case_sla::due_at.gt(now))
                    .filter(case_sla::due_at.le(until));
            }
        }
        q
    }};
}

pub fn list_cases(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<CaseRow>, StoreError> {
    let q = cases::table
        .left_join(case_sla::table)
        .select(CaseRow::as_select())
        .into_boxed();
    let mut q = filter_cases!(q, f);
    q = match (f.sort, cursor) {
        (CaseSort::NewestFirst, Some(c)) => q.filter(cases::id.lt(c)),
        (CaseSort::OldestFirst, Some(c)) => q.filter(cases::id.gt(c)),
        (CaseSort::SlaDue, Some(c)) => {
            // The cursor is the last case shown; the page goes on from its deadline.
            let due: Option<NaiveDateTime> = case_sla::table
                .find(c)
                .select(case_sla::due_at)
                .first(conn)
                .optional()?
                .flatten();
            match due {
                // Later deadlines, then the cases with none (paused, met, no SLA).
                Some(d) => q.filter(
                    case_sla::due_at
                        .gt(d)
                        .or(case_sla::due_at.eq(d).and(cases::id.gt(c)))
                        .or(case_sla::due_at.is_null()),
                ),
                // A case without a deadline: on from the cases without one after it.
                None => q.filter(case_sla::due_at.is_null().and(cases::id.gt(c))),
            }
        }
        (_, None) => q,
    };
    q = match f.sort {
        CaseSort::NewestFirst => q.order(cases::id.desc()),
        CaseSort::OldestFirst => q.order(cases::id.asc()),
        // Soonest deadline first; the cases whose clocks are paused or stopped (or that have no
        // SLA) follow in case order, so that the queue never hides one.
        CaseSort::SlaDue => q.order((
            case_sla::due_at.is_null().asc(),
            case_sla::due_at.asc(),
            cases::id.asc(),
        )),
    };
    let rows = q.limit(limit + 1).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// How many cases match a filter (its order is irrelevant here): the queue counts.
pub fn count_cases(conn: &mut AnyConnection, f: &CaseFilter) -> Result<i64, StoreError> {
    let q = cases::table
        .left_join(case_sla::table)
        .select(diesel::dsl::count_star())
        .into_boxed();
    let q = filter_cases!(q, f);
    Ok(q.first(conn)?)
}
