//! Files: the composer (reply or internal note, drag-and-drop uploads with a progress bar and
//! the 50 MB limit checked before sending), and file links that download with the session's
//! token, with previews for images.

use helpdesk_api_types::cases::{Attachment, StreamKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::agent::KbPicker;
use crate::api::{self, ApiError};
use crate::tr;
use crate::ui::{lang, size, toasts};

/// The server's limit for one file.
pub const MAX_FILE: f64 = 50.0 * 1024.0 * 1024.0;

/// One file on its way up: name, share sent (0..1), and the attachment once stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub key: u64,
    pub name: String,
    pub progress: f64,
    pub done: Option<Attachment>,
    pub failed: Option<String>,
    /// The server has it (for a case's file, `done` says which attachment it became).
    pub stored: bool,
}

fn upload_path(case_id: i64, portal: bool) -> String {
    if portal {
        format!("/api/v1/portal/cases/{case_id}/attachments")
    } else {
        format!("/api/v1/cases/{case_id}/attachments")
    }
}

/// Sends one file as `multipart/form-data` with XMLHttpRequest (fetch reports no upload
/// progress), updating its row in `uploads`.
pub fn send_file(path: String, file: web_sys::File, uploads: RwSignal<Vec<Upload>>) {
    let key = (js_sys::Math::random() * 1e15) as u64;
    let name = file.name();
    uploads.update(|u| {
        u.push(Upload {
            key,
            name: name.clone(),
            progress: 0.0,
            done: None,
            stored: false,
            failed: None,
        });
    });
    let set = move |f: &dyn Fn(&mut Upload)| {
        uploads.update(|u| {
            if let Some(x) = u.iter_mut().find(|x| x.key == key) {
                f(x);
            }
        });
    };
    let result = (|| -> Result<(), wasm_bindgen::JsValue> {
        let xhr = web_sys::XmlHttpRequest::new()?;
        xhr.open("POST", &path)?;
        if let Some(token) = api::access_token() {
            xhr.set_request_header("Authorization", &format!("Bearer {token}"))?;
        }
        xhr.set_request_header("Accept-Language", api::language())?;
        let form = web_sys::FormData::new()?;
        form.append_with_blob_and_filename("file", &file, &name)?;
        let on_progress =
            Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    let share = e.loaded() / e.total();
                    set(&|x| x.progress = share);
                }
            });
        xhr.upload()?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
        let done_xhr = xhr.clone();
        let on_done = Closure::<dyn Fn()>::new(move || {
            let status = done_xhr.status().unwrap_or(0);
            let text = done_xhr.response_text().ok().flatten().unwrap_or_default();
            if (200..300).contains(&status) {
                match serde_json::from_str::<Vec<Attachment>>(&text) {
                    Ok(mut list) if !list.is_empty() => {
                        let a = list.remove(0);
                        match a.refused.clone() {
                            Some(why) => set(&|x| x.failed = Some(why.clone())),
                            None => set(&|x| {
                                x.progress = 1.0;
                                x.done = Some(a.clone());
                                x.stored = true;
                            }),
                        }
                    }
                    // Stored somewhere that is not a case (a knowledge-base article's files):
                    // sent in full.
                    _ if serde_json::from_str::<Vec<serde_json::Value>>(&text)
                        .is_ok_and(|l| !l.is_empty()) =>
                    {
                        set(&|x| {
                            x.progress = 1.0;
                            x.stored = true;
                        });
                    }
                    _ => set(&|x| x.failed = Some(format!("HTTP {status}"))),
                }
            } else {
                let msg = serde_json::from_str::<helpdesk_api_types::Problem>(&text)
                    .map(|p| ApiError::Problem(p).message())
                    .unwrap_or_else(|_| format!("HTTP {status}"));
                set(&|x| x.failed = Some(msg.clone()));
            }
        });
        xhr.set_onloadend(Some(on_done.as_ref().unchecked_ref()));
        on_done.forget();
        xhr.send_with_opt_form_data(Some(&form))?;
        Ok(())
    })();
    if let Err(e) = result {
        set(&|x| x.failed = Some(format!("{e:?}")));
    }
}

/// Starts an upload for each file that fits the limit; the others are refused at once.
pub fn take_files(
    list: Option<web_sys::FileList>,
    path: &str,
    uploads: RwSignal<Vec<Upload>>,
    l: crate::i18n::Lang,
) {
    let Some(list) = list else { return };
    for i in 0..list.length() {
        let Some(file) = list.get(i) else { continue };
        if file.size() > MAX_FILE {
            toasts().push(
                format!(
                    "{}: {} ({})",
                    file.name(),
                    tr!(l, "larger than 50 MB", "больше 50 МБ"),
                    size(file.size() as i64)
                ),
                None,
                true,
            );
            continue;
        }
        send_file(path.to_owned(), file, uploads);
    }
}

