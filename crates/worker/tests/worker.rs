//! The worker's steps on both backends.

// A test's helpers may unwrap: a panic there is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use helpdesk_api_types::crm::NewOrganization;
use helpdesk_domain::Role;
use helpdesk_service::{Actor, AuthSettings, Services, SystemClock};
use helpdesk_store::events;
use helpdesk_test_support::db_test;
use helpdesk_worker::{OutboxConsumer, Outcome};

fn services(t: &helpdesk_test_support::TestDb) -> Services {
    Services::new(
        t.db.clone(),
        Arc::new(SystemClock),
        AuthSettings::with_secret(b"test-secret".to_vec()),
    )
}

db_test!(fn outbox_events_are_processed_once_in_order(t) {
    let svc = services(&t);
    let agent = Actor { user_id: 1, role: Role::Agent, contact_id: None, line: None, scopes: None, session_id: None, client: Default::default() };
    for name in ["Alpha", "Beta", "Gamma"] {
        svc.create_organization(&agent, &NewOrganization { name: name.into(), ..Default::default() }).unwrap();
    }
    let consumer = OutboxConsumer::new(svc.clone());
    assert_eq!(consumer.run_next().unwrap(), Outcome::Processed(3));
    assert_eq!(consumer.run_next().unwrap(), Outcome::Idle);
    let mut c = t.db.conn().unwrap();
    let done = events::for_aggregate(&mut c, "organization", 1).unwrap();
    assert_eq!(done.len(), 1);
    assert!(done[0].processed_at.is_some());
    assert!(events::unprocessed(&mut c, 10).unwrap().is_empty());
});
