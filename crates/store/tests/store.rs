//! Storage behaviour on both backends.

// A test's helpers may unwrap: a panic there is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use helpdesk_domain::EntryKind;
use helpdesk_store::cases::{self, CaseFilter, NewCase, NewStreamEntry, PortalScope};
use helpdesk_store::crm::{self, NewContact, NewOrganization};
use helpdesk_store::{catalog, db, events, schema, truncate_time, AnyConnection, StoreError};
use helpdesk_test_support::db_test;

#[path = "store/schema_drift.rs"]
mod schema_drift;

#[path = "store/queue.rs"]
mod queue;

fn now() -> chrono::NaiveDateTime {
    truncate_time(Utc::now().naive_utc())
}

fn org(conn: &mut AnyConnection, name: &str) -> i64 {
    crm::insert_organization(
        conn,
        &NewOrganization {
            name: name.into(),
            short_name: None,
            inn: Some("7707083893".into()),
            kpp: None,
            org_type: None,
            industry: None,
            website: None,
            phones: "[]".into(),
            emails: "[]".into(),
            addresses: "[]".into(),
            parent_id: None,
            owner_id: None,
            description: None,
            created_at: now(),
            updated_at: now(),
        },
    )
    .unwrap()
}

fn contact(conn: &mut AnyConnection, org: Option<i64>, email: &str) -> i64 {
    crm::insert_contact(
        conn,
        &NewContact {
            first_name: "Ivan".into(),
            last_name: "Petrov".into(),
            organization_id: org,
            title: None,
            department: None,
            phones: "[]".into(),
            do_not_email: false,
            do_not_call: false,
            owner_id: None,
            portal_access: true,
            portal_sees_organization: false,
            created_at: now(),
            updated_at: now(),
        },
        &[email.to_owned()],
    )
    .unwrap()
}

fn new_case(
    conn: &mut AnyConnection,
    subject: &str,
    org: Option<i64>,
    requester: Option<i64>,
) -> i64 {
    let number = db::next_case_number(conn).unwrap();
    let row = cases::insert_case(
        conn,
        &NewCase {
            subject: subject.into(),
            description: "d".into(),
            status: helpdesk_domain::CaseStatus::New,
            priority: helpdesk_domain::Priority::Normal,
            case_type: helpdesk_domain::CaseType::Consultation,
            channel: helpdesk_domain::Channel::Agent,
            organization_id: org,
            customer_id: None,
            requester_id: requester,
            product_id: None,
            component_id: None,
            support_line: 1,
            team_id: None,
            assignee_id: None,
            system_info: None,
            tags: "[]".into(),
            created_by_id: None,
            created_at: now(),
            updated_at: now(),
            follow_up_of_id: None,
            mailbox_id: None,
        },
        number,
    )
    .unwrap();
    row.id
}

db_test!(fn migrations_are_applied_once(t) {
    assert!(!t.db.has_pending_migrations().unwrap());
    assert!(t.db.migrate().unwrap().is_empty(), "a second run applies nothing");
});

