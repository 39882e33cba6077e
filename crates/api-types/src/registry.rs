//! Company data from the registry (EGRUL), looked up by INN.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegistryParty {
    pub inn: String,
    pub kpp: Option<String>,
    pub ogrn: Option<String>,
    /// Full name with the legal form, e.g. `ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО "СБЕРБАНК РОССИИ"`.
    pub name: String,
    /// Short name with the legal form, e.g. `ПАО СБЕРБАНК`.
    pub short_name: Option<String>,
    pub legal_address: Option<String>,
    /// `ACTIVE`, `LIQUIDATING`, `LIQUIDATED`... as the registry says.
    pub status: Option<String>,
    /// When the registry was asked (answers are kept for a week).
    pub fetched_at: DateTime<Utc>,
}
