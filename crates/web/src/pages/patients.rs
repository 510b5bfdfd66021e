//! Staff pages for the patient registry: find, register (with the duplicate check), read, change, history.
//! Searches are posted, never put in the address, so no patient details end up in URLs or logs.

use super::{Shell, ok, render, set_flash, take_flash};
use crate::AppState;
use crate::auth::{CsrfForm, Staff};
use crate::errors::{PageError, see_other};
use app::AppError;
use app::patients::parts::Alerts;
use app::patients::{HistoryEntry, PatientRecord, PossibleDuplicate};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::governance::policy::{NEEDS_BREAK_GLASS, role_may};
use domain::governance::{Action, Role};
use domain::patients::NhsNumber;
use domain::patients::record::{PatientInput, PhoneInput};
use serde::{Deserialize, Serialize};
use store::patients::{PatientRow, PhoneRow};
use uuid::Uuid;

pub(super) mod notes;

const PENDING: &str = "pending_registration";
/// The last search, kept in the session so results have a plain address Back can return to, without the
/// search text in the URL.
const LAST_SEARCH: &str = "patient_search";
/// Records opened by breaking the glass in this session: patient id → (reason, until, Unix ms).
const BREAK_GLASS: &str = "break_glass";
/// How long one break-glass reason covers further looks at the same record.
const BREAK_GLASS_MS: i64 = 30 * 60 * 1000;

type BreakGlassMap = std::collections::HashMap<Uuid, (String, i64)>;

/// Open a record for a page: the session's break-glass reason for it applies, and a refusal becomes the
/// right page (the break-glass form for a clinician, an error page otherwise).
async fn open_record(state: &AppState, staff: &Staff, id: Uuid) -> Result<PatientRecord, Response> {
    let glass = break_glass_reason(staff, id).await;
    state.app.view_patient(&staff.ctx, id, None, glass.as_deref()).await.map_err(|e| view_error(staff, id, e))
}

/// The reason this session gave for breaking the glass on a record, while it still applies.
pub(crate) async fn break_glass_reason(staff: &Staff, id: Uuid) -> Option<String> {
    let map: BreakGlassMap = staff.session.get(BREAK_GLASS).await.ok().flatten()?;
    map.get(&id).filter(|(_, until)| *until > jiff::Timestamp::now().as_millisecond()).map(|(r, _)| r.clone())
}
const GENDERS: [(&str, &str); 4] =
    [("female", "Female"), ("male", "Male"), ("other", "Other"), ("unknown", "Not known")];

/// The registration / change form, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PatientForm {
    title: String,
    given_names: String,
    family_name: String,
    preferred_name: String,
    pronouns: String,
    date_of_birth: String,
    gender: String,
    nhs_number: String,
    address_line_1: String,
    address_line_2: String,
    town: String,
    postcode: String,
    mobile: String,
    other_phone: String,
    email: String,
    preferred_language: String,
    interpreter_language: String,
    reason: String,
    version: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl PatientForm {
    /// The input document, and which form field each phone and address line came from (so errors are
    /// shown beside the right field).
    fn to_input(&self) -> (PatientInput, Vec<&'static str>, Vec<&'static str>) {
        let mut phone_fields = Vec::new();
        let mut phones = Vec::new();
        if let Some(m) = opt(&self.mobile) {
            phones.push(PhoneInput { number: m, kind: None });
            phone_fields.push("mobile");
        }
        if let Some(o) = opt(&self.other_phone) {
            phones.push(PhoneInput { number: o, kind: None });
            phone_fields.push("other_phone");
        }
        let mut line_fields = Vec::new();
        let mut lines = Vec::new();
        for (field, value) in [("address_line_1", &self.address_line_1), ("address_line_2", &self.address_line_2)] {
            if let Some(v) = opt(value) {
                lines.push(v);
                line_fields.push(field);
            }
        }
        let input = PatientInput {
            nhs_number: opt(&self.nhs_number),
            title: opt(&self.title),
            given_names: self.given_names.clone(),
            family_name: self.family_name.clone(),
            preferred_name: opt(&self.preferred_name),
            pronouns: opt(&self.pronouns),
            date_of_birth: self.date_of_birth.clone(),
            gender: opt(&self.gender),
            address_lines: lines,
            town: opt(&self.town),
            postcode: opt(&self.postcode),
            phones,
            email: opt(&self.email),
            preferred_language: opt(&self.preferred_language),
            interpreter_language: opt(&self.interpreter_language),
            ..Default::default()
        };
        (input, phone_fields, line_fields)
    }

    /// Field errors named by form field.
    fn map_errors(&self, errors: Vec<FieldError>) -> Vec<FieldError> {
        let (_, phone_fields, line_fields) = self.to_input();
        let index =
            |name: &str, prefix: &str| -> Option<usize> { name.strip_prefix(prefix)?.split(']').next()?.parse().ok() };
        errors
            .into_iter()
            .map(|mut e| {
                if let Some(i) = index(&e.field, "phones[") {
                    e.field = phone_fields.get(i).copied().unwrap_or("mobile").to_owned();
                } else if let Some(i) = index(&e.field, "address_lines[") {
                    e.field = line_fields.get(i).copied().unwrap_or("address_line_1").to_owned();
                } else if e.field == "address_lines" {
                    e.field = "address_line_1".into();
                }
                e
            })
            .collect()
    }

    fn from_record(row: &PatientRow, phones: &[PhoneRow]) -> Self {
        let lines: Vec<&str> = row.address_lines.lines().collect();
        let national = |p: &PhoneRow| {
            domain::patients::PhoneNumber::parse(&p.e164).map(|n| n.to_string()).unwrap_or_else(|_| p.e164.clone())
        };
        Self {
            title: row.title.clone().unwrap_or_default(),
            given_names: row.given_names.clone(),
            family_name: row.family_name.clone(),
            preferred_name: row.preferred_name.clone().unwrap_or_default(),
            pronouns: row.pronouns.clone().unwrap_or_default(),
            date_of_birth: uk_date(&row.date_of_birth, false),
            gender: row.gender.clone(),
            nhs_number: row.nhs_number.as_deref().map(nhs).unwrap_or_default(),
            address_line_1: lines.first().map(|s| s.to_string()).unwrap_or_default(),
            address_line_2: lines.get(1..).map(|l| l.join(", ")).unwrap_or_default(),
            town: row.town.clone().unwrap_or_default(),
            postcode: row.postcode.clone().or_else(|| row.postcode_abroad.clone()).unwrap_or_default(),
            mobile: phones.iter().find(|p| p.kind == "mobile").map(national).unwrap_or_default(),
            other_phone: phones.iter().find(|p| p.kind != "mobile").map(national).unwrap_or_default(),
            email: row.email.clone().unwrap_or_default(),
            preferred_language: row.preferred_language.clone(),
            interpreter_language: row.interpreter_language.clone().unwrap_or_default(),
            reason: String::new(),
            version: row.version.to_string(),
        }
    }
}

