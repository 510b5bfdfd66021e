//! Staff scheduling pages: the day list, the appointment page and the booking flow (find patient →
//! service → a time from a week view → check your answers → confirmation), moving an appointment, and
//! the service and rota editors.
//!
//! Only dates, sites, services, practitioners and times go in addresses (none of them is patient data);
//! patient ids are opaque and go in the path. Everything about a patient is read through the use-cases,
//! which check the access policy and write the audit event.

mod appointment;
mod booking;
mod day;
mod rota;
mod services;

use crate::AppState;
use crate::auth::Staff;
use app::AppError;
use app::scheduling::day::PatientBrief;
use axum::Router;
use axum::routing::{get, post};
use domain::FieldError;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use store::organisation::SiteRow;
use store::scheduling::{PractitionerRow, ServiceRow};
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/day", get(day::page))
        .route("/staff/rota", get(rota::list))
        .route("/staff/rota/{practitioner}", get(rota::page))
        .route("/staff/rota/{practitioner}/sessions", post(rota::add_session))
        .route("/staff/rota/{practitioner}/sessions/{session}/end", post(rota::end_session))
        .route("/staff/rota/{practitioner}/exceptions", post(rota::add_exception))
        .route("/staff/services", get(services::list))
        .route("/staff/services/new", get(services::new_form).post(services::create))
        .route("/staff/services/{id}", get(services::edit_form).post(services::update))
        .route("/staff/day/check-in", post(day::check_in_by_number))
        .route("/staff/appointments/{id}", get(appointment::page))
        .route("/staff/appointments/{id}/booked", get(booking::booked))
        .route("/staff/appointments/{id}/reschedule", get(booking::reschedule_week).post(booking::reschedule_confirm))
        .route("/staff/appointments/{id}/reschedule/check", get(booking::reschedule_check))
        .route("/staff/appointments/{id}/{action}", post(appointment::act))
        .route("/staff/book/{patient}", get(booking::service_form).post(booking::choose_service))
        .route("/staff/book/{patient}/time", get(booking::week))
        .route("/staff/book/{patient}/check", get(booking::check))
        .route("/staff/book/{patient}/confirm", post(booking::confirm))
}

/// Session key: the appointment just changed and what was done, for the next page's notice.
const DONE: &str = "schedule_done";

async fn set_done(staff: &Staff, id: Uuid, verb: &str) {
    let _ = staff.session.insert(DONE, (id, verb.to_owned())).await;
}

async fn take_done(staff: &Staff) -> Option<(Uuid, String)> {
    staff.session.remove::<(Uuid, String)>(DONE).await.ok().flatten()
}

/// The practice's services, practitioners and sites (no patient data), read through the use-case.
struct Catalogue {
    services: Vec<ServiceRow>,
    practitioners: Vec<PractitionerRow>,
    sites: Vec<SiteRow>,
    delivered: HashMap<Uuid, Vec<Uuid>>,
}

impl Catalogue {
    async fn load(state: &AppState, staff: &Staff) -> Result<Self, AppError> {
        let (services, practitioners, sites, delivered) = state.app.booking_catalogue(&staff.ctx).await?;
        Ok(Self { services, practitioners, sites, delivered: delivered.into_iter().collect() })
    }

    fn service(&self, id: Uuid) -> Option<&ServiceRow> {
        self.services.iter().find(|s| s.id == id)
    }

    fn practitioner(&self, id: Uuid) -> Option<&PractitionerRow> {
        self.practitioners.iter().find(|p| p.id == id)
    }

    fn practitioner_name(&self, id: Uuid) -> String {
        self.practitioner(id).map(|p| p.display_name.clone()).unwrap_or_else(|| "Unknown practitioner".into())
    }

    fn site(&self, id: Uuid) -> Option<&SiteRow> {
        self.sites.iter().find(|s| s.id == id)
    }

    fn site_name(&self, id: Uuid) -> String {
        self.site(id).map(|s| s.name.clone()).unwrap_or_else(|| "Unknown site".into())
    }

    /// The site's zone; the first site's (or Europe/London) for an unknown one.
    fn zone(&self, site: Uuid) -> TimeZone {
        self.site(site).or(self.sites.first()).and_then(|s| TimeZone::get(&s.time_zone).ok()).unwrap_or_else(london)
    }

    /// Who delivers a service, by name.
    fn delivering(&self, service: Uuid) -> Vec<&PractitionerRow> {
        let ids = self.delivered.get(&service).cloned().unwrap_or_default();
        let mut people: Vec<&PractitionerRow> =
            self.practitioners.iter().filter(|p| p.active && ids.contains(&p.id)).collect();
        people.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        people
    }
}

fn london() -> TimeZone {
    TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC)
}

/// Today at a site.
fn today_in(tz: &TimeZone) -> Date {
    Timestamp::now().to_zoned(tz.clone()).date()
}

/// `09:05`.
fn clock(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%H:%M").to_string()
}

/// `Monday 7 June 2027`.
fn day_words(d: Date) -> String {
    d.strftime("%A %-d %B %Y").to_string()
}

