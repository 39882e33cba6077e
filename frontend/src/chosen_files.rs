//! Files chosen on a form whose record does not exist yet (a new case, by an agent or a
//! customer): kept in the page until the record is created, then sent to it with progress;
//! the page moves on once every file is up or has failed.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::Lang;
use crate::route::{router, Route, Router};
use crate::tr;
use crate::ui::{lang, size, toasts};
use crate::upload::{send_file, Upload, UploadList, MAX_FILE};

#[derive(Clone, Copy)]
pub struct ChosenFiles {
    files: StoredValue<Vec<web_sys::File>, LocalStorage>,
    names: RwSignal<Vec<String>>,
    uploads: RwSignal<Vec<Upload>>,
    /// Where to go once the files are up; set when they are being sent.
    then: RwSignal<Option<Route>>,
    /// Taken while the form is built: files are chosen in an event handler and sent from a
    /// task, neither of which has the context.
    router: Router,
    lang: RwSignal<Lang>,
}

impl ChosenFiles {
    pub fn new() -> Self {
        let chosen = ChosenFiles {
            files: StoredValue::new_local(Vec::new()),
            names: RwSignal::new(Vec::new()),
            uploads: RwSignal::new(Vec::new()),
            then: RwSignal::new(None),
            router: router(),
            lang: lang(),
        };
        Effect::new(move |_| {
            let up = chosen.uploads.get();
            if let Some(to) = chosen.then.get() {
                if !up.is_empty() && up.iter().all(|u| u.done.is_some() || u.failed.is_some()) {
                    chosen.router.go(to);
                }
            }
        });
        chosen
    }

    /// Keeps the files of a file input's change, refusing the ones over the size limit.
    fn choose(self, ev: leptos::ev::Event) {
        let lg = self.lang.get_untracked();
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        let Some(list) = input.and_then(|i| i.files()) else {
            return;
        };
        for i in 0..list.length() {
            let Some(f) = list.get(i) else { continue };
            if f.size() > MAX_FILE {
                let text = format!(
                    "{}: {}",
                    f.name(),
                    tr!(lg, "larger than 50 MB", "больше 50 МБ")
                );
                toasts().push(text, None, true);
                continue;
            }
            self.names
                .update(|n| n.push(format!("{} ({})", f.name(), size(f.size() as i64))));
            self.files.update_value(|v| v.push(f));
        }
    }

    /// Sends the chosen files to `path` (the new record's upload address), then goes to
    /// `then`; goes at once when no file was chosen.
    pub fn send_then_go(self, path: String, then: Route) {
        let files = self.files.with_value(std::clone::Clone::clone);
        if files.is_empty() {
            self.router.go(then);
            return;
        }
        self.then.set(Some(then));
        for f in files {
            send_file(path.clone(), f, self.uploads);
        }
    }

    /// Whether the files are on their way (the form must not be sent again meanwhile).
    pub fn sending(self) -> bool {
        self.then.get().is_some()
    }
}

impl Default for ChosenFiles {
    fn default() -> Self {
        Self::new()
    }
}

/// The form's file part: a file input, the chosen names and, once sending, the progress.
#[component]
pub fn FileChooser(chosen: ChosenFiles) -> impl IntoView {
    let l = lang();
    view! {
        <fieldset>
            <legend>{move || tr!(l.get(), "Files", "Файлы")}</legend>
            <label class="field"><span class="label">{move || tr!(l.get(), "Attach (up to 50 MB each)", "Прикрепить (до 50 МБ каждый)")}</span>
                <input type="file" multiple data-test="new-case-files" on:change=move |ev| chosen.choose(ev)/></label>
            <ul>{move || chosen.names.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            <UploadList uploads=chosen.uploads/>
        </fieldset>
    }
}