/// The files being uploaded, with a progress bar each.
#[component]
pub fn UploadList(uploads: RwSignal<Vec<Upload>>) -> impl IntoView {
    view! {
        <ul class="uploads" data-test="uploads">
            <For each=move || uploads.get() key=|u| (u.key, (u.progress * 100.0) as u32, u.stored, u.failed.is_some()) let:u>
                <li data-test="upload" class:failed=u.failed.is_some()>
                    <span>{u.name.clone()}</span>
                    <progress max="100" value=(u.progress * 100.0).round()></progress>
                    {u.failed.clone().map(|f| view! { <span class="error">{f}</span> })}
                    {u.stored.then_some("✓")}
                </li>
            </For>
        </ul>
    }
}

/// A drop zone plus a file input; both start uploads.
#[component]
pub fn DropZone(path: String, uploads: RwSignal<Vec<Upload>>) -> impl IntoView {
    let l = lang();
    let over = RwSignal::new(false);
    let p1 = path.clone();
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        take_files(
            ev.data_transfer().and_then(|d| d.files()),
            &p1,
            uploads,
            l.get_untracked(),
        );
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(input) = input {
            take_files(input.files(), &path, uploads, l.get_untracked());
            input.set_value("");
        }
    };
    view! {
        <div class="drop" class:over=move || over.get() data-test="drop"
            on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); over.set(true); }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop>
            <label>
                {move || tr!(l.get(), "Drop files here or choose", "Перетащите файлы сюда или выберите")}
                " " <input type="file" multiple data-test="file-input" on:change=on_pick/>
            </label>
            <small>{move || tr!(l.get(), "Up to 50 MB per file", "До 50 МБ на файл")}</small>
        </div>
        <UploadList uploads/>
    }
}

/// Reply to the customer or note for colleagues, with files; in the portal, the customer's
/// message to support.
#[component]
pub fn Composer(
    case_id: i64,
    portal: bool,
    mode: RwSignal<StreamKind>,
    on_sent: Callback<()>,
) -> impl IntoView {
    let l = lang();
    // What was typed and attached is kept in the browser as it is written, and comes back
    // after a reload, a trip to another page, a network error or a sign-in.
    let saved = crate::drafts::load(case_id, portal);
    let text = RwSignal::new(saved.as_ref().map(|d| d.text.clone()).unwrap_or_default());
    let uploads = RwSignal::new(
        saved
            .as_ref()
            .map(|d| {
                d.files
                    .iter()
                    .enumerate()
                    .map(|(i, a)| Upload {
                        key: u64::MAX - i as u64,
                        name: a.filename.clone(),
                        progress: 1.0,
                        done: Some(a.clone()),
                        stored: true,
                        failed: None,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    );
    if let Some(kind) = saved
        .as_ref()
        .and_then(|d| d.internal.then_some(StreamKind::Internal))
    {
        mode.set(kind);
    }
    Effect::new(move |_| {
        let draft = crate::drafts::Draft {
            text: text.get(),
            internal: mode.get() == StreamKind::Internal,
            files: uploads
                .with(|u: &Vec<Upload>| u.iter().filter_map(|x| x.done.clone()).collect()),
        };
        crate::drafts::save(case_id, portal, &draft);
    });
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() {
            error.set(Some(
                tr!(
                    l.get_untracked(),
                    "Write something first.",
                    "Сначала напишите текст."
                )
                .to_owned(),
            ));
            return;
        }
        let ids: Vec<i64> = uploads
            .get_untracked()
            .iter()
            .filter_map(|u| u.done.as_ref().map(|a| a.id))
            .collect();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let r = if portal {
                api::post::<_, serde_json::Value>(
                    &format!("/api/v1/portal/cases/{case_id}/messages"),
                    &json!({ "body": body, "attachment_ids": ids }),
                )
                .await
            } else {
                api::post::<_, serde_json::Value>(
                    &format!("/api/v1/cases/{case_id}/stream"),
                    &json!({ "kind": mode.get_untracked().as_str(), "body": body, "attachment_ids": ids }),
                )
                .await
            };
            busy.set(false);
            match r {
                Ok(_) => {
                    text.set(String::new());
                    uploads.set(Vec::new());
                    crate::drafts::clear(case_id, portal);
                    on_sent.run(());
                }
                Err(e) => error.set(Some(e.field("body").unwrap_or_else(|| e.message()))),
            }
        });
    };
    let internal = move || mode.get() == StreamKind::Internal;
    view! {
        <form class="composer" class:internal=internal data-test="composer" on:submit=send>
            {(!portal).then(|| view! {
                <div class="mode" role="radiogroup">
                    <label><input type="radio" name="mode" data-test="mode-public"
                        prop:checked=move || !internal() on:change=move |_| mode.set(StreamKind::Public)/>
                        {move || tr!(l.get(), "Public reply", "Ответ клиенту")}</label>
                    <label><input type="radio" name="mode" data-test="mode-internal"
                        prop:checked=internal on:change=move |_| mode.set(StreamKind::Internal)/>
                        {move || tr!(l.get(), "Internal note", "Внутренняя заметка")}</label>
                </div>
            })}
            <label class="sr" for="composer-text">{move || tr!(l.get(), "Message", "Сообщение")}</label>
            <textarea id="composer-text" rows="5" data-test="composer-text"
                placeholder=move || match (portal, internal()) {
                    (true, _) => tr!(l.get(), "Your message to support", "Ваше сообщение для поддержки"),
                    (false, true) => tr!(l.get(), "Note for colleagues (the customer never sees it)", "Заметка для коллег (клиент её не увидит)"),
                    (false, false) => tr!(l.get(), "Reply to the customer", "Ответ клиенту"),
                }
                prop:value=text on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            {(!portal).then(|| view! { <KbPicker public=Signal::derive(move || !internal()) on_pick=Callback::new(move |t: String| text.update(|x| { if !x.is_empty() { x.push_str("\n\n"); } x.push_str(&t); }))/> })}
            <DropZone path=upload_path(case_id, portal) uploads/>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" data-test="send" disabled=move || busy.get() || uploads.with(|u| u.iter().any(|x| x.done.is_none() && x.failed.is_none()))>
                {move || match (portal, internal()) {
                    (true, _) => tr!(l.get(), "Send", "Отправить"),
                    (false, true) => tr!(l.get(), "Add note", "Добавить заметку"),
                    (false, false) => tr!(l.get(), "Send reply", "Отправить ответ"),
                }}
            </button>
        </form>
    }
}

/// Downloads a file with the session's token and hands it to the browser.
pub fn download(path: String, filename: String) {
    spawn_local(async move {
        match blob_url(&path).await {
            Ok(url) => {
                if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                    if let Ok(a) = doc.create_element("a") {
                        let _ = a.set_attribute("href", &url);
                        let _ = a.set_attribute("download", &filename);
                        if let Ok(a) = a.dyn_into::<web_sys::HtmlElement>() {
                            a.click();
                        }
                    }
                }
            }
            Err(e) => toasts().push(e, None, true),
        }
    });
}

