//! Automatic assignment: a team's new unassigned cases go to its agents by rotation or by load,
//! chosen under the team's rotation lock so that cases created at the same moment never pick
//! from the same stale view.

use chrono::NaiveDateTime;
use helpdesk_domain::assignment::{least_busy, round_robin, AssignmentStrategy};
use helpdesk_store::users as store;
use helpdesk_store::{AnyConnection, StoreError};

/// The agent `team`'s strategy gives the next case to, if it gives cases out and an
/// agent is there to take one. Call it in the transaction that assigns the case.
pub(crate) fn pick_assignee(
    c: &mut AnyConnection,
    team: &store::TeamRow,
    now: NaiveDateTime,
) -> Result<Option<i64>, StoreError> {
    let strategy = team.assignment;
    pick_with(c, team.id, strategy, now)
}

/// The agent of team `team_id` that `strategy` gives the next case to (a workflow rule may
/// name a strategy other than the team's own).
pub(crate) fn pick_with(
    c: &mut AnyConnection,
    team_id: i64,
    strategy: AssignmentStrategy,
    now: NaiveDateTime,
) -> Result<Option<i64>, StoreError> {
    if strategy == AssignmentStrategy::Manual {
        return Ok(None);
    }
    // The lock first: whoever holds it sees every assignment committed before.
    let last = store::lock_rotation(c, team_id, now)?;
    let eligible = store::eligible_members(c, team_id)?;
    let chosen = match strategy {
        AssignmentStrategy::RoundRobin => round_robin(&eligible, last),
        AssignmentStrategy::LeastBusy => least_busy(&store::open_case_counts(c, &eligible)?),
        AssignmentStrategy::Manual => None,
    };
    if let Some(user) = chosen {
        store::set_rotation(c, team_id, user, now)?;
    }
    Ok(chosen)
}
