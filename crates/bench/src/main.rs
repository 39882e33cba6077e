//! `helpdesk-bench`: creates cases through the HTTP API at a given concurrency, then measures the
//! agent queue page and the case detail, reading the server's CPU time and memory from /proc.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use rand::Rng;
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    base: String,
    #[arg(long)]
    admin_email: String,
    #[arg(long, env = "BENCH_ADMIN_PASSWORD")]
    admin_password: String,
    /// The server process, for CPU time and RSS.
    #[arg(long)]
    server_pid: u32,
    /// Cases to create in all.
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// Cases of the concurrency-8 phase (the rest go at concurrency 16).
    #[arg(long, default_value_t = 20_000)]
    first_phase: usize,
    /// Cases of a third phase (concurrency 8) sent as the app sends them, each with its own
    /// `Idempotency-Key` (the key's claim, the case and the kept answer in one transaction).
    #[arg(long, default_value_t = 5_000)]
    keyed: usize,
    #[arg(long, default_value_t = 2_000)]
    reads: usize,
    #[arg(long)]
    label: String,
}

struct Proc(u32);

impl Proc {
    /// User + system CPU time in milliseconds.
    fn cpu_ms(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0))?;
        let after = stat.rsplit_once(')').context("stat format")?.1;
        let f: Vec<&str> = after.split_whitespace().collect();
        let ticks: f64 = f[11].parse::<f64>()? + f[12].parse::<f64>()?;
        Ok(ticks * 1000.0 / 100.0)
    }

    /// (current RSS, peak RSS) in MB.
    fn rss_mb(&self) -> anyhow::Result<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0))?;
        let kb = |key: &str| -> f64 {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        Ok((kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0))
    }
}

struct Ctx {
    http: reqwest::Client,
    base: String,
}

impl Ctx {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        self.send_keyed(method, path, token, body, None).await
    }

    /// [`Ctx::send`] with an `Idempotency-Key`.
    async fn send_keyed(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        key: Option<String>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let value: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: {status} {value}");
        }
        Ok(value)
    }

    /// A GET whose answer is checked as JSON without being built into a tree: the load client
    /// shares the two cores with the server, so it reads like wrk or oha would, not like an app.
    /// Returns how many `items` the answer has (0 for a single record).
    async fn get_light(&self, path: &str, token: &str) -> anyhow::Result<usize> {
        #[derive(serde::Deserialize)]
        struct Shape {
            #[serde(default)]
            items: Vec<serde::de::IgnoredAny>,
        }
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if !status.is_success() {
            bail!("{path}: {status} {}", String::from_utf8_lossy(&body));
        }
        Ok(serde_json::from_slice::<Shape>(&body)?.items.len())
    }

    async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let v = self
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "email": email, "password": password })),
            )
            .await?;
        Ok(v["access_token"].as_str().context("token")?.to_owned())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs `total` jobs at `concurrency`; returns the wall time and each job's latency.