/// Fetches a protected file into an object URL (for `<img>` previews and downloads).
pub async fn blob_url(path: &str) -> Result<String, String> {
    let fetch = |token: String| async move {
        gloo_net::http::Request::get(path)
            .header("Authorization", &format!("Bearer {token}"))
            .send()
            .await
            .map_err(|e| e.to_string())
    };
    let token = api::access_token().ok_or("not signed in")?;
    let mut resp = fetch(token.clone()).await?;
    if resp.status() == 401 {
        let fresh = api::refreshed_token(&token)
            .await
            .map_err(|e| e.message())?;
        resp = fetch(fresh).await?;
    }
    if !resp.ok() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let kind = resp.headers().get("content-type").unwrap_or_default();
    let bytes = resp.binary().await.map_err(|e| e.to_string())?;
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes.as_slice()));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(&kind);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .map_err(|e| format!("{e:?}"))?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))
}

fn content_path(a: &Attachment, portal: bool) -> String {
    if portal {
        format!("/api/v1/portal/attachments/{}/content", a.id)
    } else {
        format!("/api/v1/attachments/{}/content", a.id)
    }
}

/// Files as download links; images also as previews.
#[component]
pub fn FileLinks(files: Vec<Attachment>, portal: bool) -> impl IntoView {
    view! {
        <ul class="files" data-test="files">
            {files.into_iter().filter(|a| a.refused.is_none()).map(|a| {
                let path = content_path(&a, portal);
                let name = a.filename.clone();
                let label = crate::agent::file_label(&a);
                let preview = a.content_type.starts_with("image/").then(|| {
                    let src = RwSignal::new(None::<String>);
                    let p = path.clone();
                    spawn_local(async move {
                        if let Ok(u) = blob_url(&p).await {
                            src.set(Some(u));
                        }
                    });
                    view! { {move || src.get().map(|s| view! { <img class="preview" src=s alt=name.clone() data-test="preview"/> })} }
                });
                let fname = a.filename.clone();
                view! {
                    <li>
                        {preview}
                        <button type="button" class="link" data-test="file" on:click=move |_| download(path.clone(), fname.clone())>{label}</button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
