//! Public web forms.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use helpdesk_domain::Priority;

use crate::db::AnyConnection;
use crate::schema::web_forms;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = web_forms)]
pub struct WebFormRow {
    pub id: i64,
    pub form_key: String,
    pub name: String,
    pub allowed_origins: String,
    pub team_id: Option<i64>,
    pub priority: Priority,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = web_forms, treat_none_as_null = true)]
pub struct WebFormValues {
    pub name: String,
    pub allowed_origins: String,
    pub team_id: Option<i64>,
    pub priority: Priority,
    pub active: bool,
    pub updated_at: NaiveDateTime,
}

pub fn forms(conn: &mut AnyConnection) -> Result<Vec<WebFormRow>, StoreError> {
    Ok(web_forms::table
        .order(web_forms::id.asc())
        .select(WebFormRow::as_select())
        .load(conn)?)
}

pub fn form(conn: &mut AnyConnection, id: i64) -> Result<WebFormRow, StoreError> {
    Ok(web_forms::table
        .find(id)
        .select(WebFormRow::as_select())
        .first(conn)?)
}

pub fn form_by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<WebFormRow>, StoreError> {
    Ok(web_forms::table
        .filter(web_forms::form_key.eq(key))
        .select(WebFormRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_form(
    conn: &mut AnyConnection,
    values: &WebFormValues,
    key: &str,
    now: NaiveDateTime,
) -> Result<WebFormRow, StoreError> {
    Ok(diesel::insert_into(web_forms::table)
        .values((
            values,
            web_forms::form_key.eq(key),
            web_forms::created_at.eq(now),
        ))
        .returning(web_forms::all_columns)
        .get_result(conn)?)
}

pub fn update_form(
    conn: &mut AnyConnection,
    id: i64,
    values: &WebFormValues,
) -> Result<WebFormRow, StoreError> {
    Ok(diesel::update(web_forms::table.find(id))
        .set(values)
        .returning(web_forms::all_columns)
        .get_result(conn)?)
}

pub fn delete_form(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    let n = diesel::delete(web_forms::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
