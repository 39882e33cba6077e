//! CSV import and export: a Windows-1251, `;`-separated file with Russian headers, bad rows and
//! duplicates, first as a dry run (nothing changes), then for real with duplicates updated; a
//! mapping that does not fit the file; a large file run by the worker with progress; an export
//! that imports back.

use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, TestApp};
use serde_json::{json, Value};

async fn import(app: &TestApp, token: &str, file: Vec<u8>, options: Value) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(file)
                .file_name("people.csv")
                .mime_str("text/csv")
                .unwrap(),
        )
        .text("options", options.to_string());
    let resp = app
        .client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn row(report: &Value, line: i64) -> &Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["line"] == line)
        .unwrap_or_else(|| panic!("no line {line} in {report}"))
}

async fn contact_count(app: &TestApp, token: &str) -> usize {
    let (_, l) = app.get("/api/v1/contacts?limit=200", token).await;
    l["items"].as_array().unwrap().len()
}

api_test!(async fn a_windows_1251_file_is_checked_then_imported_with_duplicates_updated(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, org) = app.post("/api/v1/organizations", &agent.token,
        json!({ "name": "ООО Ромашка", "inn": "7707083893" })).await;
    let (_, ivan) = app.post("/api/v1/contacts", &agent.token,
        json!({ "first_name": "Иван", "last_name": "Петров", "emails": ["ivan@x.test"] })).await;
    let text = "Фамилия;Имя;E-mail;Телефон;ИНН;Должность\r\n\
        Петров;Иван;ivan@x.test;;7707083893;Директор\r\n\
        Сидорова;Ольга;olga@x.test;+7 495 123-45-67;7707083893;Бухгалтер\r\n\
        Кузнецов;;bad-mail;;;\r\n\
        Смирнов;Олег;oleg@x.test;;1234567890;\r\n\
        Сидорова;О.;OLGA@x.test;;;\"Главный бухгалтер; по договору\"\r\n";
    let (cp1251, _, bad) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!bad);
    let before = contact_count(&app, &agent.token).await;

    // The dry run reports every problem and changes nothing.
    let (s, dry) = import(&app, &agent.token, cp1251.to_vec(),
        json!({ "entity": "contacts", "dry_run": true })).await;
    assert_eq!(s, 201, "{dry}");
    assert_eq!((dry["status"].as_str(), dry["encoding"].as_str(), dry["separator"].as_str()),
        (Some("done"), Some("windows-1251"), Some(";")), "{dry}");
    assert_eq!(dry["mapping"]["ИНН"], "organization_inn");
    assert_eq!(dry["mapping"]["Фамилия"], "last_name");
    assert_eq!((dry["total_rows"].as_i64(), dry["created"].as_i64(), dry["skipped"].as_i64(), dry["failed"].as_i64()),
        (Some(5), Some(1), Some(2), Some(2)), "{dry}");
    assert_eq!(row(&dry, 2)["duplicate_ids"], json!([ivan["id"]]));
    assert_eq!(row(&dry, 2)["outcome"], "skipped");
    let bad_row = row(&dry, 4);
    assert!(bad_row["errors"]["first_name"].is_array() && bad_row["errors"]["emails[0]"].is_array(), "{bad_row}");
    assert!(row(&dry, 5)["errors"]["organization_inn"].is_array());
    assert_eq!(row(&dry, 6)["duplicate_lines"], json!([3]));
    assert!(row(&dry, 6)["record_id"].is_null());
    assert_eq!(contact_count(&app, &agent.token).await, before, "a dry run changes nothing");

    // For real, updating duplicates.
    let (s, done) = import(&app, &agent.token, cp1251.to_vec(),
        json!({ "entity": "contacts", "on_duplicate": "update", "encoding": "windows-1251", "separator": ";" })).await;
    assert_eq!(s, 201, "{done}");
    assert_eq!((done["created"].as_i64(), done["updated"].as_i64(), done["failed"].as_i64()), (Some(1), Some(2), Some(2)), "{done}");
    assert_eq!(row(&done, 2)["record_id"], ivan["id"]);
    let (_, updated) = app.get(&format!("/api/v1/contacts/{}", ivan["id"]), &agent.token).await;
    assert_eq!(updated["title"], "Директор");
    assert_eq!(updated["organization_id"], org["id"]);
    let (_, olga) = app.get("/api/v1/contacts?email=olga@x.test", &agent.token).await;
    let olga = &olga["items"][0];
    assert_eq!(olga["phones"], json!(["+74951234567"]));
    assert_eq!(olga["title"], "Главный бухгалтер; по договору", "line 6 updated the contact line 3 created");
    assert_eq!(contact_count(&app, &agent.token).await, before + 1);

    let (_, list) = app.get("/api/v1/imports", &agent.token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let portal = app.user(Role::Portal, None, Some(ivan["id"].as_i64().unwrap())).await;
    let (s, _) = import(&app, &portal.token, b"last_name\nX\n".to_vec(), json!({ "entity": "leads" })).await;
    assert_eq!(s, 403);
});

