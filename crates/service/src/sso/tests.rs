use super::accounts::{groups_of, role_of};
use super::*;

#[test]
fn only_paths_of_the_app_are_returned_to() {
    assert_eq!(
        app_path(Some("/cases/42?tab=stream")),
        "/cases/42?tab=stream"
    );
    assert_eq!(app_path(Some("//evil.example/x")), "/");
    assert_eq!(app_path(Some("https://evil.example/")), "/");
    assert_eq!(app_path(Some("/\\evil.example")), "/");
    assert_eq!(app_path(None), "/");
}

#[test]
fn the_highest_role_of_the_groups_wins() {
    let mut s = SsoSettings::new("https://id.example", "c", "s");
    s.roles = vec![
        ("helpdesk-agents".into(), Role::Agent),
        ("helpdesk-admins".into(), Role::Admin),
        ("customers".into(), Role::Portal),
    ];
    let g = |names: &[&str]| {
        names
            .iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        role_of(&s, &g(&["helpdesk-agents", "helpdesk-admins"])),
        Some(Role::Admin)
    );
    assert_eq!(role_of(&s, &g(&["helpdesk-agents"])), Some(Role::Agent));
    assert_eq!(role_of(&s, &g(&["customers"])), None, "staff only");
    assert_eq!(role_of(&s, &g(&[])), None);
    assert_eq!(
        groups_of(&serde_json::json!("helpdesk-agents")),
        g(&["helpdesk-agents"])
    );
    assert_eq!(
        SsoSettings::pairs("a=admin, b = agent,broken,=x"),
        vec![("a".into(), "admin".into()), ("b".into(), "agent".into())]
    );
}
