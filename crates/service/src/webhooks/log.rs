//! The delivery log: what was sent, how each attempt went, and sending one again.

use super::*;

impl Services {
    pub fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: i64,
        q: &DeliveryQuery,
    ) -> Result<WebhookDeliveryPage, AppError> {
        actor.admin()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let page = self
            .db
            .read(|c| {
                store::subscription(c, id)?;
                store::deliveries(
                    c,
                    id,
                    q.status
                        .map(helpdesk_api_types::webhooks::DeliveryStatus::as_str),
                    match q.status {
                        Some(DeliveryStatus::Scheduled) => Some(false),
                        Some(DeliveryStatus::Retrying) => Some(true),
                        _ => None,
                    },
                    limit,
                    cursor,
                )
            })
            .map_err(not_found("webhook subscription"))?;
        Ok(WebhookDeliveryPage {
            items: page
                .items
                .iter()
                .map(delivery_dto)
                .collect::<Result<_, _>>()?,
            next_cursor: cursor_string(page.next_cursor),
        })
    }

    pub(super) fn subscription_delivery(
        c: &mut AnyConnection,
        id: i64,
        delivery_id: i64,
    ) -> Result<DeliveryRow, AppError> {
        match store::delivery(c, delivery_id) {
            Ok(row) if row.subscription_id == id => Ok(row),
            Ok(_) | Err(helpdesk_store::StoreError::NotFound) => {
                Err(AppError::NotFound("webhook delivery"))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn webhook_delivery(
        &self,
        actor: &Actor,
        id: i64,
        delivery_id: i64,
    ) -> Result<WebhookDeliveryDetail, AppError> {
        actor.admin()?;
        let (row, attempts) = self.db.read(|c| {
            let row = Self::subscription_delivery(c, id, delivery_id)?;
            let attempts = store::attempts(c, delivery_id)?;
            Ok::<_, AppError>((row, attempts))
        })?;
        Ok(WebhookDeliveryDetail {
            delivery: delivery_dto(&row)?,
            payload: serde_json::from_str::<WebhookEvent>(&row.payload)
                .map_err(|e| AppError::failed(format!("delivery {delivery_id}"), e))?,
            attempt_log: attempts
                .into_iter()
                .map(|a| WebhookAttempt {
                    attempted_at: a.attempted_at.and_utc(),
                    status_code: a.status_code,
                    error: a.error,
                    latency_ms: a.latency_ms,
                })
                .collect(),
        })
    }

    /// Sends a delivery again (due now, after earlier pending ones of the same case).
    pub fn redeliver_webhook(
        &self,
        actor: &Actor,
        id: i64,
        delivery_id: i64,
    ) -> Result<WebhookDelivery, AppError> {
        actor.admin()?;
        let now = self.now();
        let row = self.db.write(|c| {
            Self::subscription_delivery(c, id, delivery_id)?;
            Ok::<_, AppError>(store::requeue(c, delivery_id, now)?)
        })?;
        delivery_dto(&row)
    }
}

pub(super) fn delivery_dto(row: &DeliveryRow) -> Result<WebhookDelivery, AppError> {
    Ok(WebhookDelivery {
        id: row.id,
        subscription_id: row.subscription_id,
        event_id: row.event_id,
        event_type: WebhookEventType::parse(&row.event_type).ok_or_else(|| {
            AppError::Internal(format!("delivery {}: unknown event type", row.id))
        })?,
        message_id: row.message_id.clone(),
        status: match DeliveryStatus::parse(&row.status) {
            Some(DeliveryStatus::Scheduled) if row.attempts > 0 => DeliveryStatus::Retrying,
            Some(s) => s,
            None => {
                return Err(AppError::Internal(format!(
                    "delivery {}: unknown status",
                    row.id
                )))
            }
        },
        attempts: row.attempts,
        next_attempt_at: (row.status == store::PENDING).then(|| row.next_attempt_at.and_utc()),
        last_status_code: row.last_status_code,
        last_error: row.last_error.clone(),
        last_latency_ms: row.last_latency_ms,
        created_at: row.created_at.and_utc(),
        delivered_at: row.delivered_at.map(|t| t.and_utc()),
    })
}
