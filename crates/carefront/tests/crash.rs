//! The crash tests.
//!
//! **Bookings**: `kill -9` the server in the middle of a booking rush, start it again on the same data,
//! and check that every booking answered 201 before the kill is there and that nothing is booked twice.
//! Then the rush goes on to the end on the restarted server and every slot must end up filled exactly once.
//!
//! **The outbox**: a real worker (`carefront serve`) sends a few thousand due reminders to an SMTP server
//! and a GOV.UK Notify-shaped SMS server run by the test, is killed with SIGKILL mid-batch, and started
//! again; at the sinks no reminder is missing and none arrived twice (see `outbox_crash` for exactly what
//! is asserted for email), and the restarted worker's `/metrics` shows the outbox counters and gauges.
//!
//! Runs on SQLite, and on PostgreSQL (a scratch database at `TEST_DATABASE_URL`, created and dropped)
//! when it can be reached; like the other PostgreSQL tests it is skipped loudly when it cannot, unless
//! `CI=true`.

use app::messaging::notify_sink::NotifySink;
use app::messaging::smtp_sink::SmtpSink;
use app::testkit::{DueReminders, MAIL_FROM, load_due_reminders, tally};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};
use store::messaging::outbox as outbox_store;
use store::{Db, DbOptions, Ts};

const PRACTITIONERS: usize = 6;
const SLOTS_EACH: usize = 10; // 10-minute slots from 08:00: 60 in all
const PATIENTS: usize = 300;
const CLIENTS: usize = 32;
/// The server is killed once this many bookings have been answered 201.
const KILL_AFTER: usize = 20;

/// A running `carefront`, killed (SIGKILL) when dropped if still running.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn db_args(data: &Path, url: Option<&str>) -> Vec<String> {
    let mut args = vec!["--data".to_owned(), data.display().to_string()];
    if let Some(u) = url {
        args.extend(["--database-url".to_owned(), u.to_owned()]);
    }
    args
}

/// Start `carefront <cmd>` on a free port and wait (at most 90 s) until it says it is listening.
fn start(data: &Path, url: Option<&str>, cmd: &str, log: &str) -> Server {
    start_with(data, url, cmd, log, &[], &[])
}

/// [`start`] with more arguments after the command's own, and environment variables.
fn start_with(
    data: &Path,
    url: Option<&str>,
    cmd: &str,
    log: &str,
    extra: &[String],
    env: &[(&str, String)],
) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let stderr = std::fs::File::create(data.join(log)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carefront"))
        .args(db_args(data, url))
        .args(["--log-format", "pretty", cmd, "--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("CAREFRONT_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start carefront");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("listening") {
                let _ = tx.send(());
            }
        }
    });
    let server = Server { child, port };
    if rx.recv_timeout(Duration::from_secs(90)).is_err() {
        let logs = std::fs::read_to_string(data.join(log)).unwrap_or_default();
        panic!("carefront {cmd} did not start listening: {}", tail(&logs));
    }
    server
}

fn tail(s: &str) -> String {
    s.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
}

fn token(data: &Path, url: Option<&str>, user: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_carefront"))
        .args(db_args(data, url))
        .args(["--log-format", "pretty", "token", "create", "--user", user])
        .env_remove("CAREFRONT_DATABASE_URL")
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(t.starts_with("cf_"), "token for {user}: {}", String::from_utf8_lossy(&out.stderr));
    t
}

/// One HTTP/1.1 request on its own connection (`Connection: close`): status and body.
fn http(port: u16, method: &str, path: &str, token: &str, body: Option<&Value>) -> std::io::Result<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let bad = || std::io::Error::other(format!("incomplete answer: {:.200}", text));
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).ok_or_else(bad)?;
    let (_, body) = text.split_once("\r\n\r\n").ok_or_else(bad)?;
    // A complete answer is JSON (or empty); an answer cut off by the kill is not taken as given.
    let json = if body.is_empty() { Value::Null } else { serde_json::from_str(body).map_err(|_| bad())? };
    Ok((status, json))
}

