//! Admins' view of the security log: sign-ins and refused sign-ins (why, and from where),
//! sign-outs, sessions ended, API tokens, role, account and password changes; filtered by kind
//! and by address, newest first, older pages on request.

use helpdesk_api_types::auth::{SecurityEvent, SecurityEventKind, SecurityEventPage};
use leptos::prelude::*;

use crate::agent::Directory;
use crate::api::enc;
use crate::i18n::Lang;
use crate::tr;
use crate::ui::{lang, pending, when, Fetch, Load};

fn kind_label(l: Lang, kind: SecurityEventKind) -> &'static str {
    use SecurityEventKind::*;
    match kind {
        SignedIn => tr!(l, "Signed in", "Вход"),
        SignInFailed => tr!(l, "Sign-in refused", "Вход отклонён"),
        SignedOut => tr!(l, "Signed out", "Выход"),
        SessionRevoked => tr!(l, "Session ended", "Сеанс завершён"),
        RefreshReplayed => tr!(l, "Stolen token suspected", "Подозрение на кражу токена"),
        ApiTokenCreated => tr!(l, "API token created", "Создан API-токен"),
        ApiTokenRevoked => tr!(l, "API token revoked", "Отозван API-токен"),
        UserCreated => tr!(l, "User created", "Создан пользователь"),
        RoleChanged => tr!(l, "Role changed", "Изменена роль"),
        UserDisabled => tr!(l, "Account disabled", "Учётная запись отключена"),
        UserEnabled => tr!(l, "Account enabled", "Учётная запись включена"),
        PasswordChanged => tr!(l, "Password changed", "Пароль изменён"),
        PasswordResetRequested => tr!(l, "Password reset asked", "Запрошена смена пароля"),
        TwoFactorEnabled => tr!(l, "Two-factor sign-in on", "Включён двухфакторный вход"),
        TwoFactorDisabled => tr!(l, "Two-factor sign-in off", "Выключен двухфакторный вход"),
        RecoveryCodesRenewed => tr!(l, "New recovery codes", "Новые резервные коды"),
        RecoveryCodeUsed => tr!(l, "Recovery code used", "Использован резервный код"),
        TwoFactorPolicyChanged => tr!(
            l,
            "Two-factor rule changed",
            "Изменено правило двухфакторного входа"
        ),
    }
}

/// Why a sign-in was refused, in words.
fn reason_label(l: Lang, reason: &str) -> String {
    match reason {
        "unknown_account" => tr!(l, "no such account", "нет такой учётной записи").into(),
        "wrong_password" => tr!(l, "wrong password", "неверный пароль").into(),
        "account_disabled" => tr!(l, "account disabled", "учётная запись отключена").into(),
        "portal_access_off" => tr!(l, "portal access off", "доступ к порталу закрыт").into(),
        "throttled" => tr!(l, "too many attempts", "слишком много попыток").into(),
        "wrong_code" => tr!(l, "wrong two-factor code", "неверный код второго фактора").into(),
        "password_sign_in_off" => tr!(
            l,
            "password sign-in is off for the role",
            "вход по паролю для роли выключен"
        )
        .into(),
        other => other.to_owned(),
    }
}

fn path(kind: &str, ip: &str, cursor: Option<&str>) -> String {
    let mut p = "/api/v1/security-events?limit=100".to_owned();
    if !kind.is_empty() {
        p.push_str(&format!("&kind={}", enc(kind)));
    }
    if !ip.trim().is_empty() {
        p.push_str(&format!("&ip={}", enc(ip.trim())));
    }
    if let Some(c) = cursor {
        p.push_str(&format!("&cursor={}", enc(c)));
    }
    p
}

