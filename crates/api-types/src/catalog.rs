use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{double_option, page};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Component {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub active: bool,
    pub components: Vec<Component>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
page!(ProductPage, Product);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    #[validate(length(max = 10000))]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    /// Names of the product's components.
    #[serde(default)]
    #[validate(length(max = 200))]
    pub components: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewComponent {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contract {
    pub id: i64,
    pub organization_id: i64,
    pub product_id: i64,
    pub number: String,
    pub starts_on: NaiveDate,
    /// Last day covered; open-ended when absent.
    pub ends_on: Option<NaiveDate>,
    /// Switched on by an admin.
    pub active: bool,
    /// Switched on and today within its period.
    pub in_force: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
page!(ContractPage, Contract);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    pub organization_id: i64,
    pub product_id: i64,
    #[validate(length(min = 1, max = 100), custom(function = "crate::not_blank"))]
    pub number: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    #[serde(default = "yes")]
    pub active: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    #[validate(length(min = 1, max = 100), custom(function = "crate::not_blank"))]
    pub number: Option<String>,
    pub starts_on: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Option<Option<NaiveDate>>,
    pub active: Option<bool>,
}