api_test!(async fn a_mapping_that_does_not_fit_the_file_is_refused_at_once(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let file = b"Company,Phone\nAcme,+7 495 000 00 00\n".to_vec();
    let (s, p) = import(&app, &agent.token, file.clone(),
        json!({ "entity": "organizations", "mapping": { "Nope": "name", "Phone": "fax" } })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["mapping.Nope"].is_array() && p["errors"]["mapping.Phone"].is_array(), "{p}");
    let (s, p) = import(&app, &agent.token, file.clone(),
        json!({ "entity": "contacts" })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["mapping"][0].as_str().unwrap().contains("first_name"), "{p}");
    let (s, p) = import(&app, &agent.token, file.clone(), json!({ "entity": "planets" })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["options"].is_array(), "{p}");
    let (s, p) = import(&app, &agent.token, file, json!({ "entity": "organizations", "separator": "|" })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["separator"].is_array(), "{p}");
    let (_, list) = app.get("/api/v1/imports", &agent.token).await;
    assert_eq!(list["items"], json!([]), "a refused upload leaves no import behind");
});

api_test!(async fn a_large_file_runs_in_the_worker_and_an_export_imports_back(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let mut csv = String::from("name,inn,phones,website\n");
    for i in 0..2_500 {
        csv.push_str(&format!("Company {i},,+7 495 {:03} {:02} {:02},company{i}.test\n", i / 100, i % 100, i % 7));
    }
    let (s, queued) = import(&app, &agent.token, csv.into_bytes(), json!({ "entity": "organizations" })).await;
    assert_eq!(s, 202, "{queued}");
    assert_eq!((queued["status"].as_str(), queued["total_rows"].as_i64(), queued["processed_rows"].as_i64()),
        (Some("queued"), Some(2500), Some(0)));
    let svc = app.services.clone();
    let ran = tokio::task::spawn_blocking(move || svc.run_next_import()).await.unwrap().unwrap();
    assert!(ran);
    let (_, done) = app.get(&format!("/api/v1/imports/{}", queued["id"]), &agent.token).await;
    assert_eq!((done["status"].as_str(), done["processed_rows"].as_i64(), done["created"].as_i64()),
        (Some("done"), Some(2500), Some(2500)), "{done}");
    assert!(done["finished_at"].is_string());

    // Export a filtered list, `;`-separated in Windows-1251, and import it back as a dry run:
    // every row is a duplicate of the record it came from.
    let (s, headers, body) = app.download("/api/v1/csv/organizations?q=company%2012&separator=%3B&encoding=windows-1251", &agent.token).await;
    assert_eq!(s, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let (text, _, _) = encoding_rs::WINDOWS_1251.decode(&body);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id;name;short_name;inn;kpp;org_type;industry;website;phones;emails;address;description");
    // "Company 12", "Company 120".."Company 129", "Company 1200".."Company 1299".
    assert_eq!(lines.len(), 1 + 1 + 10 + 100);
    let (s, back) = import(&app, &agent.token, body, json!({ "entity": "organizations", "dry_run": true })).await;
    assert_eq!(s, 201, "{back}");
    assert_eq!((back["skipped"].as_i64(), back["created"].as_i64()), (Some(111), Some(0)), "{back}");

    let (s, _, body) = app.download("/api/v1/csv/contacts", &agent.token).await;
    assert_eq!(s, 200);
    assert!(body.starts_with(b"\xEF\xBB\xBFid,first_name,last_name"), "UTF-8 with a byte-order mark");
    let (s, p) = app.get("/api/v1/csv/leads?encoding=koi8-r", &agent.token).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["encoding"].is_array());
});

