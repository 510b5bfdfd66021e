//! From an outbox job to what a message says: the job's appointment, service, site and patient read back,
//! checked that the message still makes sense (a reminder for a cancelled or moved appointment does not),
//! and turned into [`MessageData`] for the templates, the [`Facts`] for choosing a channel, and the
//! calendar event for email.

use super::choose::{CarerFacts, Facts};
use super::links::LinkPurpose;
use crate::{App, Result};
use domain::messaging::{Contact, Kind, MessageData, Offer, Place};
use domain::scheduling::Mode;
use domain::scheduling::ics::{IcsAppointment, Party};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use store::messaging::outbox::{self as outbox_store, JobRow, SiteContactRow};
use store::patients::PatientRow;
use store::scheduling::{AppointmentRow, ServiceRow};

/// Kinds that may break the daily limit: the patient needs them now.
pub const URGENT: [Kind; 3] = [Kind::RunningLate, Kind::WaitingListOffer, Kind::CancellationByPractice];

/// The outbox kind (`booking-confirmation`) as a message kind.
pub fn kind_of(job_kind: &str) -> Option<Kind> {
    Kind::ALL.iter().copied().find(|k| k.slug() == job_kind)
}

/// A job ready to render.
#[derive(Debug, Clone)]
pub struct Composed {
    pub kind: Kind,
    pub data: MessageData,
    pub facts: Facts,
    pub patient: PatientRow,
    /// The patient's name as an envelope or letter shows it.
    pub full_name: String,
    pub site: SiteContactRow,
    pub tz: TimeZone,
    /// The calendar event (without an attendee) for email, for kinds that carry one.
    pub calendar: Option<IcsAppointment>,
}

/// What to do with a job.
#[derive(Debug, Clone)]
pub enum Prepared {
    Ready(Box<Composed>),
    /// It no longer makes sense (cancelled, moved, past, patient died…): close it without sending.
    Cancel(String),
    /// It can never be sent as it is (bad job): dead-letter it for staff to look at.
    Broken(String),
}

#[derive(Deserialize, Default)]
struct Payload {
    starts_at: Option<String>,
    token: Option<String>,
    expires_at: Option<String>,
    delay_minutes: Option<i64>,
    video_link: Option<String>,
}

fn same_instant(recorded: Option<&str>, actual: Timestamp) -> bool {
    match recorded.map(str::parse::<Timestamp>) {
        Some(Ok(t)) => t == actual,
        Some(Err(_)) => false,
        None => true,
    }
}

/// Whether a message of this kind about this appointment still makes sense at `now`; the reason when not.
fn still_wanted(kind: Kind, a: &AppointmentRow, p: &Payload, now: Timestamp) -> Option<String> {
    let start = a.starts_at.0;
    let booked = a.active && matches!(a.status.as_str(), "booked" | "arrived");
    match kind {
        Kind::BookingConfirmation | Kind::Reschedule | Kind::Reminder => {
            if !booked {
                return Some(format!("the appointment is no longer booked ({})", a.status));
            }
            if start <= now {
                return Some("the appointment has already started".into());
            }
            if !same_instant(p.starts_at.as_deref(), start) {
                return Some("the appointment has moved since this reminder was made".into());
            }
        }
        Kind::RunningLate => {
            if !booked || a.called_at.is_some() {
                return Some("the patient has been seen or the appointment is no longer booked".into());
            }
            if !same_instant(p.starts_at.as_deref(), start) {
                return Some("the appointment has moved".into());
            }
        }
        Kind::WaitingListOffer => {
            if !(a.active && a.status == "pending") {
                return Some("the offer's hold has ended".into());
            }
            let expires = p.expires_at.as_deref().and_then(|e| e.parse::<Timestamp>().ok());
            if expires.is_none_or(|e| e <= now) {
                return Some("the offer has expired".into());
            }
        }
        Kind::CancellationByPatient | Kind::CancellationByPractice => {
            if a.status != "cancelled" {
                return Some("the appointment is no longer cancelled".into());
            }
        }
        Kind::MissedAppointment => {
            if a.status != "noshow" {
                return Some("the appointment is no longer marked as missed".into());
            }
        }
        Kind::PostVisit => {
            if a.status != "fulfilled" {
                return Some("the appointment is no longer marked as finished".into());
            }
        }
        Kind::ReferralReceived => {}
    }
    None
}

