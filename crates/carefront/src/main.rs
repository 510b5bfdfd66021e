//! The `carefront` binary: serve, demo, migrate, user and token management, audit verification, backup.
//! Every flag has a `CAREFRONT_*` environment twin; `carefront --help` documents them.

use anyhow::{Context, Result, bail};
use app::governance::audit::ChainCheck;
use app::governance::users::NewUser;
use app::{App, AppConfig, Ctx};
use clap::{Args, Parser, Subcommand, ValueEnum};
use domain::governance::Role;
use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use store::{Db, DbOptions};
use web::WebConfig;

mod mail_args;
mod sms_args;

#[derive(Parser, Debug)]
#[command(name = "carefront", version, about = "Carefront: the front office of a clinic or GP practice")]
struct Cli {
    /// Folder for the SQLite database and demo credentials.
    #[arg(long, global = true, env = "CAREFRONT_DATA", default_value = "./data")]
    data: PathBuf,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: the SQLite file in --data.
    #[arg(long, global = true, env = "CAREFRONT_DATABASE_URL")]
    database_url: Option<String>,
    /// Database connections kept open by this node. On SQLite each connection has its own thread, and
    /// reads are fast, so a few are enough (more only add thread switching on a small machine).
    #[arg(long, global = true, env = "CAREFRONT_DB_CONNECTIONS", default_value_t = 16)]
    db_connections: u32,
    /// Log format.
    #[arg(long, global = true, env = "CAREFRONT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Json)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Json,
    Pretty,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve Carefront over HTTP.
    Serve(ServeArgs),
    /// Serve a demo practice: seeds it first when the database is empty, and prints the logins.
    Demo(ServeArgs),
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import data from another system.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Copy the SQLite database to a file while it is in use (for PostgreSQL use pg_dump).
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CAREFRONT_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The address people use to reach Carefront (https:// makes cookies Secure).
    #[arg(long, env = "CAREFRONT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Roles that must use two-step sign-in (TOTP), comma separated, e.g. clinician,admin.
    #[arg(long, env = "CAREFRONT_REQUIRE_TOTP_FOR", value_delimiter = ',', value_parser = parse_role)]
    require_totp_for: Vec<Role>,
    /// Minutes without activity before a staff session ends.
    #[arg(long, env = "CAREFRONT_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=1440))]
    session_idle_minutes: u64,
    /// Hours after sign-in when a staff session ends, however active.
    #[arg(long, env = "CAREFRONT_SESSION_ABSOLUTE_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=168))]
    session_absolute_hours: u64,
    /// Sign-in attempts allowed from one address in a burst (then one more every 2 seconds).
    #[arg(long, env = "CAREFRONT_LOGIN_BURST", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10000))]
    login_burst: u32,
    /// A newer bank-holiday file in the shape of gov.uk's bank-holidays.json (every division present);
    /// without it, the file shipped with Carefront (2025–2028).
    #[arg(long, env = "CAREFRONT_BANK_HOLIDAYS")]
    bank_holidays: Option<PathBuf>,
    #[command(flatten)]
    sms: sms_args::SmsArgs,
    #[command(flatten)]
    mail: mail_args::MailArgs,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a staff user. The password is asked for, or read from standard input when piped.
    Add {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        username: String,
        /// The name shown on pages (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create an API token for a user; it is printed once.
    Create {
        #[arg(long)]
        user: String,
        /// Days until the token expires (no expiry when left out).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires: Option<u32>,
        /// What the token is for.
        #[arg(long, default_value = "Command-line token")]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import patients from a CSV file with a header row. Columns (any order): nhs_number, local_number,
    /// title, given_names*, family_name*, preferred_name, pronouns, date_of_birth*, gender, date_of_death,
    /// registration_status, address_line_1..3, town, postcode, country, mobile, phone, email,
    /// preferred_language, interpreter_language (* required). Rows whose NHS or local number is already
    /// on file are skipped, so the same file can be imported again safely.
    Patients {
        /// The CSV file.
        file: PathBuf,
        /// Where to write the rejected rows (row, field, reason). Default: FILE.rejected.csv.
        #[arg(long)]
        report: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 naming the first broken or missing event.
    Verify,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.trim().parse()
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAREFRONT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).init(),
        LogFormat::Pretty => builder.compact().init(),
    }
}

impl Cli {
    fn database_url(&self) -> Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data)
            .with_context(|| format!("cannot create the data folder {}", self.data.display()))?;
        Ok(format!("sqlite://{}", self.data.join("carefront.db").display()))
    }

