//! The crash test: `kill -9` the server in the middle of a booking rush, start it again on the same data,
//! and check that every booking answered 201 before the kill is there and that nothing is booked twice.
//! Then the rush goes on to the end on the restarted server and every slot must end up filled exactly once.
//!
//! Runs on SQLite, and on PostgreSQL (a scratch database at `TEST_DATABASE_URL`, created and dropped)
//! when it can be reached; like the other PostgreSQL tests it is skipped loudly when it cannot, unless
//! `CI=true`.

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

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
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let stderr = std::fs::File::create(data.join(log)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carefront"))
        .args(db_args(data, url))
        .args(["--log-format", "pretty", cmd, "--bind", &format!("127.0.0.1:{port}")])
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

mod booking_rush_survives_sigkill {
    use super::*;

    #[test]
    fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        crash_mid_rush(dir.path(), None);
    }

    /// A scratch database on the test server, dropped afterwards (also when the test fails).
    struct ScratchDb {
        admin: String,
        name: String,
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

    #[test]
    fn postgres() {
        let admin = store::testing::postgres_url();
        let name = format!(
            "carefront_crash_{}_{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
        );
        if let Err(e) = admin_sql(&admin, &format!("CREATE DATABASE {name}")) {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            assert!(!ci, "PostgreSQL is required when CI=true but {admin} cannot be reached: {e}");
            eprintln!("SKIPPED: PostgreSQL test, no server at {admin} ({e})");
            return;
        }
        let db = ScratchDb { admin: admin.clone(), name: name.clone() };
        let base = admin.split('?').next().unwrap_or(&admin);
        let url = format!("{}/{name}", base.rsplit_once('/').map_or(base, |(b, _)| b));
        let dir = tempfile::tempdir().unwrap();
        crash_mid_rush(dir.path(), Some(&url));
        drop(db);
    }
}
