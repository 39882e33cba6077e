//! The OpenAPI document: collected from the route table, then completed with the security
//! scheme and the problem responses every operation can give.

use actix_web::App;
use helpdesk_api_types::Problem;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{scope, AppExt};

use crate::error::PROBLEM_JSON;
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Helpdesk API",
        version = "1",
        description = "Cases, their streams, the CRM around them and the customer portal.\n\n\
            Authenticate with `Authorization: Bearer <token>`: an access token from \
            `POST /api/v1/auth/login`, or a personal API token (`hd_…`). Lists are keyset-paginated: \
            pass `next_cursor` back as `cursor`. Errors are RFC 9457 problem documents \
            (`application/problem+json`).",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(
        Problem,
        helpdesk_api_types::webhooks::WebhookEvent,
        helpdesk_api_types::webhooks::CaseEventData,
        helpdesk_api_types::webhooks::CaseStatusChangedData,
        helpdesk_api_types::webhooks::CaseAssignedData,
        helpdesk_api_types::webhooks::MessageCreatedData,
        helpdesk_api_types::webhooks::SlaEventData,
        helpdesk_api_types::webhooks::ContactCreatedData,
        helpdesk_api_types::webhooks::OrganizationCreatedData,
        helpdesk_api_types::webhooks::PingData,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Signing in, sessions and API tokens"),
        (name = "cases", description = "Cases and their streams (agents)"),
        (name = "case actions", description = "Assign, take, request information, escalate, hold, resolve, close, reopen, reject, merge; followers"),
        (name = "audit", description = "Field-level history of cases, organizations and contacts"),
        (name = "attachments", description = "Files on cases and stream entries: upload, list, download"),
        (name = "notifications", description = "In-app notifications and the caller's notification settings"),
        (name = "mailboxes", description = "Group mailboxes (admins) and the inbound endpoint for raw email"),
        (name = "webhooks", description = "Webhook subscriptions, the event catalog and the delivery log. Deliveries are signed per Standard Webhooks, sent at least once, in order per case, retried with back-off for 27 hours"),
        (name = "export", description = "Incremental export: every case, contact, organization and stream entry in change order, with a cursor that skips nothing under concurrent writes"),
        (name = "search", description = "Full-text search over cases, messages, contacts and organizations"),
        (name = "web forms", description = "Contact forms on websites that register cases (admins configure; websites submit without signing in)"),
        (name = "workflow", description = "Workflow rules: triggers, conditions, actions"),
        (name = "sla", description = "Business-hour calendars and SLA policies"),
        (name = "portal", description = "The customer portal (portal users)"),
        (name = "organizations", description = "Organizations (accounts)"),
        (name = "knowledge base", description = "Articles in a category tree, linked to cases; customers read the published portal ones"),
        (name = "leads", description = "Leads: potential customers, their conversion into an organization and a contact, comments"),
        (name = "contacts", description = "Contacts"),
        (name = "import and export", description = "CSV import of organizations, contacts and leads (column mapping, dry run, UTF-8 or Windows-1251, duplicates skipped or updated; large files run in the worker with progress) and CSV export of any filtered list"),
        (name = "products", description = "Products and components"),
        (name = "contracts", description = "Support contracts"),
        (name = "users", description = "Users"),
        (name = "teams", description = "Teams"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A JWT access token or a personal API token (`hd_…`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "mailbox_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A mailbox's inbound token (only for the inbound endpoint)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The complete document, as served at `/api/openapi.json` and committed in `openapi/`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope("/api/v1").configure(routes::configure))
        .split_for_parts();
    complete(api)
}

fn problem_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

fn complete(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for (path, item) in api.paths.paths.iter_mut() {
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            add_problems(path, op);
        }
        if let Some(op) = item.post.as_mut() {
            let signed_in = !path.starts_with("/api/v1/auth/")
                && !op.security.as_ref().is_some_and(|s| {
                    s.iter().all(|req| {
                        serde_json::to_value(req)
                            .is_ok_and(|v| v.as_object().is_some_and(serde_json::Map::is_empty))
                    })
                });
            if signed_in {
                add_idempotency_key(op);
            }
        }
    }
    api
}

/// Every signed-in POST takes an `Idempotency-Key`.
fn add_idempotency_key(op: &mut Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    let param = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Any unique string (1–255 visible ASCII characters, e.g. a UUID). A retry with the \
             same key and request within 24 hours gets the first answer again (with \
             `Idempotent-Replayed: true`) instead of repeating the change; the same key with a \
             different request is refused (422); while the first request runs, 409.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[\\x21-\\x7e]+$")),
        ))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(param);
    op.responses
        .responses
        .entry("409".to_owned())
        .or_insert_with(|| {
            problem_response("A request with this Idempotency-Key is still running")
        });
}

fn add_problems(path: &str, op: &mut Operation) {
    let public = op.security.as_ref().is_some_and(|s| {
        s.iter().all(|req| {
            serde_json::to_value(req)
                .is_ok_and(|v| v.as_object().is_some_and(serde_json::Map::is_empty))
        })
    });
    let responses = &mut op.responses.responses;
    let mut add = |code: &str, text: &str| {
        responses
            .entry(code.to_owned())
            .or_insert_with(|| problem_response(text));
    };
    add(
        "400",
        "The request could not be read (malformed JSON or query)",
    );
    add(
        "422",
        "Invalid fields; `errors` names each field and what is wrong",
    );
    add("500", "Internal error (the cause is logged, not shown)");
    if op.request_body.is_some() {
        add("413", "The body is larger than allowed");
        add("415", "The body is not `application/json`");
    }
    if !public {
        add("401", "No valid access token or API token");
        add(
            "403",
            "The caller's role or token scope does not allow this",
        );
        add(
            "429",
            "A personal API token went over its requests a minute; see `Retry-After` and `RateLimit-*`",
        );
    }
    if path.contains('{') {
        add("404", "No such record, or not visible to the caller");
    }
    if path.ends_with("/auth/login") || path.ends_with("/auth/two-factor/enrolment") {
        add(
            "401",
            "E-mail or password is wrong; or, with `type` `/problems/second-factor-required` \
             (or `-setup-required`), the password was right and a second factor is needed",
        );
        add("429", "Too many failed attempts; see `Retry-After`");
    }
    if path.ends_with("/auth/password-reset/confirm") || path.ends_with("/auth/invitations/accept")
    {
        add(
            "401",
            "The account signs in with a second factor: send `otp` with a reset (the link stays \
             unused); after an accepted invitation, sign in with the code",
        );
        add("429", "Too many failed attempts; see `Retry-After`");
    }
    if path.ends_with("/auth/refresh") {
        add(
            "401",
            "The refresh token is unknown, used, revoked or expired",
        );
    }
}