fn created(port: u16, token: &str, path: &str, body: Value) -> String {
    let (status, v) = http(port, "POST", path, token, Some(&body)).unwrap();
    assert_eq!(status, 201, "POST {path}: {v}");
    v["id"].as_str().unwrap().to_owned()
}

struct Practice {
    manager: String,
    desk: String,
    service: String,
    date: String,
    patients: Vec<String>,
}

/// The demo's organisation, sites and staff, plus PRACTITIONERS clinicians with one session each tomorrow
/// (local date at the site), one 10-minute service, and PATIENTS new patients.
fn practice(server: &Server, data: &Path, url: Option<&str>) -> Practice {
    let manager = token(data, url, "manager");
    let desk = token(data, url, "reception");
    let port = server.port;
    let (_, sites) = http(port, "GET", "/api/v1/sites", &manager, None).unwrap();
    let site = sites[0]["id"].as_str().expect("a site").to_owned();
    let tomorrow = jiff::Zoned::now().in_tz("Europe/London").unwrap().date().tomorrow().unwrap();
    let weekday = format!("{:?}", tomorrow.weekday()).to_lowercase();
    let people: Vec<String> = (0..PRACTITIONERS)
        .map(|i| {
            let body = serde_json::json!({"display_name": format!("Dr Crash {i}"), "profession": "GP"});
            created(port, &manager, "/api/v1/practitioners", body)
        })
        .collect();
    let service = created(
        port,
        &manager,
        "/api/v1/services",
        serde_json::json!({"name": "Crash test appointment", "duration_minutes": 10, "mode": "face_to_face",
                           "max_days_ahead": 30, "practitioners": people}),
    );
    let ends = format!("{:02}:{:02}", 8 + SLOTS_EACH * 10 / 60, SLOTS_EACH * 10 % 60);
    for p in &people {
        created(
            port,
            &manager,
            "/api/v1/rota-sessions",
            serde_json::json!({"practitioner_id": p, "site_id": site, "weekday": weekday, "starts": "08:00",
                               "ends": ends, "valid_from": tomorrow.to_string(), "valid_until": tomorrow.to_string(),
                               "opens_on_bank_holidays": true, "services": [service]}),
        );
    }
    let next = AtomicUsize::new(0);
    let patients = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= PATIENTS {
                        break;
                    }
                    let body = serde_json::json!({"given_names": format!("Crash{i}"), "family_name": "Rushton",
                                                  "date_of_birth": format!("19{:02}-0{}-1{}", 30 + i % 60, 1 + i % 9, i % 10)});
                    let id = created(port, &desk, "/api/v1/patients?confirm_possible_duplicate=true", body);
                    patients.lock().unwrap().push(id);
                }
            });
        }
    });
    Practice { manager, desk, service, date: tomorrow.to_string(), patients: patients.into_inner().unwrap() }
}

/// The free slots of the service on the day: (practitioner, start).
fn free_slots(port: u16, p: &Practice) -> Vec<(String, String)> {
    let path = format!("/api/v1/slots?service={}&from={}&to={}&limit=500", p.service, p.date, p.date);
    let (status, v) = http(port, "GET", &path, &p.desk, None).unwrap();
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| (s["practitioner_id"].as_str().unwrap().to_owned(), s["start"].as_str().unwrap().to_owned()))
        .collect()
}

#[derive(Default)]
struct Outcome {
    /// Every booking answered 201: id.
    booked: Vec<String>,
    /// Patients whose attempt was cut off (no complete answer), to be tried again after the restart.
    cut_off: Vec<String>,
    others: Vec<String>,
    /// How many patients from the front of the list were taken (booked, refused, or cut off).
    taken: usize,
}

