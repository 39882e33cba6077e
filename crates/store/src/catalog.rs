//! Products, their components, and the contracts that entitle an organization to support.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{components, contracts, products};
use crate::{AnyConnection, Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = components)]
pub struct ComponentRow {
    pub id: i64,
    pub product_id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = products)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_product(
    conn: &mut AnyConnection,
    name: &str,
    description: Option<&str>,
    active: bool,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(products::table)
        .values((
            products::name.eq(name),
            products::description.eq(description),
            products::active.eq(active),
            products::created_at.eq(now),
            products::updated_at.eq(now),
        ))
        .returning(products::id)
        .get_result(conn)?)
}

pub fn update_product(
    conn: &mut AnyConnection,
    id: i64,
    changes: &ProductChanges,
) -> Result<(), StoreError> {
    match diesel::update(products::table.find(id))
        .set(changes)
        .execute(conn)?
    {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

pub fn product(conn: &mut AnyConnection, id: i64) -> Result<ProductRow, StoreError> {
    Ok(products::table
        .find(id)
        .select(ProductRow::as_select())
        .first(conn)?)
}

pub fn list_products(
    conn: &mut AnyConnection,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<ProductRow>, StoreError> {
    let mut q = products::table.select(ProductRow::as_select()).into_boxed();
    if let Some(c) = cursor {
        q = q.filter(products::id.gt(c));
    }
    let rows = q.order(products::id.asc()).limit(limit + 1).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

pub fn insert_component(
    conn: &mut AnyConnection,
    product_id: i64,
    name: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(components::table)
        .values((
            components::product_id.eq(product_id),
            components::name.eq(name),
            components::created_at.eq(now),
        ))
        .returning(components::id)
        .get_result(conn)?)
}

pub fn components_of(
    conn: &mut AnyConnection,
    product_ids: &[i64],
) -> Result<Vec<ComponentRow>, StoreError> {
    Ok(components::table
        .filter(components::product_id.eq_any(product_ids))
        .order(components::id)
        .select(ComponentRow::as_select())
        .load(conn)?)
}

pub fn component(conn: &mut AnyConnection, id: i64) -> Result<ComponentRow, StoreError> {
    Ok(components::table
        .find(id)
        .select(ComponentRow::as_select())
        .first(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contracts)]
pub struct ContractRow {
    pub id: i64,
    pub organization_id: i64,
    pub product_id: i64,
    pub number: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contracts)]
pub struct NewContract {
    pub organization_id: i64,
    pub product_id: i64,
    pub number: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = contracts)]
pub struct ContractChanges {
    pub number: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub active: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_contract(conn: &mut AnyConnection, new: &NewContract) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(contracts::table)
        .values(new)
        .returning(contracts::id)
        .get_result(conn)?)
}

pub fn update_contract(
    conn: &mut AnyConnection,
    id: i64,
    changes: &ContractChanges,
) -> Result<(), StoreError> {
    match diesel::update(contracts::table.find(id))
        .set(changes)
        .execute(conn)?
    {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

pub fn contract(conn: &mut AnyConnection, id: i64) -> Result<ContractRow, StoreError> {
    Ok(contracts::table
        .find(id)
        .select(ContractRow::as_select())
        .first(conn)?)
}

pub fn list_contracts(
    conn: &mut AnyConnection,
    organization_id: Option<i64>,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<ContractRow>, StoreError> {
    let mut q = contracts::table
        .select(ContractRow::as_select())
        .into_boxed();
    if let Some(org) = organization_id {
        q = q.filter(contracts::organization_id.eq(org));
    }
    if let Some(c) = cursor {
        q = q.filter(contracts::id.lt(c));
    }
    let rows = q.order(contracts::id.desc()).limit(limit + 1).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Whether `organization` holds a contract for `product` that is switched on and runs on `today`.
pub fn has_active_contract(
    conn: &mut AnyConnection,
    organization: i64,
    product: i64,
    today: NaiveDate,
) -> Result<bool, StoreError> {
    let q = contracts::table
        .filter(contracts::organization_id.eq(organization))
        .filter(contracts::product_id.eq(product))
        .filter(contracts::active.eq(true))
        .filter(contracts::starts_on.le(today))
        .filter(
            contracts::ends_on
                .is_null()
                .or(contracts::ends_on.ge(today)),
        );
    Ok(diesel::select(diesel::dsl::exists(q)).get_result(conn)?)
}
