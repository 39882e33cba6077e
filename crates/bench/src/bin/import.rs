//! `helpdesk-import-bench`: a CSV import of N contacts (Windows-1251, `;`, Russian headers, one
//! row in a thousand with a bad email, one in a hundred repeating an earlier row's email) run as
//! the worker runs it: first as a dry run, then for real; then the export of every contact.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use helpdesk_api_types::imports::{ImportOptions, ImportStatus};
use helpdesk_api_types::users::NewUser;
use helpdesk_api_types::Role;
use helpdesk_bench::cpu_ms;
use helpdesk_service::imports::ExportFilter;
use helpdesk_service::{Actor, AuthSettings, Services, SystemClock};
use helpdesk_store::files::FileStore;
use helpdesk_store::Db;

#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    #[arg(long)]
    label: String,
}

fn anyhow_err(e: helpdesk_service::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn csv(rows: usize) -> Vec<u8> {
    let first = [
        "Иван",
        "Ольга",
        "Пётр",
        "Анна",
        "Сергей",
        "Мария",
        "Алексей",
        "Елена",
    ];
    let last = [
        "Иванов",
        "Петрова",
        "Сидоров",
        "Кузнецова",
        "Смирнов",
        "Попова",
        "Волков",
    ];
    let mut text = String::from("Фамилия;Имя;E-mail;Телефон;Должность\r\n");
    for i in 0..rows {
        let email = if i % 1000 == 999 {
            "broken-email".to_owned()
        } else if i % 100 == 50 {
            format!("user{}@import.test", i - 50)
        } else {
            format!("user{i}@import.test")
        };
        text.push_str(&format!(
            "{};{};{email};+7 9{:02} {:03}-{:02}-{:02};Менеджер\r\n",
            last[i % last.len()],
            first[i % first.len()],
            i % 100,
            i / 100 % 1000,
            i % 97,
            i % 89
        ));
    }
    encoding_rs::WINDOWS_1251.encode(&text).0.into_owned()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url, 4).context("database")?;
    db.migrate().context("migrations")?;
    let files = tempfile::tempdir()?;
    let mut svc = Services::new(
        db,
        Arc::new(SystemClock),
        AuthSettings::with_secret(b"bench".to_vec()),
    );
    svc.files = FileStore::new(files.path(), 1 << 30);
    let user = svc
        .create_user(
            None,
            &NewUser {
                email: "bench.importer@bench.test".into(),
                name: "Bench".into(),
                role: Role::Agent,
                password: None,
                support_line: Some(1),
                language: None,
                contact_id: None,
            },
        )
        .map_err(anyhow_err)?;
    let agent = Actor {
        user_id: user.id,
        role: Role::Agent,
        contact_id: None,
        line: None,
        scopes: None,
        session_id: None,
        client: Default::default(),
    };
    let bytes = csv(args.rows);
    let stored = svc
        .files
        .put(&bytes, 1 << 30)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;

    let run = |dry_run: bool| -> anyhow::Result<(f64, f64, helpdesk_api_types::imports::Import)> {
        let options: ImportOptions = serde_json::from_value(serde_json::json!({
            "entity": "contacts", "dry_run": dry_run, "on_duplicate": "skip" }))?;
        let cpu = cpu_ms();
        let started = Instant::now();
        let queued = svc
            .start_import(&agent, &options, &stored, "contacts.csv")
            .map_err(anyhow_err)?;
        while svc.run_next_import().map_err(anyhow_err)? {}
        let elapsed = started.elapsed().as_secs_f64();
        let done = svc.get_import(&agent, queued.id).map_err(anyhow_err)?;
        anyhow::ensure!(
            done.status == ImportStatus::Done,
            "import ended {:?}: {:?}",
            done.status,
            done.error
        );
        Ok((elapsed, cpu_ms() - cpu, done))
    };
    let (dry_s, _, dry) = run(true)?;
    let (real_s, real_cpu, real) = run(false)?;
    anyhow::ensure!(
        dry.created == real.created && dry.failed == real.failed,
        "the dry run foretold the import"
    );
    let started = Instant::now();
    let exported = svc
        .export_csv(
            &agent,
            &ExportFilter::Contacts(Default::default()),
            Some(";"),
            Some("windows-1251"),
        )
        .map_err(anyhow_err)?;
    let export_s = started.elapsed().as_secs_f64();
    println!(
        "| {} | {} rows ({:.1} MB) | dry run {:.1} s (**{:.0} rows/s**) | import {:.1} s (**{:.0} rows/s**, {:.2} ms CPU/row): {} created, {} skipped as duplicates, {} failed | export of {} contacts {:.1} s ({:.1} MB) |",
        args.label,
        args.rows,
        bytes.len() as f64 / 1e6,
        dry_s,
        args.rows as f64 / dry_s,
        real_s,
        args.rows as f64 / real_s,
        real_cpu / args.rows as f64,
        real.created,
        real.skipped,
        real.failed,
        real.created,
        export_s,
        exported.len() as f64 / 1e6,
    );
    Ok(())
}
