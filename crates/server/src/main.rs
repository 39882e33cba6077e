//! The `helpdesk` binary. Configuration comes from flags or environment variables; see
//! `helpdesk --help` and the README.

mod config;
mod demo;

use std::net::TcpListener;

use anyhow::Context;
use clap::{Parser, Subcommand};
use helpdesk_api_types::users::NewUser;
use helpdesk_domain::Role;
use helpdesk_service::Services;
use helpdesk_store::Db;

use config::Config;

#[derive(Parser)]
#[command(
    name = "helpdesk",
    version,
    about = "Open-source helpdesk and case management"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// API and worker in one process (the default).
    All,
    /// The HTTP API only.
    Serve,
    /// Background jobs only.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Fill the database with realistic demo data (Russian and English).
    DemoData,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user; prints a generated password when none is given.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "admin")]
        role: String,
        /// Prefer the HELPDESK_NEW_PASSWORD variable: flags show up in process lists.
        #[arg(long, env = "HELPDESK_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long)]
        support_line: Option<i32>,
        #[arg(long)]
        contact_id: Option<i64>,
    },
}

/// glibc's malloc raises its mmap threshold each time a large block is freed, after which blocks of
/// that size (a password hash takes 7 MiB) come from, and stay in, the arena of whichever thread
/// asked; with one arena per blocking thread, a handful of sign-ins doubled the process. A fixed
/// threshold sends such blocks straight back to the system, and two arenas are plenty for two
/// HTTP workers and their blocking threads.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn tune_malloc() {
    // SAFETY: mallopt only sets allocator parameters. It runs first thing in `main`, before any
    // other thread exists, and both values are in the documented ranges.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}

fn main() -> anyhow::Result<()> {
    tune_malloc();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::All);
    if let Command::Openapi = command {
        let doc = helpdesk_api::openapi::openapi();
        println!(
            "{}",
            doc.to_pretty_json()
                .context("serialising the OpenAPI document")?
        );
        return Ok(());
    }
    cli.config.init_logging();
    let db = Db::connect(&cli.config.database_url(), cli.config.db_pool_size)
        .context("opening the database")?;
    // The port is taken first: while the database is not answering yet, it says so (503).
    let listener = match command {
        Command::All | Command::Serve => Some(
            TcpListener::bind(&cli.config.bind)
                .with_context(|| format!("binding {}", cli.config.bind))?,
        ),
        _ => None,
    };
    let applied = match command {
        // Long-running processes wait for the database; one-off commands fail at once.
        Command::All | Command::Serve | Command::Worker => {
            wait_and_migrate(&db, listener.as_ref())?
        }
        _ => db.migrate().context("applying migrations")?,
    };
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    if let Command::Migrate = command {
        println!(
            "database is up to date ({} migrations applied now)",
            applied.len()
        );
        return Ok(());
    }
    let mut services = Services::with_stored_secret(db, cli.config.jwt_secret.clone())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    cli.config.configure(&mut services)?;
    tracing::info!(files = %services.files.describe(), "attachments stored");
    let with_worker = matches!(command, Command::All);
    match command {
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    email,
                    name,
                    role,
                    password,
                    support_line,
                    contact_id,
                },
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("{e}"))?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(|| helpdesk_service::auth::random_token(12));
            let input = NewUser {
                email,
                name,
                role,
                password: Some(password.clone()),
                support_line,
                language: None,
                contact_id,
            };
            let user = services.create_user(None, &input).map_err(describe)?;
            println!("created {} {} (id {})", user.role, user.email, user.id);
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        Command::DemoData => {
            let summary = demo::load(&services).map_err(describe)?;
            println!("{summary}");
            Ok(())
        }
        Command::All | Command::Serve => {
            let listener = listener.context("no listening socket")?;
            serve(cli.config, services, listener, with_worker)
        }
        Command::Worker => worker_only(&cli.config, services),
        Command::Migrate | Command::Openapi => Ok(()),
    }
}

