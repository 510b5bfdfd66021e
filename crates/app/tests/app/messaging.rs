//! The outbox worker on both backends, sending email to a real SMTP server in-process (lettre over TCP)
//! and text messages to a fake provider: multipart mail with `.ics`, Urdu right to left, channel choice,
//! never to the deceased or an opted-out channel, quiet hours, the daily limit, backoff and dead letters,
//! leases taken back, and two workers never sending one job twice.

use super::support::{self, *};
use app::messaging::MessagingConfig;
use app::messaging::email::EmailConfig;
use app::messaging::sms::{OutgoingSms, SmsAccepted, SmsError, SmsFuture, SmsLookup, SmsLookupFuture, SmsSender};
use app::messaging::smtp_sink::{SinkMode, SmtpSink};
use app::patients::parts::{ContactPreferenceInput, RelatedPersonInput};
use app::{App, AppConfig};
use carefront_app as app;
use domain::governance::Role;
use domain::patients::record::{PatientInput, PhoneInput};
use domain::scheduling::appointment::{AppointmentEvent, CancelledBy};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use mail_parser::{MessageParser, MimeHeaders};
use secrecy::SecretString;
use std::sync::{Arc, Mutex};
use store::messaging::outbox as outbox_store;
use store::scheduling::OutboxRow;
use store::{Db, Ts, both_backends};
use uuid::Uuid;

// ------------------------------------------------------------------------------------------ fakes

#[derive(Clone, Copy, PartialEq, Eq)]
enum SmsMode {
    Accept,
    Temporary,
    Permanent,
}

/// A provider that keeps what it is given.
struct FakeSms {
    sent: Mutex<Vec<OutgoingSms>>,
    mode: Mutex<SmsMode>,
}

impl FakeSms {
    fn new() -> Arc<FakeSms> {
        Arc::new(FakeSms { sent: Mutex::new(Vec::new()), mode: Mutex::new(SmsMode::Accept) })
    }
    fn sent(&self) -> Vec<OutgoingSms> {
        self.sent.lock().unwrap().clone()
    }
    fn set(&self, m: SmsMode) {
        *self.mode.lock().unwrap() = m;
    }
}

impl SmsLookup for FakeSms {
    fn find_by_reference<'a>(&'a self, reference: &'a str) -> SmsLookupFuture<'a> {
        Box::pin(async move {
            let sent = self.sent.lock().unwrap();
            Ok(sent
                .iter()
                .position(|m| m.reference == reference)
                .map(|i| SmsAccepted { provider_id: format!("fake-{}", i + 1) }))
        })
    }
}

impl SmsSender for FakeSms {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn lookup(&self) -> Option<&dyn SmsLookup> {
        Some(self)
    }
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> SmsFuture<'a> {
        Box::pin(async move {
            match *self.mode.lock().unwrap() {
                SmsMode::Accept => {
                    let mut sent = self.sent.lock().unwrap();
                    sent.push(sms.clone());
                    Ok(SmsAccepted { provider_id: format!("fake-{}", sent.len()) })
                }
                SmsMode::Temporary => Err(SmsError::Temporary("503".into())),
                SmsMode::Permanent => Err(SmsError::Permanent("400 not a mobile".into())),
            }
        })
    }
}

// -------------------------------------------------------------------------------------- practice

/// The practice with a real SMTP server and a fake SMS provider.
struct Practice {
    practice: support::Practice,
    sink: SmtpSink,
    sms: Arc<FakeSms>,
}

impl std::ops::Deref for Practice {
    type Target = support::Practice;
    fn deref(&self) -> &support::Practice {
        &self.practice
    }
}

fn config(sink: &SmtpSink) -> AppConfig {
    AppConfig {
        messaging: MessagingConfig {
            email: EmailConfig {
                smtp_url: Some(SecretString::from(sink.url())),
                from: "Riverside Surgery <reception@riverside.example>".into(),
                timeout: std::time::Duration::from_secs(10),
                ..EmailConfig::default()
            },
            public_url: Some("https://carefront.example".into()),
            batch: 10,
            concurrency: 4,
            ..MessagingConfig::default()
        },
        ..AppConfig::default()
    }
}

