//! Comments of agents on leads, organizations and contacts.

use helpdesk_api_types::leads::{Comment, CommentInput};
use helpdesk_store::leads as store;
use helpdesk_store::{crm as crm_store, AnyConnection};
use validator::Validate;

use crate::users::not_found;
use crate::{Actor, AppError, Services};

/// The comments' record kinds and the tables they live in.
fn comment_target(c: &mut AnyConnection, kind: &'static str, id: i64) -> Result<(), AppError> {
    match kind {
        "lead" => store::lead(c, id).map(|_| ()).map_err(not_found("lead")),
        "organization" => crm_store::organization(c, id)
            .map(|_| ())
            .map_err(not_found("organization")),
        _ => crm_store::contact(c, id)
            .map(|_| ())
            .map_err(not_found("contact")),
    }
}

impl Services {
    /// Comments on a lead, organization or contact (`kind`), oldest first; agents only.
    pub fn comments(
        &self,
        actor: &Actor,
        kind: &'static str,
        id: i64,
    ) -> Result<Vec<Comment>, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            comment_target(c, kind, id)?;
            Ok(store::comments_of(c, kind, id)?
                .into_iter()
                .map(|r| Comment {
                    id: r.id,
                    author_id: r.author_id,
                    body: r.body,
                    created_at: r.created_at.and_utc(),
                })
                .collect())
        })
    }

    pub fn add_comment(
        &self,
        actor: &Actor,
        kind: &'static str,
        id: i64,
        input: &CommentInput,
    ) -> Result<Comment, AppError> {
        actor.staff_write()?;
        input.validate()?;
        if input.body.trim().is_empty() {
            return Err(AppError::field("body", "is required"));
        }
        let now = self.now();
        let r = self.db.write(|c| {
            comment_target(c, kind, id)?;
            Ok::<_, AppError>(store::insert_comment(
                c,
                kind,
                id,
                actor.user_id,
                input.body.trim(),
                now,
            )?)
        })?;
        Ok(Comment {
            id: r.id,
            author_id: r.author_id,
            body: r.body,
            created_at: r.created_at.and_utc(),
        })
    }
}
