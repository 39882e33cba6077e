//! Writing the knowledge base (agents and admins): the articles with their categories, status,
//! visibility and language; categories added where they are listed; an article written in
//! Markdown beside a preview rendered by the server exactly as it will be kept, its draft kept
//! in the browser until it is saved, its files uploaded once it exists.

use std::collections::BTreeMap;

use helpdesk_api_types::kb::{
    Article, ArticleInput, ArticlePage, ArticlePreview, ArticleStatus, ArticleVisibility,
    KbCategory,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api;
use crate::drafts;
use crate::i18n::Lang;
use crate::portal::kb::tree;
use crate::route::{router, Link, Route};
use crate::tr;
use crate::ui::{lang, pending, toasts, when, Fetch, Field, Load};
use crate::upload::{DropZone, Upload};

pub(crate) fn status_name(lg: Lang, s: ArticleStatus) -> &'static str {
    match s {
        ArticleStatus::Draft => tr!(lg, "Draft", "Черновик"),
        ArticleStatus::Published => tr!(lg, "Published", "Опубликована"),
    }
}

pub(crate) fn visibility_name(lg: Lang, v: ArticleVisibility) -> &'static str {
    match v {
        ArticleVisibility::Internal => tr!(lg, "Agents only", "Только для сотрудников"),
        ArticleVisibility::Portal => tr!(lg, "Customers too", "Видна клиентам"),
    }
}

