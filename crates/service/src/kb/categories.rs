//! Knowledge base categories: the tree, and its changes by admins and agents.

use super::*;

impl Services {
    /// The category tree. A customer sees only the categories that lead to an article they
    /// may read (a published portal article in it or below it): the names of internal
    /// categories are not theirs to see.
    pub fn kb_categories(&self, actor: &Actor) -> Result<Vec<KbCategory>, AppError> {
        actor.any_read()?;
        let (rows, readable) = self.db.read(|c| -> Result<_, AppError> {
            let rows = store::categories(c)?;
            let readable = if actor.is_portal() {
                Some(store::portal_article_category_ids(c)?)
            } else {
                None
            };
            Ok((rows, readable))
        })?;
        let Some(readable) = readable else {
            return Ok(rows.into_iter().map(category_dto).collect());
        };
        // The categories with a readable article, and every category above them.
        let parent: std::collections::HashMap<i64, Option<i64>> =
            rows.iter().map(|r| (r.id, r.parent_id)).collect();
        let mut shown = std::collections::HashSet::new();
        for id in readable {
            let mut at = Some(id);
            // A tree has no loops (refused on save); the bound guards against bad data.
            for _ in 0..rows.len() {
                let Some(id) = at.filter(|id| shown.insert(*id)) else {
                    break;
                };
                at = parent.get(&id).copied().flatten();
            }
        }
        Ok(rows
            .into_iter()
            .filter(|r| shown.contains(&r.id))
            .map(category_dto)
            .collect())
    }

    pub(super) fn category_values(
        c: &mut AnyConnection,
        id: Option<i64>,
        input: &KbCategoryInput,
        now: NaiveDateTime,
    ) -> Result<store::CategoryValues, AppError> {
        input.validate()?;
        if let Some(parent) = input.parent_id {
            if makes_loop(c, id.unwrap_or(0), parent)? {
                return Err(AppError::field(
                    "parent_id",
                    "a category cannot sit inside itself",
                ));
            }
        }
        Ok(store::CategoryValues {
            parent_id: input.parent_id,
            name: input.name.trim().to_owned(),
            position: input.position.unwrap_or(0),
            updated_at: now,
        })
    }

    pub fn create_kb_category(
        &self,
        actor: &Actor,
        input: &KbCategoryInput,
    ) -> Result<KbCategory, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let v = Self::category_values(c, None, input, now)?;
            Ok::<_, AppError>(store::insert_category(c, &v, now)?)
        })?;
        Ok(category_dto(row))
    }

    pub fn update_kb_category(
        &self,
        actor: &Actor,
        id: i64,
        input: &KbCategoryInput,
    ) -> Result<KbCategory, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            store::category(c, id).map_err(not_found("category"))?;
            let v = Self::category_values(c, Some(id), input, now)?;
            Ok::<_, AppError>(store::update_category(c, id, &v)?)
        })?;
        Ok(category_dto(row))
    }

    /// Deletes a category; its subcategories and articles move to the top.
    pub fn delete_kb_category(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.staff_write()?;
        self.db
            .write(|c| store::delete_category(c, id))
            .map_err(not_found("category"))
    }
}
