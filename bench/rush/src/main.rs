//! Load generator for `bench/rush.sh`: the 8am rush against a running Carefront.
//!
//!   carefront-rush setup --base URL --token T --site ID --date D --weekday W [--practitioners 20]
//!                        [--slots 30] [--minutes 10] [--starts 08:00]
//!                        [--weekday monday,tuesday,...] [--valid-from D1 --valid-until D2] [--name N]
//!                        [--label L] [--max-days-ahead 30]
//!       Creates N practitioners, one face-to-face service they all deliver and one rota session each on D
//!       (valid from D to D, so that day only; or on each weekday listed from D1 to D2). Prints the
//!       service id.
//!
//!   carefront-rush rush --base URL --token T --service ID --date D --patients FILE [--clients 256]
//!                       [--seed 1] [--booked FILE] [--max-attempts 50]
//!       Fetches the free slots of the service on D once (one page per practitioner), then lets every
//!       patient in FILE (one id per line) try to book: a random slot from that list first, then on each 409
//!       a random one of the alternatives offered, until booked or offered none. CLIENTS tasks, each with
//!       its own keep-alive HTTP/1.1 connection, on one thread. Prints one `RUSH key=value ...` line and
//!       writes every 201 (id, practitioner, start) to the --booked file.
//!
//! No assertions: the script checks the database afterwards.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

type Error = Box<dyn std::error::Error>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first().cloned() else {
        eprintln!("usage: carefront-rush setup|rush --base URL --token T ... (see the source)");
        std::process::exit(2);
    };
    let opts = match options(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("carefront-rush: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let local = tokio::task::LocalSet::new();
    let result = local.block_on(&rt, async {
        match cmd.as_str() {
            "setup" => setup(&opts).await,
            "rush" => rush(&opts).await,
            other => Err(format!("unknown command {other}").into()),
        }
    });
    if let Err(e) = result {
        eprintln!("carefront-rush {cmd}: {e}");
        std::process::exit(1);
    }
}

struct Opts(HashMap<String, String>);

fn options(args: &[String]) -> Result<Opts, Error> {
    let mut m = HashMap::new();
    let mut it = args.iter();
    while let Some(k) = it.next() {
        let key = k.strip_prefix("--").ok_or_else(|| format!("expected --option, got {k}"))?;
        let v = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        m.insert(key.to_owned(), v.clone());
    }
    Ok(Opts(m))
}

impl Opts {
    fn get(&self, k: &str) -> Result<&str, Error> {
        self.0.get(k).map(String::as_str).ok_or_else(|| format!("--{k} is required").into())
    }
    fn or(&self, k: &str, default: &str) -> String {
        self.0.get(k).cloned().unwrap_or_else(|| default.to_owned())
    }
    fn num(&self, k: &str, default: u64) -> Result<u64, Error> {
        match self.0.get(k) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("--{k}: not a number: {v}").into()),
        }
    }
}

/// One keep-alive HTTP/1.1 connection to the server.
struct Conn {
    addr: String,
    host: String,
    token: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    fn new(base: &str, token: &str) -> Result<Self, Error> {
        let addr = base.strip_prefix("http://").ok_or("--base must be http://HOST:PORT")?.trim_end_matches('/');
        Ok(Self { addr: addr.to_owned(), host: addr.to_owned(), token: token.to_owned(), sender: None })
    }

