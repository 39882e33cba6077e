//! Two-factor sign-in in the app: the QR code and key of an enrolment, recovery codes, the
//! profile's section to turn it on and off, and the admin's policy and per-user reset.

use helpdesk_api_types::auth::{
    PasswordCheck, RecoveryCodes, TwoFactorConfirm, TwoFactorEnrolment, TwoFactorPolicy,
    TwoFactorStatus,
};
use helpdesk_api_types::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::tr;
use crate::ui::{Fetch, Field, Load};

/// The QR code of an enrolment, and its key for typing by hand.
#[component]
pub fn QrCode(enrolment: TwoFactorEnrolment) -> impl IntoView {
    let l = crate::ui::lang();
    // The key in groups of four, as authenticator apps show it.
    let key = enrolment
        .secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        // The picture is the server's own SVG of the otpauth link, not user content.
        <div class="qr" data-test="qr" inner_html=enrolment.qr_svg></div>
        <p class="muted">{move || tr!(l.get(), "Cannot scan? Type this key:", "Не получается отсканировать? Введите ключ:")}
            " " <code data-test="totp-secret">{key}</code></p>
    }
}

/// Recovery codes, with what they are for.
#[component]
pub fn RecoveryCodeList(codes: Vec<String>) -> impl IntoView {
    let l = crate::ui::lang();
    view! {
        <p>{move || tr!(l.get(),
            "Each of these codes signs you in once without the authenticator app. Keep them somewhere safe: they are shown only now.",
            "Каждый из этих кодов один раз позволяет войти без приложения-аутентификатора. Сохраните их в надёжном месте: они показаны только сейчас.")}</p>
        <ol class="recovery-codes" data-test="recovery-code-list">
            {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ol>
    }
}

/// What the profile's section is doing.
#[derive(Clone)]
enum Mode {
    Idle,
    Enrolling(TwoFactorEnrolment),
    Codes(Vec<String>),
    /// The password is asked before turning off (`true`) or renewing the recovery codes.
    Password {
        turn_off: bool,
    },
}

/// The profile's "Two-factor sign-in": set up with an authenticator app, new recovery codes,
/// turn off (unless the role requires it).
#[component]
pub fn TwoFactorSettings() -> impl IntoView {
    let l = crate::ui::lang();
    let status = Fetch::<TwoFactorStatus>::new("/api/v1/me/two-factor");
    let mode = RwSignal::new(Mode::Idle);
    let input = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let start = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, TwoFactorEnrolment>("/api/v1/me/two-factor/enrolment", &()).await {
                Ok(e) => mode.set(Mode::Enrolling(e)),
                Err(e) => crate::ui::toasts().push(e.message(), None, true),
            }
            busy.set(false);
        });
    };
    let ask = move |turn_off: bool| {
        input.set(String::new());
        error.set(None);
        mode.set(Mode::Password { turn_off });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = input.get_untracked();
        let current = mode.get_untracked();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = match current {
                Mode::Enrolling(_) => api::post::<_, RecoveryCodes>(
                    "/api/v1/me/two-factor/confirm",
                    &TwoFactorConfirm { code: text },
                )
                .await
                .map(|c| Mode::Codes(c.codes)),
                Mode::Password { turn_off: false } => api::post::<_, RecoveryCodes>(
                    "/api/v1/me/two-factor/recovery-codes",
                    &PasswordCheck { password: text },
                )
                .await
                .map(|c| Mode::Codes(c.codes)),
                Mode::Password { turn_off: true } => api::post::<_, ()>(
                    "/api/v1/me/two-factor/disable",
                    &PasswordCheck { password: text },
                )
                .await
                .map(|()| Mode::Idle),
                other => Ok(other),
            };
            match result {
                Ok(next) => {
                    input.set(String::new());
                    mode.set(next);
                    status.reload();
                }
                Err(e) => error.set(Some(
                    e.field("code")
                        .or_else(|| e.field("password"))
                        .unwrap_or_else(|| e.message()),
                )),
            }
            busy.set(false);
        });
    };
    let cancel = move |_| {
        mode.set(Mode::Idle);
        error.set(None);
    };
    let field = move |label_en: &'static str, label_ru: &'static str, password: bool| {
        view! {
            <Field label=Signal::derive(move || tr!(l.get(), label_en, label_ru)) required=true error=Signal::derive(move || error.get())>
                <input data-test="two-factor-input" type=if password { "password" } else { "text" }
                    autocomplete=if password { "current-password" } else { "one-time-code" }
                    prop:value=input on:input=move |ev| input.set(event_target_value(&ev))/>
            </Field>
        }
    };
    view! {
        <section class="card form" data-test="two-factor">
            <h2>{move || tr!(l.get(), "Two-factor sign-in", "Двухфакторный вход")}</h2>
            {move || match (mode.get(), status.get()) {
                (Mode::Enrolling(enrolment), _) => view! {
                    <form on:submit=submit novalidate>
                        <p>{move || tr!(l.get(),
                            "Scan this code with an authenticator app, then enter the code it shows.",
                            "Отсканируйте код приложением-аутентификатором и введите показанный им код.")}</p>
                        <QrCode enrolment/>
                        {field("Code from the app", "Код из приложения", false)}
                        <button type="submit" data-test="two-factor-confirm" disabled=move || busy.get()>{move || tr!(l.get(), "Turn on", "Включить")}</button>
                        <button type="button" class="link" on:click=cancel>{move || tr!(l.get(), "Cancel", "Отмена")}</button>
                    </form>
                }.into_any(),
                (Mode::Codes(codes), _) => view! {
                    <RecoveryCodeList codes/>
                    <button type="button" data-test="codes-saved" on:click=cancel>{move || tr!(l.get(), "Done", "Готово")}</button>
                }.into_any(),
                (Mode::Password { turn_off }, _) => view! {
                    <form on:submit=submit novalidate>
                        {field("Your password", "Ваш пароль", true)}
                        <button type="submit" data-test="two-factor-password" disabled=move || busy.get()>
                            {move || if turn_off { tr!(l.get(), "Turn off", "Выключить") } else { tr!(l.get(), "Make new codes", "Создать новые коды") }}
                        </button>
                        <button type="button" class="link" on:click=cancel>{move || tr!(l.get(), "Cancel", "Отмена")}</button>
                    </form>
                }.into_any(),
                (Mode::Idle, Load::Ready(s)) if s.enabled => {
                    let lg = l.get();
                    view! {
                        <p data-test="two-factor-on">
                            {tr!(lg, "On since", "Включён с")} " "
                            {s.enabled_since.map(|t| crate::ui::when(lg, t))} ". "
                            {tr!(lg, "Recovery codes left:", "Осталось резервных кодов:")} " " {s.recovery_codes_left}
                        </p>
                        <button type="button" data-test="renew-codes" on:click=move |_| ask(false)>{tr!(lg, "New recovery codes", "Новые резервные коды")}</button>
                        {if s.required {
                            view! { <p class="muted">{tr!(lg, "Your role requires two-factor sign-in.", "Для вашей роли двухфакторный вход обязателен.")}</p> }.into_any()
                        } else {
                            view! { <button type="button" class="link" data-test="two-factor-off" on:click=move |_| ask(true)>{tr!(lg, "Turn off", "Выключить")}</button> }.into_any()
                        }}
                    }.into_any()
                }
                (Mode::Idle, Load::Ready(_)) => view! {
                    <p data-test="two-factor-off-state">{move || tr!(l.get(),
                        "Off. With it on, signing in also asks for a code from an app on your phone.",
                        "Выключен. Если включить, при входе понадобится ещё код из приложения на телефоне.")}</p>
                    <button type="button" data-test="two-factor-start" disabled=move || busy.get() on:click=start>
                        {move || tr!(l.get(), "Set up", "Настроить")}
                    </button>
                }.into_any(),
                (Mode::Idle, other) => crate::ui::pending(&other, move || status.reload()),
            }}
        </section>
    }
}

