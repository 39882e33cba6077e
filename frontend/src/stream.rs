//! A case's stream as the agent and the customer read it: entries by kind, their files, and
//! mails' sanitized HTML with pictures from elsewhere held back until asked for.

use helpdesk_api_types::cases::{Attachment, StreamEntry, StreamKind, StreamPage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::agent::directory;
use crate::api;
use crate::i18n::Lang;
use crate::picker::{Pick, RecordName};
use crate::route::{router, Route};
use crate::tr;
use crate::ui::{lang, pending, size, toasts, when, Fetch, Load};
use crate::upload::FileLinks;

/// A case's stream: public messages, internal notes (marked and tinted) and system events.
#[component]
pub fn Stream(
    stream: Fetch<StreamPage>,
    files: Fetch<Vec<Attachment>>,
    portal: bool,
    /// Told when an entry changed the case (a suggested follow-up accepted).
    #[prop(optional)]
    on_change: Option<Callback<()>>,
) -> impl IntoView {
    let l = lang();
    let dir = (!portal).then(directory);
    // The customer's own contact: their messages are theirs, whichever way they came.
    let me = crate::api::load_session().and_then(|s| s.user.contact_id);
    // A suggested follow-up let into the case, or split off into a new one.
    let decide = move |case_id: i64, entry_id: i64, what: &'static str| {
        spawn_local(async move {
            let path = format!("/api/v1/cases/{case_id}/stream/{entry_id}/{what}");
            match api::post_empty::<serde_json::Value>(&path).await {
                Ok(v) if what == "split" => {
                    if let Some(id) = v["id"].as_i64() {
                        router().go(Route::Case(id));
                    }
                }
                Ok(_) => match on_change {
                    Some(f) => f.run(()),
                    None => stream.reload(),
                },
                Err(e) => toasts().push(e.message(), None, true),
            }
        });
    };
    // A screen reader hears of an entry that arrives while the case is open, once — not the
    // whole stream again at each reload.
    let seen = StoredValue::new(None::<usize>);
    let arrived = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Load::Ready(page) = stream.get() {
            let n = page.items.len();
            let before = seen.get_value();
            seen.set_value(Some(n));
            if let (Some(b), Some(last)) = (before, page.items.last()) {
                if n > b {
                    let lg = l.get_untracked();
                    let who = match dir {
                        Some(d) => staff_author(lg, d, last),
                        None => customer_author(lg, me, last),
                    };
                    arrived.set(format!(
                        "{} {who}",
                        tr!(lg, "New in the stream, from", "Новое в ленте от")
                    ));
                }
            }
        }
    });
    let entries = move || match stream.get() {
        Load::Ready(page) => {
            let lg = l.get();
            let all_files = files.value().unwrap_or_default();
            view! {
                <ol class="stream" data-test="stream">
                    {page.items.into_iter().map(|e: StreamEntry| {
                        let mine: Vec<Attachment> = all_files.iter().filter(|a| a.entry_id == Some(e.id)).cloned().collect();
                        let author = match dir {
                            Some(d) => staff_author(lg, d, &e),
                            None => customer_author(lg, me, &e),
                        };
                        let kind = match e.kind {
                            StreamKind::Public => tr!(lg, "Message", "Сообщение"),
                            StreamKind::Internal if e.thread_rule.as_deref() == Some("suggested") => tr!(lg, "Suggested follow-up", "Предложенное продолжение"),
                            StreamKind::Internal => tr!(lg, "Internal note", "Внутренняя заметка"),
                            StreamKind::System => tr!(lg, "Event", "Событие"),
                        };
                        view! {
                            <li class=format!("entry entry-{}", e.kind.as_str()) data-test="entry" data-kind=e.kind.as_str()>
                                <div class="entry-head">
                                    {match (dir, e.author_user_id, e.author_contact_id) {
                                        // Registered by an agent for a customer: the customer's
                                        // words, and who wrote them down.
                                        (Some(d), Some(agent), Some(customer)) if d.is_staff(agent) => view! {
                                            <strong data-test="entry-author"><RecordName pick=Pick::Contact id=customer/></strong>
                                            <span class="hint" data-test="registered-by">{format!("{} {}", tr!(lg, "registered by", "зарегистрировал(а)"), d.user_name(Some(agent)))}</span>
                                        }.into_any(),
                                        _ => view! { <strong data-test="entry-author">{author}</strong> }.into_any(),
                                    }}
                                    <span class="kind">{kind}</span>
                                    <time>{when(lg, e.created_at)}</time>
                                </div>
                                {match e.body_html.clone() {
                                    // Sanitised by the server when the mail was received.
                                    Some(html) => view! { <HtmlBody html lang=lg/> }.into_any(),
                                    // A system entry says what happened as data: in the reader's words.
                                    None if !e.events.is_empty() => view! {
                                        <div class="body">{crate::system_events::say_all(lg, &e.events)}</div>
                                    }.into_any(),
                                    None => view! { <div class="body">{e.body.clone()}</div> }.into_any(),
                                }}
                                {(!mine.is_empty()).then(|| view! { <FileLinks files=mine portal/> })}
                                {(!portal && e.thread_rule.as_deref() == Some("suggested")).then(|| {
                                    let (case_id, entry_id) = (e.case_id, e.id);
                                    view! {
                                        <div class="suggested" data-test="suggested">
                                            <p>{tr!(lg,
                                                "This mail answers the case's thread, but its sender is not a participant of the case, so it was not added as a message and the customer does not see it. Add it if the sender belongs here, or make it a case of its own.",
                                                "Это письмо отвечает в переписке обращения, но отправитель не участник обращения: оно не добавлено как сообщение, и клиент его не видит. Добавьте его, если отправитель относится к обращению, или создайте из него новое обращение.")}</p>
                                            <button type="button" data-test="accept-suggested" on:click=move |_| decide(case_id, entry_id, "accept")>
                                                {tr!(lg, "Add to this case", "Добавить в это обращение")}
                                            </button>
                                            <button type="button" data-test="split-suggested" on:click=move |_| decide(case_id, entry_id, "split")>
                                                {tr!(lg, "Make a new case", "Создать новое обращение")}
                                            </button>
                                        </div>
                                    }
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }
            .into_any()
        }
        other => pending(&other, move || stream.reload()),
    };
    view! {
        <div class="sr" role="status" aria-live="polite" data-test="stream-arrived">{move || arrived.get()}</div>
        {entries}
    }
}

/// Who wrote an entry, as agents read it: the colleague or portal user by name, a mail's
/// sender by address.
fn staff_author(lg: Lang, dir: crate::agent::Directory, e: &StreamEntry) -> String {
    match (e.author_user_id, e.author_contact_id, &e.email_from) {
        (Some(u), _, _) => dir.user_name(Some(u)),
        (_, _, Some(from)) => from.clone(),
        (_, Some(_), _) => tr!(lg, "Customer", "Клиент").to_owned(),
        _ => tr!(lg, "System", "Система").to_owned(),
    }
}

/// Who wrote an entry, as the customer reads it: themselves, a colleague of theirs (by
/// address when it came by mail), or support.
fn customer_author(lg: Lang, me: Option<i64>, e: &StreamEntry) -> String {
    match (e.author_contact_id, &e.email_from) {
        (Some(c), _) if Some(c) == me => tr!(lg, "You", "Вы").to_owned(),
        (_, Some(from)) => from.clone(),
        (Some(_), None) => tr!(lg, "Your colleague", "Ваш коллега").to_owned(),
        (None, None) => tr!(lg, "Support", "Поддержка").to_owned(),
    }
}

/// Used by the file list to label sizes.
pub fn file_label(a: &Attachment) -> String {
    format!("{} ({})", a.filename, size(a.size))
}

/// A message's sanitized HTML. Pictures from elsewhere are not loaded (a tracking pixel tells
/// its sender when and where the mail was read) until the reader asks; then they come through
/// the server's proxy, which sends no cookies and no referrer.
#[component]
fn HtmlBody(html: String, lang: Lang) -> impl IntoView {
    let has_remote = html.contains("data-remote-src=");
    let body = NodeRef::<leptos::html::Div>::new();
    let shown = RwSignal::new(false);
    let show = move |_| {
        let Some(div) = body.get_untracked() else {
            return;
        };
        // Each picture, once given its address, loses the attribute that found it.
        while let Ok(Some(img)) = div.query_selector("img[data-remote-src]") {
            if let Some(src) = img.get_attribute("data-remote-src") {
                let _ = img.set_attribute("src", &src);
            }
            let _ = img.remove_attribute("data-remote-src");
        }
        shown.set(true);
    };
    view! {
        <div class="body" node_ref=body inner_html=html></div>
        {move || (has_remote && !shown.get()).then(|| view! {
            <p class="remote-pictures muted">
                {tr!(lang, "Pictures from elsewhere are not shown.", "Картинки из внешних источников не показаны.")}
                " "
                <button type="button" class="link" data-test="show-remote-pictures" on:click=show>
                    {tr!(lang, "Show them", "Показать")}
                </button>
            </p>
        })}
    }
}