/// The practice on the daily rota, sending email to a real SMTP server and texts to a fake provider.
async fn practice(db: Db) -> Practice {
    let sink = SmtpSink::start().await.unwrap();
    let sms = FakeSms::new();
    let app = App::new(db, config(&sink)).with_sms(sms.clone());
    Practice { practice: practice_with(app, Rota::Daily).await, sink, sms }
}

#[derive(Default)]
struct Who {
    mobile: bool,
    landline: bool,
    email: bool,
    address: bool,
    language: Option<&'static str>,
    deceased: bool,
}

async fn patient(p: &Practice, given: &str, who: Who) -> Uuid {
    let mut phones = Vec::new();
    if who.mobile {
        phones.push(PhoneInput { number: format!("07700 9{:05}", rand_digits(given)), kind: None });
    }
    if who.landline {
        phones.push(PhoneInput { number: "0117 496 0000".into(), kind: None });
    }
    let input = PatientInput {
        email: who.email.then(|| format!("{}@example.org", given.to_lowercase())),
        phones,
        address_lines: if who.address { vec!["2 Mill Lane".into()] } else { Vec::new() },
        town: who.address.then(|| "Bristol".into()),
        postcode: who.address.then(|| "BS1 5AA".into()),
        preferred_language: who.language.map(Into::into),
        date_of_death: who.deceased.then(|| "2026-01-02".into()),
        ..person(given)
    };
    register(p, &input).await
}

fn rand_digits(s: &str) -> u32 {
    s.bytes().fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b))) % 100_000
}

fn in_days(n: i64) -> Date {
    jiff::Zoned::now().date().checked_add(jiff::Span::new().days(n)).unwrap()
}

async fn book(p: &Practice, patient: Uuid, start: Timestamp) -> store::scheduling::AppointmentRow {
    p.app.book(&p.desk, &request(p, patient, start)).await.unwrap()
}

/// A job not about an appointment (a referral received), due at `due`.
async fn referral_job(p: &Practice, patient: Uuid, key: &str, due: Timestamp) -> Uuid {
    let job = OutboxRow {
        id: domain::new_id(),
        kind: "referral-received".into(),
        dedupe_key: key.into(),
        patient_id: Some(patient),
        appointment_id: None,
        payload: "{}".into(),
        due_at: Ts(due),
        state: "queued".into(),
        attempts: 0,
        created_at: Ts(due),
    };
    let mut tx = p.app.db().begin().await.unwrap();
    store::scheduling::enqueue(&mut tx, &job).await.unwrap();
    tx.commit().await.unwrap();
    job.id
}

async fn job(p: &Practice, id: Uuid) -> outbox_store::JobRow {
    outbox_store::job(p.app.db(), id).await.unwrap().unwrap()
}

async fn job_by_key(p: &Practice, key: &str) -> outbox_store::JobRow {
    outbox_store::job_by_key(p.app.db(), key).await.unwrap().unwrap_or_else(|| panic!("no job {key}"))
}

/// Run the worker until it claims nothing.
async fn drain(p: &Practice, worker: &str, now: Timestamp) -> usize {
    let mut total = 0;
    loop {
        let n = p.app.run_outbox_once(worker, now).await.unwrap();
        if n == 0 {
            return total;
        }
        total += n;
    }
}

/// A daytime instant (11:00 London tomorrow), so quiet hours never get in the way.
fn midday() -> Timestamp {
    local(in_days(1), 11, 0)
}

// ----------------------------------------------------------------------------------------- tests

