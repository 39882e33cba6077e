//! Merging organizations, contacts and leads: the survivor takes the fields chosen and every reference.

use super::*;

impl Services {
    /// Merges organizations into the survivor.
    pub fn merge_organizations(
        &self,
        actor: &Actor,
        req: &MergeRequest,
    ) -> Result<OrganizationMerge, AppError> {
        actor.staff_write()?;
        let merged = check_request(req)?;
        let into = req.survivor_id;
        let now = self.now();
        let (survivor, relinked) = self.db.write(|c| {
            let records = gather(into, &merged, |field, id| {
                let row =
                    crm_store::organization(c, id).map_err(missing("organization", id, field))?;
                live("organization", id, row.merged_into_id, field)?;
                Ok(as_value(&crate::crm::organization_dto(row)?))
            })?;
            let before = organization_by_id(c, into)?;
            let m = merged_fields(&ORGANIZATION, &records, &req.fields)?;
            let inn: Option<String> = get(&m, "inn")?;
            let kpp: Option<String> = get(&m, "kpp")?;
            if kpp.is_some() && inn.as_ref().is_some_and(|i| i.len() == 12) {
                return Err(AppError::field(
                    "fields.kpp",
                    "only organizations (10-digit INN) have a KPP",
                ));
            }
            let relinked = store::merge_organizations(c, &merged, into, now)?;
            // A parent that was merged (or is the survivor) would make the survivor its own.
            let mut parent: Option<i64> = get(&m, "parent_id")?;
            if parent.is_some_and(|p| p == into || merged.contains(&p)) {
                parent = None;
            }
            crm_store::update_organization(
                c,
                into,
                &OrganizationChanges {
                    name: Some(get(&m, "name")?),
                    short_name: Some(get(&m, "short_name")?),
                    inn: Some(inn),
                    kpp: Some(kpp),
                    org_type: Some(get(&m, "org_type")?),
                    industry: Some(get(&m, "industry")?),
                    website: Some(get(&m, "website")?),
                    phones: Some(to_json(&get::<Vec<String>>(&m, "phones")?)),
                    emails: Some(to_json(&get::<Vec<String>>(&m, "emails")?)),
                    addresses: Some(to_json(&get::<Vec<Address>>(&m, "addresses")?)),
                    parent_id: Some(parent),
                    owner_id: Some(get(&m, "owner_id")?),
                    description: Some(get(&m, "description")?),
                    updated_at: Some(now),
                },
            )?;
            crm_store::set_from_lead_mark(c, Some(into), None, get(&m, "from_lead_id")?)?;
            if let Some(p) = parent {
                if crate::crm::creates_cycle(c, into, p)? {
                    crm_store::update_organization(
                        c,
                        into,
                        &OrganizationChanges {
                            parent_id: Some(None),
                            ..Default::default()
                        },
                    )?;
                }
            }
            let after = organization_by_id(c, into)?;
            record_merge(
                c,
                actor,
                "organization",
                into,
                &merged,
                (&before, &after),
                now,
            )?;
            Ok::<_, AppError>((after, relinked))
        })?;
        Ok(OrganizationMerge {
            survivor,
            merged_ids: merged,
            relinked: relinked_map(relinked),
        })
    }