db_test!(fn every_schema_column_exists_with_its_type(t) {
    // Reading every column of every table through the hand-written schema fails if a migration
    // and schema.rs disagree on a name or an incompatible type.
    let mut c = t.db.conn().unwrap();
    let now = now();
    let o = org(&mut c, "Acme");
    let ct = contact(&mut c, Some(o), "ivan@acme.test");
    let case_id = new_case(&mut c, "s", Some(o), Some(ct));
    let p = catalog::insert_product(&mut c, "P", None, true, now).unwrap();
    catalog::insert_component(&mut c, p, "C", now).unwrap();
    let entry = cases::insert_stream_entry(&mut c, &NewStreamEntry {
        case_id, kind: EntryKind::Public, author_user_id: None, author_contact_id: Some(ct), body: "b", created_at: now,
    }).unwrap();
    assert_eq!(cases::stream_entry(&mut c, entry).unwrap().created_at, now, "times survive a round trip");
    assert_eq!(crm::organization(&mut c, o).unwrap().inn.as_deref(), Some("7707083893"));
    schema::settings::table.select((schema::settings::key, schema::settings::value))
        .load::<(String, String)>(&mut **c).unwrap();
    schema::users::table.select(helpdesk_store::users::UserRow::as_select()).load(&mut **c).unwrap();
    schema::teams::table.select(helpdesk_store::users::TeamRow::as_select()).load(&mut **c).unwrap();
    schema::contracts::table.select(catalog::ContractRow::as_select()).load(&mut **c).unwrap();
    schema::refresh_tokens::table.select(helpdesk_store::auth::RefreshTokenRow::as_select()).load(&mut **c).unwrap();
    schema::api_tokens::table.select(helpdesk_store::auth::ApiTokenRow::as_select()).load(&mut **c).unwrap();
    schema::sessions::table.select(helpdesk_store::auth::SessionRow::as_select()).load(&mut **c).unwrap();
    schema::login_throttles::table.select(schema::login_throttles::all_columns).load::<(String, i32, chrono::NaiveDateTime, chrono::NaiveDateTime)>(&mut **c).unwrap();
    schema::security_events::table.select(helpdesk_store::security::SecurityEventRow::as_select()).load(&mut **c).unwrap();
    schema::password_resets::table.select(helpdesk_store::security::PasswordResetRow::as_select()).load(&mut **c).unwrap();
    schema::sso_logins::table.select(helpdesk_store::sso::SsoLoginRow::as_select()).load(&mut **c).unwrap();
    schema::user_identities::table.select(schema::user_identities::all_columns).load::<(String, String, i64, chrono::NaiveDateTime)>(&mut **c).unwrap();
    schema::two_factor::table.select(helpdesk_store::two_factor::TwoFactorRow::as_select()).load(&mut **c).unwrap();
    schema::recovery_codes::table.select(schema::recovery_codes::all_columns).load::<(i64, i64, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)>(&mut **c).unwrap();
    schema::events::table.select(events::EventRow::as_select()).load(&mut **c).unwrap();
    schema::audit_entries::table.select(helpdesk_store::audit::AuditRow::as_select()).load(&mut **c).unwrap();
    schema::attachments::table.select(helpdesk_store::attachments::AttachmentRow::as_select()).load(&mut **c).unwrap();
    schema::mailboxes::table.select(helpdesk_store::email::MailboxRow::as_select()).load(&mut **c).unwrap();
    schema::inbound_messages::table.select(helpdesk_store::email::InboundRow::as_select()).load(&mut **c).unwrap();
    schema::case_message_ids::table.select(schema::case_message_ids::all_columns).load::<(String, i64, Option<i64>, String, chrono::NaiveDateTime)>(&mut **c).unwrap();
    schema::notifications::table.select(helpdesk_store::notifications::NotificationRow::as_select()).load(&mut **c).unwrap();
    schema::mail_outbox::table.select(helpdesk_store::notifications::MailRow::as_select()).load(&mut **c).unwrap();
    schema::case_followers::table.select(schema::case_followers::all_columns).load::<(i64, i64, chrono::NaiveDateTime)>(&mut **c).unwrap();
    schema::webhook_subscriptions::table.select(helpdesk_store::webhooks::SubscriptionRow::as_select()).load(&mut **c).unwrap();
    schema::webhook_deliveries::table.select(helpdesk_store::webhooks::DeliveryRow::as_select()).load(&mut **c).unwrap();
    schema::webhook_attempts::table.select(helpdesk_store::webhooks::AttemptRow::as_select()).load(&mut **c).unwrap();
    schema::idempotency_keys::table.select(helpdesk_store::idempotency::KeyRow::as_select()).load(&mut **c).unwrap();
    schema::web_forms::table.select(helpdesk_store::web_forms::WebFormRow::as_select()).load(&mut **c).unwrap();
    schema::registry_cache::table.select(schema::registry_cache::all_columns).load::<(String, String, chrono::NaiveDateTime)>(&mut **c).unwrap();
    schema::leads::table.select(helpdesk_store::leads::LeadRow::as_select()).load(&mut **c).unwrap();
    schema::comments::table.select(helpdesk_store::leads::CommentRow::as_select()).load(&mut **c).unwrap();
    schema::kb_categories::table.select(helpdesk_store::kb::CategoryRow::as_select()).load(&mut **c).unwrap();
    schema::kb_articles::table.select(helpdesk_store::kb::ArticleRow::as_select()).load(&mut **c).unwrap();
    schema::case_articles::table.select(schema::case_articles::all_columns).load::<(i64, i64, Option<i64>, chrono::NaiveDateTime)>(&mut **c).unwrap();
    schema::kb_attachments::table.select(helpdesk_store::kb::KbAttachmentRow::as_select()).load(&mut **c).unwrap();
    schema::crm_imports::table.select(helpdesk_store::imports::ImportRow::as_select()).load(&mut **c).unwrap();
    schema::rate_limits::table.select(schema::rate_limits::all_columns).load::<(String, chrono::NaiveDateTime, i32)>(&mut **c).unwrap();
    assert!(cases::follow(&mut c, case_id, 1, now).is_err(), "a follower must be an existing user");
});

