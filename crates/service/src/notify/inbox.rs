//! In-app notifications as their user reads them, and the settings of what to be told.

use super::*;

impl Services {
    pub fn list_notifications(
        &self,
        actor: &Actor,
        q: &NotificationQuery,
    ) -> Result<NotificationPage, AppError> {
        actor.any_read()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let unread = q.unread.unwrap_or(false);
        self.db.read(|c| {
            let page = store::list(c, actor.user_id, unread, limit, cursor)?;
            Ok(NotificationPage {
                items: page
                    .items
                    .into_iter()
                    .map(notification_dto)
                    .collect::<Result<_, _>>()?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    pub fn unread_notifications(&self, actor: &Actor) -> Result<UnreadCount, AppError> {
        actor.any_read()?;
        self.db.read(|c| {
            Ok(UnreadCount {
                unread: store::unread_count(c, actor.user_id)?,
            })
        })
    }

    /// Marks one of the caller's notifications read; another user's is "not found".
    pub fn mark_notification_read(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.any_write()?;
        let now = self.now();
        let found = self
            .db
            .write(|c| store::mark_read(c, actor.user_id, id, now))?;
        if found {
            Ok(())
        } else {
            Err(AppError::NotFound("notification"))
        }
    }

    pub fn mark_all_notifications_read(&self, actor: &Actor) -> Result<MarkedRead, AppError> {
        actor.any_write()?;
        let now = self.now();
        let marked = self
            .db
            .write(|c| store::mark_all_read(c, actor.user_id, now))?;
        Ok(MarkedRead {
            marked: marked as i64,
        })
    }

    pub fn notification_settings(&self, actor: &Actor) -> Result<NotificationSettings, AppError> {
        actor.any_read()?;
        self.db
            .read(|c| Ok(settings_of(&user_store::user(c, actor.user_id)?)))
    }

    /// Replaces the caller's settings. Only agents and admins can auto-follow new cases.
    pub fn set_notification_settings(
        &self,
        actor: &Actor,
        input: &NotificationSettings,
    ) -> Result<NotificationSettings, AppError> {
        actor.any_write()?;
        if input.auto_follow && actor.is_portal() {
            return Err(AppError::field(
                "auto_follow",
                "only agents and admins can follow every new case",
            ));
        }
        let now = self.now();
        let channels = serde_json::json!({ "in_app": input.in_app, "email": input.email });
        self.db.write(|c| {
            user_store::set_notification_settings(
                c,
                actor.user_id,
                input.auto_follow,
                &channels.to_string(),
                now,
            )
        })?;
        self.notification_settings(actor)
    }
}

fn notification_dto(row: store::NotificationRow) -> Result<Notification, AppError> {
    Ok(Notification {
        kind: NotificationKind::parse(&row.kind)
            .ok_or_else(|| AppError::Internal(format!("unknown notification kind {}", row.kind)))?,
        id: row.id,
        case_id: row.case_id,
        entry_id: row.entry_id,
        actor_user_id: row.actor_user_id,
        title: row.title,
        created_at: row.created_at.and_utc(),
        read_at: row.read_at.map(|t| t.and_utc()),
    })
}