/// `09:05 on Monday 7 June 2027`.
fn when_words(t: Timestamp, tz: &TimeZone) -> String {
    let z = t.to_zoned(tz.clone());
    format!("{} on {}", z.strftime("%H:%M"), day_words(z.date()))
}

/// A date of birth as `1 Feb 1980`.
fn birth_date(iso: &str) -> String {
    iso.parse::<Date>().map(|d| d.strftime("%-d %b %Y").to_string()).unwrap_or_else(|_| iso.to_owned())
}

/// How reception names a patient: the name they use, then the family name in capitals.
fn patient_name(p: &PatientBrief) -> String {
    let first = p.preferred_name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&p.given_names);
    format!("{first} {}", p.family_name.to_uppercase())
}

fn language_name(code: &str) -> String {
    super::patients::language_label(code).map(str::to_owned).unwrap_or_else(|| code.to_owned())
}

/// The booking reference people read out: the last eight hex digits of the id (its random part).
fn reference(id: Uuid) -> String {
    let hex = id.simple().to_string().to_uppercase();
    let tail = &hex[hex.len() - 8..];
    format!("{}-{}", &tail[..4], &tail[4..])
}

/// Staff words for an appointment's status.
fn status_label(status: &str, called: bool) -> &'static str {
    match status {
        "pending" => "Held",
        "booked" => "Booked",
        "arrived" if called => "Called in",
        "arrived" => "Arrived",
        "fulfilled" => "Finished",
        "cancelled" => "Cancelled",
        "noshow" => "Did not attend",
        "entered-in-error" => "Entered in error",
        _ => "Unknown",
    }
}

fn mode_label(mode: &str) -> &'static str {
    match mode {
        "face_to_face" => "Face to face at the surgery",
        "home_visit" => "Home visit",
        "telephone" => "Telephone",
        "video" => "Video",
        _ => "Not known",
    }
}

fn channel_label(channel: &str) -> &'static str {
    match channel {
        "desk" => "At the desk",
        "phone" => "By phone",
        "online" => "Online",
        "waiting_list_offer" => "From a waiting-list offer",
        _ => "Not known",
    }
}

fn price(pence: Option<i64>) -> Option<String> {
    pence.map(|p| format!("£{}.{:02}", p / 100, p % 100))
}

/// Why a patient's appointments are double length, in words; `None` when they are not.
fn longer_because(p: &PatientBrief) -> Option<String> {
    let mut why = Vec::new();
    if p.length.longer_appointment {
        why.push("they need a longer appointment".to_owned());
    }
    if p.length.interpreter {
        why.push(match &p.interpreter_language {
            Some(l) => {
                let language = language_name(l);
                let article = if language.starts_with(['A', 'E', 'I', 'O', 'U']) { "an" } else { "a" };
                format!("they need {article} {language} interpreter")
            }
            None => "they need an interpreter".to_owned(),
        });
    }
    (!why.is_empty()).then(|| why.join(" and "))
}

/// What the patient banner on the booking and appointment pages shows.
struct BriefView {
    id: Uuid,
    name: String,
    full_name: String,
    born: String,
    needs: Vec<String>,
    interpreter: Option<String>,
    deceased: bool,
}

impl BriefView {
    fn of(p: &PatientBrief) -> Self {
        Self {
            id: p.id,
            name: patient_name(p),
            full_name: format!("{} {}", p.given_names, p.family_name.to_uppercase()),
            born: birth_date(&p.date_of_birth),
            needs: p.needs.clone(),
            interpreter: p.interpreter_language.as_deref().map(language_name),
            deceased: p.registration_status == "deceased",
        }
    }
}

/// A YYYY-MM-DD date as typed in an address.
fn parse_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    raw.parse::<Date>().ok().filter(|_| raw.len() == 10)
}

/// An id from a path or query string; anything else is "not found" (never a 500).
fn parse_id(raw: &str) -> Option<Uuid> {
    raw.trim().parse::<Uuid>().ok()
}

/// The error fields of a use-case refusal shown on a page, with `status` renamed to the field the page
/// links to.
fn page_errors(e: &AppError, status_field: &str) -> Option<Vec<FieldError>> {
    match e {
        AppError::Invalid(inv) => Some(
            inv.0
                .iter()
                .map(|f| FieldError::new(if f.field == "status" { status_field } else { f.field.as_str() }, &f.message))
                .collect(),
        ),
        AppError::Conflict { message } => Some(vec![FieldError::new(status_field, message)]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_use_the_random_tail_of_the_id() {
        let id: Uuid = "0193a5b2-7c1d-7e0f-8a9b-0c1d2e3f4a5b".parse().unwrap();
        assert_eq!(reference(id), "2E3F-4A5B");
    }

    #[test]
    fn dates_in_addresses_must_be_whole() {
        assert_eq!(parse_date("2027-03-29"), Some(jiff::civil::date(2027, 3, 29)));
        for bad in ["2027-02-30", "29/03/2027", "2027-3-9", "", "tomorrow"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
