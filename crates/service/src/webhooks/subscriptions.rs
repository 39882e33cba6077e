//! Subscriptions as admins manage them: create, change, rotate the secret, ping, delete.

use super::*;

impl Services {
    pub fn list_webhooks(&self, actor: &Actor) -> Result<Vec<WebhookSubscription>, AppError> {
        actor.admin()?;
        self.db
            .read(store::subscriptions)?
            .into_iter()
            .map(|r| subscription_dto(r, false))
            .collect::<Result<_, _>>()
    }

    pub fn get_webhook(&self, actor: &Actor, id: i64) -> Result<WebhookSubscription, AppError> {
        actor.admin()?;
        let row = self
            .db
            .read(|c| store::subscription(c, id))
            .map_err(not_found("webhook subscription"))?;
        subscription_dto(row, false)
    }

    pub(super) fn webhook_values(
        &self,
        input: &WebhookInput,
        now: NaiveDateTime,
    ) -> Result<store::SubscriptionValues, AppError> {
        input.validate()?;
        check_target(&input.url, self.webhooks.allow_private_targets)
            .map_err(|why| AppError::field("url", why))?;
        let mut names: Vec<&str> = input.event_types.iter().map(|t| t.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        Ok(store::SubscriptionValues {
            url: input.url.trim().to_owned(),
            description: input
                .description
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            event_types: to_json(&names),
            include_internal: input.include_internal.unwrap_or(false),
            active: input.active.unwrap_or(true),
            disabled_reason: None,
            failing_since: None,
            updated_at: now,
        })
    }

    /// Adds a subscription; the answer carries its signing secret.
    pub fn create_webhook(
        &self,
        actor: &Actor,
        input: &WebhookInput,
    ) -> Result<WebhookSubscription, AppError> {
        actor.admin()?;
        let now = self.now();
        let values = self.webhook_values(input, now)?;
        let row = self
            .db
            .write(|c| store::insert_subscription(c, &values, &new_secret(), now))?;
        subscription_dto(row, true)
    }

    /// Replaces a subscription's settings (the secret stays); re-activating clears the streak.
    pub fn update_webhook(
        &self,
        actor: &Actor,
        id: i64,
        input: &WebhookInput,
    ) -> Result<WebhookSubscription, AppError> {
        actor.admin()?;
        let now = self.now();
        let values = self.webhook_values(input, now)?;
        let row = self
            .db
            .write(|c| {
                let old = store::subscription(c, id)?;
                let mut values = values;
                if !values.active {
                    values.disabled_reason = old.disabled_reason;
                } else if old.active {
                    values.failing_since = old.failing_since;
                }
                store::update_subscription(c, id, &values)
            })
            .map_err(not_found("webhook subscription"))?;
        subscription_dto(row, false)
    }

    pub fn delete_webhook(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.admin()?;
        self.db
            .write(|c| store::delete_subscription(c, id))
            .map_err(not_found("webhook subscription"))
    }

    /// A new signing secret; the old one stops working at once.
    pub fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<WebhookSubscription, AppError> {
        actor.admin()?;
        let now = self.now();
        let row = self
            .db
            .write(|c| {
                store::set_secret(c, id, &new_secret(), now)?;
                store::subscription(c, id)
            })
            .map_err(not_found("webhook subscription"))?;
        subscription_dto(row, true)
    }

    /// Queues a `ping` to the subscription (sent even when it filters events).
    pub fn ping_webhook(&self, actor: &Actor, id: i64) -> Result<WebhookDelivery, AppError> {
        actor.admin()?;
        let now = self.now();
        let message_id = format!("msg_ping{}", crate::auth::random_token(12));
        let body = envelope(
            WebhookEventType::Ping,
            now,
            data(&PingData {
                subscription_id: id,
            })?,
        );
        let row = self
            .db
            .write(|c| {
                store::subscription(c, id)?;
                store::insert_delivery(
                    c,
                    &store::NewDelivery {
                        subscription_id: id,
                        event_id: None,
                        event_type: WebhookEventType::Ping.as_str().to_owned(),
                        ordering_key: message_id.clone(),
                        message_id: message_id.clone(),
                        payload: body,
                        status: store::PENDING.to_owned(),
                        next_attempt_at: now,
                        created_at: now,
                    },
                )
            })
            .map_err(not_found("webhook subscription"))?;
        delivery_dto(&row)
    }

    /// The event catalog.
    pub fn webhook_event_types(
        &self,
        actor: &Actor,
    ) -> Result<Vec<WebhookEventTypeInfo>, AppError> {
        actor.staff_read()?;
        Ok(WebhookEventType::ALL
            .into_iter()
            .map(|t| WebhookEventTypeInfo {
                event_type: t,
                description: t.description().to_owned(),
                data_schema: t.data_schema().to_owned(),
            })
            .collect())
    }
}

fn subscription_dto(
    row: SubscriptionRow,
    with_secret: bool,
) -> Result<WebhookSubscription, AppError> {
    let names: Vec<String> = from_json("webhook", row.id, "event_types", &row.event_types)?;
    Ok(WebhookSubscription {
        id: row.id,
        url: row.url,
        description: row.description,
        event_types: names
            .iter()
            .filter_map(|n| WebhookEventType::parse(n))
            .collect(),
        include_internal: row.include_internal,
        active: row.active,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since.map(|t| t.and_utc()),
        secret: with_secret.then_some(row.secret),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}