/// Each patient books a random slot from the list, then on each 409 a random alternative offered, until
/// booked or offered none. When `kill_after` bookings have been answered, the server is killed (SIGKILL)
/// while the other clients' requests are in flight.
fn rush(server: &mut Server, p: &Practice, patients: &[String], kill_after: Option<usize>) -> Outcome {
    let slots = free_slots(server.port, p);
    assert!(!slots.is_empty(), "free slots to book");
    let port = server.port;
    let next = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let outcome = Mutex::new(Outcome::default());
    let booked_count = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for c in 0..CLIENTS {
            let (slots, next, done, outcome, booked_count) = (&slots, &next, &done, &outcome, &booked_count);
            s.spawn(move || {
                let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (c as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                let mut below = |n: usize| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % n as u64) as usize
                };
                while !done.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(patient) = patients.get(i) else { break };
                    let (mut who, mut start) = slots[below(slots.len())].clone();
                    for _ in 0..30 {
                        let body = serde_json::json!({"patient_id": patient, "service_id": p.service,
                                                      "practitioner_id": who, "start": start});
                        match http(port, "POST", "/api/v1/appointments", &p.desk, Some(&body)) {
                            Ok((201, v)) => {
                                outcome.lock().unwrap().booked.push(v["id"].as_str().unwrap().to_owned());
                                booked_count.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            Ok((409, v)) => {
                                let alts = v["alternatives"].as_array().cloned().unwrap_or_default();
                                if alts.is_empty() {
                                    break;
                                }
                                let a = &alts[below(alts.len())];
                                who = a["practitioner_id"].as_str().unwrap().to_owned();
                                start = a["start"].as_str().unwrap().to_owned();
                            }
                            Ok((status, v)) => {
                                outcome.lock().unwrap().others.push(format!("{status} {v}"));
                                break;
                            }
                            Err(_) => {
                                // Killed under us: no answer, so no promise was made.
                                outcome.lock().unwrap().cut_off.push(patient.clone());
                                break;
                            }
                        }
                    }
                }
            });
        }
        if let Some(n) = kill_after {
            let deadline = Instant::now() + Duration::from_secs(60);
            while booked_count.load(Ordering::Relaxed) < n && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            // No new patients from now on; the requests in flight meet the kill.
            done.store(true, Ordering::Relaxed);
            server.child.kill().expect("SIGKILL the server");
            server.child.wait().unwrap();
        }
    });
    let mut outcome = outcome.into_inner().unwrap();
    outcome.taken = next.into_inner().min(patients.len());
    outcome
}

/// Active appointments of the service on the day, as stored: (id, practitioner, start, end).
fn stored(port: u16, p: &Practice) -> Vec<(String, String, String, String)> {
    let (status, v) = http(port, "GET", &format!("/api/v1/appointments?date={}", p.date), &p.manager, None).unwrap();
    assert_eq!(status, 200, "{v}");
    let field = |a: &Value, k: &str| a[k].as_str().unwrap().to_owned();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|a| a["service_id"] == p.service.as_str())
        .filter(|a| matches!(a["status"].as_str(), Some("booked" | "pending" | "arrived" | "fulfilled")))
        .map(|a| (field(a, "id"), field(a, "practitioner_id"), field(a, "start"), field(a, "end")))
        .collect()
}

/// No practitioner has two active appointments that overlap (which includes one slot booked twice).
fn assert_no_overlaps(rows: &[(String, String, String, String)]) {
    let mut by: HashMap<&str, Vec<(jiff::Timestamp, jiff::Timestamp, &str)>> = HashMap::new();
    for (id, who, start, end) in rows {
        by.entry(who).or_default().push((start.parse().unwrap(), end.parse().unwrap(), id));
    }
    for (who, mut list) in by {
        list.sort();
        for pair in list.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "practitioner {who}: {} and {} overlap", pair[0].2, pair[1].2);
        }
    }
}

