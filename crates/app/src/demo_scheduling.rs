//! The demo practice's diary: services (GP face to face, telephone and video, practice nurse, blood tests,
//! private physiotherapy), rooms at both sites, twelve practitioners with weekly rotas from eight weeks ago
//! to twelve weeks ahead and a little leave, about 60% of the slots from eight weeks ago to two weeks
//! ahead booked (with attendance, waits, DNAs and cancellations as a real practice has them), a waiting
//! list and inbound referrals. Deterministic apart from ids and the day it is run.
//!
//! The set-up goes through the use-cases; the appointments are history, which no use-case may write
//! (booking refuses the past), so they are written straight to the store a week per transaction.

use crate::demo_patients::DemoPatient;
use crate::scheduling::setup::{PractitionerInput, ServiceInput, SessionInput};
use crate::scheduling::site_calendar;
use crate::{App, AppError, Ctx, Result};
use domain::governance::audit::Outcome;
use domain::scheduling::appointment::AppointmentStatus;
use domain::scheduling::waiting::{ReferralPriority, ReferralTargets};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use store::Ts;
use store::organisation::SiteRow;
use store::scheduling::waiting::{self as waiting_store, WaitingRow};
use store::scheduling::{
    self as schedule_store, AppointmentEventRow, AppointmentRow, ExceptionRow, ReferralRow, ServiceRow,
};
use uuid::Uuid;

/// Share of the slots given an appointment (a little over 60%: some are cancelled and not rebooked).
const FILL: f64 = 0.62;
/// Weeks of history and of rota ahead; days of bookings ahead.
const WEEKS_BACK: i64 = 8;
const WEEKS_AHEAD: i64 = 12;
const DAYS_BOOKED_AHEAD: i64 = 13;

// Services, by index.
const GP: usize = 0;
const PHONE: usize = 1;
const VIDEO: usize = 2;
const NURSE: usize = 3;
const BLOODS: usize = 4;
const PHYSIO: usize = 5;

struct ServiceSpec {
    name: &'static str,
    description: &'static str,
    minutes: i64,
    mode: &'static str,
    online: bool,
    max_days_ahead: i64,
    cancel_cutoff_minutes: i64,
    price_pence: Option<i64>,
    funding: &'static str,
    preparation: &'static str,
    aftercare: &'static str,
    /// How far ahead people book it: shares booked the same day, the day before, 2–7 days and 8–28 days
    /// ahead.
    lead: [f64; 4],
}

const SERVICES: [ServiceSpec; 6] = [
    ServiceSpec {
        name: "GP appointment",
        description: "A 10-minute appointment with a GP at the surgery, for one problem.",
        minutes: 10,
        mode: "face_to_face",
        online: true,
        max_days_ahead: 28,
        cancel_cutoff_minutes: 60,
        price_pence: None,
        funding: "nhs",
        preparation: "Please arrive 5 minutes early and bring a list of any medicines you take.",
        aftercare: "",
        lead: [0.40, 0.12, 0.28, 0.20],
    },
    ServiceSpec {
        name: "GP telephone appointment",
        description: "A GP phones you back at about the time booked. Keep your phone with you.",
        minutes: 10,
        mode: "telephone",
        online: true,
        max_days_ahead: 7,
        cancel_cutoff_minutes: 30,
        price_pence: None,
        funding: "nhs",
        preparation: "We may call from a withheld number.",
        aftercare: "",
        lead: [0.80, 0.12, 0.08, 0.0],
    },
    ServiceSpec {
        name: "GP video appointment",
        description: "A video call with a GP. You need a phone, tablet or computer with a camera.",
        minutes: 10,
        mode: "video",
        online: true,
        max_days_ahead: 14,
        cancel_cutoff_minutes: 30,
        price_pence: None,
        funding: "nhs",
        preparation: "We will text you a link 10 minutes before. Find a quiet, private place.",
        aftercare: "",
        lead: [0.50, 0.15, 0.25, 0.10],
    },
    ServiceSpec {
        name: "Practice nurse appointment",
        description: "Dressings, injections, smears, blood pressure and long-term condition reviews.",
        minutes: 15,
        mode: "face_to_face",
        online: true,
        max_days_ahead: 42,
        cancel_cutoff_minutes: 120,
        price_pence: None,
        funding: "nhs",
        preparation: "Wear loose sleeves if you are having an injection.",
        aftercare: "",
        lead: [0.08, 0.10, 0.40, 0.42],
    },
    ServiceSpec {
        name: "Blood test",
        description: "A blood sample taken by a phlebotomist or nurse, when a clinician has asked for one.",
        minutes: 5,
        mode: "face_to_face",
        online: true,
        max_days_ahead: 28,
        cancel_cutoff_minutes: 60,
        price_pence: None,
        funding: "nhs",
        preparation: "Drink plenty of water beforehand. If you were told to fast, eat nothing after midnight.",
        aftercare: "Results usually take 3 to 5 working days. We will contact you if anything needs action.",
        lead: [0.15, 0.15, 0.40, 0.30],
    },
    ServiceSpec {
        name: "Physiotherapy (private)",
        description: "A 30-minute assessment or treatment with a physiotherapist. Paid for by you.",
        minutes: 30,
        mode: "face_to_face",
        online: true,
        max_days_ahead: 56,
        cancel_cutoff_minutes: 24 * 60,
        price_pence: Some(5_500),
        funding: "private",
        preparation: "Wear or bring clothes that let the physiotherapist see the area that hurts.",
        aftercare: "Do the exercises you were shown twice a day. Cancelling within 24 hours is charged.",
        lead: [0.02, 0.05, 0.33, 0.60],
    },
];