api_test!(async fn each_batch_commits_with_its_progress_and_a_stopped_import_resumes(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let mut csv = String::from("last_name,first_name,emails\n");
    for i in 0..1_200 {
        let last = if i == 700 { "Boom".to_owned() } else { format!("Person{i}") };
        csv.push_str(&format!("{last},Test,p{i}@resume.test\n"));
    }
    // Row 700 (in the second batch of 500) cannot be written.
    app.sql(
        "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER boom BEFORE INSERT ON contacts FOR EACH ROW WHEN (NEW.last_name = 'Boom') EXECUTE FUNCTION boom();",
        "CREATE TRIGGER boom BEFORE INSERT ON contacts WHEN NEW.last_name = 'Boom' BEGIN SELECT RAISE(ABORT, 'boom'); END;",
    ).await;
    let (s, queued) = import(&app, &agent.token, csv.into_bytes(), json!({ "entity": "contacts" })).await;
    assert_eq!(s, 202, "{queued}");
    let svc = app.services.clone();
    tokio::task::spawn_blocking(move || svc.run_next_import()).await.unwrap().unwrap();
    let path = format!("/api/v1/imports/{}", queued["id"]);
    // The run stops at the failed batch; the import waits to be taken up again, saying why.
    let (_, waiting) = app.get(&path, &agent.token).await;
    assert_eq!((waiting["status"].as_str(), waiting["processed_rows"].as_i64(), waiting["created"].as_i64()),
        (Some("queued"), Some(500), Some(500)), "{waiting}");
    assert!(waiting["error"].as_str().unwrap().contains("boom"), "{waiting}");
    let retry_at: chrono::DateTime<chrono::Utc> = waiting["retry_at"].as_str().unwrap().parse().unwrap();
    assert!(retry_at > chrono::Utc::now(), "not at once: {waiting}");
    let svc = app.services.clone();
    assert!(!tokio::task::spawn_blocking(move || svc.run_next_import()).await.unwrap().unwrap(), "not before its time");
    // Each time it is due it fails the same way, until the import retry rule is spent.
    for _ in 1..helpdesk_store::queue::ImportQueue::RETRY.tries() {
        app.sql(
            "UPDATE crm_imports SET next_attempt_at = '2000-01-01 00:00:00'",
            "UPDATE crm_imports SET next_attempt_at = '2000-01-01 00:00:00'",
        ).await;
        let svc = app.services.clone();
        assert!(tokio::task::spawn_blocking(move || svc.run_next_import()).await.unwrap().unwrap());
    }
    let (_, failed) = app.get(&path, &agent.token).await;
    assert_eq!((failed["status"].as_str(), failed["processed_rows"].as_i64(), failed["created"].as_i64()),
        (Some("failed"), Some(500), Some(500)), "{failed}");
    assert!(failed["error"].as_str().unwrap().contains("boom"), "{failed}");
    assert!(failed["retry_at"].is_null());
    let (_, first) = app.get("/api/v1/contacts?email=p499@resume.test", &agent.token).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1, "the first batch is committed");
    let (_, second) = app.get("/api/v1/contacts?email=p500@resume.test", &agent.token).await;
    assert_eq!(second["items"], json!([]), "nothing of the failed batch is");

    // A worker that stopped mid-way leaves the import running under a lease that runs out;
    // the next worker takes it over after the last committed batch.
    app.sql("DROP TRIGGER boom ON contacts;", "DROP TRIGGER boom;").await;
    app.sql(
        "UPDATE crm_imports SET status = 'running', error = NULL, finished_at = NULL, lease_until = '2000-01-01 00:00:00'",
        "UPDATE crm_imports SET status = 'running', error = NULL, finished_at = NULL, lease_until = '2000-01-01 00:00:00'",
    ).await;
    let svc = app.services.clone();
    assert!(tokio::task::spawn_blocking(move || svc.run_next_import()).await.unwrap().unwrap());
    let (_, done) = app.get(&path, &agent.token).await;
    assert_eq!((done["status"].as_str(), done["processed_rows"].as_i64(), done["created"].as_i64(), done["skipped"].as_i64()),
        (Some("done"), Some(1200), Some(1200), Some(0)), "{done}");
    let (_, _, csv) = app.download("/api/v1/csv/contacts?q=person", &agent.token).await;
    let text = String::from_utf8(csv).unwrap();
    assert_eq!(text.lines().count(), 1 + 1199, "every row once (and Boom), none twice");
    let (_, boom) = app.get("/api/v1/contacts?q=boom", &agent.token).await;
    assert_eq!(boom["items"].as_array().unwrap().len(), 1);
    let svc = app.services.clone();
    assert!(!tokio::task::spawn_blocking(move || svc.run_next_import()).await.unwrap().unwrap(), "nothing left to do");
});

api_test!(async fn a_nul_in_a_cell_fails_that_row_and_the_rest_imports(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let file = b"last_name,first_name\nGood,One\nBro\0ken,Two\nGood,Three\n".to_vec();
    let (s, done) = import(&app, &agent.token, file, json!({ "entity": "contacts" })).await;
    assert_eq!(s, 201, "{done}");
    assert_eq!((done["status"].as_str(), done["created"].as_i64(), done["failed"].as_i64()),
        (Some("done"), Some(2), Some(1)), "{done}");
    let bad = row(&done, 3);
    let why = bad["errors"]["last_name"][0].as_str().unwrap();
    assert!(why.contains("NUL"), "the row says what is wrong, in our words: {bad}");
    assert!(!done.to_string().to_lowercase().contains("postgres") && !done.to_string().contains("0x00"),
        "no database text in the report: {done}");
});
