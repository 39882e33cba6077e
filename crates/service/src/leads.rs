//! Leads (agents and admins): the list with filters, create, edit, copy, mass edit and mass
//! delete, conversion into an organization and a contact (and optionally a first case) in one
//! transaction. Comments on leads, organizations and contacts are in `crm::comments`.

use chrono::NaiveDateTime;
use helpdesk_api_types::crm::Address;
use helpdesk_api_types::leads::{
    ConversionResult, Lead, LeadConversion, LeadInput, LeadMassUpdate, LeadPage, LeadQuery,
    LeadSelection, LeadStatus, MassResult,
};
use helpdesk_domain::event::Event;
use helpdesk_domain::{CaseType, Channel, Priority};
use helpdesk_store::leads::{self as store, LeadRow, LeadValues};
use helpdesk_store::{crm as crm_store, AnyConnection};
use validator::Validate;

use crate::cases::{Draft, References};
use crate::crm::{emails, ensure_org, ensure_user, phones};
use crate::error::Problems;
use crate::outbox::emit;
use crate::users::not_found;
use crate::{
    cursor_string, from_json, page_params, to_json, unknown_stored, Actor, AppError, Services,
};

pub(crate) fn lead_dto(r: LeadRow) -> Result<Lead, AppError> {
    Ok(Lead {
        id: r.id,
        number: r.number,
        first_name: r.first_name,
        last_name: r.last_name,
        organization_name: r.organization_name,
        title: r.title,
        phones: from_json("lead", r.id, "phones", &r.phones)?,
        emails: from_json("lead", r.id, "emails", &r.emails)?,
        website: r.website,
        source: r.source,
        status: LeadStatus::parse(&r.status)
            .ok_or_else(|| unknown_stored("lead", r.id, "status", &r.status))?,
        rating: r.rating,
        industry: r.industry,
        annual_revenue: r.annual_revenue,
        employees: r.employees,
        social_profiles: from_json("lead", r.id, "social_profiles", &r.social_profiles)?,
        do_not_email: r.do_not_email,
        address: r.address,
        description: r.description,
        owner_id: r.owner_id,
        created_by_id: r.created_by_id,
        converted_organization_id: r.converted_organization_id,
        converted_contact_id: r.converted_contact_id,
        converted_case_id: r.converted_case_id,
        converted_at: r.converted_at.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        merged_into_id: r.merged_into_id,
        likely_duplicates: Vec::new(),
    })
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Checks a new lead and inserts it, with its event, in the caller's transaction.
pub(crate) fn insert_lead_in(
    c: &mut AnyConnection,
    actor: &Actor,
    input: &LeadInput,
    now: NaiveDateTime,
) -> Result<LeadRow, AppError> {
    let values = lead_values(c, input, now)?;
    let row = store::insert_lead(c, &values, Some(actor.user_id), now)?;
    emit(
        c,
        now,
        Some(actor),
        &Event::LeadCreated {
            id: row.id,
            number: Some(row.number),
            copy_of: None,
        },
    )?;
    Ok(row)
}

/// A lead's checked values.
pub(crate) fn lead_values(
    c: &mut AnyConnection,
    input: &LeadInput,
    now: NaiveDateTime,
) -> Result<LeadValues, AppError> {
    input.validate()?;
    let mut p = Problems::default();
    let phones = phones(&mut p, "phones", &input.phones);
    let emails = emails(&mut p, "emails", &input.emails);
    if input.status == Some(LeadStatus::Converted) {
        p.add("status", "a lead becomes converted by converting it");
    }
    if input.last_name.trim().is_empty() {
        p.add("last_name", "is required");
    }
    p.into_result()?;
    ensure_user(c, "owner_id", input.owner_id)?;
    Ok(LeadValues {
        first_name: trimmed(&input.first_name),
        last_name: input.last_name.trim().to_owned(),
        organization_name: trimmed(&input.organization_name),
        title: trimmed(&input.title),
        phones: to_json(&phones),
        emails: to_json(&emails),
        website: trimmed(&input.website),
        source: trimmed(&input.source),
        status: input.status.unwrap_or(LeadStatus::New).as_str().to_owned(),
        rating: trimmed(&input.rating),
        industry: trimmed(&input.industry),
        annual_revenue: input.annual_revenue,
        employees: input.employees,
        social_profiles: to_json(&input.social_profiles),
        do_not_email: input.do_not_email,
        address: trimmed(&input.address),
        description: trimmed(&input.description),
        owner_id: input.owner_id,
        updated_at: now,
    })
}

impl Services {
    fn with_duplicates(&self, mut lead: Lead) -> Result<Lead, AppError> {
        let id = lead.id;
        lead.likely_duplicates = self
            .db
            .read(|c| crate::duplicates::lead_duplicates(c, id))?;
        Ok(lead)
    }

    pub fn create_lead(&self, actor: &Actor, input: &LeadInput) -> Result<Lead, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| insert_lead_in(c, actor, input, now))?;
        self.with_duplicates(lead_dto(row)?)
    }

    pub fn get_lead(&self, actor: &Actor, id: i64) -> Result<Lead, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            let row = store::lead(c, id).map_err(not_found("lead"))?;
            match row.merged_into_id {
                Some(into) => lead_dto(store::lead(c, into)?),
                None => lead_dto(row),
            }
        })
    }

    /// Replaces a lead's fields. A converted lead stays readable but is no longer edited.
    pub fn update_lead(&self, actor: &Actor, id: i64, input: &LeadInput) -> Result<Lead, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let old = store::lead(c, id).map_err(not_found("lead"))?;
            crate::crm::not_merged("lead", id, old.merged_into_id)?;
            if old.converted_at.is_some() {
                return Err(AppError::Conflict(
                    "this lead was converted; edit its organization and contact instead".into(),
                ));
            }
            let values = lead_values(c, input, now)?;
            Ok(store::update_lead(c, id, &values)?)
        })?;
        self.with_duplicates(lead_dto(row)?)
    }

    /// A new lead with the fields of an existing one (status `new`, not converted).
    pub fn copy_lead(&self, actor: &Actor, id: i64) -> Result<Lead, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let old = store::lead(c, id).map_err(not_found("lead"))?;
            let values = LeadValues {
                first_name: old.first_name,
                last_name: old.last_name,
                organization_name: old.organization_name,
                title: old.title,
                phones: old.phones,
                emails: old.emails,
                website: old.website,
                source: old.source,
                status: LeadStatus::New.as_str().to_owned(),
                rating: old.rating,
                industry: old.industry,
                annual_revenue: old.annual_revenue,
                employees: old.employees,
                social_profiles: old.social_profiles,
                do_not_email: old.do_not_email,
                address: old.address,
                description: old.description,
                owner_id: old.owner_id,
                updated_at: now,
            };
            let row = store::insert_lead(c, &values, Some(actor.user_id), now)?;
            emit(
                c,
                now,
                Some(actor),
                &Event::LeadCreated {
                    id: row.id,
                    number: None,
                    copy_of: Some(id),
                },
            )?;
            Ok::<_, AppError>(row)
        })?;
        lead_dto(row)
    }

    pub fn list_leads(&self, actor: &Actor, q: &LeadQuery) -> Result<LeadPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let filter = store::LeadFilter {
            status: q.status.map(|s| s.as_str().to_owned()),
            owner_id: q.owner_id,
            source: trimmed(&q.source),
            text: trimmed(&q.q),
        };
        let page = self
            .db
            .read(|c| store::list_leads(c, &filter, limit, cursor))?;
        Ok(LeadPage {
            items: page
                .items
                .into_iter()
                .map(lead_dto)
                .collect::<Result<_, _>>()?,
            next_cursor: cursor_string(page.next_cursor),
        })
    }

    /// Sets status, owner, rating or source on every selected lead that is not converted.
    pub fn mass_update_leads(
        &self,
        actor: &Actor,
        input: &LeadMassUpdate,
    ) -> Result<MassResult, AppError> {
        actor.staff_write()?;
        input.validate()?;
        if input.status == Some(LeadStatus::Converted) {
            return Err(AppError::field(
                "status",
                "a lead becomes converted by converting it",
            ));
        }
        let now = self.now();
        let changes = store::LeadMassChanges {
            status: input.status.map(|s| s.as_str().to_owned()),
            owner_id: input.owner_id.map(Some),
            rating: trimmed(&input.rating).map(Some),
            source: trimmed(&input.source).map(Some),
            updated_at: Some(now),
        };
        if changes.status.is_none()
            && changes.owner_id.is_none()
            && changes.rating.is_none()
            && changes.source.is_none()
        {
            return Err(AppError::field(
                "status",
                "name at least one of status, owner_id, rating, source to change",
            ));
        }
        let affected = self.db.write(|c| {
            ensure_user(c, "owner_id", input.owner_id)?;
            Ok::<_, AppError>(store::mass_update(c, &input.ids, &changes)?)
        })?;
        Ok(MassResult { affected })
    }

    /// Deletes the selected leads and their comments, in one transaction.
    pub fn mass_delete_leads(
        &self,
        actor: &Actor,
        input: &LeadSelection,
    ) -> Result<MassResult, AppError> {
        actor.staff_write()?;
        input.validate()?;
        let affected = self.db.write(|c| store::delete_leads(c, &input.ids))?;
        Ok(MassResult { affected })
    }

    /// Converts a lead: creates (or links) its organization and contact, optionally opens a
    /// first case, marks the lead converted — all or nothing.
    pub fn convert_lead(
        &self,
        actor: &Actor,
        id: i64,
        input: &LeadConversion,
    ) -> Result<ConversionResult, AppError> {
        actor.staff_write()?;
        input.validate()?;
        let now = self.now();
        let (row, organization_id, contact_id, case_id) = self.db.write(|c| {
            let lead = store::lead(c, id).map_err(not_found("lead"))?;
            crate::crm::not_merged("lead", id, lead.merged_into_id)?;
            if lead.converted_at.is_some() {
                return Err(AppError::Conflict("this lead was already converted".into()));
            }
            let emails: Vec<String> = from_json("lead", lead.id, "emails", &lead.emails)?;
            // The organization: the one named, a new one from the lead, or none.
            let mut created_org = None;
            let organization_id = match (input.organization_id, &lead.organization_name) {
                (Some(org), _) => {
                    ensure_org(c, "organization_id", Some(org))?;
                    Some(org)
                }
                (None, Some(name)) if !input.skip_organization => {
                    let org = crm_store::insert_organization(
                        c,
                        &crm_store::NewOrganization {
                            name: name.clone(),
                            short_name: None,
                            inn: None,
                            kpp: None,
                            org_type: None,
                            industry: lead.industry.clone(),
                            website: lead.website.clone(),
                            phones: lead.phones.clone(),
                            emails: "[]".into(),
                            addresses: to_json(
                                &lead
                                    .address
                                    .iter()
                                    .map(|a| Address {
                                        kind: None,
                                        text: a.clone(),
                                    })
                                    .collect::<Vec<_>>(),
                            ),
                            parent_id: None,
                            owner_id: lead.owner_id,
                            description: None,
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                    emit(
                        c,
                        now,
                        Some(actor),
                        &Event::OrganizationCreated {
                            id: org,
                            from_lead_id: Some(id),
                        },
                    )?;
                    created_org = Some(org);
                    Some(org)
                }
                _ => None,
            };
            let mut created_contact = None;
            let contact_id = match input.contact_id {
                Some(contact) => {
                    crm_store::contact(c, contact)
                        .map_err(|_| AppError::field("contact_id", "no such contact"))?;
                    contact
                }
                None => {
                    let contact = crm_store::insert_contact(
                        c,
                        &crm_store::NewContact {
                            first_name: lead.first_name.clone().unwrap_or_default(),
                            last_name: lead.last_name.clone(),
                            organization_id,
                            title: lead.title.clone(),
                            department: None,
                            phones: lead.phones.clone(),
                            do_not_email: lead.do_not_email,
                            do_not_call: false,
                            owner_id: lead.owner_id,
                            portal_access: false,
                            portal_sees_organization: false,
                            created_at: now,
                            updated_at: now,
                        },
                        &emails,
                    )?;
                    emit(
                        c,
                        now,
                        Some(actor),
                        &Event::ContactCreated {
                            id: contact,
                            from_lead_id: Some(id),
                        },
                    )?;
                    created_contact = Some(contact);
                    contact
                }
            };
            crm_store::set_from_lead(c, created_org, created_contact, id)?;
            let case_id = match &input.first_case {
                Some(first) => {
                    let draft = Draft {
                        subject: first.subject.trim().to_owned(),
                        description: first.description.trim().to_owned(),
                        priority: Priority::Normal,
                        case_type: CaseType::Consultation,
                        channel: Channel::Agent,
                        refs: References {
                            organization_id,
                            customer_id: None,
                            requester_id: Some(contact_id),
                            contact_ids: vec![contact_id],
                            product_id: None,
                            component_id: None,
                            team_id: None,
                            assignee_id: None,
                        },
                        support_line: actor.line.map_or(1, |l| i32::from(l.get())),
                        system_info: None,
                        tags: Vec::new(),
                        follow_up_of_id: None,
                        mailbox_id: None,
                    };
                    Some(self.insert_case(c, Some(actor), draft)?.row.id)
                }
                None => None,
            };
            let row =
                store::mark_converted(c, id, organization_id, Some(contact_id), case_id, now)?;
            emit(
                c,
                now,
                Some(actor),
                &Event::LeadConverted {
                    id,
                    organization_id,
                    contact_id,
                    case_id,
                },
            )?;
            Ok::<_, AppError>((row, organization_id, contact_id, case_id))
        })?;
        Ok(ConversionResult {
            lead: lead_dto(row)?,
            organization_id,
            contact_id,
            case_id,
        })
    }
}
