//! Public web forms: admins configure a form (its allowed origins, the team and priority of the
//! cases it makes); a website posts submissions with the form's key. A submission creates (or
//! reuses, by email) the sender's contact and registers a case on the `web_form` channel; the
//! sender gets the registration email like any customer.

use chrono::NaiveDateTime;
use helpdesk_api_types::web_forms::{WebForm, WebFormInput, WebFormReceipt, WebFormSubmission};
use helpdesk_domain::contact::Email;
use helpdesk_domain::{CaseType, Channel, Priority};
use helpdesk_store::attachments::{self as file_rows, NewAttachment};
use helpdesk_store::web_forms::{self as store, WebFormRow, WebFormValues};
use validator::Validate;

use crate::attachments::{clean_content_type, clean_filename, UploadedFile};
use crate::cases::{Draft, References};
use crate::users::not_found;
use crate::{from_json, to_json, Actor, AppError, FieldErrors, Services};

/// Files one submission may carry.
pub const MAX_FORM_FILES: usize = 5;

fn form_dto(row: WebFormRow) -> Result<WebForm, AppError> {
    Ok(WebForm {
        id: row.id,
        key: row.form_key,
        name: row.name,
        allowed_origins: from_json("web form", row.id, "allowed_origins", &row.allowed_origins)?,
        team_id: row.team_id,
        priority: row.priority,
        active: row.active,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// `scheme://host[:port]`, as browsers send it in `Origin`.
pub fn normalize_origin(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw.trim())
        .map_err(|_| "is not an origin like https://www.example.com".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("is not an origin like https://www.example.com".into());
    }
    if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
        return Err("must be only scheme, host and port, like https://www.example.com".into());
    }
    Ok(url.origin().ascii_serialization())
}

impl Services {
    fn form_values(
        &self,
        input: &WebFormInput,
        now: NaiveDateTime,
    ) -> Result<WebFormValues, AppError> {
        input.validate()?;
        let mut problems = FieldErrors::new();
        let mut origins = Vec::new();
        for (i, o) in input.allowed_origins.iter().enumerate() {
            match normalize_origin(o) {
                Ok(o) if !origins.contains(&o) => origins.push(o),
                Ok(_) => {}
                Err(why) => {
                    problems.insert(format!("allowed_origins[{i}]"), vec![why]);
                }
            }
        }
        if let Some(team) = input.team_id {
            if self
                .db
                .read(|c| helpdesk_store::users::team(c, team))
                .is_err()
            {
                problems.insert("team_id".into(), vec!["no such team".into()]);
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        Ok(WebFormValues {
            name: input.name.trim().to_owned(),
            allowed_origins: to_json(&origins),
            team_id: input.team_id,
            priority: input.priority.unwrap_or(Priority::Normal),
            active: input.active.unwrap_or(true),
            updated_at: now,
        })
    }

    pub fn list_web_forms(&self, actor: &Actor) -> Result<Vec<WebForm>, AppError> {
        actor.admin()?;
        self.db
            .read(store::forms)?
            .into_iter()
            .map(form_dto)
            .collect::<Result<_, _>>()
    }

    pub fn get_web_form(&self, actor: &Actor, id: i64) -> Result<WebForm, AppError> {
        actor.admin()?;
        form_dto(
            self.db
                .read(|c| store::form(c, id))
                .map_err(not_found("web form"))?,
        )
    }

    pub fn create_web_form(
        &self,
        actor: &Actor,
        input: &WebFormInput,
    ) -> Result<WebForm, AppError> {
        actor.admin()?;
        let now = self.now();
        let values = self.form_values(input, now)?;
        let key = format!("wf_{}", crate::auth::random_token(18));
        form_dto(
            self.db
                .write(|c| store::insert_form(c, &values, &key, now))?,
        )
    }

    pub fn update_web_form(
        &self,
        actor: &Actor,
        id: i64,
        input: &WebFormInput,
    ) -> Result<WebForm, AppError> {
        actor.admin()?;
        let now = self.now();
        let values = self.form_values(input, now)?;
        form_dto(
            self.db
                .write(|c| store::update_form(c, id, &values))
                .map_err(not_found("web form"))?,
        )
    }

    pub fn delete_web_form(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.admin()?;
        self.db
            .write(|c| store::delete_form(c, id))
            .map_err(not_found("web form"))
    }

    /// The origins whose pages may post to an active form (for CORS); `None` when there is no
    /// such form.
    pub fn web_form_origins(&self, key: &str) -> Result<Option<Vec<String>>, AppError> {
        self.db
            .read(|c| store::form_by_key(c, key))?
            .filter(|f| f.active)
            .map(|f| from_json("web form", f.id, "allowed_origins", &f.allowed_origins))
            .transpose()
    }

    /// Takes a submission. `origin` is the browser's `Origin` header (absent from servers).
    pub fn submit_web_form(
        &self,
        key: &str,
        origin: Option<&str>,
        input: &WebFormSubmission,
        files: &[UploadedFile],
    ) -> Result<WebFormReceipt, AppError> {
        let form = self
            .db
            .read(|c| store::form_by_key(c, key))?
            .filter(|f| f.active)
            .ok_or(AppError::NotFound("web form"))?;
        if let Some(origin) = origin {
            let allowed: Vec<String> = from_json(
                "web form",
                form.id,
                "allowed_origins",
                &form.allowed_origins,
            )?;
            let origin = normalize_origin(origin).unwrap_or_default();
            if !allowed.contains(&origin) {
                return Err(AppError::forbidden(
                    "this website may not post to the form (its origin is not allowed)",
                ));
            }
        }
        // A filled-in hidden field: a bot. It is told what a person would be, and nothing is kept.
        if input
            .website
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
        {
            tracing::info!(
                form_id = form.id,
                "web form submission dropped by the honeypot"
            );
            return Ok(WebFormReceipt {
                received: true,
                number: None,
            });
        }
        let mut problems = FieldErrors::new();
        let mut need = |field: &str, value: &str, max: usize| {
            let v = value.trim();
            if v.contains('\0') {
                // PostgreSQL cannot store it; a form posted as multipart or untyped JSON gets
                // here without the API's guard for JSON bodies.
                problems.insert(
                    field.into(),
                    vec!["must not contain NUL (U+0000) characters".into()],
                );
            } else if v.is_empty() {
                problems.insert(field.into(), vec!["is required".into()]);
            } else if v.chars().count() > max {
                problems.insert(
                    field.into(),
                    vec![format!("must be at most {max} characters")],
                );
            }
        };
        need("name", &input.name, 200);
        need("subject", &input.subject, 300);
        need("text", &input.text, 100_000);
        let email = match Email::parse(&input.email) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(e) => {
                problems.insert("email".into(), vec![e.to_string()]);
                None
            }
        };
        if files.len() > MAX_FORM_FILES {
            problems.insert(
                "file".into(),
                vec![format!("at most {MAX_FORM_FILES} files")],
            );
        }
        let Some(email) = email.filter(|_| problems.is_empty()) else {
            return Err(AppError::Validation(problems));
        };
        let now = self.now();
        let number = self.db.write(|c| {
            let (contact, organization_id) =
                self.sender_contact(c, &email, Some(input.name.trim()), now)?;
            let draft = Draft {
                subject: input.subject.trim().to_owned(),
                description: input.text.trim().to_owned(),
                priority: form.priority,
                case_type: CaseType::Consultation,
                channel: Channel::WebForm,
                refs: References {
                    organization_id,
                    customer_id: None,
                    requester_id: Some(contact),
                    contact_ids: vec![contact],
                    product_id: None,
                    component_id: None,
                    team_id: form.team_id,
                    assignee_id: None,
                },
                support_line: 1,
                system_info: Some(format!("Web form «{}»", form.name)),
                tags: Vec::new(),
                follow_up_of_id: None,
                mailbox_id: None,
            };
            let new = self.insert_case(c, None, draft)?;
            for f in files {
                let filename = clean_filename(&f.filename);
                let content_type = clean_content_type(f.content_type.as_deref());
                file_rows::insert_attachment(
                    c,
                    &NewAttachment {
                        case_id: new.row.id,
                        entry_id: new.first_entry_id,
                        sha256: &f.stored.sha256,
                        size: f.stored.size as i64,
                        filename: &filename,
                        content_type: &content_type,
                        uploaded_by_id: None,
                        created_at: now,
                        refused: None,
                    },
                )?;
            }
            Ok::<_, AppError>(new.row.number)
        })?;
        Ok(WebFormReceipt {
            received: true,
            number: Some(number),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_origin;

    #[test]
    fn origins_are_scheme_host_port() {
        assert_eq!(
            normalize_origin("https://www.Example.com").unwrap(),
            "https://www.example.com"
        );
        assert_eq!(
            normalize_origin("http://shop.test:8080/").unwrap(),
            "http://shop.test:8080"
        );
        assert!(normalize_origin("https://www.example.com/contact").is_err());
        assert!(normalize_origin("example.com").is_err());
        assert!(normalize_origin("ftp://example.com").is_err());
    }
}