fn nhs(digits: &str) -> String {
    NhsNumber::parse(digits).map(|n| n.to_string()).unwrap_or_else(|_| digits.to_owned())
}

/// `1980-02-01` as `1 February 1980` (words) or `01/02/1980` (form value).
fn uk_date(iso: &str, words: bool) -> String {
    match iso.parse::<jiff::civil::Date>() {
        Ok(d) if words => d.strftime("%-d %B %Y").to_string(),
        Ok(d) => d.strftime("%d/%m/%Y").to_string(),
        Err(_) => iso.to_owned(),
    }
}

/// The day of an instant in the UK, in words (`22 November 2026`).
fn london_date(at: jiff::Timestamp) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned(tz).date().strftime("%-d %B %Y").to_string()
}

/// The English name of a language code (BCP 47, e.g. `pl`, `cy-GB`), for staff pages.
pub(crate) fn language_label(code: &str) -> Option<&'static str> {
    Some(match code.split('-').next().unwrap_or(code) {
        "en" => "English",
        "cy" => "Welsh",
        "pl" => "Polish",
        "ro" => "Romanian",
        "ur" => "Urdu",
        "bn" => "Bengali",
        "pa" => "Punjabi",
        "gu" => "Gujarati",
        "ar" => "Arabic",
        "so" => "Somali",
        "pt" => "Portuguese",
        "es" => "Spanish",
        "lt" => "Lithuanian",
        "tr" => "Turkish",
        "zh" => "Chinese",
        "fr" => "French",
        "it" => "Italian",
        "ta" => "Tamil",
        "fa" => "Persian",
        "ku" => "Kurdish",
        "ti" => "Tigrinya",
        "uk" => "Ukrainian",
        "ru" => "Russian",
        "bg" => "Bulgarian",
        "hi" => "Hindi",
        "bfi" | "sgn" => "British Sign Language",
        _ => return None,
    })
}

/// "Polish (pl)": the name with the code as recorded.
fn language_name(code: &str) -> String {
    match language_label(code) {
        Some(name) => format!("{name} ({code})"),
        None => code.to_owned(),
    }
}

fn status_label(s: &str) -> &'static str {
    match s {
        "registered" => "Registered",
        "temporary" => "Temporary resident",
        "deregistered" => "Deregistered",
        "deceased" => "Deceased",
        _ => "Unknown",
    }
}

/// Age as people say it: weeks for babies, months until two, then years.
fn age_words(born: jiff::civil::Date, on: jiff::civil::Date) -> String {
    let years = domain::patients::dates::age_on(born, on);
    if years >= 2 {
        return format!("{years} years");
    }
    let days = (on - born).get_days().max(0);
    if days < 8 * 7 {
        let weeks = days / 7;
        return format!("{weeks} {}", if weeks == 1 { "week" } else { "weeks" });
    }
    let months = (i32::from(on.year() - born.year()) * 12 + i32::from(on.month() - born.month())
        - i32::from(on.day() < born.day()))
    .max(0);
    format!("{months} {}", if months == 1 { "month" } else { "months" })
}

/// The patient banner shown on every page about one patient.
pub struct Banner {
    pub(crate) name: String,
    pub(crate) called: Option<String>,
    pub(crate) date_of_birth: String,
    pub(crate) age: String,
    pub(crate) nhs_number: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) deceased: bool,
    pub(crate) break_glass: bool,
    pub(crate) language_note: Option<String>,
    pub(crate) needs: Vec<String>,
    pub(crate) alert_notice: Option<String>,
}

impl Banner {
    pub(crate) fn of(r: &PatientRecord) -> Self {
        let row = &r.row;
        let break_glass = r.break_glass;
        let age = app::patients::age_span(row).map(|(born, until)| age_words(born, until)).unwrap_or_default();
        let mut notes = Vec::new();
        if row.preferred_language != "en" {
            notes.push(format!("Prefers {}", language_name(&row.preferred_language)));
        }
        if let Some(i) = &row.interpreter_language {
            notes.push(format!("Needs an interpreter: {}", language_name(i)));
        }
        Self {
            name: format!("{} {}", row.given_names, row.family_name.to_uppercase()),
            called: row.preferred_name.clone(),
            date_of_birth: uk_date(&row.date_of_birth, true),
            age,
            nhs_number: row.nhs_number.as_deref().map(nhs),
            status: status_label(&row.registration_status),
            deceased: row.registration_status == "deceased",
            break_glass,
            language_note: (!notes.is_empty()).then(|| notes.join(". ")),
            needs: r
                .needs
                .iter()
                .map(|n| {
                    domain::patients::ais::need(&n.code).map(|k| k.label.to_owned()).unwrap_or_else(|_| n.code.clone())
                })
                .collect(),
            alert_notice: match &r.alerts {
                Alerts::None => None,
                Alerts::Restricted => Some("Restricted alert – speak to the duty clinician".into()),
                Alerts::Visible(a) => Some(format!(
                    "{} restricted {} – see below",
                    a.len(),
                    if a.len() == 1 { "alert" } else { "alerts" }
                )),
            },
        }
    }
}

