//! Moving a case through its statuses by hand: hold, resolve, close, reopen, reject.

use super::*;

impl Services {
    /// Waiting on a third party: `on_hold`, with an optional internal note.
    pub fn hold(&self, actor: &Actor, id: i64, input: &ActionNote) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::OnHold,
                CaseChanges::default(),
                now,
            )?;
            self.note(
                c,
                actor,
                id,
                EntryKind::Internal,
                input.note.as_deref(),
                now,
            )
        })
    }

    pub fn resolve(&self, actor: &Actor, id: i64, input: &ResolveAction) -> Result<Case, AppError> {
        input.validate()?;
        let resolution = input.resolution.trim();
        if resolution.is_empty() {
            return Err(AppError::field("resolution", "say what resolved the case"));
        }
        self.act(actor, id, |c, row, now| {
            let changes = CaseChanges {
                resolution: Some(Some(resolution.to_owned())),
                ..Default::default()
            };
            self.move_case(c, Some(actor), &row, CaseStatus::Resolved, changes, now)?;
            let event = SystemEvent::Resolved {
                resolution: resolution.to_owned(),
            };
            self.system_entry_as(c, id, Some(actor), &[event], now)?;
            Ok(())
        })
    }

    pub fn close(&self, actor: &Actor, id: i64, input: &ActionNote) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::Closed,
                CaseChanges::default(),
                now,
            )?;
            self.note(
                c,
                actor,
                id,
                EntryKind::Internal,
                input.note.as_deref(),
                now,
            )
        })
    }

    /// Back to `open` from `resolved`, `closed` or `rejected`.
    pub fn reopen(&self, actor: &Actor, id: i64, input: &ActionNote) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            if !matches!(
                row.status,
                CaseStatus::Resolved | CaseStatus::Closed | CaseStatus::Rejected
            ) {
                return Err(AppError::Transition(format!(
                    "case #{} is {}; only resolved, closed or rejected cases are reopened",
                    row.number, row.status
                )));
            }
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::Open,
                CaseChanges::default(),
                now,
            )?;
            self.note(
                c,
                actor,
                id,
                EntryKind::Internal,
                input.note.as_deref(),
                now,
            )
        })
    }

    pub fn reject(&self, actor: &Actor, id: i64, input: &RejectAction) -> Result<Case, AppError> {
        input.validate()?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(AppError::field("reason", "say why the case is rejected"));
        }
        self.act(actor, id, |c, row, now| {
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::Rejected,
                CaseChanges::default(),
                now,
            )?;
            let event = SystemEvent::Rejected {
                reason: reason.to_owned(),
            };
            self.system_entry_as(c, id, Some(actor), &[event], now)?;
            Ok(())
        })
    }
}
