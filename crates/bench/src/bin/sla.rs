//! `helpdesk-sla-bench`: the SLA clocks at scale. Loads N open cases (created over the last
//! week) on the given database, then measures
//! 1. recomputing every case's clocks after a calendar change (what the worker does when an
//!    admin edits a calendar or policy), and
//! 2. the timer sweep: first the backlog a worker finds after downtime, then one sweep per
//!    simulated minute with every clock running (a manual clock moves a minute at a time).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, NaiveDateTime};
use clap::Parser;
use diesel::RunQueryDsl;
use helpdesk_api_types::sla::{CalendarInput, Interval, PriorityTargets, SlaPolicyInput, Targets};
use helpdesk_api_types::Role;
use helpdesk_bench::cpu_ms;
use helpdesk_service::{Actor, AuthSettings, Clock, ManualClock, Services};
use helpdesk_store::Db;

#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// Simulated minutes of sweeping.
    #[arg(long, default_value_t = 10)]
    minutes: usize,
    #[arg(long)]
    label: String,
}

fn load_cases(db: &Db, n: usize, now: NaiveDateTime) -> anyhow::Result<()> {
    let week = 7 * 24 * 3600;
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                // Spread evenly over the last week, so deadlines spread over the next one.
                let at = now - Duration::seconds((*i as i64 * week) / n as i64);
                let at = at.format("%Y-%m-%d %H:%M:%S");
                format!(
                    "({}, 'Case {i}', 'x', 'open', 'normal', 'consultation', 'email', 1, '[]', '{at}', '{at}')",
                    i + 1
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO cases (number, subject, description, status, priority, case_type, channel, support_line, tags, created_at, updated_at) VALUES {}",
            values.join(",")
        );
        db.write(|c| {
            diesel::sql_query(&sql)
                .execute(c)
                .map_err(helpdesk_store::StoreError::from)
        })?;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url, 4).context("database")?;
    db.migrate().context("migrations")?;
    let clock = Arc::new(ManualClock::default());
    let svc = Services::new(
        db.clone(),
        clock.clone(),
        AuthSettings::with_secret(b"bench".to_vec()),
    );
    let admin = Actor {
        user_id: 0,
        role: Role::Admin,
        contact_id: None,
        line: None,
        scopes: None,
        session_id: None,
        client: Default::default(),
    };
    // Business hours with a lunch break, every day (a real calendar's arithmetic, with
    // deadlines every minute), and a week to resolve.
    let day = vec![
        Interval {
            start: "00:00".into(),
            end: "13:00".into(),
        },
        Interval {
            start: "14:00".into(),
            end: "24:00".into(),
        },
    ];
    let calendar = svc
        .create_calendar(
            &admin,
            &CalendarInput {
                name: "Support".into(),
                time_zone: "Europe/Lisbon".into(),
                week: vec![day; 7],
                holidays: Vec::new(),
            },
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let targets = Targets {
        first_response_minutes: Some(7 * 24 * 60),
        next_response_minutes: None,
        resolution_minutes: Some(9 * 24 * 60),
    };
    svc.create_sla_policy(
        &admin,
        &SlaPolicyInput {
            name: "Standard".into(),
            position: None,
            active: None,
            calendar_id: Some(calendar.id),
            conditions: Default::default(),
            targets: PriorityTargets {
                normal: targets,
                ..Default::default()
            },
            warn_percent: Some(90),
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;

    svc.run_due_jobs(200).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = Instant::now();
    load_cases(&db, args.cases, clock.now())?;
    eprintln!(
        "{}: {} cases loaded in {:.1} s",
        args.label,
        args.cases,
        t.elapsed().as_secs_f64()
    );

    svc.recompute_all_slas(500)
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let measure = |what: &str,
                   f: &mut dyn FnMut() -> anyhow::Result<usize>|
     -> anyhow::Result<(f64, f64, usize)> {
        let (c0, t0) = (cpu_ms(), Instant::now());
        let n = f()?;
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_ms() - c0);
        eprintln!(
            "{}: {what}: {n} in {wall:.2} s ({cpu:.0} ms CPU)",
            args.label
        );
        Ok((wall, cpu, n))
    };
    // The timers a worker finds after downtime: warnings already past (90 % of the target).
    let (backlog_s, _, backlog) = measure("backlog sweep", &mut || {
        svc.run_due_jobs(200).map_err(|e| anyhow::anyhow!("{e}"))
    })?;
    // An admin moves the lunch break: every open case's clocks are computed again.
    let moved = vec![
        Interval {
            start: "00:00".into(),
            end: "12:00".into(),
        },
        Interval {
            start: "13:00".into(),
            end: "24:00".into(),
        },
    ];
    svc.update_calendar(
        &admin,
        calendar.id,
        &CalendarInput {
            name: "Support".into(),
            time_zone: "Europe/Lisbon".into(),
            week: vec![moved; 7],
            holidays: Vec::new(),
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (recompute_s, recompute_cpu, _) =
        measure("recompute after a calendar change", &mut || {
            svc.run_due_jobs(200).map_err(|e| anyhow::anyhow!("{e}"))
        })?;
    let computed = args.cases;
    let mut sweep_ms = Vec::new();
    let mut fired = 0;
    for _ in 0..args.minutes {
        clock.advance(Duration::minutes(1));
        let t0 = Instant::now();
        fired += svc.run_due_jobs(200).map_err(|e| anyhow::anyhow!("{e}"))?;
        sweep_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    sweep_ms.sort_by(f64::total_cmp);
    let mean = sweep_ms.iter().sum::<f64>() / sweep_ms.len().max(1) as f64;
    println!(
        "| {} | {} cases | recompute: **{:.1} s** ({:.2} ms CPU/case) | backlog: {} fired in {:.1} s | sweep per minute: **{:.1} ms** mean, {:.1} ms max, {:.1} fired/min |",
        args.label,
        computed,
        recompute_s,
        recompute_cpu / computed.max(1) as f64,
        backlog,
        backlog_s,
        mean,
        sweep_ms.last().copied().unwrap_or(0.0),
        fired as f64 / args.minutes.max(1) as f64,
    );
    Ok(())
}
