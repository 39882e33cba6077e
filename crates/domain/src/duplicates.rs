//! Likely duplicates among CRM records: what makes two records "the same", and grouping them.
//!
//! Contacts and leads match on a normalised email address or phone number; organizations on
//! INN with KPP (the same INN with two KPPs are two branches, not duplicates) or on a
//! normalised name (legal forms, quotes and punctuation dropped: `ООО «Ромашка»` and
//! `Ромашка, ООО` are one name).

use std::collections::HashMap;

/// Legal-form words that do not tell two organizations apart.
const LEGAL_FORMS: &[&str] = &[
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    "нао",
    "ип",
    "нко",
    "гуп",
    "муп",
    "фгуп",
    "llc",
    "ltd",
    "inc",
    "gmbh",
    "corp",
    "corporation",
    "co",
    "plc",
    "limited",
    "company",
    "sa",
    "ag",
    "bv",
    "oy",
    "ab",
    "lda",
];

/// The comparable form of an organization's name; empty when nothing distinctive is left.
pub fn organization_name_key(name: &str) -> String {
    let cleaned: String = name
        .to_lowercase()
        .replace('ё', "е")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned
        .split_whitespace()
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Groups record ids that share any key (transitively), each group of two or more sorted, the
/// groups ordered by their smallest id. `records` gives each record's keys.
pub fn group(records: &[(i64, Vec<String>)]) -> Vec<Vec<i64>> {
    // Union-find over record positions.
    let mut parent: Vec<usize> = (0..records.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for (i, (_, keys)) in records.iter().enumerate() {
        for k in keys.iter().filter(|k| !k.is_empty()) {
            match first_with.get(k.as_str()) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        parent[a] = b;
                    }
                }
                None => {
                    first_with.insert(k, i);
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<i64>> = HashMap::new();
    for (i, (id, _)) in records.iter().enumerate() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(*id);
    }
    let mut out: Vec<Vec<i64>> = groups
        .into_values()
        .filter(|g| g.len() > 1)
        .map(|mut g| {
            g.sort_unstable();
            g
        })
        .collect();
    out.sort_by_key(|g| g[0]);
    out
}

/// The keys of an organization: its INN with its KPP, and its name.
pub fn organization_keys(name: &str, inn: Option<&str>, kpp: Option<&str>) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(inn) = inn.filter(|i| !i.is_empty()) {
        keys.push(format!("inn:{inn}:{}", kpp.unwrap_or("-")));
    }
    let name = organization_name_key(name);
    if !name.is_empty() {
        keys.push(format!("name:{name}"));
    }
    keys
}

/// The keys of a contact or lead: its email addresses and phone numbers (already normalised).
pub fn person_keys(emails: &[String], phones: &[String]) -> Vec<String> {
    emails
        .iter()
        .map(|e| format!("email:{}", e.to_lowercase()))
        .chain(phones.iter().map(|p| format!("phone:{p}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_names_compare_without_legal_forms_and_quotes() {
        assert_eq!(organization_name_key("ООО «Ромашка»"), "ромашка");
        assert_eq!(organization_name_key("Ромашка, ООО"), "ромашка");
        assert_eq!(organization_name_key("Acme Corp."), "acme");
        assert_eq!(organization_name_key("ACME, Inc"), "acme");
        assert_ne!(organization_name_key("Acme Logistics"), "acme");
        assert_eq!(organization_name_key("ООО"), "");
        assert_eq!(organization_name_key("Ёлка"), organization_name_key("елка"));
    }

    #[test]
    fn groups_are_transitive_and_singletons_dropped() {
        let r = vec![
            (1, vec!["email:a@x".into()]),
            (2, vec!["email:a@x".into(), "phone:+7".into()]),
            (3, vec!["phone:+7".into()]),
            (4, vec!["email:b@x".into()]),
            (5, vec![String::new()]),
            (6, vec![String::new()]),
        ];
        assert_eq!(group(&r), vec![vec![1, 2, 3]]);
    }

    #[test]
    fn branches_are_not_duplicates() {
        let a = organization_keys("Сбербанк", Some("7707083893"), Some("773601001"));
        let b = organization_keys("Сбербанк Поволжье", Some("7707083893"), Some("526002001"));
        let c = organization_keys("ПАО Сбербанк", Some("7707083893"), Some("773601001"));
        assert_eq!(group(&[(1, a.clone()), (2, b)]), Vec::<Vec<i64>>::new());
        assert_eq!(group(&[(1, a), (3, c)]), vec![vec![1, 3]]);
    }
}
