//! Passwords: "forgot your password?" on the sign-in page, the page a reset link opens, and
//! changing one's password from the profile. Every refusal from the API is shown at its field.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Session};
use crate::i18n::Lang;
use crate::route::{Route, Router};
use crate::tr;
use crate::ui::{Field, Load};

type Errors = RwSignal<BTreeMap<String, String>>;

fn field(errors: Errors, key: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || errors.with(|e| e.get(key).cloned()))
}

/// Checks a new password and its repetition before anything is sent; the server checks the
/// rest (common passwords, the e-mail address) and its answer lands at the same fields.
fn check_new(l: Lang, field: &str, password: &str, again: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if password.chars().count() < 10 {
        out.insert(
            field.to_owned(),
            tr!(l, "At least 10 characters", "Не короче 10 символов").to_owned(),
        );
    } else if password != again {
        out.insert(
            "again".to_owned(),
            tr!(l, "The passwords differ", "Пароли не совпадают").to_owned(),
        );
    }
    out
}

/// Puts an API error at its fields, or at `fallback` when it names none.
fn show(errors: Errors, e: &api::ApiError, fallback: &str) {
    let map = e.field_errors();
    if map.is_empty() {
        errors.set([(fallback.to_owned(), e.message())].into());
    } else {
        errors.set(map);
    }
}

/// The sign-in page's "forgot your password?": asks for the address and says a link is on its
/// way (the same whether or not the address has an account).
#[component]
pub fn ForgotPassword(lang: RwSignal<Lang>, back: Callback<()>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let errors: Errors = RwSignal::new(BTreeMap::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        errors.set(BTreeMap::new());
        let e = email.get_untracked();
        spawn_local(async move {
            match api::request_password_reset(e).await {
                Ok(()) => sent.set(true),
                Err(err) => show(errors, &err, "email"),
            }
            busy.set(false);
        });
    };
    move || {
        match sent.get() {
        true => view! {
            <section class="card login" data-test="reset-sent" role="status">
                <h1>{move || tr!(lang.get(), "Check your mail", "Проверьте почту")}</h1>
                <p>{move || tr!(lang.get(),
                    "If an account signs in with this address, a link to choose a new password is on its way. It works once, for an hour.",
                    "Если этим адресом входят в учётную запись, на него придёт ссылка для смены пароля. Она действует час и только один раз.")}</p>
                <button class="link" on:click=move |_| back.run(())>{move || tr!(lang.get(), "Back to sign-in", "Ко входу")}</button>
            </section>
        }.into_any(),
        false => view! {
            <form class="card login" data-test="forgot-form" on:submit=submit novalidate>
                <h1>{move || tr!(lang.get(), "Forgot your password?", "Забыли пароль?")}</h1>
                <p>{move || tr!(lang.get(),
                    "Enter the address you sign in with; we will mail you a link to choose a new password.",
                    "Введите адрес, которым входите; мы пришлём ссылку для смены пароля.")}</p>
                <Field label=Signal::derive(move || tr!(lang.get(), "E-mail", "Эл. почта")) required=true error=field(errors, "email")>
                    <input type="email" name="email" autocomplete="username" required
                        prop:value=email on:input=move |ev| email.set(event_target_value(&ev))/>
                </Field>
                <button type="submit" data-test="send-reset" disabled=move || busy.get()>
                    {move || tr!(lang.get(), "Send the link", "Прислать ссылку")}
                </button>
                <button type="button" class="link" on:click=move |_| back.run(())>{move || tr!(lang.get(), "Back to sign-in", "Ко входу")}</button>
            </form>
        }.into_any(),
    }
    }
}

