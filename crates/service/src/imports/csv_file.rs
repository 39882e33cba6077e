//! Reading an uploaded CSV file: its encoding and separator, the fields each kind of record
//! takes, and which column fills which field.

use std::collections::BTreeMap;

use helpdesk_api_types::imports::{CsvEncoding, ImportEntity, ImportField};

use crate::error::Problems;
use crate::AppError;

/// One field a CSV column can fill: name, required, a list, the headers it is recognised by.
type FieldSpec = (&'static str, bool, bool, &'static [&'static str]);

const ORGANIZATION_FIELDS: &[FieldSpec] = &[
    (
        "name",
        true,
        false,
        &[
            "наименование",
            "название",
            "организация",
            "company",
            "organization",
            "компания",
        ],
    ),
    (
        "short_name",
        false,
        false,
        &["краткое наименование", "краткое название", "short name"],
    ),
    ("inn", false, false, &["инн", "tax id"]),
    ("kpp", false, false, &["кпп"]),
    ("org_type", false, false, &["type", "тип"]),
    ("industry", false, false, &["отрасль"]),
    ("website", false, false, &["сайт", "web", "url"]),
    ("phones", false, true, &["phone", "телефон", "телефоны"]),
    (
        "emails",
        false,
        true,
        &["email", "e-mail", "почта", "эл. почта", "электронная почта"],
    ),
    ("address", false, false, &["адрес", "юридический адрес"]),
    (
        "description",
        false,
        false,
        &["описание", "комментарий", "notes"],
    ),
];

const CONTACT_FIELDS: &[FieldSpec] = &[
    (
        "first_name",
        true,
        false,
        &["имя", "first name", "given name"],
    ),
    (
        "last_name",
        true,
        false,
        &["фамилия", "last name", "surname", "family name"],
    ),
    (
        "emails",
        false,
        true,
        &["email", "e-mail", "почта", "эл. почта", "электронная почта"],
    ),
    (
        "phones",
        false,
        true,
        &["phone", "телефон", "телефоны", "mobile", "мобильный"],
    ),
    (
        "title",
        false,
        false,
        &["должность", "job title", "position"],
    ),
    ("department", false, false, &["отдел", "подразделение"]),
    (
        "organization_inn",
        false,
        false,
        &["инн", "инн организации", "inn"],
    ),
    (
        "organization_name",
        false,
        false,
        &["организация", "компания", "company", "organization"],
    ),
    ("do_not_email", false, false, &["не писать", "do not email"]),
    ("do_not_call", false, false, &["не звонить", "do not call"]),
];

const LEAD_FIELDS: &[FieldSpec] = &[
    ("first_name", false, false, &["имя", "first name"]),
    (
        "last_name",
        true,
        false,
        &["фамилия", "last name", "surname"],
    ),
    (
        "organization_name",
        false,
        false,
        &["организация", "компания", "company", "organization"],
    ),
    ("title", false, false, &["должность", "job title"]),
    ("phones", false, true, &["phone", "телефон", "телефоны"]),
    (
        "emails",
        false,
        true,
        &["email", "e-mail", "почта", "эл. почта"],
    ),
    ("website", false, false, &["сайт", "web"]),
    ("source", false, false, &["источник"]),
    ("status", false, false, &["статус"]),
    ("rating", false, false, &["рейтинг"]),
    ("industry", false, false, &["отрасль"]),
    (
        "annual_revenue",
        false,
        false,
        &["выручка", "годовой доход", "revenue"],
    ),
    (
        "employees",
        false,
        false,
        &["сотрудники", "число сотрудников", "сотрудников"],
    ),
    ("address", false, false, &["адрес"]),
    ("description", false, false, &["описание", "комментарий"]),
    ("do_not_email", false, false, &["не писать", "do not email"]),
];

fn fields_of(entity: ImportEntity) -> &'static [FieldSpec] {
    match entity {
        ImportEntity::Organizations => ORGANIZATION_FIELDS,
        ImportEntity::Contacts => CONTACT_FIELDS,
        ImportEntity::Leads => LEAD_FIELDS,
    }
}

pub(super) fn field_list(entity: ImportEntity) -> Vec<ImportField> {
    fields_of(entity)
        .iter()
        .map(|(name, required, list, aliases)| ImportField {
            name: (*name).to_owned(),
            required: *required,
            list: *list,
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        })
        .collect()
}

/// A header as compared with field names and aliases.
fn header_key(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The file as text, and the encoding it was read with.
pub fn decode(bytes: &[u8], encoding: CsvEncoding) -> Result<(String, &'static str), AppError> {
    let utf8 = |b: &[u8]| {
        let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
        std::str::from_utf8(b).map(str::to_owned)
    };
    match encoding {
        CsvEncoding::Utf8 => utf8(bytes).map(|s| (s, "utf-8")).map_err(|e| {
            AppError::field(
                "encoding",
                format!(
                    "the file is not UTF-8 (byte {}); try windows-1251",
                    e.valid_up_to()
                ),
            )
        }),
        CsvEncoding::Windows1251 => Ok((
            encoding_rs::WINDOWS_1251.decode(bytes).0.into_owned(),
            "windows-1251",
        )),
        CsvEncoding::Auto => Ok(match utf8(bytes) {
            Ok(s) => (s, "utf-8"),
            Err(_) => (
                encoding_rs::WINDOWS_1251.decode(bytes).0.into_owned(),
                "windows-1251",
            ),
        }),
    }
}

/// The separator asked for, or the one of `;` and `,` the header line has more of.
pub(super) fn separator(asked: Option<&str>, text: &str) -> Result<u8, AppError> {
    match asked {
        Some(";") => Ok(b';'),
        Some(",") => Ok(b','),
        Some(_) => Err(AppError::field("separator", "must be `;` or `,`")),
        None => {
            let header = text.lines().next().unwrap_or("");
            let count = |c: char| header.chars().filter(|&x| x == c).count();
            Ok(if count(';') > count(',') { b';' } else { b',' })
        }
    }
}

/// A parsed file: the headers, the column → field mapping, and the rows (line, field → value).
pub(super) struct Parsed {
    pub(super) mapping: BTreeMap<String, String>,
    pub(super) rows: Vec<(i64, BTreeMap<&'static str, String>)>,
}

pub(super) fn parse(
    text: &str,
    sep: u8,
    entity: ImportEntity,
    asked: &BTreeMap<String, String>,
) -> Result<Parsed, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::field("file", format!("the header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let specs = fields_of(entity);
    let mut p = Problems::default();
    for (column, field) in asked {
        if !headers.iter().any(|h| h == column) {
            p.add(&format!("mapping.{column}"), "the file has no such column");
        }
        if !field.is_empty() && !specs.iter().any(|s| s.0 == field) {
            let names: Vec<&str> = specs.iter().map(|s| s.0).collect();
            p.add(
                &format!("mapping.{column}"),
                format!("unknown field `{field}`; one of {}", names.join(", ")),
            );
        }
    }
    p.into_result()?;
    let mut p = Problems::default();
    // Column index → field.
    let mut columns: Vec<(usize, &'static str)> = Vec::new();
    let mut mapping = BTreeMap::new();
    for (i, header) in headers.iter().enumerate() {
        let spec = match asked.get(header) {
            Some(f) if f.is_empty() => None,
            Some(f) => specs.iter().find(|s| s.0 == f),
            None => {
                let key = header_key(header);
                specs.iter().find(|s| header_key(s.0) == key).or_else(|| {
                    specs
                        .iter()
                        .find(|s| s.3.iter().any(|a| header_key(a) == key))
                })
            }
        };
        if let Some(spec) = spec {
            if columns.iter().any(|(_, f)| *f == spec.0) {
                p.add(
                    &format!("mapping.{header}"),
                    format!("another column already fills `{}`", spec.0),
                );
                continue;
            }
            columns.push((i, spec.0));
            mapping.insert(header.clone(), spec.0.to_owned());
        }
    }
    for spec in specs.iter().filter(|s| s.1) {
        if !columns.iter().any(|(_, f)| *f == spec.0) {
            p.add(
                "mapping",
                format!("no column fills the required field `{}`", spec.0),
            );
        }
    }
    p.into_result()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| AppError::field("file", format!("the file cannot be read: {e}")))?;
        // The line a person sees in an editor: the line ends up to where the record starts,
        // plus one. (The reader's own line count is one short after CRLF line ends, where a
        // record starts on the `\n` of the end before it.)
        let line = record.position().map_or(0, |p| {
            let upto = (p.byte() as usize + 1).min(text.len());
            text.as_bytes()[..upto]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as i64
                + 1
        });
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut values = BTreeMap::new();
        for (i, field) in &columns {
            if let Some(v) = record.get(*i).map(str::trim).filter(|v| !v.is_empty()) {
                values.insert(*field, v.to_owned());
            }
        }
        rows.push((line, values));
    }
    Ok(Parsed { mapping, rows })
}