    async fn connect(&mut self) -> Result<(), Error> {
        let stream = TcpStream::connect(&self.addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::task::spawn_local(async move {
            let _ = conn.await;
        });
        self.sender = Some(sender);
        Ok(())
    }

    /// One request; reconnects once when the connection was closed.
    async fn call(&mut self, method: Method, path: &str, body: Option<String>) -> Result<(StatusCode, Bytes), Error> {
        for attempt in 0..2 {
            if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
                self.connect().await?;
            }
            let sender = self.sender.as_mut().ok_or("no connection")?;
            sender.ready().await.ok();
            let mut req = Request::builder()
                .method(method.clone())
                .uri(path)
                .header("host", &self.host)
                .header("authorization", format!("Bearer {}", self.token));
            if body.is_some() {
                req = req.header("content-type", "application/json");
            }
            let req = req.body(Full::new(Bytes::from(body.clone().unwrap_or_default())))?;
            match sender.send_request(req).await {
                Ok(res) => {
                    let status = res.status();
                    let bytes = res.into_body().collect().await?.to_bytes();
                    return Ok((status, bytes));
                }
                Err(e) if attempt == 0 => {
                    self.sender = None;
                    eprintln!("carefront-rush: request failed ({e}); reconnecting");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err("unreachable".into())
    }

    async fn json(&mut self, method: Method, path: &str, body: Option<Value>) -> Result<(StatusCode, Value), Error> {
        let (status, bytes) = self.call(method, path, body.map(|b| b.to_string())).await?;
        let v = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        Ok((status, v))
    }
}

async fn created(conn: &mut Conn, path: &str, body: Value) -> Result<String, Error> {
    let (status, v) = conn.json(Method::POST, path, Some(body)).await?;
    if status != StatusCode::CREATED {
        return Err(format!("POST {path}: {status} {v}").into());
    }
    Ok(v["id"].as_str().ok_or("no id in the answer")?.to_owned())
}

async fn setup(o: &Opts) -> Result<(), Error> {
    let mut conn = Conn::new(o.get("base")?, o.get("token")?)?;
    let (site, date, weekday) = (o.get("site")?, o.get("date")?, o.get("weekday")?);
    let (from, until) = (o.or("valid-from", date), o.or("valid-until", date));
    let name = o.or("name", "Same-day GP appointment");
    let label = o.or("label", "Rush");
    let n = o.num("practitioners", 20)?;
    let slots = o.num("slots", 30)?;
    let minutes = o.num("minutes", 10)?;
    let starts = o.or("starts", "08:00");
    let (h, m) = starts.split_once(':').ok_or("--starts must be HH:MM")?;
    let end_min = h.parse::<u64>()? * 60 + m.parse::<u64>()? + slots * minutes;
    let ends = format!("{:02}:{:02}", end_min / 60, end_min % 60);
    let mut people = Vec::new();
    for i in 1..=n {
        let body = json!({"display_name": format!("Dr {label} {i:02}"), "profession": "GP"});
        people.push(created(&mut conn, "/api/v1/practitioners", body).await?);
    }
    let service = created(
        &mut conn,
        "/api/v1/services",
        json!({"name": name, "duration_minutes": minutes, "mode": "face_to_face",
               "max_days_ahead": o.num("max-days-ahead", 30)?, "practitioners": people}),
    )
    .await?;
    for p in &people {
        for day in weekday.split(',') {
            let body = json!({"practitioner_id": p, "site_id": site, "weekday": day, "starts": starts, "ends": ends,
                              "valid_from": from, "valid_until": until, "opens_on_bank_holidays": true,
                              "services": [service]});
            created(&mut conn, "/api/v1/rota-sessions", body).await?;
        }
    }
    println!("{service}");
    Ok(())
}

#[derive(Clone)]
struct Slot {
    practitioner: String,
    start: String,
}

/// xorshift64*: good enough to pick slots, no dependency.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

#[derive(Default)]
struct Tally {
    /// Latency of every POST, µs.
    latencies: Vec<u32>,
    created_latencies: Vec<u32>,
    booked: Vec<(String, String, String)>,
    conflicts: u64,
    conflicts_with_alternatives: u64,
    sold_out: u64,
    gave_up: u64,
    other: HashMap<u16, u64>,
    errors: u64,
    /// When the last 201 arrived.
    last_created: Option<Instant>,
}

async fn rush(o: &Opts) -> Result<(), Error> {
    let base = o.get("base")?.to_owned();
    let token = o.get("token")?.to_owned();
    let service = o.get("service")?.to_owned();
    let date = o.get("date")?.to_owned();
    let clients = o.num("clients", 256)? as usize;
    let seed = o.num("seed", 1)?;
    let max_attempts = o.num("max-attempts", 50)? as usize;
    let patients: Vec<String> = std::fs::read_to_string(o.get("patients")?)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();

    // The page every patient picks from: the free slots as they were when booking opened.
    let mut conn = Conn::new(&base, &token)?;
    let (status, services) = conn.json(Method::GET, "/api/v1/services", None).await?;
    if status != StatusCode::OK {
        return Err(format!("GET /api/v1/services: {status} {services}").into());
    }
    let practitioners: Vec<String> = services
        .as_array()
        .and_then(|a| a.iter().find(|s| s["id"] == service.as_str()))
        .and_then(|s| s["practitioners"].as_array())
        .ok_or("service not found")?
        .iter()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    let mut slots = Vec::new();
    for p in &practitioners {
        let path = format!("/api/v1/slots?service={service}&from={date}&to={date}&practitioner={p}&limit=500");
        let (status, list) = conn.json(Method::GET, &path, None).await?;
        if status != StatusCode::OK {
            return Err(format!("GET {path}: {status} {list}").into());
        }
        for s in list.as_array().into_iter().flatten() {
            if let (Some(pr), Some(st)) = (s["practitioner_id"].as_str(), s["start"].as_str()) {
                slots.push(Slot { practitioner: pr.to_owned(), start: st.to_owned() });
            }
        }
    }
    drop(conn);
    eprintln!(
        "carefront-rush: {} free slots across {} practitioners, {} patients, {clients} clients",
        slots.len(),
        practitioners.len(),
        patients.len()
    );
    if slots.is_empty() {
        return Err("no free slots to book".into());
    }

    let slots = Rc::new(slots);
    let patients = Rc::new(patients);
    let next = Rc::new(AtomicUsize::new(0));
    let service = Rc::new(service);
    // Every client is connected before the clock starts, like patients sitting on the booking page when
    // it opens: the figures are the server's answers, not 256 TCP handshakes at once.
    let mut conns = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut conn = Conn::new(&base, &token)?;
        conn.connect().await?;
        conns.push(conn);
    }
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for (c, mut conn) in conns.into_iter().enumerate() {
        let (slots, patients, next, service) = (slots.clone(), patients.clone(), next.clone(), service.clone());
        let mut rng =
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (c as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
        tasks.push(tokio::task::spawn_local(async move {
            let mut t = Tally::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(patient) = patients.get(i) else { break };
                let mut pick = slots[rng.below(slots.len())].clone();
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let body = format!(
                        r#"{{"patient_id":"{patient}","service_id":"{service}","practitioner_id":"{}","start":"{}","channel":"online"}}"#,
                        pick.practitioner, pick.start
                    );
                    let sent = Instant::now();
                    let answer = conn.call(Method::POST, "/api/v1/appointments", Some(body)).await;
                    let us = sent.elapsed().as_micros().min(u32::MAX as u128) as u32;
                    let (status, bytes) = match answer {
                        Ok(a) => a,
                        Err(e) => {
                            t.errors += 1;
                            if t.errors <= 3 {
                                eprintln!("carefront-rush: POST failed: {e}");
                            }
                            break;
                        }
                    };
                    t.latencies.push(us);
                    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    match status {
                        StatusCode::CREATED => {
                            t.created_latencies.push(us);
                            t.last_created = Some(Instant::now());
                            let field = |k: &str| v[k].as_str().unwrap_or("").to_owned();
                            t.booked.push((field("id"), field("practitioner_id"), field("start")));
                            break;
                        }
                        StatusCode::CONFLICT => {
                            t.conflicts += 1;
                            let alts: Vec<Slot> = v["alternatives"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|a| {
                                    Some(Slot {
                                        practitioner: a["practitioner_id"].as_str()?.to_owned(),
                                        start: a["start"].as_str()?.to_owned(),
                                    })
                                })
                                .collect();
                            if alts.is_empty() {
                                t.sold_out += 1;
                                break;
                            }
                            t.conflicts_with_alternatives += 1;
                            if attempts >= max_attempts {
                                t.gave_up += 1;
                                break;
                            }
                            pick = alts[rng.below(alts.len())].clone();
                        }
                        other => {
                            let n = t.other.entry(other.as_u16()).or_default();
                            *n += 1;
                            if *n <= 2 {
                                eprintln!(
                                    "carefront-rush: POST answered {other}: {}",
                                    String::from_utf8_lossy(&bytes).chars().take(300).collect::<String>()
                                );
                            }
                            break;
                        }
                    }
                }
            }
            t
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await?;
        all.latencies.extend(t.latencies);
        all.created_latencies.extend(t.created_latencies);
        all.booked.extend(t.booked);
        all.conflicts += t.conflicts;
        all.conflicts_with_alternatives += t.conflicts_with_alternatives;
        all.sold_out += t.sold_out;
        all.gave_up += t.gave_up;
        all.errors += t.errors;
        for (k, n) in t.other {
            *all.other.entry(k).or_default() += n;
        }
        all.last_created = all.last_created.max(t.last_created);
    }
    let total = t0.elapsed();
    let rush = all.last_created.map(|l| l - t0).unwrap_or(total).max(Duration::from_micros(1));
    if let Some(path) = o.0.get("booked") {
        let mut out = String::new();
        for (id, p, s) in &all.booked {
            out.push_str(&format!("{id}\t{p}\t{s}\n"));
        }
        std::fs::write(path, out)?;
    }
    let pct = |v: &mut Vec<u32>, q: f64| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        v.sort_unstable();
        let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
        v[i] as f64 / 1000.0
    };
    let booked = all.booked.len();
    let other: u64 = all.other.values().sum();
    println!(
        "RUSH slots={} patients={} clients={clients} bookings={booked} rush_s={:.3} bookings_per_s={:.1} total_s={:.3} \
         posts={} posts_per_s={:.1} p50_ms={:.2} p90_ms={:.2} p99_ms={:.2} max_ms={:.2} created_p50_ms={:.2} created_p99_ms={:.2} \
         conflicts={} conflicts_with_alternatives={} sold_out={} gave_up={} other_status={other} errors={}",
        slots.len(),
        patients.len(),
        rush.as_secs_f64(),
        booked as f64 / rush.as_secs_f64(),
        total.as_secs_f64(),
        all.latencies.len(),
        all.latencies.len() as f64 / total.as_secs_f64(),
        pct(&mut all.latencies, 0.50),
        pct(&mut all.latencies, 0.90),
        pct(&mut all.latencies, 0.99),
        pct(&mut all.latencies, 1.0),
        pct(&mut all.created_latencies, 0.50),
        pct(&mut all.created_latencies, 0.99),
        all.conflicts,
        all.conflicts_with_alternatives,
        all.sold_out,
        all.gave_up,
        all.errors,
    );
    Ok(())
}