db_test!(fn rate_counts_are_per_key_and_window(t) {
    use helpdesk_store::ratelimits;
    let mut c = t.db.conn().unwrap();
    let w = now();
    assert_eq!(ratelimits::hit(&mut c, "k", w).unwrap(), 1);
    assert_eq!(ratelimits::hit(&mut c, "k", w).unwrap(), 2);
    assert_eq!(ratelimits::hit(&mut c, "other", w).unwrap(), 1);
    let next = w + chrono::Duration::minutes(1);
    assert_eq!(ratelimits::hit(&mut c, "k", next).unwrap(), 1, "a new window starts at one");
    assert_eq!(ratelimits::purge(&mut c, next).unwrap(), 2, "the past window is forgotten");
    assert_eq!(ratelimits::hit(&mut c, "k", next).unwrap(), 2);
});

// Stored names are read as their domain types: a status, role or kind the code does not know
// is an error naming the type and the value, never a default.
db_test!(fn an_unknown_stored_value_is_an_error_not_a_default(t) {
    let mut c = t.db.conn().unwrap();
    let id = new_case(&mut c, "typed", None, None);
    let case = cases::case(&mut c, id).unwrap();
    assert_eq!(
        (case.status, case.priority, case.channel),
        (helpdesk_domain::CaseStatus::New, helpdesk_domain::Priority::Normal, helpdesk_domain::Channel::Agent)
    );
    diesel::sql_query(format!("UPDATE cases SET status = 'pondering' WHERE id = {id}"))
        .execute(&mut **c)
        .unwrap();
    let err = cases::case(&mut c, id).unwrap_err();
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(e) = source {
        chain.push_str(&format!(": {e}"));
        source = e.source();
    }
    assert!(chain.contains("CaseStatus") && chain.contains("`pondering`"), "{chain}");
});

db_test!(fn case_numbers_are_unique_and_increasing(t) {
    let mut c = t.db.conn().unwrap();
    let (ia, ib) = (new_case(&mut c, "a", None, None), new_case(&mut c, "b", None, None));
    let a = cases::case(&mut c, ia).unwrap().number;
    let b = cases::case(&mut c, ib).unwrap().number;
    assert!(a >= 1000);
    assert!(b > a);
});

db_test!(fn keyset_pages_cover_every_case_once(t) {
    let mut c = t.db.conn().unwrap();
    let ids: Vec<i64> = (0..7).map(|i| new_case(&mut c, &format!("case {i}"), None, None)).collect();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = cases::list_cases(&mut c, &CaseFilter::default(), 3, cursor).unwrap();
        seen.extend(page.items.iter().map(|r| r.id));
        match page.next_cursor { Some(n) => cursor = Some(n), None => break }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected, "newest first, no gaps, no repeats");
});