/// Admin → Security: which roles must sign in with two factors.
#[component]
pub fn TwoFactorPolicyForm() -> impl IntoView {
    let l = crate::ui::lang();
    let policy = Fetch::<TwoFactorPolicy>::new("/api/v1/settings/two-factor");
    // What the admin ticked; untouched boxes show the saved rule.
    let admins = RwSignal::new(None::<bool>);
    let agents = RwSignal::new(None::<bool>);
    let ticked = move |choice: RwSignal<Option<bool>>, role: Role| {
        choice.get().unwrap_or_else(|| {
            policy
                .value()
                .is_some_and(|p| p.required_roles.contains(&role))
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut required_roles = Vec::new();
        if untrack(|| ticked(admins, Role::Admin)) {
            required_roles.push(Role::Admin);
        }
        if untrack(|| ticked(agents, Role::Agent)) {
            required_roles.push(Role::Agent);
        }
        spawn_local(async move {
            let body = TwoFactorPolicy { required_roles };
            match api::put::<_, TwoFactorPolicy>("/api/v1/settings/two-factor", &body).await {
                Ok(_) => {
                    crate::ui::toasts().push(
                        tr!(
                            l.get_untracked(),
                            "Saved. It applies from each person's next sign-in.",
                            "Сохранено. Действует со следующего входа каждого."
                        )
                        .to_owned(),
                        None,
                        false,
                    );
                    policy.reload();
                }
                Err(e) => crate::ui::toasts().push(e.message(), None, true),
            }
        });
    };
    view! {
        <form class="card form" data-test="two-factor-policy" on:submit=save>
            <h2>{move || tr!(l.get(), "Two-factor sign-in required for", "Двухфакторный вход обязателен для")}</h2>
            // Shown once the rule is known: boxes unticked while it loads could be saved as
            // "nobody" by a quick click.
            {move || match policy.get() {
                Load::Loading | Load::Failed(_) if policy.value().is_none() => {
                    crate::ui::pending(&policy.get(), move || policy.reload())
                }
                _ => view! {
                    <label><input type="checkbox" data-test="require-admins" prop:checked=move || ticked(admins, Role::Admin) on:change=move |ev| admins.set(Some(event_target_checked(&ev)))/>
                        " " {move || tr!(l.get(), "Admins", "Администраторов")}</label>
                    <label><input type="checkbox" data-test="require-agents" prop:checked=move || ticked(agents, Role::Agent) on:change=move |ev| agents.set(Some(event_target_checked(&ev)))/>
                        " " {move || tr!(l.get(), "Agents", "Агентов")}</label>
                    <p class="muted">{move || tr!(l.get(),
                        "People of these roles without two-factor sign-in set it up at their next sign-in.",
                        "Те, у кого он ещё не настроен, настроят его при следующем входе.")}</p>
                    <button type="submit" data-test="save-two-factor-policy">{move || tr!(l.get(), "Save", "Сохранить")}</button>
                }.into_any(),
            }}
        </form>
    }
}

/// Admin → Users → a user: their two-factor sign-in, with a reset for a lost phone.
#[component]
pub fn UserTwoFactor(user: i64) -> impl IntoView {
    let l = crate::ui::lang();
    let status = Fetch::<TwoFactorStatus>::new(format!("/api/v1/users/{user}/two-factor"));
    let reset = move |_| {
        spawn_local(async move {
            match api::delete(&format!("/api/v1/users/{user}/two-factor")).await {
                Ok(()) => status.reload(),
                Err(e) => crate::ui::toasts().push(e.message(), None, true),
            }
        });
    };
    view! {
        <p data-test="user-two-factor">
            {move || match status.get() {
                Load::Ready(s) if s.enabled => {
                    let lg = l.get();
                    view! {
                        {tr!(lg, "Two-factor sign-in: on, recovery codes left:", "Двухфакторный вход: включён, резервных кодов:")} " " {s.recovery_codes_left} " "
                        <button type="button" class="link" data-test="reset-two-factor" on:click=reset>
                            {tr!(lg, "Reset (lost phone)", "Сбросить (потерян телефон)")}
                        </button>
                    }.into_any()
                }
                Load::Ready(s) => view! {
                    {if s.required {
                        tr!(l.get(), "Two-factor sign-in: not set up yet (asked at the next sign-in).", "Двухфакторный вход: ещё не настроен (будет запрошен при входе).")
                    } else {
                        tr!(l.get(), "Two-factor sign-in: off.", "Двухфакторный вход: выключен.")
                    }}
                }.into_any(),
                _ => ().into_any(),
            }}
        </p>
    }
}
