//! The route table of `/api/v1`. Every handler registered here is in the OpenAPI document.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod actions;
pub mod attachments;
pub mod auth;
pub mod cases;
pub mod catalog;
pub mod crm;
pub mod live;
pub mod mailboxes;
pub mod notifications;
pub mod portal;
pub mod users;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(auth::list_api_tokens)
        .service(auth::create_api_token)
        .service(auth::revoke_api_token)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::list_teams)
        .service(users::create_team)
        .service(users::get_team)
        .service(users::update_team)
        .service(crm::list_organizations)
        .service(crm::create_organization)
        .service(crm::get_organization)
        .service(crm::update_organization)
        .service(crm::list_contacts)
        .service(crm::create_contact)
        .service(crm::get_contact)
        .service(crm::update_contact)
        .service(catalog::list_products)
        .service(catalog::create_product)
        .service(catalog::get_product)
        .service(catalog::update_product)
        .service(catalog::add_component)
        .service(catalog::list_contracts)
        .service(catalog::create_contract)
        .service(catalog::get_contract)
        .service(catalog::update_contract)
        .service(cases::list_cases)
        .service(cases::create_case)
        .service(cases::get_case)
        .service(cases::update_case)
        .service(cases::change_status)
        .service(cases::stream)
        .service(cases::add_stream_entry)
        .service(actions::assign)
        .service(actions::take)
        .service(actions::request_info)
        .service(actions::escalate)
        .service(actions::hold)
        .service(actions::resolve)
        .service(actions::close)
        .service(actions::reopen)
        .service(actions::reject)
        .service(actions::merge)
        .service(actions::followers)
        .service(actions::follow)
        .service(actions::unfollow)
        .service(actions::case_audit)
        .service(actions::organization_audit)
        .service(actions::contact_audit)
        .service(attachments::upload)
        .service(attachments::list)
        .service(attachments::download)
        .service(attachments::portal_upload)
        .service(attachments::portal_list)
        .service(attachments::portal_download)
        .service(notifications::list)
        .service(notifications::unread)
        .service(notifications::mark_read)
        .service(notifications::mark_all_read)
        .service(notifications::get_settings)
        .service(notifications::put_settings)
        .service(mailboxes::list)
        .service(mailboxes::create)
        .service(mailboxes::get)
        .service(mailboxes::replace)
        .service(mailboxes::rotate_token)
        .service(mailboxes::inbound)
        .service(live::live)
        .service(portal::list_cases)
        .service(portal::create_case)
        .service(portal::get_case)
        .service(portal::stream)
        .service(portal::post_message);
}
