use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{double_option, page};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// What the address is for, e.g. `legal`, `postal`, `office`.
    #[validate(length(max = 50))]
    pub kind: Option<String>,
    #[validate(length(min = 1, max = 1000), custom(function = "crate::not_blank"))]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    /// Russian taxpayer number (ИНН), 10 or 12 digits with valid check digits.
    pub inn: Option<String>,
    /// Tax registration reason code (КПП), 9 characters.
    pub kpp: Option<String>,
    /// e.g. `customer`, `partner`, `reseller`.
    pub org_type: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    /// E.164 numbers.
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub addresses: Vec<Address>,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The lead this record was created from by a conversion.
    #[serde(default)]
    pub from_lead_id: Option<i64>,
    /// Set only on a merged record (as the export shows it): the record it was merged into.
    /// Reading a merged record's id answers with that record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into_id: Option<i64>,
    /// Only in the answer to a create or update: other records that are likely the same
    /// (saved anyway; merge them if they are).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub likely_duplicates: Vec<i64>,
}
page!(OrganizationPage, Organization);

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    #[validate(length(min = 1, max = 500), custom(function = "crate::not_blank"))]
    pub name: String,
    #[validate(length(max = 200))]
    pub short_name: Option<String>,
    pub inn: Option<String>,
    pub kpp: Option<String>,
    #[validate(length(max = 100))]
    pub org_type: Option<String>,
    #[validate(length(max = 200))]
    pub industry: Option<String>,
    #[validate(length(max = 500))]
    pub website: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20))]
    pub phones: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 20))]
    pub emails: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    pub addresses: Vec<Address>,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    #[validate(length(max = 20000))]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    #[validate(length(min = 1, max = 500), custom(function = "crate::not_blank"))]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub short_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub inn: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub kpp: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub org_type: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub industry: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
    #[validate(length(max = 20))]
    pub phones: Option<Vec<String>>,
    #[validate(length(max = 20))]
    pub emails: Option<Vec<String>>,
    #[validate(length(max = 20), nested)]
    pub addresses: Option<Vec<Address>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    /// Lower-cased; the first is the primary address.
    pub emails: Vec<String>,
    /// E.164 numbers.
    pub phones: Vec<String>,
    pub organization_id: Option<i64>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub do_not_email: bool,
    pub do_not_call: bool,
    pub owner_id: Option<i64>,
    /// Whether the contact may sign in to the customer portal.
    pub portal_access: bool,
    /// Whether, in the portal, the contact sees every case of their organization.
    pub portal_sees_organization: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The lead this record was created from by a conversion.
    #[serde(default)]
    pub from_lead_id: Option<i64>,
    /// Set only on a merged record (as the export shows it): the record it was merged into.
    /// Reading a merged record's id answers with that record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into_id: Option<i64>,
    /// Only in the answer to a create or update: other records that are likely the same
    /// (saved anyway; merge them if they are).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub likely_duplicates: Vec<i64>,
    /// Only in the answer to a create or update that switched portal access on: the invitation
    /// mailed to the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_invitation: Option<PortalInvitation>,
}
page!(ContactPage, Contact);

/// An invitation to the customer portal, mailed to the contact's primary address: a
/// single-use link with which they choose a password. A newer invitation voids older ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PortalInvitation {
    pub contact_id: i64,
    /// The portal user the contact signs in as (created with the first invitation).
    pub user_id: i64,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub first_name: String,
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub last_name: String,
    #[serde(default)]
    #[validate(length(max = 20))]
    pub emails: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 20))]
    pub phones: Vec<String>,
    pub organization_id: Option<i64>,
    #[validate(length(max = 200))]
    pub title: Option<String>,
    #[validate(length(max = 200))]
    pub department: Option<String>,
    #[serde(default)]
    pub do_not_email: bool,
    #[serde(default)]
    pub do_not_call: bool,
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub portal_access: bool,
    #[serde(default)]
    pub portal_sees_organization: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub first_name: Option<String>,
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub last_name: Option<String>,
    #[validate(length(max = 20))]
    pub emails: Option<Vec<String>>,
    #[validate(length(max = 20))]
    pub phones: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub department: Option<Option<String>>,
    pub do_not_email: Option<bool>,
    pub do_not_call: Option<bool>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    pub portal_access: Option<bool>,
    pub portal_sees_organization: Option<bool>,
}
