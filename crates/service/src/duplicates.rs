//! Likely duplicates of contacts, organizations and leads: reported in the answer to a create or
//! update (never blocking it), and listed as groups (the rules are the domain's).

use helpdesk_api_types::duplicates::DuplicateGroups;
use helpdesk_domain::duplicates::{group, organization_keys, person_keys};
use helpdesk_store::{crm as crm_store, leads as lead_store, AnyConnection};

use crate::{from_json, Actor, AppError, Services};

/// What a record is compared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKind {
    Contacts,
    Organizations,
    Leads,
}

/// Every group of likely duplicates of a kind.
pub(crate) fn groups_of(
    c: &mut AnyConnection,
    kind: DuplicateKind,
) -> Result<Vec<Vec<i64>>, AppError> {
    Ok(group(&keys_of(c, kind)?))
}

/// Every live record of a kind with the keys it is compared by.
pub(crate) fn keys_of(
    c: &mut AnyConnection,
    kind: DuplicateKind,
) -> Result<Vec<(i64, Vec<String>)>, AppError> {
    Ok(match kind {
        DuplicateKind::Organizations => crm_store::organization_identities(c)?
            .into_iter()
            .map(|(id, name, inn, kpp)| {
                (id, organization_keys(&name, inn.as_deref(), kpp.as_deref()))
            })
            .collect(),
        DuplicateKind::Contacts => crm_store::contact_identities(c)?
            .into_iter()
            .map(|(id, phones, emails)| {
                let phones: Vec<String> = from_json("contact", id, "phones", &phones)?;
                Ok((id, person_keys(&emails, &phones)))
            })
            .collect::<Result<_, AppError>>()?,
        DuplicateKind::Leads => lead_store::lead_identities(c)?
            .into_iter()
            .map(|(id, phones, emails)| {
                let emails: Vec<String> = from_json("lead", id, "emails", &emails)?;
                let phones: Vec<String> = from_json("lead", id, "phones", &phones)?;
                Ok((id, person_keys(&emails, &phones)))
            })
            .collect::<Result<_, AppError>>()?,
    })
}

/// The likely duplicates of one contact: others with one of its email addresses or phones.
pub(crate) fn contact_duplicates(c: &mut AnyConnection, id: i64) -> Result<Vec<i64>, AppError> {
    let row = crm_store::contact(c, id)?;
    let emails: Vec<String> = crm_store::emails_of(c, &[id])?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let mut out = crm_store::contacts_with_emails(c, &emails, id)?;
    for phone in from_json::<Vec<String>>("contact", id, "phones", &row.phones)? {
        out.extend(crm_store::contacts_with_phone(c, &phone, id)?);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The likely duplicates of one organization (same INN and KPP, or the same name).
pub(crate) fn organization_duplicates(
    c: &mut AnyConnection,
    id: i64,
) -> Result<Vec<i64>, AppError> {
    let all = crm_store::organization_identities(c)?;
    let keys = |r: &crm_store::OrganizationIdentity| {
        organization_keys(&r.1, r.2.as_deref(), r.3.as_deref())
    };
    let Some(mine) = all.iter().find(|r| r.0 == id).map(keys) else {
        return Ok(Vec::new());
    };
    Ok(all
        .iter()
        .filter(|r| r.0 != id && keys(r).iter().any(|k| mine.contains(k)))
        .map(|r| r.0)
        .collect())
}

/// The likely duplicates of one lead: other leads with one of its emails or phones.
pub(crate) fn lead_duplicates(c: &mut AnyConnection, id: i64) -> Result<Vec<i64>, AppError> {
    let all = lead_store::lead_identities(c)?;
    let keys = |id: i64, phones: &str, emails: &str| -> Result<Vec<String>, AppError> {
        Ok(person_keys(
            &from_json::<Vec<String>>("lead", id, "emails", emails)?,
            &from_json::<Vec<String>>("lead", id, "phones", phones)?,
        ))
    };
    let Some(mine) = all.iter().find(|r| r.0 == id) else {
        return Ok(Vec::new());
    };
    let mine = keys(mine.0, &mine.1, &mine.2)?;
    let mut out = Vec::new();
    for r in all.iter().filter(|r| r.0 != id) {
        if keys(r.0, &r.1, &r.2)?.iter().any(|k| mine.contains(k)) {
            out.push(r.0);
        }
    }
    Ok(out)
}

impl Services {
    /// Groups of likely duplicates (agents and admins).
    pub fn duplicate_groups(
        &self,
        actor: &Actor,
        kind: DuplicateKind,
    ) -> Result<DuplicateGroups, AppError> {
        actor.staff_read()?;
        Ok(DuplicateGroups {
            groups: self.db.read(|c| groups_of(c, kind))?,
        })
    }
}