async fn drive<F, Fut>(
    total: usize,
    concurrency: usize,
    job: F,
) -> anyhow::Result<(Duration, Vec<Duration>)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (job, next) = (job.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                job(i).await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort();
    Ok((started.elapsed(), all))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let ctx = Arc::new(Ctx {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(32)
            .build()?,
        base: args.base.clone(),
    });
    let server = Proc(args.server_pid);
    let admin = ctx.login(&args.admin_email, &args.admin_password).await?;
    let post = reqwest::Method::POST;

    // The scene: one team, a first-line and a second-line agent, an organization with contacts.
    let team = ctx
        .send(
            post.clone(),
            "/api/v1/teams",
            Some(&admin),
            Some(json!({ "name": "Bench queue", "support_line": 1 })),
        )
        .await?;
    let team_id = team["id"].as_i64().context("team id")?;
    let password = "bench-password-1";
    for (email, line) in [("bench.l1@bench.test", 1), ("bench.l2@bench.test", 2)] {
        ctx.send(post.clone(), "/api/v1/users", Some(&admin), Some(json!({ "email": email, "name": email, "role": "agent", "password": password, "support_line": line }))).await?;
    }
    let agents = Arc::new([
        ctx.login("bench.l1@bench.test", password).await?,
        ctx.login("bench.l2@bench.test", password).await?,
    ]);
    let org = ctx
        .send(
            post.clone(),
            "/api/v1/organizations",
            Some(&admin),
            Some(json!({ "name": "ООО «Нагрузка»", "inn": "7707083893" })),
        )
        .await?;
    let org_id = org["id"].as_i64().context("org id")?;
    let mut contacts = Vec::new();
    for i in 0..20 {
        let c = ctx.send(post.clone(), "/api/v1/contacts", Some(&admin), Some(json!({ "first_name": "Клиент", "last_name": format!("{i}"), "organization_id": org_id, "emails": [format!("client{i}@load.test")] }))).await?;
        contacts.push(c["id"].as_i64().context("contact id")?);
    }
    let contacts = Arc::new(contacts);

    println!("### {}\n", args.label);
    println!("| measure | value |\n|---|---|");
    let mut created_ids: Vec<i64> = Vec::new();
    let ids = Arc::new(std::sync::Mutex::new(Vec::<i64>::with_capacity(args.cases)));
    let mut peak_rss: f64 = 0.0;
    for (phase, concurrency, count) in [
        (1, 8usize, args.first_phase),
        (2, 16usize, args.cases.saturating_sub(args.first_phase)),
        (3, 8usize, args.keyed),
    ] {
        if count == 0 {
            continue;
        }
        let cpu0 = server.cpu_ms()?;
        let (c2, a2, ct2, ids2) = (ctx.clone(), agents.clone(), contacts.clone(), ids.clone());
        let sampler = {
            let pid = args.server_pid;
            tokio::spawn(async move {
                let p = Proc(pid);
                let mut max: f64 = 0.0;
                for _ in 0..100_000 {
                    if let Ok((rss, _)) = p.rss_mb() {
                        max = max.max(rss);
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                max
            })
        };
        let (wall, lat) = drive(count, concurrency, move |i| {
            let (c, a, ct, ids) = (c2.clone(), a2.clone(), ct2.clone(), ids2.clone());
            async move {
                // Three in four cases come from the first line (open, assigned), one from the second (new).
                let token = &a[usize::from(i % 4 == 3)];
                let priority = ["low", "normal", "high", "urgent"][i % 4];
                let body = json!({
                    "subject": format!("Не печатает принтер, отдел {}", i % 97),
                    "description": "После обновления драйвера принтер в бухгалтерии перестал печатать. Ошибка 0x1F.",
                    "requester_id": ct[i % ct.len()], "team_id": team_id, "priority": priority,
                    "tags": ["printer"],
                });
                let key = (phase == 3).then(|| format!("bench-{phase}-{i}"));
                let v = c
                    .send_keyed(reqwest::Method::POST, "/api/v1/cases", Some(token), Some(body), key)
                    .await?;
                if let Some(id) = v["id"].as_i64() {
                    ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(id);
                }
                Ok(())
            }
        })
        .await?;
        let cpu = server.cpu_ms()? - cpu0;
        sampler.abort();
        let (rss_now, hwm) = server.rss_mb()?;
        peak_rss = peak_rss.max(hwm).max(rss_now);
        let keyed = if phase == 3 {
            " with Idempotency-Key"
        } else {
            ""
        };
        println!("| phase {phase}: cases created via HTTP{keyed}, concurrency {concurrency} | {count} in {:.1} s = **{:.0}/s** |", wall.as_secs_f64(), count as f64 / wall.as_secs_f64());
        println!(
            "| phase {phase}: create latency p50 / p95 | {:.2} / {:.2} ms |",
            percentile(&lat, 0.5),
            percentile(&lat, 0.95)
        );
        println!(
            "| phase {phase}: server CPU per created case | **{:.3} ms** |",
            cpu / count as f64
        );
        println!("| phase {phase}: server RSS after the phase | {rss_now:.1} MB |");
    }
    created_ids.extend(
        ids.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter(),
    );

    let queue_path = Arc::new(format!(
        "/api/v1/cases?team_id={team_id}&status=open&limit=50"
    ));
    let pool = Arc::new(created_ids);
    // Concurrency 1 is what one agent waits for; concurrency 8 shares the two cores with the
    // load client, so its latency includes queueing behind the other requests.
    for concurrency in [1, 8] {
        let (c2, a2, q2) = (ctx.clone(), agents.clone(), queue_path.clone());
        let (_, lat) = drive(args.reads, concurrency, move |_| {
            let (c, a, q) = (c2.clone(), a2.clone(), q2.clone());
            async move {
                if c.get_light(&q, &a[0]).await? != 50 {
                    bail!("queue page did not return 50 cases");
                }
                Ok(())
            }
        })
        .await?;
        println!("| queue page (open cases of a team, newest first, 50), concurrency {concurrency}: p50 / p95 | **{:.2} / {:.2} ms** |", percentile(&lat, 0.5), percentile(&lat, 0.95));

        let (c2, a2, pool) = (ctx.clone(), agents.clone(), pool.clone());
        let (_, lat) = drive(args.reads, concurrency, move |_| {
            let (c, a, pool) = (c2.clone(), a2.clone(), pool.clone());
            async move {
                let id = pool[rand::thread_rng().gen_range(0..pool.len())];
                c.get_light(&format!("/api/v1/cases/{id}"), &a[0]).await?;
                if c.get_light(&format!("/api/v1/cases/{id}/stream"), &a[0])
                    .await?
                    == 0
                {
                    bail!("case {id} has an empty stream");
                }
                Ok(())
            }
        })
        .await?;
        println!("| case detail + its stream (2 requests), concurrency {concurrency}: p50 / p95 | **{:.2} / {:.2} ms** |", percentile(&lat, 0.5), percentile(&lat, 0.95));
    }
    let (rss_now, hwm) = server.rss_mb()?;
    println!(
        "| server RSS: now / peak during the run | {rss_now:.1} / **{:.1} MB** |",
        peak_rss.max(hwm)
    );
    println!(
        "| bench ids | org={org_id} contact={} team={team_id} |",
        contacts[0]
    );
    Ok(())
}