pub struct ResultRow {
    id: Uuid,
    family_name: String,
    given_names: String,
    preferred_name: Option<String>,
    date_of_birth: String,
    nhs_number: String,
    postcode: String,
    status: &'static str,
}

pub struct Results {
    total: usize,
    page: usize,
    pages: usize,
    truncated: bool,
    rows: Vec<ResultRow>,
}

#[derive(Template)]
#[template(path = "staff/patients/search.html")]
struct SearchPage {
    shell: Shell,
    csrf: String,
    q: String,
    results: Option<Results>,
}

#[derive(Template)]
#[template(path = "staff/patients/record.html")]
struct RecordPage {
    shell: Shell,
    banner: Banner,
    id: Uuid,
    flash: Option<String>,
    merged_from: Option<Uuid>,
    details: Vec<SummaryRow>,
    contact: Vec<SummaryRow>,
    /// Notes of disagreement about something with no row of its own (shown in their own section).
    other_notes: Vec<notes::NoteView>,
    can_edit: bool,
    can_see_history: bool,
    can_merge: bool,
    can_add_alert: bool,
    related: Vec<(String, String)>,
    alerts: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff/patients/break_glass.html")]
struct BreakGlassPage {
    shell: Shell,
    csrf: String,
    id: Uuid,
}

#[derive(Template)]
#[template(path = "staff/patients/register.html")]
struct RegisterPage {
    shell: Shell,
    csrf: String,
    form: PatientForm,
    genders: [(&'static str, &'static str); 4],
}

#[derive(Template)]
#[template(path = "staff/patients/edit.html")]
struct EditPage {
    shell: Shell,
    csrf: String,
    banner: Banner,
    id: Uuid,
    version: i64,
    form: PatientForm,
    genders: [(&'static str, &'static str); 4],
}

#[derive(Template)]
#[template(path = "staff/patients/duplicates.html")]
struct DuplicatesPage {
    shell: Shell,
    csrf: String,
    message: String,
    existing: Vec<PossibleDuplicate>,
    can_confirm: bool,
}

pub struct HistoryRowView {
    when: String,
    field: String,
    old: String,
    new: String,
    who: String,
    why: String,
}

#[derive(Template)]
#[template(path = "staff/patients/history.html")]
struct HistoryPage {
    shell: Shell,
    banner: Banner,
    id: Uuid,
    rows: Vec<HistoryRowView>,
    notes: Vec<notes::NoteView>,
}

pub async fn search_form(staff: Staff) -> Response {
    ok(&SearchPage {
        shell: Shell::staff("Find a patient", &staff),
        csrf: staff.csrf.clone(),
        q: String::new(),
        results: None,
    })
}

#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
}