#[component]
pub fn SecurityLog() -> impl IntoView {
    let l = lang();
    let directory = use_context::<Directory>().unwrap_or_else(Directory::install);
    let kind = RwSignal::new(String::new());
    let ip = RwSignal::new(String::new());
    // The cursors of the pages before the one shown, so that "Newer" goes back.
    let back = RwSignal::new(Vec::<Option<String>>::new());
    let current = RwSignal::new(None::<String>);
    let list = Fetch::<SecurityEventPage>::new(path("", "", None));
    let apply = move || {
        back.set(Vec::new());
        current.set(None);
        list.set_path(path(&kind.get_untracked(), &ip.get_untracked(), None));
    };
    let older = move |cursor: String| {
        back.update(|b| b.push(current.get_untracked()));
        current.set(Some(cursor.clone()));
        list.set_path(path(
            &kind.get_untracked(),
            &ip.get_untracked(),
            Some(&cursor),
        ));
    };
    let newer = move || {
        let previous = back.try_update(std::vec::Vec::pop).flatten().flatten();
        current.set(previous.clone());
        list.set_path(path(
            &kind.get_untracked(),
            &ip.get_untracked(),
            previous.as_deref(),
        ));
    };
    let row = move |lg: Lang, e: SecurityEvent| {
        let who = match e.user_id {
            Some(id) => directory.user_name(Some(id)),
            None => e.email.clone().unwrap_or_default(),
        };
        let by = e.actor_id.map(|a| directory.user_name(Some(a)));
        let reason = e.reason.as_deref().map(|r| reason_label(lg, r));
        let refused = e.kind == SecurityEventKind::SignInFailed
            || e.kind == SecurityEventKind::RefreshReplayed;
        view! {
            <tr data-test="security-row" data-kind=e.kind.as_str() class:warn=refused>
                <td class="nowrap">{when(lg, e.occurred_at)}</td>
                <td>{kind_label(lg, e.kind)}</td>
                <td>{who}</td>
                <td>{by.unwrap_or_default()}</td>
                <td class="nowrap">{e.ip.clone()}</td>
                <td class="muted">{reason.unwrap_or_default()}</td>
            </tr>
        }
    };
    view! {
        <crate::two_factor::TwoFactorPolicyForm/>
        <section class="card list" data-test="admin-security-log">
            <header class="row-head">
                <h1>{move || tr!(l.get(), "Security log", "Журнал безопасности")}</h1>
            </header>
            <form class="filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); apply(); }>
                <label>{move || tr!(l.get(), "Event", "Событие")} " "
                    <select data-test="security-kind" on:change=move |ev| { kind.set(event_target_value(&ev)); apply(); }>
                        <option value="" selected=true>{move || tr!(l.get(), "All", "Все")}</option>
                        {SecurityEventKind::ALL.iter().map(|k| {
                            let k = *k;
                            view! { <option value=k.as_str()>{move || kind_label(l.get(), k)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                " "
                <label>{move || tr!(l.get(), "Address", "Адрес")} " "
                    <input data-test="security-ip" name="ip" prop:value=ip on:input=move |ev| ip.set(event_target_value(&ev))/>
                </label>
                " "
                <button type="submit">{move || tr!(l.get(), "Show", "Показать")}</button>
            </form>
            {move || match list.get() {
                Load::Ready(page) => {
                    let lg = l.get();
                    if page.items.is_empty() {
                        return view! {
                            <p class="muted" data-test="security-empty">{tr!(lg, "Nothing recorded that matches.", "Подходящих записей нет.")}</p>
                        }.into_any();
                    }
                    let next = page.next_cursor.clone();
                    view! {
                        <table data-test="security-table">
                            <thead><tr>
                                <th>{tr!(lg, "When", "Когда")}</th>
                                <th>{tr!(lg, "Event", "Событие")}</th>
                                <th>{tr!(lg, "Account", "Учётная запись")}</th>
                                <th>{tr!(lg, "By", "Кем")}</th>
                                <th>{tr!(lg, "Address", "Адрес")}</th>
                                <th>{tr!(lg, "Details", "Подробности")}</th>
                            </tr></thead>
                            <tbody>{page.items.into_iter().map(|e| row(lg, e)).collect_view()}</tbody>
                        </table>
                        <p class="pager">
                            {move || (!back.get().is_empty()).then(|| view! {
                                <button class="link" data-test="security-newer" on:click=move |_| newer()>{tr!(lg, "← Newer", "← Новее")}</button>
                            })}
                            " "
                            {next.map(|c| view! {
                                <button class="link" data-test="security-older" on:click=move |_| older(c.clone())>{tr!(lg, "Older →", "Старше →")}</button>
                            })}
                        </p>
                    }.into_any()
                }
                other => pending(&other, move || list.reload()),
            }}
        </section>
    }
}