    async fn open(&self) -> Result<Db> {
        self.open_with(&DbOptions { max_connections: self.db_connections, ..DbOptions::default() }).await
    }

    async fn open_with(&self, options: &DbOptions) -> Result<Db> {
        let url = self.database_url()?;
        let db = Db::connect(&url, options)
            .await
            .with_context(|| format!("cannot open the database at {}", redact(&url)))?;
        db.migrate().await?;
        Ok(db)
    }
}

/// A database URL with any password hidden, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn app_config(args: &ServeArgs) -> Result<AppConfig> {
    let mut config = AppConfig {
        session_idle: Duration::from_secs(args.session_idle_minutes * 60),
        session_absolute: Duration::from_secs(args.session_absolute_hours * 3600),
        totp_required_roles: args.require_totp_for.clone(),
        ..AppConfig::default()
    };
    if let Some(path) = &args.bank_holidays {
        let json = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the bank-holiday file {}", path.display()))?;
        let holidays = domain::scheduling::calendar::BankHolidays::from_json(&json)
            .with_context(|| format!("the bank-holiday file {} cannot be used", path.display()))?;
        config.bank_holidays = std::sync::Arc::new(holidays);
    }
    Ok(config)
}

async fn serve(cli: &Cli, args: &ServeArgs, demo: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let db = cli.open().await?;
    // The demo's messages carry working links to this server (confirm, cancel, answer an offer).
    let public_url = args.public_url.clone().or_else(|| demo.then(|| format!("http://{}", args.bind)));
    let mut config = app_config(args)?;
    config.messaging = args.mail.config(public_url.as_deref(), demo)?;
    let app = App::new(db.clone(), config);
    if demo {
        if app.is_empty().await? {
            let creds = app.seed_demo().await?;
            let path = cli.data.join("demo-credentials.json");
            std::fs::create_dir_all(&cli.data)?;
            write_private(&path, &serde_json::to_string_pretty(&creds)?)?;
            println!("Demo practice created. Staff sign-in at http://{}/staff/login", args.bind);
            println!();
            println!("  {:<20} {:<12} password", "role", "username");
            for s in &creds.staff {
                println!("  {:<20} {:<12} {}", s.role, s.username, s.password);
            }
            println!();
            println!("  API token (admin): {}", creds.api_token);
            println!("  These are also in {}", path.display());
        } else {
            println!(
                "Demo practice already set up. Logins are in {}",
                cli.data.join("demo-credentials.json").display()
            );
        }
    }
    let web_config =
        WebConfig { public_url: args.public_url.clone(), login_burst: args.login_burst, ..WebConfig::default() };
    spawn_offer_expiry(app.clone());
    spawn_running_late(app.clone());
    // Text messages: the driver's settings are checked now, so a mistake stops here with a clear message.
    let sms_config = args.sms.config(public_url.as_deref())?;
    tracing::info!(driver = sms_config.driver_name(), "SMS driver");
    app.set_sms_sender(app::messaging::sms::sms_sender(&sms_config));
    // After the SMS driver is set, so the first pass can already choose text messages; and after the
    // metrics recorder is installed, so its first messages are counted.
    web::metrics_handle();
    spawn_outbox(app.clone(), args.mail.interval());
    let router = web::router(app, web_config).layer(axum::Extension(args.sms.receipt_keys()));
    let listener =
        tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("cannot listen on {}", args.bind))?;
    spawn_housekeeping(db.clone());
    tracing::info!(bind = %args.bind, backend = db.backend().as_str(), ready_ms = started.elapsed().as_millis() as u64, "Carefront is ready");
    println!("Carefront is listening on http://{}", args.bind);
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("in-flight requests finished; closing the database");
    db.checkpoint().await.ok();
    db.close().await;
    Ok(())
}

