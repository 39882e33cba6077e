//! Users and teams (admin work).

use helpdesk_api_types::users::{
    Availability, NewTeam, NewUser, Team, TeamPatch, User, UserPage, UserPatch,
};
use helpdesk_domain::event::Event;
use helpdesk_domain::security::SecurityEventKind;
use helpdesk_domain::{Email, Role};
use helpdesk_store::users::{self as store, UserChanges, UserRow};
use helpdesk_store::{crm as crm_store, AnyConnection, StoreError};
use validator::Validate;

use crate::auth::hash_password;
use crate::error::Problems;
use crate::outbox::emit;
use crate::security_log::{self, Entry};
use crate::{cursor_string, page_params, Actor, AppError, Services};

pub const LANGUAGES: &[&str] = &["en", "ru"];

pub(crate) fn user_dto(u: UserRow) -> Result<User, AppError> {
    Ok(User {
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        support_line: u.support_line,
        language: u.language,
        contact_id: u.contact_id,
        active: u.active,
        available: u.available,
        created_at: u.created_at.and_utc(),
        updated_at: u.updated_at.and_utc(),
    })
}

fn check_language(p: &mut Problems, language: Option<&str>) {
    if let Some(l) = language {
        if !LANGUAGES.contains(&l) {
            p.add(
                "language",
                format!("must be one of {}", LANGUAGES.join(", ")),
            );
        }
    }
}

/// Stores a user with its `user.created` event; call it in the change's transaction.
pub(crate) fn insert_user_in(
    c: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    actor: Option<&Actor>,
    new: &store::NewUser,
) -> Result<i64, AppError> {
    let id = store::insert_user(c, new)?;
    emit(c, now, actor, &Event::UserCreated { id, role: new.role })?;
    Ok(id)
}

/// Records in the security log what an admin's change does to an account: its role, whether
/// it may sign in, its password.
fn log_account_changes(
    c: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    actor: &Actor,
    current: &store::UserRow,
    role: Role,
    input: &UserPatch,
) -> Result<(), AppError> {
    if role != current.role {
        let change = format!("{} → {role}", current.role);
        security_log::record(
            c,
            now,
            Entry::by(actor, SecurityEventKind::RoleChanged, current.id).reason(&change),
        )?;
    }
    match input.active {
        Some(false) if current.active => security_log::record(
            c,
            now,
            Entry::by(actor, SecurityEventKind::UserDisabled, current.id),
        )?,
        Some(true) if !current.active => security_log::record(
            c,
            now,
            Entry::by(actor, SecurityEventKind::UserEnabled, current.id),
        )?,
        _ => {}
    }
    if input.password.is_some() {
        security_log::record(
            c,
            now,
            Entry::by(actor, SecurityEventKind::PasswordChanged, current.id)
                .reason("set by an admin"),
        )?;
    }
    Ok(())
}

impl Services {
    /// Creates a user. Used by admins through the API and by `helpdesk admin create-user`
    /// (which passes `None` as the actor).
    pub fn create_user(&self, actor: Option<&Actor>, input: &NewUser) -> Result<User, AppError> {
        if let Some(a) = actor {
            a.admin()?;
        }
        input.validate()?;
        let mut p = Problems::default();
        let email = p.check("email", Email::parse(&input.email));
        check_language(&mut p, input.language.as_deref());
        if input.role == Role::Portal && input.contact_id.is_none() {
            p.add("contact_id", "a portal user acts as a contact; name one");
        }
        if input.role != Role::Portal && input.contact_id.is_some() {
            p.add("contact_id", "only portal users are linked to a contact");
        }
        if input.role == Role::Portal && input.support_line.is_some() {
            p.add("support_line", "portal users are not on a support line");
        }
        if let Some(password) = &input.password {
            if let Err(why) = helpdesk_domain::password::check_new(password, &input.email) {
                p.add("password", why);
            }
        }
        p.into_result()?;
        let email = email.map(|e| e.as_str().to_owned()).unwrap_or_default();
        let password_hash = input.password.as_deref().map(hash_password).transpose()?;
        let now = self.now();
        let id = self.db.write(|c| -> Result<i64, AppError> {
            if let Some(contact) = input.contact_id {
                ensure_contact(c, contact)?;
            }
            if store::user_by_email(c, &email)?.is_some() {
                return Err(AppError::field(
                    "email",
                    "a user with this e-mail already exists",
                ));
            }
            insert_user_in(
                c,
                now,
                actor,
                &store::NewUser {
                    email: email.clone(),
                    name: input.name.trim().to_owned(),
                    role: input.role,
                    password_hash,
                    support_line: input.support_line,
                    language: input.language.clone().unwrap_or_else(|| "en".into()),
                    contact_id: input.contact_id,
                    active: true,
                    created_at: now,
                    updated_at: now,
                },
            )
            .and_then(|id| {
                if let Some(a) = actor {
                    security_log::record(
                        c,
                        now,
                        Entry::by(a, SecurityEventKind::UserCreated, id)
                            .reason(input.role.as_str()),
                    )?;
                }
                Ok(id)
            })
        })?;
        self.get_user_unchecked(id)
    }

