//! Organizations: created, changed, read and listed.

use super::*;
use helpdesk_domain::event::Event;

impl Services {
    pub fn create_organization(
        &self,
        actor: &Actor,
        input: &NewOrganization,
    ) -> Result<Organization, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let id = self
            .db
            .write(|c| insert_organization_in(c, actor, input, now))?;
        let mut org = self.get_organization(actor, id)?;
        org.likely_duplicates = self
            .db
            .read(|c| crate::duplicates::organization_duplicates(c, id))?;
        Ok(org)
    }

    pub fn update_organization(
        &self,
        actor: &Actor,
        id: i64,
        input: &OrganizationPatch,
    ) -> Result<Organization, AppError> {
        actor.staff_write()?;
        input.validate()?;
        let mut p = Problems::default();
        let inn = input
            .inn
            .as_ref()
            .map(|v| inn_kpp(&mut p, v.as_deref(), None).0);
        let kpp = input
            .kpp
            .as_ref()
            .map(|v| inn_kpp(&mut p, None, v.as_deref()).1);
        let phones = input
            .phones
            .as_ref()
            .map(|v| to_json(&phones(&mut p, "phones", v)));
        let emails = input
            .emails
            .as_ref()
            .map(|v| to_json(&emails(&mut p, "emails", v)));
        p.into_result()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let current = store::organization(c, id).map_err(not_found("organization"))?;
            not_merged("organization", id, current.merged_into_id)?;
            let before = organization_dto(current.clone())?;
            if let Some(Some(parent)) = input.parent_id {
                ensure_org(c, "parent_id", Some(parent))?;
                if creates_cycle(c, id, parent)? {
                    return Err(AppError::field(
                        "parent_id",
                        "an organization cannot be its own ancestor",
                    ));
                }
            }
            if let Some(owner) = input.owner_id {
                ensure_user(c, "owner_id", owner)?;
            }
            let final_inn = inn.clone().unwrap_or(current.inn.clone());
            let final_kpp = kpp.clone().unwrap_or(current.kpp.clone());
            if final_kpp.is_some() && final_inn.as_ref().is_some_and(|i| i.len() == 12) {
                return Err(AppError::field(
                    "kpp",
                    "only organizations (10-digit INN) have a KPP",
                ));
            }
            store::update_organization(
                c,
                id,
                &OrganizationChanges {
                    name: input.name.as_ref().map(|n| n.trim().to_owned()),
                    short_name: input.short_name.clone(),
                    inn,
                    kpp,
                    org_type: input.org_type.clone(),
                    industry: input.industry.clone(),
                    website: input.website.clone(),
                    phones,
                    emails,
                    addresses: input.addresses.as_ref().map(to_json),
                    parent_id: input.parent_id,
                    owner_id: input.owner_id,
                    description: input.description.clone(),
                    updated_at: Some(now),
                },
            )?;
            emit(
                c,
                now,
                Some(actor),
                &Event::OrganizationUpdated {
                    id,
                    merged_ids: vec![],
                },
            )?;
            let after = organization_dto(store::organization(c, id)?)?;
            crate::audit::record(c, Some(actor), ("organization", id), &before, &after, now)?;
            Ok(())
        })?;
        let mut org = self.get_organization(actor, id)?;
        org.likely_duplicates = self
            .db
            .read(|c| crate::duplicates::organization_duplicates(c, id))?;
        Ok(org)
    }

    pub fn get_organization(&self, actor: &Actor, id: i64) -> Result<Organization, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            let row = store::organization(c, id).map_err(not_found("organization"))?;
            match row.merged_into_id {
                Some(into) => organization_by_id(c, into),
                None => organization_dto(row),
            }
        })
    }

    pub fn list_organizations(
        &self,
        actor: &Actor,
        filter: store::OrganizationFilter,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<OrganizationPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(limit, cursor)?;
        let page = self
            .db
            .read(|c| store::list_organizations(c, &filter, limit, cursor))?;
        Ok(OrganizationPage {
            items: page
                .items
                .into_iter()
                .map(organization_dto)
                .collect::<Result<_, _>>()?,
            next_cursor: cursor_string(page.next_cursor),
        })
    }
}