both_backends! {
    async fn a_confirmation_is_multipart_email_with_an_invitation_and_a_cancellation_cancels_it(db: Db) {
        let p = practice(db).await;
        let ann = patient(&p, "Ann", Who { email: true, ..Who::default() }).await;
        // Far enough ahead that none of its reminders (queued with the booking) is due yet.
        let start = local(in_days(9), 9, 10);
        let a = book(&p, ann, start).await;
        assert_eq!(drain(&p, "w1", midday()).await, 1);
        let j = job_by_key(&p, &format!("confirmation:{}", a.id)).await;
        assert_eq!((j.state.as_str(), j.channel.as_deref(), j.attempts), ("sent", Some("email"), 1));

        let mails = p.sink.received();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, ["ann@example.org"]);
        let m = MessageParser::default().parse(&mails[0].data).unwrap();
        assert_eq!(m.content_type().unwrap().subtype(), Some("mixed"));
        assert_eq!(m.message_id(), Some(format!("confirmation.{}@riverside.example", a.id).as_str()));
        assert_eq!(m.subject(), Some("Your appointment is booked"));
        assert!(m.from().unwrap().first().unwrap().address().unwrap() == "reception@riverside.example");
        let text = m.body_text(0).unwrap();
        assert!(text.contains("Ann") && text.contains("9:10"), "{text}");
        let html = m.body_html(0).unwrap();
        assert!(html.contains("lang=\"en") && html.contains("dir=\"ltr\""), "{html}");
        let ics_part = m.attachments().find(|a| a.is_content_type("text", "calendar")).expect("an .ics part");
        assert_eq!(ics_part.content_type().unwrap().attribute("method"), Some("REQUEST"));
        let ics = ics_part.text_contents().unwrap().replace("\r\n ", "");
        assert!(ics.contains("METHOD:REQUEST"), "{ics}");
        assert!(ics.contains(&format!("UID:{}@carefront", a.id)), "{ics}");
        assert!(ics.contains(&format!("DTSTART:{}", start.strftime("%Y%m%dT%H%M%SZ"))), "{ics}");
        assert!(ics.contains("SEQUENCE:0"), "{ics}");

        // The patient's history holds it.
        let history = p.app.patient_messages(&p.desk, ann).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!((history[0].channel.as_str(), history[0].status.as_str()), ("email", "sent"));

        let cancel = AppointmentEvent::Cancel { by: CancelledBy::Practice, reason: None };
        p.app.appointment_event(&p.desk, a.id, None, cancel).await.unwrap();
        assert_eq!(drain(&p, "w1", midday()).await, 1);
        let mails = p.sink.received();
        assert_eq!(mails.len(), 2);
        let m = MessageParser::default().parse(&mails[1].data).unwrap();
        let ics_part = m.attachments().find(|a| a.is_content_type("text", "calendar")).expect("an .ics part");
        assert_eq!(ics_part.content_type().unwrap().attribute("method"), Some("CANCEL"));
        let ics = ics_part.text_contents().unwrap().replace("\r\n ", "");
        assert!(ics.contains("METHOD:CANCEL") && ics.contains(&format!("UID:{}@carefront", a.id)), "{ics}");
        assert!(ics.contains("SEQUENCE:1") && ics.contains("STATUS:CANCELLED"), "{ics}");
    }

    async fn urdu_is_right_to_left_and_an_unknown_language_falls_back_to_english(db: Db) {
        let p = practice(db).await;
        let ur = patient(&p, "Imran", Who { email: true, language: Some("ur"), ..Who::default() }).await;
        let fr = patient(&p, "Amelie", Who { email: true, language: Some("fr"), ..Who::default() }).await;
        referral_job(&p, ur, "referral-received:ur", Timestamp::now()).await;
        let fr_job = referral_job(&p, fr, "referral-received:fr", Timestamp::now()).await;
        drain(&p, "w1", midday()).await;
        let mails = p.sink.received();
        assert_eq!(mails.len(), 2);
        let urdu = mails.iter().find(|m| m.to[0].starts_with("imran")).unwrap();
        let m = MessageParser::default().parse(&urdu.data).unwrap();
        let html = m.body_html(0).unwrap();
        assert!(html.contains("dir=\"rtl\"") && html.contains("lang=\"ur\""), "{html}");
        assert_eq!(m.header_raw("Content-Language").map(str::trim), Some("ur"));
        let j = job(&p, fr_job).await;
        assert_eq!(j.language.as_deref(), Some("en"));
        assert!(j.last_error.unwrap().contains("'fr'"), "the fallback is noted");
        let history = p.app.patient_messages(&p.desk, fr).await.unwrap();
        assert!(history[0].fell_back_to_english);
    }

    async fn never_to_the_deceased_an_opted_out_channel_or_a_landline(db: Db) {
        let p = practice(db).await;
        let gone = patient(&p, "Gone", Who { email: true, mobile: true, deceased: true, ..Who::default() }).await;
        let j = referral_job(&p, gone, "referral-received:gone", Timestamp::now()).await;
        // Opted out of SMS: email instead, although a mobile is on file.
        let bea = patient(&p, "Bea", Who { email: true, mobile: true, ..Who::default() }).await;
        let prefs = [
            ContactPreferenceInput { channel: "sms".into(), opted_in: false, source: "patient, at the desk".into() },
            ContactPreferenceInput { channel: "email".into(), opted_in: true, source: "patient, at the desk".into() },
        ];
        p.app.set_contact_preferences(&p.desk, bea, &prefs).await.unwrap();
        let jb = referral_job(&p, bea, "referral-received:bea", Timestamp::now()).await;
        // Only a landline and an address: a letter to print, never a text.
        let cy = patient(&p, "Cy", Who { landline: true, address: true, ..Who::default() }).await;
        let jc = referral_job(&p, cy, "referral-received:cy", Timestamp::now()).await;
        // Nothing usable: a task for staff.
        let dan = patient(&p, "Dan", Who { landline: true, ..Who::default() }).await;
        let jd = referral_job(&p, dan, "referral-received:dan", Timestamp::now()).await;
        drain(&p, "w1", midday()).await;

        assert_eq!(job(&p, j).await.state, "cancelled");
        assert!(p.app.patient_messages(&p.desk, gone).await.unwrap().is_empty());
        assert_eq!(job(&p, jb).await.channel.as_deref(), Some("email"));
        assert!(p.sms.sent().is_empty(), "no text message at all");
        assert_eq!(p.sink.received().len(), 1);
        let c = job(&p, jc).await;
        assert_eq!((c.state.as_str(), c.channel.as_deref()), ("to_print", Some("letter")));
        let letters = outbox_store::letters_to_print(p.app.db()).await.unwrap();
        assert_eq!(letters.len(), 1);
        assert!(letters[0].body_html.as_deref().unwrap().contains("<html"));
        assert!(letters[0].address.contains("BS1 5AA"));
        let mut tx = p.app.db().begin().await.unwrap();
        assert_eq!(outbox_store::mark_printed(&mut tx, &[letters[0].id], "batch-1", Ts(Timestamp::now())).await.unwrap(), 1);
        tx.commit().await.unwrap();
        assert_eq!(job(&p, jc).await.state, "sent");
        assert!(outbox_store::letters_to_print(p.app.db()).await.unwrap().is_empty());
        let d = job(&p, jd).await;
        assert_eq!(d.state, "needs_staff");
        assert!(d.last_error.unwrap().contains("No way to reach"));
        let staff = p.app.outbox_jobs(&p.desk, Some("needs_staff"), 50).await.unwrap();
        assert_eq!(staff.iter().map(|e| e.id).collect::<Vec<_>>(), [jd]);
    }

    async fn text_messages_wait_for_the_morning_and_carers_get_a_copy(db: Db) {
        let p = practice(db).await;
        let eve = patient(&p, "Eve", Who { mobile: true, ..Who::default() }).await;
        let carer = RelatedPersonInput {
            name: "Sam Carer".into(),
            relationship: "carer".into(),
            email: Some("sam@example.org".into()),
            may_receive_messages: true,
            consent_source: Some("patient, in writing".into()),
            ..Default::default()
        };
        p.app.add_related_person(&p.desk, eve, &carer).await.unwrap();
        let day = in_days(1);
        let j = referral_job(&p, eve, "referral-received:eve", Timestamp::now()).await;
        let evening = local(day, 21, 30).max(Timestamp::now());
        assert_eq!(p.app.run_outbox_once("w1", evening).await.unwrap(), 1);
        let deferred = job(&p, j).await;
        assert_eq!((deferred.state.as_str(), deferred.attempts), ("queued", 0), "a deferral is not an attempt");
        assert_eq!(deferred.due_at.0, local(in_days(2), 8, 0), "08:00 the next morning, site time");
        assert!(p.sms.sent().is_empty() && p.sink.received().is_empty());
        assert_eq!(p.app.run_outbox_once("w1", local(in_days(2), 7, 59)).await.unwrap(), 0);
        assert_eq!(p.app.run_outbox_once("w1", local(in_days(2), 8, 0)).await.unwrap(), 1);
        let sent = p.sms.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].reference, "referral-received:eve");
        assert!(sent[0].to.starts_with("+447700"));
        assert_eq!(job(&p, j).await.provider_id.as_deref(), Some("fake-1"));
        let mails = p.sink.received();
        assert_eq!(mails.len(), 1, "the carer's copy by email");
        assert_eq!(mails[0].to, ["sam@example.org"]);
        let history = p.app.patient_messages(&p.desk, eve).await.unwrap();
        assert_eq!(history.len(), 2);
        assert!(history.iter().any(|m| m.recipient.starts_with("related:") && m.recipient_name == "Sam Carer"));
    }

    async fn non_urgent_messages_are_limited_per_day(db: Db) {
        let p = practice(db).await;
        let fay = patient(&p, "Fay", Who { email: true, ..Who::default() }).await;
        let now = midday();
        let mut jobs = Vec::new();
        for i in 0..4 {
            jobs.push(referral_job(&p, fay, &format!("referral-received:fay:{i}"), Timestamp::now()).await);
        }
        drain(&p, "w1", now).await;
        assert_eq!(p.sink.received().len(), 3, "three a day by default");
        let waiting: Vec<_> = futures_states(&p, &jobs).await.into_iter().filter(|j| j.state == "queued").collect();
        assert_eq!(waiting.len(), 1);
        let tomorrow = in_days(2);
        assert_eq!(waiting[0].due_at.0, local(tomorrow, 8, 0));
        assert!(waiting[0].last_error.as_deref().unwrap().contains("daily limit"));
        drain(&p, "w1", local(tomorrow, 8, 0)).await;
        assert_eq!(p.sink.received().len(), 4);
    }

    async fn failures_back_off_then_go_to_the_dead_letters_and_staff_can_retry(db: Db) {
        let p = practice(db).await;
        let gus = patient(&p, "Gus", Who { email: true, ..Who::default() }).await;
        let j = referral_job(&p, gus, "referral-received:gus", Timestamp::now()).await;
        p.sink.set_mode(SinkMode::RefuseTemporarily);
        let mut now = midday();
        let mut waits = Vec::new();
        for attempt in 1..=5 {
            assert_eq!(p.app.run_outbox_once("w1", now).await.unwrap(), 1, "attempt {attempt}");
            let row = job(&p, j).await;
            assert_eq!(row.attempts, attempt);
            assert!(row.last_error.as_deref().unwrap().contains("temporary"), "{:?}", row.last_error);
            if attempt < 5 {
                assert_eq!(row.state, "queued");
                waits.push(row.due_at.0.duration_since(now).as_secs());
                assert_eq!(p.app.run_outbox_once("w1", now + SignedDuration::from_secs(30)).await.unwrap(), 0, "not before its time");
                now = row.due_at.0;
            } else {
                assert_eq!(row.state, "dead");
            }
        }
        assert_eq!(waits, [60, 120, 240, 480], "exponential backoff");
        let dead = p.app.outbox_jobs(&p.desk, Some("dead"), 10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert!(p.sink.received().is_empty());

        p.sink.set_mode(SinkMode::Accept);
        let retried = p.app.retry_dead(&p.desk, j).await.unwrap();
        assert_eq!((retried.state.as_str(), retried.attempts), ("queued", 0));
        assert!(p.app.retry_dead(&p.desk, j).await.is_err(), "only dead jobs");
        drain(&p, "w1", Timestamp::now()).await;
        assert_eq!(job(&p, j).await.state, "sent");
        assert_eq!(p.sink.received().len(), 1);
        // A clinician may not touch the outbox.
        let gp = as_role(&p.app, Role::Clinician).await;
        assert!(matches!(p.app.outbox_jobs(&gp, None, 10).await, Err(app::AppError::Forbidden { .. })));
    }

    async fn a_refused_text_falls_back_to_email(db: Db) {
        let p = practice(db).await;
        let hal = patient(&p, "Hal", Who { mobile: true, email: true, ..Who::default() }).await;
        let j = referral_job(&p, hal, "referral-received:hal", Timestamp::now()).await;
        p.sms.set(SmsMode::Permanent);
        drain(&p, "w1", midday()).await;
        let row = job(&p, j).await;
        assert_eq!((row.state.as_str(), row.channel.as_deref(), row.fell_back), ("sent", Some("email"), true));
        let history = p.app.patient_messages(&p.desk, hal).await.unwrap();
        assert_eq!(history.len(), 2);
        assert!(history.iter().any(|m| m.channel == "sms" && m.status == "failed"));
        // A temporary SMS failure is retried on SMS, not passed to email.
        let ivy = patient(&p, "Ivy", Who { mobile: true, email: true, ..Who::default() }).await;
        let j = referral_job(&p, ivy, "referral-received:ivy", Timestamp::now()).await;
        p.sms.set(SmsMode::Temporary);
        drain(&p, "w1", midday()).await;
        assert_eq!(job(&p, j).await.state, "queued");
        assert_eq!(p.sink.received().len(), 1);
    }

    async fn a_stale_reminder_is_dropped(db: Db) {
        let p = practice(db).await;
        let jo = patient(&p, "Jo", Who { email: true, ..Who::default() }).await;
        let a = book(&p, jo, local(in_days(10), 9, 20)).await;
        let service = store::scheduling::service(p.app.db(), p.service).await.unwrap().unwrap();
        let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
        let jobs = app::messaging::reminders::reminder_jobs(&a, &service, &tz, Timestamp::now());
        assert_eq!(jobs.len(), 2);
        // The booking queued the same reminders (same keys) with its confirmation.
        drain(&p, "w1", midday()).await; // the confirmation
        let cancel = AppointmentEvent::Cancel { by: CancelledBy::Patient, reason: None };
        p.app.appointment_event(&p.desk, a.id, None, cancel).await.unwrap();
        drain(&p, "w1", jobs[1].due_at.0).await;
        for r in &jobs {
            let row = job_by_key(&p, &r.dedupe_key).await;
            assert_eq!(row.state, "cancelled", "{}", r.dedupe_key);
            assert!(row.last_error.unwrap().contains("no longer booked"));
        }
        assert_eq!(p.sink.received().len(), 2, "the confirmation and the cancellation only");
    }

    async fn an_expired_lease_is_taken_back_by_another_worker(db: Db) {
        let p = practice(db).await;
        let kim = patient(&p, "Kim", Who { email: true, ..Who::default() }).await;
        let j = referral_job(&p, kim, "referral-received:kim", Timestamp::now()).await;
        let now = midday();
        // Worker A claims the job and dies before sending.
        let lease_until = Ts(now + SignedDuration::from_mins(5));
        let claimed = outbox_store::claim(p.app.db(), "dead-worker", Ts(now), lease_until, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(p.app.run_outbox_once("w2", now + SignedDuration::from_mins(4)).await.unwrap(), 0, "still leased");
        assert_eq!(p.app.run_outbox_once("w2", now + SignedDuration::from_mins(6)).await.unwrap(), 1);
        let row = job(&p, j).await;
        assert_eq!((row.state.as_str(), row.attempts), ("sent", 2));
        assert_eq!(p.sink.received().len(), 1);
        // The first worker, back from the dead, cannot overwrite the result.
        let late = outbox_store::Settle { state: "dead".into(), last_error: Some("late".into()), ..Default::default() };
        assert!(!outbox_store::settle(p.app.db(), j, &claimed[0].lease(), &late, Ts(now)).await.unwrap());
        assert_eq!(job(&p, j).await.state, "sent");
    }

    async fn a_text_cut_off_after_the_provider_took_it_is_not_sent_again(db: Db) {
        let p = practice(db).await;
        let lee = patient(&p, "Lee", Who { mobile: true, ..Who::default() }).await;
        let j = referral_job(&p, lee, "referral-received:lee", Timestamp::now()).await;
        let now = midday();
        // A worker claims the job, writes its message as `sending`, the provider takes it… and the worker
        // dies before recording that.
        let claimed = outbox_store::claim(p.app.db(), "dead-worker", Ts(now), Ts(now + SignedDuration::from_mins(5)), 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        p.app.run_outbox_once("w2", now + SignedDuration::from_mins(6)).await.unwrap();
        assert_eq!(p.sms.sent().len(), 1, "sent once by the second worker");
        // Now the same again, with the provider already holding the message from a cut-off attempt.
        let lou = patient(&p, "Lou", Who { mobile: true, ..Who::default() }).await;
        let j2 = referral_job(&p, lou, "referral-received:lou", Timestamp::now()).await;
        let claimed = outbox_store::claim(p.app.db(), "dead-worker", Ts(now), Ts(now + SignedDuration::from_mins(5)), 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        let row = outbox_store::MessageRow {
            id: domain::new_id(), outbox_id: j2, patient_id: Some(lou), appointment_id: None, kind: "referral-received".into(),
            recipient: "patient".into(), recipient_name: "Lou Testing".into(), channel: "sms".into(), address: "+447700900000".into(),
            language: "en".into(), fell_back_to_english: false, variant: "standard".into(), subject: None, body_text: "…".into(),
            body_html: None, status: "sending".into(), reference: "referral-received:lou".into(), provider: Some("fake".into()),
            provider_id: None, error: None, print_batch: None, printed_at: None, created_at: Ts(now), sent_at: None, updated_at: Ts(now),
        };
        outbox_store::upsert_message(p.app.db(), &row).await.unwrap();
        p.sms.sent.lock().unwrap().push(OutgoingSms { to: "+447700900000".into(), body: "…".into(), reference: "referral-received:lou".into() });
        p.app.run_outbox_once("w2", now + SignedDuration::from_mins(6)).await.unwrap();
        assert_eq!(p.sms.sent().len(), 2, "found at the provider by its reference, not sent again");
        let done = job(&p, j2).await;
        assert_eq!((done.state.as_str(), done.provider_id.as_deref()), ("sent", Some("fake-2")));
        assert_eq!(job(&p, j).await.state, "sent");
    }

    async fn two_workers_never_send_one_job_twice(db: Db) {
        let p = practice(db).await;
        let mut patients = Vec::new();
        for i in 0..8 {
            patients.push(patient(&p, &format!("Many{i}"), Who { email: true, ..Who::default() }).await);
        }
        let n = 60;
        for i in 0..n {
            referral_job(&p, patients[i % patients.len()], &format!("referral-received:many:{i}"), Timestamp::now()).await;
        }
        // No daily limit for this one: only duplicates matter here.
        let sink = p.sink.clone();
        let mut cfg = config(&sink);
        cfg.messaging.daily_limit = 1000;
        cfg.messaging.batch = 7;
        let workers: Vec<App> = (0..2).map(|_| App::new(p.app.db().clone(), cfg.clone())).collect();
        let now = midday();
        let tasks: Vec<_> = workers
            .into_iter()
            .enumerate()
            .map(|(i, app)| {
                tokio::spawn(async move {
                    let mut total = 0;
                    loop {
                        let claimed = app.run_outbox_once(&format!("node-{i}"), now).await.unwrap();
                        if claimed == 0 { return total; }
                        total += claimed;
                    }
                })
            })
            .collect();
        let mut claimed = 0;
        for t in tasks {
            claimed += t.await.unwrap();
        }
        assert_eq!(claimed, n, "every job claimed exactly once");
        let mails = p.sink.received();
        assert_eq!(mails.len(), n, "every job sent once");
        let mut ids: Vec<String> = mails
            .iter()
            .map(|m| MessageParser::default().parse(&m.data).unwrap().message_id().unwrap().to_owned())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "no Message-ID twice");
        let sent = outbox_store::jobs(p.app.db(), Some("sent"), 1000).await.unwrap();
        assert_eq!(sent.len(), n);
    }
}

async fn futures_states(p: &Practice, ids: &[Uuid]) -> Vec<outbox_store::JobRow> {
    let mut out = Vec::new();
    for id in ids {
        out.push(job(p, *id).await);
    }
    out
}