/// Name, profession, languages, services delivered.
const PRACTITIONERS: [(&str, &str, &[&str], &[usize]); 12] = [
    ("Dr Sarah Okonkwo", "GP", &["en", "ig"], &[GP, PHONE, VIDEO]),
    ("Dr Imran Qureshi", "GP", &["en", "ur", "pa"], &[GP, PHONE, VIDEO]),
    ("Dr Katarzyna Nowak", "GP", &["en", "pl"], &[GP, PHONE, VIDEO]),
    ("Dr James Whitfield", "GP", &["en"], &[GP, PHONE, VIDEO]),
    ("Dr Rhian Llywelyn", "GP", &["cy", "en"], &[GP, PHONE, VIDEO]),
    ("Dr Mohammed Farah", "GP", &["en", "so", "ar"], &[GP, PHONE, VIDEO]),
    ("Dr Wei Zhang", "GP", &["en", "zh"], &[GP, PHONE, VIDEO]),
    ("Grace Mensah", "Practice nurse", &["en", "ak"], &[NURSE, BLOODS]),
    ("Tomasz Zieliński", "Practice nurse", &["en", "pl"], &[NURSE]),
    ("Elin Pritchard", "Practice nurse", &["cy", "en"], &[NURSE]),
    ("Aisha Rahman", "Phlebotomist", &["en", "bn"], &[BLOODS]),
    ("Ben Carter", "Physiotherapist", &["en"], &[PHYSIO]),
];

// Sites, by index (the order seed_demo creates them in).
const RIVERSIDE: usize = 0;
const BONT: usize = 1;

const ROOMS: [(usize, &str, &str); 14] = [
    (RIVERSIDE, "Consulting room 1", "wheelchair accessible,hearing loop"),
    (RIVERSIDE, "Consulting room 2", "wheelchair accessible"),
    (RIVERSIDE, "Consulting room 3", ""),
    (RIVERSIDE, "Consulting room 4", ""),
    (RIVERSIDE, "Consulting room 5", "wheelchair accessible"),
    (RIVERSIDE, "Treatment room 1", "treatment couch,wheelchair accessible"),
    (RIVERSIDE, "Treatment room 2", "treatment couch"),
    (RIVERSIDE, "Phlebotomy room", "wheelchair accessible"),
    (RIVERSIDE, "Physio room", "treatment couch,wheelchair accessible"),
    (BONT, "Consulting room 1", "wheelchair accessible,hearing loop"),
    (BONT, "Consulting room 2", ""),
    (BONT, "Consulting room 3", "wheelchair accessible"),
    (BONT, "Treatment room", "treatment couch,wheelchair accessible"),
    (BONT, "Phlebotomy room", ""),
];

const WEEK: &[&str] = &["monday", "tuesday", "wednesday", "thursday", "friday"];
const MON_THU: &[&str] = &["monday", "tuesday", "wednesday", "thursday"];
const TUE_FRI: &[&str] = &["tuesday", "wednesday", "thursday", "friday"];
const MON_WED: &[&str] = &["monday", "wednesday"];
const TUE_THU: &[&str] = &["tuesday", "thursday"];
const MON_WED_FRI: &[&str] = &["monday", "wednesday", "friday"];
const NOT_WED: &[&str] = &["monday", "tuesday", "thursday", "friday"];

