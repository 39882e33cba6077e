use super::*;
use serde_json::json;

fn samples() -> Vec<Event> {
    let alert = SlaAlert {
        id: 7,
        number: 1042,
        metric: Metric::FirstResponse,
        policy_id: 2,
        due_at: Some(DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()),
        left_seconds: 600,
    };
    vec![
        Event::CaseCreated {
            id: 7,
            number: 1042,
            channel: Channel::Email,
            status: CaseStatus::New,
            assignee_id: None,
            team_id: Some(3),
        },
        Event::CaseUpdated {
            id: 7,
            number: 1042,
            fields: CaseFields {
                assignee_id: Some(None),
                assignee_changed: Some(true),
                team_id: Some(Some(3)),
                ..CaseFields::default()
            },
            by_rule: None,
        },
        Event::CaseUpdated {
            id: 7,
            number: 1042,
            fields: CaseFields {
                priority: Some(Priority::High),
                ..CaseFields::default()
            },
            by_rule: Some(4),
        },
        Event::CaseAssigned {
            id: 7,
            number: 1042,
            assignee_id: Some(5),
            assignee_changed: true,
            team_id: None,
            by_rule: None,
        },
        Event::CaseEscalated {
            id: 7,
            number: 1042,
            support_line: 2,
            team_id: Some(3),
            by_rule: Some(1),
        },
        Event::CaseMerged {
            id: 7,
            number: 1042,
            target_id: 8,
            target_number: 1043,
        },
        Event::CaseStatusChanged {
            id: 7,
            number: 1042,
            from: CaseStatus::Open,
            to: CaseStatus::Resolved,
        },
        Event::EntryAdded {
            case_id: 7,
            number: Some(1042),
            entry_id: 9,
            kind: EntryKind::Internal,
            suggested: true,
            accepted: false,
        },
        Event::SlaWarning(alert.clone()),
        Event::SlaBreached(alert),
        Event::ContactCreated {
            id: 1,
            from_lead_id: Some(2),
        },
        Event::ContactUpdated {
            id: 1,
            merged_ids: vec![],
        },
        Event::ContactUpdated {
            id: 1,
            merged_ids: vec![2, 3],
        },
        Event::ContactPortalInvited {
            id: 1,
            user_id: 4,
            expires_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
        },
        Event::OrganizationCreated {
            id: 1,
            from_lead_id: None,
        },
        Event::OrganizationUpdated {
            id: 1,
            merged_ids: vec![2],
        },
        Event::LeadCreated {
            id: 1,
            number: Some(5),
            copy_of: None,
        },
        Event::LeadConverted {
            id: 1,
            organization_id: Some(2),
            contact_id: 3,
            case_id: None,
        },
        Event::LeadMerged {
            id: 1,
            merged_ids: vec![2],
        },
        Event::ProductCreated { id: 1 },
        Event::ProductUpdated { id: 1 },
        Event::ContractCreated { id: 1 },
        Event::ContractUpdated { id: 1 },
        Event::UserCreated {
            id: 1,
            role: Role::Agent,
        },
        Event::UserUpdated { id: 1 },
        Event::UserInvitationAccepted {
            id: 1,
            contact_id: Some(2),
        },
        Event::UserPasswordResetRequested { id: 1 },
        Event::TeamCreated { id: 1 },
        Event::TeamUpdated { id: 1 },
        Event::WebhookDisabled {
            id: 1,
            url: "https://example.test/hook".into(),
            reason: "every delivery failed for 72 hours".into(),
        },
    ]
}

#[test]
fn every_event_reads_back_as_it_was_written() {
    for event in samples() {
        let tagged = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(tagged["type"], event.type_name(), "{event:?}");
        let stored = event.payload().to_string();
        let back = Event::from_stored(1, event.type_name(), &stored);
        assert_eq!(back.ok().as_ref(), Some(&event), "{stored}");
    }
}

#[test]
fn the_stored_payload_keeps_its_long_standing_shape() {
    let changed = Event::CaseStatusChanged {
        id: 7,
        number: 1042,
        from: CaseStatus::Open,
        to: CaseStatus::Resolved,
    };
    assert_eq!(
        changed.payload(),
        json!({ "id": 7, "number": 1042, "from": "open", "to": "resolved" })
    );
    let cleared = Event::CaseUpdated {
        id: 7,
        number: 1042,
        fields: CaseFields {
            assignee_id: Some(None),
            assignee_changed: Some(true),
            team_id: Some(None),
            ..CaseFields::default()
        },
        by_rule: None,
    };
    assert_eq!(
        cleared.payload(),
        json!({ "id": 7, "number": 1042, "assignee_id": null, "assignee_changed": true, "team_id": null })
    );
    // An entry written before `number` was kept still reads.
    let old = Event::from_stored(
        3,
        "case.entry_added",
        r#"{"case_id": 7, "entry_id": 9, "kind": "public"}"#,
    );
    assert!(matches!(
        old,
        Ok(Event::EntryAdded {
            number: None,
            kind: EntryKind::Public,
            ..
        })
    ));
}

#[test]
fn an_unreadable_event_is_an_error_naming_it() {
    let err = Event::from_stored(41, "case.status_changed", r#"{"id": 7, "to": "lost"}"#);
    let text = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        text,
        "outbox event 41 (case.status_changed) does not read back"
    );
    assert!(Event::from_stored(42, "case.unknown", "{}").is_err());
}
