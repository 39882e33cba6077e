//! The account a provider's claims sign in: found, linked or created, with its role and teams
//! brought in line with the groups.

use super::*;

impl Services {
    /// The account the claims sign in, with its role and teams brought in line with the
    /// groups; a refusal when there is none or it may not sign in this way.
    pub(super) fn account_for(
        &self,
        c: &mut AnyConnection,
        settings: &SsoSettings,
        claims: &Value,
        client: &ClientInfo,
    ) -> Result<Result<UserRow, Refusal>, AppError> {
        let now = self.now();
        let subject = claims["sub"].as_str().unwrap_or_default();
        let email = claims["email"].as_str().map(|e| e.trim().to_lowercase());
        let verified = claims["email_verified"].as_bool() == Some(true);
        let groups = groups_of(&claims[settings.role_claim.as_str()]);
        let Some(role) = role_of(settings, &groups) else {
            return Ok(Err(refuse(
                "no_role",
                format!(
                    "{} has no group that gives a helpdesk role",
                    email.unwrap_or_default()
                ),
            )));
        };
        let linked = store::user_of(c, &settings.issuer, subject)?;
        let user = match linked {
            Some(id) => user_store::user(c, id)?,
            None => {
                let Some(email) = email.filter(|e| e.contains('@')) else {
                    return Ok(Err(refuse(
                        "no_account",
                        "the provider sent no e-mail address",
                    )));
                };
                match user_store::user_by_email(c, &email)? {
                    Some(existing) if !verified => {
                        return Ok(Err(refuse(
                            "email_unverified",
                            format!(
                                "{} is not verified by the provider; not linked to the account",
                                existing.email
                            ),
                        )));
                    }
                    Some(existing) => existing,
                    None if !settings.create_users => {
                        return Ok(Err(refuse("no_account", format!("{email} has no account"))));
                    }
                    None => {
                        let name = claims["name"]
                            .as_str()
                            .or(claims["preferred_username"].as_str())
                            .unwrap_or(&email)
                            .chars()
                            .take(200)
                            .collect::<String>();
                        let id = user_store::insert_user(
                            c,
                            &user_store::NewUser {
                                email: email.clone(),
                                name,
                                role,
                                password_hash: None,
                                support_line: None,
                                language: self.notify.default_language.clone(),
                                contact_id: None,
                                active: true,
                                created_at: now,
                                updated_at: now,
                            },
                        )?;
                        security_log::record(
                            c,
                            now,
                            Entry {
                                kind: SecurityEventKind::UserCreated,
                                user_id: Some(id),
                                actor_id: None,
                                email: Some(&email),
                                client,
                                reason: Some("single sign-on"),
                                session_id: None,
                            },
                        )?;
                        user_store::user(c, id)?
                    }
                }
            }
        };
        if user.role == Role::Portal {
            return Ok(Err(refuse(
                "portal",
                format!("{} is a customer's account", user.email),
            )));
        }
        if !user.active {
            return Ok(Err(refuse(
                "disabled",
                format!("{} is disabled", user.email),
            )));
        }
        if linked.is_none() {
            store::link(c, &settings.issuer, subject, user.id, now)?;
        }
        if user.role != role {
            let reason = format!("{} → {role} (single sign-on groups)", user.role);
            user_store::update_user(
                c,
                user.id,
                &user_store::UserChanges {
                    role: Some(role),
                    updated_at: Some(now),
                    ..Default::default()
                },
            )?;
            security_log::record(
                c,
                now,
                Entry {
                    kind: SecurityEventKind::RoleChanged,
                    user_id: Some(user.id),
                    actor_id: None,
                    email: Some(&user.email),
                    client,
                    reason: Some(&reason),
                    session_id: None,
                },
            )?;
        }
        sync_teams(c, settings, user.id, &groups)?;
        Ok(Ok(user_store::user(c, user.id)?))
    }
}

pub(super) fn groups_of(claim: &Value) -> Vec<String> {
    match claim {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Value::String(one) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// The highest role any of `groups` gives.
pub(super) fn role_of(settings: &SsoSettings, groups: &[String]) -> Option<Role> {
    let given: Vec<Role> = settings
        .roles
        .iter()
        .filter(|(group, _)| groups.contains(group))
        .map(|(_, role)| *role)
        .filter(|role| role.is_staff())
        .collect();
    if given.contains(&Role::Admin) {
        Some(Role::Admin)
    } else {
        given.first().copied()
    }
}

/// Puts the user in the mapped teams their groups name and out of the other mapped ones;
/// teams no group maps to are left as they are.
pub(super) fn sync_teams(
    c: &mut AnyConnection,
    settings: &SsoSettings,
    user_id: i64,
    groups: &[String],
) -> Result<(), AppError> {
    if settings.teams.is_empty() {
        return Ok(());
    }
    for team in user_store::list_teams(c)? {
        let mapped: Vec<&String> = settings
            .teams
            .iter()
            .filter(|(_, name)| *name == team.name)
            .map(|(group, _)| group)
            .collect();
        if mapped.is_empty() {
            continue;
        }
        let wanted = mapped.iter().any(|g| groups.contains(g));
        let mut members = user_store::team_member_ids(c, team.id)?;
        let present = members.contains(&user_id);
        if wanted == present {
            continue;
        }
        if wanted {
            members.push(user_id);
        } else {
            members.retain(|m| *m != user_id);
        }
        user_store::set_team_members(c, team.id, &members)?;
    }
    Ok(())
}