fn join_address(parts: &[&str]) -> String {
    parts.iter().flat_map(|p| p.split('\n')).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(", ")
}

/// A base URL without its trailing slash.
fn base(app: &App) -> Option<String> {
    app.config().messaging.public_url.as_deref().map(|u| u.trim_end_matches('/').to_owned()).filter(|u| !u.is_empty())
}

/// What a batch of jobs reads, read once for all of them (a few queries instead of nine per job).
/// Anything not here (a record merged into another, say) is read as for a single job.
#[derive(Default)]
pub struct Prefetched {
    patients: std::collections::HashMap<uuid::Uuid, store::patients::PatientRow>,
    appointments: std::collections::HashMap<uuid::Uuid, AppointmentRow>,
    sites: std::collections::HashMap<uuid::Uuid, Option<SiteContactRow>>,
    services: std::collections::HashMap<uuid::Uuid, Option<ServiceRow>>,
    practice: Option<Option<String>>,
    phones: std::collections::HashMap<uuid::Uuid, Vec<store::patients::PhoneRow>>,
    prefs: std::collections::HashMap<uuid::Uuid, Vec<store::patients::ContactPreferenceRow>>,
    needs: std::collections::HashMap<uuid::Uuid, Vec<store::patients::NeedRow>>,
    carers: std::collections::HashMap<uuid::Uuid, Vec<store::patients::RelatedPersonRow>>,
}