    fn get_user_unchecked(&self, id: i64) -> Result<User, AppError> {
        let row = self
            .db
            .read(|c| store::user(c, id))
            .map_err(not_found("user"))?;
        user_dto(row)
    }

    pub fn get_user(&self, actor: &Actor, id: i64) -> Result<User, AppError> {
        actor.staff_read()?;
        self.get_user_unchecked(id)
    }

    pub fn list_users(
        &self,
        actor: &Actor,
        role: Option<Role>,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<UserPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(limit, cursor)?;
        let page = self
            .db
            .read(|c| store::list_users(c, role, limit, cursor))?;
        Ok(UserPage {
            items: page
                .items
                .into_iter()
                .map(user_dto)
                .collect::<Result<_, _>>()?,
            next_cursor: cursor_string(page.next_cursor),
        })
    }

    pub fn update_user(&self, actor: &Actor, id: i64, input: &UserPatch) -> Result<User, AppError> {
        actor.admin()?;
        input.validate()?;
        let mut p = Problems::default();
        check_language(&mut p, input.language.as_deref());
        if let Some(Some(line)) = input.support_line {
            if !(1..=3).contains(&line) {
                p.add("support_line", "must be 1, 2 or 3");
            }
        }
        if id == actor.user_id
            && (input.active == Some(false) || input.role.is_some_and(|r| r != Role::Admin))
        {
            p.add("role", "admins cannot demote or disable themselves");
        }
        p.into_result()?;
        let password_hash = input.password.as_deref().map(hash_password).transpose()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let current = store::user(c, id).map_err(not_found("user"))?;
            if let Some(password) = &input.password {
                crate::passwords::check_new("password", password, &current.email)?;
            }
            let role = input.role.unwrap_or(current.role);
            let contact = input.contact_id.unwrap_or(current.contact_id);
            log_account_changes(c, now, actor, &current, role, input)?;
            if role == Role::Portal && contact.is_none() {
                return Err(AppError::field(
                    "contact_id",
                    "a portal user acts as a contact; name one",
                ));
            }
            if let Some(contact) = contact {
                ensure_contact(c, contact)?;
            }
            store::update_user(
                c,
                id,
                &UserChanges {
                    name: input.name.clone(),
                    role: input.role,
                    password_hash: password_hash.map(Some),
                    support_line: input.support_line,
                    language: input.language.clone(),
                    contact_id: input.contact_id,
                    active: input.active,
                    available: input.available,
                    updated_at: Some(now),
                },
            )?;
            if input.active == Some(false) || input.password.is_some() {
                // Disabling an account or changing its password ends its sessions.
                helpdesk_store::auth::revoke_user_refresh_tokens(c, id, now)?;
            }
            emit(c, now, Some(actor), &Event::UserUpdated { id })?;
            Ok(())
        })?;
        self.get_user_unchecked(id)
    }

    /// A user changes their own name or language (every role, the portal's included).
    pub fn update_me(
        &self,
        actor: &Actor,
        input: &helpdesk_api_types::auth::MePatch,
    ) -> Result<helpdesk_api_types::auth::Me, AppError> {
        actor.any_write()?;
        input.validate()?;
        let mut p = Problems::default();
        check_language(&mut p, input.language.as_deref());
        if input.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            p.add("name", "must not be blank");
        }
        p.into_result()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            store::update_user(
                c,
                actor.user_id,
                &UserChanges {
                    name: input.name.as_deref().map(|n| n.trim().to_owned()),
                    language: input.language.clone(),
                    updated_at: Some(now),
                    ..Default::default()
                },
            )?;
            emit(
                c,
                now,
                Some(actor),
                &Event::UserUpdated { id: actor.user_id },
            )?;
            Ok(())
        })?;
        self.me(actor)
    }

    /// An agent marks themselves away (out of office) or back; automatic assignment passes
    /// over agents who are away.
    pub fn set_availability(&self, actor: &Actor, input: &Availability) -> Result<User, AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db
            .write(|c| store::set_available(c, actor.user_id, input.available, now))?;
        self.get_user_unchecked(actor.user_id)
    }

    pub fn create_team(&self, actor: &Actor, input: &NewTeam) -> Result<Team, AppError> {
        actor.admin()?;
        input.validate()?;
        let now = self.now();
        let id = self.db.write(|c| -> Result<i64, AppError> {
            ensure_staff(c, &input.member_ids)?;
            let id = store::insert_team(
                c,
                input.name.trim(),
                input.support_line,
                input.description.as_deref(),
                now,
            )
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::field("name", "a team with this name exists"),
                other => other.into(),
            })?;
            store::set_team_members(c, id, &dedup(&input.member_ids))?;
            if let Some(strategy) = input.assignment {
                store::update_team(
                    c,
                    id,
                    &store::TeamChanges {
                        assignment: Some(strategy),
                        ..Default::default()
                    },
                )?;
            }
            emit(c, now, Some(actor), &Event::TeamCreated { id })?;
            Ok(id)
        })?;
        self.get_team(actor, id)
    }

    pub fn update_team(&self, actor: &Actor, id: i64, input: &TeamPatch) -> Result<Team, AppError> {
        actor.admin()?;
        input.validate()?;
        if let Some(Some(line)) = input.support_line {
            if !(1..=3).contains(&line) {
                return Err(AppError::field("support_line", "must be 1, 2 or 3"));
            }
        }
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            store::team(c, id).map_err(not_found("team"))?;
            store::update_team(
                c,
                id,
                &store::TeamChanges {
                    name: input.name.clone(),
                    support_line: input.support_line,
                    description: input.description.clone(),
                    assignment: input.assignment,
                    updated_at: Some(now),
                },
            )
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::field("name", "a team with this name exists"),
                other => other.into(),
            })?;
            if let Some(members) = &input.member_ids {
                ensure_staff(c, members)?;
                store::set_team_members(c, id, &dedup(members))?;
            }
            emit(c, now, Some(actor), &Event::TeamUpdated { id })?;
            Ok(())
        })?;
        self.get_team(actor, id)
    }

    pub fn get_team(&self, actor: &Actor, id: i64) -> Result<Team, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            let t = store::team(c, id).map_err(not_found("team"))?;
            team_dto(c, t)
        })
    }

    pub fn list_teams(&self, actor: &Actor) -> Result<Vec<Team>, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            store::list_teams(c)?
                .into_iter()
                .map(|t| team_dto(c, t))
                .collect()
        })
    }
}

