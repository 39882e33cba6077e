//! The authorization matrix: every operation of the OpenAPI document called as anonymous,
//! portal user A, portal user B, agent and admin. A new operation without a row here fails the
//! test, so every endpoint states who may use it.

use std::collections::BTreeSet;

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_test_support::{TestApp, TestBackend};
use reqwest::Method;
use serde_json::{json, Value};

use crate::org_with_contact;

/// What a caller gets.
#[derive(Debug, Clone, Copy, PartialEq)]
enum E {
    /// 2xx
    Ok,
    /// 401
    Unauth,
    /// 403
    Deny,
    /// 404: exists, but not for this caller
    Hidden,
}
use E::*;

const CALLERS: [&str; 5] = ["anonymous", "portal A", "portal B", "agent", "admin"];

/// (method, path, expectations for anonymous, portal A, portal B, agent, admin): one line per
/// operation, so the table reads as one.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [E; 5])] = &[
    ("POST",  "/api/v1/auth/login",                                      [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/auth/refresh",                                    [Unauth, Unauth, Unauth, Unauth, Unauth]),
    ("POST",  "/api/v1/auth/logout",                                     [Ok,     Ok,     Ok,     Ok,     Ok]),
    // Invitation links are for people not signed in; anyone holding one may use it.
    ("GET",   "/api/v1/auth/invitations/{token}",                        [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/auth/invitations/accept",                         [Ok,     Ok,     Ok,     Ok,     Ok]),
    // Anyone may ask for a reset link (the answer never says whether the address has an
    // account) and anyone holding one may use it.
    ("POST",  "/api/v1/auth/password-reset",                             [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("GET",   "/api/v1/auth/password-reset/{token}",                     [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/auth/password-reset/confirm",                     [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("PUT",   "/api/v1/me/password",                                     [Unauth, Ok,     Ok,     Ok,     Ok]),
    // Single sign-on is for browsers not signed in: off here, its start and callback redirect
    // to the app's page with an error, and a made-up hand-off code is refused.
    ("GET",   "/api/v1/auth/sso",                                        [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("GET",   "/api/v1/auth/sso/start",                                  [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("GET",   "/api/v1/auth/sso/callback",                               [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/auth/sso/exchange",                               [Unauth, Unauth, Unauth, Unauth, Unauth]),
    // Enrolment at sign-in checks the password first (the body's account does not exist).
    ("POST",  "/api/v1/auth/two-factor/enrolment",                       [Unauth, Unauth, Unauth, Unauth, Unauth]),
    ("GET",   "/api/v1/me/two-factor",                                   [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/me/two-factor/enrolment",                         [Unauth, Ok,     Ok,     Ok,     Ok]),
    // Confirmed with a code of a fresh enrolment, then recovery codes renewed, then off again
    // before any later row signs in.
    ("POST",  "/api/v1/me/two-factor/confirm",                           [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/me/two-factor/recovery-codes",                    [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/me/two-factor/disable",                           [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("GET",   "/api/v1/users/{id}/two-factor",                           [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("DELETE","/api/v1/users/{id}/two-factor",                           [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/settings/two-factor",                             [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("PUT",   "/api/v1/settings/two-factor",                             [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/me",                                              [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("PATCH", "/api/v1/me",                                              [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("GET",   "/api/v1/me/api-tokens",                                   [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/me/api-tokens",                                   [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("DELETE","/api/v1/me/api-tokens/{id}",                              [Unauth, Deny,   Deny,   Ok,     Hidden]),
    ("GET",   "/api/v1/me/sessions",                                     [Unauth, Ok,     Ok,     Ok,     Ok]),
    // A session of the agent's other sign-in: only its owner may end it.
    ("DELETE","/api/v1/me/sessions/{id}",                                [Unauth, Hidden, Hidden, Ok,     Hidden]),
    ("GET",   "/api/v1/users/{id}/sessions",                             [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("DELETE","/api/v1/users/{id}/sessions",                             [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("DELETE","/api/v1/users/{id}/sessions/{session}",                   [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/users",                                           [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/users",                                           [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/users/{id}",                                      [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PATCH", "/api/v1/users/{id}",                                      [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/teams",                                           [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/teams",                                           [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/teams/{id}",                                      [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PATCH", "/api/v1/teams/{id}",                                      [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/organizations",                                   [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/organizations",                                   [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/organizations/{id}",                              [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PATCH", "/api/v1/organizations/{id}",                              [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/contacts",                                        [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/contacts",                                        [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/contacts/{id}",                                   [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PATCH", "/api/v1/contacts/{id}",                                   [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/contacts/{id}/invitation",                        [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/products",                                        [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/products",                                        [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/products/{id}",                                   [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("PATCH", "/api/v1/products/{id}",                                   [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/products/{id}/components",                        [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/contracts",                                       [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/contracts",                                       [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/contracts/{id}",                                  [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PATCH", "/api/v1/contracts/{id}",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/cases",                                           [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/queues",                                          [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases",                                           [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/cases/{id}",                                      [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PATCH", "/api/v1/cases/{id}",                                      [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/status",                               [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/cases/{id}/stream",                               [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/stream",                               [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/stream/{entry_id}/accept",             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/stream/{entry_id}/split",              [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/assign",                       [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/take",                         [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/request-info",                 [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/escalate",                     [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/hold",                         [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/resolve",                      [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/close",                        [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/reopen",                       [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/reject",                       [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/actions/merge",                        [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/cases/{id}/followers",                            [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PUT",   "/api/v1/cases/{id}/followers/me",                         [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("DELETE","/api/v1/cases/{id}/followers/me",                         [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/cases/{id}/audit",                                [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/organizations/{id}/audit",                        [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/contacts/{id}/audit",                             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/live",                                            [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/notifications",                                   [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("PUT",   "/api/v1/me/availability",                                 [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/calendars",                                       [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/calendars",                                       [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/calendars/{id}",                                  [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PUT",   "/api/v1/calendars/{id}",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/sla-policies",                                    [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/sla-policies",                                    [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/sla-policies/{id}",                               [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PUT",   "/api/v1/sla-policies/{id}",                               [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/workflow-rules",                                  [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/workflow-rules",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/workflow-rules/{id}",                             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PUT",   "/api/v1/workflow-rules/{id}",                             [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("DELETE","/api/v1/workflow-rules/{id}",                             [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/export/cases",                                    [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/export/contacts",                                 [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/export/organizations",                            [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/export/stream-entries",                           [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/duplicates/contacts",                             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/duplicates/organizations",                        [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/duplicates/leads",                                [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/kb/categories",                                   [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/kb/categories",                                   [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PUT",   "/api/v1/kb/categories/{id}",                              [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/kb/articles",                                     [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/kb/articles",                                     [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/kb/preview",                                      [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/kb/articles/{id}",                                [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PUT",   "/api/v1/kb/articles/{id}",                                [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PUT",   "/api/v1/cases/{id}/articles/{article_id}",                [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/cases/{id}/articles",                             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/kb/articles/{id}/cases",                          [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/portal/kb/articles",                              [Unauth, Ok,     Ok,     Deny,   Deny]),
    ("GET",   "/api/v1/portal/kb/articles/{id}",                         [Unauth, Ok,     Ok,     Deny,   Deny]),
    ("GET",   "/api/v1/portal/cases/{id}/articles",                      [Unauth, Ok,     Hidden, Deny,   Deny]),
    ("DELETE","/api/v1/cases/{id}/articles/{article_id}",                [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/kb/articles/{id}/attachments",                    [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/kb/articles/{id}/attachments",                    [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/kb/attachments/{id}/content",                     [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/portal/kb/articles/{id}/attachments",             [Unauth, Ok,     Ok,     Deny,   Deny]),
    ("GET",   "/api/v1/portal/kb/attachments/{id}/content",              [Unauth, Ok,     Ok,     Deny,   Deny]),
    // Deleting uses a record up: each call gets a fresh one (see the loop).
    ("DELETE","/api/v1/kb/attachments/{id}",                             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("DELETE","/api/v1/kb/articles/{id}",                                [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("DELETE","/api/v1/kb/categories/{id}",                              [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/leads",                                           [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/leads",                                           [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/leads/mass-update",                               [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/leads/{id}",                                      [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("PUT",   "/api/v1/leads/{id}",                                      [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/leads/{id}/copy",                                 [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/leads/{id}/convert",                              [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/leads/{id}/comments",                             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/leads/{id}/comments",                             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/organizations/{id}/comments",                     [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/organizations/{id}/comments",                     [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/contacts/{id}/comments",                          [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/contacts/{id}/comments",                          [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/leads/mass-delete",                               [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/search",                                          [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/organizations/merge",                             [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/contacts/merge",                                  [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/leads/merge",                                     [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/imports/fields",                                  [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/imports",                                         [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/imports",                                         [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/imports/{id}",                                    [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/csv/organizations",                               [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/csv/contacts",                                    [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/csv/leads",                                       [Unauth, Deny,   Deny,   Ok,     Ok]),
    // Answered from the registry cache (the fixture fills it; no provider in this test).
    ("GET",   "/api/v1/registry/organizations/{inn}",                    [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/web-forms",                                       [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/web-forms",                                       [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/web-forms/{id}",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("PUT",   "/api/v1/web-forms/{id}",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    // Public: anyone may submit (the form is found by its key).
    ("POST",  "/api/v1/forms/{key}/submissions",                         [Ok,     Ok,     Ok,     Ok,     Ok]),
    ("DELETE","/api/v1/web-forms/{id}",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/portal/search",                                   [Unauth, Ok,     Ok,     Deny,   Deny]),
    ("GET",   "/api/v1/webhooks/event-types",                            [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/webhooks",                                        [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/webhooks",                                        [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/webhooks/{id}",                                   [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("PUT",   "/api/v1/webhooks/{id}",                                   [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/webhooks/{id}/secret",                            [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/webhooks/{id}/ping",                              [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/webhooks/{id}/deliveries",                        [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/webhooks/{id}/deliveries/{delivery_id}",          [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",[Unauth, Deny,   Deny,   Deny,   Ok]),
    ("DELETE","/api/v1/webhooks/{id}",                                   [Unauth, Deny,   Deny,   Deny,   Ok]),
    // Deleting comes after every other use of the fixture's calendar and policy.
    ("DELETE","/api/v1/sla-policies/{id}",                               [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("DELETE","/api/v1/calendars/{id}",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/mailboxes",                                       [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/mailboxes",                                       [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/mailboxes/{id}",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("PUT",   "/api/v1/mailboxes/{id}",                                  [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/mailboxes/{id}/inbound-token",                    [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/outgoing-mail",                                   [Unauth, Deny,   Deny,   Deny,   Ok]),
    // Only a signed link from a stream opens a picture (tested in email tests); unsigned, none.
    ("GET",   "/api/v1/remote-images",                                   [Deny,   Deny,   Deny,   Deny,   Deny]),
    ("GET",   "/api/v1/security-events",                                 [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/outgoing-mail/{id}/resend",                       [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("GET",   "/api/v1/received-mail",                                   [Unauth, Deny,   Deny,   Deny,   Ok]),
    ("POST",  "/api/v1/received-mail/{id}/retry",                        [Unauth, Deny,   Deny,   Deny,   Ok]),
    // Only the mailbox's own token opens it; users' tokens do not (tested in email.rs).
    ("POST",  "/api/v1/inbound/mailboxes/{id}/messages",                 [Unauth, Unauth, Unauth, Unauth, Unauth]),
    ("GET",   "/api/v1/notifications/unread-count",                      [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/notifications/{id}/read",                         [Unauth, Ok,     Hidden, Hidden, Hidden]),
    ("POST",  "/api/v1/notifications/read-all",                          [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("GET",   "/api/v1/me/notification-settings",                        [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("PUT",   "/api/v1/me/notification-settings",                        [Unauth, Ok,     Ok,     Ok,     Ok]),
    ("POST",  "/api/v1/cases/{id}/attachments",                          [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/cases/{id}/attachments",                          [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("GET",   "/api/v1/attachments/{id}/content",                        [Unauth, Deny,   Deny,   Ok,     Ok]),
    ("POST",  "/api/v1/portal/cases/{id}/attachments",                   [Unauth, Ok,     Hidden, Deny,   Deny]),
    ("GET",   "/api/v1/portal/cases/{id}/attachments",                   [Unauth, Ok,     Hidden, Deny,   Deny]),
    ("GET",   "/api/v1/portal/attachments/{id}/content",                 [Unauth, Ok,     Hidden, Deny,   Deny]),
    ("GET",   "/api/v1/portal/cases",                                    [Unauth, Ok,     Ok,     Deny,   Deny]),
    ("POST",  "/api/v1/portal/cases",                                    [Unauth, Ok,     Ok,     Deny,   Deny]),
    ("GET",   "/api/v1/portal/cases/{id}",                               [Unauth, Ok,     Hidden, Deny,   Deny]),
    ("GET",   "/api/v1/portal/cases/{id}/stream",                        [Unauth, Ok,     Hidden, Deny,   Deny]),
    ("POST",  "/api/v1/portal/cases/{id}/messages",                      [Unauth, Ok,     Hidden, Deny,   Deny]),
    ("POST",  "/api/v1/portal/cases/{id}/close",                         [Unauth, Ok,     Hidden, Deny,   Deny]),
];

struct Fixture {
    tokens: [Option<String>; 5],
    admin_email: String,
    agent_id: i64,
    agent_api_token: i64,
    /// A second sign-in of the agent, for ending a session without signing the agent out.
    agent_other_session: i64,
    /// A user whose sessions admins end (not a caller of the matrix) and one of its sessions.
    bystander: i64,
    bystander_session: i64,
    team: i64,
    organization: i64,
    contact: i64,
    product: i64,
    contract: i64,
    case_of_a: i64,
    /// A file of a public entry of `case_of_a`.
    attachment: i64,
    /// Portal user A's notification of that entry.
    notification_of_a: i64,
    mailbox: i64,
    calendar: i64,
    sla_policy: i64,
    rule: i64,
    webhook: i64,
    web_form: i64,
    lead: i64,
    kb_category: i64,
    article: i64,
    kb_attachment: i64,
    web_form_key: String,
    /// A delivery (a ping) of `webhook`.
    delivery: i64,
    /// An outgoing mail that failed (admins may resend it).
    failed_mail: i64,
    failed_received: i64,
}

async fn fixture(app: &TestApp) -> Fixture {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (org_a, contact_a) = org_with_contact(app, &agent, "MatrixA").await;
    let (_, contact_b) = org_with_contact(app, &agent, "MatrixB").await;
    let a = app.user(Role::Portal, None, Some(contact_a)).await;
    let b = app.user(Role::Portal, None, Some(contact_b)).await;
    let (_, team) = app
        .post(
            "/api/v1/teams",
            &admin.token,
            json!({ "name": "Matrix team", "support_line": 2 }),
        )
        .await;
    let (_, product) = app
        .post(
            "/api/v1/products",
            &admin.token,
            json!({ "name": "Matrix product" }),
        )
        .await;
    let (_, contract) = app.post("/api/v1/contracts", &admin.token, json!({
        "organization_id": org_a, "product_id": product["id"], "number": "M-1", "starts_on": "2024-01-01" })).await;
    let (_, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "A's", "requester_id": contact_a }),
        )
        .await;
    let (s, up) = app
        .upload(
            &format!("/api/v1/cases/{}/attachments", case["id"]),
            &agent.token,
            vec![("a.txt", "text/plain", b"hello".to_vec())],
        )
        .await;
    assert_eq!(s, 201, "{up}");
    let (s, entry) = app
        .post(
            &format!("/api/v1/cases/{}/stream", case["id"]),
            &agent.token,
            json!({ "kind": "public", "body": "file", "attachment_ids": [up[0]["id"]] }),
        )
        .await;
    assert_eq!(s, 201, "{entry}");
    let outbox = helpdesk_worker::OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || {
        while outbox.run_next().unwrap() != helpdesk_worker::Outcome::Idle {}
    })
    .await
    .unwrap();
    let (_, inbox) = app.get("/api/v1/notifications", &a.token).await;
    let notification_of_a = inbox["items"][0]["id"]
        .as_i64()
        .expect("A is told of the public entry");
    let (s, mailbox) = app
        .post(
            "/api/v1/mailboxes",
            &admin.token,
            json!({ "name": "Support", "address": "support@matrix.test" }),
        )
        .await;
    assert_eq!(s, 201, "{mailbox}");
    let (s, calendar) = app
        .post("/api/v1/calendars", &admin.token, calendar_body("Office"))
        .await;
    assert_eq!(s, 201, "{calendar}");
    let (s, sla_policy) = app
        .post(
            "/api/v1/sla-policies",
            &admin.token,
            policy_body("Standard"),
        )
        .await;
    assert_eq!(s, 201, "{sla_policy}");
    let (s, rule) = app
        .post(
            "/api/v1/workflow-rules",
            &admin.token,
            rule_body("Urgent VIP"),
        )
        .await;
    assert_eq!(s, 201, "{rule}");
    let (s, webhook) = app
        .post("/api/v1/webhooks", &admin.token, webhook_body())
        .await;
    assert_eq!(s, 201, "{webhook}");
    let (s, delivery) = app
        .post(
            &format!("/api/v1/webhooks/{}/ping", webhook["id"]),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 202, "{delivery}");
    let db = app.services.db.clone();
    tokio::task::spawn_blocking(move || {
        db.write(|c| {
            helpdesk_store::registry::store(
                c,
                "7707083893",
                r#"{"suggestions":[{"value":"ПАО СБЕРБАНК","data":{"inn":"7707083893","kpp":"773601001"}}]}"#,
                chrono::Utc::now().naive_utc(),
            )
        })
    })
    .await
    .unwrap()
    .unwrap();
    let (s, lead) = app
        .post(
            "/api/v1/leads",
            &agent.token,
            json!({ "last_name": "Lead", "organization_name": "Lead Org" }),
        )
        .await;
    assert_eq!(s, 201, "{lead}");
    let (s, category) = app
        .post(
            "/api/v1/kb/categories",
            &agent.token,
            json!({ "name": "Matrix" }),
        )
        .await;
    assert_eq!(s, 201, "{category}");
    let (s, article) = app
        .post(
            "/api/v1/kb/articles",
            &agent.token,
            article_body("Matrix article"),
        )
        .await;
    assert_eq!(s, 201, "{article}");
    let (s, kb_files) = app
        .upload(
            &format!("/api/v1/kb/articles/{}/attachments", article["id"]),
            &agent.token,
            vec![("guide.txt", "text/plain", b"how to".to_vec())],
        )
        .await;
    assert_eq!(s, 201, "{kb_files}");
    let (s, form) = app
        .post(
            "/api/v1/web-forms",
            &admin.token,
            json!({ "name": "Contact us" }),
        )
        .await;
    assert_eq!(s, 201, "{form}");
    let (_, token) = app
        .post(
            "/api/v1/me/api-tokens",
            &agent.token,
            json!({ "name": "t", "scopes": ["read"] }),
        )
        .await;
    let agent_other_session = current_session(app, &agent.email, &agent.password).await;
    let bystander = app.user(Role::Agent, None, None).await;
    let bystander_session = current_session(app, &bystander.email, &bystander.password).await;
    let db = app.services.db.clone();
    let failed_mail = tokio::task::spawn_blocking(move || {
        use helpdesk_store::notifications as mails;
        db.write(|c| {
            let now = chrono::Utc::now().naive_utc();
            mails::insert_mails(
                c,
                &[mails::NewMail {
                    event_id: 0,
                    recipient: "nobody@customer.test".into(),
                    kind: "reply".into(),
                    case_id: None,
                    subject: "Refused".into(),
                    body: "Text".into(),
                    message_id: "<refused@helpdesk.test>".into(),
                    status: "failed".into(),
                    next_attempt_at: now,
                    created_at: now,
                    from_address: None,
                    in_reply_to: None,
                    references_header: None,
                    auto_submitted: "auto-generated".into(),
                    mailbox_id: None,
                    attachment_ids: "[]".into(),
                }],
            )?;
            let page = mails::list_mails(c, &["failed"], 1, None)?;
            Result::<_, helpdesk_store::StoreError>::Ok(page.items[0].id)
        })
    })
    .await
    .unwrap()
    .unwrap();
    let db = app.services.db.clone();
    let failed_received = tokio::task::spawn_blocking(move || {
        use helpdesk_store::email;
        db.write(|c| {
            let id = email::insert_inbound(
                c,
                &email::NewInbound {
                    mailbox_id: None,
                    message_id: "broken@matrix.test",
                    raw_sha256: "0000",
                    size: 1,
                    source: "inbound",
                    from_address: None,
                    subject: None,
                    status: "failed",
                    received_at: chrono::Utc::now().naive_utc(),
                },
            )?;
            Result::<_, helpdesk_store::StoreError>::Ok(id)
        })
    })
    .await
    .unwrap()
    .unwrap();
    Fixture {
        tokens: [
            None,
            Some(a.token),
            Some(b.token),
            Some(agent.token),
            Some(admin.token),
        ],
        admin_email: admin.email,
        agent_id: agent.id,
        agent_api_token: token["id"].as_i64().unwrap(),
        agent_other_session,
        bystander: bystander.id,
        bystander_session,
        team: team["id"].as_i64().unwrap(),
        organization: org_a,
        contact: contact_a,
        product: product["id"].as_i64().unwrap(),
        contract: contract["id"].as_i64().unwrap(),
        case_of_a: case["id"].as_i64().unwrap(),
        attachment: up[0]["id"].as_i64().unwrap(),
        notification_of_a,
        mailbox: mailbox["mailbox"]["id"].as_i64().unwrap(),
        calendar: calendar["id"].as_i64().unwrap(),
        sla_policy: sla_policy["id"].as_i64().unwrap(),
        rule: rule["id"].as_i64().unwrap(),
        webhook: webhook["id"].as_i64().unwrap(),
        web_form: form["id"].as_i64().unwrap(),
        lead: lead["id"].as_i64().unwrap(),
        kb_category: category["id"].as_i64().unwrap(),
        article: article["id"].as_i64().unwrap(),
        kb_attachment: kb_files[0]["id"].as_i64().unwrap(),
        web_form_key: form["key"].as_str().unwrap().to_owned(),
        delivery: delivery["id"].as_i64().unwrap(),
        failed_mail,
        failed_received,
    }
}

/// Signs in once more and returns the id of the session that made.
/// A code of a new enrolment of the caller's, from the authenticator it would be scanned into.
async fn fresh_code(app: &TestApp, token: &str) -> String {
    use helpdesk_domain::totp;
    let (s, enrolment) = app
        .post("/api/v1/me/two-factor/enrolment", token, json!({}))
        .await;
    assert_eq!(s, 200, "{enrolment}");
    let secret = totp::base32_decode(enrolment["secret"].as_str().unwrap()).unwrap();
    let step = totp::step_of(chrono::Utc::now().timestamp());
    totp::format_code(totp::code_at(&secret, step))
}

async fn current_session(app: &TestApp, email: &str, password: &str) -> i64 {
    let (s, pair) = app.login(email, password).await;
    assert_eq!(s, 200, "{pair}");
    let (s, list) = app
        .get(
            "/api/v1/me/sessions",
            pair["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(s, 200, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["current"] == true)
        .and_then(|x| x["id"].as_i64())
        .expect("the current session is listed")
}

fn calendar_body(name: &str) -> Value {
    let day = json!([{ "start": "09:00", "end": "18:00" }]);
    json!({ "name": name, "time_zone": "Europe/Moscow", "week": [day, day, day, day, day, [], []] })
}

/// A public address given as a literal: accepted without a DNS lookup; nothing is sent to it
/// in this test.
fn webhook_body() -> Value {
    json!({ "url": "http://93.184.216.34/hook" })
}

/// Published for the portal, so the portal rows find it.
fn article_body(title: &str) -> Value {
    json!({ "title": title, "body_md": "**Text**", "status": "published", "visibility": "portal" })
}

fn rule_body(name: &str) -> Value {
    json!({ "name": name, "trigger": "case_created",
            "conditions": [{ "field": "tags", "op": "contains", "value": "vip" }],
            "actions": [{ "type": "set_priority", "priority": "urgent" }] })
}

fn policy_body(name: &str) -> Value {
    json!({ "name": name, "targets": { "normal": { "first_response_minutes": 60 } } })
}

fn concrete_path(path: &str, f: &Fixture) -> String {
    let id = if path.starts_with("/api/v1/me/api-tokens") {
        f.agent_api_token
    } else if path.starts_with("/api/v1/me/sessions") {
        f.agent_other_session
    } else if path.starts_with("/api/v1/users/{id}/sessions") {
        f.bystander
    } else if path.starts_with("/api/v1/users") {
        f.agent_id
    } else if path.starts_with("/api/v1/teams") {
        f.team
    } else if path.starts_with("/api/v1/organizations") {
        f.organization
    } else if path.starts_with("/api/v1/contacts") {
        f.contact
    } else if path.starts_with("/api/v1/products") {
        f.product
    } else if path.starts_with("/api/v1/contracts") {
        f.contract
    } else if path.starts_with("/api/v1/mailboxes") || path.starts_with("/api/v1/inbound") {
        f.mailbox
    } else if path.starts_with("/api/v1/outgoing-mail") {
        f.failed_mail
    } else if path.starts_with("/api/v1/received-mail") {
        f.failed_received
    } else if path.starts_with("/api/v1/calendars") {
        f.calendar
    } else if path.starts_with("/api/v1/sla-policies") {
        f.sla_policy
    } else if path.starts_with("/api/v1/workflow-rules") {
        f.rule
    } else if path.starts_with("/api/v1/webhooks") {
        f.webhook
    } else if path.starts_with("/api/v1/web-forms") {
        f.web_form
    } else if path.starts_with("/api/v1/leads") {
        f.lead
    } else if path.starts_with("/api/v1/kb/categories") {
        f.kb_category
    } else if path.starts_with("/api/v1/kb/attachments")
        || path.starts_with("/api/v1/portal/kb/attachments")
    {
        f.kb_attachment
    } else if path.starts_with("/api/v1/kb/articles") || path.starts_with("/api/v1/portal/kb/") {
        f.article
    } else if path.starts_with("/api/v1/notifications") {
        f.notification_of_a
    } else if path.starts_with("/api/v1/attachments")
        || path.starts_with("/api/v1/portal/attachments")
    {
        f.attachment
    } else {
        f.case_of_a
    };
    path.replace("{id}", &id.to_string())
        .replace("{delivery_id}", &f.delivery.to_string())
        .replace("{session}", &f.bystander_session.to_string())
        .replace("{key}", &f.web_form_key)
        .replace("{inn}", "7707083893")
        .replace("{article_id}", &f.article.to_string())
}

/// A valid body for the operation, so that an allowed caller succeeds.
fn body(method: &str, path: &str, caller: usize, f: &Fixture) -> Option<Value> {
    let n = caller;
    let b = match (method, path) {
        ("GET" | "DELETE", _) => return None,
        ("POST", p) if p.ends_with("/attachments") => return None,
        ("POST", p) if p.contains("/stream/{entry_id}/") => return None,
        (_, "/api/v1/auth/login") => {
            json!({ "email": f.admin_email, "password": helpdesk_test_support::app::TEST_PASSWORD })
        }
        (_, "/api/v1/auth/refresh" | "/api/v1/auth/logout") => {
            json!({ "refresh_token": "not-a-token" })
        }
        (_, "/api/v1/me/api-tokens") => json!({ "name": format!("token {n}"), "scopes": ["read"] }),
        ("POST", "/api/v1/auth/password-reset") => json!({ "email": f.admin_email }),
        // The token is filled in per call (see `fresh_reset`).
        ("POST", "/api/v1/auth/password-reset/confirm") => json!({}),
        // Changed and changed back (see the loop).
        ("POST", "/api/v1/auth/two-factor/enrolment") => {
            json!({ "email": "nobody-here@example.test", "password": "not the password at all" })
        }
        ("POST", "/api/v1/me/two-factor/recovery-codes" | "/api/v1/me/two-factor/disable") => {
            json!({ "password": helpdesk_test_support::app::TEST_PASSWORD })
        }
        ("POST", "/api/v1/me/two-factor/confirm") => json!({ "code": "000000" }),
        ("POST", "/api/v1/auth/sso/exchange") => json!({ "code": "made-up" }),
        ("POST", "/api/v1/me/two-factor/enrolment") => json!({}),
        ("PUT", "/api/v1/settings/two-factor") => json!({ "required_roles": [] }),
        ("PUT", "/api/v1/me/password") => json!({
            "current_password": helpdesk_test_support::app::TEST_PASSWORD,
            "new_password": "a changed password for a moment",
        }),
        ("POST", "/api/v1/users") => {
            json!({ "email": format!("m{n}@example.test"), "name": "M", "role": "agent" })
        }
        ("PATCH", "/api/v1/me") => json!({ "language": "ru" }),
        ("PATCH", "/api/v1/users/{id}") => json!({ "name": format!("Agent {n}") }),
        ("POST", "/api/v1/teams") => json!({ "name": format!("Team {n}") }),
        ("PATCH", "/api/v1/teams/{id}") => json!({ "description": "d" }),
        ("POST", "/api/v1/organizations") => json!({ "name": format!("Org {n}") }),
        ("PATCH", "/api/v1/organizations/{id}") => json!({ "industry": "Retail" }),
        ("POST", "/api/v1/contacts") => json!({ "first_name": "C", "last_name": format!("{n}") }),
        ("PATCH", "/api/v1/contacts/{id}") => json!({ "title": "CTO" }),
        ("POST", "/api/v1/contacts/{id}/invitation") => return None,
        ("POST", "/api/v1/outgoing-mail/{id}/resend") => return None,
        ("POST", "/api/v1/received-mail/{id}/retry") => return None,
        // The token is filled in per call (see `fresh_invitation`).
        ("POST", "/api/v1/auth/invitations/accept") => json!({}),
        ("POST", "/api/v1/products") => json!({ "name": format!("Product {n}") }),
        ("PATCH", "/api/v1/products/{id}") => json!({ "description": "d" }),
        ("POST", "/api/v1/products/{id}/components") => json!({ "name": format!("Component {n}") }),
        ("POST", "/api/v1/contracts") => {
            json!({ "organization_id": f.organization, "product_id": f.product, "number": format!("C-{n}"), "starts_on": "2024-01-01" })
        }
        ("PATCH", "/api/v1/contracts/{id}") => json!({ "number": format!("C-{n}") }),
        ("POST", "/api/v1/cases") => json!({ "subject": format!("Case {n}") }),
        ("PATCH", "/api/v1/cases/{id}") => json!({ "priority": "high" }),
        // The agent moves the case on hold, the admin back to open: both are allowed moves.
        ("POST", "/api/v1/cases/{id}/status") => {
            json!({ "status": if n == 3 { "on_hold" } else { "open" } })
        }
        ("POST", "/api/v1/cases/{id}/stream") => json!({ "kind": "internal", "body": "note" }),
        ("POST", "/api/v1/cases/{id}/actions/assign") => json!({ "assignee_id": f.agent_id }),
        ("POST", "/api/v1/cases/{id}/actions/resolve") => json!({ "resolution": "fixed" }),
        ("POST", "/api/v1/cases/{id}/actions/reject") => json!({ "reason": "spam" }),
        ("POST", "/api/v1/cases/{id}/actions/escalate") => json!({}),
        ("POST", "/api/v1/cases/{id}/actions/request-info") => json!({ "note": "Which version?" }),
        // The target is filled in per call (see `action_case`).
        ("POST", "/api/v1/cases/{id}/actions/merge") => json!({ "target_id": 0 }),
        ("POST", p) if p.starts_with("/api/v1/cases/{id}/actions/") => json!({}),
        ("PUT", "/api/v1/cases/{id}/followers/me") => return None,
        ("POST", p) if p.starts_with("/api/v1/notifications/") => return None,
        ("POST", "/api/v1/mailboxes") => {
            json!({ "name": format!("Box {n}"), "address": format!("box{n}@matrix.test") })
        }
        ("PUT", "/api/v1/mailboxes/{id}") => {
            json!({ "name": "Support", "address": "support@matrix.test", "auto_reply": false })
        }
        ("POST", "/api/v1/mailboxes/{id}/inbound-token") => return None,
        ("PUT", "/api/v1/me/availability") => json!({ "available": true }),
        ("POST" | "PUT", p) if p.starts_with("/api/v1/calendars") => {
            calendar_body(&format!("Calendar {n}"))
        }
        ("POST" | "PUT", "/api/v1/webhooks" | "/api/v1/webhooks/{id}") => webhook_body(),
        ("POST" | "PUT", "/api/v1/kb/categories" | "/api/v1/kb/categories/{id}") => {
            json!({ "name": format!("Category {n}") })
        }
        ("POST" | "PUT", "/api/v1/kb/articles" | "/api/v1/kb/articles/{id}") => {
            article_body(&format!("Article {n}"))
        }
        ("POST", "/api/v1/kb/preview") => json!({ "body_md": "# Preview" }),
        ("PUT", "/api/v1/cases/{id}/articles/{article_id}") => return None,
        ("POST" | "PUT", "/api/v1/leads" | "/api/v1/leads/{id}") => {
            json!({ "last_name": format!("Lead {n}"), "organization_name": format!("Lead Org {n}") })
        }
        ("POST", "/api/v1/leads/mass-update") => json!({ "ids": [f.lead], "rating": "hot" }),
        // The lead is filled in per call (see `fresh_lead`).
        ("POST", "/api/v1/leads/mass-delete") => json!({ "ids": [0] }),
        ("POST", "/api/v1/leads/{id}/copy") => return None,
        // The records are made per call (see `fresh_pair`).
        ("POST", p) if p.ends_with("/merge") => json!({}),
        ("POST", "/api/v1/imports") => return None,
        ("POST", "/api/v1/leads/{id}/convert") => json!({}),
        ("POST", p) if p.ends_with("/comments") => json!({ "body": format!("Comment {n}") }),
        ("POST" | "PUT", "/api/v1/web-forms" | "/api/v1/web-forms/{id}") => {
            json!({ "name": format!("Form {n}") })
        }
        ("POST", "/api/v1/forms/{key}/submissions") => json!({
            "name": "Visitor", "email": format!("visitor{n}@example.test"),
            "subject": "From the website", "text": "Hello" }),
        ("POST", p) if p.starts_with("/api/v1/webhooks/") => return None,
        ("POST" | "PUT", p) if p.starts_with("/api/v1/workflow-rules") => {
            rule_body(&format!("Rule {n}"))
        }
        ("POST" | "PUT", p) if p.starts_with("/api/v1/sla-policies") => {
            policy_body(&format!("Policy {n}"))
        }
        ("POST", "/api/v1/inbound/mailboxes/{id}/messages") => return None,
        ("PUT", "/api/v1/me/notification-settings") => {
            serde_json::to_value(helpdesk_api_types::notifications::NotificationSettings::default())
                .unwrap()
        }
        ("POST", "/api/v1/portal/cases") => json!({ "subject": format!("Portal case {n}") }),
        ("POST", "/api/v1/portal/cases/{id}/messages") => json!({ "body": "hello" }),
        ("POST", "/api/v1/portal/cases/{id}/close") => json!({ "message": "Solved, thanks" }),
        _ => panic!("no body for {method} {path}: add one to the matrix test"),
    };
    Some(b)
}

/// Two fresh records of the kind (`/api/v1/organizations`, ...) to merge.
async fn fresh_pair(app: &TestApp, f: &Fixture, collection: &str) -> (i64, i64) {
    let agent = f.tokens[3].as_deref().unwrap();
    let body = match collection {
        "/api/v1/organizations" => json!({ "name": "Pair" }),
        "/api/v1/contacts" => json!({ "first_name": "Pair", "last_name": "Pair" }),
        _ => json!({ "last_name": "Pair" }),
    };
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (s, r) = app.post(collection, agent, body.clone()).await;
        assert_eq!(s, 201, "{r}");
        ids.push(r["id"].as_i64().unwrap());
    }
    (ids[0], ids[1])
}

/// A fresh contact with portal access, invited on creation: its id and the token of the link.
/// The token of a reset link just mailed to a new agent.
async fn fresh_reset(app: &TestApp) -> String {
    let user = app.user(Role::Agent, None, None).await;
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(&json!({ "email": user.email })),
        )
        .await;
    assert_eq!(s, 202, "{body}");
    crate::reset_token(app, &user.email)
        .await
        .expect("a reset mail")
}

async fn fresh_invitation(app: &TestApp, f: &Fixture) -> (i64, String) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let email = format!("invited{n}@matrix.test");
    let agent = f.tokens[3].as_deref().unwrap();
    let (s, contact) = app
        .post(
            "/api/v1/contacts",
            agent,
            json!({ "first_name": "Invited", "last_name": format!("{n}"), "emails": [email], "portal_access": true }),
        )
        .await;
    assert_eq!(s, 201, "{contact}");
    let token = crate::invitation_token(app, &email)
        .await
        .expect("an invitation mail");
    (contact["id"].as_i64().unwrap(), token)
}

/// A mail from a stranger whose headers named portal user A's case, filed there as a suggested
/// follow-up (written as the mail intake writes it).
async fn fresh_suggestion(app: &TestApp, f: &Fixture) -> i64 {
    let (db, case, contact) = (app.services.db.clone(), f.case_of_a, f.contact);
    tokio::task::spawn_blocking(move || {
        db.write(|c| {
            let now = chrono::Utc::now().naive_utc();
            let entry = helpdesk_store::cases::insert_stream_entry(
                c,
                &helpdesk_store::cases::NewStreamEntry {
                    case_id: case,
                    kind: helpdesk_domain::EntryKind::Internal,
                    author_user_id: None,
                    author_contact_id: Some(contact),
                    body: "a forwarded thread",
                    created_at: now,
                },
            )?;
            helpdesk_store::cases::set_entry_email(
                c,
                entry,
                "someone@else.test",
                &format!("m{entry}@else.test"),
                "suggested",
                None,
            )?;
            Result::<_, helpdesk_store::StoreError>::Ok(entry)
        })
    })
    .await
    .unwrap()
    .unwrap()
}

/// A one-row lead import as the caller.
async fn upload_import(app: &TestApp, token: &str, caller: usize) -> (reqwest::StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(format!("last_name\nImported {caller}\n").into_bytes())
                .file_name("leads.csv"),
        )
        .text("options", json!({ "entity": "leads" }).to_string());
    let resp = app
        .client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A fresh case of portal user A for one call of `action`: closed for `reopen`, open otherwise.
async fn action_case(app: &TestApp, f: &Fixture, action: &str) -> i64 {
    let agent = f.tokens[3].as_deref().unwrap();
    let (s, case) = app
        .post(
            "/api/v1/cases",
            agent,
            json!({ "subject": format!("For {action}"), "requester_id": f.contact }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    if action == "reopen" {
        let (s, closed) = app
            .post(
                &format!("/api/v1/cases/{id}/actions/close"),
                agent,
                json!({}),
            )
            .await;
        assert_eq!(s, 200, "{closed}");
    }
    id
}

/// The matrix runs with outgoing mail configured, so that invitations can be sent.
async fn spawn(backend: TestBackend) -> TestApp {
    TestApp::spawn_customized(
        backend,
        AppConfig {
            workers: 2,
            ..AppConfig::default()
        },
        |svc| {
            svc.notify.mail_from = Some("Support <support@matrix.test>".into());
            svc.notify.public_url = Some("https://help.matrix.test".into());
        },
    )
    .await
}

#[tokio::test]
async fn every_operation_answers_every_caller_as_expected_sqlite() {
    every_operation_answers_every_caller_as_expected(spawn(TestBackend::Sqlite).await).await;
}

#[tokio::test]
async fn every_operation_answers_every_caller_as_expected_postgres() {
    every_operation_answers_every_caller_as_expected(spawn(TestBackend::Postgres).await).await;
}

async fn every_operation_answers_every_caller_as_expected(app: TestApp) {
    let doc = serde_json::to_value(helpdesk_api::openapi::openapi()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the authorization matrix: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "matrix rows for operations that no longer exist: {stale:?}"
    );

    let f = fixture(&app).await;
    let (_, first_import) = upload_import(&app, f.tokens[3].as_deref().unwrap(), 9).await;
    let import_id = first_import["id"].as_i64().expect("an import");
    let mut failures = Vec::new();
    // What each caller actually got, one line per operation, kept as a snapshot: a change of
    // any answer (a 403 turning 404, a 200 turning 204) shows in review as a changed line.
    let mut answers = String::new();
    for (method, path, expected) in MATRIX {
        answers.push_str(&format!("{method:<6} {path:<58}"));
        for (caller, want) in expected.iter().enumerate() {
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let mut url = concrete_path(path, &f);
            if path.ends_with("/search") {
                url.push_str("?q=matrix");
            }
            if *path == "/api/v1/live" {
                // The feed stays open for `wait_seconds`; 0 answers what is pending and ends.
                url.push_str("?wait_seconds=0");
            }
            let mut b = body(method, path, caller, &f);
            if *method == "DELETE" && path.starts_with("/api/v1/kb/attachments") {
                let agent = f.tokens[3].as_deref().unwrap();
                let (s, fresh) = app
                    .upload(
                        &format!("/api/v1/kb/articles/{}/attachments", f.article),
                        agent,
                        vec![("old.txt", "text/plain", b"old".to_vec())],
                    )
                    .await;
                assert_eq!(s, 201, "{fresh}");
                url = path.replace("{id}", &fresh[0]["id"].to_string());
            } else if *method == "DELETE" && path.starts_with("/api/v1/kb/") {
                let agent = f.tokens[3].as_deref().unwrap();
                let (collection, body) = if path.starts_with("/api/v1/kb/articles") {
                    ("/api/v1/kb/articles", article_body("Fresh"))
                } else {
                    ("/api/v1/kb/categories", json!({ "name": "Fresh" }))
                };
                let (s, fresh) = app.post(collection, agent, body).await;
                assert_eq!(s, 201, "{fresh}");
                url = path.replace("{id}", &fresh["id"].to_string());
            }
            if *path == "/api/v1/leads/{id}/convert" || *path == "/api/v1/leads/mass-delete" {
                // Converting and deleting use a lead up: each call gets a fresh one.
                let agent = f.tokens[3].as_deref().unwrap();
                let (s, fresh) = app
                    .post("/api/v1/leads", agent, json!({ "last_name": "Fresh" }))
                    .await;
                assert_eq!(s, 201, "{fresh}");
                let id = fresh["id"].as_i64().unwrap();
                if path.ends_with("/convert") {
                    url = path.replace("{id}", &id.to_string());
                } else {
                    b = Some(json!({ "ids": [id] }));
                }
            }
            if let Some(kind) = path.strip_suffix("/merge").filter(|k| !k.contains("{id}")) {
                // Merging uses records up: each call merges two fresh ones.
                let (a, b2) = fresh_pair(&app, &f, kind).await;
                b = Some(json!({ "survivor_id": a, "merged_ids": [b2] }));
            }
            if *path == "/api/v1/contacts/{id}/invitation" {
                url = path.replace("{id}", &fresh_invitation(&app, &f).await.0.to_string());
            }
            if *path == "/api/v1/auth/invitations/{token}" {
                url = path.replace("{token}", &fresh_invitation(&app, &f).await.1);
            }
            if *path == "/api/v1/auth/password-reset/{token}" {
                url = path.replace("{token}", &fresh_reset(&app).await);
            }
            if *path == "/api/v1/auth/password-reset/confirm" {
                let token = fresh_reset(&app).await;
                b = Some(json!({ "token": token, "password": "a long new password" }));
            }
            if *path == "/api/v1/me/two-factor/confirm" {
                if let Some(token) = f.tokens[caller].as_deref() {
                    b = Some(json!({ "code": fresh_code(&app, token).await }));
                }
            }
            if *path == "/api/v1/auth/invitations/accept" {
                let token = fresh_invitation(&app, &f).await.1;
                b = Some(json!({ "token": token, "password": "a long new password" }));
            }
            if *path == "/api/v1/imports/{id}" {
                url = path.replace("{id}", &import_id.to_string());
            }
            if path.starts_with("/api/v1/cases/{id}/stream/{entry_id}/") {
                // Deciding on a suggested follow-up uses it up: each call gets a fresh one.
                let entry = fresh_suggestion(&app, &f).await;
                url = url.replace("{entry_id}", &entry.to_string());
            }
            if *path == "/api/v1/portal/cases/{id}/close" {
                // Closing uses the case up: each call gets a fresh one of portal user A.
                let id = action_case(&app, &f, "close").await;
                url = path.replace("{id}", &id.to_string());
            }
            if let Some(action) = path.strip_prefix("/api/v1/cases/{id}/actions/") {
                // Actions change the case: each call gets a fresh one in a state it applies to.
                let id = action_case(&app, &f, action).await;
                url = path.replace("{id}", &id.to_string());
                if action == "merge" {
                    b = Some(json!({ "target_id": action_case(&app, &f, "target").await }));
                }
            }
            let (status, resp) = if *method == "POST" && *path == "/api/v1/imports" {
                match f.tokens[caller].as_deref() {
                    Some(token) => upload_import(&app, token, caller).await,
                    None => app.call(m, &url, None, None).await,
                }
            } else if *method == "POST" && path.ends_with("/attachments") {
                let file = vec![("m.txt", "text/plain", b"matrix".to_vec())];
                match f.tokens[caller].as_deref() {
                    Some(token) => app.upload(&url, token, file).await,
                    None => app.call(m, &url, None, None).await,
                }
            } else if path.starts_with("/api/v1/auth/sso/") && *method == "GET" {
                // Browser redirects: the answer itself, not where it leads.
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let resp = http.get(app.url(&url)).send().await.unwrap();
                (resp.status(), Value::Null)
            } else {
                app.call(m, &url, f.tokens[caller].as_deref(), b.as_ref())
                    .await
            };
            answers.push_str(&format!(" {}", status.as_u16()));
            let redirect = status == 302 && path.starts_with("/api/v1/auth/sso/");
            let ok = match want {
                Ok => status.is_success() || redirect,
                Unauth => status == 401,
                Deny => status == 403,
                Hidden => status == 404,
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {}: expected {want:?}, got {status} {resp}",
                    CALLERS[caller]
                ));
            }
            if *path == "/api/v1/me/password" && status.is_success() {
                // Back to the fixture's password, which later rows sign in with.
                let back = json!({
                    "current_password": "a changed password for a moment",
                    "new_password": helpdesk_test_support::app::TEST_PASSWORD,
                });
                let (s, body) = app
                    .call(Method::PUT, &url, f.tokens[caller].as_deref(), Some(&back))
                    .await;
                assert_eq!(s, 204, "{body}");
            }
            if !status.is_success() && !redirect {
                assert_eq!(
                    resp["status"],
                    status.as_u16(),
                    "{method} {path}: errors are problem documents"
                );
            }
        }
        answers.push('\n');
    }
    assert!(
        failures.is_empty(),
        "authorization matrix mismatches:\n{}",
        failures.join("\n")
    );
    // The same file for both databases: they must answer alike.
    insta::assert_snapshot!("authorization_matrix", answers);
}