impl Prefetched {
    /// Read what these jobs need.
    pub async fn read(app: &App, jobs: &[JobRow]) -> Result<Prefetched> {
        let db = app.db();
        let mut ids: Vec<uuid::Uuid> = jobs.iter().filter_map(|j| j.patient_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut p = Prefetched::default();
        for chunk in ids.chunks(500) {
            for row in store::patients::by_ids(db, chunk).await? {
                p.patients.insert(row.id, row);
            }
            for id in chunk {
                p.phones.insert(*id, Vec::new());
                p.prefs.insert(*id, Vec::new());
                p.needs.insert(*id, Vec::new());
                p.carers.insert(*id, Vec::new());
            }
            for ph in store::patients::phones_of(db, chunk).await? {
                p.phones.entry(ph.patient_id).or_default().push(ph);
            }
            for (id, pref) in store::patients::contact_preferences_of_many(db, chunk).await? {
                p.prefs.entry(id).or_default().push(pref);
            }
            for (id, need) in store::patients::needs_of_many(db, chunk).await? {
                p.needs.entry(id).or_default().push(need);
            }
            for r in store::patients::related_people_of_many(db, chunk).await? {
                p.carers.entry(r.patient_id).or_default().push(r);
            }
        }
        let appointment_ids: Vec<uuid::Uuid> = jobs.iter().filter_map(|j| j.appointment_id).collect();
        for chunk in appointment_ids.chunks(500) {
            for a in store::scheduling::appointments_by_ids(db, chunk).await? {
                p.appointments.insert(a.id, a);
            }
        }
        let mut sites: Vec<uuid::Uuid> = p.appointments.values().map(|a| a.site_id).collect();
        sites.sort_unstable();
        sites.dedup();
        for s in sites {
            p.sites.insert(s, outbox_store::site_contact(db, s).await?);
        }
        let mut services: Vec<uuid::Uuid> = p.appointments.values().map(|a| a.service_id).collect();
        services.sort_unstable();
        services.dedup();
        for s in services {
            p.services.insert(s, store::scheduling::service(db, s).await?);
        }
        p.practice = Some(store::organisation::first_organisation(db).await?.map(|o| o.name));
        Ok(p)
    }
}

/// Read everything a job's message needs.
pub async fn prepare(app: &App, job: &JobRow, now: Timestamp) -> Result<Prepared> {
    prepare_with(app, job, now, None).await
}

/// [`prepare`], reading from `pre` what it holds.
pub async fn prepare_with(app: &App, job: &JobRow, now: Timestamp, pre: Option<&Prefetched>) -> Result<Prepared> {
    let db = app.db();
    let Some(kind) = kind_of(&job.kind) else {
        return Ok(Prepared::Broken(format!("'{}' is not a kind of message Carefront sends", job.kind)));
    };
    let payload: Payload = serde_json::from_str(&job.payload).unwrap_or_default();
    let Some(patient_id) = job.patient_id else {
        return Ok(Prepared::Broken("the job names no patient".into()));
    };
    let found = match pre.and_then(|p| p.patients.get(&patient_id)) {
        Some(p) => Some(p.clone()),
        None => store::patients::by_id(db, patient_id).await?,
    };
    let Some(mut patient) = found else {
        return Ok(Prepared::Broken("the patient's record is missing".into()));
    };
    // A merged record: write to the record it was merged into.
    let mut hops = 0;
    while let (Some(into), true) = (patient.merged_into, hops < 5) {
        match store::patients::by_id(db, into).await? {
            Some(p) => patient = p,
            None => break,
        }
        hops += 1;
    }
    let appointment = match (job.appointment_id, pre) {
        (Some(id), Some(p)) if p.appointments.contains_key(&id) => p.appointments.get(&id).cloned(),
        (Some(id), _) => store::scheduling::appointment(db, id).await?,
        (None, _) => None,
    };
    if kind.needs_appointment() && appointment.is_none() {
        return Ok(Prepared::Broken("the job's appointment is missing".into()));
    }
    if let Some(a) = &appointment
        && let Some(reason) = still_wanted(kind, a, &payload, now)
    {
        return Ok(Prepared::Cancel(reason));
    }
    let site = match (&appointment, pre.and_then(|p| appointment.as_ref().and_then(|a| p.sites.get(&a.site_id)))) {
        (Some(_), Some(s)) => s.clone(),
        (Some(a), None) => outbox_store::site_contact(db, a.site_id).await?,
        (None, _) => outbox_store::first_site_contact(db).await?,
    };
    let Some(site) = site else { return Ok(Prepared::Broken("no site is set up".into())) };
    let Ok(tz) = TimeZone::get(&site.time_zone) else {
        return Ok(Prepared::Broken("the site's time zone is not valid".into()));
    };
    let service: Option<ServiceRow> =
        match (&appointment, pre.and_then(|p| appointment.as_ref().and_then(|a| p.services.get(&a.service_id)))) {
            (Some(_), Some(s)) => s.clone(),
            (Some(a), None) => store::scheduling::service(db, a.service_id).await?,
            (None, _) => None,
        };
    let practice = match pre.and_then(|p| p.practice.clone()) {
        Some(name) => name,
        None => store::organisation::first_organisation(db).await?.map(|o| o.name),
    }
    .unwrap_or_else(|| site.name.clone());
    let base = base(app);

    let mut place = None;
    if let Some(a) = &appointment {
        let Ok(mode) = Mode::parse(&a.mode) else { return Ok(Prepared::Broken("unknown appointment mode".into())) };
        let address = join_address(&[&site.name, &site.address_lines, &site.town, &site.postcode]);
        let video = payload.video_link.clone().or_else(|| base.as_ref().map(|b| format!("{b}/my/appointments")));
        match Place::from_mode(mode, &address, video.as_deref()) {
            Ok(p) => place = Some(p),
            Err(e) => return Ok(Prepared::Broken(e)),
        }
    }
    let offer = match (kind, &payload.token) {
        (Kind::WaitingListOffer, Some(token)) => {
            let Some(b) = &base else {
                return Ok(Prepared::Broken("offer links need the public URL (--public-url)".into()));
            };
            let reply_by = payload
                .expires_at
                .as_deref()
                .and_then(|e| e.parse::<Timestamp>().ok())
                .map(|t| t.to_zoned(tz.clone()).datetime());
            reply_by.map(|reply_by| Offer {
                accept: format!("{b}/o/{token}/accept"),
                decline: format!("{b}/o/{token}/decline"),
                answer: format!("{b}/o/{token}"),
                reply_by,
            })
        }
        _ => None,
    };
    let preferred_name =
        patient.preferred_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
            patient.given_names.split_whitespace().next().unwrap_or(&patient.given_names).to_owned()
        });
    // Signed links (`super::links`) to cancel a booked appointment, and to say the patient will come.
    let (mut cancel_link, mut confirm_link) = (None, None);
    if let (Some(b), Some(a)) = (&base, &appointment) {
        if domain::messaging::variables(kind).contains(&"cancel") {
            cancel_link = Some(format!("{b}/l/{}", app.appointment_link(LinkPurpose::Cancel, a.id).await?));
        }
        if domain::messaging::variables(kind).contains(&"confirm") {
            confirm_link = Some(format!("{b}/l/{}", app.appointment_link(LinkPurpose::Confirm, a.id).await?));
        }
    }
    let data = MessageData {
        practice: practice.clone(),
        preferred_name,
        start: appointment.as_ref().map(|a| a.starts_at.0.to_zoned(tz.clone()).datetime()),
        place,
        bring: service.as_ref().map(|s| s.preparation.clone()).filter(|s| !s.trim().is_empty()),
        contact: Contact { phone: site.phone.clone().filter(|p| !p.trim().is_empty()), link: cancel_link },
        confirm: confirm_link,
        offer,
        delay_minutes: payload.delay_minutes.and_then(|m| u32::try_from(m).ok()),
        aftercare: service.as_ref().map(|s| s.aftercare.clone()).filter(|s| !s.trim().is_empty()),
    };

    let facts = facts(app, &patient, now, pre).await?;
    let full_name = [patient.title.as_deref().unwrap_or(""), &patient.given_names, &patient.family_name]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");

    let calendar = match (kind, &appointment) {
        (
            Kind::BookingConfirmation | Kind::Reschedule | Kind::CancellationByPatient | Kind::CancellationByPractice,
            Some(a),
        ) => {
            let what = service.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| "Appointment".into());
            let organizer = app.config().messaging.email.from.parse::<lettre::message::Mailbox>().ok().map(|m| Party {
                name: m.name.clone().unwrap_or_else(|| practice.clone()),
                email: m.email.to_string(),
            });
            Some(IcsAppointment {
                appointment: a.id,
                sequence: u32::try_from(a.sequence).unwrap_or(0),
                stamp: now,
                start: a.starts_at.0,
                end: a.ends_at.0,
                summary: format!("{what} at {practice}"),
                location: Some(join_address(&[&site.name, &site.address_lines, &site.town, &site.postcode])),
                description: None,
                cancelled: matches!(kind, Kind::CancellationByPatient | Kind::CancellationByPractice),
                organizer,
                attendee: None,
            })
        }
        _ => None,
    };
    Ok(Prepared::Ready(Box::new(Composed { kind, data, facts, patient, full_name, site, tz, calendar })))
}