pub async fn search(staff: Staff, CsrfForm(f): CsrfForm<SearchForm>) -> Response {
    if f.q.trim().is_empty() {
        let errors = vec![FieldError::new("q", "Enter a name, NHS number, date of birth, phone number or postcode")];
        return render(
            &SearchPage {
                shell: Shell::staff("Find a patient", &staff).with_errors(errors),
                csrf: staff.csrf.clone(),
                q: f.q,
                results: None,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let _ = staff.session.insert(LAST_SEARCH, f.q.trim()).await;
    see_other("/staff/patients/results")
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

/// The results of the session's last search (a GET, so Back from a record returns here).
pub async fn results(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(pq): axum::extract::Query<PageQuery>,
) -> Response {
    let Some(q) = staff.session.get::<String>(LAST_SEARCH).await.ok().flatten() else {
        return see_other("/staff/patients");
    };
    let Some(page) =
        pq.page.as_deref().map_or(Some(1), |p| p.parse::<usize>().ok()).filter(|p| (1..=10_000).contains(p))
    else {
        return see_other("/staff/patients/results");
    };
    match state.app.search_patients(&staff.ctx, &q, None, page).await {
        Ok(r) => {
            let page_size = app::patients::search::PAGE_SIZE;
            let last = r.total.div_ceil(page_size).max(1);
            if page > last {
                return see_other(&format!("/staff/patients/results?page={last}"));
            }
            let rows = r
                .patients
                .into_iter()
                .map(|p| ResultRow {
                    id: p.id,
                    family_name: p.family_name,
                    given_names: p.given_names,
                    preferred_name: p.preferred_name,
                    date_of_birth: uk_date(&p.date_of_birth, false),
                    nhs_number: p.nhs_number.as_deref().map(nhs).unwrap_or_else(|| "Not recorded".into()),
                    postcode: p.postcode.unwrap_or_default(),
                    status: status_label(&p.registration_status),
                })
                .collect();
            let results = Results {
                total: r.total,
                page: r.page,
                pages: r.total.div_ceil(page_size),
                truncated: r.truncated,
                rows,
            };
            ok(&SearchPage {
                shell: Shell::staff("Find a patient", &staff),
                csrf: staff.csrf.clone(),
                q,
                results: Some(results),
            })
        }
        Err(AppError::Invalid(inv)) => render(
            &SearchPage {
                shell: Shell::staff("Find a patient", &staff).with_errors(inv.0),
                csrf: staff.csrf.clone(),
                q,
                results: None,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

fn record_page(staff: &Staff, r: PatientRecord, flash: Option<String>) -> RecordPage {
    let banner = Banner::of(&r);
    let role = staff.actor.role;
    let p = &r.row;
    let mut details = vec![("NHS number", p.nhs_number.as_deref().map(nhs).unwrap_or_else(|| "Not recorded".into()))];
    if let Some(l) = &p.local_number {
        details.push(("Local number", l.clone()));
    }
    if let Some(t) = &p.title {
        details.push(("Title", t.clone()));
    }
    details.push(("Given names", p.given_names.clone()));
    details.push(("Family name", p.family_name.clone()));
    details.push(("Preferred name", p.preferred_name.clone().unwrap_or_else(|| "Not recorded".into())));
    if let Some(pr) = &p.pronouns {
        details.push(("Pronouns", pr.clone()));
    }
    details.push(("Date of birth", uk_date(&p.date_of_birth, true)));
    details
        .push(("Gender", GENDERS.iter().find(|(v, _)| *v == p.gender).map(|(_, l)| l.to_string()).unwrap_or_default()));
    if let Some(d) = &p.date_of_death {
        details.push(("Date of death", uk_date(d, true)));
    }
    details.push((
        "Registration",
        match (&p.deregistered_on, &p.deregistered_reason) {
            (Some(on), reason) if p.registration_status == "deregistered" => {
                format!(
                    "Deregistered on {}{}",
                    uk_date(on, true),
                    reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
                )
            }
            _ => status_label(&p.registration_status).to_owned(),
        },
    ));
    let mut address: Vec<String> = p.address_lines.lines().map(str::to_owned).collect();
    address.extend(p.town.clone());
    address.extend(p.postcode.clone().or_else(|| p.postcode_abroad.clone()));
    if p.country != "GB" {
        address.push(p.country.clone());
    }
    let mut contact = vec![("Address", if address.is_empty() { "Not recorded".into() } else { address.join(", ") })];
    for ph in &r.phones {
        let label = if ph.kind == "mobile" { "Mobile" } else { "Phone" };
        let shown =
            domain::patients::PhoneNumber::parse(&ph.e164).map(|n| n.to_string()).unwrap_or_else(|_| ph.e164.clone());
        contact.push((label, shown));
    }
    contact.push(("Email", p.email.clone().unwrap_or_else(|| "Not recorded".into())));
    contact.push(("Preferred language", language_name(&p.preferred_language)));
    if let Some(i) = &p.interpreter_language {
        contact.push(("Interpreter", language_name(i)));
    }
    if let Some(t) = &p.contact_times {
        contact.push(("Best times to contact", t.clone()));
    }
    if !r.contact_preferences.is_empty() {
        let prefs: Vec<String> = r
            .contact_preferences
            .iter()
            .map(|c| format!("{}: {}", channel_label(&c.channel), if c.opted_in { "yes" } else { "no (opted out)" }))
            .collect();
        contact.push(("How to contact, in order", prefs.join("; ")));
    }
    for i in &r.identifiers {
        details.push(("Other identifier", format!("{} ({})", i.value, i.system)));
    }
    let mut details = summary_rows(details);
    let mut contact = summary_rows(contact);
    let mut other_notes = Vec::new();
    for (d, view) in r.disagreements.iter().zip(notes::note_views(&r)) {
        let label = field_label(&d.field);
        let row = details
            .iter_mut()
            .chain(contact.iter_mut())
            .find(|row| row.label == label || (d.field == "phones" && matches!(row.label, "Mobile" | "Phone")));
        match row {
            Some(row) => row.notes.push(view),
            None => other_notes.push(view),
        }
    }
    RecordPage {
        shell: Shell::staff(&format!("{} {}", p.given_names, p.family_name), staff),
        banner,
        id: p.id,
        flash,
        related: r
            .related_people
            .iter()
            .map(|rp| {
                let mut rights = Vec::new();
                if rp.may_book {
                    rights.push("may book");
                }
                if rp.may_receive_messages {
                    rights.push("receives messages");
                }
                let consent = rp.consent_source.as_deref().map(|c| format!(" (consent: {c})")).unwrap_or_default();
                (
                    format!("{} – {}", rp.name, rp.relationship.replace('_', " ")),
                    if rights.is_empty() {
                        "No rights to act for the patient".to_owned()
                    } else {
                        format!("{}{}", rights.join(", "), consent)
                    },
                )
            })
            .collect(),
        alerts: match &r.alerts {
            Alerts::Visible(a) => a.iter().map(|x| (x.kind.clone(), x.text.clone())).collect(),
            _ => Vec::new(),
        },
        merged_from: r.resolved_from,
        details,
        contact,
        other_notes,
        can_edit: role_may(role, Action::EditPatient),
        can_see_history: role_may(role, Action::ViewPatientHistory),
        can_merge: role_may(role, Action::MergePatients),
        can_add_alert: role_may(role, Action::EditRestrictedAlerts),
    }
}

/// One row of a summary list, with any notes of disagreement about it.
pub struct SummaryRow {
    label: &'static str,
    value: String,
    notes: Vec<notes::NoteView>,
}

fn summary_rows(rows: Vec<(&'static str, String)>) -> Vec<SummaryRow> {
    rows.into_iter().map(|(label, value)| SummaryRow { label, value, notes: Vec::new() }).collect()
}

pub(crate) fn view_error(staff: &Staff, id: Uuid, e: AppError) -> Response {
    match e {
        AppError::Forbidden { reason } if reason == NEEDS_BREAK_GLASS && staff.actor.role == Role::Clinician => render(
            &BreakGlassPage {
                shell: Shell::staff("You do not usually have access to this record", staff),
                csrf: staff.csrf.clone(),
                id,
            },
            StatusCode::FORBIDDEN,
        ),
        e => PageError(e, staff.op()).into_response(),
    }
}

pub async fn record(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    match open_record(&state, &staff, id).await {
        Ok(r) => {
            let flash = take_flash(&staff).await;
            ok(&record_page(&staff, r, flash))
        }
        Err(page) => page,
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// Open a record outside the care relationship, with a reason (shown at once; not a redirect, because
/// the reason covers this one look).
pub async fn break_glass(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> Response {
    if f.reason.trim().is_empty() {
        let errors = vec![FieldError::new("reason", "Enter why you need to open this record")];
        return render(
            &BreakGlassPage {
                shell: Shell::staff("You do not usually have access to this record", &staff).with_errors(errors),
                csrf: staff.csrf.clone(),
                id,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    // The reason is checked (and the look audited) now, then kept for this record for a while, so the
    // record can be reloaded, changed and its history read without asking again.
    match state.app.view_patient(&staff.ctx, id, None, Some(&f.reason)).await {
        Ok(r) => {
            let mut map: BreakGlassMap = staff.session.get(BREAK_GLASS).await.ok().flatten().unwrap_or_default();
            map.insert(
                r.row.id,
                (f.reason.trim().to_owned(), jiff::Timestamp::now().as_millisecond() + BREAK_GLASS_MS),
            );
            let _ = staff.session.insert(BREAK_GLASS, &map).await;
            see_other(&format!("/staff/patients/{}", r.row.id))
        }
        Err(e) => view_error(&staff, id, e),
    }
}

fn register_page(staff: &Staff, form: PatientForm, errors: Vec<FieldError>) -> RegisterPage {
    RegisterPage {
        shell: Shell::staff("Register a new patient", staff).with_errors(errors),
        csrf: staff.csrf.clone(),
        form,
        genders: GENDERS,
    }
}

#[derive(Deserialize)]
pub struct BackQuery {
    #[serde(default)]
    back: Option<String>,
}

/// The registration form; "go back" from a duplicate warning (`?back=1`) brings back what was typed,
/// any other visit starts empty.
pub async fn register_form(staff: Staff, axum::extract::Query(q): axum::extract::Query<BackQuery>) -> Response {
    let pending = if q.back.is_some() {
        staff.session.get::<PatientForm>(PENDING).await.ok().flatten()
    } else {
        let _ = staff.session.remove::<PatientForm>(PENDING).await;
        None
    };
    let form = pending.unwrap_or_else(|| PatientForm {
        gender: "unknown".into(),
        preferred_language: "en".into(),
        ..Default::default()
    });
    ok(&register_page(&staff, form, vec![]))
}

async fn register_with(state: &AppState, staff: &Staff, form: PatientForm, confirmed: bool) -> Response {
    let (input, _, _) = form.to_input();
    match state.app.register_patient(&staff.ctx, &input, confirmed).await {
        Ok(r) => {
            let _ = staff.session.remove::<PatientForm>(PENDING).await;
            set_flash(staff, "The patient has been registered.").await;
            see_other(&format!("/staff/patients/{}", r.id))
        }
        Err(AppError::Invalid(inv)) => {
            let errors = form.map_errors(inv.0);
            render(&register_page(staff, form, errors), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Duplicate { code, message, existing }) => {
            let can_confirm = code == "possible-duplicate";
            let _ = staff.session.insert(PENDING, &form).await;
            let existing = existing
                .into_iter()
                .map(|mut d| {
                    d.date_of_birth = uk_date(&d.date_of_birth, false);
                    d
                })
                .collect();
            render(
                &DuplicatesPage {
                    shell: Shell::staff("This patient may already be registered", staff),
                    csrf: staff.csrf.clone(),
                    message,
                    existing,
                    can_confirm,
                },
                StatusCode::CONFLICT,
            )
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

pub async fn register(State(state): State<AppState>, staff: Staff, CsrfForm(form): CsrfForm<PatientForm>) -> Response {
    register_with(&state, &staff, form, false).await
}

/// Register the details held from the duplicate warning, now confirmed as a different person.
pub async fn register_confirmed(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Response {
    match staff.session.get::<PatientForm>(PENDING).await.ok().flatten() {
        Some(form) => register_with(&state, &staff, form, true).await,
        None => see_other("/staff/patients/new"),
    }
}

pub async fn edit_form(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    match open_record(&state, &staff, id).await {
        Ok(r) => {
            let form = PatientForm::from_record(&r.row, &r.phones);
            ok(&EditPage {
                shell: Shell::staff("Change details", &staff),
                csrf: staff.csrf.clone(),
                banner: Banner::of(&r),
                id: r.row.id,
                version: r.row.version,
                form,
                genders: GENDERS,
            })
        }
        Err(page) => page,
    }
}

pub async fn edit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<PatientForm>,
) -> Response {
    let (input, _, _) = form.to_input();
    let Ok(version) = form.version.parse::<i64>() else { return see_other(&format!("/staff/patients/{id}/edit")) };
    let reason = opt(&form.reason);
    let glass = break_glass_reason(&staff, id).await;
    match state.app.update_patient(&staff.ctx, id, &input, version, reason.as_deref(), glass.as_deref()).await {
        Ok(r) => {
            set_flash(&staff, "The changes have been saved.").await;
            see_other(&format!("/staff/patients/{}", r.row.id))
        }
        Err(AppError::Invalid(inv)) => match state.app.view_patient(&staff.ctx, id, None, glass.as_deref()).await {
            Ok(r) => {
                let errors = form.map_errors(inv.0);
                render(
                    &EditPage {
                        shell: Shell::staff("Change details", &staff).with_errors(errors),
                        csrf: staff.csrf.clone(),
                        banner: Banner::of(&r),
                        id: r.row.id,
                        version,
                        form,
                        genders: GENDERS,
                    },
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            Err(e) => view_error(&staff, id, e),
        },
        Err(AppError::Conflict { message }) | Err(AppError::Duplicate { message, .. }) => {
            set_flash(&staff, &message).await;
            see_other(&format!("/staff/patients/{id}"))
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

fn channel_label(c: &str) -> &'static str {
    match c {
        "sms" => "Text message",
        "email" => "Email",
        "letter" => "Letter",
        "phone" => "Phone call",
        _ => "Other",
    }
}

/// How a recorded field is named to people.
fn field_label(field: &str) -> String {
    match field {
        "nhs_number" => "NHS number",
        "nhs_number_status" => "NHS number status",
        "given_names" => "Given names",
        "family_name" => "Family name",
        "preferred_name" => "Preferred name",
        "date_of_birth" => "Date of birth",
        "date_of_death" => "Date of death",
        "registration_status" => "Registration",
        "address_lines" => "Address",
        "postcode" => "Postcode",
        "town" => "Town",
        "phones" => "Phone numbers",
        "email" => "Email",
        "preferred_language" => "Preferred language",
        "interpreter_language" => "Interpreter",
        "communication_needs" => "Communication needs",
        "related_people" => "Carers and other people",
        "restricted_alerts" => "Restricted alerts",
        "merge" => "Merged records",
        "contact_preferences" => "How to contact",
        "identifiers" => "Other identifiers",
        "note_of_disagreement" => "Note of disagreement",
        "communication_need_reviewed" => "Communication need reviewed",
        "other" => "Other",
        "address" => "Address",
        "gender" => "Gender",
        other => return other.replace('_', " "),
    }
    .to_owned()
}

fn shown(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "(blank)".into())
}

pub async fn history(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    let glass = break_glass_reason(&staff, id).await;
    match state.app.patient_history(&staff.ctx, id, glass.as_deref()).await {
        Ok((record, entries)) => {
            let rows = entries
                .into_iter()
                .map(|h: HistoryEntry| HistoryRowView {
                    when: h.changed_at.strftime("%Y-%m-%d %H:%M").to_string(),
                    field: field_label(&h.field),
                    old: shown(h.old_value),
                    // A note of disagreement's entry names the field it is about.
                    new: if h.field == "note_of_disagreement" {
                        shown(h.new_value.map(|f| format!("About: {}", field_label(&f))))
                    } else {
                        shown(h.new_value)
                    },
                    who: h.changed_by,
                    why: h.reason.unwrap_or_default(),
                })
                .collect();
            ok(&HistoryPage {
                shell: Shell::staff("History of changes", &staff),
                banner: Banner::of(&record),
                id: record.row.id,
                notes: notes::note_views(&record),
                rows,
            })
        }
        Err(e) => view_error(&staff, id, e),
    }
}

#[derive(Template)]
#[template(path = "staff/patients/merge.html")]
struct MergePage {
    shell: Shell,
    csrf: String,
    banner: Banner,
    id: Uuid,
    other: String,
}

pub struct MergeRow {
    field: &'static str,
    label: &'static str,
    keep: String,
    take: String,
}

#[derive(Template)]
#[template(path = "staff/patients/merge_review.html")]
struct MergeReviewPage {
    shell: Shell,
    csrf: String,
    id: Uuid,
    other_id: Uuid,
    rows: Vec<MergeRow>,
}

pub async fn merge_form(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    if let Err(e) = state.app.may(&staff.ctx, Action::MergePatients).await {
        return PageError(e, staff.op()).into_response();
    }
    match open_record(&state, &staff, id).await {
        Ok(r) => ok(&MergePage {
            shell: Shell::staff("Merge a duplicate record", &staff),
            csrf: staff.csrf.clone(),
            banner: Banner::of(&r),
            id: r.row.id,
            other: String::new(),
        }),
        Err(page) => page,
    }
}

#[derive(Deserialize)]
pub struct OtherForm {
    #[serde(default)]
    other: String,
}

/// Find the duplicate by id or NHS number.
async fn find_other(state: &AppState, staff: &Staff, other: &str) -> Result<Uuid, AppError> {
    if let Ok(id) = other.trim().parse::<Uuid>() {
        return Ok(id);
    }
    match NhsNumber::parse(other) {
        Ok(n) => {
            let r = state.app.search_patients(&staff.ctx, &n.digits(), None, 1).await?;
            r.patients.first().map(|p| p.id).ok_or_else(|| AppError::invalid("other", "No patient has that NHS number"))
        }
        Err(_) => Err(AppError::invalid("other", "Enter the duplicate's NHS number or record id")),
    }
}

pub async fn merge_review(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<OtherForm>,
) -> Response {
    let keep = match open_record(&state, &staff, id).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let other_id = match find_other(&state, &staff, &f.other).await {
        Ok(o) if o == keep.row.id => {
            Err(AppError::invalid("other", "That is this record. Enter the duplicate's details"))
        }
        other => other,
    };
    let other = match other_id {
        Ok(o) => state.app.view_patient(&staff.ctx, o, None, None).await,
        Err(e) => Err(e),
    };
    let errors = match other {
        Ok(o) => Ok(o),
        Err(AppError::Invalid(inv)) => Err(inv.0),
        Err(AppError::NotFound { .. }) => Err(vec![FieldError::new("other", "No patient has that record id")]),
        Err(e) => return PageError(e, staff.op()).into_response(),
    };
    let other = match errors {
        Ok(o) => o,
        Err(errors) => {
            return render(
                &MergePage {
                    shell: Shell::staff("Merge a duplicate record", &staff).with_errors(errors),
                    csrf: staff.csrf.clone(),
                    banner: Banner::of(&keep),
                    id: keep.row.id,
                    other: f.other,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let (a, b) = (&keep.row, &other.row);
    let or_none = |v: Option<&String>| v.cloned().filter(|s| !s.is_empty()).unwrap_or_else(|| "(none)".into());
    let address = |p: &PatientRow| {
        let mut parts: Vec<String> = p.address_lines.lines().map(str::to_owned).collect();
        parts.extend(p.town.clone());
        parts.extend(p.postcode.clone());
        if parts.is_empty() { "(none)".into() } else { parts.join(", ") }
    };
    let phones = |r: &PatientRecord| {
        if r.phones.is_empty() {
            "(none)".into()
        } else {
            r.phones.iter().map(|p| p.e164.clone()).collect::<Vec<_>>().join(", ")
        }
    };
    let rows = vec![
        MergeRow {
            field: "name",
            label: "Name",
            keep: format!("{} {}", a.given_names, a.family_name),
            take: format!("{} {}", b.given_names, b.family_name),
        },
        MergeRow {
            field: "preferred_name",
            label: "Preferred name",
            keep: or_none(a.preferred_name.as_ref()),
            take: or_none(b.preferred_name.as_ref()),
        },
        MergeRow {
            field: "nhs_number",
            label: "NHS number",
            keep: a.nhs_number.as_deref().map(nhs).unwrap_or_else(|| "(none)".into()),
            take: b.nhs_number.as_deref().map(nhs).unwrap_or_else(|| "(none)".into()),
        },
        MergeRow {
            field: "local_number",
            label: "Local number",
            keep: or_none(a.local_number.as_ref()),
            take: or_none(b.local_number.as_ref()),
        },
        MergeRow {
            field: "date_of_birth",
            label: "Date of birth",
            keep: uk_date(&a.date_of_birth, true),
            take: uk_date(&b.date_of_birth, true),
        },
        MergeRow { field: "gender", label: "Gender", keep: a.gender.clone(), take: b.gender.clone() },
        MergeRow { field: "address", label: "Address", keep: address(a), take: address(b) },
        MergeRow { field: "phones", label: "Phones", keep: phones(&keep), take: phones(&other) },
        MergeRow { field: "email", label: "Email", keep: or_none(a.email.as_ref()), take: or_none(b.email.as_ref()) },
        MergeRow {
            field: "preferred_language",
            label: "Preferred language",
            keep: language_name(&a.preferred_language),
            take: language_name(&b.preferred_language),
        },
        MergeRow {
            field: "registration_status",
            label: "Registration",
            keep: status_label(&a.registration_status).into(),
            take: status_label(&b.registration_status).into(),
        },
    ];
    ok(&MergeReviewPage {
        shell: Shell::staff("Check and choose what to keep", &staff),
        csrf: staff.csrf.clone(),
        id: keep.row.id,
        other_id: other.row.id,
        rows,
    })
}

pub async fn merge(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(other) = f.get("other").and_then(|o| o.parse::<Uuid>().ok()) else {
        return see_other(&format!("/staff/patients/{id}/merge"));
    };
    let take: Vec<String> = app::patients::merge::MERGE_FIELDS
        .iter()
        .filter(|field| f.get(**field).map(String::as_str) == Some("take"))
        .map(|s| s.to_string())
        .collect();
    match state.app.merge_patients(&staff.ctx, id, other, &take, f.get("reason").map(String::as_str)).await {
        Ok(r) => {
            set_flash(&staff, "The records have been merged.").await;
            see_other(&format!("/staff/patients/{}", r.row.id))
        }
        Err(AppError::Conflict { message }) => {
            set_flash(&staff, &message).await;
            see_other(&format!("/staff/patients/{id}"))
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[derive(Template)]
#[template(path = "staff/patients/needs.html")]
struct NeedsPage {
    shell: Shell,
    csrf: String,
    banner: Banner,
    id: Uuid,
    flash: Option<String>,
    current: Vec<NeedItem>,
    catalogue: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
}

pub struct NeedItem {
    id: Uuid,
    label: String,
    detail: Option<String>,
    /// "Reviewed on 22 November 2026" or "Not reviewed yet".
    reviewed: String,
}

fn needs_catalogue() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    use domain::patients::ais::{CATALOGUE, NeedCategory};
    [
        NeedCategory::CommunicationProfessional,
        NeedCategory::CommunicationSupport,
        NeedCategory::ContactMethod,
        NeedCategory::InformationFormat,
        NeedCategory::LongerAppointment,
    ]
    .into_iter()
    .map(|c| (c.label(), CATALOGUE.iter().filter(|k| k.category == c).map(|k| (k.code, k.label)).collect()))
    .collect()
}

async fn needs_page(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    match open_record(state, staff, id).await {
        Ok(r) => {
            let current = r
                .needs
                .iter()
                .map(|n| NeedItem {
                    id: n.id,
                    label: domain::patients::ais::need(&n.code)
                        .map(|k| k.label.to_owned())
                        .unwrap_or_else(|_| n.code.clone()),
                    detail: n.detail.clone(),
                    reviewed: match &n.reviewed_on {
                        Some(on) => format!("Reviewed on {}", uk_date(on, true)),
                        None => "Not reviewed yet".to_owned(),
                    },
                })
                .collect();
            let flash = take_flash(staff).await;
            render(
                &NeedsPage {
                    shell: Shell::staff("Communication and information needs", staff).with_errors(errors),
                    csrf: staff.csrf.clone(),
                    banner: Banner::of(&r),
                    id: r.row.id,
                    flash,
                    current,
                    catalogue: needs_catalogue(),
                },
                status,
            )
        }
        Err(page) => page,
    }
}

pub async fn needs(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    needs_page(&state, &staff, id, vec![], StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct NeedForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
}

pub async fn add_need(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<NeedForm>,
) -> Response {
    if f.code.trim().is_empty() {
        return needs_page(
            &state,
            &staff,
            id,
            vec![FieldError::new("code", "Choose a need")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state.app.add_need(&staff.ctx, id, &f.code, opt(&f.detail).as_deref()).await {
        Ok(_) => {
            set_flash(&staff, "The need has been recorded.").await;
            see_other(&format!("/staff/patients/{id}/needs"))
        }
        Err(AppError::Invalid(inv)) => needs_page(&state, &staff, id, inv.0, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(AppError::Conflict { message }) => {
            set_flash(&staff, &message).await;
            see_other(&format!("/staff/patients/{id}/needs"))
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

pub async fn remove_need(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, need_id)): Path<(Uuid, Uuid)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Response {
    match state.app.remove_need(&staff.ctx, id, need_id).await {
        Ok(()) => {
            set_flash(&staff, "The need has been removed. It stays in the history.").await;
            see_other(&format!("/staff/patients/{id}/needs"))
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

pub async fn review_need(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, need_id)): Path<(Uuid, Uuid)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Response {
    match state.app.review_need(&staff.ctx, id, need_id).await {
        Ok(_) => {
            set_flash(&staff, "The need has been marked as reviewed today.").await;
            see_other(&format!("/staff/patients/{id}/needs"))
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RelatedForm {
    name: String,
    relationship: String,
    phone: String,
    email: String,
    may_book: Option<String>,
    may_receive_messages: Option<String>,
    consent_source: String,
}

const RELATIONSHIP_LABELS: [(&str, &str); 6] = [
    ("carer", "Carer"),
    ("next_of_kin", "Next of kin"),
    ("parent", "Parent"),
    ("guardian", "Guardian"),
    ("proxy", "Proxy (acts for the patient)"),
    ("other", "Other"),
];

#[derive(Template)]
#[template(path = "staff/patients/related_new.html")]
struct RelatedPage {
    shell: Shell,
    csrf: String,
    banner: Banner,
    id: Uuid,
    form: RelatedForm,
    relationships: [(&'static str, &'static str); 6],
}

async fn related_page(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    form: RelatedForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    match open_record(state, staff, id).await {
        Ok(r) => render(
            &RelatedPage {
                shell: Shell::staff("Add a carer or other person", staff).with_errors(errors),
                csrf: staff.csrf.clone(),
                banner: Banner::of(&r),
                id: r.row.id,
                form,
                relationships: RELATIONSHIP_LABELS,
            },
            status,
        ),
        Err(page) => page,
    }
}

pub async fn related_form(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    related_page(&state, &staff, id, RelatedForm::default(), vec![], StatusCode::OK).await
}

pub async fn add_related(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<RelatedForm>,
) -> Response {
    let input = app::patients::parts::RelatedPersonInput {
        name: f.name.clone(),
        relationship: f.relationship.clone(),
        phone: opt(&f.phone),
        email: opt(&f.email),
        may_book: f.may_book.is_some(),
        may_receive_messages: f.may_receive_messages.is_some(),
        consent_source: opt(&f.consent_source),
        valid_from: None,
        valid_to: None,
    };
    match state.app.add_related_person(&staff.ctx, id, &input).await {
        Ok(_) => {
            set_flash(&staff, "The person has been added.").await;
            see_other(&format!("/staff/patients/{id}"))
        }
        Err(AppError::Invalid(inv)) => {
            related_page(&state, &staff, id, f, inv.0, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}

#[derive(Template)]
#[template(path = "staff/patients/alert_new.html")]
struct AlertPage {
    shell: Shell,
    csrf: String,
    banner: Banner,
    id: Uuid,
    text: String,
}

#[derive(Deserialize)]
pub struct AlertForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

pub async fn alert_form(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Response {
    if let Err(e) = state.app.may(&staff.ctx, Action::EditRestrictedAlerts).await {
        return PageError(e, staff.op()).into_response();
    }
    match open_record(&state, &staff, id).await {
        Ok(r) => ok(&AlertPage {
            shell: Shell::staff("Add a restricted alert", &staff),
            csrf: staff.csrf.clone(),
            banner: Banner::of(&r),
            id: r.row.id,
            text: String::new(),
        }),
        Err(page) => page,
    }
}

pub async fn add_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<AlertForm>,
) -> Response {
    match state.app.add_alert(&staff.ctx, id, &f.kind, &f.text).await {
        Ok(_) => {
            set_flash(&staff, "The alert has been added.").await;
            see_other(&format!("/staff/patients/{id}"))
        }
        Err(AppError::Invalid(inv)) => match open_record(&state, &staff, id).await {
            Ok(r) => render(
                &AlertPage {
                    shell: Shell::staff("Add a restricted alert", &staff).with_errors(inv.0),
                    csrf: staff.csrf.clone(),
                    banner: Banner::of(&r),
                    id: r.row.id,
                    text: f.text,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(page) => page,
        },
        Err(e) => PageError(e, staff.op()).into_response(),
    }
}
