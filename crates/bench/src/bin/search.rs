//! `helpdesk-search-bench`: full-text search at scale. Loads N cases and M stream entries of
//! generated support text (Russian and English words, a few common and many rare, drawn with
//! a Zipf-like law) into the given database, then runs searches the way an agent would (all
//! kinds, 20 hits) with words drawn by the same law, and reports latency percentiles; then the
//! same for the worst case, the most common words; then what is looked up exactly (case
//! numbers, phone numbers as people write them, INNs) and words being typed (their first
//! letters).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, NaiveDateTime};
use clap::Parser;
use diesel::RunQueryDsl;
use helpdesk_api_types::search::SearchQuery;
use helpdesk_api_types::Role;
use helpdesk_service::{Actor, AuthSettings, ManualClock, Services};
use helpdesk_store::Db;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// Contacts with a phone number each, and a tenth as many organizations with an INN.
    #[arg(long, default_value_t = 100_000)]
    contacts: usize,
    #[arg(long, default_value_t = 1_000_000)]
    entries: usize,
    #[arg(long, default_value_t = 400)]
    queries: usize,
    #[arg(long)]
    label: String,
    /// The data is already there (a second run on the same database).
    #[arg(long)]
    no_load: bool,
}

const COMMON: &[&str] = &[
    "printer",
    "error",
    "login",
    "password",
    "server",
    "email",
    "invoice",
    "update",
    "slow",
    "crash",
    "network",
    "vpn",
    "report",
    "access",
    "license",
    "install",
    "backup",
    "screen",
    "принтер",
    "ошибка",
    "пароль",
    "сервер",
    "почта",
    "счёт",
    "обновление",
    "медленно",
    "сбой",
    "сеть",
    "отчёт",
    "доступ",
    "лицензия",
    "установка",
    "резервная",
    "копия",
    "экран",
    "не",
    "работает",
    "после",
    "the",
    "does",
    "not",
    "work",
    "after",
    "please",
    "help",
    "пожалуйста",
    "помогите",
    "клиент",
    "заказ",
    "order",
    "customer",
    "payment",
    "оплата",
];

const SYLLABLES: &[&str] = &[
    "ка", "ло", "ми", "ра", "то", "ве", "ни", "су", "да", "ре", "по", "ль", "ст", "ко", "ма",
];

/// Common words first, then many rarer ones (product codes, names, Russian-looking words).
fn vocabulary(rng: &mut StdRng) -> Vec<String> {
    let mut words: Vec<String> = COMMON.iter().map(|w| (*w).to_owned()).collect();
    for i in 0..30_000 {
        let w = match i % 3 {
            0 => format!("err{}", 1000 + i),
            1 => format!("srv{}x{}", i % 97, i),
            _ => (0..rng.gen_range(3..6))
                .map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())])
                .collect::<String>(),
        };
        words.push(w);
    }
    words
}

/// An index drawn log-uniformly: word k about as likely as 1/k (Zipf, s = 1).
fn zipf(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.gen();
    (((n as f64).powf(u)) as usize).saturating_sub(1).min(n - 1)
}

