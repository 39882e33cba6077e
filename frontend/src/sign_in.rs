//! The sign-in page: e-mail and password, then, for an account with two-factor sign-in, the
//! code of its authenticator app; an account whose role requires two factors and has none
//! enrols here first (QR code, first code, recovery codes to keep).

use helpdesk_api_types::auth::TwoFactorEnrolment;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError, Session, SignedIn};
use crate::i18n::{self, Lang};
use crate::passwords::ForgotPassword;
use crate::tr;
use crate::two_factor::{QrCode, RecoveryCodeList};
use crate::ui::Field;

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
                    error.set(Some(e.message()))
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
