//! The live feed: server-sent events for agents (new cases, new messages, assignments, status
//! changes), from whichever process made the change.

use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use helpdesk_api_types::cases::{LiveEvent, LiveQuery};
use helpdesk_service::live::LiveCursor;
use helpdesk_service::{Actor, Services};

use crate::extract::{blocking, Auth};
use crate::ApiError;

const POLL: Duration = Duration::from_millis(250);
const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Feed {
    svc: web::Data<Services>,
    actor: Actor,
    cursor: Option<LiveCursor>,
    deadline: Instant,
    last_sent: Instant,
    started: bool,
}

fn frame(e: &LiveEvent) -> String {
    let data = serde_json::to_string(e).unwrap_or_else(|_| "{}".to_owned());
    format!("id: {}\nevent: {}\ndata: {data}\n\n", e.id, e.event_type)
}

/// Server-sent events (`text/event-stream`) for agents: each event is `id`, `event` (its type)
/// and `data` (a `LiveEvent` as JSON). Changes reach the feed within a second from any API
/// replica or worker, since they all write the same outbox table. The stream ends after
/// `wait_seconds`; `EventSource` reconnects by itself and resumes after `Last-Event-ID`.
#[utoipa::path(tag = "cases", params(LiveQuery),
    responses((status = 200, description = "The event stream; each `data:` line is a LiveEvent", body = LiveEvent, content_type = "text/event-stream")))]
#[get("/live")]
pub async fn live(
    svc: web::Data<Services>,
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
    let cursor = {
        let (svc, actor) = (svc.clone(), actor.clone());
        blocking(move || svc.live_open(&actor, &q, resume)).await?
    };
    let feed = Feed {
        svc,
        actor,
        cursor: Some(cursor),
        deadline: Instant::now() + wait,
        last_sent: Instant::now(),
        started: false,
    };
    let stream = futures_util::stream::unfold(feed, |mut f| async move {
        if !f.started {
            f.started = true;
            // Reconnect after a second when the stream ends or breaks.
            return Some((
                Ok::<_, actix_web::Error>(Bytes::from_static(b"retry: 1000\n\n")),
                f,
            ));
        }
        loop {
            let mut cursor = f.cursor.take()?;
            let (svc, actor) = (f.svc.clone(), f.actor.clone());
            let polled = web::block(move || {
                let events = svc.live_poll(&actor, &mut cursor);
                (events, cursor)
            })
            .await
            .ok()?;
            let (events, cursor) = polled;
            f.cursor = Some(cursor);
            let events = events.ok()?;
            if !events.is_empty() {
                f.last_sent = Instant::now();
                let text: String = events.iter().map(frame).collect();
                return Some((Ok(Bytes::from(text)), f));
            }
            if Instant::now() >= f.deadline {
                return None;
            }
            if f.last_sent.elapsed() >= KEEP_ALIVE {
                // A feed outlives its access token: it ends once its session is revoked or its
                // user disabled, and the reconnection is refused.
                let (svc, actor) = (f.svc.clone(), f.actor.clone());
                if !web::block(move || svc.still_signed_in(&actor)).await.ok()? {
                    return None;
                }
                f.last_sent = Instant::now();
                return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), f));
            }
            actix_web::rt::time::sleep(POLL).await;
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}