/// The list: categories on the left (a new one added in place), articles with their state.
#[component]
pub fn KbList() -> impl IntoView {
    let l = lang();
    let categories = Fetch::<Vec<KbCategory>>::new("/api/v1/kb/categories");
    let category = RwSignal::new(None::<i64>);
    let path = move || match category.get() {
        Some(c) => format!("/api/v1/kb/articles?limit=200&category_id={c}"),
        None => "/api/v1/kb/articles?limit=200".to_owned(),
    };
    let articles = Fetch::<ArticlePage>::new(path());
    Effect::new(move |_| articles.set_path(path()));
    let new_name = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<String>);
    let add_category = move || {
        let name = new_name.get_untracked();
        spawn_local(async move {
            let body = json!({ "name": name, "parent_id": category.get_untracked() });
            match api::post::<_, KbCategory>("/api/v1/kb/categories", &body).await {
                Ok(_) => {
                    new_name.set(String::new());
                    name_error.set(None);
                    categories.reload();
                }
                Err(e) => name_error.set(Some(e.field("name").unwrap_or_else(|| e.message()))),
            }
        });
    };
    view! {
        <div class="kb kb-authoring" data-test="kb-list">
            <div class="row-head">
                <h1>{move || tr!(l.get(), "Knowledge base", "База знаний")}</h1>
                <Link to=Route::KbNew><span class="button" data-test="kb-new">{move || tr!(l.get(), "New article", "Новая статья")}</span></Link>
            </div>
            <div class="kb-body">
                <nav class="card kb-categories" aria-label=move || tr!(l.get(), "Categories", "Категории")>
                    <ul data-test="kb-categories">
                        <li><button type="button" class="link" class:current=move || category.get().is_none()
                            on:click=move |_| category.set(None)>{move || tr!(l.get(), "All articles", "Все статьи")}</button></li>
                        {move || categories.value().map(|all| tree(&all).into_iter().map(|(c, depth)| {
                            let id = c.id;
                            view! {
                                <li style=format!("padding-left: {}rem", depth as f32 * 0.8)>
                                    <button type="button" class="link" data-test="kb-category" class:current=move || category.get() == Some(id)
                                        on:click=move |_| category.set(Some(id))>{c.name}</button>
                                </li>
                            }
                        }).collect_view())}
                    </ul>
                    <form class="form" data-test="kb-new-category" on:submit=move |ev| { ev.prevent_default(); add_category(); }>
                        <Field label=Signal::derive(move || tr!(l.get(), "New category (inside the chosen one)", "Новая категория (внутри выбранной)")) error=name_error>
                            <input name="category-name" prop:value=new_name on:input=move |ev| new_name.set(event_target_value(&ev))/>
                        </Field>
                        <button type="submit">{move || tr!(l.get(), "Add", "Добавить")}</button>
                    </form>
                </nav>
                <section class="card">
                    {move || match articles.get() {
                        Load::Ready(p) => {
                            let lg = l.get();
                            if p.items.is_empty() {
                                return view! { <p class="hint" data-test="kb-none">{tr!(lg, "No articles here yet.", "Здесь пока нет статей.")}</p> }.into_any();
                            }
                            view! {
                                <table data-test="kb-articles">
                                    <thead><tr>
                                        <th>{tr!(lg, "Title", "Заголовок")}</th><th>{tr!(lg, "State", "Состояние")}</th>
                                        <th>{tr!(lg, "Language", "Язык")}</th><th>{tr!(lg, "Updated", "Изменена")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {p.items.into_iter().map(|a| view! {
                                            <tr data-test="kb-row">
                                                <td><Link to=Route::Article(a.id)>{a.title.clone()}</Link></td>
                                                <td><span class="badge">{status_name(lg, a.status)}</span>
                                                    <span class="badge">{visibility_name(lg, a.visibility)}</span></td>
                                                <td>{a.language.clone()}</td>
                                                <td class="nowrap">{when(lg, a.updated_at)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                        other => pending(&other, move || articles.reload()),
                    }}
                </section>
            </div>
        </div>
    }
}

/// What the editor holds, kept as a draft until saved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Form {
    title: String,
    body_md: String,
    category_id: Option<i64>,
    language: String,
    published: bool,
    for_customers: bool,
    tags: String,
}

impl Form {
    fn of(a: &Article) -> Form {
        Form {
            title: a.title.clone(),
            body_md: a.body_md.clone(),
            category_id: a.category_id,
            language: a.language.clone(),
            published: a.status == ArticleStatus::Published,
            for_customers: a.visibility == ArticleVisibility::Portal,
            tags: a.tags.join(", "),
        }
    }

    fn input(&self) -> ArticleInput {
        ArticleInput {
            title: self.title.clone(),
            body_md: self.body_md.clone(),
            category_id: self.category_id,
            language: Some(if self.language.is_empty() {
                "en".into()
            } else {
                self.language.clone()
            }),
            status: Some(if self.published {
                ArticleStatus::Published
            } else {
                ArticleStatus::Draft
            }),
            visibility: Some(if self.for_customers {
                ArticleVisibility::Portal
            } else {
                ArticleVisibility::Internal
            }),
            tags: crate::case_details::tags_of(&self.tags),
        }
    }
}

/// A new article (`id` none) or an existing one, written beside its preview.
#[component]
pub fn KbEditor(id: Option<i64>) -> impl IntoView {
    let l = lang();
    let draft_name = match id {
        Some(id) => format!("kb.{id}"),
        None => "kb.new".to_owned(),
    };
    let blank = Form {
        language: if l.get_untracked() == Lang::Ru {
            "ru".into()
        } else {
            "en".into()
        },
        ..Form::default()
    };
    let kept = drafts::load_form::<Form>(&draft_name);
    let restored = kept.is_some();
    let form = RwSignal::new(kept.unwrap_or_else(|| blank.clone()));
    // What is saved (or blank, for a new article): a form equal to it needs no draft.
    let original = StoredValue::new(id.is_none().then_some(blank));
    if let Some(id) = id {
        spawn_local(async move {
            if let Ok(a) = api::get::<Article>(&format!("/api/v1/kb/articles/{id}")).await {
                let saved = Form::of(&a);
                // A draft kept in the browser wins over what is saved: it is newer.
                if !restored {
                    let _ = form.try_set(saved.clone());
                }
                let _ = original.try_set_value(Some(saved));
            }
        });
    }
    let name = draft_name.clone();
    Effect::new(move |_| {
        let f = form.get();
        match original.try_get_value().flatten() {
            Some(o) if o == f => drafts::clear_form(&name),
            Some(_) => drafts::save_form(&name, &f),
            // Not loaded yet: nothing typed.
            None => {}
        }
    });
    let categories = Fetch::<Vec<KbCategory>>::new("/api/v1/kb/categories");
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let err = move |f: &'static str| Signal::derive(move || errors.with(|e| e.get(f).cloned()));
    let t = move |en: &'static str, ru: &'static str| Signal::derive(move || tr!(l.get(), en, ru));

    // The preview: the server renders what is typed, a moment after the typing stops.
    let preview = RwSignal::new(String::new());
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let md = form.with(|f| f.body_md.clone());
        let n = asked.get_value() + 1;
        asked.set_value(n);
        set_timeout(
            move || {
                if asked.try_get_value() != Some(n) {
                    return;
                }
                spawn_local(async move {
                    let answer = api::post::<_, ArticlePreview>(
                        "/api/v1/kb/preview",
                        &json!({ "body_md": md }),
                    )
                    .await;
                    if asked.try_get_value() == Some(n) {
                        if let Ok(p) = answer {
                            let _ = preview.try_set(p.body_html);
                        }
                    }
                });
            },
            std::time::Duration::from_millis(300),
        );
    });

    let busy = RwSignal::new(false);
    let nav = router();
    let save = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let input = form.get_untracked().input();
        let name = draft_name.clone();
        spawn_local(async move {
            let saved = match id {
                Some(id) => {
                    api::put::<_, Article>(&format!("/api/v1/kb/articles/{id}"), &input).await
                }
                None => api::post::<_, Article>("/api/v1/kb/articles", &input).await,
            };
            let _ = busy.try_set(false);
            match saved {
                Ok(a) => {
                    drafts::clear_form(&name);
                    toasts().push(
                        tr!(l.get_untracked(), "Article saved.", "Статья сохранена.").to_owned(),
                        None,
                        false,
                    );
                    nav.go(Route::Article(a.id));
                }
                Err(e) => {
                    let _ = errors.try_set(e.errors_by_input());
                }
            }
        });
    };
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let set = move |f: fn(&mut Form, String)| {
        move |ev: leptos::ev::Event| form.update(|x| f(x, event_target_value(&ev)))
    };

    view! {
        <form class="card form kb-editor" data-test="kb-editor" novalidate on:submit=move |ev| { ev.prevent_default(); save(); }>
            <h1>{move || match id {
                Some(_) => tr!(l.get(), "Edit the article", "Правка статьи"),
                None => tr!(l.get(), "New article", "Новая статья"),
            }}</h1>
            {move || errors.with(|e| e.get("").cloned()).map(|m| view! { <p class="problem" role="alert" data-test="form-errors">{m}</p> })}
            <Field label=t("Title", "Заголовок") required=true error=err("title")>
                <input name="title" prop:value=move || form.with(|f| f.title.clone()) on:input=set(|f, v| f.title = v)/>
            </Field>
            <div class="row">
                <Field label=t("Category", "Категория") error=err("category_id")>
                    <select name="category" on:change=move |ev| form.update(|f| f.category_id = event_target_value(&ev).parse().ok())>
                        <option value="">{move || tr!(l.get(), "— none —", "— без категории —")}</option>
                        {move || categories.value().map(|all| tree(&all).into_iter().map(|(c, depth)| {
                            let id = c.id;
                            view! { <option value=id.to_string() prop:selected=move || form.with(|f| f.category_id == Some(id))>{format!("{}{}", "· ".repeat(depth), c.name)}</option> }
                        }).collect_view())}
                    </select>
                </Field>
                <Field label=t("Language", "Язык") error=err("language")>
                    <select name="language" on:change=set(|f, v| f.language = v)>
                        <option value="en" prop:selected=move || form.with(|f| f.language != "ru")>"English"</option>
                        <option value="ru" prop:selected=move || form.with(|f| f.language == "ru")>"Русский"</option>
                    </select>
                </Field>
                <Field label=t("Tags", "Теги") error=err("tags")>
                    <input name="tags" prop:value=move || form.with(|f| f.tags.clone()) on:input=set(|f, v| f.tags = v)/>
                </Field>
            </div>
            <div class="checks">
                <label class="inline"><input type="checkbox" name="published" prop:checked=move || form.with(|f| f.published)
                    on:change=move |ev| form.update(|f| f.published = event_target_checked(&ev))/>
                    {move || tr!(l.get(), "Published", "Опубликована")}</label>
                <label class="inline"><input type="checkbox" name="for-customers" prop:checked=move || form.with(|f| f.for_customers)
                    on:change=move |ev| form.update(|f| f.for_customers = event_target_checked(&ev))/>
                    {move || tr!(l.get(), "Customers see it in the portal (once published)", "Клиенты видят её на портале (после публикации)")}</label>
            </div>
            <div class="kb-write">
                <Field label=t("Text (Markdown)", "Текст (Markdown)") error=err("body_md")>
                    <textarea name="body" rows="18" class="code" prop:value=move || form.with(|f| f.body_md.clone()) on:input=set(|f, v| f.body_md = v)></textarea>
                </Field>
                <section class="kb-preview" aria-label=move || tr!(l.get(), "Preview", "Предпросмотр")>
                    <span class="label">{move || tr!(l.get(), "Preview", "Предпросмотр")}</span>
                    // Rendered and sanitized by the server.
                    <div class="body" data-test="kb-preview" inner_html=move || preview.get()></div>
                </section>
            </div>
            {id.map(|id| view! {
                <Field label=t("Files", "Файлы") error=err("file")>
                    <DropZone path=format!("/api/v1/kb/articles/{id}/attachments") uploads/>
                </Field>
            })}
            <div>
                <button type="submit" data-test="kb-save" disabled=move || busy.get()>{move || tr!(l.get(), "Save", "Сохранить")}</button>
            </div>
        </form>
    }
}