    /// Merges contacts into the survivor.
    pub fn merge_contacts(
        &self,
        actor: &Actor,
        req: &MergeRequest,
    ) -> Result<ContactMerge, AppError> {
        actor.staff_write()?;
        let merged = check_request(req)?;
        let into = req.survivor_id;
        let now = self.now();
        let (survivor, relinked) = self.db.write(|c| {
            let records = gather(into, &merged, |field, id| {
                let row = crm_store::contact(c, id).map_err(missing("contact", id, field))?;
                live("contact", id, row.merged_into_id, field)?;
                Ok(as_value(&contact_by_id(c, id)?))
            })?;
            let before = contact_by_id(c, into)?;
            let m = merged_fields(&CONTACT, &records, &req.fields)?;
            let relinked = store::merge_contacts(c, &merged, into, now)?;
            crm_store::update_contact(
                c,
                into,
                &ContactChanges {
                    first_name: Some(get(&m, "first_name")?),
                    last_name: Some(get(&m, "last_name")?),
                    organization_id: Some(get(&m, "organization_id")?),
                    title: Some(get(&m, "title")?),
                    department: Some(get(&m, "department")?),
                    phones: Some(to_json(&get::<Vec<String>>(&m, "phones")?)),
                    do_not_email: Some(get(&m, "do_not_email")?),
                    do_not_call: Some(get(&m, "do_not_call")?),
                    owner_id: Some(get(&m, "owner_id")?),
                    portal_access: Some(get(&m, "portal_access")?),
                    portal_sees_organization: Some(get(&m, "portal_sees_organization")?),
                    updated_at: Some(now),
                },
                None,
            )?;
            crm_store::set_from_lead_mark(c, None, Some(into), get(&m, "from_lead_id")?)?;
            let after = contact_by_id(c, into)?;
            record_merge(c, actor, "contact", into, &merged, (&before, &after), now)?;
            Ok::<_, AppError>((after, relinked))
        })?;
        Ok(ContactMerge {
            survivor,
            merged_ids: merged,
            relinked: relinked_map(relinked),
        })
    }

    /// Merges leads into the survivor.
    pub fn merge_leads(&self, actor: &Actor, req: &MergeRequest) -> Result<LeadMerge, AppError> {
        actor.staff_write()?;
        let merged = check_request(req)?;
        let into = req.survivor_id;
        let now = self.now();
        let (survivor, relinked) = self.db.write(|c| {
            let records = gather(into, &merged, |field, id| {
                let row = lead_store::lead(c, id).map_err(missing("lead", id, field))?;
                live("lead", id, row.merged_into_id, field)?;
                Ok(as_value(&crate::leads::lead_dto(row)?))
            })?;
            let before = crate::leads::lead_dto(lead_store::lead(c, into)?)?;
            let m = merged_fields(&LEAD, &records, &req.fields)?;
            let relinked = store::merge_leads(c, &merged, into, now)?;
            let converted_at: Option<chrono::DateTime<chrono::Utc>> = get(&m, "converted_at")?;
            let status: LeadStatus = if converted_at.is_some() {
                LeadStatus::Converted
            } else {
                match get::<LeadStatus>(&m, "status")? {
                    LeadStatus::Converted => LeadStatus::Qualified,
                    s => s,
                }
            };
            lead_store::update_lead(
                c,
                into,
                &LeadValues {
                    first_name: get(&m, "first_name")?,
                    last_name: get(&m, "last_name")?,
                    organization_name: get(&m, "organization_name")?,
                    title: get(&m, "title")?,
                    phones: to_json(&get::<Vec<String>>(&m, "phones")?),
                    emails: to_json(&get::<Vec<String>>(&m, "emails")?),
                    website: get(&m, "website")?,
                    source: get(&m, "source")?,
                    status: status.as_str().to_owned(),
                    rating: get(&m, "rating")?,
                    industry: get(&m, "industry")?,
                    annual_revenue: get(&m, "annual_revenue")?,
                    employees: get(&m, "employees")?,
                    social_profiles: to_json(&get::<Vec<String>>(&m, "social_profiles")?),
                    do_not_email: get(&m, "do_not_email")?,
                    address: get(&m, "address")?,
                    description: get(&m, "description")?,
                    owner_id: get(&m, "owner_id")?,
                    updated_at: now,
                },
            )?;
            lead_store::set_conversion(
                c,
                into,
                get(&m, "converted_organization_id")?,
                get(&m, "converted_contact_id")?,
                get(&m, "converted_case_id")?,
                converted_at.map(|t| t.naive_utc()),
            )?;
            let after: Lead = crate::leads::lead_dto(lead_store::lead(c, into)?)?;
            record_merge(c, actor, "lead", into, &merged, (&before, &after), now)?;
            Ok::<_, AppError>((after, relinked))
        })?;
        Ok(LeadMerge {
            survivor,
            merged_ids: merged,
            relinked: relinked_map(relinked),
        })
    }
}