db_test!(fn subject_search_is_case_insensitive_and_literal(t) {
    let mut c = t.db.conn().unwrap();
    new_case(&mut c, "Printer is Broken", None, None);
    new_case(&mut c, "100% CPU", None, None);
    new_case(&mut c, "100 users", None, None);
    let find = |c: &mut AnyConnection, text: &str| {
        let f = CaseFilter { subject_contains: Some(text.into()), ..Default::default() };
        cases::list_cases(c, &f, 10, None).unwrap().items.into_iter().map(|r| r.subject).collect::<Vec<_>>()
    };
    assert_eq!(find(&mut c, "broken"), vec!["Printer is Broken"]);
    assert_eq!(find(&mut c, "100%"), vec!["100% CPU"]);
});

db_test!(fn portal_scope_sees_only_own_or_organization_cases(t) {
    let mut c = t.db.conn().unwrap();
    let acme = org(&mut c, "Acme");
    let other = org(&mut c, "Other");
    let ivan = contact(&mut c, Some(acme), "ivan@acme.test");
    let olga = contact(&mut c, Some(acme), "olga@acme.test");
    let mine = new_case(&mut c, "mine", Some(acme), Some(ivan));
    let colleague = new_case(&mut c, "colleague", Some(acme), Some(olga));
    let cc = new_case(&mut c, "cc", Some(other), Some(olga));
    cases::set_case_contacts(&mut c, cc, &[olga, ivan]).unwrap();
    new_case(&mut c, "stranger", Some(other), None);

    let visible = |c: &mut AnyConnection, org: Option<i64>| {
        let f = CaseFilter { portal: Some(PortalScope { contact_id: ivan, organization_id: org }), ..Default::default() };
        let mut ids: Vec<i64> = cases::list_cases(c, &f, 50, None).unwrap().items.iter().map(|r| r.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(visible(&mut c, None), vec![mine, cc]);
    assert_eq!(visible(&mut c, Some(acme)), vec![mine, colleague, cc]);
});

db_test!(fn stream_keeps_order_and_filters_kinds(t) {
    let mut c = t.db.conn().unwrap();
    let case_id = new_case(&mut c, "s", None, None);
    for (kind, body) in [(EntryKind::Public, "hello"), (EntryKind::Internal, "secret"), (EntryKind::Public, "bye")] {
        cases::insert_stream_entry(&mut c, &NewStreamEntry {
            case_id, kind, author_user_id: None, author_contact_id: None, body, created_at: now(),
        }).unwrap();
    }
    let all = cases::stream(&mut c, case_id, None, 10, None).unwrap();
    assert_eq!(all.items.iter().map(|e| e.body.as_str()).collect::<Vec<_>>(), ["hello", "secret", "bye"]);
    let public = cases::stream(&mut c, case_id, Some(&["public"]), 10, None).unwrap();
    assert_eq!(public.items.iter().map(|e| e.body.as_str()).collect::<Vec<_>>(), ["hello", "bye"]);
});

db_test!(fn a_failed_transaction_leaves_nothing_behind(t) {
    let result: Result<(), StoreError> = t.db.write(|c| {
        let o = org(c, "Half-written");
        events::insert_event(c, &events::NewEvent {
            event_type: "organization.created", aggregate_type: "organization", aggregate_id: o,
            actor_user_id: None, payload: "{}".into(), created_at: now(),
        })?;
        Err(StoreError::Conflict("simulated failure after the writes".into()))
    });
    assert!(result.is_err());
    let mut c = t.db.conn().unwrap();
    let orgs = crm::list_organizations(&mut c, &Default::default(), 10, None).unwrap();
    assert!(orgs.items.is_empty());
    assert!(events::unprocessed(&mut c, 10).unwrap().is_empty());
});

db_test!(fn contracts_are_active_within_their_period(t) {
    let mut c = t.db.conn().unwrap();
    let o = org(&mut c, "Acme");
    let p = catalog::insert_product(&mut c, "Suite", None, true, now()).unwrap();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    catalog::insert_contract(&mut c, &catalog::NewContract {
        organization_id: o, product_id: p, number: "K-1".into(), starts_on: d(1, 1),
        ends_on: Some(d(6, 30)), active: true, created_at: now(), updated_at: now(),
    }).unwrap();
    assert!(catalog::has_active_contract(&mut c, o, p, d(3, 1)).unwrap());
    assert!(catalog::has_active_contract(&mut c, o, p, d(6, 30)).unwrap());
    assert!(!catalog::has_active_contract(&mut c, o, p, d(7, 1)).unwrap());
});

db_test!(fn unique_violations_are_conflicts(t) {
    let mut c = t.db.conn().unwrap();
    catalog::insert_product(&mut c, "Suite", None, true, now()).unwrap();
    let again = catalog::insert_product(&mut c, "Suite", None, true, now());
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
});

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

db_test!(fn a_pooled_connection_the_server_closed_is_replaced(t) {
    // Warm the pool, then let every pooled connection sit idle past the validation window.
    let first = t.db.read(|c| crm::organization_exists(c, 1)).unwrap();
    assert!(!first);
    if t.url.starts_with("postgres") {
        // An administrator (or a server restart) ends every session of this database.
        let mut admin = diesel::PgConnection::establish(&t.url).unwrap();
        let killed: Count = diesel::sql_query(
            "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .get_result(&mut admin)
        .unwrap();
        assert!(killed.n >= 1, "the pool held a session");
    }
    std::thread::sleep(std::time::Duration::from_millis(600));
    // The next checkout pings the idle connection, finds it dead and opens a new one.
    let o = t.db.write(|c| Ok::<_, StoreError>(org(c, "After restart"))).unwrap();
    assert!(t.db.read(|c| crm::organization_exists(c, o)).unwrap());
});

#[test]
fn processes_starting_together_on_an_empty_postgres_migrate_in_turn() {
    // Four processes (each its own pool) start at once on a fresh database.
    let t = helpdesk_test_support::TestDb::postgres_empty();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = t.url.clone();
            std::thread::spawn(move || {
                let db = helpdesk_store::Db::connect(&url, 2).expect("connect");
                db.migrate().map(|applied| applied.len())
            })
        })
        .collect();
    let applied: Vec<usize> = starts
        .into_iter()
        .map(|s| s.join().unwrap().expect("every process starts"))
        .collect();
    assert_eq!(
        applied.iter().filter(|n| **n > 0).count(),
        1,
        "one applies the migrations, the others find them applied: {applied:?}"
    );
    assert!(!t.db.has_pending_migrations().unwrap());
    // The set-up lock is free again: a later start takes it at once.
    let later =
        t.db.with_setup_lock(|| Ok::<_, helpdesk_store::StoreError>(7))
            .unwrap();
    assert_eq!(later, 7);
}

// A call of a unit of work still running on another thread when the next call comes (an
// extractor of a request that outlived its caller) is waited for: the next call runs inside the
// unit after it, instead of waiting forever for the unit's own writer lock.
db_test!(fn a_unit_waits_for_its_connection_to_come_back(t) {
    use helpdesk_store::{auth, Unit};
    let unit = Unit::new(&t.db);
    let (db, u) = (t.db.clone(), unit.clone());
    let slow = std::thread::spawn(move || {
        u.enter(|| {
            db.write(|c| -> Result<(), helpdesk_store::StoreError> {
                std::thread::sleep(std::time::Duration::from_millis(300));
                auth::setting_or_insert(c, "first", "1").map(|_| ())
            })
        })
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    let (tx, rx) = std::sync::mpsc::channel();
    let (db, u) = (t.db.clone(), unit.clone());
    std::thread::spawn(move || {
        let r = u.enter(|| db.write(|c| auth::setting_or_insert(c, "second", "2").map(|_| ())));
        let _ = tx.send(r.is_ok());
    });
    let done = rx.recv_timeout(std::time::Duration::from_secs(10));
    assert_eq!(done, Ok(true), "the second call ran, inside the unit, once the first was done");
    slow.join().unwrap().unwrap();
    unit.commit().unwrap();
    let mut c = t.db.conn().unwrap();
    assert_eq!(auth::setting(&mut c, "first").unwrap().as_deref(), Some("1"));
    assert_eq!(auth::setting(&mut c, "second").unwrap().as_deref(), Some("2"));
});
