//! The one queue rule every queue table follows (`helpdesk_store::queue`), on both backends:
//! one taker per row, a lease that runs out, retries that wait longer each time and end, a
//! release that costs no attempt, and rows left mid-way settled.

use chrono::{Duration, NaiveDateTime};
use helpdesk_store::email::{self, NewInbound};
use helpdesk_store::notifications::{self, NewMail};
use helpdesk_store::queue::{lease_until, Failed, MailQueue, ReceivedQueue};
use helpdesk_store::AnyConnection;
use helpdesk_test_support::db_test;

use super::now;

fn received(c: &mut AnyConnection, n: usize, at: NaiveDateTime) -> i64 {
    email::insert_inbound(
        c,
        &NewInbound {
            mailbox_id: None,
            message_id: &format!("m{n}@queue.test"),
            raw_sha256: "0000",
            size: 1,
            source: "inbound",
            from_address: None,
            subject: None,
            status: "received",
            received_at: at,
        },
    )
    .unwrap()
}

fn five_minutes(t: NaiveDateTime) -> NaiveDateTime {
    lease_until(t, Duration::minutes(5))
}

db_test!(fn a_row_is_held_by_one_taker_until_its_lease_runs_out(t) {
    let mut c = t.db.conn().unwrap();
    let at = now();
    let ids: Vec<i64> = (0..3).map(|n| received(&mut c, n, at)).collect();
    let first = ReceivedQueue::take_due(&mut c, at, five_minutes(at), 2).unwrap();
    assert_eq!(first.iter().map(|l| l.id).collect::<Vec<_>>(), ids[..2]);
    let second = ReceivedQueue::take_due(&mut c, at, five_minutes(at), 10).unwrap();
    assert_eq!(second.iter().map(|l| l.id).collect::<Vec<_>>(), ids[2..], "the held ones are not offered");
    assert!(ReceivedQueue::take(&mut c, &ids, at, five_minutes(at)).unwrap().is_empty(), "nor taken twice");
    assert_eq!(email::inbound(&mut c, ids[0]).unwrap().status, "processing");

    // Their worker died: once the lease has run out they are taken again.
    let later = at + Duration::minutes(6);
    let again = ReceivedQueue::take_due(&mut c, later, five_minutes(later), 10).unwrap();
    assert_eq!(again.len(), 3);
    // The first taker's lease is no longer worth anything.
    assert_eq!(ReceivedQueue::extend(&mut c, first[0], five_minutes(later)).unwrap(), None);
    assert!(!ReceivedQueue::release(&mut c, first[0], later).unwrap());
    assert_eq!(ReceivedQueue::failed(&mut c, ids[0], Some(first[0].until), "late", later).unwrap(), Failed::NotHeld);
    // The new one's is.
    assert!(ReceivedQueue::extend(&mut c, again[0], five_minutes(later + Duration::minutes(1))).unwrap().is_some());
});

db_test!(fn two_workers_racing_never_take_the_same_row(t) {
    let at = now();
    {
        let mut c = t.db.conn().unwrap();
        for n in 0..40 {
            received(&mut c, n, at);
        }
    }
    let takers: Vec<_> = (0..2)
        .map(|_| {
            let db = t.db.clone();
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                for _ in 0..20 {
                    let got = db
                        .write(|c| ReceivedQueue::take_due(c, at, five_minutes(at), 3))
                        .unwrap();
                    mine.extend(got.into_iter().map(|l| l.id));
                }
                mine
            })
        })
        .collect();
    let mut all: Vec<i64> = takers.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let taken = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), taken, "no row was taken by both");
    assert_eq!(taken, 40, "every row was taken");
});

