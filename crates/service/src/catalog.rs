//! Products, components and contracts (admin work; agents read them).

use helpdesk_api_types::catalog::{
    Component, Contract, ContractPage, ContractPatch, NewComponent, NewContract, NewProduct,
    Product, ProductPage, ProductPatch,
};
use helpdesk_domain::event::Event;
use helpdesk_store::catalog::{self as store, ContractChanges, ProductChanges};
use helpdesk_store::{crm as crm_store, AnyConnection, StoreError};
use validator::Validate;

use crate::outbox::emit;
use crate::users::not_found;
use crate::{cursor_string, page_params, Actor, AppError, Services};

fn products_dto(
    c: &mut AnyConnection,
    rows: Vec<store::ProductRow>,
) -> Result<Vec<Product>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let components = store::components_of(c, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| Product {
            components: components
                .iter()
                .filter(|k| k.product_id == r.id)
                .map(|k| Component {
                    id: k.id,
                    name: k.name.clone(),
                })
                .collect(),
            id: r.id,
            name: r.name,
            description: r.description,
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
        .collect())
}

fn name_taken(field: &'static str, what: &'static str) -> impl Fn(StoreError) -> AppError {
    move |e| match e {
        StoreError::Conflict(_) => AppError::field(field, format!("{what} with this name exists")),
        other => other.into(),
    }
}

impl Services {
    pub fn create_product(&self, actor: &Actor, input: &NewProduct) -> Result<Product, AppError> {
        actor.admin()?;
        input.validate()?;
        let now = self.now();
        let id = self.db.write(|c| -> Result<i64, AppError> {
            let id = store::insert_product(
                c,
                input.name.trim(),
                input.description.as_deref(),
                input.active,
                now,
            )
            .map_err(name_taken("name", "a product"))?;
            for name in &input.components {
                store::insert_component(c, id, name.trim(), now)
                    .map_err(name_taken("components", "a component"))?;
            }
            emit(c, now, Some(actor), &Event::ProductCreated { id })?;
            Ok(id)
        })?;
        self.get_product(actor, id)
    }

    pub fn update_product(
        &self,
        actor: &Actor,
        id: i64,
        input: &ProductPatch,
    ) -> Result<Product, AppError> {
        actor.admin()?;
        input.validate()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            store::update_product(
                c,
                id,
                &ProductChanges {
                    name: input.name.as_ref().map(|n| n.trim().to_owned()),
                    description: input.description.clone(),
                    active: input.active,
                    updated_at: Some(now),
                },
            )
            .map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound("product"),
                other => name_taken("name", "a product")(other),
            })?;
            emit(c, now, Some(actor), &Event::ProductUpdated { id })?;
            Ok(())
        })?;
        self.get_product(actor, id)
    }

    pub fn add_component(
        &self,
        actor: &Actor,
        product_id: i64,
        input: &NewComponent,
    ) -> Result<Product, AppError> {
        actor.admin()?;
        input.validate()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            store::product(c, product_id).map_err(not_found("product"))?;
            store::insert_component(c, product_id, input.name.trim(), now)
                .map_err(name_taken("name", "a component"))?;
            emit(
                c,
                now,
                Some(actor),
                &Event::ProductUpdated { id: product_id },
            )?;
            Ok(())
        })?;
        self.get_product(actor, product_id)
    }

    /// Products are visible to every signed-in user: the portal's case form lists them too.
    pub fn get_product(&self, actor: &Actor, id: i64) -> Result<Product, AppError> {
        actor.any_read()?;
        self.db.read(|c| {
            let row = store::product(c, id).map_err(not_found("product"))?;
            Ok(products_dto(c, vec![row])?.remove(0))
        })
    }

    pub fn list_products(
        &self,
        actor: &Actor,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<ProductPage, AppError> {
        actor.any_read()?;
        let (limit, cursor) = page_params(limit, cursor)?;
        self.db.read(|c| {
            let page = store::list_products(c, limit, cursor)?;
            Ok(ProductPage {
                items: products_dto(c, page.items)?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    fn contract_dto(&self, r: store::ContractRow) -> Contract {
        let today = self.now().date();
        Contract {
            in_force: r.active && r.starts_on <= today && r.ends_on.is_none_or(|e| e >= today),
            id: r.id,
            organization_id: r.organization_id,
            product_id: r.product_id,
            number: r.number,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }

    pub fn create_contract(
        &self,
        actor: &Actor,
        input: &NewContract,
    ) -> Result<Contract, AppError> {
        actor.admin()?;
        input.validate()?;
        if input.ends_on.is_some_and(|e| e < input.starts_on) {
            return Err(AppError::field("ends_on", "must not be before starts_on"));
        }
        let now = self.now();
        let id = self.db.write(|c| -> Result<i64, AppError> {
            if !crm_store::organization_exists(c, input.organization_id)? {
                return Err(AppError::field(
                    "organization_id",
                    "organization does not exist",
                ));
            }
            store::product(c, input.product_id).map_err(|e| match e {
                StoreError::NotFound => AppError::field("product_id", "product does not exist"),
                other => other.into(),
            })?;
            let id = store::insert_contract(
                c,
                &store::NewContract {
                    organization_id: input.organization_id,
                    product_id: input.product_id,
                    number: input.number.trim().to_owned(),
                    starts_on: input.starts_on,
                    ends_on: input.ends_on,
                    active: input.active,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            emit(c, now, Some(actor), &Event::ContractCreated { id })?;
            Ok(id)
        })?;
        self.get_contract(actor, id)
    }

    pub fn update_contract(
        &self,
        actor: &Actor,
        id: i64,
        input: &ContractPatch,
    ) -> Result<Contract, AppError> {
        actor.admin()?;
        input.validate()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let current = store::contract(c, id).map_err(not_found("contract"))?;
            let starts = input.starts_on.unwrap_or(current.starts_on);
            let ends = input.ends_on.unwrap_or(current.ends_on);
            if ends.is_some_and(|e| e < starts) {
                return Err(AppError::field("ends_on", "must not be before starts_on"));
            }
            store::update_contract(
                c,
                id,
                &ContractChanges {
                    number: input.number.clone(),
                    starts_on: input.starts_on,
                    ends_on: input.ends_on,
                    active: input.active,
                    updated_at: Some(now),
                },
            )?;
            emit(c, now, Some(actor), &Event::ContractUpdated { id })?;
            Ok(())
        })?;
        self.get_contract(actor, id)
    }

    pub fn get_contract(&self, actor: &Actor, id: i64) -> Result<Contract, AppError> {
        actor.staff_read()?;
        let row = self
            .db
            .read(|c| store::contract(c, id))
            .map_err(not_found("contract"))?;
        Ok(self.contract_dto(row))
    }

    pub fn list_contracts(
        &self,
        actor: &Actor,
        organization_id: Option<i64>,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<ContractPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(limit, cursor)?;
        let page = self
            .db
            .read(|c| store::list_contracts(c, organization_id, limit, cursor))?;
        Ok(ContractPage {
            items: page
                .items
                .into_iter()
                .map(|r| self.contract_dto(r))
                .collect(),
            next_cursor: cursor_string(page.next_cursor),
        })
    }
}