/// The page a reset link opens: the user chooses a new password and is signed in.
#[component]
pub fn ResetPassword(
    token: String,
    session: RwSignal<Option<Session>>,
    lang: RwSignal<Lang>,
    router: Router,
) -> impl IntoView {
    let info = RwSignal::new(Load::<helpdesk_api_types::auth::PasswordResetInfo>::Loading);
    let token = StoredValue::new(token);
    // An unknown, used, replaced or expired link is `Failed("")`.
    let load = move || {
        info.set(Load::Loading);
        spawn_local(async move {
            info.set(match api::password_reset(&token.get_value()).await {
                Ok(i) => Load::Ready(i),
                Err(e) if e.status() == Some(404) => Load::Failed(String::new()),
                Err(e) => Load::Failed(e.message()),
            });
        });
    };
    load();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    // Asked for when the account signs in with a second factor.
    let otp = RwSignal::new(None::<String>);
    let errors: Errors = RwSignal::new(BTreeMap::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (p, a) = (password.get_untracked(), again.get_untracked());
        let code = otp.get_untracked();
        let local = check_new(lang.get_untracked(), "password", &p, &a);
        errors.set(local.clone());
        if !local.is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::confirm_password_reset(token.get_value(), p, code).await {
                Ok(s) => {
                    lang.set(Lang::from_code(&s.user.language));
                    let home = match s.user.role {
                        helpdesk_api_types::Role::Portal => Route::PortalHome,
                        _ => Route::Queue("mine".into()),
                    };
                    router.replace(home);
                    session.set(Some(s));
                }
                Err(e) if e.status() == Some(404) => info.set(Load::Failed(String::new())),
                Err(e) if e.problem_type() == Some("second-factor-required") => {
                    let l = lang.get_untracked();
                    if otp.get_untracked().is_some() {
                        errors.set(
                            [(
                                "otp".to_owned(),
                                tr!(l, "Enter the code", "Введите код").to_owned(),
                            )]
                            .into(),
                        );
                    }
                    otp.set(Some(String::new()));
                }
                Err(e) if e.problem_type() == Some("second-factor-setup-required") => {
                    crate::ui::toasts().push(
                        tr!(lang.get_untracked(),
                            "Password changed. Sign in with it to set up two-factor sign-in, which your role requires.",
                            "Пароль изменён. Войдите с ним, чтобы настроить обязательный для вашей роли двухфакторный вход.")
                        .to_owned(),
                        None,
                        false,
                    );
                    router.replace(Route::Queue("mine".into()));
                }
                Err(e) => show(errors, &e, "password"),
            }
            busy.set(false);
        });
    };
    move || {
        match info.get() {
        Load::Ready(i) => view! {
            <form class="card login" data-test="reset-form" on:submit=submit novalidate>
                <h1>{move || tr!(lang.get(), "Choose a new password", "Новый пароль")}</h1>
                <p>{move || tr!(lang.get(), "For the account", "Для учётной записи")} " " <strong>{i.email.clone()}</strong>"."</p>
                <Field label=Signal::derive(move || tr!(lang.get(), "New password", "Новый пароль")) required=true error=field(errors, "password")>
                    <input type="password" name="password" autocomplete="new-password" required
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                </Field>
                <Field label=Signal::derive(move || tr!(lang.get(), "Repeat the password", "Повторите пароль")) required=true error=field(errors, "again")>
                    <input type="password" name="again" autocomplete="new-password" required
                        prop:value=again on:input=move |ev| again.set(event_target_value(&ev))/>
                </Field>
                {move || otp.get().is_some().then(|| view! {
                    <Field label=Signal::derive(move || tr!(lang.get(), "Code from your authenticator app, or a recovery code", "Код из приложения-аутентификатора или резервный код")) required=true error=field(errors, "otp")>
                        <input name="otp" data-test="otp" autocomplete="one-time-code" inputmode="numeric" required
                            prop:value=move || otp.get().unwrap_or_default()
                            on:input=move |ev| otp.set(Some(event_target_value(&ev)))/>
                    </Field>
                })}
                <button type="submit" data-test="set-new-password" disabled=move || busy.get()>
                    {move || tr!(lang.get(), "Set password and sign in", "Задать пароль и войти")}
                </button>
            </form>
        }.into_any(),
        Load::Failed(why) if why.is_empty() => view! {
            <section class="card login" data-test="reset-invalid" role="alert">
                <h1>{move || tr!(lang.get(), "This link no longer works", "Ссылка больше не действует")}</h1>
                <p>{move || tr!(lang.get(),
                    "It was used already, replaced by a newer one, or is older than an hour. Ask for a new one on the sign-in page.",
                    "Ею уже воспользовались, её заменила новая или прошло больше часа. Запросите новую на странице входа.")}</p>
                <button on:click=move |_| router.go(Route::Queue("mine".into()))>{move || tr!(lang.get(), "Sign in", "Войти")}</button>
            </section>
        }.into_any(),
        other => crate::ui::pending(&other, load),
    }
    }
}

/// The profile's "change password": the current one, the new one twice. Other sessions end;
/// this one stays.
#[component]
pub fn ChangePassword() -> impl IntoView {
    let l = crate::ui::lang();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors: Errors = RwSignal::new(BTreeMap::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, n, a) = (
            current.get_untracked(),
            new.get_untracked(),
            again.get_untracked(),
        );
        let mut local = check_new(l.get_untracked(), "new_password", &n, &a);
        if c.is_empty() {
            local.insert(
                "current_password".to_owned(),
                tr!(l.get_untracked(), "Required", "Обязательно").to_owned(),
            );
        }
        errors.set(local.clone());
        if !local.is_empty() {
            return;
        }
        busy.set(true);
        let body = helpdesk_api_types::auth::ChangePassword {
            current_password: c,
            new_password: n,
        };
        spawn_local(async move {
            match api::put::<_, ()>("/api/v1/me/password", &body).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    again.set(String::new());
                    crate::ui::toasts().push(
                        tr!(
                            l.get_untracked(),
                            "Password changed. You were signed out everywhere else.",
                            "Пароль изменён. На других устройствах выполнен выход."
                        )
                        .to_owned(),
                        None,
                        false,
                    );
                }
                Err(e) => show(errors, &e, "current_password"),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card form" data-test="change-password" on:submit=submit novalidate>
            <h2>{move || tr!(l.get(), "Password", "Пароль")}</h2>
            <Field label=Signal::derive(move || tr!(l.get(), "Current password", "Текущий пароль")) required=true error=field(errors, "current_password")>
                <input type="password" name="current-password" autocomplete="current-password"
                    prop:value=current on:input=move |ev| current.set(event_target_value(&ev))/>
            </Field>
            <Field label=Signal::derive(move || tr!(l.get(), "New password", "Новый пароль")) required=true error=field(errors, "new_password")>
                <input type="password" name="new-password" autocomplete="new-password"
                    prop:value=new on:input=move |ev| new.set(event_target_value(&ev))/>
            </Field>
            <Field label=Signal::derive(move || tr!(l.get(), "Repeat the new password", "Повторите новый пароль")) required=true error=field(errors, "again")>
                <input type="password" name="again" autocomplete="new-password"
                    prop:value=again on:input=move |ev| again.set(event_target_value(&ev))/>
            </Field>
            <button type="submit" data-test="save-password" disabled=move || busy.get()>
                {move || tr!(l.get(), "Change password", "Сменить пароль")}
            </button>
        </form>
    }
}
