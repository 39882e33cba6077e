//! The incremental export: every record in the order of its last change, so an integrator can
//! mirror the helpdesk once and then fetch only what changed.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cases::{Case, StreamEntry};
use crate::crm::{Contact, Organization};

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `next_cursor` of the previous page; absent to start from the beginning.
    pub cursor: Option<String>,
    /// 1..=1000, default 100.
    pub limit: Option<i64>,
}

macro_rules! export_page {
    ($name:ident, $item:ty) => {
        /// Records changed after the cursor, oldest change first. A record changed again later
        /// comes again (in its new state) after the cursor passes its earlier change.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Where to continue: pass it as `cursor`, now for the next page or later for what
            /// changed since. Always present.
            pub next_cursor: String,
            /// Whether more changes were waiting when this page was read.
            pub has_more: bool,
        }
    };
}

export_page!(CaseExportPage, Case);
export_page!(ContactExportPage, Contact);
export_page!(OrganizationExportPage, Organization);
export_page!(StreamEntryExportPage, StreamEntry);
