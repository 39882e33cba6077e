//! Which events each subscription gets, as the payloads it is sent: queued in the transaction
//! that fans the event out.

use super::*;

impl Services {
    /// The subscriptions that receive events now.
    pub fn active_webhooks(&self, c: &mut AnyConnection) -> Result<Vec<SubscriptionRow>, AppError> {
        Ok(store::active_subscriptions(c)?)
    }

    /// Writes the deliveries an outbox event causes, one per subscription that wants it; call
    /// it in the transaction that marks the event processed. Returns how many.
    /// `subs` are the active subscriptions ([`Services::active_webhooks`]), read once per batch.
    pub fn enqueue_webhooks(
        &self,
        c: &mut AnyConnection,
        e: &EventRow,
        subs: &[SubscriptionRow],
    ) -> Result<usize, AppError> {
        if subs.is_empty() {
            return Ok(0);
        }
        let Some((t, key, data, internal)) = map_event(c, e)? else {
            return Ok(0);
        };
        let body = envelope(t, e.created_at, data);
        let now = self.now();
        let mut n = 0;
        for sub in subs.iter().filter(|s| wants(s, t, internal)) {
            store::insert_delivery(
                c,
                &store::NewDelivery {
                    subscription_id: sub.id,
                    event_id: Some(e.id),
                    event_type: t.as_str().to_owned(),
                    ordering_key: key.clone(),
                    message_id: format!("msg_evt{}", e.id),
                    payload: body.clone(),
                    status: store::PENDING.to_owned(),
                    next_attempt_at: now,
                    created_at: now,
                },
            )?;
            n += 1;
        }
        Ok(n)
    }
}

/// Whether a subscription wants an event of this type.
fn wants(sub: &SubscriptionRow, t: WebhookEventType, internal: bool) -> bool {
    if internal && !sub.include_internal {
        return false;
    }
    let names: Vec<String> = from_json(&sub.event_types);
    names.is_empty() || names.iter().any(|n| n == t.as_str())
}

/// The webhook an outbox event becomes: its type, ordering key, data, and whether it is internal.
type Mapped = (WebhookEventType, String, Value, bool);

pub(super) fn data<T: serde::Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::failed("webhook data", e))
}

fn map_event(c: &mut AnyConnection, e: &EventRow) -> Result<Option<Mapped>, AppError> {
    let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
    let key = format!("{}:{}", e.aggregate_type, e.aggregate_id);
    let case =
        |c: &mut AnyConnection| -> Result<Option<helpdesk_api_types::cases::Case>, AppError> {
            match case_snapshot(c, e.aggregate_id) {
                Ok((_, dto)) => Ok(Some(dto)),
                Err(AppError::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            }
        };
    let status = |field: &str| {
        payload[field]
            .as_str()
            .and_then(|s| CaseStatus::parse(s).ok())
    };
    let mapped = match (e.aggregate_type.as_str(), e.event_type.as_str()) {
        ("case", "case.created") => case(c)?.map(|case| {
            data(&CaseEventData { case }).map(|d| (WebhookEventType::CaseCreated, d, false))
        }),
        ("case", "case.updated" | "case.escalated" | "case.merged") => case(c)?.map(|case| {
            data(&CaseEventData { case }).map(|d| (WebhookEventType::CaseUpdated, d, false))
        }),
        ("case", "case.status_changed") => match (status("from"), status("to"), case(c)?) {
            (Some(from), Some(to), Some(case)) => Some(
                data(&CaseStatusChangedData { case, from, to })
                    .map(|d| (WebhookEventType::CaseStatusChanged, d, false)),
            ),
            _ => None,
        },
        ("case", "case.assigned") => case(c)?.map(|case| {
            data(&CaseAssignedData {
                assignee_id: case.assignee_id,
                team_id: case.team_id,
                case,
            })
            .map(|d| (WebhookEventType::CaseAssigned, d, false))
        }),
        ("case", "case.entry_added") => {
            let Some(entry_id) = payload["entry_id"].as_i64() else {
                return Ok(None);
            };
            let entry = match one_entry(c, entry_id) {
                Ok(entry) => entry,
                Err(AppError::NotFound(_)) => return Ok(None),
                Err(other) => return Err(other),
            };
            let visibility = match entry.kind {
                StreamKind::Public => Visibility::Public,
                StreamKind::Internal => Visibility::Internal,
                StreamKind::System => return Ok(None),
            };
            let number = case_store::case(c, e.aggregate_id)
                .map(|r| r.number)
                .unwrap_or_default();
            Some(
                data(&MessageCreatedData {
                    case_id: e.aggregate_id,
                    case_number: number,
                    visibility,
                    entry,
                })
                .map(|d| {
                    (
                        WebhookEventType::MessageCreated,
                        d,
                        visibility == Visibility::Internal,
                    )
                }),
            )
        }
        ("case", t @ ("sla.warning" | "sla.breached")) => case(c)?.map(|case| {
            let kind = if t == "sla.warning" {
                WebhookEventType::SlaWarning
            } else {
                WebhookEventType::SlaBreached
            };
            data(&SlaEventData {
                case,
                metric: payload["metric"].as_str().unwrap_or_default().to_owned(),
                due_at: payload["due_at"]
                    .as_str()
                    .and_then(|s| s.parse::<NaiveDateTime>().ok())
                    .map(|t| t.and_utc()),
                policy_id: payload["policy_id"].as_i64(),
            })
            .map(|d| (kind, d, false))
        }),
        ("contact", "contact.created") => {
            let contact = crate::crm::contact_by_id(c, e.aggregate_id)?;
            Some(
                data(&ContactCreatedData { contact })
                    .map(|d| (WebhookEventType::ContactCreated, d, false)),
            )
        }
        ("organization", "organization.created") => {
            let organization = crate::crm::organization_by_id(c, e.aggregate_id)?;
            Some(
                data(&OrganizationCreatedData { organization })
                    .map(|d| (WebhookEventType::OrganizationCreated, d, false)),
            )
        }
        _ => None,
    };
    match mapped {
        None => Ok(None),
        Some(r) => {
            let (t, d, internal) = r?;
            Ok(Some((t, key, d, internal)))
        }
    }
}

pub(super) fn envelope(t: WebhookEventType, at: NaiveDateTime, data: Value) -> String {
    to_json(&json!({
        "type": t.as_str(),
        "timestamp": at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    }))
}
