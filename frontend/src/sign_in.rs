//! The sign-in page: e-mail and password, then, for an account with two-factor sign-in, the
//! code of its authenticator app; an account whose role requires two factors and has none
//! enrols here first (QR code, first code, recovery codes to keep).

use helpdesk_api_types::auth::TwoFactorEnrolment;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError, Session, SignedIn};
use crate::i18n::{self, Lang};
use crate::passwords::ForgotPassword;
use crate::route::{Route, Router};
use crate::tr;
use crate::two_factor::{QrCode, RecoveryCodeList};
use crate::ui::{Field, Load};

/// Where the sign-in stands.
#[derive(Clone)]
enum Step {
    Password,
    /// The password was right; the authenticator's code is asked for.
    Code,
    /// The role requires two factors: scan this, then give a first code.
    Enrol(TwoFactorEnrolment),
    /// Signed in by completing an enrolment: its recovery codes, shown once.
    Codes(Vec<String>, Session),
}

#[component]
pub fn Login(session: RwSignal<Option<Session>>, lang: RwSignal<Lang>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let step = RwSignal::new(Step::Password);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let code_error = RwSignal::new(None::<String>);
    let t = move || i18n::text(lang.get());
    let forgot = RwSignal::new(false);
    // The single sign-on button, when the server offers it.
    let sso = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(info) = api::sso_info().await {
            sso.set(info.enabled.then_some(info.label));
        }
    });
    let finish = move |s: Session| {
        lang.set(Lang::from_code(&s.user.language));
        session.set(Some(s));
    };
    // What a sign-in answered, for every step.
    let answered = move |result: Result<SignedIn, ApiError>| match result {
        Ok(SignedIn {
            session: s,
            recovery_codes: Some(codes),
        }) => step.set(Step::Codes(codes, s)),
        Ok(signed_in) => finish(signed_in.session),
        Err(e) => match e.problem_type() {
            Some("second-factor-required") => {
                if matches!(step.get_untracked(), Step::Password) {
                    step.set(Step::Code);
                } else {
                    code_error.set(Some(
                        tr!(lang.get_untracked(), "Enter the code", "Введите код").to_owned(),
                    ));
                }
            }
            Some("second-factor-setup-required") => {
                let (e, p) = (email.get_untracked(), password.get_untracked());
                busy.set(true);
                spawn_local(async move {
                    match api::enrol_at_sign_in(e, p).await {
                        Ok(enrolment) => step.set(Step::Enrol(enrolment)),
                        Err(err) => error.set(Some(err.message())),
                    }
                    busy.set(false);
                });
            }
            _ => match e.field("otp") {
                Some(_) => code_error.set(Some(
                    tr!(
                        lang.get_untracked(),
                        "This code is not right, or was used already. Wait for the next one.",
                        "Код неверен или уже использован. Дождитесь следующего."
                    )
                    .to_owned(),
                )),
                None if matches!(step.get_untracked(), Step::Password) => {
                    error.set(Some(e.message()));
                }
                None => code_error.set(Some(e.message())),
            },
        },
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        code_error.set(None);
        let (e, p) = (email.get_untracked(), password.get_untracked());
        let otp = match step.get_untracked() {
            Step::Password => None,
            _ => Some(code.get_untracked()),
        };
        spawn_local(async move {
            let result = api::login(e, p, otp).await;
            busy.set(false);
            code.set(String::new());
            answered(result);
        });
    };
    let back = move |_| {
        step.set(Step::Password);
        code.set(String::new());
        code_error.set(None);
    };
    let code_field = move || {
        view! {
            <Field label=Signal::derive(move || tr!(lang.get(), "Code", "Код")) required=true error=Signal::derive(move || code_error.get())>
                <input name="otp" data-test="otp" autocomplete="one-time-code" inputmode="numeric" required autofocus
                    prop:value=code on:input=move |ev| code.set(event_target_value(&ev))/>
            </Field>
        }
    };
    move || {
        if forgot.get() {
            return view! { <ForgotPassword lang back=Callback::new(move |_| forgot.set(false))/> }
                .into_any();
        }
        match step.get() {
            Step::Password => view! {
                <form class="card login" on:submit=submit>
                    <h1>{move || t().sign_in}</h1>
                    <label>{move || t().email}
                        <input type="email" name="email" required autocomplete="username"
                            prop:value=email on:input=move |ev| email.set(event_target_value(&ev))/>
                    </label>
                    <label>{move || t().password}
                        <input type="password" name="password" required autocomplete="current-password"
                            prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                    </label>
                    {move || error.get().map(|e| view! { <p class="error" role="alert" data-test="login-error">{e}</p> })}
                    <button type="submit" data-test="sign-in" disabled=move || busy.get()>
                        {move || if busy.get() { t().signing_in } else { t().sign_in }}
                    </button>
                    <button type="button" class="link" data-test="forgot" on:click=move |_| forgot.set(true)>
                        {move || tr!(lang.get(), "Forgot your password?", "Забыли пароль?")}
                    </button>
                    {move || sso.get().map(|label| view! {
                        <p class="or">{tr!(lang.get(), "or", "или")}</p>
                        <button type="button" class="secondary" data-test="sso" on:click=move |_| start_sso()>
                            {tr!(lang.get(), "Sign in with", "Войти через")} " " {label}
                        </button>
                    })}
                </form>
            }.into_any(),
            Step::Code => view! {
                <form class="card login" data-test="otp-form" on:submit=submit novalidate>
                    <h1>{move || tr!(lang.get(), "Two-factor sign-in", "Двухфакторный вход")}</h1>
                    <p>{move || tr!(lang.get(),
                        "Enter the six-digit code your authenticator app shows, or one of your recovery codes.",
                        "Введите шестизначный код из приложения-аутентификатора или один из резервных кодов.")}</p>
                    {code_field}
                    <button type="submit" data-test="verify-code" disabled=move || busy.get()>
                        {move || tr!(lang.get(), "Verify", "Подтвердить")}
                    </button>
                    <button type="button" class="link" on:click=back>{move || tr!(lang.get(), "Back", "Назад")}</button>
                </form>
            }.into_any(),
            Step::Enrol(enrolment) => view! {
                <form class="card login" data-test="enrol-form" on:submit=submit novalidate>
                    <h1>{move || tr!(lang.get(), "Set up two-factor sign-in", "Настройте двухфакторный вход")}</h1>
                    <p>{move || tr!(lang.get(),
                        "Your role requires a second factor. Scan this code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, FreeOTP…), then enter the code it shows.",
                        "Для вашей роли нужен второй фактор. Отсканируйте код приложением-аутентификатором (Google Authenticator, Microsoft Authenticator, 1Password, FreeOTP…) и введите показанный им код.")}</p>
                    <QrCode enrolment/>
                    {code_field}
                    <button type="submit" data-test="verify-code" disabled=move || busy.get()>
                        {move || tr!(lang.get(), "Verify and sign in", "Подтвердить и войти")}
                    </button>
                    <button type="button" class="link" on:click=back>{move || tr!(lang.get(), "Back", "Назад")}</button>
                </form>
            }.into_any(),
            Step::Codes(codes, s) => {
                let s = StoredValue::new(s);
                view! {
                    <section class="card login" data-test="recovery-codes">
                        <h1>{move || tr!(lang.get(), "Keep your recovery codes", "Сохраните резервные коды")}</h1>
                        <RecoveryCodeList codes/>
                        <button type="button" data-test="codes-saved" on:click=move |_| finish(s.get_value())>
                            {move || tr!(lang.get(), "I have saved them — continue", "Я сохранил(а) их — продолжить")}
                        </button>
                    </section>
                }.into_any()
            }
        }
    }
}