fn text(rng: &mut StdRng, vocab: &[String], words: usize) -> String {
    (0..words)
        .map(|_| vocab[zipf(rng, vocab.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Contact `i`'s mobile number (E.164, as stored).
fn phone(i: usize) -> String {
    format!("+7916{:07}", (i * 7_919) % 10_000_000)
}

/// Organization `i`'s INN (ten digits; the check digits do not matter to a lookup).
fn inn(i: usize) -> String {
    format!("77{:08}", i * 13)
}

fn exec(db: &Db, sql: &str) -> anyhow::Result<()> {
    db.write(|c| {
        diesel::sql_query(sql)
            .execute(c)
            .map_err(helpdesk_store::StoreError::from)
    })?;
    Ok(())
}

fn load(db: &Db, args: &Args, now: NaiveDateTime, vocab: &[String]) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(7);
    let at = now.format("%Y-%m-%d %H:%M:%S");
    for chunk in (0..args.cases).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "({}, '{}', '{}', 'open', 'normal', 'consultation', 'email', 1, '[]', '{at}', '{at}')",
                    i + 1,
                    text(&mut rng, vocab, 6),
                    text(&mut rng, vocab, 25),
                )
            })
            .collect();
        exec(db, &format!(
            "INSERT INTO cases (number, subject, description, status, priority, case_type, channel, support_line, tags, created_at, updated_at) VALUES {}",
            values.join(",")
        ))?;
    }
    let orgs = (args.contacts / 10).max(1);
    for chunk in (0..orgs).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "('{} {}', '{}', '[\"+7495{:07}\"]', '{at}', '{at}')",
                    text(&mut rng, vocab, 2),
                    i,
                    inn(*i),
                    i
                )
            })
            .collect();
        exec(
            db,
            &format!(
                "INSERT INTO organizations (name, inn, phones, created_at, updated_at) VALUES {}",
                values.join(",")
            ),
        )?;
    }
    for chunk in (0..args.contacts).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "('{}', '{}', {}, '[\"{}\"]', '{at}', '{at}')",
                    text(&mut rng, vocab, 1),
                    text(&mut rng, vocab, 1),
                    1 + i % orgs,
                    phone(*i),
                )
            })
            .collect();
        exec(db, &format!(
            "INSERT INTO contacts (first_name, last_name, organization_id, phones, created_at, updated_at) VALUES {}",
            values.join(",")
        ))?;
    }
    let started = Instant::now();
    for (n, chunk) in (0..args.entries)
        .collect::<Vec<_>>()
        .chunks(2000)
        .enumerate()
    {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                let kind = if i % 4 == 3 { "internal" } else { "public" };
                let words = rng.gen_range(15..60);
                let when = now - Duration::seconds((args.entries - i) as i64);
                format!(
                    "({}, '{kind}', '{}', '{}')",
                    1 + i % args.cases,
                    text(&mut rng, vocab, words),
                    when.format("%Y-%m-%d %H:%M:%S")
                )
            })
            .collect();
        exec(
            db,
            &format!(
                "INSERT INTO stream_entries (case_id, kind, body, created_at) VALUES {}",
                values.join(",")
            ),
        )?;
        if n % 50 == 49 {
            eprintln!(
                "  {} entries loaded ({:.0} s)",
                (n + 1) * 2000,
                started.elapsed().as_secs_f64()
            );
        }
    }
    if db.backend() == helpdesk_store::Backend::Postgres {
        // Outside a transaction, as autovacuum would eventually do it.
        for sql in [
            "VACUUM ANALYZE stream_entries",
            "VACUUM ANALYZE cases",
            "VACUUM ANALYZE contacts",
            "VACUUM ANALYZE organizations",
        ] {
            db.read(|c| {
                diesel::sql_query(sql)
                    .execute(c)
                    .map_err(helpdesk_store::StoreError::from)
            })?;
        }
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn run(svc: &Services, agent: &Actor, queries: &[String]) -> anyhow::Result<(Vec<f64>, usize)> {
    let mut times = Vec::with_capacity(queries.len());
    let mut hits = 0;
    for q in queries {
        let started = Instant::now();
        let res = svc
            .search(
                agent,
                &SearchQuery {
                    q: q.clone(),
                    kinds: None,
                    limit: Some(20),
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        hits += res.items.len();
    }
    times.sort_by(f64::total_cmp);
    Ok((times, hits))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url, 4).context("database")?;
    db.migrate().context("migrations")?;
    let clock = Arc::new(ManualClock::default());
    let svc = Services::new(
        db.clone(),
        clock,
        AuthSettings::with_secret(b"bench".to_vec()),
    );
    let agent = Actor {
        user_id: 0,
        role: Role::Agent,
        contact_id: None,
        line: None,
        scopes: None,
        session_id: None,
        client: Default::default(),
    };
    let mut rng = StdRng::seed_from_u64(42);
    let vocab = vocabulary(&mut rng);
    let now = chrono::Utc::now().naive_utc();
    let started = Instant::now();
    if !args.no_load {
        load(&db, &args, now, &vocab)?;
    }
    let load_s = started.elapsed().as_secs_f64();

    let mut qrng = StdRng::seed_from_u64(99);
    let queries: Vec<String> = (0..args.queries)
        .map(|i| {
            let n = if i % 3 == 0 { 2 } else { 1 };
            text(&mut qrng, &vocab, n)
        })
        .collect();
    // Warm the caches the way a running server has them.
    run(&svc, &agent, &queries[..queries.len().min(50)])?;
    let (times, hits) = run(&svc, &agent, &queries)?;
    let common: Vec<String> = COMMON.iter().take(20).map(|w| (*w).to_owned()).collect();
    let (worst, _) = run(&svc, &agent, &common)?;
    // Exact lookups as agents type them: `#1234`, `8 (916) 123-45-67`, the last seven digits,
    // an INN.
    let orgs = (args.contacts / 10).max(1);
    let lookups: Vec<String> = (0..args.queries)
        .map(|i| {
            let digits = phone(qrng.gen_range(0..args.contacts));
            match i % 4 {
                0 => format!("#{}", qrng.gen_range(1..=args.cases)),
                1 => format!(
                    "8 ({}) {}-{}-{}",
                    &digits[2..5],
                    &digits[5..8],
                    &digits[8..10],
                    &digits[10..]
                ),
                2 => digits[digits.len() - 7..].to_owned(),
                _ => inn(qrng.gen_range(0..orgs)),
            }
        })
        .collect();
    let (exact, exact_hits) = run(&svc, &agent, &lookups)?;
    // The first three or four letters of a word, as the box asks while it is being typed.
    let typed: Vec<String> = (0..args.queries)
        .map(|i| {
            let word = &vocab[zipf(&mut qrng, vocab.len())];
            word.chars().take(3 + i % 2).collect()
        })
        .collect();
    let (prefix, _) = run(&svc, &agent, &typed)?;
    println!(
        "| {} | {} cases, {} entries, {} contacts (loaded in {:.0} s) | typical: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms ({} queries, {:.1} hits each) | most common words: p50 {:.1} ms, p95 {:.1} ms | numbers, phones, INNs: p50 {:.1} ms, p95 {:.1} ms ({:.1} hits each) | first letters: p50 {:.1} ms, p95 {:.1} ms |",
        args.label,
        args.cases,
        args.entries,
        args.contacts,
        load_s,
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times.len(),
        hits as f64 / times.len() as f64,
        percentile(&worst, 0.5),
        percentile(&worst, 0.95),
        percentile(&exact, 0.5),
        percentile(&exact, 0.95),
        exact_hits as f64 / exact.len() as f64,
        percentile(&prefix, 0.5),
        percentile(&prefix, 0.95),
    );
    Ok(())
}
