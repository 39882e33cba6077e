//! Groups of likely duplicate contacts, organizations and leads (agents and admins).

use actix_web::{get, web};
use helpdesk_api_types::duplicates::DuplicateGroups;
use helpdesk_service::duplicates::DuplicateKind;
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

macro_rules! groups_route {
    ($name:ident, $path:literal, $kind:expr, $tag:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(tag = $tag,
                    responses((status = 200, description = "The groups", body = DuplicateGroups)))]
        #[get($path)]
        pub async fn $name(
            svc: web::Data<Services>,
            auth: Auth,
        ) -> Result<web::Json<DuplicateGroups>, ApiError> {
            blocking(move || svc.duplicate_groups(&auth.0, $kind))
                .await
                .map(web::Json)
        }
    };
}

groups_route!(
    contacts,
    "/duplicates/contacts",
    DuplicateKind::Contacts,
    "contacts",
    "Contacts that are likely the same person: a shared email address or phone number."
);
groups_route!(
    organizations,
    "/duplicates/organizations",
    DuplicateKind::Organizations,
    "organizations",
    "Organizations that are likely the same: the same INN and KPP, or the same name once legal forms and punctuation are set aside."
);
groups_route!(
    leads,
    "/duplicates/leads",
    DuplicateKind::Leads,
    "leads",
    "Leads that are likely the same person: a shared email address or phone number."
);