/// Sends the browser to the identity provider, to come back to the page it is on.
fn start_sso() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let here = window.location().pathname().unwrap_or_else(|_| "/".into());
    let back: String = js_sys::encode_uri_component(&here).into();
    let _ = window
        .location()
        .assign(&format!("/api/v1/auth/sso/start?return_to={back}"));
}

/// The page single sign-on lands on: exchanges its one-time code for a session and goes where
/// the sign-in started, or says why it failed.
#[component]
pub fn SsoLanding(
    session: RwSignal<Option<Session>>,
    lang: RwSignal<Lang>,
    router: Router,
) -> impl IntoView {
    let fragment = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    // The code must not stay in the address bar or the history.
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/sso"));
    }
    let pairs: Vec<(String, String)> = fragment
        .trim_start_matches('#')
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            let v = js_sys::decode_uri_component(v)
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            (k.to_owned(), v)
        })
        .collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let error = RwSignal::new(get("error"));
    if let Some(code) = get("code") {
        let back = get("return_to").unwrap_or_else(|| "/".into());
        spawn_local(async move {
            match api::sso_exchange(code).await {
                Ok(s) => {
                    lang.set(Lang::from_code(&s.user.language));
                    router.replace(Route::parse(&back));
                    session.set(Some(s));
                }
                Err(_) => error.set(Some("expired".into())),
            }
        });
    } else if error.get_untracked().is_none() {
        error.set(Some("expired".into()));
    }
    let why = move |code: &str| {
        let l = lang.get();
        match code {
            "denied" => tr!(l, "The sign-in was cancelled at the identity provider.", "Вход отменён у поставщика учётных записей."),
            "no_role" => tr!(l, "Your account there has no group that gives access to the helpdesk. Ask your administrator.", "У вашей учётной записи там нет группы с доступом к службе поддержки. Обратитесь к администратору."),
            "no_account" => tr!(l, "There is no helpdesk account for you yet. Ask your administrator to create one.", "Для вас ещё нет учётной записи в службе поддержки. Попросите администратора её создать."),
            "email_unverified" => tr!(l, "The identity provider has not confirmed your e-mail address, so it cannot be matched to your helpdesk account.", "Поставщик не подтвердил ваш адрес почты, поэтому его нельзя сопоставить с учётной записью."),
            "disabled" => tr!(l, "Your helpdesk account is disabled.", "Ваша учётная запись отключена."),
            "portal" => tr!(l, "Single sign-on is for staff; customers sign in with their password.", "Единый вход — для сотрудников; клиенты входят по паролю."),
            "unavailable" | "provider" => tr!(l, "The identity provider cannot be reached right now. Try again in a moment.", "Поставщик учётных записей сейчас недоступен. Повторите попытку позже."),
            "expired" => tr!(l, "This sign-in took too long or was used already. Start again.", "Вход занял слишком много времени или уже использован. Начните заново."),
            _ => tr!(l, "The sign-in failed. Start again.", "Войти не удалось. Начните заново."),
        }
    };
    move || {
        match error.get() {
        Some(code) => view! {
            <section class="card login" data-test="sso-error" role="alert" data-code=code.clone()>
                <h1>{tr!(lang.get(), "Single sign-on failed", "Единый вход не удался")}</h1>
                <p>{why(&code)}</p>
                <button on:click=move |_| router.replace(Route::Queue("mine".into()))>{tr!(lang.get(), "Back to sign-in", "Ко входу")}</button>
            </section>
        }.into_any(),
        None => view! { <p class="card login muted">{tr!(lang.get(), "Signing in…", "Выполняется вход…")}</p> }.into_any(),
    }
    }
}