fn crash_mid_rush(data: &Path, url: Option<&str>) {
    let t0 = Instant::now();
    let mut server = start(data, url, "demo", "demo.log");
    let p = practice(&server, data, url);
    assert_eq!(p.patients.len(), PATIENTS);

    let before = rush(&mut server, &p, &p.patients, Some(KILL_AFTER));
    assert!(before.others.is_empty(), "answers other than 201/409: {:?}", before.others);
    assert!(before.booked.len() >= KILL_AFTER, "{} bookings before the kill", before.booked.len());
    drop(server);

    let mut server = start(data, url, "serve", "serve.log");
    let rows = stored(server.port, &p);
    let ids: HashSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let lost: Vec<&String> = before.booked.iter().filter(|id| !ids.contains(id.as_str())).collect();
    assert!(
        lost.is_empty(),
        "{} of {} bookings answered 201 are gone after the crash: {lost:?}",
        lost.len(),
        before.booked.len()
    );
    assert!(rows.len() <= PRACTITIONERS * SLOTS_EACH);
    assert_no_overlaps(&rows);

    // The rush goes on after the restart: the patients not yet seen, and those cut off by the kill.
    let mut rest: Vec<String> = before.cut_off.clone();
    rest.extend(p.patients[before.taken..].iter().cloned());
    let after = rush(&mut server, &p, &rest, None);
    assert!(after.others.is_empty() && after.cut_off.is_empty(), "{:?} {:?}", after.others, after.cut_off);
    let rows = stored(server.port, &p);
    assert_no_overlaps(&rows);
    let ids: HashSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    for id in before.booked.iter().chain(&after.booked) {
        assert!(ids.contains(id.as_str()), "booking {id} answered 201 is not stored");
    }
    let slots: HashSet<(&str, &str)> = rows.iter().map(|r| (r.1.as_str(), r.2.as_str())).collect();
    assert_eq!(
        (rows.len(), slots.len()),
        (PRACTITIONERS * SLOTS_EACH, PRACTITIONERS * SLOTS_EACH),
        "every slot filled exactly once"
    );
    assert!(free_slots(server.port, &p).is_empty(), "no slot left free");
    eprintln!(
        "crash test: {} answered 201 before the kill, {} requests cut off by it ({} of them stored without an \
         answer), {} booked after the restart, {:.1} s",
        before.booked.len(),
        before.cut_off.len(),
        rows.len() - before.booked.len() - after.booked.len(),
        after.booked.len(),
        t0.elapsed().as_secs_f64()
    );
}

/// A scratch database on the test server, dropped afterwards (also when the test fails).
struct ScratchDb {
    admin: String,
    name: String,
    url: String,
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = admin_sql(&self.admin, &sql);
    }
}

fn admin_sql(admin: &str, sql: &str) -> Result<(), sqlx::Error> {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut c).await?;
        c.close().await
    })
}

/// A new database named `{prefix}_…` on the test PostgreSQL server, or `None` (the test is skipped
/// loudly) when it cannot be reached outside CI.
fn scratch_postgres(prefix: &str) -> Option<ScratchDb> {
    let admin = store::testing::postgres_url();
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    );
    if let Err(e) = admin_sql(&admin, &format!("CREATE DATABASE {name}")) {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "PostgreSQL is required when CI=true but {admin} cannot be reached: {e}");
        eprintln!("SKIPPED: PostgreSQL test, no server at {admin} ({e})");
        return None;
    }
    let base = admin.split('?').next().unwrap_or(&admin);
    let url = format!("{}/{name}", base.rsplit_once('/').map_or(base, |(b, _)| b));
    Some(ScratchDb { admin, name, url })
}

mod booking_rush_survives_sigkill {
    use super::*;

    #[test]
    fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        crash_mid_rush(dir.path(), None);
    }

    #[test]
    fn postgres() {
        let Some(db) = scratch_postgres("carefront_crash") else { return };
        let dir = tempfile::tempdir().unwrap();
        crash_mid_rush(dir.path(), Some(&db.url));
        drop(db);
    }
}

// ------------------------------------------------------------------------------------------- the outbox

/// Reminders due at once in the outbox crash test.
const OUTBOX_REMINDERS: usize = 3000;
/// The worker is killed once this many have reached the sinks.
const OUTBOX_KILL_AT: usize = 700;
/// The worker's `--outbox-concurrency`: at most this many jobs are between "sent" and "recorded" at the
/// kill.
const OUTBOX_CONCURRENCY: usize = 8;