/// Waiting-list offers nobody answered in time: close them and offer the slot to the next patient.
fn spawn_offer_expiry(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match app.expire_offers().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "waiting-list offers expired and passed on"),
                Err(e) => tracing::warn!(error = %e, "expiring waiting-list offers failed"),
            }
        }
    });
}

/// Running-late notices: a patient not yet called makes a practitioner's delay grow with no call to
/// notice it, so look every minute.
fn spawn_running_late(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match app.running_late_tick(jiff::Timestamp::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(notices = n, "running-late notices queued"),
                Err(e) => tracing::warn!(error = %e, "queueing running-late notices failed"),
            }
        }
    });
}

/// The outbox worker: every few seconds, send the messages that are due (and take back jobs whose worker
/// died). Several nodes may run it at once; each claims different jobs.
fn spawn_outbox(app: App, every: Duration) {
    let worker = format!("{}-{}", std::process::id(), &domain::new_id().simple().to_string()[20..]);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // A full batch means more may be waiting: go again at once.
            loop {
                match app.run_outbox_once(&worker, jiff::Timestamp::now()).await {
                    Ok(n) if n >= app.config().messaging.batch => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(code = e.code(), error = %e, "the outbox worker could not claim messages");
                        break;
                    }
                }
            }
        }
    });
}

/// Periodic upkeep: move the SQLite WAL into the database so it does not grow without bound, remove
/// expired sessions, and return freed memory to the kernel.
fn spawn_housekeeping(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = db.checkpoint().await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
            let now = store::Ts(domain::time::now());
            if let Err(e) = store::governance::sessions::delete_expired(&db, now).await {
                tracing::warn!(error = %e, "removing expired sessions failed");
            }
            // Give memory freed after a busy spell back to the kernel (glibc keeps it otherwise).
            #[cfg(all(target_os = "linux", target_env = "gnu"))]
            // SAFETY: malloc_trim only releases free heap pages.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn write_private(path: &std::path::Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            bail!("the passwords do not match");
        }
        Ok(first)
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s.lines().next().unwrap_or("").to_owned())
    }
}

