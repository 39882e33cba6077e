//! A knowledge-base article as agents read it: whatever its status or visibility (both shown),
//! with its files.

use helpdesk_api_types::kb::{Article, KbAttachment};
use leptos::prelude::*;

use crate::route::{Link, Route};
use crate::tr;
use crate::ui::{lang, pending, size, when, Fetch, Load};
use crate::upload::download;

#[component]
pub fn AgentArticle(id: i64) -> impl IntoView {
    let l = lang();
    let article = Fetch::<Article>::new(format!("/api/v1/kb/articles/{id}"));
    let files = Fetch::<Vec<KbAttachment>>::new(format!("/api/v1/kb/articles/{id}/attachments"));
    let cases = Fetch::<Vec<i64>>::new(format!("/api/v1/kb/articles/{id}/cases"));
    view! {
        {move || match article.get() {
            Load::Ready(a) => {
                let lg = l.get();
                let status = crate::kb_authoring::status_name(lg, a.status);
                let visibility = crate::kb_authoring::visibility_name(lg, a.visibility);
                view! {
                    <article class="card kb-article" data-test="kb-article-page" lang=a.language.clone()>
                        <div class="row-head">
                            <h1>{a.title.clone()}</h1>
                            <Link to=Route::KbEdit(id)><span class="button" data-test="kb-edit">{tr!(lg, "Edit", "Изменить")}</span></Link>
                        </div>
                        <p class="hint">
                            <span class="badge" data-test="kb-status">{status}</span> " "
                            <span class="badge" data-test="kb-visibility">{visibility}</span> " "
                            {tr!(lg, "Updated", "Обновлено")} " " {when(lg, a.updated_at)}
                        </p>
                        // Rendered from Markdown and sanitized by the server.
                        <div class="body" data-test="kb-body" inner_html=a.body_html.clone()></div>
                        {move || files.value().filter(|f| !f.is_empty()).map(|f| view! {
                            <h2>{tr!(l.get(), "Files", "Файлы")}</h2>
                            <ul class="files" data-test="kb-files">
                                {f.into_iter().map(|x| {
                                    let path = format!("/api/v1/kb/attachments/{}/content", x.id);
                                    let name = x.filename.clone();
                                    view! {
                                        <li><button type="button" class="link" data-test="kb-file"
                                            on:click=move |_| download(path.clone(), name.clone())>
                                            {format!("{} ({})", x.filename, size(x.size))}</button></li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                        {move || cases.value().filter(|c| !c.is_empty()).map(|c| view! {
                            <h2>{tr!(l.get(), "Linked cases", "Связанные обращения")}</h2>
                            <ul data-test="kb-cases">
                                {c.into_iter().map(|case| view! { <li><Link to=Route::Case(case)>{format!("#{case}")}</Link></li> }).collect_view()}
                            </ul>
                        })}
                    </article>
                }.into_any()
            }
            other => pending(&other, move || article.reload()),
        }}
    }
}