fn team_dto(c: &mut AnyConnection, t: store::TeamRow) -> Result<Team, AppError> {
    Ok(Team {
        member_ids: store::team_member_ids(c, t.id)?,
        id: t.id,
        name: t.name,
        support_line: t.support_line,
        description: t.description,
        assignment: t.assignment,
        created_at: t.created_at.and_utc(),
        updated_at: t.updated_at.and_utc(),
    })
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn ensure_contact(c: &mut AnyConnection, id: i64) -> Result<(), AppError> {
    if crm_store::contacts_exist(c, &[id])?.is_empty() {
        return Err(AppError::field(
            "contact_id",
            format!("contact {id} does not exist"),
        ));
    }
    Ok(())
}

fn ensure_staff(c: &mut AnyConnection, ids: &[i64]) -> Result<(), AppError> {
    for &id in ids {
        match store::user(c, id) {
            Ok(u) if u.role != Role::Portal => {}
            Ok(_) => {
                return Err(AppError::field(
                    "member_ids",
                    format!("user {id} is a portal user"),
                ))
            }
            Err(StoreError::NotFound) => {
                return Err(AppError::field(
                    "member_ids",
                    format!("user {id} does not exist"),
                ))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Maps "no such row" to a 404 naming the thing.
pub(crate) fn not_found(what: &'static str) -> impl Fn(StoreError) -> AppError {
    move |e| match e {
        StoreError::NotFound => AppError::NotFound(what),
        other => other.into(),
    }
}
