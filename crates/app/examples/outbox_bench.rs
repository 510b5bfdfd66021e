//! The messaging benchmark's driver (run by `bench/messages.sh`; see bench/README.md).
//!
//! 1. Loads a practice with `--reminders` reminders due now straight into the database (bulk inserts;
//!    not timed): `app::testkit::load_due_reminders`.
//! 2. Starts the sinks in this process: the in-process SMTP server (`SmtpSink`, counting Message-IDs)
//!    and a local HTTP server speaking GOV.UK Notify's SMS API (`NotifySink`, checking each JWT).
//! 3. Starts `--workers` real `carefront serve` processes on the same database, with email pointed at
//!    the SMTP sink and the Notify driver at the SMS sink, and times from just before the first is
//!    started until every reminder has been counted at a sink.
//! 4. Checks the outbox is empty, stops the workers (SIGTERM), and prints one `figure:` line per figure.
//!
//! ```text
//! outbox_bench --database-url URL --carefront PATH [--label sqlite] [--reminders 100000]
//!              [--patients 50000] [--workers 2] [--timeout-seconds 900] [--work DIR] [--seed 1]
//!              [--batch N] [--concurrency N] [--smtp-connections N] [--sms-concurrency N]
//! ```
//!
//! The last four are passed to the workers as `--outbox-batch`, `--outbox-concurrency`,
//! `--smtp-connections` and `--outbox-sms-concurrency` (unset: `serve`'s defaults).
//!
//! ```text
//! ```

use carefront_app::messaging::notify_sink::NotifySink;
use carefront_app::messaging::smtp_sink::SmtpSink;
use carefront_app::testkit::{DueReminders, MAIL_FROM, load_due_reminders, tally};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use store::{Db, DbOptions};
use tokio::process::{Child, Command};

struct Args {
    database_url: String,
    carefront: PathBuf,
    label: String,
    reminders: usize,
    patients: usize,
    workers: usize,
    /// Worker flags and their values.
    worker_flags: Vec<(String, String)>,
    timeout: Duration,
    work: PathBuf,
    seed: u64,
}

fn args() -> Result<Args, String> {
    let mut m: HashMap<String, String> = HashMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let key = k.strip_prefix("--").ok_or_else(|| format!("unexpected argument {k}"))?.to_owned();
        let v = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        m.insert(key, v);
    }
    let num = |k: &str, d: usize| -> Result<usize, String> {
        m.get(k).map(|v| v.parse().map_err(|_| format!("--{k} must be a number"))).unwrap_or(Ok(d))
    };
    let reminders = num("reminders", 100_000)?;
    let database_url = m.get("database-url").cloned().ok_or("--database-url is required")?;
    Ok(Args {
        label: m
            .get("label")
            .cloned()
            .unwrap_or_else(|| if database_url.starts_with("sqlite") { "sqlite".into() } else { "postgres".into() }),
        database_url,
        carefront: m.get("carefront").map(PathBuf::from).ok_or("--carefront is required")?,
        reminders,
        patients: num("patients", reminders.div_ceil(2))?,
        workers: num("workers", 2)?,
        worker_flags: [
            ("batch", "--outbox-batch"),
            ("concurrency", "--outbox-concurrency"),
            ("smtp-connections", "--smtp-connections"),
            ("sms-concurrency", "--outbox-sms-concurrency"),
        ]
        .iter()
        .filter_map(|(k, flag)| m.get(*k).map(|v| ((*flag).to_owned(), v.clone())))
        .collect(),
        timeout: Duration::from_secs(num("timeout-seconds", 900)? as u64),
        work: m.get("work").map(PathBuf::from).unwrap_or_else(std::env::temp_dir),
        seed: num("seed", 1)? as u64,
    })
}

/// user + system CPU of a process, in seconds (Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(") ")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

fn clock_ticks() -> f64 {
    100.0 // USER_HZ on Linux
}

/// user + system CPU of every process whose name is `name` (the PostgreSQL server on this machine), in
/// seconds; 0 when there is none.
fn cpu_of_processes(name: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0.0 };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name))
        .filter_map(cpu_seconds)
        .sum()
}

/// (busy, total) jiffies of the whole machine.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu: Vec<u64> = stat.lines().next()?.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let total: u64 = cpu.iter().sum();
    let idle = cpu.get(3).copied().unwrap_or(0) + cpu.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

fn figure(name: &str, value: impl std::fmt::Display, unit: &str, target: &str) {
    println!("figure: {name} = {value} {unit} (target {target})");
}

