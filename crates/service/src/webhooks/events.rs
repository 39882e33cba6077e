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
        e: &Recorded,
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
        for sub in subs {
            if !wants(sub, t, internal)? {
                continue;
            }
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
fn wants(sub: &SubscriptionRow, t: WebhookEventType, internal: bool) -> Result<bool, AppError> {
    if internal && !sub.include_internal {
        return Ok(false);
    }
    let names: Vec<String> = from_json("webhook", sub.id, "event_types", &sub.event_types)?;
    Ok(names.is_empty() || names.iter().any(|n| n == t.as_str()))
}

/// The webhook an outbox event becomes: its type, ordering key, data, and whether it is internal.
type Mapped = (WebhookEventType, String, Value, bool);

pub(super) fn data<T: serde::Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::failed("webhook data", e))
}

fn map_event(c: &mut AnyConnection, r: &Recorded) -> Result<Option<Mapped>, AppError> {
    let (kind, id) = r.event.aggregate();
    let key = format!("{kind}:{id}");
    let case =
        |c: &mut AnyConnection| -> Result<Option<helpdesk_api_types::cases::Case>, AppError> {
            match case_snapshot(c, id) {
                Ok((_, dto)) => Ok(Some(dto)),
                Err(AppError::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            }
        };
    let mapped = match &r.event {
        Event::CaseCreated { .. } => case(c)?.map(|case| {
            data(&CaseEventData { case }).map(|d| (WebhookEventType::CaseCreated, d, false))
        }),
        Event::CaseUpdated { .. } | Event::CaseEscalated { .. } | Event::CaseMerged { .. } => {
            case(c)?.map(|case| {
                data(&CaseEventData { case }).map(|d| (WebhookEventType::CaseUpdated, d, false))
            })
        }
        Event::CaseStatusChanged { from, to, .. } => case(c)?.map(|case| {
            data(&CaseStatusChangedData {
                case,
                from: *from,
                to: *to,
            })
            .map(|d| (WebhookEventType::CaseStatusChanged, d, false))
        }),
        Event::CaseAssigned { .. } => case(c)?.map(|case| {
            data(&CaseAssignedData {
                assignee_id: case.assignee_id,
                team_id: case.team_id,
                case,
            })
            .map(|d| (WebhookEventType::CaseAssigned, d, false))
        }),
        Event::EntryAdded { entry_id, .. } => {
            let entry = match one_entry(c, *entry_id) {
                Ok(entry) => entry,
                Err(AppError::NotFound(_)) => return Ok(None),
                Err(other) => return Err(other),
            };
            let visibility = match entry.kind {
                StreamKind::Public => Visibility::Public,
                StreamKind::Internal => Visibility::Internal,
                StreamKind::System => return Ok(None),
            };
            let number = case_store::case(c, id)
                .map(|r| r.number)
                .unwrap_or_default();
            Some(
                data(&MessageCreatedData {
                    case_id: id,
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
        Event::SlaWarning(alert) | Event::SlaBreached(alert) => case(c)?.map(|case| {
            let kind = if matches!(r.event, Event::SlaWarning(_)) {
                WebhookEventType::SlaWarning
            } else {
                WebhookEventType::SlaBreached
            };
            data(&SlaEventData {
                case,
                metric: alert.metric.as_str().to_owned(),
                due_at: alert.due_at,
                policy_id: Some(alert.policy_id),
            })
            .map(|d| (kind, d, false))
        }),
        Event::ContactCreated { .. } => {
            let contact = crate::crm::contact_by_id(c, id)?;
            Some(
                data(&ContactCreatedData { contact })
                    .map(|d| (WebhookEventType::ContactCreated, d, false)),
            )
        }
        Event::OrganizationCreated { .. } => {
            let organization = crate::crm::organization_by_id(c, id)?;
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
