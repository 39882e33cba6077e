//! Contacts: created, changed, read and listed.

use super::*;
use helpdesk_domain::event::Event;

impl Services {
    pub fn create_contact(&self, actor: &Actor, input: &NewContact) -> Result<Contact, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let (id, invitation) = self.db.write(|c| -> Result<_, AppError> {
            let id = insert_contact_in(c, actor, input, now)?;
            let invitation = if input.portal_access {
                self.invite_on_switch(c, actor, id, now)?
            } else {
                None
            };
            Ok((id, invitation))
        })?;
        let mut contact = self.get_contact(actor, id)?;
        contact.portal_invitation = invitation;
        contact.likely_duplicates = self
            .db
            .read(|c| crate::duplicates::contact_duplicates(c, id))?;
        Ok(contact)
    }

    pub fn update_contact(
        &self,
        actor: &Actor,
        id: i64,
        input: &ContactPatch,
    ) -> Result<Contact, AppError> {
        actor.staff_write()?;
        input.validate()?;
        let mut p = Problems::default();
        let phones = input
            .phones
            .as_ref()
            .map(|v| to_json(&phones(&mut p, "phones", v)));
        let emails = input.emails.as_ref().map(|v| emails(&mut p, "emails", v));
        p.into_result()?;
        let now = self.now();
        let invitation = self.db.write(|c| -> Result<_, AppError> {
            let row = store::contact(c, id).map_err(not_found("contact"))?;
            not_merged("contact", id, row.merged_into_id)?;
            let before = contacts_dto(c, vec![row])?.remove(0);
            if let Some(org) = input.organization_id {
                ensure_org(c, "organization_id", org)?;
            }
            if let Some(owner) = input.owner_id {
                ensure_user(c, "owner_id", owner)?;
            }
            store::update_contact(
                c,
                id,
                &ContactChanges {
                    first_name: input.first_name.as_ref().map(|s| s.trim().to_owned()),
                    last_name: input.last_name.as_ref().map(|s| s.trim().to_owned()),
                    organization_id: input.organization_id,
                    title: input.title.clone(),
                    department: input.department.clone(),
                    phones,
                    do_not_email: input.do_not_email,
                    do_not_call: input.do_not_call,
                    owner_id: input.owner_id,
                    portal_access: input.portal_access,
                    portal_sees_organization: input.portal_sees_organization,
                    updated_at: Some(now),
                },
                emails.as_deref(),
            )?;
            emit(
                c,
                now,
                Some(actor),
                &Event::ContactUpdated {
                    id,
                    merged_ids: vec![],
                },
            )?;
            let row = store::contact(c, id)?;
            let after = contacts_dto(c, vec![row])?.remove(0);
            crate::audit::record(c, Some(actor), ("contact", id), &before, &after, now)?;
            match (before.portal_access, after.portal_access) {
                (false, true) => self.invite_on_switch(c, actor, id, now),
                (true, false) => self.void_invitations(c, id, now).map(|()| None),
                _ => Ok(None),
            }
        })?;
        let mut contact = self.get_contact(actor, id)?;
        contact.portal_invitation = invitation;
        contact.likely_duplicates = self
            .db
            .read(|c| crate::duplicates::contact_duplicates(c, id))?;
        Ok(contact)
    }

    pub fn get_contact(&self, actor: &Actor, id: i64) -> Result<Contact, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            let row = store::contact(c, id).map_err(not_found("contact"))?;
            contact_by_id(c, row.merged_into_id.unwrap_or(id))
        })
    }

    pub fn list_contacts(
        &self,
        actor: &Actor,
        filter: store::ContactFilter,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<ContactPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(limit, cursor)?;
        let filter = store::ContactFilter {
            email: filter.email.map(|e| e.trim().to_lowercase()),
            ..filter
        };
        self.db.read(|c| {
            let page = store::list_contacts(c, &filter, limit, cursor)?;
            Ok(ContactPage {
                items: contacts_dto(c, page.items)?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }
}