/// `carefront serve` as the outbox worker: email to the test's SMTP server, texts through the Notify
/// driver to the test's Notify-shaped server, no quiet hours, a 3-second lease, small batches.
fn start_worker(data: &Path, url: Option<&str>, smtp: &SmtpSink, sms: &NotifySink, log: &str) -> Server {
    let args: Vec<String> = [
        "--smtp-url",
        &smtp.url(),
        "--mail-from",
        MAIL_FROM,
        "--sms-driver",
        "notify",
        "--sms-base-url",
        &sms.url(),
        "--notify-template-id",
        sms.template_id(),
        "--quiet-hours",
        "00:00-00:00",
        "--outbox-interval-seconds",
        "1",
        "--outbox-lease-seconds",
        "3",
        "--outbox-batch",
        "40",
        "--outbox-concurrency",
        &OUTBOX_CONCURRENCY.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    start_with(data, url, "serve", log, &args, &[("CAREFRONT_NOTIFY_API_KEY", sms.api_key())])
}

/// `GET path` as text.
fn get_text(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    assert!(head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
    body.to_owned()
}

/// The value of the metric line with this name and these labels (all of them, any order).
fn metric(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Poll `done` every 50 ms for at most `limit`; false when time ran out.
fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

fn outbox_crash(data: &Path, url: Option<&str>) {
    let t0 = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let db_url = url.map(str::to_owned).unwrap_or_else(|| format!("sqlite://{}", data.join("carefront.db").display()));
    let db = rt.block_on(async {
        let db = Db::connect(&db_url, &DbOptions { max_connections: 4, ..DbOptions::default() }).await.unwrap();
        db.migrate().await.unwrap();
        db
    });
    let spec = DueReminders { patients: OUTBOX_REMINDERS / 2, reminders: OUTBOX_REMINDERS, seed: 5 };
    let loaded = rt.block_on(load_due_reminders(&db, &spec, jiff::Timestamp::now())).unwrap();
    let (smtp, sms) =
        rt.block_on(async { (SmtpSink::start_counting().await.unwrap(), NotifySink::start_counting().await.unwrap()) });
    // A slow SMS provider: texts it has taken but not yet answered are cut off by the kill, and the
    // restarted worker must find them by their reference instead of sending them again.
    sms.set_delay(Duration::from_millis(150));
    let arrived = || smtp.count() + sms.count();
    let log_of = |name: &str| tail(&std::fs::read_to_string(data.join(name)).unwrap_or_default());
    let states = || {
        let (counts, _) = rt.block_on(outbox_store::depth(&db, Ts(jiff::Timestamp::now()))).unwrap();
        counts.into_iter().collect::<HashMap<String, i64>>()
    };

    // Killed mid-batch.
    let mut worker = start_worker(data, url, &smtp, &sms, "outbox-1.log");
    assert!(
        wait_until(Duration::from_secs(120), || arrived() >= OUTBOX_KILL_AT),
        "{} of {OUTBOX_REMINDERS} at the sinks after 120 s: {}",
        arrived(),
        log_of("outbox-1.log")
    );
    worker.child.kill().expect("SIGKILL the worker");
    worker.child.wait().unwrap();
    drop(worker);
    let at_kill = arrived();
    let sending = states().get("sending").copied().unwrap_or(0);
    assert!(sending > 0, "the kill came between batches: no job was being sent");
    assert!(at_kill < OUTBOX_REMINDERS, "the worker finished before it was killed");

    // Started again: everything goes, once.
    sms.set_delay(Duration::ZERO);
    let worker = start_worker(data, url, &smtp, &sms, "outbox-2.log");
    let finished = wait_until(Duration::from_secs(180), || {
        let s = states();
        s.get("sent").copied().unwrap_or(0) == OUTBOX_REMINDERS as i64 && s.len() == 1
    });
    assert!(finished, "outbox after 180 s: {:?}; {}", states(), log_of("outbox-2.log"));
    // Anything sent twice would have arrived by now; give stragglers a moment anyway.
    std::thread::sleep(Duration::from_millis(1500));
    let metrics = get_text(worker.port, "/metrics");
    drop(worker);

    let emails = smtp.message_ids();
    let texts = sms.references();
    let t = tally(&loaded.keys, MAIL_FROM, &emails, &texts);
    // Nothing lost: every reminder reached a sink.
    assert_eq!(t.lost, 0, "reminders that never arrived: {:?}", &t.lost_keys[..t.lost_keys.len().min(10)]);
    assert_eq!(t.unexpected, 0, "arrivals nobody asked for");
    // Texts: none twice. The Notify driver is asked for the reference of every text cut off while
    // `sending`, and a text Notify already has is recorded, not sent again: the window is closed.
    let distinct_texts: HashSet<&String> = texts.iter().collect();
    assert_eq!(distinct_texts.len(), texts.len(), "a text message was sent twice: {:?}", t.duplicated_keys);
    assert!(sms.lookups() > 0, "no text was cut off by the kill, so the look-up was not exercised");
    // Email: SMTP cannot be asked what it already took, so a mail the server accepted in the moments
    // before the kill, whose result was not yet committed, is sent again after the lease runs out: the
    // window the outbox documents. What is asserted: (1) every duplicate has the same Message-ID as the
    // first copy (counted by Message-ID here), so the patient's mail client shows it once; (2) there are
    // at most as many as jobs in flight at the kill (the worker's concurrency), each at most twice.
    let distinct_emails: HashSet<&String> = emails.iter().collect();
    let email_duplicates = emails.len() - distinct_emails.len();
    assert!(
        email_duplicates <= OUTBOX_CONCURRENCY && t.duplicates == email_duplicates,
        "{email_duplicates} emails sent twice (at most {OUTBOX_CONCURRENCY} were in flight): {:?}",
        t.duplicated_keys
    );
    // Recorded once each: every job sent, every message row sent.
    let rows: i64 = rt.block_on(async {
        store::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE status = 'sent'").fetch_one(p).await)
    })
    .unwrap();
    let all_rows: i64 = rt
        .block_on(async {
            store::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM messages").fetch_one(p).await)
        })
        .unwrap();
    assert_eq!((rows, all_rows), (OUTBOX_REMINDERS as i64, OUTBOX_REMINDERS as i64), "one sent message per reminder");

    // The restarted worker's metrics: counters by kind, channel and outcome; the queue, now empty.
    for channel in ["email", "sms"] {
        let sent = metric(
            &metrics,
            "outbox_messages_total",
            &["kind=\"reminder\"", &format!("channel=\"{channel}\""), "outcome=\"sent\""],
        );
        assert!(sent.is_some_and(|n| n >= 1.0), "no reminders counted as sent by {channel}:\n{metrics}");
    }
    assert!(
        metric(&metrics, "outbox_jobs_total", &["kind=\"reminder\"", "outcome=\"sent\""]).is_some_and(|n| n >= 1.0),
        "{metrics}"
    );
    assert_eq!(metric(&metrics, "outbox_jobs", &["state=\"sending\""]), Some(0.0), "{metrics}");
    assert_eq!(metric(&metrics, "outbox_jobs", &["state=\"queued\""]), Some(0.0), "{metrics}");
    assert_eq!(metric(&metrics, "outbox_due_jobs", &[]), Some(0.0), "{metrics}");
    assert_eq!(metric(&metrics, "outbox_oldest_due_seconds", &[]), Some(0.0), "{metrics}");
    assert!(!metrics.contains("@example.org") && !metrics.contains("+4477"), "no patient data in metrics");

    eprintln!(
        "outbox crash test: {at_kill} of {OUTBOX_REMINDERS} at the sinks when killed ({sending} jobs were being \
         sent), {} Notify look-ups after the restart, {email_duplicates} emails sent twice (same Message-ID), \
         {:.1} s",
        sms.lookups(),
        t0.elapsed().as_secs_f64()
    );
    rt.block_on(db.close());
}

mod outbox_survives_sigkill {
    use super::*;

    #[test]
    fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        outbox_crash(dir.path(), None);
    }

    #[test]
    fn postgres() {
        let Some(db) = scratch_postgres("carefront_outbox_crash") else { return };
        let dir = tempfile::tempdir().unwrap();
        outbox_crash(dir.path(), Some(&db.url));
        drop(db);
    }
}