/// Weekly sessions: practitioner, site, room, days, start, end, services. Every session offers services
/// of one length, so a slot is one practitioner's start time whichever of them is booked.
type SessionSpec =
    (usize, usize, Option<&'static str>, &'static [&'static str], &'static str, &'static str, &'static [usize]);

const SESSIONS: &[SessionSpec] = &[
    // GPs: a telephone half hour before surgery, then morning and afternoon surgeries.
    (0, RIVERSIDE, None, WEEK, "08:00", "08:30", &[PHONE]),
    (0, RIVERSIDE, Some("Consulting room 1"), WEEK, "08:30", "12:00", &[GP, VIDEO]),
    (0, RIVERSIDE, Some("Consulting room 1"), WEEK, "14:00", "17:30", &[GP, VIDEO]),
    (1, RIVERSIDE, None, WEEK, "08:00", "08:30", &[PHONE]),
    (1, RIVERSIDE, Some("Consulting room 2"), WEEK, "08:30", "12:00", &[GP, VIDEO]),
    (1, RIVERSIDE, Some("Consulting room 2"), WEEK, "14:00", "17:30", &[GP, VIDEO]),
    (2, RIVERSIDE, None, TUE_FRI, "08:00", "08:30", &[PHONE]),
    (2, RIVERSIDE, Some("Consulting room 3"), TUE_FRI, "08:30", "12:00", &[GP, VIDEO]),
    (2, RIVERSIDE, Some("Consulting room 3"), TUE_FRI, "14:00", "17:30", &[GP, VIDEO]),
    (3, RIVERSIDE, None, MON_THU, "08:00", "08:30", &[PHONE]),
    (3, RIVERSIDE, Some("Consulting room 4"), MON_THU, "08:30", "12:00", &[GP, VIDEO]),
    (3, RIVERSIDE, Some("Consulting room 4"), MON_THU, "14:00", "17:30", &[GP, VIDEO]),
    (4, BONT, None, WEEK, "08:00", "08:30", &[PHONE]),
    (4, BONT, Some("Consulting room 1"), WEEK, "08:30", "12:00", &[GP, VIDEO]),
    (4, BONT, Some("Consulting room 1"), NOT_WED, "14:00", "17:30", &[GP, VIDEO]),
    // Wednesday afternoons: remote consultations only.
    (4, BONT, None, &["wednesday"], "14:00", "17:30", &[PHONE, VIDEO]),
    (5, BONT, None, WEEK, "08:00", "08:30", &[PHONE]),
    (5, BONT, Some("Consulting room 2"), WEEK, "08:30", "12:00", &[GP, VIDEO]),
    (5, BONT, Some("Consulting room 2"), WEEK, "14:00", "17:30", &[GP, VIDEO]),
    // Dr Zhang works at both sites, and takes calls from home on Friday mornings.
    (6, RIVERSIDE, Some("Consulting room 5"), MON_WED, "08:30", "12:00", &[GP, VIDEO]),
    (6, RIVERSIDE, Some("Consulting room 5"), MON_WED, "14:00", "17:30", &[GP, VIDEO]),
    (6, BONT, Some("Consulting room 3"), TUE_THU, "08:30", "12:00", &[GP, VIDEO]),
    (6, BONT, Some("Consulting room 3"), TUE_THU, "14:00", "17:30", &[GP, VIDEO]),
    (6, RIVERSIDE, None, &["friday"], "08:30", "12:00", &[PHONE, VIDEO]),
    // Nurses: mornings; Grace also runs a Tuesday-afternoon blood clinic.
    (7, RIVERSIDE, Some("Treatment room 1"), WEEK, "08:30", "12:30", &[NURSE]),
    (7, RIVERSIDE, Some("Treatment room 1"), &["tuesday"], "13:30", "16:00", &[BLOODS]),
    (8, RIVERSIDE, Some("Treatment room 2"), MON_THU, "08:30", "12:30", &[NURSE]),
    (9, BONT, Some("Treatment room"), WEEK, "08:30", "12:30", &[NURSE]),
    // The phlebotomist: early mornings, at both sites.
    (10, RIVERSIDE, Some("Phlebotomy room"), MON_WED_FRI, "08:00", "11:00", &[BLOODS]),
    (10, BONT, Some("Phlebotomy room"), TUE_THU, "08:00", "11:00", &[BLOODS]),
    // The physiotherapist: two afternoons, one at each site.
    (11, RIVERSIDE, Some("Physio room"), &["tuesday"], "13:30", "17:30", &[PHYSIO]),
    (11, BONT, Some("Treatment room"), &["thursday"], "13:30", "17:30", &[PHYSIO]),
];

/// Leave and training: practitioner, reason, first and last day (days from this week's Monday), part of
/// the day.
type ExceptionSpec = (usize, &'static str, i64, i64, Option<(&'static str, &'static str)>);

const EXCEPTIONS: [ExceptionSpec; 6] = [
    (3, "leave", -21, -18, None),
    (0, "sickness", -6, -5, None),
    (4, "training", -11, -11, Some(("14:00", "17:30"))),
    (7, "training", 9, 9, Some(("08:30", "10:30"))),
    (11, "leave", 14, 18, None),
    (5, "leave", 21, 25, None),
];

const PATIENT_CANCEL_REASONS: [&str; 6] = [
    "Feeling better",
    "Cannot get time off work",
    "Childcare",
    "Booked in error",
    "Seen elsewhere",
    "Transport fell through",
];
const PRACTICE_CANCEL_REASONS: [&str; 3] =
    ["Clinician off sick", "Clinician called to an emergency", "Session changed for training"];

/// What the demo diary holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoDiary {
    pub services: usize,
    pub practitioners: usize,
    pub rooms: usize,
    pub sessions: usize,
    pub exceptions: usize,
    /// Slots from eight weeks ago to two weeks ahead (one per practitioner and start time).
    pub slots: usize,
    pub appointments: usize,
    pub fulfilled: usize,
    pub noshow: usize,
    pub cancelled: usize,
    pub booked: usize,
    pub arrived: usize,
    pub waiting_list: usize,
    pub referrals: usize,
}

/// One practitioner's start time, with the services it can be booked for.
struct Cell {
    start: Timestamp,
    end: Timestamp,
    date: Date,
    session: Uuid,
    room: Option<Uuid>,
    site: usize,
    services: Vec<usize>,
}

/// An appointment being made up.
struct Draft {
    patient: usize,
    practitioner: usize,
    service: usize,
    site: usize,
    room: Option<Uuid>,
    start: Timestamp,
    end: Timestamp,
    date: Date,
    longer: bool,
    created: Timestamp,
    channel: &'static str,
    status: AppointmentStatus,
    /// When, by whom, why.
    cancelled: Option<(Timestamp, &'static str, &'static str)>,
    arrived: Option<Timestamp>,
    called: Option<Timestamp>,
    finished: Option<Timestamp>,
    dna_at: Option<Timestamp>,
}

impl Draft {
    #[allow(clippy::too_many_arguments)]
    fn new(
        patient: usize,
        longer: bool,
        practitioner: usize,
        service: usize,
        c: &Cell,
        end: Timestamp,
        created: Timestamp,
        channel: &'static str,
    ) -> Self {
        Draft {
            patient,
            practitioner,
            service,
            site: c.site,
            room: c.room,
            start: c.start,
            end,
            date: c.date,
            longer,
            created,
            channel,
            status: AppointmentStatus::Booked,
            cancelled: None,
            arrived: None,
            called: None,
            finished: None,
            dna_at: None,
        }
    }

    fn row(
        &self,
        id: Uuid,
        patients: &[DemoPatient],
        practitioner: Uuid,
        service: &ServiceRow,
        site: Uuid,
    ) -> AppointmentRow {
        let changes = [self.arrived, self.called, self.finished, self.dna_at, self.cancelled.map(|c| c.0)];
        let updated = changes.iter().flatten().copied().max().unwrap_or(self.created);
        let patient = &patients[self.patient];
        AppointmentRow {
            id,
            patient_id: patient.id,
            practitioner_id: practitioner,
            service_id: service.id,
            site_id: site,
            room_id: self.room,
            starts_at: Ts(self.start),
            ends_at: Ts(self.end),
            mode: service.mode.clone(),
            status: self.status.as_str().into(),
            active: self.status.is_active(),
            hold_expires_at: None,
            channel: self.channel.into(),
            booked_by: None,
            overbooked: false,
            overbook_reason: None,
            interpreter_language: patient.interpreter_language.clone(),
            longer: self.longer,
            cancelled_by: self.cancelled.map(|c| c.1.to_owned()),
            cancel_reason: self.cancelled.map(|c| c.2.to_owned()),
            arrived_at: self.arrived.map(Ts),
            called_at: self.called.map(Ts),
            finished_at: self.finished.map(Ts),
            sequence: i32::from(self.cancelled.is_some()),
            rescheduled_from: None,
            version: 1 + changes.iter().flatten().count() as i64,
            created_at: Ts(self.created),
            updated_at: Ts(updated),
        }
    }

    /// The appointment's history, as its page shows it.
    fn events(&self, id: Uuid, practitioner: &str) -> Vec<AppointmentEventRow> {
        let booker = if self.channel == "online" { "online" } else { "reception" };
        let remote = self.arrived.is_some() && self.arrived == self.called;
        let mut out = vec![(self.created, booker, "booked", None)];
        if let Some(at) = self.arrived.filter(|_| !remote) {
            out.push((at, "reception", "check_in", None));
        }
        out.extend(self.called.map(|at| (at, practitioner, "call_in", None)));
        out.extend(self.finished.map(|at| (at, practitioner, "finish", None)));
        out.extend(self.dna_at.map(|at| (at, "reception", "mark_dna", None)));
        out.extend(self.cancelled.map(|(at, _, why)| (at, "reception", "cancel", Some(why))));
        out.into_iter()
            .map(|(at, actor, action, detail)| AppointmentEventRow {
                id: domain::new_id(),
                appointment_id: id,
                at: Ts(at),
                actor: actor.into(),
                action: action.into(),
                detail: detail.map(str::to_owned),
            })
            .collect()
    }
}

/// A referral to make: where from, who, how urgent, why, for which service, its status, received how
/// many days ago, near which site, and the appointment it was booked into.
struct ReferralPlan {
    source: &'static str,
    referrer: &'static str,
    priority: ReferralPriority,
    reason: &'static str,
    service: usize,
    status: &'static str,
    days_ago: i64,
    site: usize,
    booked: Option<usize>,
}

type ReferralSpec = (&'static str, &'static str, ReferralPriority, &'static str, usize, &'static str, i64, usize);

const REFERRALS: [ReferralSpec; 15] = [
    (
        "Riverside Dental Practice",
        "Mr Owen Price, dentist",
        ReferralPriority::UrgentSuspectedCancer,
        "Non-healing ulcer on the side of the tongue for 4 weeks; please see and refer on under the 2-week wait",
        GP,
        "booked",
        5,
        RIVERSIDE,
    ),
    (
        "Breast Test Wales",
        "Dr Ffion Hughes, radiologist",
        ReferralPriority::UrgentSuspectedCancer,
        "Screening recall: please review, examine and take bloods before the breast clinic",
        GP,
        "waiting",
        12,
        BONT,
    ),
    (
        "Bristol community nursing team",
        "Sister Joy Adeyemi",
        ReferralPriority::UrgentSuspectedCancer,
        "Changing pigmented lesion on the back noticed at a dressing visit",
        GP,
        "open",
        16,
        RIVERSIDE,
    ),
    (
        "Cardiff sexual health clinic",
        "Dr Alun Jenkins",
        ReferralPriority::UrgentSuspectedCancer,
        "Post-menopausal bleeding; please arrange review and bloods",
        BLOODS,
        "booked",
        3,
        BONT,
    ),
    (
        "Bristol Royal Infirmary, Emergency Department",
        "Dr Helen Marsh",
        ReferralPriority::Urgent,
        "Seen with chest pain, troponin negative; please review blood pressure and lipids",
        GP,
        "booked",
        8,
        RIVERSIDE,
    ),
    (
        "Southmead Hospital, General Surgery",
        "Ward 24B discharge team",
        ReferralPriority::Urgent,
        "Wound check and removal of sutures 10 days after hernia repair",
        NURSE,
        "waiting",
        6,
        RIVERSIDE,
    ),
    (
        "NHS 111 Wales",
        "Clinical adviser, shift B",
        ReferralPriority::Urgent,
        "Recurrent urinary infections; please review and send urine for culture",
        GP,
        "closed",
        25,
        BONT,
    ),
    (
        "Boots Pharmacy, Broadmead",
        "Nia Evans, pharmacist",
        ReferralPriority::Urgent,
        "Blood pressure 182/110 at a pharmacy check, no symptoms",
        NURSE,
        "open",
        2,
        RIVERSIDE,
    ),
    (
        "University Hospital of Wales, Diabetes Centre",
        "Carys Morgan, diabetes specialist nurse",
        ReferralPriority::Urgent,
        "Started on insulin; please check HbA1c and kidney function in 4 weeks",
        BLOODS,
        "waiting",
        20,
        BONT,
    ),
    (
        "Spire Bristol Hospital, Orthopaedics",
        "Mr Daniel Osei, consultant",
        ReferralPriority::Routine,
        "Rehabilitation after anterior cruciate ligament repair of the right knee",
        PHYSIO,
        "booked",
        30,
        RIVERSIDE,
    ),
    (
        "Bristol City Council, Occupational Health",
        "Sam Fletcher, OH adviser",
        ReferralPriority::Routine,
        "Low back pain for 8 weeks affecting work; assessment and exercise programme",
        PHYSIO,
        "waiting",
        40,
        RIVERSIDE,
    ),
    (
        "Cardiff and Vale Falls Service",
        "Rhys Bowen, occupational therapist",
        ReferralPriority::Routine,
        "Two falls this year; strength and balance assessment",
        PHYSIO,
        "open",
        9,
        BONT,
    ),
    (
        "Bristol Eye Hospital",
        "Dr Priya Nair",
        ReferralPriority::Routine,
        "Raised intraocular pressure; please check blood pressure and blood sugar",
        NURSE,
        "waiting",
        35,
        RIVERSIDE,
    ),
    (
        "Health visiting team, Cardiff East",
        "Angharad Lewis, health visitor",
        ReferralPriority::Routine,
        "Child missed 12-month immunisations; please offer catch-up",
        NURSE,
        "closed",
        50,
        BONT,
    ),
    (
        "Avon and Wiltshire Mental Health Partnership",
        "Dr Tom Reilly, psychiatrist",
        ReferralPriority::Routine,
        "Started on lithium; please take levels and kidney and thyroid function",
        BLOODS,
        "open",
        4,
        RIVERSIDE,
    ),
];

fn referral_plan(
    rng: &mut StdRng,
    take_future: &mut impl FnMut(&mut StdRng, usize) -> Option<usize>,
) -> Vec<ReferralPlan> {
    REFERRALS
        .iter()
        .map(|&(source, referrer, priority, reason, service, status, days_ago, site)| {
            let booked = if status == "booked" { take_future(rng, service) } else { None };
            ReferralPlan {
                source,
                referrer,
                priority,
                reason,
                service,
                status: if status == "booked" && booked.is_none() { "open" } else { status },
                days_ago,
                site,
                booked,
            }
        })
        .collect()
}

/// A waiting-list entry to make (besides those from referrals).
struct WaitingPlan {
    service: usize,
    priority: &'static str,
    days: &'static str,
    times: &'static str,
    preferred_practitioner: Option<usize>,
    only_preferred: bool,
    source: &'static str,
    status: &'static str,
    days_ago: i64,
    site: usize,
    booked: Option<usize>,
}

fn waiting_plan(
    rng: &mut StdRng,
    take_future: &mut impl FnMut(&mut StdRng, usize) -> Option<usize>,
) -> Vec<WaitingPlan> {
    const SERVICES_WANTED: [usize; 26] = [
        GP, GP, GP, GP, GP, GP, GP, GP, GP, NURSE, NURSE, NURSE, NURSE, NURSE, PHYSIO, PHYSIO, PHYSIO, PHYSIO, PHYSIO,
        BLOODS, BLOODS, BLOODS, PHONE, PHONE, VIDEO, VIDEO,
    ];
    const DAYS: [&str; 6] = ["", "", "1,2,3", "4,5", "1,3,5", "2,4"];
    const TIMES: [&str; 5] = ["", "", "08:30-12:00", "14:00-17:30", "16:00-17:30"];
    SERVICES_WANTED
        .iter()
        .enumerate()
        .map(|(n, &service)| {
            let priority = match rng.random_range(0..100) {
                0..15 => "urgent",
                15..45 => "soon",
                _ => "routine",
            };
            let site = if rng.random_bool(0.65) { RIVERSIDE } else { BONT };
            let deliverers: Vec<usize> = PRACTITIONERS
                .iter()
                .enumerate()
                .filter(|(_, (.., delivers))| delivers.contains(&service))
                .map(|(i, _)| i)
                .collect();
            let preferred_practitioner =
                rng.random_bool(0.3).then(|| deliverers[rng.random_range(0..deliverers.len())]);
            // A few have been offered a slot and booked it; a couple were taken off the list.
            let booked = if n % 9 == 4 { take_future(rng, service) } else { None };
            WaitingPlan {
                service,
                priority,
                days: DAYS[rng.random_range(0..DAYS.len())],
                times: TIMES[rng.random_range(0..TIMES.len())],
                preferred_practitioner,
                only_preferred: rng.random_bool(0.3),
                source: if rng.random_bool(0.65) { "request" } else { "clinician" },
                status: if n % 13 == 7 { "removed" } else { "waiting" },
                days_ago: rng.random_range(1..=42),
                site,
                booked,
            }
        })
        .collect()
}

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

/// A point `frac` of the way from `a` to `b`, to the second.
fn between(a: Timestamp, b: Timestamp, frac: f64) -> Timestamp {
    a + secs((b.duration_since(a).as_secs_f64() * frac) as i64)
}

/// Days ahead an appointment was booked, drawn from the service's pattern.
fn lead_days(rng: &mut StdRng, lead: &[f64; 4]) -> i64 {
    let x: f64 = rng.random();
    if x < lead[0] {
        0
    } else if x < lead[0] + lead[1] {
        1
    } else if x < lead[0] + lead[1] + lead[2] {
        rng.random_range(2..=7)
    } else {
        rng.random_range(8..=28)
    }
}

/// The chance of a DNA for a lead time in days (domain-rules.md §8).
fn dna_chance(lead: i64) -> f64 {
    match lead {
        i64::MIN..=0 => 0.019,
        1 => 0.05,
        2..=7 => 0.068,
        _ => 0.085,
    }
}

/// Patients to draw from for each site: bookable ones living nearby (and a few from across town),
/// older people and small children more often, as in any GP list.
fn patient_pools(patients: &[DemoPatient]) -> [Vec<usize>; 2] {
    let mut pools = [Vec::new(), Vec::new()];
    for (i, p) in patients.iter().enumerate().filter(|(_, p)| p.bookable) {
        let home = if p.welsh { BONT } else { RIVERSIDE };
        let weight = if p.age_years >= 65 {
            3
        } else if p.age_years < 5 {
            2
        } else {
            1
        };
        pools[home].extend(std::iter::repeat_n(i, weight));
        if i % 10 == 0 {
            pools[1 - home].push(i);
        }
    }
    pools
}

/// How the appointment went, given who booked how far ahead, as far as it has gone by `now`.
/// `running` is when the practitioner's previous patient of that day left.
fn attend(
    rng: &mut StdRng,
    d: &mut Draft,
    now: Timestamp,
    lead: i64,
    remote: bool,
    running: &mut Option<(Date, Timestamp)>,
) {
    let date = d.date;
    if rng.random_bool(dna_chance(lead)) {
        let at = d.start + mins(rng.random_range(20..=45));
        if at <= now {
            d.status = AppointmentStatus::Noshow;
            d.dna_at = Some(at);
        }
        return;
    }
    // Most come a few minutes early; some are late but still seen.
    let arrival = (!remote).then(|| {
        if rng.random_bool(0.85) {
            d.start - secs(rng.random_range(0..=900))
        } else {
            d.start + secs(rng.random_range(60..=600))
        }
    });
    let ready = arrival.map_or(d.start, |a| a.max(d.start));
    let free = running.filter(|(day, _)| *day == date).map_or(ready, |(_, t)| t);
    let called = ready.max(free) + secs(rng.random_range(0..=180));
    let length = d.end.duration_since(d.start).as_secs_f64();
    let finished = called + secs((length * rng.random_range(0.6..1.5)) as i64);
    *running = Some((date, finished));
    if finished <= now {
        d.status = AppointmentStatus::Fulfilled;
        (d.arrived, d.called, d.finished) = (Some(arrival.unwrap_or(called)), Some(called), Some(finished));
    } else if called <= now {
        d.status = AppointmentStatus::Arrived;
        (d.arrived, d.called) = (Some(arrival.unwrap_or(called)), Some(called));
    } else if let Some(a) = arrival.filter(|a| *a <= now) {
        d.status = AppointmentStatus::Arrived;
        d.arrived = Some(a);
    }
}

impl App {
    /// Seed the demo diary for the sites `seed_demo` made (Riverside first) and its patients.
    pub async fn seed_demo_scheduling(&self, sites: &[SiteRow], patients: &[DemoPatient]) -> Result<DemoDiary> {
        if sites.len() < 2 {
            return Err(AppError::Internal("the demo diary needs the two demo sites".into()));
        }
        let op = Ctx::command_line();
        let mut rng = StdRng::seed_from_u64(20261124);
        let today = crate::patients::today();
        let monday = today - i64::from(today.weekday().to_monday_zero_offset()).days();
        let day = |offset: i64| today + offset.days();
        let mut diary = DemoDiary::default();

        // Practitioners, services, rooms, rotas.
        let mut practitioners = Vec::new();
        for (name, profession, languages, _) in PRACTITIONERS {
            let p = PractitionerInput {
                display_name: name.into(),
                profession: profession.into(),
                languages: languages.iter().map(|l| (*l).to_owned()).collect(),
                user_id: None,
            };
            practitioners.push(self.create_practitioner(&op, &p).await?);
        }
        let mut services = Vec::new();
        for (i, s) in SERVICES.iter().enumerate() {
            let input = ServiceInput {
                name: s.name.into(),
                description: s.description.into(),
                duration_minutes: s.minutes,
                buffer_minutes: 0,
                mode: s.mode.into(),
                bookable_online: s.online,
                min_notice_minutes: 0,
                max_days_ahead: s.max_days_ahead,
                cancel_cutoff_minutes: s.cancel_cutoff_minutes,
                price_pence: s.price_pence,
                funding: s.funding.into(),
                preparation: s.preparation.into(),
                aftercare: s.aftercare.into(),
                practitioners: PRACTITIONERS
                    .iter()
                    .zip(&practitioners)
                    .filter(|((.., delivers), _)| delivers.contains(&i))
                    .map(|(_, p)| p.id)
                    .collect(),
                reminder_hours: None,
            };
            services.push(self.create_service(&op, &input).await?);
        }
        let mut rooms = HashMap::new();
        for (site, name, features) in ROOMS {
            let features: Vec<String> = features.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect();
            let room = self.create_room(&op, sites[site].id, name, &features).await?;
            rooms.insert((site, name), room.id);
        }
        let (valid_from, valid_until) = (day(-7 * WEEKS_BACK), day(7 * WEEKS_AHEAD));
        for &(p, site, room, days, starts, ends, offered) in SESSIONS {
            for weekday in days {
                let input = SessionInput {
                    practitioner_id: practitioners[p].id,
                    site_id: sites[site].id,
                    room_id: room.map(|r| rooms[&(site, r)]),
                    weekday: (*weekday).into(),
                    starts: starts.into(),
                    ends: ends.into(),
                    valid_from: valid_from.to_string(),
                    valid_until: Some(valid_until.to_string()),
                    opens_on_bank_holidays: false,
                    services: offered.iter().map(|s| services[*s].id).collect(),
                };
                self.add_session(&op, &input).await?;
                diary.sessions += 1;
            }
        }
        let now = Timestamp::now();
        let mut tx = self.db().begin().await?;
        for (p, reason, first, last, part) in EXCEPTIONS {
            schedule_store::insert_exception(
                &mut tx,
                &ExceptionRow {
                    id: domain::new_id(),
                    practitioner_id: practitioners[p].id,
                    kind: "closure".into(),
                    reason: Some(reason.into()),
                    date_from: (monday + first.days()).to_string(),
                    date_until: (monday + last.days()).to_string(),
                    starts: part.map(|(s, _)| s.to_owned()),
                    ends: part.map(|(_, e)| e.to_owned()),
                    site_id: None,
                    room_id: None,
                    services: String::new(),
                    created_at: Ts(now),
                },
            )
            .await?;
        }
        store::scheduling::bump_rota_version(&mut tx).await?;
        tx.commit().await?;
        // Written straight to the store: nothing read before now describes them.
        self.diary().rota_changed();
        diary.services = services.len();
        diary.practitioners = practitioners.len();
        diary.rooms = rooms.len();
        diary.exceptions = EXCEPTIONS.len();

        // The slots, cut from the rotas just as booking cuts them.
        let (from, until) = (day(-7 * WEEKS_BACK), day(DAYS_BOOKED_AHEAD));
        let index: HashMap<Uuid, usize> = practitioners.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut cells: BTreeMap<(usize, Timestamp), Cell> = BTreeMap::new();
        for (si, service) in services.iter().enumerate() {
            let cal = self.calendar(service.id, None, None, from, until).await?;
            for slot in &cal.slots {
                let (Some(&p), Some(site)) = (
                    index.get(&slot.practitioner),
                    cal.site_of(slot).and_then(|s| sites.iter().position(|x| x.id == s.id)),
                ) else {
                    continue;
                };
                cells
                    .entry((p, slot.start))
                    .or_insert_with(|| Cell {
                        start: slot.start,
                        end: slot.end,
                        date: slot.date,
                        session: slot.session,
                        room: slot.room,
                        site,
                        services: Vec::new(),
                    })
                    .services
                    .push(si);
            }
        }
        diary.slots = cells.len();
        let mut by_practitioner: Vec<Vec<Cell>> = (0..practitioners.len()).map(|_| Vec::new()).collect();
        for ((p, _), cell) in cells {
            by_practitioner[p].push(cell);
        }
        let zones: Vec<TimeZone> = sites.iter().map(|s| site_calendar(s).map(|c| c.0)).collect::<Result<_>>()?;

        // The appointments.
        let pools = patient_pools(patients);
        let mut busy_days: HashSet<(usize, Date)> = HashSet::new();
        let mut drafts: Vec<Draft> = Vec::new();
        for (p, cells) in by_practitioner.iter().enumerate() {
            let mut running: Option<(Date, Timestamp)> = None;
            let mut k = 0;
            while k < cells.len() {
                let c = &cells[k];
                k += 1;
                if !rng.random_bool(FILL) {
                    continue;
                }
                let service = match c.services.as_slice() {
                    [GP, VIDEO] if rng.random_bool(0.8) => GP,
                    [only] => *only,
                    several => several[rng.random_range(0..several.len())],
                };
                let spec = &SERVICES[service];
                let remote = spec.mode != "face_to_face";
                let tz = &zones[c.site];
                // The following slot of the same session, for a patient who needs a double appointment.
                let next = cells.get(k).filter(|n| n.start == c.end && n.session == c.session);
                let pool = &pools[c.site];
                let free = |i: usize, busy: &HashSet<(usize, Date)>| {
                    !busy.contains(&(i, c.date))
                        && (service != PHYSIO || patients[i].age_years >= 16)
                        && (!patients[i].longer || next.is_some())
                };
                let Some(patient) =
                    (0..30).map(|_| pool[rng.random_range(0..pool.len())]).find(|i| free(*i, &busy_days))
                else {
                    continue;
                };
                busy_days.insert((patient, c.date));
                let longer = patients[patient].longer;
                let end = match next.filter(|_| longer) {
                    Some(n) => {
                        k += 1;
                        n.end
                    }
                    None => c.end,
                };
                let lead = lead_days(&mut rng, &spec.lead);
                let mut created = if lead == 0 {
                    c.start - mins(rng.random_range(15..=240))
                } else {
                    c.start - SignedDuration::from_hours(24 * lead) - mins(rng.random_range(0..=600))
                };
                if created >= now {
                    created = now - mins(rng.random_range(5..=2_880));
                }
                let lead = i64::from((c.date - created.to_zoned(tz.clone()).date()).get_days());
                let channel = match (remote, rng.random_range(0..100)) {
                    (_, 0..55) => "phone",
                    (_, 55..80) => "online",
                    (true, _) => "phone",
                    (false, _) => "desk",
                };
                let mut d = Draft::new(patient, longer, p, service, c, end, created, channel);
                let cancel_chance = if lead >= 1 { 0.055 } else { 0.012 };
                let latest = c.start.min(now);
                if !(rng.random_bool(cancel_chance) && latest.duration_since(created) > mins(30)) {
                    attend(&mut rng, &mut d, now, lead, remote, &mut running);
                    drafts.push(d);
                    continue;
                }
                let at = between(created, latest, rng.random_range(0.2..0.95));
                let by_patient = rng.random_bool(0.7);
                let reason = if by_patient {
                    PATIENT_CANCEL_REASONS[rng.random_range(0..PATIENT_CANCEL_REASONS.len())]
                } else {
                    PRACTICE_CANCEL_REASONS[rng.random_range(0..PRACTICE_CANCEL_REASONS.len())]
                };
                d.status = AppointmentStatus::Cancelled;
                d.cancelled = Some((at, if by_patient { "patient" } else { "practice" }, reason));
                drafts.push(d);
                // Half the slots patients give back go to someone else (one slot's worth).
                if !by_patient || latest.duration_since(at) < mins(30) || !rng.random_bool(0.5) {
                    continue;
                }
                let Some(other) = (0..30)
                    .map(|_| pool[rng.random_range(0..pool.len())])
                    .find(|i| free(*i, &busy_days) && !patients[*i].longer)
                else {
                    continue;
                };
                busy_days.insert((other, c.date));
                let created = between(at, latest, rng.random_range(0.05..0.9));
                let lead = i64::from((c.date - created.to_zoned(tz.clone()).date()).get_days());
                let mut d = Draft::new(other, false, p, service, c, c.end, created, "phone");
                attend(&mut rng, &mut d, now, lead, remote, &mut running);
                drafts.push(d);
            }
        }

        // Ids, and which future appointments came from the waiting list or a referral.
        let ids: Vec<Uuid> = drafts.iter().map(|_| domain::new_id()).collect();
        let mut future: Vec<usize> = (0..drafts.len())
            .filter(|&i| drafts[i].status == AppointmentStatus::Booked && drafts[i].start > now && !drafts[i].longer)
            .collect();
        let mut take_future = |rng: &mut StdRng, service: usize| -> Option<usize> {
            let candidates: Vec<usize> = future.iter().copied().filter(|&i| drafts[i].service == service).collect();
            let chosen = *candidates.get(rng.random_range(0..candidates.len().max(1)))?;
            future.retain(|&i| i != chosen);
            Some(chosen)
        };
        let referral_plan = referral_plan(&mut rng, &mut take_future);
        let waiting_plan = waiting_plan(&mut rng, &mut take_future);
        // 10:00 on a day at the practice, and no later than now.
        let morning = |d: Date| (d.to_zoned(zones[0].clone()).map_or(now, |z| z.timestamp()) + mins(600)).min(now);
        // Booked once the referral came in or the offer was made, not before.
        for (i, days_ago, offered) in referral_plan
            .iter()
            .filter_map(|r| Some((r.booked?, r.days_ago, false)))
            .chain(waiting_plan.iter().filter_map(|w| Some((w.booked?, w.days_ago, true))))
        {
            let d = &mut drafts[i];
            d.created = (morning(day(-days_ago)) + mins(rng.random_range(60..=4_320))).min(now - mins(5));
            if offered {
                d.channel = "waiting_list_offer";
            }
        }

        // Write the diary a week per transaction.
        let mut order: Vec<usize> = (0..drafts.len()).collect();
        order.sort_by_key(|&i| (drafts[i].start, drafts[i].practitioner));
        let week = |i: usize| (drafts[i].date - from).get_days() / 7;
        for chunk in order.chunk_by(|a, b| week(*a) == week(*b)) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut events = Vec::with_capacity(4 * chunk.len());
            for &i in chunk {
                let d = &drafts[i];
                let service = &services[d.service];
                rows.push(d.row(ids[i], patients, practitioners[d.practitioner].id, service, sites[d.site].id));
                events.extend(d.events(ids[i], &practitioners[d.practitioner].display_name));
                match d.status {
                    AppointmentStatus::Fulfilled => diary.fulfilled += 1,
                    AppointmentStatus::Noshow => diary.noshow += 1,
                    AppointmentStatus::Cancelled => diary.cancelled += 1,
                    AppointmentStatus::Arrived => diary.arrived += 1,
                    _ => diary.booked += 1,
                }
            }
            let mut tx = self.db().begin().await?;
            schedule_store::insert_appointments(&mut tx, &rows).await?;
            schedule_store::add_events(&mut tx, &events).await?;
            tx.commit().await?;
            diary.appointments += rows.len();
        }

        // Referrals, then the waiting list (some entries come from the referrals).
        let targets = ReferralTargets::default();
        let mut tx = self.db().begin().await?;
        let mut referral_ids = Vec::new();
        let mut waiting_rows = Vec::new();
        for r in &referral_plan {
            let patient = match r.booked {
                Some(i) => drafts[i].patient,
                None => pools[r.site][rng.random_range(0..pools[r.site].len())],
            };
            let received = day(-r.days_ago);
            let target = targets.target_date(received, r.priority);
            let id = domain::new_id();
            schedule_store::insert_referral(
                &mut tx,
                &ReferralRow {
                    id,
                    patient_id: patients[patient].id,
                    source_organisation: r.source.into(),
                    referrer: r.referrer.into(),
                    priority: r.priority.as_str().into(),
                    received_on: received.to_string(),
                    target_date: target.to_string(),
                    reason: r.reason.into(),
                    service_id: Some(services[r.service].id),
                    status: r.status.into(),
                    appointment_id: r.booked.map(|i| ids[i]),
                    created_at: Ts(morning(received)),
                },
            )
            .await?;
            referral_ids.push(id);
            if r.status == "waiting" {
                waiting_rows.push(WaitingRow {
                    id: domain::new_id(),
                    patient_id: patients[patient].id,
                    service_id: services[r.service].id,
                    priority: r.priority.waiting_priority().as_str().into(),
                    preferred_days: String::new(),
                    preferred_times: String::new(),
                    preferred_practitioner_id: None,
                    only_preferred_practitioner: false,
                    added_on: received.to_string(),
                    target_date: Some(target.to_string()),
                    source: "referral".into(),
                    referral_id: Some(id),
                    status: "waiting".into(),
                    appointment_id: None,
                    created_at: Ts(morning(received)),
                });
            }
        }
        for w in &waiting_plan {
            let patient = match w.booked {
                Some(i) => drafts[i].patient,
                None => pools[w.site][rng.random_range(0..pools[w.site].len())],
            };
            let added = day(-w.days_ago);
            let preferred = w.preferred_practitioner.map(|p| practitioners[p].id);
            waiting_rows.push(WaitingRow {
                id: domain::new_id(),
                patient_id: patients[patient].id,
                service_id: services[w.service].id,
                priority: w.priority.into(),
                preferred_days: w.days.into(),
                preferred_times: w.times.into(),
                preferred_practitioner_id: preferred,
                only_preferred_practitioner: preferred.is_some() && w.only_preferred,
                added_on: added.to_string(),
                target_date: Some(
                    (added
                        + match w.priority {
                            "urgent" => 7,
                            "soon" => 14,
                            _ => 42,
                        }
                        .days())
                    .to_string(),
                ),
                source: w.source.into(),
                referral_id: None,
                status: if w.booked.is_some() { "booked" } else { w.status }.into(),
                appointment_id: w.booked.map(|i| ids[i]),
                created_at: Ts(morning(added)),
            });
        }
        for w in &waiting_rows {
            waiting_store::insert_waiting(&mut tx, w).await?;
        }
        diary.referrals = referral_ids.len();
        diary.waiting_list = waiting_rows.len();
        let mut e =
            crate::governance::access::entry(&op, "seed_demo_scheduling", "appointment", None, Outcome::Allowed);
        e.reason = Some(format!(
            "{} appointments, {} waiting-list entries and {} referrals added for the demo",
            diary.appointments, diary.waiting_list, diary.referrals
        ));
        store::governance::audit::append(&mut tx, e).await?;
        tx.commit().await?;
        tracing::info!(?diary, "demo diary seeded");
        Ok(diary)
    }
}