/// The page an invitation link opens: the customer chooses a password and is signed in.
#[component]
pub fn AcceptInvitation(
    token: String,
    session: RwSignal<Option<Session>>,
    lang: RwSignal<Lang>,
    router: Router,
) -> impl IntoView {
    let info = RwSignal::new(Load::<helpdesk_api_types::auth::InvitationInfo>::Loading);
    let token = StoredValue::new(token);
    // An unknown, used or expired link is `Failed("")`.
    let load = move || {
        info.set(Load::Loading);
        spawn_local(async move {
            info.set(match api::invitation(&token.get_value()).await {
                Ok(i) => {
                    // The page speaks the invitation's language (the switch still works).
                    lang.set(Lang::from_code(&i.language));
                    Load::Ready(i)
                }
                Err(e) if e.status() == Some(404) => Load::Failed(String::new()),
                Err(e) => Load::Failed(e.message()),
            });
        });
    };
    load();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get_untracked();
        let (p, a) = (password.get_untracked(), again.get_untracked());
        let mut local = std::collections::BTreeMap::new();
        if p.chars().count() < 10 {
            local.insert(
                "password".to_owned(),
                tr!(l, "At least 10 characters", "Не короче 10 символов").to_owned(),
            );
        } else if p != a {
            local.insert(
                "again".to_owned(),
                tr!(l, "The passwords differ", "Пароли не совпадают").to_owned(),
            );
        }
        errors.set(local.clone());
        if !local.is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::accept_invitation(token.get_value(), p).await {
                Ok(s) => {
                    lang.set(Lang::from_code(&s.user.language));
                    router.replace(Route::PortalHome);
                    session.set(Some(s));
                }
                Err(e) if e.status() == Some(404) => info.set(Load::Failed(String::new())),
                Err(e) => {
                    let map = e.field_errors();
                    if map.is_empty() {
                        errors.set([("password".to_owned(), e.message())].into());
                    } else {
                        errors.set(map);
                    }
                }
            }
            busy.set(false);
        });
    };
    let field = move |k: &'static str| Signal::derive(move || errors.with(|e| e.get(k).cloned()));
    move || {
        match info.get() {
        Load::Ready(i) => view! {
            <form class="card login" data-test="invite-form" on:submit=submit novalidate>
                <h1>{move || tr!(lang.get(), "Welcome", "Добро пожаловать")} ", " {i.name.clone()}</h1>
                <p>{move || tr!(lang.get(), "Choose a password for the support portal. You will sign in with", "Задайте пароль для портала поддержки. Для входа используйте адрес")} " " <strong>{i.email.clone()}</strong>"."</p>
                <Field label=Signal::derive(move || tr!(lang.get(), "New password", "Новый пароль")) required=true error=field("password")>
                    <input type="password" name="password" autocomplete="new-password" required
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                </Field>
                <Field label=Signal::derive(move || tr!(lang.get(), "Repeat the password", "Повторите пароль")) required=true error=field("again")>
                    <input type="password" name="again" autocomplete="new-password" required
                        prop:value=again on:input=move |ev| again.set(event_target_value(&ev))/>
                </Field>
                <button type="submit" data-test="accept-invitation" disabled=move || busy.get()>
                    {move || tr!(lang.get(), "Set password and sign in", "Задать пароль и войти")}
                </button>
            </form>
        }.into_any(),
        Load::Failed(why) if why.is_empty() => view! {
            <section class="card login" data-test="invite-invalid" role="alert">
                <h1>{move || tr!(lang.get(), "This link no longer works", "Ссылка больше не действует")}</h1>
                <p>{move || tr!(lang.get(),
                    "It was used already, replaced by a newer invitation, or has expired. Ask your support contact to send a new one.",
                    "Ею уже воспользовались, её заменило новое приглашение или истёк срок. Попросите поддержку прислать новое.")}</p>
                <button on:click=move |_| router.go(Route::PortalHome)>{move || tr!(lang.get(), "Sign in", "Войти")}</button>
            </section>
        }.into_any(),
        other => crate::ui::pending(&other, load),
    }
    }
}