/// The record's contact details, preferences, needs and carers, for [`super::choose::choose`].
async fn facts(app: &App, p: &PatientRow, now: Timestamp, pre: Option<&Prefetched>) -> Result<Facts> {
    let db = app.db();
    let got = pre.filter(|pre| pre.phones.contains_key(&p.id));
    let (phones, prefs, needs, related) = match got {
        Some(pre) => {
            (pre.phones[&p.id].clone(), pre.prefs[&p.id].clone(), pre.needs[&p.id].clone(), pre.carers[&p.id].clone())
        }
        None => (
            store::patients::phones_of(db, &[p.id]).await?,
            store::patients::contact_preferences_of(db, p.id).await?,
            store::patients::needs_of(db, p.id).await?,
            store::patients::related_people_of(db, p.id).await?,
        ),
    };
    let today = now.to_zoned(TimeZone::UTC).date().to_string();
    let carers = related
        .into_iter()
        .filter(|r| r.may_receive_messages && r.consent_recorded_at.is_some())
        .filter(|r| r.valid_from.as_deref().is_none_or(|f| f <= today.as_str()))
        .filter(|r| r.valid_to.as_deref().is_none_or(|t| t >= today.as_str()))
        .map(|r| CarerFacts { id: r.id, name: r.name, email: r.email, phone: r.phone })
        .collect();
    let mut postal: Vec<String> =
        p.address_lines.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    if !postal.is_empty() {
        postal.extend(p.town.iter().chain(p.postcode.iter()).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()));
    }
    Ok(Facts {
        deceased: p.date_of_death.is_some() || p.registration_status == "deceased",
        email: p.email.clone(),
        phones: phones.into_iter().map(|ph| (ph.e164, ph.kind)).collect(),
        postal_address: postal,
        preferences: prefs.into_iter().map(|c| (c.channel, c.opted_in)).collect(),
        needs: needs.into_iter().map(|n| n.code).collect(),
        preferred_language: p.preferred_language.clone(),
        carers,
        email_available: app.mailer().is_available(),
        sms_available: app.sms_sender().is_some(),
    })
}