fn describe(e: &app::AppError) -> String {
    match e {
        app::AppError::Invalid(inv) => {
            inv.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("\n")
        }
        other => other.to_string(),
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Serve(args) => serve(&cli, args, false).await?,
        Command::Demo(args) => serve(&cli, args, true).await?,
        Command::Migrate => {
            let db = cli.open().await?;
            println!("The database schema is up to date (version {}).", db.known_schema_version());
        }
        Command::User(UserCommand::Add { role, username, display_name }) => {
            let app = App::new(cli.open().await?, AppConfig::default());
            let password = read_password()?;
            let new = NewUser {
                username: username.clone(),
                display_name: display_name.clone().unwrap_or_else(|| username.clone()),
                role: role.as_str().into(),
                password,
            };
            match app.create_user(&Ctx::command_line(), new).await {
                Ok(u) => println!("Added {} ({}) with id {}", u.username, role.label(), u.id),
                Err(e) => {
                    eprintln!("Could not add the user:\n{}", describe(&e));
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Token(TokenCommand::Create { user, expires, name }) => {
            let app = App::new(cli.open().await?, AppConfig::default());
            match app.create_token(&Ctx::command_line(), user, name, *expires).await {
                Ok(t) => {
                    println!("{}", t.secret);
                    eprintln!(
                        "Token {} created{}. Store it safely: it is not shown again.",
                        t.id,
                        t.expires_at.map(|e| format!(", expires {e}")).unwrap_or_default()
                    );
                }
                Err(e) => {
                    eprintln!("Could not create the token:\n{}", describe(&e));
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = App::new(cli.open().await?, AppConfig::default());
            match app.verify_audit_chain().await? {
                ChainCheck::Intact { events } => println!("Audit log intact: {events} events, chain and head match."),
                ChainCheck::Broken(b) => {
                    eprintln!("AUDIT LOG BROKEN: {b}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Import(ImportCommand::Patients { file, report }) => {
            return import_patients(&cli, file, report.clone()).await;
        }
        Command::Backup { to } => {
            if to.exists() {
                bail!("{} already exists; choose a new file", to.display());
            }
            let db = cli.open().await?;
            match db.backend() {
                store::Backend::Sqlite => {
                    db.backup_sqlite_to(&to.display().to_string()).await?;
                    println!("Backed up to {}", to.display());
                }
                store::Backend::Postgres => {
                    eprintln!("Carefront on PostgreSQL is backed up with PostgreSQL's own tools, for example:");
                    eprintln!("  pg_dump --format=custom --file={} \"$CAREFRONT_DATABASE_URL\"", to.display());
                    return Ok(ExitCode::from(2));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Argon2 hashes take 19 MiB each. After the first is freed, glibc raises its mmap threshold and keeps
/// every later block in its heap, so a server that has signed a few people in idles at 100+ MB. A fixed
/// threshold hands such blocks straight back to the kernel (one mmap/munmap per hash, small next to the
/// hash itself); measured: 108 MB → 13 MB idle after seeding the demo.
fn return_large_allocations_to_the_kernel() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called once before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// SQLite page cache for the import connection. Into an empty registry (a bulk load) the indexes written
/// row by row are small (NHS and local numbers, name terms) and 64 MiB holds them at 1M rows; the indexes
/// built at the end are sorted in runs of this size.
const IMPORT_CACHE_MIB: u32 = 64;

async fn import_patients(cli: &Cli, file: &std::path::Path, report: Option<PathBuf>) -> Result<ExitCode> {
    use std::io::Write;
    let input = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let report_path = report.unwrap_or_else(|| file.with_extension("rejected.csv"));
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&report_path).with_context(|| format!("cannot write {}", report_path.display()))?,
    );
    writeln!(out, "row,field,reason")?;
    // Few connections (one writer) with a large page cache each: the index pages stay cached between batches.
    // Foreign keys hold by construction (each batch writes records and what belongs to them together), and
    // not enforcing them lets SQLite skip a statement journal per multi-row insert.
    let options = DbOptions {
        max_connections: 2,
        sqlite_cache_mib: IMPORT_CACHE_MIB,
        foreign_keys: false,
        ..DbOptions::default()
    };
    let app = App::new(cli.open_with(&options).await?, AppConfig::default());
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let counting = CountingReader { inner: std::io::BufReader::with_capacity(1 << 20, input), bar: bar.clone() };
    let result = app
        .import_patients(
            &Ctx::command_line(),
            counting,
            |r| {
                let reason = r.reason.replace('"', "\"\"");
                writeln!(out, "{},{},\"{}\"", r.row, r.field, reason)
            },
            |s| {
                let rate = s.rows as f64 / started.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!(
                    "{} rows, {} added, {} rejected, {:.0} rows/s",
                    s.rows, s.added, s.rejected, rate
                ));
            },
        )
        .await;
    bar.finish_and_clear();
    out.flush()?;
    match result {
        Ok(s) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "Imported {} of {} rows in {:.1} s ({:.0} rows/s): {} added, {} already on file, {} rejected.",
                s.added + s.already_present,
                s.rows,
                secs,
                s.rows as f64 / secs.max(0.001),
                s.added,
                s.already_present,
                s.rejected
            );
            if s.rejected > 0 {
                println!("Rejected rows are listed in {}", report_path.display());
            }
            if s.added > 0 {
                let t = std::time::Instant::now();
                app.db().refresh_statistics().await.context("cannot refresh the database statistics")?;
                println!("Refreshed the database statistics in {:.1} s.", t.elapsed().as_secs_f64());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("Could not import:\n{}", describe(&e));
            Ok(ExitCode::from(1))
        }
    }
}

/// Moves the progress bar as the file is read.
struct CountingReader<R> {
    inner: R,
    bar: indicatif::ProgressBar,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

fn main() -> ExitCode {
    return_large_allocations_to_the_kernel();
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("carefront: {e:#}");
            ExitCode::from(1)
        }
    }
}
