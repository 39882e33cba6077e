//! The live feed: server-sent events for agents (new cases, new messages, assignments, status
//! changes), from whichever process made the change.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use helpdesk_api_types::cases::{LiveEvent, LiveQuery};
use helpdesk_service::{Actor, Services};

use crate::live_hub::{LiveHub, Note, Subscription};

use crate::extract::{blocking, Auth};
use crate::ApiError;

const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Feed {
    svc: web::Data<Services>,
    actor: Actor,
    sub: Subscription,
    /// Frames to send before anything else (the reconnection delay, the catch-up).
    queued: VecDeque<Bytes>,
    /// Events at or below this id came with the catch-up or before the feed opened.
    start: i64,
    /// Ids the catch-up already sent.
    sent: BTreeSet<i64>,
    deadline: Instant,
    last_sent: Instant,
}

fn frame(e: &LiveEvent) -> String {
    let data = serde_json::to_string(e).unwrap_or_else(|_| "{}".to_owned());
    format!("id: {}\nevent: {}\ndata: {data}\n\n", e.id, e.event_type)
}

/// Server-sent events (`text/event-stream`) for agents: each event is `id`, `event` (its type)
/// and `data` (a `LiveEvent` as JSON). A change reaches the feed as soon as its transaction
/// commits, from any API replica or worker, since they all write the same outbox table; each
/// process reads it once for all its feeds, so an idle feed costs no database query. The
/// stream ends after `wait_seconds`, or when the session ends; `EventSource` reconnects by
/// itself and resumes after `Last-Event-ID`, catching up on what it missed.
#[utoipa::path(tag = "cases", params(LiveQuery),
    responses((status = 200, description = "The event stream; each `data:` line is a LiveEvent", body = LiveEvent, content_type = "text/event-stream")))]
#[get("/live")]
pub async fn live(
    svc: web::Data<Services>,
    hub: web::Data<Arc<LiveHub>>,
    auth: Auth,
    req: HttpRequest,
    q: web::Query<LiveQuery>,
) -> Result<HttpResponse, ApiError> {
    let resume = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|id| *id >= 0);
    let actor = auth.0;
    let wait = Duration::from_secs(q.wait_seconds.unwrap_or(300));
    let catch_up = q.after.or(resume).is_some();
    // The feed joins the hub before it decides where it starts, so nothing committed in between
    // is missed (what arrives twice is sent once).
    let (sub, start, missed) = {
        let (svc, hub, actor) = (svc.clone(), hub.get_ref().clone(), actor.clone());
        blocking(move || {
            actor.staff_read()?;
            let sub = hub.subscribe(actor.session_id)?;
            let mut cursor = svc.live_open(&actor, &q, resume)?;
            let start = cursor.high;
            let missed = if catch_up {
                svc.live_poll(&actor, &mut cursor)?
            } else {
                Vec::new()
            };
            Ok((sub, start, missed))
        })
        .await?
    };
    // Reconnect after a second when the stream ends or breaks.
    let mut queued = VecDeque::from([Bytes::from_static(b"retry: 1000\n\n")]);
    if !missed.is_empty() {
        queued.push_back(Bytes::from(missed.iter().map(frame).collect::<String>()));
    }
    let feed = Feed {
        svc,
        actor,
        sub,
        queued,
        start,
        sent: missed.iter().map(|e| e.id).collect(),
        deadline: Instant::now() + wait,
        last_sent: Instant::now(),
    };
    let stream = futures_util::stream::unfold(feed, |mut f| async move {
        if let Some(first) = f.queued.pop_front() {
            return Some((Ok::<_, actix_web::Error>(first), f));
        }
        loop {
            let now = Instant::now();
            if now >= f.deadline {
                return None;
            }
            let wake = (f.last_sent + KEEP_ALIVE).min(f.deadline);
            tokio::select! {
                note = f.sub.rx.recv() => match note {
                    Ok(Note::Events(found)) => {
                        let text: String = found
                            .iter()
                            .filter(|e| e.id > f.start && !f.sent.contains(&e.id))
                            .map(frame)
                            .collect();
                        if !text.is_empty() {
                            f.last_sent = Instant::now();
                            return Some((Ok(Bytes::from(text)), f));
                        }
                    }
                    Ok(Note::Ended(ended)) => {
                        // Signed out, revoked or disabled: the feed ends, and the
                        // reconnection is refused.
                        if f.actor.session_id.is_some_and(|s| ended.contains(&s)) {
                            return None;
                        }
                    }
                    // Fell too far behind, or the hub is gone: end; the client reconnects with
                    // Last-Event-ID and catches up.
                    Err(_) => return None,
                },
                _ = tokio::time::sleep_until(tokio::time::Instant::from_std(wake)) => {
                    if Instant::now() >= f.deadline {
                        return None;
                    }
                    // A feed opened with an API token has no session for the hub to watch.
                    if f.actor.session_id.is_none() {
                        let (svc, actor) = (f.svc.clone(), f.actor.clone());
                        if !web::block(move || svc.still_signed_in(&actor)).await.ok()? {
                            return None;
                        }
                    }
                    f.last_sent = Instant::now();
                    return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), f));
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}