db_test!(fn failures_wait_longer_each_time_and_are_given_up_when_the_rule_says(t) {
    let mut c = t.db.conn().unwrap();
    let mut at = now();
    let id = received(&mut c, 1, at);
    let tries = ReceivedQueue::RETRY.tries();
    let mut waits = Vec::new();
    for made in 1..tries {
        let lease = ReceivedQueue::take_due(&mut c, at, five_minutes(at), 10).unwrap();
        assert_eq!(lease.len(), 1, "due again after attempt {made}");
        let outcome = ReceivedQueue::failed(&mut c, id, Some(lease[0].until), "broken", at).unwrap();
        let Failed::RetryAt(next) = outcome else {
            panic!("attempt {made} of {tries} should be retried, got {outcome:?}");
        };
        assert!(ReceivedQueue::due(&mut c, next - Duration::seconds(1), 10).unwrap().is_empty(), "not before its time");
        waits.push(next - at);
        at = next;
    }
    assert_eq!(waits[0], Duration::seconds(30));
    assert!(waits.windows(2).all(|w| w[1] >= w[0]), "waits never shrink: {waits:?}");
    let lease = ReceivedQueue::take_due(&mut c, at, five_minutes(at), 10).unwrap();
    assert_eq!(ReceivedQueue::failed(&mut c, id, Some(lease[0].until), "still broken", at).unwrap(), Failed::GivenUp);
    let row = email::inbound(&mut c, id).unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("failed", tries as i32));
    assert_eq!(row.last_error.as_deref(), Some("still broken"));
    assert_eq!(row.lease_until, None);
    assert!(ReceivedQueue::due(&mut c, at + Duration::days(30), 10).unwrap().is_empty(), "given up for good");
});

db_test!(fn an_attempt_inside_a_rolled_back_transaction_is_counted_only_once(t) {
    let mut c = t.db.conn().unwrap();
    let at = now();
    let id = received(&mut c, 1, at);
    // Recorded without a lease (the transaction that held it rolled back): counted once.
    assert!(matches!(ReceivedQueue::failed(&mut c, id, None, "x", at).unwrap(), Failed::RetryAt(_)));
    assert_eq!(email::inbound(&mut c, id).unwrap().attempts, 1);
    // While another worker holds it, not at all.
    let later = at + Duration::minutes(1);
    let lease = ReceivedQueue::take(&mut c, &[id], later, five_minutes(later)).unwrap();
    assert_eq!(lease.len(), 1);
    assert_eq!(ReceivedQueue::failed(&mut c, id, None, "y", later).unwrap(), Failed::NotHeld);
    assert_eq!(email::inbound(&mut c, id).unwrap().attempts, 1);
});

db_test!(fn a_release_costs_no_attempt_and_leaves_the_row_due(t) {
    let mut c = t.db.conn().unwrap();
    let at = now();
    let id = received(&mut c, 1, at);
    let lease = ReceivedQueue::take_due(&mut c, at, five_minutes(at), 1).unwrap();
    assert!(ReceivedQueue::release(&mut c, lease[0], at).unwrap());
    let row = email::inbound(&mut c, id).unwrap();
    assert_eq!((row.status.as_str(), row.attempts, row.lease_until), ("received", 0, None));
    assert_eq!(ReceivedQueue::due(&mut c, at, 10).unwrap(), vec![id]);
});

db_test!(fn rows_left_mid_way_are_settled_once_their_lease_runs_out(t) {
    let mut c = t.db.conn().unwrap();
    let at = now();
    notifications::insert_mails(&mut c, &[NewMail {
        event_id: 1,
        recipient: "a@queue.test".into(),
        kind: "case_created".into(),
        case_id: None,
        subject: "s".into(),
        body: "b".into(),
        message_id: "<q@queue.test>".into(),
        status: "pending".into(),
        next_attempt_at: at,
        created_at: at,
        from_address: None,
        in_reply_to: None,
        references_header: None,
        auto_submitted: "auto-generated".into(),
        mailbox_id: None,
        attachment_ids: "[]".into(),
    }]).unwrap();
    let claim = MailQueue::take_due(&mut c, at, lease_until(at, Duration::minutes(2)), 10).unwrap();
    assert_eq!(claim.len(), 1);
    let sending = MailQueue::advance(&mut c, claim[0], "sending", lease_until(at, Duration::minutes(10))).unwrap().unwrap();
    assert_eq!(MailQueue::advance(&mut c, claim[0], "sending", at).unwrap(), None, "the claim moved on");
    // Neither taken again nor settled while the hand-over may still be going on.
    let soon = at + Duration::minutes(5);
    assert!(MailQueue::due(&mut c, soon, 10).unwrap().is_empty());
    assert_eq!(MailQueue::expire(&mut c, "sending", "unknown", "cut", soon).unwrap(), 0);
    let late = at + Duration::minutes(11);
    assert!(MailQueue::due(&mut c, late, 10).unwrap().is_empty(), "a mail being sent is never sent again by itself");
    assert_eq!(MailQueue::expire(&mut c, "sending", "unknown", "cut", late).unwrap(), 1);
    let row = notifications::mail(&mut c, sending.id).unwrap();
    assert_eq!((row.status.as_str(), row.attempts, row.last_error.as_deref()), ("unknown", 1, Some("cut")));
});