async fn start_worker(a: &Args, i: usize, smtp: &SmtpSink, sms: &NotifySink) -> std::io::Result<Child> {
    let dir = a.work.join(format!("worker-{i}"));
    std::fs::create_dir_all(&dir)?;
    let log = std::fs::File::create(a.work.join(format!("worker-{i}.log")))?;
    let mut cmd = Command::new(&a.carefront);
    cmd.args(["--data", &dir.display().to_string(), "--database-url", &a.database_url, "--log-format", "json"])
        .args(["serve", "--bind", "127.0.0.1:0", "--smtp-url", &smtp.url(), "--mail-from", MAIL_FROM])
        .args(["--sms-driver", "notify", "--sms-base-url", &sms.url(), "--notify-template-id", sms.template_id()])
        // A public address, so reminders carry their signed confirm and cancel links as in production.
        .args(["--public-url", "https://carefront.example"])
        .args(["--quiet-hours", "00:00-00:00", "--outbox-interval-seconds", "1"])
        .env("CAREFRONT_NOTIFY_API_KEY", sms.api_key())
        .env_remove("CAREFRONT_DATABASE_URL")
        .env_remove("CAREFRONT_SMTP_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true);
    for (flag, value) in &a.worker_flags {
        cmd.args([flag, value]);
    }
    cmd.spawn()
}

async fn stop(children: &mut [Child]) {
    for c in children.iter() {
        if let Some(pid) = c.id() {
            // Our own child, not yet reaped (so the id is still its own): a graceful stop first.
            let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        }
    }
    for c in children.iter_mut() {
        if tokio::time::timeout(Duration::from_secs(5), c.wait()).await.is_err() {
            let _ = c.kill().await;
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("outbox_bench: {e}");
            std::process::exit(2);
        }
    };
    let code = tokio::select! {
        code = run(&a) => code,
        _ = tokio::signal::ctrl_c() => { eprintln!("interrupted"); 130 }
        _ = terminated() => { eprintln!("terminated"); 143 }
    };
    // Children are killed on drop (kill_on_drop) when the run was cut short.
    std::process::exit(code);
}

async fn terminated() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

async fn run(a: &Args) -> i32 {
    let label = &a.label;
    println!("== {label}: loading {} reminders due now for {} patients ==", a.reminders, a.patients);
    let t = Instant::now();
    let db = match Db::connect(&a.database_url, &DbOptions { max_connections: 4, ..DbOptions::default() }).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("cannot open {}: {e}", a.database_url);
            return 1;
        }
    };
    if let Err(e) = db.migrate().await {
        eprintln!("migrate: {e}");
        return 1;
    }
    let now = jiff::Timestamp::now();
    let spec = DueReminders { patients: a.patients, reminders: a.reminders, seed: a.seed };
    let loaded = match load_due_reminders(&db, &spec, now).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("loading the practice failed: {e}");
            return 1;
        }
    };
    db.checkpoint().await.ok();
    println!(
        "   {} patients, {} practitioners, {} reminders ({} for email, {} for SMS) written in {:.1} s",
        loaded.patients,
        loaded.practitioners,
        loaded.keys.len(),
        loaded.by_email,
        loaded.keys.len() - loaded.by_email,
        t.elapsed().as_secs_f64()
    );

    let (Ok(smtp), Ok(sms)) = (SmtpSink::start_counting().await, NotifySink::start_counting().await) else {
        eprintln!("cannot start the sinks");
        return 1;
    };
    let expected = loaded.keys.len();
    let me = std::process::id();
    let (busy0, total0) = machine_ticks().unwrap_or((0, 0));
    let sinks_cpu0 = cpu_seconds(me).unwrap_or(0.0);
    let pg_cpu0 = cpu_of_processes("postgres");
    let t0 = Instant::now();
    let mut children = Vec::new();
    for i in 0..a.workers {
        match start_worker(a, i, &smtp, &sms).await {
            Ok(c) => children.push(c),
            Err(e) => {
                eprintln!("cannot start worker {i} ({}): {e}", a.carefront.display());
                return 1;
            }
        }
    }
    let pids: Vec<u32> = children.iter().filter_map(|c| c.id()).collect();
    let flags: Vec<String> = a.worker_flags.iter().map(|(f, v)| format!("{f} {v}")).collect();
    println!(
        "== {label}: {} worker processes (carefront serve {}, pids {pids:?}) sending to SMTP {} and Notify {} ==",
        a.workers,
        if flags.is_empty() { "with its default outbox settings".to_owned() } else { flags.join(" ") },
        smtp.url(),
        sms.url()
    );
    let deadline = t0 + a.timeout;
    let mut last_print = Instant::now();
    let mut worker_cpu = vec![0.0; pids.len()];
    let done_at = loop {
        let n = smtp.count() + sms.count();
        for (i, pid) in pids.iter().enumerate() {
            if let Some(c) = cpu_seconds(*pid) {
                worker_cpu[i] = c;
            }
        }
        if n >= expected {
            break Some(t0.elapsed());
        }
        if Instant::now() > deadline {
            break None;
        }
        for c in children.iter_mut() {
            if let Ok(Some(status)) = c.try_wait() {
                eprintln!("   a worker exited early: {status}");
            }
        }
        if last_print.elapsed() >= Duration::from_secs(5) {
            last_print = Instant::now();
            let s = t0.elapsed().as_secs_f64();
            println!("   {s:6.1} s: {n} at the sinks ({:.0}/s)", n as f64 / s);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (busy1, total1) = machine_ticks().unwrap_or((0, 0));
    let sinks_cpu = cpu_seconds(me).unwrap_or(0.0) - sinks_cpu0;
    // Back ends that ended during the run are not counted; the workers' stay connected throughout.
    let pg_cpu = if a.database_url.starts_with("postgres") { cpu_of_processes("postgres") - pg_cpu0 } else { 0.0 };
    // Late duplicates: give the workers two more seconds before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let states =
        store::messaging::outbox::depth(&db, store::Ts(jiff::Timestamp::now())).await.map(|d| d.0).unwrap_or_default();
    stop(&mut children).await;
    let t = tally(&loaded.keys, MAIL_FROM, &smtp.message_ids(), &sms.references());

    let Some(elapsed) = done_at else {
        println!(
            "   timed out after {} s with {} of {expected} at the sinks",
            a.timeout.as_secs(),
            smtp.count() + sms.count()
        );
        figure(&format!("messages_{label}_rate"), "timeout", "messages/s", ">= 2000");
        figure(&format!("messages_{label}_duplicates"), t.duplicates, "messages", "0");
        figure(&format!("messages_{label}_lost"), t.lost, "messages", "0");
        return 1;
    };
    let secs = elapsed.as_secs_f64();
    let rate = expected as f64 / secs;
    let cpu: f64 = worker_cpu.iter().sum();
    let machine = if total1 > total0 { 100.0 * (busy1 - busy0) as f64 / (total1 - total0) as f64 } else { 0.0 };
    println!(
        "   all {expected} counted at the sinks after {secs:.1} s: {} emails, {} texts ({} Notify look-ups, {} refused)",
        t.emails,
        t.texts,
        sms.lookups(),
        sms.refused()
    );
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64;
    let others = (machine / 100.0 * cores * secs - cpu - sinks_cpu - pg_cpu).max(0.0);
    let postgres = if pg_cpu > 0.0 {
        format!("PostgreSQL {pg_cpu:.1} s ({:.0} µs/message), ", pg_cpu * 1e6 / expected as f64)
    } else {
        String::new()
    };
    println!(
        "   CPU: workers {cpu:.1} s ({:.0} µs/message), {postgres}sinks and driver {sinks_cpu:.1} s, everything \
         else {others:.1} s; machine {machine:.0}% busy (of {cores} cores)",
        cpu * 1e6 / expected as f64,
    );
    println!("   outbox afterwards: {states:?}");
    let unsent: i64 = states.iter().filter(|(s, _)| s != "sent").map(|(_, n)| n).sum();
    if unsent > 0 {
        println!("   ! {unsent} jobs are not 'sent'");
    }
    figure(&format!("messages_{label}_rate"), format!("{rate:.0}"), "messages/s", ">= 2000");
    figure(&format!("messages_{label}_duplicates"), t.duplicates, "messages", "0");
    figure(&format!("messages_{label}_lost"), t.lost, "messages", "0");
    figure(&format!("messages_{label}_elapsed"), format!("{secs:.1}"), "s", "n/a");
    figure(&format!("messages_{label}_worker_cpu"), format!("{:.0}", cpu * 1e6 / expected as f64), "µs/message", "n/a");
    if a.database_url.starts_with("postgres") {
        figure(
            &format!("messages_{label}_postgres_cpu"),
            format!("{:.0}", pg_cpu * 1e6 / expected as f64),
            "µs/message",
            "n/a",
        );
    }
    figure(&format!("messages_{label}_machine_busy"), format!("{machine:.0}"), "%", "n/a");
    if t.unexpected > 0 {
        println!("   ! {} arrivals at the sinks were not asked for", t.unexpected);
    }
    i32::from(t.lost > 0 || t.duplicates > 0 || unsent > 0)
}