/// Applies the migrations, waiting for the database with back-off (1 s, doubling to 30 s) while
/// it does not answer, instead of exiting: replicas and workers may start before it. Meanwhile
/// the port, if any, answers 503 with `Retry-After`.
fn wait_and_migrate(db: &Db, listener: Option<&TcpListener>) -> anyhow::Result<Vec<String>> {
    let mut waiting: Option<helpdesk_api::startup::Waiting> = None;
    let mut pause = std::time::Duration::from_secs(1);
    loop {
        match db.migrate() {
            Ok(applied) => {
                if let Some(w) = waiting.take() {
                    w.stop();
                    tracing::info!("the database answers; starting");
                }
                return Ok(applied);
            }
            Err(helpdesk_store::StoreError::Unreachable(why)) => {
                if waiting.is_none() {
                    if let Some(l) = listener {
                        waiting = helpdesk_api::startup::Waiting::start(l).ok();
                    }
                }
                tracing::warn!(error = %why, retry_in_seconds = pause.as_secs(), "waiting for the database");
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_secs(30));
            }
            Err(e) => return Err(e).context("applying migrations"),
        }
    }
}

fn describe(e: helpdesk_service::AppError) -> anyhow::Error {
    match e {
        helpdesk_service::AppError::Validation(fields) => anyhow::anyhow!(
            "invalid input: {}",
            fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.join("; ")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

/// An error of the start-up set-up, or the database's while taking its lock.
struct SetupError(anyhow::Error);

impl From<helpdesk_store::StoreError> for SetupError {
    fn from(e: helpdesk_store::StoreError) -> Self {
        SetupError(anyhow::anyhow!("taking the set-up lock: {e}"))
    }
}

/// On a database without users, creates an admin and prints its password once.
fn first_admin(services: &Services) -> anyhow::Result<()> {
    let users = services
        .db
        .read(helpdesk_store::users::count_users)
        .context("counting users")?;
    if users > 0 {
        return Ok(());
    }
    let password = helpdesk_service::auth::random_token(12);
    let input = NewUser {
        email: "admin@helpdesk.local".into(),
        name: "Administrator".into(),
        role: Role::Admin,
        password: Some(password.clone()),
        support_line: None,
        language: None,
        contact_id: None,
    };
    services.create_user(None, &input).map_err(describe)?;
    println!("\n  First run: created the administrator account\n    e-mail:   admin@helpdesk.local\n    password: {password}\n  Change it after signing in.\n");
    Ok(())
}

fn serve(
    config: Config,
    services: Services,
    listener: TcpListener,
    with_worker: bool,
) -> anyhow::Result<()> {
    // Replicas starting together: one makes the administrator, the others find it.
    services
        .db
        .with_setup_lock(|| first_admin(&services).map_err(SetupError))
        .map_err(|e| e.0)?;
    let addr = listener.local_addr()?;
    let app_config = config.app_config()?;
    if app_config.static_dir.is_none() {
        tracing::warn!("no built SPA found (run `just frontend`); serving the API only");
    }
    actix_web::rt::System::new().block_on(async move {
        // Built inside the runtime: the SMTP connection pool runs on it.
        let mailer = if with_worker {
            config.mailer(&services)?
        } else {
            None
        };
        let server = helpdesk_api::run(listener, services.clone(), app_config)?;
        println!("helpdesk listening on http://{addr}  (API docs: http://{addr}/api/docs/)");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = match with_worker {
            true => {
                let imap = config.imap_poller(&services)?;
                Some(tokio::spawn(helpdesk_worker::run(
                    services, mailer, imap, stopped,
                )))
            }
            false => None,
        };
        let result = server.await;
        let _ = stop.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        result.context("HTTP server")
    })
}

fn worker_only(config: &Config, services: Services) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let mailer = config.mailer(&services)?;
        let imap = config.imap_poller(&services)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(helpdesk_worker::run(services, mailer, imap, stopped));
        let why = stop_signal().await;
        tracing::info!(
            signal = why,
            "stopping: no new work is taken; what is held is finished or released"
        );
        let _ = stop.send(true);
        worker.await.ok();
        anyhow::Ok(())
    })
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM (what `docker stop` and systemd send).
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                tokio::signal::ctrl_c().await.ok();
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.ok();
        "SIGINT"
    }
}
