//! Groups of likely duplicate records.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DuplicateGroups {
    /// Each group: the ids of records that are likely the same (two or more, ascending).
    pub groups: Vec<Vec<i64>>,
}
